"""From raw 32-bit words to each distribution, as torch's CPU kernels do it.

Each function takes a `Generator` (its ``random(n)`` / ``random64(n)`` are torch's raw draws), a
count and a dtype, and returns a flat NumPy array -- the numbers torch's kernel writes, in the
order it writes them (C order). The ATen sources each one follows:

* ``core/TransformationHelper.h`` -- bits to a number: ``uniform_real``, ``uniform_int_from_to``
* ``core/DistributionsHelper.h`` -- which draw (32 or 64 bits), scalar Box-Muller and its cache
* ``native/cpu/DistributionTemplates.h`` -- ``normal_fill``: Box-Muller 16 numbers at a time
* ``native/TensorFactories.cpp`` (``randperm``), ``native/Distributions.cpp`` (``multinomial``)

Float32 uses 24 bits of one word, float64 53 bits of two: ``rand`` after ``manual_seed(0)`` is
``(word & 0xFFFFFF) * 2**-24``. Arithmetic that must round as torch's compiled code rounds
(fused multiply-adds, torch's own float32 log/sin/cos) lives in `_avx_mathfun.py`.
"""

from __future__ import annotations

import array
import math
from typing import Any

import numpy as np

from ._avx_mathfun import fma32, fma64, log_ps, sincos_ps
from .random import Generator

f32, f64 = np.float32, np.float64
_DIGITS = {np.dtype(np.float16): 11, np.dtype(f32): 24, np.dtype(f64): 53}  # mantissa bits


# ---- uniform ----------------------------------------------------------------------------------
def _unit_float32(g: Generator, n: int) -> np.ndarray:
    """U[0, 1) in float32: the low 24 bits of one word, times 2^-24."""
    return (g.random(n) & np.uint64(0xFFFFFF)).astype(f32) * f32(2.0**-24)


def _unit_float64(g: Generator, n: int) -> np.ndarray:
    """U[0, 1) in float64: the low 53 bits of one 64-bit draw, times 2^-53."""
    return (g.random64(n) & np.uint64(2**53 - 1)).astype(f64) * 2.0**-53


def uniform(g: Generator, n: int, dtype: np.dtype, low: float, high: float) -> np.ndarray:
    """``uniform_(low, high)``: ``x * (high - low) + low``, one fused multiply-add per number."""
    if dtype == f64:
        return fma64(_unit_float64(g, n), f64(high) - f64(low), f64(low))
    if dtype == np.float16:  # torch computes float16 in float32 and rounds at the end
        return uniform(g, n, np.dtype(f32), low, high).astype(np.float16)
    return fma32(_unit_float32(g, n), f32(high) - f32(low), f32(low))


# ---- normal -----------------------------------------------------------------------------------
def normal(
    g: Generator, n: int, dtype: np.dtype, mean: float, std: float, contiguous: bool = True
) -> np.ndarray:
    """``normal_(mean, std)``: in blocks of 16 from 16 numbers on (of a contiguous tensor), one
    by one below that."""
    if n < 16 or not contiguous:
        return _normal_one_by_one(g, n, mean, std).astype(dtype)
    if dtype == f64:
        return _normal_fill(g, n, f64, mean, std)
    # float16 is computed in float32; its kernel draws uniforms only for the whole blocks
    return _normal_fill(g, n, f32, mean, std, whole_blocks_only=dtype == np.float16).astype(dtype)


def _normal_fill(
    g: Generator, n: int, dtype: type, mean: float, std: float, whole_blocks_only: bool = False
) -> np.ndarray:
    """torch's ``normal_fill``: first `n` uniforms; then every block of 16 is Box-Muller'd, its
    first 8 numbers giving the radii and its last 8 the angles. When 16 does not divide `n`, 16
    *fresh* uniforms make the last block, overwriting the tail (so a few draws are discarded)."""
    unit = _unit_float32 if dtype is f32 else _unit_float64
    whole = n - n % 16
    out = unit(g, whole) if whole_blocks_only else unit(g, n)
    out.resize(n, refcheck=False)
    blocks = out[:whole].reshape(-1, 16)
    for i in range(0, len(blocks), _ROWS):  # a slice at a time: temporaries stay in cache
        blocks[i : i + _ROWS] = _box_muller_16(blocks[i : i + _ROWS], dtype, mean, std)
    if n % 16:
        out[n - 16 :] = _box_muller_16(unit(g, 16).reshape(1, 16), dtype, mean, std).ravel()
    return out


_ROWS = 4096  # blocks of 16 transformed per NumPy pass (64k numbers, 512 KiB in float64)


def _box_muller_16(u: np.ndarray, dtype: type, mean: float, std: float) -> np.ndarray:
    """Rows of 16 uniforms -> rows of 16 normals: r = sqrt(-2 log(1 - u[:8])),
    theta = 2 pi u[8:], then [r cos(theta), r sin(theta)] * std + mean."""
    if dtype is f32:  # torch's AVX2 kernel, float32 throughout (see _avx_mathfun.py)
        radius = np.sqrt(f32(-2.0) * log_ps(f32(1.0) - u[:, :8]))
        sin, cos = sincos_ps(f32(2.0 * math.pi) * u[:, 8:])
        first, second = fma32(radius * cos, std, mean), fma32(radius * sin, std, mean)
    else:  # scalar C++ on doubles, calling the C library's log, cos and sin
        radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8]))
        theta = 2.0 * math.pi * u[:, 8:]
        first = fma64(radius * _libm(math.cos, theta), std, mean)
        second = fma64(radius * _libm(math.sin, theta), std, mean)
    return np.concatenate([first, second], axis=1)


def _libm(fn: Any, x: np.ndarray) -> np.ndarray:
    """`fn` of Python's math module -- the C library's function, the one torch's scalar code
    calls -- over an array. Where NumPy's own ufunc gives the same bits (checked once, on a
    sample), that is used; NumPy's float64 log, log1p and tan often round differently (in 0.1%
    to 7% of values), and then each number goes through `fn` (see bench_random.py)."""
    if _numpy_agrees(fn):
        return _NUMPY_TWIN[fn](x)
    return np.fromiter(map(fn, x.ravel().tolist()), f64, x.size).reshape(x.shape)


_NUMPY_TWIN = {math.log: np.log, math.cos: np.cos, math.sin: np.sin, math.log1p: np.log1p,
               math.tan: np.tan}  # fmt: skip
_AGREES: dict[Any, bool] = {}


def _numpy_agrees(fn: Any) -> bool:
    if fn not in _AGREES:
        sample = np.random.default_rng(0).random(4096) * 6.0 - 1.0  # in (-1, 5): log's too
        sample = np.abs(sample) if fn is math.log else sample
        exact = np.array([fn(v) for v in sample.tolist()])
        _AGREES[fn] = bool(np.array_equal(_NUMPY_TWIN[fn](sample), exact))
    return _AGREES[fn]


def _normal_one_by_one(g: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """Fewer than 16 numbers: scalar Box-Muller in double. Each pair of uniforms gives two
    normals; torch returns the cosine one and *keeps the sine one* in the generator for the next
    call -- which may be another function, another dtype, another size below 16."""
    out = np.empty(n, dtype=f64)
    for i in range(n):  # (n < 16, but for a non-contiguous tensor)
        if g._next_double_normal is not None:
            out[i], g._next_double_normal = g._next_double_normal, None
            continue
        u1, u2 = _unit_float64(g, 2)
        r = math.sqrt(-2.0 * math.log1p(-u2))  # the C library's, as torch's scalar code
        theta = 2.0 * math.pi * u1
        g._next_double_normal = r * math.sin(theta)
        out[i] = r * math.cos(theta)
    return fma64(out, std, mean)


# ---- integers ---------------------------------------------------------------------------------
def random_from_to(g: Generator, n: int, dtype: np.dtype, low: int, high: int) -> np.ndarray:
    """``random_(low, high)`` / ``randint``: ``word % (high - low) + low``; a range of 2^28 or
    more takes a 64-bit draw per number (less bias from the modulo), a smaller one 32 bits."""
    span = high - low
    words = g.random64(n) if span >= 2**28 else g.random(n)
    return ((words % np.uint64(span)).astype(np.int64) + low).astype(dtype)


def random_full(g: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()``: [0, 2^mantissa] for floats, [0, max] for integers, 0/1 for bool."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (g.random(n) & np.uint64(1)).astype(bool)
    if dtype.kind == "f":
        words = g.random64(n) if dtype == f64 else g.random(n)
        return (words % np.uint64(2 ** _DIGITS[dtype] + 1)).astype(dtype)
    words = g.random64(n) if dtype == np.int64 else g.random(n)
    return (words % np.uint64(int(np.iinfo(dtype).max) + 1)).astype(dtype)


def randperm(g: Generator, n: int) -> np.ndarray:
    """Fisher-Yates as torch's ``randperm_cpu``: for i = 0 .. n-2 swap r[i] with r[i + z],
    z = word % (n - i). The words are drawn at once; only the swaps are a loop."""
    perm = array.array("q", range(n))  # compact: the swaps jump all over it
    if n > 1:
        z = (g.random(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        for i, k in enumerate(z):
            perm[i], perm[i + k] = perm[i + k], perm[i]
    return np.frombuffer(perm, dtype=np.int64).copy()


# ---- bernoulli, exponential, cauchy -------------------------------------------------------------
def bernoulli_scalar(g: Generator, n: int, p: float) -> np.ndarray:
    """``bernoulli_(p)``: 1 where a float64 uniform is below `p` (torch's scalar kernel)."""
    return _unit_float64(g, n) < p


def bernoulli_tensor(g: Generator, p: np.ndarray) -> np.ndarray:
    """``bernoulli(p)`` for a tensor of probabilities: a uniform of p's own precision each."""
    p = p.ravel()
    u = _unit_float64(g, p.size) if p.dtype == f64 else _unit_float32(g, p.size)
    return u < p


def exponential(g: Generator, n: int, lambd: float) -> np.ndarray:
    """``exponential_(lambd)``: -log(1 - u) / lambd, in double."""
    return (-1.0 / lambd) * _libm(math.log1p, -_unit_float64(g, n))


def cauchy(g: Generator, n: int, median: float, sigma: float) -> np.ndarray:
    """``cauchy_(median, sigma)``: median + sigma * tan(pi * (u - 1/2)), in double."""
    return fma64(_libm(math.tan, math.pi * (_unit_float64(g, n) - 0.5)), sigma, median)


# ---- multinomial ------------------------------------------------------------------------------
def multinomial(g: Generator, probs: np.ndarray, num_samples: int, replacement: bool) -> np.ndarray:
    """Rows of `probs` (2-D, unnormalised) -> (rows, num_samples) category indices.

    Without replacement (or one sample) torch uses the exponential trick: the top-k of p / q,
    q ~ Exp(1), one q per category. With replacement it walks each row's normalised cumulative
    sums with one float64 uniform per sample (a binary search: the first cum >= u).
    """
    rows, k = probs.shape
    if not replacement or num_samples == 1:
        q = exponential(g, probs.size, 1.0).astype(probs.dtype).reshape(rows, k)
        score = probs / q
        # topk / argmax: largest first; among equal scores the lower index first
        return np.argsort(-score, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    out = np.empty((rows, num_samples), dtype=np.int64)
    for r in range(rows):
        cum = np.cumsum(probs[r], dtype=probs.dtype)  # sequential sums, in the input's dtype
        cum = cum / cum[-1]
        cum[-1] = 1
        out[r] = np.searchsorted(cum.astype(f64), _unit_float64(g, num_samples), side="left")
    return out
