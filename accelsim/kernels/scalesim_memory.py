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
sets of floor(words / 100) addresses; 50 sets are the active half. When they are complete they
are prefetched and dropped all at once: so an address hits iff it was collected since the last
time the window filled (an "epoch" of 50 sets). DRAM reads are the addresses collected; DRAM
never stalls. Closed forms (scalesim_reuse.py) say when no address needs looking up.

Write buffer (write_buffer.py): outputs fill lines of `bw` words. When more than half the buffer
is occupied, the lines so far (the partial one too) start draining, ceil(half / bw) lines, one a
cycle; a full buffer waits for the drain. DRAM writes count whole lines except the unused end of
a drain's last line. At the end everything left drains. Only output counts matter, not addresses.

Per row: the row's cycle is its index plus the stalls so far; the stall added is the largest of
the three buffers' waits (SCALE-Sim's double_buffered_scratchpad_mem.py).

The hot state lives in local variables of the one loop (`_serve`): Numba reference-counts every
array handed to a helper, which cost more than the work itself. Setting up the buffers' state
from a layer and reading the report back are plain Python, in scalesim_layer.py.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._numba import njit
from accelsim.kernels.scalesim_reuse import EVERY_MISS, FITS, LOOKUP

# user read-buffer state slots
U_L, U_A, U_P, U_START, U_LAST, U_ACCESS, U_BW, U_ROWS, U_INIT, U_STEP, U_DSTART, U_DSTOP, U_READY, U_BUG = range(14)
# calc read-buffer state slots
C_ITEMS, C_EPOCH_SIZE, C_LSTART, C_LEND, C_FIRST, C_DONE, C_ACCESS, C_BW, C_DSTART, C_DSTOP, C_TRACE = range(11)
# write-buffer state slots
W_TOTAL, W_DRAIN, W_BW, W_FREE, W_IDX, W_LINES, W_DSTART_LINE, W_DRAIN_END, W_ACCESS, W_DSTART, W_DSTOP, \
    W_TRACE, W_NPART, W_PPTR, W_OVER = range(15)
# rows of the packed im2col terms (see simulate_layer)
T_BASE, T_Y0, T_X0, T_OFFSET, T_FY, T_FX, T_FROWS = range(7)
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
        ahead = lines[i] - start  # both in [0, n): no modulo needed
        if ahead < 0:
            ahead += n
        if ahead < a:
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
    """The window's 50 sets are complete: prefetch them; the window starts empty (a new epoch)."""
    if st[C_DONE] == 0:
        st[C_LEND] = st[C_FIRST] - 2
        need = -(-st[C_EPOCH_SIZE] // st[C_BW])
        st[C_LSTART] = st[C_LEND] - need + 1
        _calc_prefetch(st, need)
        st[C_DONE] = 1
    else:
        _calc_prefetch(st, st[C_LEND] - st[C_LSTART] + 1)
    st[C_LSTART] = st[C_LEND] + 1
    st[C_LEND] = cycle


@njit(inline="always")
def _collect(epoch_of, row, pos, n, epoch, count, size):
    """Look up row[pos:n] until the window fills: (where it stopped, window count, misses)."""
    added = 0
    while pos < n:
        addr = row[pos]
        pos += 1
        if epoch_of[addr] != epoch:
            epoch_of[addr] = epoch
            added += 1
            count += 1
            if count == size:
                break
    return pos, count, added


@njit()
def _calc_finish(st):
    sets = st[C_ACCESS] // st[C_ITEMS]  # SCALE-Sim's current set id
    if st[C_ACCESS] % st[C_ITEMS] == 0:
        sets -= 1  # an empty current set is not counted
    if st[C_DONE] == 0:
        st[C_LEND] = -2
        need = -(-((sets + 1) * st[C_ITEMS]) // st[C_BW])
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


@njit()
def _start_drain(st, fills, cycle):
    """Less than half the buffer is free: cut the partial line and drain; return the drain's end."""
    _close_line(st, fills)
    return _drain(st, fills, cycle)


@njit()
def _write_finish(st, fills, cycle):
    _close_line(st, fills)
    while st[W_DSTART_LINE] < st[W_LINES]:
        st[W_DRAIN_END] = _drain(st, fills, cycle)
        cycle = st[W_DRAIN_END] + 1


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
def _span(tau, blk):
    """The block columns a demand row reads: lo..hi (hi < lo: none)."""
    prefix, rows, valid_rows, valid_cols, skew, flip, swap, i0, j0 = blk
    if skew:
        return max(0, tau - prefix - rows + 1), min(valid_cols - 1, tau - prefix)
    if tau - prefix < 0 or tau - prefix >= rows:
        return 0, -1
    return 0, valid_cols - 1


@njit(inline="always")
def _count_row(tau, blk):
    """How many addresses a demand row reads from a block without holes."""
    prefix, rows, valid_rows, valid_cols, skew, flip, swap, i0, j0 = blk
    lo, hi = _span(tau, blk)
    if flip:  # rows past valid_rows are padding, read bottom-up first
        if skew:
            hi = min(hi, tau - prefix - rows + valid_rows)
        elif rows - 1 - (tau - prefix) >= valid_rows:
            return 0
    return max(hi - lo + 1, 0)


@njit(inline="always")
def _fill_row(buf, tau, blk, operand, terms, H, W, K, N):
    """Write one demand row's addresses (valid entries only, in column order) into `buf`."""
    prefix, rows, valid_rows, valid_cols, skew, flip, swap, i0, j0 = blk
    n = 0
    lo, hi = _span(tau, blk)
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
            off = terms[T_OFFSET, j]
            if off < 0 or terms[T_Y0, i] + terms[T_FY, j] >= H or terms[T_X0, i] + terms[T_FX, j] >= W:
                continue
            addr = terms[T_BASE, i] + off
        else:
            if terms[T_FROWS, i] < 0:
                continue  # a padding row of a sparse filter
            # CALC mode keys its sets by any one-to-one renaming of addresses: filter-major
            # (K < 0 flags it) keeps a demand row's filters on one cache line in os
            addr = j * K + terms[T_FROWS, i] if K > 0 else terms[T_FROWS, i] * N + j
        buf[n] = addr
        n += 1
    return n


@njit(inline="always")
def _fill_rowwise(buf, tau, fr, R, T, K, B, terms, H, W):
    """A row-wise sparse (OptimizedMapping, block size B) ws ifmap demand row: the fold reads 2R
    im2col columns; array row j, R cycles after the fold starts and skewed by j, reads pixel
    tau - R - j's B columns of block j // (B/2) (SCALE-Sim's skew_matrix_row_sparsity)."""
    n = 0
    copies = B // 2
    for j in range(R if copies > 0 else 0):
        i = tau - R - j
        if i < 0 or i >= T:
            continue
        first = fr * 2 * R + (j // copies) * B
        last = min(first + B, fr * 2 * R + 2 * R, K)
        for col in range(first, last):
            if (terms[T_Y0, i] + terms[T_FY, col] >= H or terms[T_X0, i] + terms[T_FX, col] >= W
                    or terms[T_OFFSET, col] < 0):
                continue
            buf[n] = terms[T_BASE, i] + terms[T_OFFSET, col]
            n += 1
    return n


@njit(inline="always")
def _fill_from(buf, tau, blk, matrix):
    """A demand row of a block read from an address matrix (-1: nothing) instead of computed."""
    prefix, rows, valid_rows, valid_cols, skew, flip, swap, i0, j0 = blk
    n = 0
    lo, hi = _span(tau, blk)
    for c in range(lo, hi + 1):
        r = tau - prefix - c if skew else tau - prefix
        if flip:
            r = rows - 1 - r
            if r >= valid_rows:
                continue
        i, j = (i0 + c, j0 + r) if swap else (i0 + r, j0 + c)
        if matrix[i, j] >= 0:
            buf[n] = matrix[i, j]
            n += 1
    return n


@njit(inline="always")
def _compact(row, buf):
    n = 0
    for addr in row:
        if addr >= 0:
            buf[n] = addr
            n += 1
    return n


@njit()
def _serve(dense, ifd, fid, ofd, df, R, C, T, rf, cf, M, K, N, terms, H, W, kfull, fmat, rowwise, user, modes,
           holes, ist, iptr, ilines, fst, fptr, flines, iset, fset, wst, fills, sram, causes):
    """Serve the demand rows, one a cycle: rows of materialised demand matrices (`dense`: -1 is no
    address; the slow oracle) or rows generated fold by fold (column fold outer, row fold inner).

    Generated rows that need no address (the ofmap; a CALC operand with a closed form, `modes`)
    are only counted, from their span when the operand's blocks have no `holes`. A filter address
    matrix `fmat` (more than one row: sparse filters) replaces computed filter addresses, K being
    its rows; `rowwise` > 0 is the block size of row-wise sparse ws (the ifmap has |`kfull`| im2col
    columns, read in 2R-wide tiles)."""
    if dense:
        cf, rf, per_fold = 1, 1, ofd.shape[0]
        width = max(ifd.shape[1], fid.shape[1], ofd.shape[1])
    else:
        per_fold = T + R + C - 2 if df == 0 else 2 * R + C + T - 2
        width = max(R, C, R * rowwise)
    ibuf = np.empty(width, dtype=np.int64)
    fbuf = np.empty(width, dtype=np.int64)
    obuf = np.empty(width, dtype=np.int64)
    fill_i = user or modes[0] == LOOKUP or holes[0]
    fill_f = user or modes[1] == LOOKUP or holes[1]
    # os and ws read the same ifmap blocks every column fold: make their rows once and replay them
    # (the counts; the addresses too where they are needed), within a memory budget
    addresses_i = user or modes[0] == LOOKUP
    columns = abs(kfull) if rowwise else K  # im2col columns: one pass demands each (pixel, column) once
    pass_size = rf * (T + R - 1) * R * rowwise if rowwise else M * columns
    cache_i = (fill_i and not dense and df != 2 and cf > 1 and rf * per_fold <= 1 << 24
               and (not addresses_i or pass_size <= 1 << 23))
    counts = np.zeros((rf, per_fold) if cache_i else (1, 1), dtype=np.int32)
    replay = np.zeros(pass_size if cache_i and addresses_i else 1, dtype=np.int32)
    use_fmat = fmat.shape[0] > 1
    # hot state: CALC windows (misses so far, in the current epoch, epoch id), the write buffer
    i_access, i_count, i_epoch, f_access, f_count, f_epoch = ist[C_ACCESS], 0, 0, fst[C_ACCESS], 0, 0
    i_size, f_size, i_seen, f_seen = ist[C_EPOCH_SIZE], fst[C_EPOCH_SIZE], False, False
    w_idx, w_free, w_lines, w_end = wst[W_IDX], wst[W_FREE], wst[W_LINES], wst[W_DRAIN_END]
    bw, threshold = wst[W_BW], wst[W_TOTAL] - wst[W_DRAIN]
    stall, served_max, out, i = 0, -BIG, 0, 0
    for fc in range(cf):
        at = 0  # the replayed ifmap addresses' position
        for fr in range(rf):
            bi = _block(df, 0, fr, fc, R, C, T, M, K, N)
            bf = _block(df, 1, fr, fc, R, C, T, M, K, N)
            bo = _block(df, 2, fr, fc, R, C, T, M, K, N)
            for tau in range(per_fold):
                if dense:
                    ni, nf, no = _compact(ifd[i], ibuf), _compact(fid[i], fbuf), _compact(ofd[i], obuf)
                else:
                    if cache_i and fc > 0:
                        ni = counts[fr, tau]
                        if addresses_i:
                            for q in range(ni):
                                ibuf[q] = replay[at + q]
                            at += ni
                    elif fill_i:
                        if rowwise:
                            ni = _fill_rowwise(ibuf, tau, fr, R, T, columns, rowwise, terms, H, W)
                        else:
                            ni = _fill_row(ibuf, tau, bi, 0, terms, H, W, kfull, N)
                        if cache_i:
                            counts[fr, tau] = ni
                            if addresses_i:
                                for q in range(ni):
                                    replay[at + q] = ibuf[q]
                                at += ni
                    else:
                        ni = _count_row(tau, bi)
                    if use_fmat:
                        nf = _fill_from(fbuf, tau, bf, fmat)
                    elif fill_f:
                        nf = _fill_row(fbuf, tau, bf, 1, terms, H, W, kfull, N)
                    else:
                        nf = _count_row(tau, bf)
                    no = _count_row(tau, bo)
                cycle = i + stall
                ia = fa = cycle + 1
                if user:
                    ia = _user_read_row(ist, iptr, ilines, ibuf, ni, cycle)
                    fa = _user_read_row(fst, fptr, flines, fbuf, nf, cycle)
                else:  # CALC: reads never wait; misses fill the window, a full window is prefetched
                    if ni > 0 and not i_seen:
                        i_seen = True
                        ist[C_FIRST] = cycle
                    if ni > 0 and modes[0] != FITS:
                        if modes[0] == EVERY_MISS:
                            i_access += ni
                            left = ni
                            while i_count + left >= i_size:
                                left -= i_size - i_count
                                _calc_trigger(ist, cycle)
                                i_count = 0
                            i_count += left
                        else:
                            pos = 0
                            while pos < ni:
                                pos, i_count, added = _collect(iset, ibuf, pos, ni, i_epoch, i_count, i_size)
                                i_access += added
                                if i_count == i_size:
                                    _calc_trigger(ist, cycle)
                                    i_epoch += 1
                                    i_count = 0
                    if nf > 0 and not f_seen:
                        f_seen = True
                        fst[C_FIRST] = cycle
                    if nf > 0 and modes[1] != FITS:
                        if modes[1] == EVERY_MISS:
                            f_access += nf
                            left = nf
                            while f_count + left >= f_size:
                                left -= f_size - f_count
                                _calc_trigger(fst, cycle)
                                f_count = 0
                            f_count += left
                        else:
                            pos = 0
                            while pos < nf:
                                pos, f_count, added = _collect(fset, fbuf, pos, nf, f_epoch, f_count, f_size)
                                f_access += added
                                if f_count == f_size:
                                    _calc_trigger(fst, cycle)
                                    f_epoch += 1
                                    f_count = 0
                # write the row's outputs: element by element the buffer fills lines of bw words,
                # starts a drain when less than half is free and, while a drain runs, waits once
                # nothing is free; whole runs of elements between those events are taken at once
                out = cycle
                left = no
                while left > 0:
                    draining = out < w_end
                    if draining:  # the element that leaves nothing free waits
                        take = min(left, max(w_free, 1))
                    else:  # the element that leaves less than half free starts a drain
                        take = min(left, max(w_free - threshold + 1, 1))
                    w_idx += take
                    if w_idx >= bw:  # lines completed (integer division only when a row spans several)
                        lines = 1 if w_idx < 2 * bw else w_idx // bw
                        w_lines += lines
                        w_idx -= lines * bw
                    w_free -= take
                    left -= take
                    if draining:
                        if w_free <= 0:
                            out = w_end
                    elif w_free < threshold:
                        wst[W_IDX], wst[W_FREE], wst[W_LINES] = w_idx, w_free, w_lines
                        w_end = _start_drain(wst, fills, out)
                        w_idx, w_free, w_lines = wst[W_IDX], wst[W_FREE], wst[W_LINES]
                # SRAM start/stop stamps: the first and last rows with a demand
                for k, n, served in ((0, ni, ia), (1, nf, fa), (2, no, out)):
                    if n > 0:
                        if sram[k, 0] == BIG:
                            sram[k, 0] = served
                        sram[k, 1] = served
                si, sf, so = ia - cycle - 1, fa - cycle - 1, out - cycle
                add = max(si, sf, so)
                if add > 0:  # the buffer that held the array up
                    causes[0 if add == si else (1 if add == sf else 2)] += add
                stall += add
                served_max = max(served_max, out)
                i += 1
    wst[W_IDX], wst[W_FREE], wst[W_LINES], wst[W_DRAIN_END] = w_idx, w_free, w_lines, w_end
    if not user:
        ist[C_ACCESS], fst[C_ACCESS] = i_access, f_access
        _calc_finish(ist)
        _calc_finish(fst)
    _write_finish(wst, fills, out)
    return stall, served_max
