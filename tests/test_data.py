"""minitorch_rnn.utils.data: datasets, samplers, collation and the DataLoader, as torch's.

The shuffled orders are compared with torch 2.13's, stored in ``tests/reference/random.npz``
(``data/...``, written by ``tests/reference/make_reference_random.py``) and live when torch is
installed.
"""

from __future__ import annotations

import collections
import warnings
from typing import Any

import numpy as np
import pytest
from random_calls import data_pipeline
from reference_data import REFERENCE_DIR

import minitorch_rnn as mt
from minitorch_rnn.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

CASES = [(seed, gen) for seed in (0, 3) for gen in (False, True)]


def test_import_paths_are_torchs() -> None:
    import minitorch_rnn.utils.data as data

    torch = mt
    assert torch.utils.data.DataLoader is DataLoader is data.DataLoader


@pytest.mark.parametrize("seed, use_generator", CASES)
def test_shuffled_batches_match_stored_torch(seed: int, use_generator: bool) -> None:
    with np.load(REFERENCE_DIR / "random.npz") as archive:
        prefix = f"data/seed{seed}_generator{int(use_generator)}/"
        expected = [archive[k] for k in sorted(archive.files, key=_order) if k.startswith(prefix)]
    got = data_pipeline(mt, seed, use_generator)
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert np.array_equal(g.numpy(), e) and g.dtype == e.dtype, f"item {i}: {g} vs {e}"


def _order(key: str) -> tuple[str, int]:
    head, _, tail = key.rpartition("/")
    return head, int(tail) if tail.isdigit() else -1


@pytest.mark.parametrize("seed, use_generator", CASES)
def test_shuffled_batches_match_live_torch(seed: int, use_generator: bool) -> None:
    torch = pytest.importorskip("torch")
    got, expected = data_pipeline(mt, seed, use_generator), data_pipeline(torch, seed, use_generator)
    assert [g.tolist() for g in got] == [e.tolist() for e in expected]


# ---- datasets ---------------------------------------------------------------------------------
def test_tensor_dataset_and_subset() -> None:
    x, y = mt.arange(0, 10), mt.arange(10, 20)
    ds = TensorDataset(x, y)
    assert len(ds) == 10 and [t.item() for t in ds[3]] == [3, 13]
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 17
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, mt.arange(0, 3))


def test_concat_and_custom_dataset() -> None:
    class Squares(Dataset):
        def __init__(self, n: int) -> None:
            self.n = n

        def __len__(self) -> int:
            return self.n

        def __getitem__(self, i: int) -> int:
            return i * i

    both = Squares(3) + Squares(2)
    assert isinstance(both, ConcatDataset)
    assert [both[i] for i in range(len(both))] == [0, 1, 4, 0, 1] and both[-1] == 1


def test_random_split_lengths_and_errors() -> None:
    mt.manual_seed(0)
    parts = random_split(range(10), [0.33, 0.33, 0.34])
    assert [len(p) for p in parts] == [4, 3, 3]  # floors 3, 3, 3; the remainder to the first
    assert sorted(i for p in parts for i in p) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])


# ---- samplers ---------------------------------------------------------------------------------
def test_samplers() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = mt.Generator().manual_seed(0)
    order = list(RandomSampler(range(6), generator=g))
    assert sorted(order) == list(range(6))
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_each_epoch_is_a_new_order_and_the_seed_repeats_them() -> None:
    ds = TensorDataset(mt.arange(0, 50))
    mt.manual_seed(1)
    loader = DataLoader(ds, batch_size=50, shuffle=True)
    first, second = (next(iter(loader))[0].tolist() for _ in range(2))
    assert first != second and sorted(first) == list(range(50))
    mt.manual_seed(1)
    assert next(iter(loader))[0].tolist() == first


# ---- collation and the loader ------------------------------------------------------------------
def test_default_collate() -> None:
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([(mt.ones(2), 1, 0.5, "a"), (mt.zeros(2), 2, 1.5, "b")])
    assert batch[0].shape == (2, 2) and batch[1].dtype == mt.int64
    assert batch[2].dtype == mt.float64 and batch[3] == ["a", "b"]
    d = default_collate([{"x": np.ones(3, dtype=np.float32)}, {"x": np.zeros(3, dtype=np.float32)}])
    assert d["x"].shape == (2, 3) and d["x"].dtype == mt.float32
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object()])


def test_loader_batches_len_and_options() -> None:
    ds = TensorDataset(mt.arange(0, 10), mt.arange(0, 10) * 10)
    loader = DataLoader(ds, batch_size=4)
    batches = [(x.tolist(), y.tolist()) for x, y in loader]
    assert batches[0] == ([0, 1, 2, 3], [0, 10, 20, 30]) and batches[-1][0] == [8, 9]
    assert len(loader) == 3 and len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    custom = DataLoader(ds, batch_size=5, collate_fn=lambda samples: len(samples))
    assert list(custom) == [5, 5]
    assert [b[0].item() for b in DataLoader(ds, batch_size=None)][:3] == [0, 1, 2]
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))


def test_workers_load_in_process_with_one_note() -> None:
    import minitorch_rnn.utils.data.dataloader as dl

    dl._warned_workers = False
    ds = TensorDataset(mt.arange(0, 6))
    with pytest.warns(UserWarning, match="loads data in the main process"):
        loader = DataLoader(ds, batch_size=3, num_workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DataLoader(ds, batch_size=3, num_workers=4)  # noted once only
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]


def test_a_tutorial_training_loop_runs() -> None:
    mt.manual_seed(0)
    x = mt.randn(64, 3)
    y = x @ mt.tensor([[1.0], [-2.0], [0.5]])
    model = mt.nn.Linear(3, 1)
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    losses: list[Any] = []
    for _ in range(5):
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
            loss = mt.nn.functional.mse_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < losses[0] / 10
