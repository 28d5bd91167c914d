"""Input validation shared by the public kernel wrappers (plain Python, no numba)."""

from __future__ import annotations

import numpy as np


def int_range(bits: int, signed: bool) -> tuple[int, int]:
    """Inclusive value range of a `bits`-wide integer."""
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def check_bits(name: str, bits: object, lo: int, hi: int) -> int:
    if isinstance(bits, (bool, np.bool_)) or not isinstance(bits, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {bits!r}")
    if not lo <= bits <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {bits}")
    return int(bits)


def as_int_array(name: str, a: object) -> np.ndarray:
    """`a` as an int64 array; refuses floats and bools rather than silently truncating."""
    if type(a) is np.ndarray and a.dtype == np.int64:  # fast path: per-call overhead matters for small kernels
        return a
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{name} has values that do not fit in int64")
    return arr.astype(np.int64, copy=False)


def check_fits(name: str, arr: np.ndarray, bits: int, signed: bool) -> None:
    """Raise unless every value of `arr` is representable in `bits` (signed or unsigned)."""
    if arr.size == 0:
        return
    lo, hi = int_range(bits, signed)
    amin, amax = int(arr.min()), int(arr.max())
    if amin < lo or amax > hi:
        kind = "signed" if signed else "unsigned"
        raise ValueError(
            f"{name} values must fit {bits}-bit {kind} range [{lo}, {hi}], got min {amin}, max {amax}"
        )


def check_probability(name: str, p: object, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """`p` as a float64 array of probabilities in [0, 1] (scalar, or broadcastable to `shape`)."""
    arr = np.asarray(p, dtype=np.float64)
    if shape is not None and arr.ndim:
        if arr.shape != shape:
            raise ValueError(f"{name} must be a scalar or have shape {shape}, got {arr.shape}")
    if arr.size and not (arr.min() >= 0.0 and arr.max() <= 1.0):  # NaN fails both compares
        raise ValueError(f"{name} must be probabilities in [0, 1], got {p!r}")
    return arr


def check_rng(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng
