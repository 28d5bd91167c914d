"""SCALE-Sim 3.0.0's memory system as an address-stream model (one layer).

The array issues one demand row per cycle (accelsim/workload/mapping/scalesim_demand.py). Each
input operand has a double-buffered read buffer in front of its own DRAM channel, the output a
write buffer draining to a third; the array stops while any buffer is not ready. The kernel walks
the demand rows once and keeps only the buffers' state: no per-cycle trace is built.

Read buffer, USER bandwidth (SCALE-Sim's read_buffer.py):
- The prefetch order is cut into hashed lines of `eps = ceil(words / 100)` requests (duplicates
  kept in the count); there are n // eps + 1 lines. The active window holds
  A = ceil(active / eps) lines, and a prefetch slides it by P = ceil(prefetch / eps) lines,
  circularly, so a stream that comes back (another column fold) fetches its data again.
- The first demand fills the active half for free: ceil(active / bw) DRAM rows issued before
  cycle 0 (visible only in "Total Cycles (incl. prefetch)").
- A demanded address outside the window triggers a prefetch: ceil(prefetch / bw) rows of bw
  words, issued one a cycle after the previous prefetch completes; DRAM reads count every row
  in full. The demand waits until the prefetch completes. SCALE-Sim adds that wait to the row's
  offset twice when it is positive and once (shortening the row) when it is negative
  (read_buffer.py, `service_reads`); `stall_bug=1` reproduces this, 0 adds a positive wait once.

Read buffer, CALC (read_buffer_estimate_bw.py): misses are collected, duplicates dropped, into
sets of floor(words / 100) addresses; 50 live sets are the active half. When the 50 sets after
the window are complete, the window moves on by 50 sets, dropping the oldest. DRAM reads are the
addresses collected; DRAM never stalls.

Write buffer (write_buffer.py): outputs fill lines of `bw` words. When more than half the buffer
is occupied, the lines so far (the partial one too) start draining, ceil(half / bw) lines, one a
cycle; a full buffer waits for the drain. DRAM writes count whole lines except the unused end of
a drain's last line. At the end everything left drains.

Per row: the row's cycle is its index plus the stalls so far; the stall added is the largest of
the three buffers' waits (SCALE-Sim's double_buffered_scratchpad_mem.py).
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._numba import njit

# user read-buffer state slots
U_L, U_A, U_P, U_START, U_LAST, U_ACCESS, U_BW, U_ROWS, U_INIT, U_STEP, U_DSTART, U_DSTOP, U_READY, U_BUG = range(14)
# calc read-buffer state slots
C_ITEMS, C_CUR, C_CNT, C_RSTART, C_REND, C_PFSTART, C_PFEND, C_LSTART, C_LEND, C_FIRST, C_SEEN, C_DONE, \
    C_ACCESS, C_BW, C_DSTART, C_DSTOP, C_TRACE = range(17)
# write-buffer state slots
W_TOTAL, W_DRAIN, W_BW, W_FREE, W_IDX, W_LINES, W_DSTART_LINE, W_DRAIN_END, W_ACCESS, W_DSTART, W_DSTOP, \
    W_TRACE, W_NPART, W_PPTR, W_OVER = range(15)
BIG = 1 << 62


@njit(inline="always")
def _user_hit(st, ptr, lines, addr):
    if addr >= ptr.size - 1:
        return True  # never prefetched: SCALE-Sim would spin forever; treat as present
    lo, hi = ptr[addr], ptr[addr + 1]
    if lo == hi:
        return True
    n, a, start = st[U_L], st[U_A], st[U_START]
    if a >= n:
        return True
    for i in range(lo, hi):
        if (lines[i] - start) % n < a:
            return True
    return False


@njit(inline="always")
def _user_read_row(st, ptr, lines, row, n, cycle):
    """Cycle at which the row's reads are served (the buffer's hit latency is 1)."""
    if st[U_READY] == 0:
        st[U_READY] = 1
        st[U_ACCESS] += st[U_INIT] * st[U_BW]
        st[U_DSTART] = cycle - st[U_INIT]
        st[U_LAST] = cycle - 1
        st[U_DSTOP] = cycle - 1
    offset = 1
    for idx in range(n):
        addr = row[idx]
        if addr < 0:
            continue
        while not _user_hit(st, ptr, lines, addr):
            st[U_START] = (st[U_START] + st[U_P]) % st[U_L]
            st[U_ACCESS] += st[U_STEP] * st[U_BW]
            st[U_LAST] = st[U_LAST] + st[U_STEP] + 1
            if st[U_LAST] > st[U_DSTOP]:
                st[U_DSTOP] = st[U_LAST]
            wait = st[U_LAST] - (cycle + offset)
            if st[U_BUG]:
                offset += wait
                if wait > 0:
                    offset += wait
            elif wait > 0:
                offset += wait
    return cycle + offset


@njit()
def _calc_prefetch(st, cycles):
    """Record one prefetch's trace rows: `cycles` rows from the last start, served a cycle later."""
    first = st[C_LSTART] + 1
    last = st[C_LSTART] + cycles
    if st[C_TRACE] == 0:
        st[C_TRACE] = 1
        st[C_DSTART] = first
    st[C_DSTOP] = last


@njit()
def _calc_trigger(st, cycle):
    """The 50 sets after the window are complete: prefetch them, drop the window, move on."""
    if st[C_DONE] == 0:
        st[C_LEND] = st[C_FIRST] - 2
        need = -(-(50 * st[C_ITEMS]) // st[C_BW])
        st[C_LSTART] = st[C_LEND] - need + 1
        _calc_prefetch(st, need)
        st[C_PFSTART] = st[C_REND] + 1
        st[C_PFEND] = st[C_PFSTART] + 49
        st[C_DONE] = 1
    else:
        _calc_prefetch(st, st[C_LEND] - st[C_LSTART] + 1)
        st[C_PFSTART] += 50
        st[C_PFEND] += 50
    st[C_RSTART] += 50
    st[C_REND] += 50
    st[C_LSTART] = st[C_LEND] + 1
    st[C_LEND] = cycle


@njit(inline="always")
def _calc_read_row(st, set_of, row, n, cycle):
    if n == 0:
        return cycle + 1
    if st[C_SEEN] == 0:
        st[C_SEEN] = 1
        st[C_FIRST] = cycle
    rstart, cur, cnt, items, rend = st[C_RSTART], st[C_CUR], st[C_CNT], st[C_ITEMS], st[C_REND]
    added = 0
    for idx in range(n):
        addr = row[idx]
        s = set_of[addr]
        if s >= rstart and s <= cur:
            continue  # in a live set, or already collected in the current one
        set_of[addr] = cur
        added += 1
        cnt += 1
        if cnt == items:
            cnt = 0
            cur += 1
            if cur == rend + 1:
                st[C_CUR], st[C_CNT] = cur, cnt
                _calc_trigger(st, cycle)
                rstart, rend = st[C_RSTART], st[C_REND]
    st[C_CUR], st[C_CNT] = cur, cnt
    st[C_ACCESS] += added
    return cycle + 1


@njit()
def _calc_finish(st):
    if st[C_CNT] == 0:
        st[C_CUR] -= 1
    if st[C_DONE] == 0:
        st[C_LEND] = -2
        need = -(-((st[C_CUR] + 1) * st[C_ITEMS]) // st[C_BW])
        st[C_LSTART] = st[C_LEND] - need + 1
        _calc_prefetch(st, need)
    else:
        _calc_prefetch(st, st[C_LEND] - st[C_LSTART] + 1)


@njit()
def _drain(st, fills, start_cycle):
    per = -(-st[W_DRAIN] // st[W_BW])
    first = st[W_DSTART_LINE]
    end = min(first + per, st[W_LINES])
    n = end - first
    if n <= 0:
        return st[W_DRAIN_END]
    # the drain's last line is full unless it is one of the partial lines cut at a drain start
    p = st[W_PPTR]
    while p < st[W_NPART] and fills[0, p] < end - 1:
        p += 1
    st[W_PPTR] = p
    last_fill = fills[1, p] if p < st[W_NPART] and fills[0, p] == end - 1 else st[W_BW]
    data = n * st[W_BW] - (st[W_BW] - last_fill)
    st[W_ACCESS] += data
    if st[W_TRACE] == 0:
        st[W_TRACE] = 1
        st[W_DSTART] = start_cycle
        st[W_DSTOP] = start_cycle + n - 1
    else:
        st[W_DSTART] = min(st[W_DSTART], start_cycle)
        st[W_DSTOP] = max(st[W_DSTOP], start_cycle + n - 1)
    st[W_FREE] += data
    st[W_DSTART_LINE] = end
    return start_cycle + n - 1


@njit(inline="always")
def _close_line(st, fills):
    if st[W_IDX] > 0:
        if st[W_IDX] < st[W_BW]:  # a partial line (cut at a drain start): remember its fill
            if st[W_NPART] < fills.shape[1]:
                fills[0, st[W_NPART]] = st[W_LINES]
                fills[1, st[W_NPART]] = st[W_IDX]
                st[W_NPART] += 1
            else:
                st[W_OVER] = 1  # more partial lines than budgeted: the caller reruns with room for all
        st[W_LINES] += 1
        st[W_IDX] = 0


@njit(inline="always")
def _write_row(st, fills, row, n, cycle):
    current = cycle
    for idx in range(n):
        if row[idx] < 0:
            continue
        st[W_IDX] += 1
        st[W_FREE] -= 1
        if st[W_IDX] == st[W_BW]:
            _close_line(st, fills)
        if current < st[W_DRAIN_END]:
            if st[W_FREE] <= 0:
                current = st[W_DRAIN_END]
        elif st[W_FREE] < st[W_TOTAL] - st[W_DRAIN]:
            _close_line(st, fills)
            st[W_DRAIN_END] = _drain(st, fills, current)
    return current


@njit()
def _write_finish(st, fills, cycle):
    _close_line(st, fills)
    while st[W_DSTART_LINE] < st[W_LINES]:
        st[W_DRAIN_END] = _drain(st, fills, cycle)
        cycle = st[W_DRAIN_END] + 1


@njit(inline="always")
def _first_last(row, n, served, first_last):
    """SRAM start/stop stamps: the first and last rows with a demand (rows hold valid addresses only)."""
    if n > 0:
        if first_last[0] == BIG:
            first_last[0] = served
        first_last[1] = served


@njit(inline="always")
def _compact(row, buf):
    n = 0
    for addr in row:
        if addr >= 0:
            buf[n] = addr
            n += 1
    return n


@njit()
def _run(ifd, fid, ofd, user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills, sram, causes):
    stall = 0
    served_max = -BIG
    out = 0
    ibuf = np.empty(ifd.shape[1], dtype=np.int64)
    fbuf = np.empty(fid.shape[1], dtype=np.int64)
    obuf = np.empty(ofd.shape[1], dtype=np.int64)
    for i in range(ofd.shape[0]):
        cycle = i + stall
        ni = _compact(ifd[i], ibuf)
        nf = _compact(fid[i], fbuf)
        no = _compact(ofd[i], obuf)
        if user:
            ia = _user_read_row(ist, iptr, ilines, ibuf, ni, cycle)
            fa = _user_read_row(fst, fptr, flines, fbuf, nf, cycle)
        else:
            ia = _calc_read_row(ist, iset, ibuf, ni, cycle)
            fa = _calc_read_row(fst, fset, fbuf, nf, cycle)
        out = _write_row(wst, fills, obuf, no, cycle)
        _first_last(ibuf, ni, ia, sram[0])
        _first_last(fbuf, nf, fa, sram[1])
        _first_last(obuf, no, out, sram[2])
        si, sf, so = ia - cycle - 1, fa - cycle - 1, out - cycle
        add = max(si, sf, so)
        if add > 0:  # the buffer that held the array up
            causes[0 if add == si else (1 if add == sf else 2)] += add
        stall += add
        if out > served_max:
            served_max = out
    if not user:
        _calc_finish(ist)
        _calc_finish(fst)
    _write_finish(wst, fills, out)
    return stall, served_max


@njit(inline="always")
def _block(df, operand, fr, fc, R, C, T, M, K, N):
    """One fold's block of one operand: (prefix, rows, valid rows, valid cols, skew, flip, swap, i0, j0).

    Block element (r, c) is source element (i0 + r, j0 + c), or (i0 + c, j0 + r) when `swap`; a
    flipped block is padded to `rows` rows and read bottom-up. See scalesim_demand.py's table."""
    if df == 0:  # os
        if operand == 0:
            return 0, T, T, min(R, M - fr * R), True, False, True, fr * R, 0
        if operand == 1:
            return 0, T, T, min(C, N - fc * C), True, False, False, 0, fc * C
        return T - 1, R, min(R, M - fr * R), min(C, N - fc * C), True, True, False, fr * R, fc * C
    if df == 1:  # ws
        if operand == 0:
            return R, T, T, min(R, K - fr * R), True, False, False, 0, fr * R
        if operand == 1:
            return 0, R, min(R, K - fr * R), min(C, N - fc * C), False, True, False, fr * R, fc * C
        return 2 * R - 1, T, T, min(C, N - fc * C), True, False, False, 0, fc * C
    if operand == 0:  # is
        return 0, R, min(R, K - fr * R), min(C, M - fc * C), False, True, True, fc * C, fr * R
    if operand == 1:
        return R, T, T, min(R, K - fr * R), True, False, True, fr * R, 0
    return 2 * R - 1, T, T, min(C, M - fc * C), True, False, True, fc * C, 0


@njit(inline="always")
def _fill_row(buf, tau, blk, operand, terms, geom, frows, K, N):
    """Write one demand row's addresses (valid entries only, in column order) into `buf`."""
    prefix, rows, valid_rows, valid_cols, skew, flip, swap, i0, j0 = blk
    n = 0
    if skew:
        lo = max(0, tau - prefix - rows + 1)
        hi = min(valid_cols - 1, tau - prefix)
    else:
        lo, hi = 0, valid_cols - 1
        if tau - prefix < 0 or tau - prefix >= rows:
            hi = -1
    for c in range(lo, hi + 1):
        r = tau - prefix - c if skew else tau - prefix
        if flip:
            r = rows - 1 - r
            if r >= valid_rows:
                continue
        if swap:
            i, j = i0 + c, j0 + r
        else:
            i, j = i0 + r, j0 + c
        if operand == 0:  # im2col address from row and column terms (no M x K matrix in memory)
            off = terms[3, j]
            if off < 0 or terms[1, i] + terms[4, j] >= geom[0] or terms[2, i] + terms[5, j] >= geom[1]:
                continue
            addr = terms[0, i] + off
        elif operand == 1:
            if frows[i] < 0:
                continue  # a padding row of a sparse filter
            # CALC mode keys its sets by any one-to-one renaming of addresses: filter-major
            # (K < 0 flags it) keeps a demand row's filters on one cache line in os and ws
            addr = j * K + frows[i] if K > 0 else frows[i] * N + j
        else:
            addr = i * N + j
        buf[n] = addr
        n += 1
    return n


@njit()
def _run_stream(df, R, C, T, rf, cf, M, K, N, terms, geom, frows, kfull, user, ist, iptr, ilines, fst, fptr, flines, iset, fset,
                wst, fills, sram, causes):
    """`_run` with the demand rows generated fold by fold instead of read from matrices."""
    per_fold = T + R + C - 2 if df == 0 else 2 * R + C + T - 2
    width = max(R, C)
    ibuf = np.empty(width, dtype=np.int64)
    fbuf = np.empty(width, dtype=np.int64)
    obuf = np.empty(width, dtype=np.int64)
    stall = 0
    served_max = -BIG
    out = 0
    i = 0
    for fc in range(cf):
        for fr in range(rf):
            bi = _block(df, 0, fr, fc, R, C, T, M, K, N)
            bf = _block(df, 1, fr, fc, R, C, T, M, K, N)
            bo = _block(df, 2, fr, fc, R, C, T, M, K, N)
            for tau in range(per_fold):
                cycle = i + stall
                ni = _fill_row(ibuf, tau, bi, 0, terms, geom, frows, kfull, N)
                nf = _fill_row(fbuf, tau, bf, 1, terms, geom, frows, kfull, N)
                no = _fill_row(obuf, tau, bo, 2, terms, geom, frows, kfull, N)
                if user:
                    ia = _user_read_row(ist, iptr, ilines, ibuf, ni, cycle)
                    fa = _user_read_row(fst, fptr, flines, fbuf, nf, cycle)
                else:
                    ia = _calc_read_row(ist, iset, ibuf, ni, cycle)
                    fa = _calc_read_row(fst, fset, fbuf, nf, cycle)
                out = _write_row(wst, fills, obuf, no, cycle)
                _first_last(ibuf, ni, ia, sram[0])
                _first_last(fbuf, nf, fa, sram[1])
                _first_last(obuf, no, out, sram[2])
                si, sf, so = ia - cycle - 1, fa - cycle - 1, out - cycle
                add = max(si, sf, so)
                if add > 0:
                    causes[0 if add == si else (1 if add == sf else 2)] += add
                stall += add
                if out > served_max:
                    served_max = out
                i += 1
    if not user:
        _calc_finish(ist)
        _calc_finish(fst)
    _write_finish(wst, fills, out)
    return stall, served_max


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


def _calc_state(size: int, bw: int):
    st = np.zeros(17, dtype=np.int64)
    st[C_ITEMS] = max(size // 100, 1)
    st[C_REND] = 49
    st[C_LSTART], st[C_LEND] = -2, -1
    st[C_BW] = bw
    return st


def _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, ofmap_words, rows_total):
    user = bandwidths is not None
    if user:
        ist, iptr, ilines = _user_state(prefetch[0], words[0], sizes[0], bandwidths[0], stall_bug)
        fst, fptr, flines = _user_state(prefetch[1], words[1], sizes[1], bandwidths[1], stall_bug)
        iset = fset = np.zeros(1, dtype=np.int64)
        out_bw = bandwidths[2]
    else:
        ist, fst = _calc_state(sizes[0], 10), _calc_state(sizes[1], 10)
        iptr = ilines = fptr = flines = np.zeros(1, dtype=np.int64)
        iset = np.full(words[0] + 1, -1, dtype=np.int64)
        fset = np.full(words[1] + 1, -1, dtype=np.int64)
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
                   filter_rows: np.ndarray | None = None, _room: bool = False) -> dict:
    """Run one layer through SCALE-Sim's memory system; return its per-layer report figures.

    `terms` are the layer's im2col addresses as row and column terms (scalesim_demand.IfmapTerms),
    `n_filters` N; the demand rows are generated fold by fold. `sizes` are the ifmap/filter/ofmap buffers in words;
    `bandwidths` the three DRAM channels in words per cycle (None: CALC mode, ifmap/filter at 10
    and ofmap at `cols`, SCALE-Sim's estimate); `words` the ifmap and filter address-space sizes;
    `prefetch` the two prefetch orders (USER mode); `filter_rows` the filter rows each reduction
    index reads (N:M sparsity; -1: padding), filter element (row, n) being address n * K + row.
    """
    m, k = terms.base.size, terms.offset.size
    if filter_rows is None:
        filter_rows = np.arange(k, dtype=np.int64)
    kfull = words[1] // n_filters
    df = ("os", "ws", "is").index(dataflow)
    sr, sc, t = ((m, n_filters, k), (k, n_filters, m), (k, m, n_filters))[df]
    rf, cf = -(-sr // rows), -(-sc // cols)
    per_fold = t + rows + cols - 2 if df == 0 else 2 * rows + cols + t - 2
    elements = m * n_filters * (1 if df == 0 else rf)
    state = _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, elements,
                     elements if _room else rf * cf * per_fold)
    user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills = state
    sram = np.full((3, 2), BIG, dtype=np.int64)
    causes = np.zeros(3, dtype=np.int64)
    # the im2col row terms (base, y0, x0) and column terms (offset, fy, fx), padded to one array
    width = max(m, k)
    packed = np.zeros((6, width), dtype=np.int64)
    for row, values in enumerate((terms.base, terms.y0, terms.x0, terms.offset, terms.fy, terms.fx)):
        packed[row, : values.size] = values
    geom = np.array([terms.H, terms.W], dtype=np.int64)
    key = kfull if user or df == 2 else -kfull  # see _fill_row: addresses renamed in CALC os/ws
    stall, served_max = _run_stream(df, rows, cols, t, rf, cf, m, k, n_filters, packed, geom,
                                    np.ascontiguousarray(filter_rows, dtype=np.int64), key, user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills, sram, causes)
    if wst[W_OVER]:  # tiny drains cut more partial lines than one a cycle: rerun with room for every line
        return simulate_layer(terms, n_filters, dataflow, rows, cols, sizes=sizes, bandwidths=bandwidths, words=words,
                              prefetch=prefetch, stall_bug=stall_bug, filter_rows=filter_rows, _room=True)
    return _report(user, ist, fst, wst, stall, served_max, sram, causes)


def simulate_demand(ifmap_demand, filter_demand, ofmap_demand, *, sizes, bandwidths, words, prefetch=None,
                    stall_bug: bool = True, cols: int = 1) -> dict:
    """`simulate_layer` on materialised demand matrices (the slow oracle of the fold generator)."""
    elements = int((ofmap_demand >= 0).sum())
    state = _buffers(sizes, bandwidths, words, prefetch, stall_bug, cols, elements, elements)
    user, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills = state
    sram = np.full((3, 2), BIG, dtype=np.int64)
    causes = np.zeros(3, dtype=np.int64)
    stall, served_max = _run(ifmap_demand, filter_demand, ofmap_demand, user, ist, iptr, ilines, fst, fptr,
                             flines, iset, fset, wst, fills, sram, causes)
    return _report(user, ist, fst, wst, stall, served_max, sram, causes)
