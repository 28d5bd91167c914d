"""The entry points of SCALE-Sim 3.0.0's memory model (one layer): the three buffers' initial
state from the layer's sizes and bandwidths, one pass of the kernel over its demand rows
(scalesim_memory.py, which documents the model), and the report figures read back.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels.scalesim_memory import (
    BIG, C_ACCESS, C_BW, C_DSTART, C_DSTOP, C_EPOCH_SIZE, C_ITEMS, C_LEND, C_LSTART, U_A, U_ACCESS, U_BUG,
    U_BW, U_DSTART, U_DSTOP, U_INIT, U_L, U_P, U_ROWS, U_STEP, W_ACCESS, W_BW, W_DRAIN, W_DSTART, W_DSTOP,
    W_FREE, W_OVER, W_TOTAL, _serve,
)
from accelsim.kernels.scalesim_reuse import LOOKUP, calc_reuse


def _user_state(order: np.ndarray, words: int, size: int, bw: int, stall_bug: bool):
    """State and address -> hashed-line lookup of a USER-mode read buffer."""
    active = -(-size // 2)
    prefetch = size - active
    eps = -(-size // 100)
    valid = order[order >= 0]
    n_lines = valid.size // eps + 1
    a = min(-(-active // eps), n_lines)
    p = min(-(-prefetch // eps), n_lines - a)
    line = np.arange(valid.size, dtype=np.int64) // eps
    pairs = np.unique(valid * n_lines + line)
    addrs, lines = np.divmod(pairs, n_lines)
    ptr = np.zeros(words + 1, dtype=np.int64)
    np.add.at(ptr, addrs + 1, 1)
    ptr = np.cumsum(ptr)
    rows = -(-order.size // bw)
    st = np.zeros(14, dtype=np.int64)
    st[U_L], st[U_A], st[U_P], st[U_BW], st[U_ROWS] = n_lines, a, p, bw, rows
    st[U_INIT] = min(-(-active // bw), rows)
    st[U_STEP] = -(-prefetch // bw)
    st[U_BUG] = 1 if stall_bug else 0
    return st, ptr, lines.astype(np.int64)


def _calc_state(size: int, bw: int, distinct: int):
    st = np.zeros(11, dtype=np.int64)
    st[C_ITEMS] = max(size // 100, 1)
    st[C_EPOCH_SIZE] = 50 * st[C_ITEMS]  # the active half: 50 sets
    st[C_LSTART], st[C_LEND] = -2, -1
    st[C_BW] = bw
    st[C_ACCESS] = distinct  # FITS: the misses, known beforehand
    return st


def _epochs(words: int, demanded: int, epoch_size: int) -> np.ndarray:
    """Each address's epoch (-1: never collected); int32 while the epoch count fits."""
    dtype = np.int32 if demanded // epoch_size < 2**31 - 1 else np.int64
    return np.full(words + 1, -1, dtype=dtype)


def _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, ofmap_words, rows_total, demanded,
             reuse=((LOOKUP, 0), (LOOKUP, 0))):
    user = bandwidths is not None
    if user:
        ist, iptr, ilines = _user_state(prefetch[0], words[0], sizes[0], bandwidths[0], stall_bug)
        fst, fptr, flines = _user_state(prefetch[1], words[1], sizes[1], bandwidths[1], stall_bug)
        iset = fset = np.zeros(1, dtype=np.int32)
        out_bw = bandwidths[2]
    else:
        (imode, idistinct), (fmode, fdistinct) = reuse
        ist, fst = _calc_state(sizes[0], 10, idistinct), _calc_state(sizes[1], 10, fdistinct)
        iptr = ilines = fptr = flines = np.zeros(1, dtype=np.int64)
        iset = _epochs(words[0] if imode == LOOKUP else 0, demanded, ist[C_EPOCH_SIZE])
        fset = _epochs(words[1] if fmode == LOOKUP else 0, demanded, fst[C_EPOCH_SIZE])
        out_bw = cols
    total = sizes[2]
    wst = np.zeros(15, dtype=np.int64)
    wst[W_TOTAL], wst[W_DRAIN], wst[W_BW], wst[W_FREE] = total, total - -(-total // 2), out_bw, total
    # partial lines: one per drain start (usually at most one a cycle) plus the final one
    fills = np.zeros((2, min(ofmap_words, rows_total) + 2), dtype=np.int64)
    return user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills


def _report(user, ist, fst, wst, stall, served_max, sram, causes) -> dict:
    if user:
        dram = [(ist[U_DSTART], ist[U_DSTOP], ist[U_ACCESS]), (fst[U_DSTART], fst[U_DSTOP], fst[U_ACCESS])]
    else:
        dram = [(ist[C_DSTART], ist[C_DSTOP], ist[C_ACCESS]), (fst[C_DSTART], fst[C_DSTOP], fst[C_ACCESS])]
    dram.append((wst[W_DSTART], wst[W_DSTOP], wst[W_ACCESS]))
    return {
        "total_cycles": int(served_max), "stall_cycles": int(stall),
        "stall_by_buffer": {"ifmap": int(causes[0]), "filter": int(causes[1]), "ofmap": int(causes[2])},
        "total_cycles_incl_prefetch": int(dram[2][1] - min(dram[0][0], dram[1][0])),
        "sram": [(int(a), int(b)) for a, b in sram],
        "dram": [(int(a), int(b), int(c)) for a, b, c in dram],
    }


def simulate_layer(terms, n_filters: int, dataflow: str, rows: int, cols: int, *, sizes: tuple[int, int, int],
                   bandwidths: tuple[int, int, int] | None, words: tuple[int, int],
                   prefetch: tuple[np.ndarray, np.ndarray] | None = None, stall_bug: bool = True,
                   filter_rows: np.ndarray | None = None, filter_matrix: np.ndarray | None = None,
                   rowwise: int = 0, _room: bool = False) -> dict:
    """Run one layer through SCALE-Sim's memory system; return its per-layer report figures.

    `terms` are the layer's im2col addresses as row and column terms (scalesim_demand.IfmapTerms),
    `n_filters` N; the demand rows are generated fold by fold. `sizes` are the ifmap/filter/ofmap buffers in words;
    `bandwidths` the three DRAM channels in words per cycle (None: CALC mode, ifmap/filter at 10
    and ofmap at `cols`, SCALE-Sim's estimate); `words` the ifmap and filter address-space sizes;
    `prefetch` the two prefetch orders (USER mode); `filter_rows` the filter rows each reduction
    index reads (N:M sparsity; -1: padding), filter element (row, n) being address n * K + row;
    or `filter_matrix`, the (K', N) filter addresses the array folds over (-1: padding), with
    `rowwise` the block size of row-wise (OptimizedMapping) ws sparsity, whose ifmap demand
    reads the K im2col columns of `terms` in 2R-wide tiles.
    """
    m, k = terms.base.size, terms.offset.size
    kf = k if filter_matrix is None else filter_matrix.shape[0]  # the reduction rows folded over
    kfull = words[1] // n_filters
    df = ("os", "ws", "is").index(dataflow)
    sr, sc, t = ((m, n_filters, kf), (kf, n_filters, m), (kf, m, n_filters))[df]
    rf, cf = -(-sr // rows), -(-sc // cols)
    per_fold = t + rows + cols - 2 if df == 0 else 2 * rows + cols + t - 2
    elements = m * n_filters * (1 if df == 0 else rf)
    reuse = ((LOOKUP, 0), (LOOKUP, 0))
    if bandwidths is None:
        reuse = calc_reuse(terms, dataflow, rows, cols, n_filters, filter_rows,
                           (50 * max(sizes[0] // 100, 1), 50 * max(sizes[1] // 100, 1)), filter_matrix)
    state = _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, elements,
                     elements if _room else rf * cf * per_fold, rf * cf * per_fold * max(rows, cols), reuse)
    user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills = state
    sram = np.full((3, 2), BIG, dtype=np.int64)
    causes = np.zeros(3, dtype=np.int64)
    # the im2col row terms (base, y0, x0), column terms (offset, fy, fx) and filter rows in one array
    packed = np.zeros((7, max(m, k, kf)), dtype=np.int64)
    rows_of_filter = np.arange(k, dtype=np.int64) if filter_rows is None else filter_rows
    for row, values in enumerate((terms.base, terms.y0, terms.x0, terms.offset, terms.fy, terms.fx, rows_of_filter)):
        packed[row, : values.size] = values
    key = kfull if user or df == 2 else -kfull  # see _fill_row: addresses renamed in CALC os
    # blocks with holes (windows leaving the input, sparse padding) are counted address by address
    sparse = filter_rows is not None or filter_matrix is not None
    holes = (sparse or terms.y0.max() + terms.fy.max() >= terms.H
             or terms.x0.max() + terms.fx.max() >= terms.W,
             filter_rows is not None and bool((np.asarray(filter_rows) < 0).any()))
    none = np.zeros((1, 1), dtype=np.int64)
    fmat = none if filter_matrix is None else np.ascontiguousarray(filter_matrix, dtype=np.int64)
    stall, served_max = _serve(False, none, none, none, df, rows, cols, t, rf, cf, m, kf, n_filters, packed,
                               terms.H, terms.W, key, fmat, rowwise, user, (reuse[0][0], reuse[1][0]), holes, ist, iptr, ilines,
                               fst, fptr, flines, iset, fset, wst, fills, sram, causes)
    if wst[W_OVER]:  # tiny drains cut more partial lines than one a cycle: rerun with room for every line
        return simulate_layer(terms, n_filters, dataflow, rows, cols, sizes=sizes, bandwidths=bandwidths, words=words,
                              prefetch=prefetch, stall_bug=stall_bug, filter_rows=filter_rows,
                              filter_matrix=filter_matrix, rowwise=rowwise, _room=True)
    return _report(user, ist, fst, wst, stall, served_max, sram, causes)


def simulate_demand(ifmap_demand, filter_demand, ofmap_demand, *, sizes, bandwidths, words, prefetch=None,
                    stall_bug: bool = True, cols: int = 1) -> dict:
    """`simulate_layer` on materialised demand matrices (the slow oracle of the fold generator:
    every address looked up, every output element written one by one)."""
    elements = int((ofmap_demand >= 0).sum())
    state = _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, elements, elements,
                     ifmap_demand.size + filter_demand.size)
    user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills = state
    sram = np.full((3, 2), BIG, dtype=np.int64)
    causes = np.zeros(3, dtype=np.int64)
    stall, served_max = _serve(True, ifmap_demand, filter_demand, ofmap_demand, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                               np.zeros((7, 1), dtype=np.int64), 1, 1, 1, np.zeros((1, 1), dtype=np.int64), 0, user, (LOOKUP, LOOKUP), (True, True),
                               ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills, sram, causes)
    return _report(user, ist, fst, wst, stall, served_max, sram, causes)
