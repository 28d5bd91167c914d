"""Exact statistics of a (compressed) weight matrix: crossbar layout, storage bits, ratio.

Cell model: a weight code is a sign-magnitude word of `weight_bits` bits (bit weight_bits-1 is
the sign, the others the magnitude); cell j of a weight holds bits [j*cell_bits, (j+1)*cell_bits).
A zero weight stores all-zero cells. Without integer codes (float weights, or codes that are
table indices) every cell of a nonzero weight counts as occupied.
Segments (what "freed" counts): a row segment is one reduction row of one column block (the
`cols // cells` filters that share crossbars); a column segment is one filter within one row
block (`rows` reduction rows); a cell-column segment is one cell column of a column segment.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.bits import popcount
from accelsim.workload.compression.result import (
    CompressionResult, Geometry, HardwareStats, as_matrix, error_stats)

_KEEP = object()


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def _share(flags: np.ndarray) -> float:
    """Exact fraction of set flags: one division of two counts."""
    return int(np.count_nonzero(flags)) / flags.size if flags.size else 0.0


def _log2_ceil(n: int) -> int:
    return int(n - 1).bit_length() if n > 1 else 0


def start(w, *, kernel: int = 1, geometry: Geometry | None = None, weight_bits: int = 32) -> CompressionResult:
    """The identity stage a chain starts from (or `w` itself if it already is a result).
    Unquantised weights count as stored at `weight_bits` bits each."""
    if isinstance(w, CompressionResult):
        if geometry is not None and geometry != w.geometry:
            return dataclasses.replace(w, geometry=geometry)
        return w
    matrix = as_matrix(w)
    if isinstance(kernel, bool) or not isinstance(kernel, (int, np.integer)) or kernel <= 0 \
            or matrix.shape[1] % kernel:
        raise WorkloadError(f"kernel (R*S = {kernel}) must divide Kred = {matrix.shape[1]}", "weights")
    first = CompressionResult(weights=matrix, codes=None, ratio=1.0, error={}, hw=HardwareStats(weight_bits),
                              geometry=geometry, kernel=int(kernel), reference=matrix)
    return advance(first, "", matrix)


def advance(prev: CompressionResult, step: str, weights: np.ndarray, *, codes=_KEEP, scale=_KEEP, extras=_KEEP,
            code_bits: int | None = None, meta_bits: int | None = None,
            decode: tuple[float, float] | None = None) -> CompressionResult:
    """The next stage: new weights (and codes), every statistic measured afresh."""
    codes = prev.codes if codes is _KEEP else codes
    scale = prev.scale if scale is _KEEP else scale
    extras = prev.extras if extras is _KEEP else extras
    bits = prev.hw.weight_bits if code_bits is None else int(code_bits)
    meta = prev.meta_bits if meta_bits is None else int(meta_bits)
    ops, dbits = (prev.hw.decode_ops_per_weight, prev.hw.decode_bits_per_weight) if decode is None else decode
    linear = codes is not None and scale is not None
    hw, storage = measure(weights, codes if linear else None, bits, meta, prev.geometry, prev.kernel, ops, dbits)
    total = 32 * weights.size
    scheme = "+".join(s for s in (prev.scheme, step) if s)
    return CompressionResult(
        weights=weights, codes=codes, ratio=total / hw.stored_bits, error=error_stats(prev.reference, weights),
        hw=hw, scheme=scheme, scale=scale, extras=extras, storage=storage, meta_bits=meta,
        geometry=prev.geometry, kernel=prev.kernel, reference=prev.reference)


def measure(weights: np.ndarray, codes: np.ndarray | None, bits: int, meta_bits: int, geometry: Geometry | None,
            kernel: int, decode_ops: float = 0.0, decode_bits: float = 0.0) -> tuple[HardwareStats, str]:
    """HardwareStats of `weights` (and linear integer `codes`, if any) plus the storage form used."""
    g, k, n = weights.shape
    nonzero = weights != 0
    channels = nonzero.reshape(g, k // kernel, kernel, n).any(axis=(2, 3))
    stats = dict(
        weight_bits=bits, density=_share(nonzero), kept_filters=_share(nonzero.any(axis=1)),
        kept_channels=_share(channels), decode_ops_per_weight=float(decode_ops),
        decode_bits_per_weight=float(decode_bits),
        terms_per_weight=float(popcount(np.abs(codes)).mean()) if codes is not None else 0.0)
    forms = _storage_forms(nonzero, bits)
    per = geometry.cols // _ceil(bits, geometry.cell_bits) if geometry is not None else 0
    if per > 0:   # else no geometry, or a code wider than a crossbar row (e.g. before quantising)
        occ = cell_occupancy(weights, codes, bits, geometry.cell_bits)
        stats.update(_crossbar_stats(occ, geometry, per))
        if codes is not None:
            forms["bitcolumn"] = _bitcolumn_bits(occ, geometry)
    storage = min(forms, key=lambda name: (forms[name], name))
    stats["stored_bits"] = int(forms[storage] + meta_bits)
    return HardwareStats(**stats), storage


def cell_occupancy(weights: np.ndarray, codes: np.ndarray | None, bits: int, cell_bits: int) -> np.ndarray:
    """(groups, Kred, Nout, cells) bool: which cells of each weight hold a 1."""
    cells = _ceil(bits, cell_bits)
    if codes is None:
        return np.repeat((weights != 0)[..., None], cells, axis=-1)
    dtype = np.int32 if bits < 32 else np.int64
    word = np.abs(codes).astype(dtype) | ((codes < 0).astype(dtype) << (bits - 1))
    occ = np.empty(codes.shape + (cells,), dtype=bool)
    for j in range(cells):
        np.not_equal((word >> (j * cell_bits)) & ((1 << cell_bits) - 1), 0, out=occ[..., j])
    return occ


def _pad(array: np.ndarray, axis: int, size: int) -> np.ndarray:
    extra = size - array.shape[axis]
    if extra == 0:
        return array
    widths = [(0, 0)] * array.ndim
    widths[axis] = (0, extra)
    return np.pad(array, widths)


def _crossbar_stats(occ: np.ndarray, geometry: Geometry, per: int) -> dict:
    g, k, n, cells = occ.shape
    rows = geometry.rows
    rb, cb = _ceil(k, rows), _ceil(n, per)
    weight_occ = occ.any(axis=-1)
    row_segments = _pad(weight_occ, 2, cb * per).reshape(g, k, cb, per).any(axis=3)
    blocks = _pad(occ, 1, rb * rows).reshape(g, rb, rows, n, cells).any(axis=2)   # (g, rb, n, cells)
    dense = g * rb * cb
    return dict(freed_row_fraction=_share(~row_segments),
                freed_col_fraction=_share(~blocks.any(axis=-1)),
                freed_bit_columns=_share(~blocks),
                crossbars_dense=dense,
                crossbars_compressed=min(dense, _compacted(occ, rows, per * cells)))


def _compacted(occ: np.ndarray, rows: int, width: int) -> int:
    """Crossbars after compaction, the fewer of two legal packings per group:
    row-first: drop all-empty cell columns, pack the rest `width` to a crossbar column block,
    then each block needs ceil(its occupied rows / rows) crossbars;
    column-first: drop all-empty rows, pack the rest `rows` to a row block, then each block
    needs ceil(its occupied cell columns / width) crossbars."""
    g, k = occ.shape[:2]
    total = 0
    for flat in occ.reshape(g, k, -1):
        keep = flat.any(axis=0)
        cols = flat if keep.all() else flat[:, keep]
        if cols.shape[1] == 0:
            continue                      # an all-zero group needs no crossbar
        chunks = _ceil(cols.shape[1], width)
        used_rows = _pad(cols, 1, chunks * width).reshape(k, chunks, width).any(axis=2).sum(axis=0)
        row_first = int(sum(_ceil(int(r), rows) for r in used_rows))
        keep = flat.any(axis=1)
        kept = flat if keep.all() else flat[keep]
        blocks = _ceil(kept.shape[0], rows)
        used_cols = _pad(kept, 0, blocks * rows).reshape(blocks, rows, flat.shape[1]).any(axis=1).sum(axis=1)
        col_first = int(sum(_ceil(int(c), width) for c in used_cols))
        total += min(row_first, col_first)
    return total


def _storage_forms(nonzero: np.ndarray, bits: int) -> dict[str, int]:
    """Bits of the weight payload in each storage form (see docs/compression.md)."""
    g, k, n = nonzero.shape
    nnz = int(nonzero.sum())
    kept_rows = nonzero.any(axis=2).sum(axis=1)
    kept_cols = nonzero.any(axis=1).sum(axis=1)
    return {
        "dense": g * k * n * bits,
        "compact": int(np.sum(kept_rows * kept_cols)) * bits + g * (k + n),
        "sparse": nnz * (bits + _log2_ceil(k)) + g * n * _log2_ceil(k + 1),
    }


def _bitcolumn_bits(occ: np.ndarray, geometry: Geometry) -> int:
    """Only occupied cell-column segments are stored, plus a 1-bit mask per segment."""
    g, k, n, cells = occ.shape
    rb = _ceil(k, geometry.rows)
    blocks = _pad(occ, 1, rb * geometry.rows).reshape(g, rb, geometry.rows, n, cells).any(axis=2)
    heights = np.minimum(geometry.rows, k - np.arange(rb) * geometry.rows)
    stored = int(np.sum(blocks.sum(axis=(2, 3)) * heights[None, :])) * geometry.cell_bits
    return stored + blocks.size
