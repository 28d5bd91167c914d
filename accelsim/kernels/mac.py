"""Bit-accurate integer multiply-accumulate (the digital PE array's datapath).

`int_matmul` reproduces what a row of MAC units with an `acc_bits`-wide register
produces, including overflow:

- ``wrap``: the register keeps the low `acc_bits` bits (two's complement when
  signed). Modular addition is associative, so wrapping once at the end equals
  wrapping after every add; we compute the exact sum and wrap it.
- ``saturate``: the register clamps to its range after *every* add, so the order
  matters (k = 0, 1, ..., K-1, the order a systolic PE sees its operands).
  Unsigned accumulators only ever grow, so there the result is min(exact, max).
  Signed: a row i can only clamp if some prefix sum can leave the range; every
  prefix sum is bounded by sum_k |x[i, k]| * max_j |w[k, j]|, so rows under the
  bound take the exact (BLAS) result and only the others run the sequential
  clamp kernel.

Exact sums use BLAS: products of <= 16-bit integers are integers, and every
partial sum BLAS may form (in any order, with or without FMA) is bounded by
K * max|x| * max|w|; when that is below 2^24 (float32) or 2^53 (float64) every
intermediate value is exactly representable, so the float result is exact. The
sequential kernel likewise runs in float32 lanes (twice the SIMD width of int32
in numba, which widens int32 arithmetic to int64) when |acc| + |product| < 2^24.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._checks import as_int_array, check_bits, int_range
from accelsim.kernels._numba import njit
from accelsim.kernels._scratch import as_scratch, scratch

_OVERFLOW = ("wrap", "saturate")


@njit()
def _matmul_saturate(x, w, rows, lo, hi, out):
    """Sequential saturating accumulate of the listed rows: out[r] = clamp-sum over k.

    Lanes have w's dtype; x (int64) is cast row by row. Two rows per pass share each
    load of w (the loop is bound by loads and stores, not arithmetic).
    """
    n, kk = w.shape[1], x.shape[1]
    acc0 = np.empty(n, dtype=w.dtype)
    acc1 = np.empty(n, dtype=w.dtype)
    x0 = np.empty(kk, dtype=w.dtype)
    x1 = np.empty(kk, dtype=w.dtype)
    m = rows.shape[0]
    for i in range(0, m - 1, 2):
        r0, r1 = rows[i], rows[i + 1]
        for k in range(kk):
            x0[k] = x[r0, k]
            x1[k] = x[r1, k]
        acc0[:] = 0
        acc1[:] = 0
        for k in range(kk):
            a0, a1 = x0[k], x1[k]
            for j in range(n):
                wk = w[k, j]
                acc0[j] = min(max(acc0[j] + a0 * wk, lo), hi)
                acc1[j] = min(max(acc1[j] + a1 * wk, lo), hi)
        for j in range(n):
            out[r0, j] = np.int64(acc0[j])
            out[r1, j] = np.int64(acc1[j])
    if m % 2:
        r = rows[m - 1]
        for k in range(kk):
            x0[k] = x[r, k]
        acc0[:] = 0
        for k in range(kk):
            a = x0[k]
            for j in range(n):
                acc0[j] = min(max(acc0[j] + a * w[k, j], lo), hi)
        for j in range(n):
            out[r, j] = np.int64(acc0[j])


@njit()
def _matmul_int64(x, w, out):
    """Exact int64 matmul for the rare case BLAS cannot be exact (sums >= 2^53)."""
    for i in range(x.shape[0]):
        for j in range(w.shape[1]):
            out[i, j] = 0
        for k in range(x.shape[1]):
            a = x[i, k]
            if a == 0:
                continue
            for j in range(w.shape[1]):
                out[i, j] += a * w[k, j]


@njit()
def _to_int_wrap(r, lo, mask, wrap, out):
    """out = int64(r) (exact integers), wrapped into [lo, lo + mask] when `wrap`."""
    for i in range(r.shape[0]):
        for j in range(r.shape[1]):
            v = np.int64(r[i, j])
            if wrap:
                v = ((v - lo) & mask) + lo
            out[i, j] = v


@njit()
def _row_bound(x, wmax, out):
    for i in range(x.shape[0]):
        b = 0
        for k in range(x.shape[1]):
            b += abs(x[i, k]) * wmax[k]
        out[i] = b


def _extent(name: str, a: np.ndarray, bits: int, signed: bool) -> int:
    """Check `a` fits `bits` (signed or not) and return max |a|."""
    if a.size == 0:
        return 0
    lo, hi = int_range(bits, signed)
    amin, amax = int(a.min()), int(a.max())
    if amin < lo or amax > hi:
        kind = "signed" if signed else "unsigned"
        raise ValueError(f"{name} values must fit {bits}-bit {kind} range [{lo}, {hi}], got min {amin}, max {amax}")
    return max(-amin, amax)


def exact_matmul(x: np.ndarray, w: np.ndarray, bound: int | None = None) -> np.ndarray:
    """Exact int64 product of 2-D int64 arrays, through BLAS whenever that is exact.

    `bound` >= every |partial sum| (default K * max|x| * max|w|).
    """
    return _matmul(x, w, bound, lo=0, mask=0, wrap=False)


def _matmul(x, w, bound, lo, mask, wrap):
    if bound is None:
        xmax = int(np.abs(x).max()) if x.size else 0
        wmax = int(np.abs(w).max()) if w.size else 0
        bound = x.shape[1] * xmax * wmax
    out = np.empty((x.shape[0], w.shape[1]), dtype=np.int64)
    if bound < 2**53:
        dt = np.float32 if bound < 2**24 else np.float64
        r = scratch("mac_r", out.shape, dt)
        np.matmul(as_scratch("mac_x", x, dt), w.astype(dt), out=r)
        if wrap:
            _to_int_wrap(r, lo, mask, wrap, out)
        else:  # exact integers: a plain cast (no compiled kernel to load in this process)
            np.copyto(out, r, casting="unsafe")
        return out
    if bound >= 2**63:
        raise ValueError("int_matmul: exact sums would overflow int64 (reduce K or the operand widths)")
    _matmul_int64(x, w, out)
    if wrap:
        out = ((out - lo) & mask) + lo
    return out


def int_matmul(
    x: np.ndarray,
    w: np.ndarray,
    *,
    x_bits: int,
    w_bits: int,
    signed: bool = True,
    acc_bits: int = 32,
    overflow: str = "wrap",
) -> np.ndarray:
    """Integer matmul ``x @ w`` through an `acc_bits` accumulator; returns int64.

    x: (M, K) or (K,); w: (K, N) or (K,). Operands must fit `x_bits` / `w_bits`
    (1..16) signed or unsigned. The accumulator is signed iff `signed`; its range is
    [-2^(acc_bits-1), 2^(acc_bits-1)-1] or [0, 2^acc_bits-1]. `overflow` is "wrap"
    or "saturate" (clamp after every add, in k order).
    """
    xb = check_bits("x_bits", x_bits, 1, 16)
    wb = check_bits("w_bits", w_bits, 1, 16)
    ab = check_bits("acc_bits", acc_bits, 1, 64 if signed else 63)
    if overflow not in _OVERFLOW:
        raise ValueError(f"overflow must be one of {_OVERFLOW}, got {overflow!r}")
    xa, wa = as_int_array("x", x), as_int_array("w", w)
    if xa.ndim not in (1, 2) or wa.ndim not in (1, 2):
        raise ValueError(f"x and w must be 1-D or 2-D, got shapes {xa.shape} and {wa.shape}")
    x2 = xa.reshape(1, -1) if xa.ndim == 1 else xa
    w2 = wa.reshape(-1, 1) if wa.ndim == 1 else wa
    if x2.shape[1] != w2.shape[0]:
        raise ValueError(f"inner dimensions differ: x {xa.shape} @ w {wa.shape}")
    xmax = _extent("x", x2, xb, bool(signed))
    wmax = _extent("w", w2, wb, bool(signed))
    bound = x2.shape[1] * xmax * wmax

    lo, hi = int_range(ab, bool(signed))
    if overflow == "wrap":
        out = _matmul(x2, w2, bound, lo, (1 << ab) - 1 if ab < 64 else 0, ab < 64)
    elif not signed:
        out = np.minimum(_matmul(x2, w2, bound, 0, 0, False), hi)
    else:
        out = _saturate_signed(x2, w2, bound, lo, hi, xb, wb, ab)
    if xa.ndim == 1 or wa.ndim == 1:
        return out.reshape(-1) if xa.ndim + wa.ndim == 3 else out.reshape(())
    return out


def _saturate_signed(x, w, bound, lo, hi, xb, wb, ab):
    limit = min(hi, -lo)
    if bound <= limit:  # no prefix sum can leave the range anywhere
        return _matmul(x, w, bound, 0, 0, False)
    # per-row bound on |prefix sums|: sum_k |x[i,k]| * max_j |w[k,j]|
    row_bound = np.empty(x.shape[0], dtype=np.int64)
    _row_bound(x, np.abs(w).max(axis=1), row_bound)
    unsafe = row_bound > limit
    rows = np.flatnonzero(unsafe).astype(np.int64)
    out = np.empty((x.shape[0], w.shape[1]), dtype=np.int64)
    safe = np.flatnonzero(~unsafe)
    if safe.size:
        out[safe] = _matmul(x[safe], w, bound, 0, 0, False)
    top = (1 << (ab - 1)) + (1 << (xb - 1)) * (1 << (wb - 1))  # >= |acc| + |product|
    dt = np.float32 if top < 2**24 else (np.float64 if top < 2**53 else np.int64)
    _matmul_saturate(x, w.astype(dt), rows, dt(lo), dt(hi), out)
    return out


__all__ = ["int_matmul", "exact_matmul"]
