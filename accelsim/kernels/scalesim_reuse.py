"""Closed forms of SCALE-Sim 3.0.0's CALC-mode read buffers (pure numpy; used by scalesim_memory.py and scalesim_layer.py).

In CALC mode (read_buffer_estimate_bw.py) a read buffer collects missed addresses into a window
of 50 sets (`window` words); an address hits only if it was collected in the current window,
and the window empties when it is full. The kernel can look every demanded address up; these
closed forms show, from the fold structure of an operand's demand (scalesim_demand.py's table),
when it need not:

- FITS: all the operand's distinct addresses fit in one window, so each misses once and no
  window ever ends: the misses are the distinct addresses, counted here.
- EVERY_MISS: between any two demands of one address at least window - 1 other demands pass, so
  every demand misses (by induction: all earlier demands missed, so the window filled and emptied
  in between); the kernel only counts demands.
- LOOKUP otherwise.
"""

from __future__ import annotations

import numpy as np

LOOKUP, EVERY_MISS, FITS = 0, 1, 2


def calc_reuse(terms, dataflow: str, rows: int, cols: int, n_filters: int, filter_rows: np.ndarray | None,
               windows: tuple[int, int], filter_matrix: np.ndarray | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """((mode, distinct words) of the ifmap, of the filter) for one layer; `terms` its im2col
    addresses (scalesim_demand.IfmapTerms), `filter_rows` its sparse filter rows (None: dense),
    `windows` the two buffers' window sizes in words; `filter_matrix` a sparse layer's filter
    addresses (row-wise sparse ws). FITS's distinct words are its misses."""
    m, k = terms.base.size, terms.offset.size
    df = ("os", "ws", "is").index(dataflow)
    sr, sc = ((m, n_filters), (k, n_filters), (k, m))[df]
    rf, cf = -(-sr // rows), -(-sc // cols)
    ifmap = _ifmap_reuse(terms, df, rows, rf, cf, windows[0], sparse=filter_rows is not None or filter_matrix is not None)
    if filter_matrix is not None:  # ws reads each filter element once; other dataflows: look up
        return ifmap, ((EVERY_MISS if df == 1 else LOOKUP), 0)
    return ifmap, _filter_reuse(df, cols, k, n_filters, rf, cf, filter_rows, windows[1])


def _ifmap_reuse(terms, df: int, rows: int, rf: int, cf: int, window: int, sparse: bool):
    if sparse:
        return LOOKUP, 0
    m = terms.base.size
    uy, ux = np.unique(terms.y0), np.unique(terms.x0)
    ufy, ufx = np.unique(terms.fy), np.unique(terms.fx)
    images = m // (uy.size * ux.size)
    ys = np.unique((uy[:, None] + ufy[None, :]).ravel())
    xs = np.unique((ux[:, None] + ufx[None, :]).ravel())
    distinct = images * int((ys < terms.H).sum()) * int((xs < terms.W).sum()) * terms.channels
    if distinct < window:
        return FITS, distinct
    if ufy.size == 1 and ufx.size == 1:
        # 1x1 (and GEMM): each address is one im2col element, demanded once a pass (os, ws) or
        # once (is); a pass holds all `distinct` >= window of them
        return EVERY_MISS, 0
    if df != 1 or rows > terms.channels or rf > 2048:
        return LOOKUP, 0
    # ws: row fold b reads im2col columns [b R, b R + R), all output pixels, once per column fold.
    # rows <= channels: a block's columns are distinct channels, so it never repeats an address;
    # two blocks can share one only if their channels overlap
    y_below = np.sort(terms.y0)
    x_below = np.sort(terms.x0)
    valid = (np.searchsorted(y_below, terms.H - terms.fy) * np.searchsorted(x_below, terms.W - terms.fx)) // m
    starts = np.arange(rf) * rows
    ends = np.minimum(starts + rows, terms.offset.size)
    prefix = np.concatenate([[0], np.cumsum(np.add.reduceat(valid, starts))])
    a, b = np.triu_indices(rf, 1)
    lo, hi = starts[b] - (ends[a] - 1), (ends[b] - 1) - starts[a]
    share = (hi // terms.channels) * terms.channels >= lo  # some column pair a channel apart
    within = prefix[b] - prefix[a + 1]  # demands of the folds between a and b in one pass
    across = prefix[rf] - prefix[b + 1] + prefix[a]  # from b to a in the next pass
    # pairs the whole folds between do not keep a window apart: (earlier block, later block, those demands)
    need = window - 1
    near, back = share & (within < need), share & (across < need) & (cf > 1)
    close = [*zip(a[near], b[near], within[near]), *zip(b[back], a[back], across[back])]
    if not close:
        return EVERY_MISS, 0  # (one block, next pass: a whole pass apart, >= distinct >= window)
    if terms.base.size * terms.offset.size > 1 << 24 or len(close) > 4096:
        return LOOKUP, 0
    if all(g + _ends_apart(terms, rows, x, y) >= need for x, y, g in close):
        return EVERY_MISS, 0
    return LOOKUP, 0


def _ends_apart(terms, rows: int, x: int, y: int) -> int:
    """At least how many demands of its own fold follow a demand in block x's fold, plus how many
    of block y's fold precede a later demand of the same address there (ws ifmap).

    In a ws fold pixel i's column c is demanded in row R + i + c, so the demands of pixels
    >= i1 + R all come after (i1, c1), and those of pixels <= i2 - R before (i2, c2). Two columns
    with one channel share an address when the pixels are (dfy / stride_h) rows and
    (dfx / stride_w) columns apart: i2 = i1 + delta. The bound is the least, over those deltas
    and every i1, of the two counts."""
    m, width = terms.base.size, terms.offset.size
    cols_x = np.arange(x * rows, min(x * rows + rows, width))
    cols_y = np.arange(y * rows, min(y * rows + rows, width))
    inside = lambda cols: ((terms.y0[:, None] + terms.fy[None, cols] < terms.H)  # noqa: E731
                           & (terms.x0[:, None] + terms.fx[None, cols] < terms.W)).sum(axis=1)
    after = np.concatenate([np.cumsum(inside(cols_x)[::-1])[::-1], [0]])  # after[p]: pixels >= p
    before = np.concatenate([[0], np.cumsum(inside(cols_y))])  # before[p]: pixels < p
    ux, uy = np.unique(terms.x0), np.unique(terms.y0)
    q = ux.size
    sw = int(ux[1] - ux[0]) if ux.size > 1 else 1
    sh = int(uy[1] - uy[0]) if uy.size > 1 else 1
    same = (cols_x[:, None] % terms.channels) == (cols_y[None, :] % terms.channels)
    dfy = terms.fy[cols_x][:, None] - terms.fy[cols_y][None, :]
    dfx = terms.fx[cols_x][:, None] - terms.fx[cols_y][None, :]
    ok = same & (dfy % sh == 0) & (dfx % sw == 0)
    deltas = np.unique(((dfy // sh) * q + dfx // sw)[ok])
    if deltas.size == 0:
        return 1 << 62  # no column pair can share an address
    i1 = np.arange(m)
    least = 1 << 62
    for delta in deltas:
        first = np.clip(i1 + rows, 0, m)
        last = np.clip(i1 + delta - rows + 1, 0, m)
        least = min(least, int((after[first] + before[last]).min()))
    return least


def _filter_reuse(df: int, cols: int, k: int, n_filters: int, rf: int, cf: int, filter_rows, window: int):
    kept = k if filter_rows is None else int((np.asarray(filter_rows) >= 0).sum())
    distinct = kept * n_filters
    if df == 1:
        return EVERY_MISS, 0  # ws: each filter element is read in one fold, once
    repeats, apart = (rf, kept * min(cols, n_filters - (cf - 1) * cols)) if df == 0 else (cf, distinct)
    # os: column fold c's block (every kept row x its filters) is read rf times in a row, a
    # block apart (the last block is the narrowest); is: every element once a column fold
    if repeats == 1 or apart >= window:
        return EVERY_MISS, 0
    if distinct < window:
        return FITS, distinct
    return LOOKUP, 0
