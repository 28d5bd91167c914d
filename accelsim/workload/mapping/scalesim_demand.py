"""SCALE-Sim 3.0.0's operand addresses, demand streams and prefetch orders for one layer (pure numpy).

These are the inputs of the `memory.model: scalesim` pass (accelsim/kernels/scalesim_memory.py).
They follow SCALE-Sim's documented construction (compute/operand_matrix.py and
compute/systolic_compute_{os,ws,is}.py), rebuilt here from these rules:

- Operand matrices (addresses; each operand has its own address space starting at 0):
  ifmap[i, j], i an output pixel, j = (filter row, filter col, channel), is the im2col
  address ((y + fy) * W + (x + fx)) * C + c, or -1 where the window leaves the input (SCALE-Sim's
  ceil output size); filter[j, n] = n * R * S * C + j; ofmap[i, n] = N * i + n.
- Demand: folds run column fold outer, row fold inner. Each fold's block of an operand is padded
  to the array edge with -1, given its gap rows, possibly flipped, and skewed (column c delayed by
  c rows) where the data enters the array from the edge:

  | df | ifmap (width R)                       | filter                                  | ofmap (width C)                 |
  |----|---------------------------------------|-----------------------------------------|---------------------------------|
  | os | ifmap^T[:, rows of fold], +C-1, skew  | filter[:, cols], +R-1, skew (width C)   | flip(block), T-1+, skew         |
  | ws | ifmap[:, rows], R+ and +C-1, skew     | flip(filter block), +R+C+T-2 (width C)  | ofmap[:, cols], 2R-1+, skew     |
  | is | flip(ifmap^T block), +R+C+T-2 (w. C)  | filter[rows, :]^T, R+ and +C-1, skew (R)| ofmap[cols, :]^T, 2R-1+, skew   |

  ("+g" is g rows of -1 after the block, "g+" before it.) Every fold then has T + R + C - 2
  (os) or 2R + C + T - 2 (ws, is) rows, SCALE-Sim's compute timing.
- Prefetch order (USER bandwidth only): the fold blocks stacked in fold order, read along
  anti-diagonals (os ifmap and filter, ws ifmap, is filter) or row by row (ws filter, is ifmap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from accelsim.workload.layers import Layer


@dataclass(frozen=True)
class Operands:
    ifmap: np.ndarray     # (M, K) im2col addresses
    filter: np.ndarray    # (K, N)
    ofmap: np.ndarray     # (M, N)
    ifmap_words: int      # size of each address space
    filter_words: int
    ofmap_words: int


@dataclass(frozen=True)
class IfmapTerms:
    """ifmap[i, j] = base[i] + offset[j] where y0[i] + fy[j] < H and x0[i] + fx[j] < W, else -1
    (and -1 where offset[j] < 0: a padding column of a sparse layer)."""
    base: np.ndarray
    y0: np.ndarray
    x0: np.ndarray
    offset: np.ndarray
    fy: np.ndarray
    fx: np.ndarray
    H: int
    W: int
    channels: int = 1  # per group: column j reads channel j mod channels (dense layers)

    def matrix(self) -> np.ndarray:
        inside = (self.y0[:, None] + self.fy[None, :] < self.H) & (self.x0[:, None] + self.fx[None, :] < self.W)
        inside &= self.offset[None, :] >= 0
        return np.where(inside, self.base[:, None] + self.offset[None, :], -1)


def ifmap_terms(layer: Layer, kept: np.ndarray | None = None, k_sparse: int | None = None) -> IfmapTerms:
    """The im2col addresses of one group as row and column terms (see `operand_matrices`)."""
    c = layer.C // layer.groups
    p, q = layer.P, layer.Q
    i = np.arange(layer.N * p * q, dtype=np.int64)
    image, pixel = np.divmod(i, p * q)
    oy, ox = np.divmod(pixel, q)
    y0, x0 = oy * layer.stride_h, ox * layer.stride_w
    base = image * (layer.H * layer.W * c) + (y0 * layer.W + x0) * c
    j = np.arange(layer.R * layer.S * c, dtype=np.int64)
    fy, rest = np.divmod(j, layer.S * c)
    fx, ch = np.divmod(rest, c)
    offset = (fy * layer.W + fx) * c + ch
    if kept is not None:
        pad = np.zeros((k_sparse or kept.size) - kept.size, dtype=np.int64)
        fy, fx = np.concatenate([fy[kept], pad]), np.concatenate([fx[kept], pad])
        offset = np.concatenate([offset[kept], pad - 1])
    return IfmapTerms(base, y0, x0, offset, fy, fx, layer.H, layer.W, c)


def operand_matrices(layer: Layer, kept: np.ndarray | None = None, k_sparse: int | None = None,
                     filter_matrix: np.ndarray | None = None) -> Operands:
    """One group's operand matrices, SCALE-Sim style (a depthwise layer: one channel's).

    With N:M sparsity, `kept` are the reduction indices the array still runs (ifmap columns
    and filter rows), padded with -1 entries to `k_sparse` (nm_sparsity.py); or
    `filter_matrix` is the packed filter of row-wise sparsity (the ifmap keeps every column)."""
    c = layer.C // layer.groups
    n_filters = layer.K // layer.groups
    terms = ifmap_terms(layer, kept, k_sparse)
    ifmap = terms.matrix()
    m = terms.base.size
    k = layer.R * layer.S * c
    j = np.arange(k, dtype=np.int64)
    filt = np.arange(n_filters, dtype=np.int64)[None, :] * k + j[:, None]
    ofmap = n_filters * np.arange(m, dtype=np.int64)[:, None] + np.arange(n_filters, dtype=np.int64)[None, :]
    if kept is not None:
        pad = (k_sparse or kept.size) - kept.size
        filt = np.vstack([filt[kept], np.full((pad, n_filters), -1, dtype=np.int64)])
    if filter_matrix is not None:
        filt = filter_matrix
    return Operands(ifmap, filt, ofmap, layer.N * layer.H * layer.W * c, k * n_filters, m * n_filters)


def _pad(block: np.ndarray, rows: int, cols: int) -> np.ndarray:
    out = np.full((rows, cols), -1, dtype=np.int64)
    out[: block.shape[0], : block.shape[1]] = block
    return out


def _skew(block: np.ndarray) -> np.ndarray:
    rows, cols = block.shape
    out = np.full((rows + cols - 1, cols), -1, dtype=np.int64)
    for col in range(cols):
        out[col: col + rows, col] = block[:, col]
    return out


def _gap(rows: int, cols: int) -> np.ndarray:
    return np.full((rows, cols), -1, dtype=np.int64)


def fold_counts(ops: Operands, rows: int, cols: int, dataflow: str) -> tuple[int, int, int]:
    """(row folds, column folds, T) as SCALE-Sim counts them."""
    m, k = ops.ifmap.shape
    n = ops.filter.shape[1]
    sr, sc, t = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}[dataflow]
    return math.ceil(sr / rows), math.ceil(sc / cols), t


def demand_matrices(ops: Operands, rows: int, cols: int, dataflow: str):
    """(ifmap, filter, ofmap) demand matrices: one row per cycle, -1 where nothing is read."""
    rf, cf, t = fold_counts(ops, rows, cols, dataflow)
    ifm, flt, ofm = [], [], []
    ifmap_t = ops.ifmap.T
    for fc in range(cf):
        cs = slice(fc * cols, (fc + 1) * cols)
        for fr in range(rf):
            rs = slice(fr * rows, (fr + 1) * rows)
            if dataflow == "os":
                ifm.append(_skew(np.vstack([_pad(ifmap_t[:, rs], t, rows), _gap(cols - 1, rows)])))
                flt.append(_skew(np.vstack([_pad(ops.filter[:, cs], t, cols), _gap(rows - 1, cols)])))
                block = np.flip(_pad(ops.ofmap[rs, cs], rows, cols), 0)
                ofm.append(_skew(np.vstack([_gap(t - 1, cols), block])))
            elif dataflow == "ws":
                ifm.append(_skew(np.vstack([_gap(rows, rows), _pad(ops.ifmap[:, rs], t, rows),
                                            _gap(cols - 1, rows)])))
                block = np.flip(_pad(ops.filter[rs, cs], rows, cols), 0)
                flt.append(np.vstack([block, _gap(rows + cols + t - 2, cols)]))
                ofm.append(_skew(np.vstack([_gap(2 * rows - 1, cols), _pad(ops.ofmap[:, cs], t, cols)])))
            else:
                block = np.flip(_pad(ifmap_t[rs, cs], rows, cols), 0)
                ifm.append(np.vstack([block, _gap(rows + cols + t - 2, cols)]))
                flt.append(_skew(np.vstack([_gap(rows, rows), _pad(ops.filter[rs, :].T, t, rows),
                                            _gap(cols - 1, rows)])))
                ofm.append(_skew(np.vstack([_gap(2 * rows - 1, cols), _pad(ops.ofmap[cs, :].T, t, cols)])))
    return np.vstack(ifm), np.vstack(flt), np.vstack(ofm)


def _diagonal_order(matrix: np.ndarray) -> np.ndarray:
    """Elements along anti-diagonals r + c = d, each from its largest row down."""
    m, n = matrix.shape
    r, c = np.divmod(np.arange(m * n), n)
    order = np.lexsort((-r, r + c))
    return matrix.reshape(-1)[order]


def prefetch_orders(ops: Operands, rows: int, cols: int, dataflow: str) -> tuple[np.ndarray, np.ndarray]:
    """The order in which SCALE-Sim's prefetcher fetches each input operand (with -1 padding)."""
    rf, cf, t = fold_counts(ops, rows, cols, dataflow)
    if dataflow == "os":
        ifm = np.vstack([_pad(ops.ifmap.T[:, fr * rows:(fr + 1) * rows], t, rows) for fr in range(rf)])
        flt = np.vstack([_pad(ops.filter[:, fc * cols:(fc + 1) * cols], t, cols) for fc in range(cf)])
        return _diagonal_order(ifm), _diagonal_order(flt)
    if dataflow == "ws":
        ifm = np.vstack([_pad(ops.ifmap[:, fr * rows:(fr + 1) * rows], t, rows) for fr in range(rf)])
        k = ops.filter.shape[0]
        flt = np.vstack([_pad(ops.filter[:, fc * cols:(fc + 1) * cols], k, cols) for fc in range(cf)])
        return _diagonal_order(ifm), flt.reshape(-1)
    k = ops.ifmap.shape[1]
    ifm = np.vstack([_pad(ops.ifmap.T[:, fc * cols:(fc + 1) * cols], k, cols) for fc in range(cf)])
    flt = np.vstack([_pad(ops.filter[fr * rows:(fr + 1) * rows, :].T, t, rows) for fr in range(rf)])
    return ifm.reshape(-1), _diagonal_order(flt)

