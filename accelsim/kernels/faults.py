"""Bit-flip and stuck-at fault injection into stored integer words.

Words are `bits`-wide bit patterns: unsigned values in [0, 2^bits), or with
``signed=True`` two's-complement values in [-2^(bits-1), 2^(bits-1)) whose pattern
is faulted and reinterpreted. Bit 0 is the least significant bit.

Draw order (what makes a seed reproducible): the wrappers draw
``u = rng.random((words.size, bits))`` -- one float64 per (word, bit position),
words in C order of the flattened input, bit 0 first. Bit b of word i flips iff
``u[i, b] < rate[b]``. `stuck_at_masks` draws the same shape once more; a cell is
stuck at 0 iff u < p_sa0 and stuck at 1 iff p_sa0 <= u < p_sa0 + p_sa1, so a cell
is never both. Stuck-at masks are applied after flips (a stuck cell reads its stuck
value whatever was written or disturbed): ``out = (flipped & ~sa0) | sa1``.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._checks import as_int_array, check_bits, check_fits, check_probability, check_rng
from accelsim.kernels._numba import njit


@njit()
def _flip_bits(words, u, rate, sa0, sa1, bits, signed, out):
    """One pass: range check, flip bit b iff u[i, b] < rate[b], stuck-at, sign-extend.

    Returns the number of words outside the `bits` range (the wrapper raises).
    """
    width = (1 << bits) - 1
    sign = 1 << (bits - 1)
    lo = -sign if signed else 0
    hi = sign - 1 if signed else width
    has0 = sa0.shape[0] > 0
    has1 = sa1.shape[0] > 0
    bad = 0
    for i in range(words.shape[0]):
        v = words[i]
        if v < lo or v > hi:
            bad += 1
        m = 0
        for b in range(bits):
            if u[i, b] < rate[b]:  # branchy on purpose: fault rates are low, so it predicts well
                m |= 1 << b
        pat = (v & width) ^ m
        if has0:
            pat &= ~sa0[i]
        if has1:
            pat |= sa1[i]
        if signed:
            pat = (pat ^ sign) - sign  # sign-extend the bits-wide pattern
        out[i] = pat
    return bad


@njit()
def _stuck_masks(u, p0, p1, sa0, sa1):
    nbits = u.shape[1]
    for i in range(u.shape[0]):
        m0 = 0
        m1 = 0
        for b in range(nbits):
            if u[i, b] < p0:
                m0 |= 1 << b
            elif u[i, b] < p0 + p1:
                m1 |= 1 << b
        sa0[i] = m0
        sa1[i] = m1


_NONE = np.zeros(0, dtype=np.int64)


def _mask(name: str, m: object, shape: tuple[int, ...], bits: int) -> np.ndarray:
    arr = as_int_array(name, m)
    check_fits(name, arr, bits, False)
    try:
        return np.ascontiguousarray(np.broadcast_to(arr, shape)).reshape(-1)
    except ValueError:
        raise ValueError(f"{name} of shape {arr.shape} does not broadcast to words shape {shape}") from None


def apply_bit_flips(
    words: np.ndarray,
    uniforms: np.ndarray,
    *,
    bits: int,
    rate: float | np.ndarray,
    signed: bool = False,
    stuck_at_0: np.ndarray | None = None,
    stuck_at_1: np.ndarray | None = None,
) -> np.ndarray:
    """Flip bit b of word i iff ``uniforms[i, b] < rate[b]``, then apply stuck-at masks.

    `uniforms`: float array of shape (words.size, bits) (pre-drawn, see module doc).
    `rate`: scalar or (bits,) per-bit-position probabilities. Masks: bit patterns
    (1 = stuck) broadcastable to `words`.
    """
    nb = check_bits("bits", bits, 1, 62)
    arr = as_int_array("words", words)
    r = np.broadcast_to(check_probability("rate", rate, (nb,)), (nb,)).astype(np.float64)
    u = np.asarray(uniforms, dtype=np.float64)
    if u.shape != (arr.size, nb):
        raise ValueError(f"uniforms must have shape ({arr.size}, {nb}), got {u.shape}")
    sa0 = _NONE if stuck_at_0 is None else _mask("stuck_at_0", stuck_at_0, arr.shape, nb)
    sa1 = _NONE if stuck_at_1 is None else _mask("stuck_at_1", stuck_at_1, arr.shape, nb)
    out = np.empty(arr.size, dtype=np.int64)
    bad = _flip_bits(arr.reshape(-1), np.ascontiguousarray(u), r, sa0, sa1, nb, bool(signed), out)
    if bad:
        check_fits("words", arr, nb, bool(signed))  # raises with the offending range
    return out.reshape(arr.shape)


def inject_bit_flips(
    words: np.ndarray,
    *,
    bits: int,
    rate: float | np.ndarray,
    rng: np.random.Generator,
    signed: bool = False,
    stuck_at_0: np.ndarray | None = None,
    stuck_at_1: np.ndarray | None = None,
) -> np.ndarray:
    """`apply_bit_flips` with uniforms drawn from `rng` as ``rng.random((words.size, bits))``."""
    nb = check_bits("bits", bits, 1, 62)
    n = np.asarray(words).size
    u = check_rng(rng).random((n, nb))
    return apply_bit_flips(
        words, u, bits=nb, rate=rate, signed=signed, stuck_at_0=stuck_at_0, stuck_at_1=stuck_at_1
    )


def stuck_at_masks(
    shape: int | tuple[int, ...],
    *,
    bits: int,
    p_sa0: float,
    p_sa1: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Random (stuck_at_0, stuck_at_1) int64 bit masks of `shape`; each cell is stuck
    at 0 with probability p_sa0, at 1 with p_sa1 (never both). Draws
    ``rng.random((prod(shape), bits))``."""
    nb = check_bits("bits", bits, 1, 62)
    p0 = float(check_probability("p_sa0", p_sa0))
    p1 = float(check_probability("p_sa1", p_sa1))
    if p0 + p1 > 1.0:
        raise ValueError(f"p_sa0 + p_sa1 must be <= 1, got {p0 + p1}")
    shp = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    n = int(np.prod(shp, dtype=np.int64))
    u = check_rng(rng).random((n, nb))
    sa0 = np.empty(n, dtype=np.int64)
    sa1 = np.empty(n, dtype=np.int64)
    _stuck_masks(u, p0, p1, sa0, sa1)
    return sa0.reshape(shp), sa1.reshape(shp)


__all__ = ["apply_bit_flips", "inject_bit_flips", "stuck_at_masks"]
