"""When torch refuses to write because memory is shared (its ``MemoryOverlap.cpp``).

An in-place op writes into a tensor's memory while it reads its inputs. torch refuses two
situations, each with its own message:

* *internal overlap*: the written-to tensor has a dim of size > 1 with stride 0 (an
  ``expand``ed tensor), so several of its entries are one memory location;
* *overlap with an input*: the output and an input share memory but are not the same view of
  it. "Partial" overlap -- same memory but not the same entries in the same order -- is always
  refused; "full" overlap (the same start, end and strides) is fine for elementwise ops, but
  ``index_put_`` (``x[[0]] = x``) refuses that too.

torch only decides when both tensors are *non-overlapping and dense* (their entries fill a block
of memory once each, in some order); anything else is "too hard" and allowed. Strides are
compared as they are, size-1 dims included -- so a value that was ``expand``ed from a 0-d
tensor (strides 0) and a slice of the same memory (stride 1) overlap partially.

Everything here reads numpy arrays: strides in entries are ``strides // itemsize``.

Skip on a first read: nothing here is autograd.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

INTERNAL = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)
PARTIAL = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer "
    "to a single memory location. Please clone() the tensor before performing the operation."
)


def strides(a: np.ndarray) -> tuple[int, ...]:
    """`a`'s strides counted in entries, as torch counts them."""
    return tuple(s // a.itemsize for s in a.strides)


def dense(a: np.ndarray) -> bool:
    """torch's ``is_non_overlapping_and_dense``: the dims of size > 1, sorted by stride, step
    through memory one block after another with no gap and no repeat."""
    if a.size == 0 or a.flags.c_contiguous or a.flags.f_contiguous:
        return True  # (torch: an empty tensor is contiguous)
    require = 1
    dims = [(s, n) for n, s in zip(a.shape, strides(a)) if n > 1]
    for s, n in sorted(dims):
        if s != require:
            return False
        require *= n
    return True


def internal_overlap(a: np.ndarray) -> bool:
    """torch's ``has_internal_overlap(a) == YES``: an entry repeated (size > 1, stride 0)."""
    return not dense(a) and any(n > 1 and s == 0 for n, s in zip(a.shape, a.strides))


def overlap(a: np.ndarray, b: np.ndarray) -> Optional[str]:
    """torch's ``get_overlap_status``: "full", "partial", or None (none, or too hard to tell)."""
    if a is b:
        return "full"
    if not np.may_share_memory(a, b):  # (quick: their memory's bounds are apart)
        return None
    if a.size == 0 or b.size == 0 or not (dense(a) and dense(b)):
        return None
    a0, b0 = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a1, b1 = a0 + a.size * a.itemsize, b0 + b.size * b.itemsize
    if a0 == b0 and a1 == b1:
        return "full" if strides(a) == strides(b) else "partial"
    return "partial" if a0 < b1 and b0 < a1 else None


def same_data(a: np.ndarray, b: np.ndarray) -> bool:
    """The same entries in the same order (torch's ``copy_`` returns at once: nothing to do)."""
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.shape == b.shape
        and a.strides == b.strides
        and a.dtype == b.dtype
    )


def check_internal(a: np.ndarray) -> None:
    """torch's ``assert_no_internal_overlap``."""
    if internal_overlap(a):
        raise RuntimeError(INTERNAL)


def check_partial(out: np.ndarray, *inputs: np.ndarray) -> None:
    """torch's ``assert_no_partial_overlap`` of an in-place op's output with each input."""
    if any(overlap(out, x) == "partial" for x in inputs):
        raise RuntimeError(PARTIAL)


def check_none(out: np.ndarray, *inputs: np.ndarray) -> None:
    """torch's ``assert_no_overlap`` (``index_put_``): full overlap is refused as well."""
    if any(overlap(out, x) is not None for x in inputs):
        raise RuntimeError(PARTIAL)


def basic_view(a: np.ndarray, index: tuple[Any, ...]) -> np.ndarray:
    """``a[index]`` for ints, slices, Nones and one ``...``, with torch's strides: a None dim's
    stride is the size times the stride of the dim it is put before (1 at the end), where
    numpy's is 0. (Only size-1 dims differ, so no entry moves: but torch compares them.)"""
    view = a[index]
    if not any(i is None for i in index):
        return view  # (ints and slices: numpy's strides are torch's)
    shape, st = list(a.shape), list(strides(a))
    named = sum(1 for i in index if i is not None and i is not Ellipsis)
    d = 0
    for i in index:
        if i is None:
            st.insert(d, shape[d] * st[d] if d < len(shape) else 1)
            shape.insert(d, 1)
            d += 1
        elif i is Ellipsis:
            d += a.ndim - named
        elif isinstance(i, slice):
            start, stop, step = i.indices(shape[d])
            shape[d], st[d] = len(range(start, stop, step)), st[d] * step
            d += 1
        else:  # an int: the dim goes
            del shape[d], st[d]
    if not isinstance(view, np.ndarray) or view.shape != tuple(shape):
        return view  # (a numpy scalar; or nothing to correct)
    return np.lib.stride_tricks.as_strided(view, view.shape, [s * a.itemsize for s in st])


def writable(a: np.ndarray) -> np.ndarray:
    """`a`, or a view of it numpy lets us write to (an ``expand``ed array is read-only in numpy;
    torch writes into one where it allows it -- ``x.expand(3)[0] = 1``, ``fill_``)."""
    if a.flags.writeable:
        return a
    w = a.view()
    w.flags.writeable = True
    return w
