"""The wider nn surface: softmax family, NLL / cross entropy with weights, ignore_index and
label smoothing, L1 / smooth L1 / Huber / BCE losses, Embedding, one_hot, Flatten, Identity,
ModuleList / ModuleDict and the Module tree methods.

Numbers come from ``nn_surface_table.py``: stored torch results (``reference/nn_surface.npz``),
finite differences, and live torch when it is installed. Below the numbers: module behaviour,
reprs and errors in torch's words.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from nn_surface_table import CASES, CASES_BY_NAME, FLOAT32_CASES, SMOOTH_CASES
from op_table import OpCase, case_rng, first_output, make_inputs, run_case

import minitorch_rnn as mt

nn = mt.nn
F = mt.nn.functional

REFERENCE_FILE = Path(__file__).parent / "reference" / "nn_surface.npz"
TOLERANCE = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6),
}
RUNS = [pytest.param(case, np.float64, id=case.name) for case in CASES] + [
    pytest.param(case, np.float32, id=f"{case.name}-f32") for case in FLOAT32_CASES
]
# Where torch records one node and so do we, the node has torch's name.
ONE_NODE = {"LogSoftmaxBackward0", "SoftmaxBackward0", "EmbeddingBackward0",
            "BinaryCrossEntropyBackward0"}


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE_FILE) as npz:
        return {key: npz[key] for key in npz.files}


def assert_same(actual: Any, expected: np.ndarray, what: str) -> None:
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    np.testing.assert_allclose(actual, expected, err_msg=what, **TOLERANCE[expected.dtype])


# --------------------------------------------------------------------------- numbers


def test_reference_covers_the_table(reference: dict[str, np.ndarray]) -> None:
    stored = {key.split("/")[0] for key in reference if not key.startswith("__meta__")}
    hint = "re-run `python tests/reference/make_reference_nn_surface.py`"
    assert stored == set(CASES_BY_NAME), hint


@pytest.mark.parametrize(("case", "dtype"), RUNS)
def test_matches_stored_torch(case: OpCase, dtype: type, reference: dict[str, np.ndarray]) -> None:
    prefix = case.name if dtype == np.float64 else f"{case.name}/f32"
    arrays = [reference[f"{prefix}/in{k}"] for k in range(len(case.shapes))]
    ours = run_case(mt, case, arrays, grad_out=reference[f"{prefix}/grad_out"])
    assert_same(ours.outputs[0], reference[f"{prefix}/out"], "output")
    for k, grad in enumerate(ours.grads):
        assert grad is not None, f"input {k} got no gradient"
        assert_same(grad, reference[f"{prefix}/grad_in{k}"], f"gradient of input {k}")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_grad_fn_is_torchs_where_both_record_one_node(
    case: OpCase, reference: dict[str, np.ndarray]
) -> None:
    theirs = str(reference[f"{case.name}/grad_fn"])
    inputs = [mt.tensor(a, requires_grad=True) for a in make_inputs(case, case_rng(case.name))]
    ours = first_output(case.fn(mt, *inputs)).grad_fn.name()
    assert (ours in ONE_NODE) == (theirs in ONE_NODE), (ours, theirs)
    if theirs in ONE_NODE:
        assert ours == theirs


@pytest.mark.parametrize("case", SMOOTH_CASES, ids=[case.name for case in SMOOTH_CASES])
def test_gradcheck(case: OpCase) -> None:
    inputs = [mt.tensor(a, requires_grad=True) for a in make_inputs(case, case_rng(case.name, 3))]
    assert mt.autograd.gradcheck(lambda *xs: first_output(case.fn(mt, *xs)), inputs)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_matches_live_torch(case: OpCase) -> None:
    torch = pytest.importorskip("torch")
    arrays = make_inputs(case, case_rng(case.name, salt=1))
    theirs = run_case(torch, case, arrays, rng=case_rng(case.name, salt=2))
    ours = run_case(mt, case, arrays, grad_out=theirs.grad_out)
    assert_same(ours.outputs[0], theirs.outputs[0], "output")
    for k, (a, b) in enumerate(zip(ours.grads, theirs.grads)):
        assert_same(a, b, f"gradient of input {k}")


def test_binary_cross_entropy_at_exactly_0_and_1_is_torchs() -> None:
    """log clamped at -100; backward divides by max(x(1-x), float32 1e-12); target grad inf."""
    x = np.array([0.0, 1.0, 0.3, 0.0, 1.0])
    y = np.array([0.4, 0.4, 0.5, 0.0, 1.0])
    a, b = mt.tensor(x, requires_grad=True), mt.tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy(a, b, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy()[:2], [40.0, 60.0])
    eps = float(np.float32(1e-12))
    np.testing.assert_allclose(a.grad.numpy()[:2], [-0.4 / eps, 0.6 / eps])
    assert np.isinf(b.grad.numpy()[[0, 1, 3, 4]]).all()


def test_nll_loss_mean_of_all_ignored_is_nan_like_torch() -> None:
    loss = F.nll_loss(mt.zeros(2, 3), mt.tensor([1, 1]), ignore_index=1)
    assert np.isnan(loss.item())


def test_nll_loss_mean_divides_by_total_weight() -> None:
    logp = np.log(np.full((3, 2), 0.5))
    w = np.array([1.0, 3.0])
    loss = F.nll_loss(mt.tensor(logp), mt.tensor([0, 1, 1]), weight=mt.tensor(w))
    np.testing.assert_allclose(loss.item(), -np.log(0.5) * (1 + 3 + 3) / 7)


# --------------------------------------------------------------------------- Embedding, one_hot


def test_embedding_gradient_reaches_only_the_rows_looked_up_and_not_padding() -> None:
    emb = nn.Embedding(6, 3, padding_idx=0, dtype=mt.float64)
    assert not emb.weight._data[0].any()  # the padding row starts at zero
    emb(mt.tensor([[1, 0, 1], [4, 0, 1]])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [0, 3, 0, 0, 1, 0])


def test_embedding_initialisation_is_standard_normal_and_seeded() -> None:
    mt.manual_seed(0)
    w1 = nn.Embedding(1000, 50).weight.detach().numpy()
    mt.manual_seed(0)
    np.testing.assert_array_equal(w1, nn.Embedding(1000, 50).weight.detach().numpy())
    assert abs(w1.mean()) < 0.01 and abs(w1.std() - 1) < 0.01 and w1.dtype == np.float32


def test_embedding_from_pretrained_shares_memory_and_freezes() -> None:
    table = mt.tensor(np.arange(6.0).reshape(3, 2))
    emb = nn.Embedding.from_pretrained(table)
    assert emb.weight._data is table._data and not emb.weight.requires_grad
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    np.testing.assert_array_equal(emb(mt.tensor([2, 0])).numpy(), [[4.0, 5.0], [0.0, 1.0]])


def test_embedding_max_norm_renormalises_the_rows_looked_up_in_place() -> None:
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    emb = nn.Embedding.from_pretrained(mt.tensor(w.copy()), max_norm=1.0)
    emb(mt.tensor([0, 1]))
    expected = w.copy()
    expected[0] *= 1.0 / (5.0 + 1e-7)  # row 2 was not looked up: untouched
    np.testing.assert_allclose(emb.weight.numpy(), expected)


@pytest.mark.parametrize(("shape", "dim"), [((2, 0), 1), ((0, 3), 1), ((2, 0), 0)])
def test_softmax_family_over_empty_dims_quietly_gives_empty_results(
    shape: tuple[int, ...], dim: int
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (F.softmax, F.log_softmax):
            x = mt.zeros(*shape, requires_grad=True)
            f(x, dim).sum().backward()
            assert f(x, dim).shape == shape and x.grad.shape == shape


def test_softmax_dtype_converts_the_input_first() -> None:
    x = mt.tensor([[1.0, 2.0, 3.0]])
    out = F.softmax(x, 1, dtype=mt.float64)
    assert out.dtype == np.float64 and x.dtype == np.float32
    np.testing.assert_allclose(out.numpy().sum(), 1.0, rtol=1e-15)


def test_one_hot() -> None:
    out = F.one_hot(mt.tensor([[0, 2], [1, 0]]))
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy()[0], [[1, 0, 0], [0, 0, 1]])
    assert F.one_hot(mt.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert F.one_hot(mt.tensor(np.zeros(0, dtype=np.int64)), 3).shape == (0, 3)


# --------------------------------------------------------------------------- containers, Module


def test_module_list_registers_indexes_and_renumbers() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert [n for n, _ in layers.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert layers[-1] is layers[2] and len(layers[1:]) == 2
    first = layers[0]
    del layers[0]
    assert first not in list(layers) and list(layers._modules) == ["0", "1"]
    layers.insert(0, first)
    layers.append(nn.Tanh()).extend([nn.ReLU()])
    layers += [nn.Sigmoid()]
    assert [type(m).__name__ for m in layers] == ["Linear"] * 3 + ["Tanh", "ReLU", "Sigmoid"]
    assert isinstance(layers.pop(), nn.Sigmoid) and len(layers) == 5
    layers[3] = nn.Identity()
    assert isinstance(layers[3], nn.Identity)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        layers[5]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        layers.extend(nn.Tanh())


def test_module_dict() -> None:
    heads = nn.ModuleDict({"tag": nn.Linear(4, 3), "score": nn.Linear(4, 1)})
    assert list(heads) == ["tag", "score"] and "tag" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()][0] == "tag.weight"
    heads.update([("extra", nn.Tanh())])
    assert list(heads.keys()) == ["tag", "score", "extra"]
    assert isinstance(heads.pop("extra"), nn.Tanh) and len(heads) == 2
    with pytest.raises(ValueError, match="element #0 has length 1; 2 is required"):
        heads.update([("a",)])


def test_module_tree_methods_match_torch() -> None:
    torch = pytest.importorskip("torch")

    def build(lib: Any) -> Any:
        shared = lib.nn.Linear(2, 2)
        return lib.nn.Sequential(shared, lib.nn.ModuleList([lib.nn.Tanh(), shared]))

    ours, theirs = build(mt), build(torch)
    for kwargs in ({}, {"remove_duplicate": False}, {"prefix": "net"}):
        assert [n for n, _ in ours.named_modules(**kwargs)] == [
            n for n, _ in theirs.named_modules(**kwargs)
        ]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    visited: list[str] = []
    ours.apply(lambda m: visited.append(type(m).__name__))
    theirs_visited: list[str] = []
    theirs.apply(lambda m: theirs_visited.append(type(m).__name__))
    assert visited == theirs_visited
    assert [type(m).__name__ for m in ours.children()] == ["Linear", "ModuleList"]


def test_requires_grad_freezes_and_apply_initialises() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert not model[0].bias._data.any()


def test_rnn_flatten_parameters_is_a_no_op() -> None:
    rnn = nn.RNN(3, 4)
    before = {n: p._data.copy() for n, p in rnn.named_parameters()}
    assert rnn.flatten_parameters() is None
    assert all((p._data == before[n]).all() for n, p in rnn.named_parameters())


def test_loss_weights_are_buffers_in_the_state_dict_like_torch() -> None:
    loss = nn.CrossEntropyLoss(weight=mt.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=mt.ones(2)).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []


# --------------------------------------------------------------------------- reprs and errors

REPRS = {
    "NLLLoss()": "NLLLoss()",
    "CrossEntropyLoss(label_smoothing=0.1)": "CrossEntropyLoss()",
    "Embedding(10, 3, padding_idx=-1, max_norm=1.0)": "Embedding(10, 3, padding_idx=9, max_norm=1.0)",
    "Embedding(10, 3, norm_type=1.0, scale_grad_by_freq=True)": "Embedding(10, 3, norm_type=1.0, scale_grad_by_freq=True)",
    "Flatten(0, 2)": "Flatten(start_dim=0, end_dim=2)",
    "Unflatten(1, (2, 2))": "Unflatten(dim=1, unflattened_size=(2, 2))",
    "Identity(3, x=2)": "Identity()",
    "Softmax(dim=1)": "Softmax(dim=1)",
    "LogSoftmax()": "LogSoftmax(dim=None)",
    "SmoothL1Loss(beta=0.5)": "SmoothL1Loss()",
    "ModuleList([Linear(2, 2), Linear(2, 2), Tanh()])": (
        "ModuleList(\n  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (2): Tanh()\n)"
    ),
    "ModuleList()": "ModuleList()",
    'ModuleDict({"a": Tanh(), "b": Sequential(ReLU())})': (
        "ModuleDict(\n  (a): Tanh()\n  (b): Sequential(\n    (0): ReLU()\n  )\n)"
    ),
}


@pytest.mark.parametrize("source", list(REPRS))
def test_repr_is_torchs(source: str) -> None:
    assert repr(eval(source, {}, vars(nn))) == REPRS[source]
    torch = pytest.importorskip("torch")
    assert repr(eval(source, {}, vars(nn))) == repr(eval(source, {}, vars(torch.nn)))


def _errors(lib: Any) -> dict[str, Any]:
    f, x = lib.nn.functional, lib.zeros(3, 5)
    t = lib.tensor([1, 0, 4])
    return {
        "one_hot_float": lambda: f.one_hot(lib.tensor([1.0])),
        "one_hot_negative": lambda: f.one_hot(lib.tensor([-1])),
        "one_hot_too_big": lambda: f.one_hot(lib.tensor([3]), 2),
        "one_hot_empty": lambda: f.one_hot(lib.tensor([1])[:0]),
        "embedding_out_of_range": lambda: f.embedding(lib.tensor([5]), x),
        "embedding_float_ids": lambda: f.embedding(lib.tensor([1.0]), x),
        "embedding_padding": lambda: lib.nn.Embedding(3, 2, padding_idx=3),
        "nll_weight_shape": lambda: f.nll_loss(x, t, weight=lib.ones(4)),
        "nll_target_out_of_bounds": lambda: f.nll_loss(x, lib.tensor([1, 0, 9])),
        "nll_float_target": lambda: f.nll_loss(x, lib.zeros(3)),
        "nll_probabilities": lambda: f.nll_loss(x, lib.zeros(3, 5)),
        "label_smoothing": lambda: f.cross_entropy(x, t, label_smoothing=1.5),
        "smooth_l1_beta": lambda: f.smooth_l1_loss(x, x, beta=-1.0),
        "bce_range": lambda: f.binary_cross_entropy(lib.ones(2) * 2, lib.ones(2)),
        "bce_shape": lambda: f.binary_cross_entropy(lib.ones(1) * 0.2, lib.ones(2)),
        "bce_logits_shape": lambda: f.binary_cross_entropy_with_logits(x, lib.zeros(3, 4)),
        "flatten_dim": lambda: lib.nn.Flatten(0, 3)(x),
        "flatten_order": lambda: lib.nn.Flatten(1, 0)(x),
        "unflatten_sizes": lambda: lib.nn.Unflatten(1, (2, 2))(x),
        "softmax_dim": lambda: f.softmax(x, 2),
        "reduction": lambda: f.l1_loss(x, x, reduction="avg"),
        "module_list_index": lambda: lib.nn.ModuleList([lib.nn.Tanh()])[1],
    }


def _message(fn: Any) -> tuple[type, str]:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return type(e), str(e).replace("torch.Size", "minitorch_rnn.Size")
    raise AssertionError("no error raised")


@pytest.mark.parametrize("name", list(_errors(mt)))
def test_errors_are_torchs(name: str) -> None:
    ours = _message(_errors(mt)[name])
    torch = pytest.importorskip("torch")
    assert ours == _message(_errors(torch)[name])


@pytest.mark.parametrize(
    ("call", "reduction"),
    [
        (lambda lib: lib.nn.functional.nll_loss(lib.zeros(2, 3), lib.tensor([0, 1]), size_average=False), "sum"),
        (lambda lib: lib.nn.NLLLoss(reduce=False)(lib.zeros(2, 3), lib.tensor([0, 1])), "none"),
        (lambda lib: lib.nn.MSELoss(True)(lib.zeros(2), lib.ones(2)), "mean"),
    ],
)
def test_size_average_and_reduce_work_with_torchs_warning(call: Any, reduction: str) -> None:
    with pytest.warns(UserWarning, match=f"please use reduction='{reduction}' instead"):
        ours = call(mt)
    assert ours.shape == ((2,) if reduction == "none" else ())
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning):
        np.testing.assert_allclose(ours.detach().numpy(), call(torch).numpy())


def test_softmax_without_dim_warns_and_guesses_like_torch() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        ours = nn.LogSoftmax()(mt.tensor(x))
    np.testing.assert_allclose(ours.numpy(), F.log_softmax(mt.tensor(x), 0).numpy())
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(mt.tensor(x[0]))
