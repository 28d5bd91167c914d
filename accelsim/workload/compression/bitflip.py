"""Bit-flip search (after Bit-Transformer, ICCAD 2021, and ERA-BS, IEEE TC 2024): empty whole
crossbar cell columns of integer weight codes under an error budget.

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
The budget is relative to this step's input: ||w_out - w_in|| <= max_rel_error * ||w_in|| and
max |w_out - w_in| <= max_abs_error (either or both). Code width, scale and sign are unchanged.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.bits import nearest_in_mask, nearest_table

_TABLE_BITS = 10   # up to 10 magnitude bits a lookup table (8 MiB) replaces the bit scan
from accelsim.workload.compression.layout import _ceil, _pad, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def bitflip(w, *, max_rel_error: float | None = None, max_abs_error: float | None = None,
            geometry: Geometry | None = None) -> CompressionResult:
    prev = start(w, geometry=geometry)
    if not prev.linear:
        raise WorkloadError("bitflip needs integer codes: put quantize or pow2 before it", "compression", "scheme")
    geo = prev.geometry
    if geo is None:
        raise WorkloadError("bitflip needs a crossbar geometry (--geometry rows,cols,cell_bits, or "
                            "rows/cols/cell_bits in the transform)", "compression", "rows")
    if max_rel_error is None and max_abs_error is None:
        raise WorkloadError("give max_rel_error or max_abs_error", "compression", "max_rel_error")
    for name, value in (("max_rel_error", max_rel_error), ("max_abs_error", max_abs_error)):
        if value is not None and not value >= 0:
            raise WorkloadError(f"must be >= 0, got {value!r}", "compression", name)

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
    scale = np.repeat(np.broadcast_to(prev.scale, (g, 1, n)), rb, axis=1).reshape(-1, 1)
    current = target.copy()
    allowed = _allowed(current, negative, bits, cb, mag_bits)
    err2 = np.zeros(len(target))
    budget = np.inf if max_rel_error is None else (max_rel_error * float(np.linalg.norm(prev.weights))) ** 2
    limit = np.inf if max_abs_error is None else float(max_abs_error)
    table = nearest_table(mag_bits) if mag_bits <= _TABLE_BITS else None

    def nearest(t: np.ndarray, a: np.ndarray) -> np.ndarray:
        return table[a, t] if table is not None else nearest_in_mask(t, a, mag_bits)

    def propose(idx: np.ndarray):
        """Cheapest feasible cell to free for segments `idx`: (added error, new magnitudes)."""
        cost = np.full(len(idx), np.inf)
        best = current[idx].copy()
        t, a, s = target[idx], allowed[idx], scale[idx]
        for mask in masks:
            sub = np.nonzero((a & mask) != 0)[0]
            if sub.size == 0:
                continue
            new = nearest(t[sub], (a[sub] & ~mask)[:, None])
            diff = new * s[sub] - t[sub] * s[sub]
            added = np.maximum((diff * diff).sum(axis=1) - err2[idx[sub]], 0.0)
            better = (np.abs(diff).max(axis=1) <= limit) & (added < cost[sub])
            cost[sub[better]] = added[better]
            best[sub[better]] = new[better]
        return cost, best

    cost, proposal = propose(np.arange(len(target)))
    spent = 0.0
    while True:
        open_ = np.nonzero(np.isfinite(cost))[0]
        order = open_[np.argsort(cost[open_], kind="stable")]
        take = order[: np.searchsorted(spent + np.cumsum(cost[order]), budget, side="right")]
        if take.size == 0:
            break
        spent += float(cost[take].sum())
        current[take] = proposal[take]
        diff = current[take] * scale[take] - target[take] * scale[take]
        err2[take] = (diff * diff).sum(axis=1)
        allowed[take] = _allowed(current[take], negative[take], bits, cb, mag_bits)
        cost[take], proposal[take] = propose(take)

    out = current.reshape(g, rb, n, geo.rows).transpose(0, 1, 3, 2).reshape(g, rb * geo.rows, n)[:, :k]
    codes = np.where(prev.codes < 0, -out, out)
    return advance(prev, "bitflip", codes * prev.scale, codes=codes)


def _allowed(magnitude: np.ndarray, negative: np.ndarray, bits: int, cell_bits: int, mag_bits: int) -> np.ndarray:
    """Per segment: the magnitude bits of every cell column that holds a 1 (sign included)."""
    word = magnitude | ((negative & (magnitude > 0)).astype(np.int64) << (bits - 1))
    used = np.bitwise_or.reduce(word, axis=1)
    allowed = np.zeros(len(word), dtype=np.int64)
    for j in range(_ceil(bits, cell_bits)):
        mask = ((1 << cell_bits) - 1) << (j * cell_bits)
        allowed |= np.where((used & mask) != 0, mask, 0)
    return allowed & ((1 << mag_bits) - 1)
