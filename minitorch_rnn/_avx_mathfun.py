"""Float arithmetic exactly as torch's compiled CPU kernels do it (skip on a first read).

`_random_kernels.py` says *what* torch computes; this file makes NumPy round the same way, which
takes two things NumPy does not have:

* **fused multiply-add.** torch's CPU kernels are built with ``-mfma`` and GCC fuses ``a * b + c``
  into one instruction that rounds once. NumPy rounds the product and then the sum; they differ
  in the last bit for about one `uniform_(a, b)` draw in four. `fma32` and `fma64` round once.
* **torch's float32 log / sin / cos.** For float32 ``normal_`` on 16 or more numbers torch runs
  an AVX2 kernel that calls ``log256_ps`` and ``sincos256_ps`` from ``avx_mathfun.h``
  (Pommier's SSE/AVX port of the Cephes polynomials), not the C library. `log_ps` and
  `sincos_ps` are those polynomials step by step in float32, with the multiply-adds GCC fuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

f32 = np.float32
f64 = np.float64


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s + e == a + b exactly, s = fl(a + b) (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _add_round_to_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b in float64, rounded to odd: when inexact, the neighbour whose last bit is 1.

    Rounding to odd first and to nearest afterwards, to fewer bits, equals rounding to nearest
    once (Boldo & Melquiond, 2008) -- the trick that makes both fma's below exact.
    """
    s, e = _two_sum(a, b)
    bits = s.view(np.int64)
    inexact_even = (e != 0) & ((bits & 1) == 0)
    toward_e = np.where((e > 0) == (s > 0), 1, -1)  # one ulp away from zero, or towards it
    return (bits + np.where(inexact_even, toward_e, 0)).view(f64)


def fma32(a: np.ndarray, b: Any, c: Any) -> np.ndarray:
    """float32 ``a * b + c`` rounded once. The product is exact in float64 (24 + 24 bits) and
    the float64 sum rounds once more; that second rounding can only matter when it lands exactly
    halfway between two float32s -- rare, so only those few are redone, rounding to odd."""
    if np.ndim(b) == 0 and np.ndim(c) == 0 and b == 1 and c == 0:
        return np.array(a, dtype=f32)  # U(0, 1), N(0, 1): nothing to round
    p = np.asarray(a, f32).astype(f64) * f64(np.asarray(b, f32))
    c64 = np.asarray(c, f32).astype(f64)
    s = p + c64
    halfway = (s.view(np.int64) & 0x1FFFFFFF) == 0x10000000  # the low 29 bits: 100...0
    out = s.astype(f32)
    if halfway.any():
        c64 = np.broadcast_to(c64, p.shape)
        out[halfway] = _add_round_to_odd(p[halfway], c64[halfway]).astype(f32)
    return out


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Veltkamp: a == hi + lo with both halves 26 bits, so their products are exact."""
    t = a * f64(134217729.0)  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def fma64(a: np.ndarray, b: Any, c: Any) -> np.ndarray:
    """float64 ``a * b + c`` rounded once (Dekker's exact product, then round-to-odd sums)."""
    a = np.asarray(a, f64)
    if np.ndim(b) == 0 and np.ndim(c) == 0 and b == 1 and c == 0:
        return a.copy()  # the common N(0, 1) / U(0, 1): nothing to round
    b = np.broadcast_to(np.asarray(b, f64), a.shape)
    c = np.broadcast_to(np.asarray(c, f64), a.shape)
    ph = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl  # ph + pl == a * b exactly
    th, tl = _two_sum(c, ph)  # th + tl + pl == a * b + c exactly
    with np.errstate(invalid="ignore"):
        return th + _add_round_to_odd(tl, pl)


# ---- avx_mathfun.h's log256_ps and sincos256_ps, in float32 -----------------------------------
_LOG_P = [f32(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                           1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                           3.3333331174e-1)]  # fmt: skip


def log_ps(x: np.ndarray) -> np.ndarray:
    """Natural log of positive float32 `x`: x = m * 2^e, log(m) by a Cephes polynomial."""
    x = np.maximum(np.asarray(x, f32), np.array(0x00800000, np.int32).view(f32))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(f32) + f32(1)
    x = ((bits & ~0x7F800000) | np.array(0.5, f32).view(np.int32)).view(f32)  # m in [0.5, 1)
    small = x < f32(0.707106781186547524)  # then use 2m - 1 and e - 1
    x = (x - f32(1)) + np.where(small, x, f32(0))
    e = e - np.where(small, f32(1), f32(0))
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, x, p)
    y = fma32(y * x, z, e * f32(-2.12194440e-4))
    y = fma32(z, f32(-0.5), y)
    return fma32(e, f32(0.693359375), x + y)


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin x, cos x) of float32 `x`: reduce by multiples of pi/4, then one of two polynomials."""
    x = np.asarray(x, f32)
    sin_negative = x < 0
    x = np.abs(x)
    j = (x * f32(1.27323954473516)).astype(np.int32)  # 4/pi, truncated
    j = (j + 1) & ~1
    y = j.astype(f32)
    sin_negative ^= (j & 4) != 0
    cos_negative = (~(j - 2) & 4) != 0
    use_sin_poly = (j & 2) == 0
    # x - y * pi/4 in three parts ("extended precision modular arithmetic")
    x = fma32(y, f32(-0.78515625), x)
    x = fma32(y, f32(-2.4187564849853515625e-4), x)
    x = fma32(y, f32(-3.77489497744594108e-8), x)
    z = x * x
    yc = fma32(np.full_like(x, f32(2.443315711809948e-005)), z, f32(-1.388731625493765e-003))
    yc = fma32(yc, z, f32(4.166664568298827e-002))
    yc = fma32(yc * z, z, -(z * f32(0.5))) + f32(1)  # cos polynomial
    ys = fma32(np.full_like(x, f32(-1.9515295891e-4)), z, f32(8.3321608736e-3))
    ys = fma32(ys, z, f32(-1.6666654611e-1))
    ys = fma32(ys * z, x, x)  # sin polynomial
    s = np.where(use_sin_poly, ys, yc)
    c = np.where(use_sin_poly, yc, ys)
    return np.where(sin_negative, -s, s), np.where(cos_negative, -c, c)
