"""Bit-sliced crossbar matrix-vector multiply with an ADC model (ISAAC-style).

Inputs go in `dac_bits` slices (signed inputs: the sign bit is its own slice with
digital weight -2^(input_bits-1)); weights are stored `cell_bits` per cell, signed
ones as "offset" (w + 2^(b-1), bias removed digitally with sum(x)) or
"differential" (|w| in positive/negative columns, subtracted after the ADC). The
reduction dimension is cut into row blocks of `rows`. Every (row block, input
slice, weight slice, column) sum goes through the ADC
    LSB = max(F/(2^A-1), 1),  value = clip(floor(sum/LSB + 1/2), 0, cmax) * LSB
and is shifted-and-added in the fixed order block, input slice, weight slice.
With 2^A-1 >= F (or adc_bits=None) the result is exactly x @ w. Formulas and the
exactness argument: docs/numerics.md, section 2.

Speed: one BLAS call per row block computes every slice-pair partial sum (small
integers: exact in float32 below 2^24), then one njit pass does ADC + shift-add.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._checks import as_int_array, check_fits
from accelsim.kernels._numba import njit
from accelsim.kernels._scratch import scratch
from accelsim.kernels.slicing import ENCODINGS, CrossbarSpec, CrossbarStats, slice_inputs, slice_weights

_CHUNK_BYTES = 4 << 20  # partial-sum block per BLAS call: stays in L3, keeps memory flat


@njit()
def _adc_shift_add(p, in_coef, w_coef, lsb, cmax, quantise, out):
    """out[v, j] += sum_si sum_sw in_coef[si]*w_coef[sw]*(ADC(p+) - ADC(p-)).

    p: (S_in, V, sides, S_w, N) partial sums of one row block; out: (V, N) float64.
    """
    s_in, nv, sides, s_w, n = p.shape
    for v in range(nv):
        for si in range(s_in):
            for sw in range(s_w):
                coef = in_coef[si] * w_coef[sw]
                for j in range(n):
                    a = np.float64(p[si, v, 0, sw, j])
                    if quantise:
                        a = min(max(np.floor(a / lsb + 0.5), 0.0), cmax) * lsb
                    if sides == 2:
                        b = np.float64(p[si, v, 1, sw, j])
                        if quantise:
                            b = min(max(np.floor(b / lsb + 0.5), 0.0), cmax) * lsb
                        a = a - b
                    out[v, j] += coef * a

def _check_operands(x, w, spec: CrossbarSpec) -> tuple[np.ndarray, np.ndarray]:
    xa, wa = as_int_array("x", x), as_int_array("w", w)
    if xa.ndim not in (1, 2) or wa.ndim != 2:
        raise ValueError(f"x must be (K,) or (V, K) and w (K, N); got {xa.shape} and {wa.shape}")
    x2 = xa.reshape(1, -1) if xa.ndim == 1 else xa
    if x2.shape[1] != wa.shape[0]:
        raise ValueError(f"inner dimensions differ: x {xa.shape} @ w {wa.shape}")
    check_fits("x", x2, spec.input_bits, spec.input_signed)
    check_fits("w", wa, spec.weight_bits, spec.weight_signed)
    if spec.differential and wa.size and int(wa.min()) == -(1 << (spec.weight_bits - 1)):
        raise ValueError(
            f"differential encoding stores {spec.weight_bits - 1}-bit magnitudes; "
            f"w = {-(1 << (spec.weight_bits - 1))} is not representable"
        )
    return x2, wa


def _run(x2: np.ndarray, levels: np.ndarray, spec: CrossbarSpec, exact_ints: bool) -> tuple[np.ndarray, CrossbarStats]:
    xs = slice_inputs(x2, spec, _buffer="xbar_slices")
    s_in, nv, k = xs.shape
    sides, s_w, _, n = levels.shape
    nb = -(-k // spec.rows) if k else 0
    if exact_ints and min(spec.rows, k) * ((1 << spec.dac_bits) - 1) * ((1 << spec.cell_bits) - 1) < 2**24:
        dt = np.float32  # every partial sum is an integer < 2^24: float32 BLAS is exact and 2x faster
    else:
        dt = np.float64
    cols = scratch("xbar_cols", (k, sides * s_w * n), dt)
    np.copyto(cols.reshape(k, sides, s_w, n), levels.transpose(2, 0, 1, 3), casting="unsafe")
    adc = spec.adc_lsb()
    lsb, cmax = adc if adc is not None else (1.0, 0.0)
    in_coef, w_coef = spec.input_coefs(), spec.weight_coefs()
    out = np.zeros((nv, n), dtype=np.float64)
    zero = np.zeros((nb, s_in), dtype=np.int64)
    chunk = max(1, _CHUNK_BYTES // max(1, s_in * cols.shape[1] * np.dtype(dt).itemsize))
    for b in range(nb):
        k0, k1 = b * spec.rows, min(k, (b + 1) * spec.rows)
        zero[b] = nv - np.count_nonzero(xs[:, :, k0:k1].any(axis=2), axis=1)
        wblk = cols[k0:k1]
        for v0 in range(0, nv, chunk):
            v1 = min(nv, v0 + chunk)
            xblk = scratch("xbar_x", (s_in, v1 - v0, k1 - k0), dt)
            np.copyto(xblk, xs[:, v0:v1, k0:k1], casting="unsafe")
            p = scratch("xbar_p", (s_in * (v1 - v0), cols.shape[1]), dt)
            np.matmul(xblk.reshape(s_in * (v1 - v0), k1 - k0), wblk, out=p)
            p = p.reshape(s_in, v1 - v0, sides, s_w, n)
            _adc_shift_add(p, in_coef, w_coef, lsb, cmax, adc is not None, out[v0:v1])
    if spec.weight_signed and not spec.differential:
        # offset encoding: stored u = w + 2^(b-1), so x@w = x@u - 2^(b-1)*sum(x), done digitally
        out -= float(1 << (spec.weight_bits - 1)) * x2.sum(axis=1, dtype=np.int64).astype(np.float64)[:, None]
    phys = sides * s_w * n
    tiles = -(-phys // spec.cols)
    stats = CrossbarStats(
        vectors=nv,
        row_blocks=nb,
        input_slices=s_in,
        weight_slices=s_w,
        physical_columns=phys,
        column_tiles=tiles,
        reads=nv * nb * s_in * tiles,
        adc_conversions=nv * nb * s_in * phys,
        zero_slices=zero,
        skippable_reads=int(zero.sum()) * tiles,
    )
    return out, stats


def crossbar_mvm(
    x: np.ndarray,
    w: np.ndarray,
    *,
    input_bits: int,
    weight_bits: int,
    dac_bits: int = 1,
    cell_bits: int = 2,
    rows: int = 128,
    cols: int = 128,
    adc_bits: int | None = None,
    full_scale: float | None = None,
    input_signed: bool = False,
    weight_signed: bool = True,
    weight_encoding: str = "offset",
    return_stats: bool = False,
) -> np.ndarray | tuple[np.ndarray, CrossbarStats]:
    """Bit-sliced crossbar ``x @ w`` through DACs and ADCs; float64 (V, N) or (N,).

    x: (V, K) or (K,) integers fitting `input_bits`; w: (K, N) fitting `weight_bits`.
    The result holds exact integers whenever the ADC is ideal (None or
    2^adc_bits-1 >= full scale). With ``return_stats`` also returns `CrossbarStats`.
    """
    spec = CrossbarSpec(
        input_bits, weight_bits, dac_bits, cell_bits, rows, cols, adc_bits, full_scale,
        bool(input_signed), bool(weight_signed), weight_encoding,
    )
    x2, wa = _check_operands(x, w, spec)
    y, stats = _run(x2, slice_weights(wa, spec), spec, exact_ints=True)
    y = y.reshape(-1) if np.ndim(x) == 1 else y
    return (y, stats) if return_stats else y


def crossbar_mvm_levels(
    x: np.ndarray, levels: np.ndarray, spec: CrossbarSpec, *, return_stats: bool = False
) -> np.ndarray | tuple[np.ndarray, CrossbarStats]:
    """Float-valued variant: like `crossbar_mvm` but with given (e.g. perturbed) cell levels.

    `levels` has the shape `slice_weights` returns, (sides, S_w, K, N), and real values
    in units of one cell level (level l of an ideal cell reads exactly l). The digital
    offset correction still assumes the ideal stored weights.
    """
    xa = as_int_array("x", x)
    if xa.ndim not in (1, 2):
        raise ValueError(f"x must be (K,) or (V, K), got {xa.shape}")
    x2 = xa.reshape(1, -1) if xa.ndim == 1 else xa
    lv = np.asarray(levels, dtype=np.float64)
    want = (spec.sides, spec.weight_slices, x2.shape[1])
    if lv.ndim != 4 or lv.shape[:3] != want:
        raise ValueError(f"levels must have shape {want + ('N',)} for this spec and x, got {lv.shape}")
    if not np.all(np.isfinite(lv)):
        raise ValueError("levels must be finite")
    check_fits("x", x2, spec.input_bits, spec.input_signed)
    y, stats = _run(x2, lv, spec, exact_ints=False)
    y = y.reshape(-1) if xa.ndim == 1 else y
    return (y, stats) if return_stats else y


__all__ = [
    "CrossbarSpec",
    "CrossbarStats",
    "ENCODINGS",
    "crossbar_mvm",
    "crossbar_mvm_levels",
    "slice_inputs",
    "slice_weights",
]
