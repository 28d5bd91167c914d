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

Speed (integer weights, `crossbar_mvm`): a column slice whose worst-case sum over any input
slice fits the ADC exactly (LSB 1 and (2^d - 1) * sum of its levels <= the largest code, or
an ideal ADC, or an all-zero column) converts every input exactly, so the shift-and-add over
those slices is linear and equals one integer matmul x @ (sum_sw 2^(sw c) level_sw) -- exact
in float64 below 2^53 (int64 beyond). Only the other column slices go through per-slice work:
one BLAS call per row block over their columns and the input slices that are not all zero
(a zero slice converts to 0 and adds nothing), then one njit pass does ADC + shift-add in the
order block, input slice, weight slice. The result is bit-identical to converting every
slice pair (tests/naive.py): when the ADC's LSB is 1 every value is an integer below 2^53, so
the order of the sums does not matter; otherwise only all-zero columns and zero slices, which
add exactly 0, are left out. `crossbar_mvm_levels` (real levels) converts every slice pair.
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
    return out, _stats(spec, nv, nb, s_in, s_w, sides, n, zero)


@njit()
def _column_sums(stored, rows, cell_bits, s_w, out):
    """out[b, side, sw, n] = sum over the rows of row block b of cell level sw of stored[side]."""
    mask = (1 << cell_bits) - 1
    for side in range(stored.shape[0]):
        for k in range(stored.shape[1]):
            b = k // rows
            for n in range(stored.shape[2]):
                u = stored[side, k, n]
                for sw in range(s_w):
                    out[b, side, sw, n] += (u >> (sw * cell_bits)) & mask


@njit()
def _linear_weights(stored, linear, rows, cell_bits, out):
    """out[k, n] = sum over the linear weight slices sw of (k's row block, n) of
    2^(sw c) (level_sw of side 0 - level_sw of side 1): the matrix the exact slices add up to."""
    mask = (1 << cell_bits) - 1
    s_w = linear.shape[1]
    for k in range(stored.shape[1]):
        b = k // rows
        for n in range(stored.shape[2]):
            acc = 0
            for sw in range(s_w):
                if linear[b, sw, n]:
                    lv = (stored[0, k, n] >> (sw * cell_bits)) & mask
                    if stored.shape[0] == 2:
                        lv -= (stored[1, k, n] >> (sw * cell_bits)) & mask
                    acc += lv << (sw * cell_bits)
            out[k, n] = acc


def _nonzero_slices(x2: np.ndarray, spec: CrossbarSpec) -> np.ndarray:
    """(row blocks, S_in, V) bool: input slice si of vector v is not all zero over the block.
    Slices are disjoint bit fields, so a slice is nonzero somewhere iff it is in the OR of the patterns."""
    k, d, bits = x2.shape[1], spec.dac_bits, spec.input_bits
    nb = -(-k // spec.rows) if k else 0
    padded = np.zeros((x2.shape[0], nb * spec.rows), dtype=np.int64)
    np.bitwise_and(x2, (1 << bits) - 1, out=padded[:, :k])       # two's-complement bit patterns
    acc = np.bitwise_or.reduce(padded.reshape(x2.shape[0], nb, spec.rows), axis=2).T   # (nb, V)
    mag = spec.input_slices - 1 if spec.input_signed else spec.input_slices
    fields = [(acc >> (s * d)) & ((1 << d) - 1) for s in range(mag)]
    if spec.input_signed:   # magnitude slices cover the low bits-1 bits only, then the sign bit
        fields = [f & (((1 << (bits - 1)) - 1) >> (s * d)) for s, f in enumerate(fields)] + [acc >> (bits - 1)]
    return np.stack(fields, axis=1) != 0 if fields else np.zeros((nb, 0, x2.shape[0]), dtype=bool)


@njit()
def _adc_shift_add_runs(p, r_si, r_v, in_coef, run_j, run_col, run_coef, lsb, cmax, quantise, out):
    """out[r_v[r], run_col[u] + t] += in_coef[r_si[r]] * run_coef[u] * (ADC(p+) - ADC(p-)) for
    p[r, side, run_j[u] + t], t < run_j[u+1] - run_j[u].

    p: (R, sides, J) partial sums of selected (vector, input slice) rows and (weight slice,
    column) pairs of one row block, rows ordered by vector then slice and pairs slice-major, so
    every output element sees its terms in the order input slice, weight slice. A run is a stretch of
    pairs with one weight slice and consecutive columns (contiguous loops, as in `_adc_shift_add`).
    """
    nr, sides, nj = p.shape
    for r in range(nr):
        ci = in_coef[r_si[r]]
        v = r_v[r]
        for u in range(run_col.shape[0]):
            coef = ci * run_coef[u]
            j0, col = run_j[u], run_col[u]
            for t in range(run_j[u + 1] - j0):
                a = np.float64(p[r, 0, j0 + t])
                if quantise:
                    a = min(max(np.floor(a / lsb + 0.5), 0.0), cmax) * lsb
                if sides == 2:
                    b = np.float64(p[r, 1, j0 + t])
                    if quantise:
                        b = min(max(np.floor(b / lsb + 0.5), 0.0), cmax) * lsb
                    a = a - b
                out[v, col + t] += coef * a


def _stored(wa: np.ndarray, spec: CrossbarSpec) -> np.ndarray:
    """(sides, K, N) int64 stored words (offset-biased, or the differential magnitudes)."""
    if spec.differential:
        return np.stack([np.maximum(wa, 0), np.maximum(-wa, 0)])
    if spec.weight_signed:
        return (wa + (1 << (spec.weight_bits - 1)))[None]
    return wa[None]


def _run_ints(x2: np.ndarray, wa: np.ndarray, spec: CrossbarSpec) -> tuple[np.ndarray, CrossbarStats]:
    """`_run` for integer weights: exact column slices in one matmul, the rest per slice (module doc)."""
    from accelsim.kernels.mac import exact_matmul

    nv, k = x2.shape
    n, s_w, sides = wa.shape[1], spec.weight_slices, spec.sides
    rows, c, d = spec.rows, spec.cell_bits, spec.dac_bits
    nb = -(-k // rows) if k else 0
    nonzero = _nonzero_slices(x2, spec)
    zero = nv - nonzero.sum(axis=2, dtype=np.int64)
    adc = spec.adc_lsb()
    lsb, cmax = adc if adc is not None else (1.0, 0.0)
    xmax = int(np.abs(x2).max()) if x2.size else 0
    wmax = (1 << spec.weight_bits) if wa.size else 0
    small = k * xmax * wmax < 2**53      # every sum of the exact matmul is an exact float64
    if adc is None or (lsb == 1.0 and min(rows, k) * ((1 << d) - 1) * ((1 << c) - 1) <= cmax):
        # every column slice converts exactly: the whole MVM is x @ w
        out = exact_matmul(x2, wa).astype(np.float64)
        return out, _stats(spec, nv, nb, s_in=spec.input_slices, s_w=s_w, sides=sides, n=n, zero=zero,
                           exact=small)
    stored = _stored(wa, spec)
    sums = np.zeros((nb, sides, s_w, n), dtype=np.int64)
    _column_sums(stored, rows, c, s_w, sums)
    if lsb == 1.0:
        exact = sums * ((1 << d) - 1) <= cmax  # no input can push the column past the top code
    else:
        exact = sums == 0                      # an empty column converts to 0 whatever the input
    linear = exact.all(axis=1)                 # (nb, S_w, N): both sides of the pair exact
    out = np.zeros((nv, n), dtype=np.float64)
    if not linear.all():
        _per_slice(x2, stored, linear, nonzero, spec, lsb, cmax, adc is not None, out)
    offset = spec.weight_signed and not spec.differential
    if linear.any():
        # the linear slices' sum, with offset encoding's bias 2^(b-1) removed digitally for every column
        wlin = np.empty((k, n), dtype=np.int64)
        _linear_weights(stored, linear, rows, c, wlin)
        if offset:
            wlin -= 1 << (spec.weight_bits - 1)
        out += exact_matmul(x2, wlin)
    elif offset:  # stored u = w + 2^(b-1), so x@w = x@u - 2^(b-1)*sum(x), done digitally
        out -= float(1 << (spec.weight_bits - 1)) * x2.sum(axis=1, dtype=np.int64).astype(np.float64)[:, None]
    return out, _stats(spec, nv, nb, spec.input_slices, s_w, sides, n, zero, exact=small and bool(linear.all()))


def _per_slice(x2, stored, linear, nonzero, spec, lsb, cmax, quantise, out) -> None:
    """Add the non-linear column slices: every (input slice, weight slice) pair through the ADC,
    one BLAS call per row block over those columns and the input slices that are not all zero."""
    xs = slice_inputs(x2, spec, _buffer="xbar_slices")
    s_in, nv, k = xs.shape
    sides, n = stored.shape[0], stored.shape[2]
    rows, c, d = spec.rows, spec.cell_bits, spec.dac_bits
    if min(rows, k) * ((1 << d) - 1) * ((1 << c) - 1) < 2**24:
        dt = np.float32  # every partial sum is an integer < 2^24: float32 BLAS is exact and 2x faster
    else:
        dt = np.float64
    in_coef, w_coef = spec.input_coefs(), spec.weight_coefs()
    flat = xs.reshape(s_in * nv, k)
    for b in range(linear.shape[0]):
        pairs = np.flatnonzero(~linear[b])               # (sw, n) pairs, slice-major
        # (v, si) pairs whose slice is not all zero, vector-major (each output row stays in cache;
        # a vector's slices still come in slice order), as rows si * V + v of the stacked slices
        r_v, r_si = np.divmod(np.flatnonzero(nonzero[b].T.reshape(-1)), s_in)
        picked = r_si * nv + r_v
        if pairs.size == 0 or picked.size == 0:
            continue
        k0, k1 = b * rows, min(k, (b + 1) * rows)
        sw, col = np.divmod(pairs, n)
        levels = (stored[:, k0:k1][:, :, col] >> (sw * c)) & ((1 << c) - 1)   # (sides, rows_b, J)
        wblk = np.ascontiguousarray(levels.transpose(1, 0, 2).reshape(k1 - k0, sides * pairs.size), dtype=dt)
        cut = np.flatnonzero((np.diff(sw) != 0) | (np.diff(col) != 1)) + 1   # runs: one slice, consecutive columns
        run_j = np.concatenate(([0], cut, [pairs.size])).astype(np.int64)
        run_col, run_coef = col[run_j[:-1]], w_coef[sw[run_j[:-1]]]
        chunk = max(1, _CHUNK_BYTES // max(1, wblk.shape[1] * np.dtype(dt).itemsize))
        for r0 in range(0, picked.size, chunk):
            r1 = min(picked.size, r0 + chunk)
            xblk = scratch("xbar_x", (r1 - r0, k1 - k0), dt)
            np.copyto(xblk, flat[picked[r0:r1], k0:k1], casting="unsafe")
            p = scratch("xbar_p", (r1 - r0, wblk.shape[1]), dt)
            np.matmul(xblk, wblk, out=p)
            _adc_shift_add_runs(p.reshape(r1 - r0, sides, pairs.size), r_si[r0:r1], r_v[r0:r1], in_coef,
                                run_j, run_col, run_coef, lsb, cmax, quantise, out)


def _stats(spec, nv, nb, s_in, s_w, sides, n, zero, exact=False) -> CrossbarStats:
    phys = sides * s_w * n
    tiles = -(-phys // spec.cols)
    return CrossbarStats(
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
        exact=exact,
    )


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
    y, stats = _run_ints(x2, wa, spec)
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
