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
        levels = cell_levels(codes, bits, geometry.cell_bits) if codes is not None else None
        stats.update(_crossbar_stats(occ, geometry, per, levels))
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


def cell_levels(codes: np.ndarray, bits: int, cell_bits: int) -> np.ndarray:
    """(groups, Kred, Nout, cells) uint8: the magnitude bits each cell of a sign-magnitude code
    stores. The sign bit is left out: it selects whether a row's product is added or subtracted
    (positive and negative weights are summed apart, or on differential columns), so a column
    sum the ADC resolves is at most the sum of its magnitude levels (an assumption about the
    signed read, docs/compression.md)."""
    cells = _ceil(bits, cell_bits)
    dtype = np.int32 if bits < 32 else np.int64
    word = np.abs(codes).astype(dtype) & ((1 << (bits - 1)) - 1)
    out = np.empty(codes.shape + (cells,), dtype=np.uint8)
    for j in range(cells):
        out[..., j] = (word >> (j * cell_bits)) & ((1 << cell_bits) - 1)
    return out


def _pad(array: np.ndarray, axis: int, size: int) -> np.ndarray:
    extra = size - array.shape[axis]
    if extra == 0:
        return array
    widths = [(0, 0)] * array.ndim
    widths[axis] = (0, extra)
    return np.pad(array, widths)


def _crossbar_stats(occ: np.ndarray, geometry: Geometry, per: int, levels: np.ndarray | None = None) -> dict:
    g, k, n, cells = occ.shape
    rows = geometry.rows
    rb, cb = _ceil(k, rows), _ceil(n, per)
    weight_occ = occ.any(axis=-1)
    row_segments = _pad(weight_occ, 2, cb * per).reshape(g, k, cb, per).any(axis=3)
    blocks = _pad(occ, 1, rb * rows).reshape(g, rb, rows, n, cells).any(axis=2)   # (g, rb, n, cells)
    dense = g * rb * cb
    out = dict(freed_row_fraction=_share(~row_segments),
               freed_col_fraction=_share(~blocks.any(axis=-1)),
               freed_bit_columns=_share(~blocks),
               crossbars_dense=dense)
    # in place (no row merged into another row block) every column sums at most this
    in_place = max(_block_sums(lv, rows) for lv in levels.reshape(g, k, -1)) if levels is not None else None
    free, capped = _compacted(occ, rows, per * cells, levels, limit=in_place)
    packings = {"": free, "capped_": capped} if levels is not None else {"": free}
    for prefix, packed in packings.items():
        # the packing never needs more crossbars, conversions or row drives than the dense layout
        out.update({f"{prefix}crossbars" if prefix else "crossbars_compressed": min(dense, packed.crossbars),
                    f"{prefix}converted_column_fraction": packed.columns / (g * rb * n * cells),
                    f"{prefix}driven_row_fraction": packed.rows / (g * k * cb)})
        if levels is not None:
            out[f"{prefix}max_column_sum"] = packed.max_sum
    return out


@dataclasses.dataclass(frozen=True)
class Packing:
    """A compacted layer: crossbars, cell columns converted and rows driven per input slice (over
    all its crossbars), and the largest sum of cell levels down one column of one crossbar."""

    crossbars: int = 0
    columns: int = 0
    rows: int = 0
    max_sum: int = 0

    def __add__(self, other: "Packing") -> "Packing":
        return Packing(self.crossbars + other.crossbars, self.columns + other.columns, self.rows + other.rows,
                       max(self.max_sum, other.max_sum))


def _block_sums(levels: np.ndarray, rows: int) -> int:
    """Largest column sum of `levels` (k, c) cut into crossbars of `rows` consecutive rows."""
    k = levels.shape[0]
    blocks = _ceil(k, rows)
    if blocks == 0:
        return 0
    return int(_pad(levels, 0, blocks * rows).reshape(blocks, rows, -1).sum(axis=1, dtype=np.int64).max())


def _starts(levels: np.ndarray | None, n: int, rows: int, limit: int | None) -> np.ndarray:
    """First rows of the crossbars `n` consecutive packed rows fill: every `rows` rows, or (with a
    `limit` on the column sums) earlier, where one more row would take a column past it."""
    if limit is None or levels is None:
        return np.arange(0, n, rows)
    starts, s = [], 0
    while s < n:
        window = np.cumsum(levels[s:s + rows], axis=0, dtype=np.int64)
        over = np.nonzero((window > limit).any(axis=1))[0]
        starts.append(s)
        s += max(int(over[0]) if over.size else window.shape[0], 1)
    return np.array(starts)


def _pack(kept: np.ndarray, lv: np.ndarray | None, rows: int, limit: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows `kept` (r, c) packed in order into crossbars (_starts): per crossbar its occupied
    columns (bool, (crossbars, c)) and rows, and the largest column sum of `lv`."""
    n = kept.shape[0]
    if limit is None or lv is None:     # every `rows` rows: a reshape, faster than reduceat
        blocks = _ceil(n, rows)
        used = _pad(kept, 0, blocks * rows).reshape(blocks, rows, -1).any(axis=1)
        return used, np.minimum(rows, n - np.arange(blocks) * rows), _block_sums(lv, rows) if lv is not None else 0
    starts = _starts(lv, n, rows, limit)
    used = np.logical_or.reduceat(kept, starts, axis=0)
    heights = np.diff(np.append(starts, n))
    return used, heights, int(np.add.reduceat(lv, starts, axis=0, dtype=np.int64).max())


def _row_first(cols: np.ndarray, lv: np.ndarray | None, rows: int, width: int, limit: int | None) -> Packing:
    out = Packing()
    for c in range(0, cols.shape[1], width):
        block = cols[:, c:c + width]
        used = block.any(axis=1)
        _, heights, top = _pack(block[used], None if lv is None else lv[used, c:c + width], rows, limit)
        out += Packing(len(heights), len(heights) * block.shape[1], int(used.sum()), top)
    return out


def _col_first(kept: np.ndarray, lv: np.ndarray | None, rows: int, width: int, limit: int | None) -> Packing:
    used, heights, top = _pack(kept, lv, rows, limit)
    used_cols = used.sum(axis=1)
    xbars = -(-used_cols // width)
    return Packing(int(xbars.sum()), int(used_cols.sum()), int((xbars * heights).sum()), top)


def _compacted(occ: np.ndarray, rows: int, width: int, levels: np.ndarray | None = None,
               limit: int | None = None) -> tuple[Packing, Packing]:
    """The layer after compaction, the fewer crossbars of two legal packings per group (ties: fewer
    conversions):
    row-first: drop all-empty cell columns, pack the rest `width` to a crossbar column block,
    then each block packs its occupied rows into crossbars, each converting the block's columns
    and driving its own rows;
    column-first: drop all-empty rows, pack the rest into row blocks, then each block needs
    ceil(its occupied cell columns / width) crossbars, each driving the block's rows and
    converting its own columns. `levels` (cell values, shape of `occ`) give the column sums.
    Returns (free, capped): free packs rows `rows` to a crossbar; capped (with `limit`) lets no
    crossbar take a row that would make one of its columns sum more than `limit` (chips whose
    ADC resolution follows the column sums: merging the rows of different row blocks must not
    undo the bit-flip cap). Where the free packing stays within the limit they are the same."""
    g, k = occ.shape[:2]
    free = capped = Packing()
    lv_groups = levels.reshape(g, k, -1) if levels is not None else [None] * g
    for flat, lv in zip(occ.reshape(g, k, -1), lv_groups):
        keep = flat.any(axis=0)
        cols = flat if keep.all() else flat[:, keep]
        if cols.shape[1] == 0:
            continue                      # an all-zero group needs no crossbar
        keep_r = flat.any(axis=1)
        kept = flat if keep_r.all() else flat[keep_r]
        args = {_row_first: (cols, None if lv is None else (lv if keep.all() else lv[:, keep])),
                _col_first: (kept, None if lv is None else (lv if keep_r.all() else lv[keep_r]))}
        options = []
        for pack, (data, part) in args.items():
            loose = pack(data, part, rows, width, None)
            tight = loose if limit is None or loose.max_sum <= limit else pack(data, part, rows, width, limit)
            options.append((loose, tight))
        best = lambda p: (p.crossbars, p.columns)  # noqa: E731
        free = free + min((o[0] for o in options), key=best)
        capped = capped + min((o[1] for o in options), key=best)
    return free, capped


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
