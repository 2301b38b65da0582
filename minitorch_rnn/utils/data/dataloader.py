"""`DataLoader`: a dataset, a sampler and a collate function, iterated batch by batch.

Everything happens in the main process: a ``num_workers`` above 0 is accepted (so torch code
runs unchanged) and noted once with a warning, and the batches are the same as torch's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Optional

import numpy as np

from ..._tensor import Tensor
from ...random import Generator
from .collate import default_collate, default_convert
from .dataset import Dataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

_warned_workers = False


class DataLoader:
    """Iterate over `dataset` in batches.

    Args:
        dataset: samples by index (a `Dataset`, or anything with ``__getitem__`` and ``__len__``).
        batch_size: samples per batch (``None``: no batching, each sample converted as is).
        shuffle: a new random order every epoch (torch's `RandomSampler`, so torch's order
            after the same ``manual_seed``; or from `generator`).
        sampler / batch_sampler: your own order of indices / of lists of indices instead.
        drop_last: drop the last batch when it is smaller than `batch_size`.
        collate_fn: list of samples -> batch (default: `default_collate`).
        generator: the stream for shuffling (default: the package's default generator).
        num_workers: accepted, but data loads in the main process (see the module docstring).

    Example:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)
        >>> for xb, yb in loader:  # xb: (4, ...) stacked inputs, yb: (4,) targets
        ...     ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: Optional[int] = 1,
        shuffle: Optional[bool] = None,
        sampler: Optional[Iterable[int]] = None,
        batch_sampler: Optional[Iterable[list[int]]] = None,
        num_workers: int = 0,
        collate_fn: Optional[Callable[[list[Any]], Any]] = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Optional[Callable[[int], None]] = None,
        generator: Optional[Generator] = None,
        **kwargs: Any,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if num_workers > 0:
            _note_workers(num_workers)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.collate_fn = collate_fn or (
            default_collate if batch_sampler is not None else default_convert
        )

    def __iter__(self) -> Iterator[Any]:
        indices = iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)
        # torch's loader draws a base seed for its workers on every pass, workers or not;
        # drawing it too keeps the stream (and so the next shuffle) where torch's is
        Tensor(np.empty((), dtype=np.int64)).random_(generator=self.generator)
        return self._batches(indices)

    def _batches(self, indices: Iterator[Any]) -> Iterator[Any]:
        for index in indices:
            if self.batch_sampler is not None:
                yield self.collate_fn([self.dataset[i] for i in index])
            else:
                yield self.collate_fn(self.dataset[index])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]


def _note_workers(num_workers: int) -> None:
    global _warned_workers
    if not _warned_workers:
        _warned_workers = True
        warnings.warn(
            f"minitorch_rnn loads data in the main process: num_workers={num_workers} gives the "
            "same batches as torch, without worker processes",
            stacklevel=3,
        )


__all__ = ["DataLoader", "Dataset", "Sampler"]
