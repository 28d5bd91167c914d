"""Bit-flip search (after Bit-Transformer, ICCAD 2021, and ERA-BS, IEEE TC 2024): empty whole
crossbar cell columns of integer weight codes under an error budget, and cap the 1s a column sums.

Units. The codes are sign-magnitude words (see layout.py) laid out as the mapper does; a
*segment* is one filter within one crossbar row block (`rows` reduction rows), and a segment's
cell column j holds bits [j*cell_bits, (j+1)*cell_bits) of each of its weights. A cell column
that stores only zeros needs no ADC conversion, and empty columns are squeezed out of the
crossbar count. Cells that hold the sign bit are never candidates.

Algorithm (the project's own round-greedy variant of the papers' greedy search):
1. A segment's *allowed* bits are those of its currently occupied magnitude cells. Freeing cell j
   re-codes every weight of the segment to the nearest magnitude (to its input code) whose bits
   lie in allowed minus cell j: this moves the bias of the dropped bits into the remaining
   columns ("compensating in other bits") and never writes into an empty column.
2. Each round, every segment proposes its cheapest occupied candidate cell (least added squared
   error; with max_abs_error, only cells keeping every weight within it). Proposals are
   accepted cheapest first while the layer's accumulated squared error stays within
   (max_rel_error * ||w_in||)^2; accepted segments propose again. Rounds repeat until none
   is accepted (at most one round per candidate cell).
3. `max_column_ones` (Bit-Transformer's cap on the 1s a column sums, so the ADC needs only
   ceil(log2(cap + 1)) bits with 1-bit inputs): a hard limit on the sum of cell levels down
   each magnitude cell column of each segment, applied after step 2. A column over the cap
   re-codes its cheapest weights (least added squared error against the input code) to the
   nearest magnitude without that column's bits, within the segment's allowed bits and adding
   no 1 to a column already at the cap, until it is within it; rounds repeat while
   re-coding pushed another column over. Whatever is still over after 4 rounds per column
   drops its cheapest bits outright (adds no 1 anywhere, so the cap is always met). The cap's
   error is not bounded by the budget: it is reported in `error` like any other.
The budget is relative to this step's input: ||w_out - w_in|| <= max_rel_error * ||w_in|| and
max |w_out - w_in| <= max_abs_error (either or both). Code width, scale and sign are unchanged.

Costs come from lookup tables over (allowed bits, input magnitude) for codes of up to
`_TABLE_BITS` magnitude bits: a proposal is a gather and a row sum per candidate cell.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.bits import nearest_in_mask, nearest_table
from accelsim.workload.compression.layout import _ceil, _pad, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry

_TABLE_BITS = 10   # up to 10 magnitude bits lookup tables (3 x 8 MiB) replace the bit scan


def bitflip(w, *, max_rel_error: float | None = None, max_abs_error: float | None = None,
            max_column_ones: int | None = None, geometry: Geometry | None = None) -> CompressionResult:
    prev = start(w, geometry=geometry)
    if not prev.linear:
        raise WorkloadError("bitflip needs integer codes: put quantize or pow2 before it", "compression", "scheme")
    geo = prev.geometry
    if geo is None:
        raise WorkloadError("bitflip needs a crossbar geometry (--geometry rows,cols,cell_bits, or "
                            "rows/cols/cell_bits in the transform)", "compression", "rows")
    if max_rel_error is None and max_abs_error is None and max_column_ones is None:
        raise WorkloadError("give max_rel_error, max_abs_error or max_column_ones", "compression", "max_rel_error")
    for name, value in (("max_rel_error", max_rel_error), ("max_abs_error", max_abs_error)):
        if value is not None and not value >= 0:
            raise WorkloadError(f"must be >= 0, got {value!r}", "compression", name)
    if max_column_ones is not None and (isinstance(max_column_ones, bool) or
                                        not isinstance(max_column_ones, (int, np.integer)) or max_column_ones < 0):
        raise WorkloadError(f"must be an integer >= 0, got {max_column_ones!r}", "compression", "max_column_ones")

    bits, cb = prev.hw.weight_bits, geo.cell_bits
    mag_bits = bits - 1
    masks = [((1 << cb) - 1) << (j * cb) for j in range(_ceil(bits, cb)) if (j + 1) * cb <= mag_bits]
    g, k, n = prev.codes.shape
    rb = _ceil(k, geo.rows)

    def segments(array: np.ndarray) -> np.ndarray:          # (g, k, n) -> (g*rb*n, rows)
        padded = _pad(array, 1, rb * geo.rows).reshape(g, rb, geo.rows, n)
        return padded.transpose(0, 1, 3, 2).reshape(g * rb * n, geo.rows)

    target = segments(np.abs(prev.codes).astype(np.int64))
    negative = segments(prev.codes < 0)
    scale = np.repeat(np.broadcast_to(prev.scale, (g, 1, n)), rb, axis=1).reshape(-1)
    s2 = scale * scale
    current = target.copy()
    allowed = _allowed(current, negative, bits, cb, mag_bits)
    err2 = np.zeros(len(target))
    release = max_rel_error is not None or max_abs_error is not None
    budget = np.inf if max_rel_error is None else (max_rel_error * float(np.linalg.norm(prev.weights))) ** 2
    limit = np.inf if max_abs_error is None else float(max_abs_error)
    search = _nearest(mag_bits)

    def propose(idx: np.ndarray):
        """Cheapest feasible cell to free for segments `idx`: (added error, cell mask)."""
        cost = np.full(len(idx), np.inf)
        best = np.zeros(len(idx), dtype=np.int64)
        t, a = target[idx], allowed[idx]
        for mask in masks:
            sub = np.nonzero((a & mask) != 0)[0]
            if sub.size == 0:
                continue
            sq, worst = search.cost(t[sub], a[sub] & ~mask)
            added = np.maximum(sq * s2[idx[sub]] - err2[idx[sub]], 0.0)
            better = (worst * scale[idx[sub]] <= limit) & (added < cost[sub])
            cost[sub[better]] = added[better]
            best[sub[better]] = mask
        return cost, best

    if release:
        cost, drop = propose(np.arange(len(target)))
        spent = 0.0
        while True:
            open_ = np.nonzero(np.isfinite(cost))[0]
            order = open_[np.argsort(cost[open_], kind="stable")]
            take = order[: np.searchsorted(spent + np.cumsum(cost[order]), budget, side="right")]
            if take.size == 0:
                break
            spent += float(cost[take].sum())
            current[take] = search.values(target[take], allowed[take] & ~drop[take])
            diff = (current[take] - target[take]).astype(np.float64)
            err2[take] = (diff * diff).sum(axis=1) * s2[take]
            allowed[take] = _allowed(current[take], negative[take], bits, cb, mag_bits)
            cost[take], drop[take] = propose(take)
    if max_column_ones is not None:
        _cap(current, target, allowed, masks, cb, int(max_column_ones), search)

    out = current.reshape(g, rb, n, geo.rows).transpose(0, 1, 3, 2).reshape(g, rb * geo.rows, n)[:, :k]
    codes = np.where(prev.codes < 0, -out, out)
    return advance(prev, "bitflip", codes * prev.scale, codes=codes)


class _Nearest:
    """Nearest magnitude to a target within allowed bits (`nearest_in_mask`), with its squared
    and absolute change, by table lookup up to `_TABLE_BITS` magnitude bits."""

    def __init__(self, mag_bits: int):
        self.bits = mag_bits
        self.table = nearest_table(mag_bits) if mag_bits <= _TABLE_BITS else None
        if self.table is not None:
            delta = self.table - np.arange(1 << mag_bits, dtype=np.int64)[None, :]
            self.sq, self.abs = delta * delta, np.abs(delta)

    def values(self, t: np.ndarray, a: np.ndarray) -> np.ndarray:
        """t (m, rows), a (m,) per segment or (m, rows) per weight: each nearest within its allowed bits."""
        a = a[:, None] if a.ndim == 1 else a
        if self.table is not None:
            return self.table[a, t]
        return nearest_in_mask(t, a, self.bits)

    def cost(self, t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per segment: sum of squared changes and the largest absolute change (code units)."""
        if self.table is not None:
            rows = a[:, None]
            return self.sq[rows, t].sum(axis=1).astype(np.float64), self.abs[rows, t].max(axis=1)
        delta = self.values(t, a) - t
        return (delta * delta).sum(axis=1).astype(np.float64), np.abs(delta).max(axis=1)


@lru_cache(maxsize=4)
def _nearest(mag_bits: int) -> _Nearest:
    """Tables are pure in the code width: every layer of a network shares them."""
    return _Nearest(mag_bits)


def _cap(current, target, allowed, masks, cell_bits, cap, search, rounds_per_column: int = 4) -> None:
    """Re-code `current` (segments x rows magnitudes) in place until every magnitude cell
    column of every segment sums to at most `cap` (module doc, step 3)."""
    shifts = [int(m).bit_length() - cell_bits for m in masks]
    top = (1 << cell_bits) - 1

    def sums(idx=slice(None)) -> np.ndarray:                 # (segments, columns)
        return np.stack([((current[idx] >> sh) & top).sum(axis=1) for sh in shifts], axis=1)

    for _ in range(rounds_per_column * len(masks)):
        over_any = False
        for j, (mask, sh) in enumerate(zip(masks, shifts)):
            col = ((current >> sh) & top)
            excess = col.sum(axis=1) - cap
            segs = np.nonzero(excess > 0)[0]
            if segs.size == 0:
                continue
            over_any = True
            full = np.zeros(segs.size, dtype=np.int64)
            for jj, (m2, total) in enumerate(zip(masks, sums(segs).T)):
                full |= np.where(total >= cap, m2, 0)
            t, cur = target[segs], current[segs]
            # a weight may keep the 1s it has in a column at the cap, but add none there
            a = (allowed[segs] & ~mask & ~full)[:, None] | (cur & full[:, None] & ~mask)
            new = search.values(t, a)
            cost = ((new - t) ** 2 - (cur - t) ** 2).astype(np.float64)
            level = col[segs]
            cost[level == 0] = np.inf
            _apply_cheapest(current, segs, new, cost, level, excess[segs])
        if not over_any:
            return
    for mask, sh in zip(masks, shifts):         # still over: drop bits outright (no new 1s)
        col = (current >> sh) & top
        excess = col.sum(axis=1) - cap
        segs = np.nonzero(excess > 0)[0]
        if segs.size:
            cur, t = current[segs], target[segs]
            new = cur & ~mask
            cost = ((new - t) ** 2 - (cur - t) ** 2).astype(np.float64)
            level = col[segs]
            cost[level == 0] = np.inf
            _apply_cheapest(current, segs, new, cost, level, excess[segs])


def _apply_cheapest(current, segs, new, cost, level, excess) -> None:
    """In each segment, take re-codings cheapest first until their levels cover its excess."""
    order = np.argsort(cost, axis=1, kind="stable")
    lv = np.take_along_axis(level, order, axis=1)
    before = np.cumsum(lv, axis=1) - lv                 # levels removed before this one
    take_sorted = (before < excess[:, None]) & np.isfinite(np.take_along_axis(cost, order, axis=1))
    take = np.zeros_like(take_sorted)
    np.put_along_axis(take, order, take_sorted, axis=1)
    current[segs] = np.where(take, new, current[segs])


def _allowed(magnitude: np.ndarray, negative: np.ndarray, bits: int, cell_bits: int, mag_bits: int) -> np.ndarray:
    """Per segment: the magnitude bits of every cell column that holds a 1 (sign included)."""
    word = magnitude | ((negative & (magnitude > 0)).astype(np.int64) << (bits - 1))
    used = np.bitwise_or.reduce(word, axis=1)
    allowed = np.zeros(len(word), dtype=np.int64)
    for j in range(_ceil(bits, cell_bits)):
        mask = ((1 << cell_bits) - 1) << (j * cell_bits)
        allowed |= np.where((used & mask) != 0, mask, 0)
    return allowed & ((1 << mag_bits) - 1)
