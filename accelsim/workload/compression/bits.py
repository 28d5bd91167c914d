"""Vectorised bit arithmetic on non-negative int64 arrays (magnitudes of weight codes)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def popcount(x: np.ndarray) -> np.ndarray:
    """Number of 1 bits of each (non-negative) element."""
    x = np.asarray(x, dtype=np.int64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    count = np.zeros(x.shape, dtype=np.int64)
    while np.any(x):
        count += x & 1
        x = x >> 1
    return count


def keep_top_ones(u: np.ndarray, terms: int, nbits: int) -> np.ndarray:
    """The largest value <= u with at most `terms` ones: u's `terms` most significant set bits."""
    u = np.asarray(u, dtype=np.int64)
    out = np.zeros_like(u)
    taken = np.zeros_like(u)
    for b in range(nbits - 1, -1, -1):
        take = ((u >> b) & 1) & (taken < terms)
        out |= take << b
        taken += take
    return out


def nearest_few_ones(x: np.ndarray, terms: int, nbits: int) -> np.ndarray:
    """The integer in [0, 2^nbits) with at most `terms` ones nearest to x >= 0 (ties: the smaller).

    down = the largest such value <= x; up = the smallest >= x, i.e. ceil(x) if it has few enough
    ones, else its top `terms` ones v plus v's lowest set bit (values in between have more ones).
    Up to `_TABLE_BITS` bits both are looked up in tables over [0, 2^nbits)."""
    top = keep_top_ones(np.int64((1 << nbits) - 1), terms, nbits)
    x = np.minimum(np.asarray(x, dtype=np.float64), float(top))
    if nbits <= _TABLE_BITS:
        down_of, up_of = _few_ones_tables(int(terms), int(nbits))
        down, up = down_of[np.floor(x).astype(np.int64)], up_of[np.ceil(x).astype(np.int64)]
    else:
        down, up = _down_up(np.floor(x).astype(np.int64), np.ceil(x).astype(np.int64), terms, nbits)
    return np.where((up - x) < (x - down), up, down)


_TABLE_BITS = 16


def _down_up(floor: np.ndarray, ceil: np.ndarray, terms: int, nbits: int) -> tuple[np.ndarray, np.ndarray]:
    down = keep_top_ones(floor, terms, nbits)
    v = keep_top_ones(ceil, terms, nbits)
    return down, np.where(popcount(ceil) <= terms, ceil, v + (v & -v))


@lru_cache(maxsize=8)
def _few_ones_tables(terms: int, nbits: int) -> tuple[np.ndarray, np.ndarray]:
    """down[u], up[u] of `nearest_few_ones` for every integer u in [0, 2^nbits)."""
    u = np.arange(1 << nbits, dtype=np.int64)
    return _down_up(u, u, terms, nbits)


def nearest_in_mask(target: np.ndarray, allowed: np.ndarray, nbits: int) -> np.ndarray:
    """The integer whose set bits all lie in `allowed` nearest to integer `target` (ties: the smaller).

    Scans bits from the top: `down` is the largest such value <= target (copy target's bits while
    they are allowed; at the first forbidden 1, set every lower allowed bit); `up` is the smallest
    >= target (the last place where target has an allowed 0 under a matching prefix, set it and
    clear below; or target itself if all its bits are allowed)."""
    t, a = np.broadcast_arrays(np.asarray(target, dtype=np.int64), np.asarray(allowed, dtype=np.int64))
    down = np.zeros_like(t)
    below = np.zeros(t.shape, dtype=bool)       # down already < target: fill with allowed bits
    matching = np.ones(t.shape, dtype=bool)     # target's prefix so far is all allowed
    up = np.full(t.shape, -1, dtype=np.int64)   # -1: no allowed value >= target
    for b in range(nbits - 1, -1, -1):
        tb, ab = (t >> b) & 1, (a >> b) & 1
        down |= np.where(below, ab, tb & ab) << b
        below |= (tb == 1) & (ab == 0)
        candidate = matching & (tb == 0) & (ab == 1)
        up = np.where(candidate, ((t >> (b + 1)) << (b + 1)) | (np.int64(1) << b), up)
        matching &= ~((tb == 1) & (ab == 0))
    up = np.where(matching, t, up)
    use_up = (up >= 0) & ((up - t) < (t - down))
    return np.where(use_up, up, down)


def nearest_table(nbits: int) -> np.ndarray:
    """`nearest_in_mask` for every (allowed, target) pair: table[allowed, target], 4^nbits entries."""
    values = np.arange(1 << nbits, dtype=np.int64)
    return nearest_in_mask(values[None, :], values[:, None], nbits)
