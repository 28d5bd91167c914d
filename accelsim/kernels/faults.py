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

Sparse path (`inject_bit_flips(..., method="sparse")`, the default for a scalar rate):
the ``n = words.size * bits`` stored bits are numbered ``j = i * bits + b`` (word i in
C order, bit b LSB first) and the flipped ones are found by skip sampling: the gaps
between consecutive flipped bits are i.i.d. Geometric(rate) on {1, 2, ...}, so the first
flipped bit is ``g_1 - 1``, the next ``g_1 + g_2 - 1``, ... until a position reaches n.
This is exactly "each bit flips independently with probability rate" -- the same
distribution as the dense path, with work proportional to the number of flips.
Draw order (`flip_gaps`): nothing if ``n == 0`` or ``rate == 0``; otherwise chunks of
``m = min(n + 1, 16 + ceil(n r + 4 sqrt(n r (1 - r))))`` gaps, each chunk
``rng.geometric(rate, size=m)``, until the gaps drawn so far (each clipped at n + 1) sum to
at least n + 1. One chunk almost always suffices (its size is the mean plus 4 sigma).
Different rates do not share random numbers: unlike the dense path, a bit that flips at
one rate need not flip at a larger one with the same seed (use the dense path for
common-random-number sweeps).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from accelsim.kernels._checks import as_int_array, check_bits, check_fits, check_probability, check_rng, int_range
from accelsim.kernels._numba import njit


@njit()
def _flip_bits(words, u, rate, sa0, sa1, bits, signed, out):
    """Flip bit b of word i iff u[i, b] < rate[b]; then stuck-at masks and sign extension.

    Returns (min word, max word, OR of all mask values) so the wrapper can range-check
    words and masks without extra numpy passes (it raises the detailed error).
    """
    width = (1 << bits) - 1
    n = words.shape[0]
    vmin = vmax = words[0] if n else 0
    for i in range(n):
        v = words[i]
        vmin = min(vmin, v)
        vmax = max(vmax, v)
        m = 0
        for b in range(bits):
            if u[i, b] < rate[b]:  # branchy on purpose: fault rates are low, so it predicts well
                m |= 1 << b
        out[i] = (v & width) ^ m
    masks = 0
    if sa0.shape[0] or sa1.shape[0] or signed:  # second pass only when there is work for it
        masks = _stuck_at(out, sa0, sa1, bits, signed)
    return vmin, vmax, masks


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


@njit()
def _sparse_flip_bits(words, gaps, bits, signed, out):
    """Copy, then XOR the bits at positions cumsum(gaps) - 1 below n.

    Words stay sign-extended, so flipping the sign bit of a signed word XORs every bit
    from bits-1 up (mask -2^(bits-1)); no sign-extension pass. Returns (min word,
    max word, flips, smallest gap); nothing is flipped if a gap is below 1.
    """
    sign = 1 << (bits - 1)
    n_words = words.shape[0]
    vmin = vmax = words[0] if n_words else 0
    for i in range(n_words):
        v = words[i]
        vmin = min(vmin, v)
        vmax = max(vmax, v)
        out[i] = v
    gmin = 1
    for k in range(gaps.shape[0]):
        gmin = min(gmin, gaps[k])
    if gmin < 1:  # would walk backwards (and out of bounds): the wrapper raises
        return vmin, vmax, 0, gmin
    n = n_words * bits
    pos = -1
    flips = 0
    for k in range(gaps.shape[0]):
        g = gaps[k]
        if g > n - 1 - pos:  # next flip would be past the last bit (no overflow for huge gaps)
            break
        pos += g
        i = pos // bits
        b = pos - i * bits
        out[i] ^= -sign if (signed and b == bits - 1) else (1 << b)
        flips += 1
    return vmin, vmax, flips, gmin


@njit()
def _stuck_at(out, sa0, sa1, bits, signed):
    """Stuck-at masks on bits-wide patterns, then sign-extend (after the flips).

    Returns the OR of all mask values (the wrappers' range check)."""
    width = (1 << bits) - 1
    sign = 1 << (bits - 1)
    has0 = sa0.shape[0] > 0
    has1 = sa1.shape[0] > 0
    masks = 0
    for i in range(out.shape[0]):
        pat = out[i] & width
        if has0:
            pat &= ~sa0[i]
            masks |= sa0[i]
        if has1:
            pat |= sa1[i]
            masks |= sa1[i]
        if signed:
            pat = (pat ^ sign) - sign
        out[i] = pat
    return masks  # OR of every mask value: negative or above `width` means a bad mask


_NONE = np.zeros(0, dtype=np.int64)


def _mask(name: str, m: object, shape: tuple[int, ...]) -> np.ndarray:
    """A stuck-at mask broadcast to the words, flat; its range is checked by the kernel."""
    arr = as_int_array(name, m)
    if arr.shape == shape:  # the common case; broadcast_to alone costs microseconds
        return np.ascontiguousarray(arr).reshape(-1)
    try:
        return np.ascontiguousarray(np.broadcast_to(arr, shape)).reshape(-1)
    except ValueError:
        raise ValueError(f"{name} of shape {arr.shape} does not broadcast to words shape {shape}") from None


def _masks(stuck_at_0: object, stuck_at_1: object, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    sa0 = _NONE if stuck_at_0 is None else _mask("stuck_at_0", stuck_at_0, shape)
    sa1 = _NONE if stuck_at_1 is None else _mask("stuck_at_1", stuck_at_1, shape)
    return sa0, sa1


def _check_ranges(arr: np.ndarray, sa0: np.ndarray, sa1: np.ndarray, bits: int, signed: bool,
                  vmin: int, vmax: int, masks: int) -> None:
    """Raise the detailed range error that a kernel's summary (word min/max, OR of the
    masks) points to; costs nothing when all is well."""
    lo, hi = int_range(bits, signed)
    if arr.size and (vmin < lo or vmax > hi):
        check_fits("words", arr, bits, signed)
    if masks < 0 or masks >> bits:
        check_fits("stuck_at_0", sa0, bits, False)
        check_fits("stuck_at_1", sa1, bits, False)


def _rates(rate: object, bits: int) -> np.ndarray:
    """(bits,) float64 per-bit-position flip probabilities from a scalar or a (bits,) array."""
    if np.ndim(rate) == 0:
        return np.full(bits, _scalar_rate(rate))
    return np.ascontiguousarray(check_probability("rate", rate, (bits,)))


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
    r = _rates(rate, nb)
    u = np.asarray(uniforms, dtype=np.float64)
    if u.shape != (arr.size, nb):
        raise ValueError(f"uniforms must have shape ({arr.size}, {nb}), got {u.shape}")
    sa0, sa1 = _masks(stuck_at_0, stuck_at_1, arr.shape)
    out = np.empty(arr.size, dtype=np.int64)
    vmin, vmax, masks = _flip_bits(arr.reshape(-1), np.ascontiguousarray(u), r, sa0, sa1, nb, bool(signed), out)
    _check_ranges(arr, sa0, sa1, nb, bool(signed), vmin, vmax, masks)
    return out.reshape(arr.shape)


def gap_chunk(n_bits: int, rate: float) -> int:
    """Gaps per `rng.geometric` call of the sparse sampler: mean flips + 4 sigma + 16, at most n + 1."""
    nr = n_bits * rate
    return min(n_bits + 1, 16 + math.ceil(nr + 4.0 * math.sqrt(nr * (1.0 - rate))))


def _scalar_rate(rate: object) -> float:
    """A scalar probability, checked with plain float compares (check_probability costs ~8 us)."""
    try:
        r = float(rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"rate must be a probability in [0, 1], got {rate!r}") from None
    if not 0.0 <= r <= 1.0:  # also rejects NaN
        raise ValueError(f"rate must be a probability in [0, 1], got {rate!r}")
    return r


def _draw_gaps(n: int, r: float, rng: np.random.Generator) -> np.ndarray:
    if n == 0 or r == 0.0:
        return np.zeros(0, dtype=np.int64)
    m = gap_chunk(n, r)
    chunks, covered = [], 0
    while covered < n + 1:
        g = rng.geometric(r, size=m)
        chunks.append(g)
        covered += int(np.minimum(g, n + 1).sum())  # clip: numpy returns INT64_MAX for tiny rates
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def flip_gaps(n_bits: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """The sparse sampler's draws for `n_bits` bits at a uniform `rate` (module doc):
    Geometric(rate) gaps in chunks of `gap_chunk` until they cover n_bits + 1."""
    if isinstance(n_bits, (bool, np.bool_)) or not isinstance(n_bits, (int, np.integer)) or n_bits < 0:
        raise ValueError(f"n_bits must be an integer >= 0, got {n_bits!r}")
    return _draw_gaps(int(n_bits), _scalar_rate(rate), check_rng(rng))


def apply_sparse_bit_flips(
    words: np.ndarray,
    gaps: np.ndarray,
    *,
    bits: int,
    signed: bool = False,
    stuck_at_0: np.ndarray | None = None,
    stuck_at_1: np.ndarray | None = None,
    return_count: bool = False,
) -> np.ndarray | tuple[np.ndarray, int]:
    """Flip bit ``j = i * bits + b`` at every ``j = g_1 + ... + g_k - 1 < words.size * bits``
    (pre-drawn gaps, see `flip_gaps`), then apply stuck-at masks as `apply_bit_flips` does.

    With ``return_count=True`` also returns the number of bits flipped (before stuck-at).
    """
    nb = check_bits("bits", bits, 1, 62)
    arr = as_int_array("words", words)
    g = as_int_array("gaps", gaps).reshape(-1)
    sa0, sa1 = _masks(stuck_at_0, stuck_at_1, arr.shape)
    out = np.empty(arr.size, dtype=np.int64)
    vmin, vmax, flips, gmin = _sparse_flip_bits(arr.reshape(-1), np.ascontiguousarray(g), nb, bool(signed), out)
    if gmin < 1:
        raise ValueError("gaps must be integers >= 1")
    masks = _stuck_at(out, sa0, sa1, nb, bool(signed)) if sa0.size or sa1.size else 0
    _check_ranges(arr, sa0, sa1, nb, bool(signed), vmin, vmax, masks)
    out = out.reshape(arr.shape)
    return (out, int(flips)) if return_count else out


def inject_bit_flips(
    words: np.ndarray,
    *,
    bits: int,
    rate: float | np.ndarray,
    rng: np.random.Generator,
    signed: bool = False,
    stuck_at_0: np.ndarray | None = None,
    stuck_at_1: np.ndarray | None = None,
    method: Literal["auto", "sparse", "dense"] = "auto",
) -> np.ndarray:
    """Flip every stored bit independently with probability `rate`, then apply stuck-at masks.

    method "sparse" (the "auto" choice for a scalar rate): skip sampling, draws `flip_gaps`,
    work proportional to the flips. "dense" (the "auto" choice for per-bit-position rates):
    ``rng.random((words.size, bits))`` then `apply_bit_flips`. Same distribution, different
    draws (module doc).
    """
    nb = check_bits("bits", bits, 1, 62)
    if method not in ("auto", "sparse", "dense"):
        raise ValueError(f"method must be 'auto', 'sparse' or 'dense', got {method!r}")
    sparse = method == "sparse" or (method == "auto" and np.ndim(rate) == 0)
    if sparse and np.ndim(rate) != 0:
        raise ValueError("method='sparse' needs a scalar rate (per-bit-position rates use method='dense')")
    n = np.asarray(words).size
    if sparse:
        gaps = _draw_gaps(n * nb, _scalar_rate(rate), check_rng(rng))
        return apply_sparse_bit_flips(words, gaps, bits=nb, signed=signed, stuck_at_0=stuck_at_0,
                                      stuck_at_1=stuck_at_1)
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


__all__ = [
    "apply_bit_flips",
    "apply_sparse_bit_flips",
    "flip_gaps",
    "gap_chunk",
    "inject_bit_flips",
    "stuck_at_masks",
]
