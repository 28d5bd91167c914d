"""Plain-numpy oracles of every kernel in `accelsim.kernels`: slow, literal, obviously correct.

They follow the hardware description step by step (one accumulator add at a time,
one bit at a time, one pulse at a time, one crossbar read group at a time) and share
no code with the kernels. Inputs are assumed valid; the kernels do the validation.
Where randomness is involved they take the same pre-drawn arrays the kernels take,
so outputs must agree bit for bit.
"""

from __future__ import annotations

import numpy as np


# ---------------------------------------------------------------- integer MAC
def int_matmul(x, w, *, x_bits, w_bits, signed=True, acc_bits=32, overflow="wrap"):
    """Accumulate x[:, k] * w[k, :] for k = 0, 1, ... into an acc_bits register."""
    x = np.atleast_2d(np.asarray(x, dtype=np.int64))
    w = np.asarray(w, dtype=np.int64)
    lo, hi = (-(2 ** (acc_bits - 1)), 2 ** (acc_bits - 1) - 1) if signed else (0, 2**acc_bits - 1)
    acc = np.zeros((x.shape[0], w.shape[1]), dtype=np.int64)
    for k in range(x.shape[1]):
        acc = acc + x[:, k, None] * w[None, k, :]  # int64 arithmetic wraps mod 2^64
        if overflow == "saturate":
            acc = np.clip(acc, lo, hi)
        elif acc_bits < 64:  # keep the low acc_bits bits (two's complement if signed)
            acc = acc & (2**acc_bits - 1)
            if signed:  # sign-extend: (v ^ m) - m with m the sign bit
                acc = (acc ^ 2 ** (acc_bits - 1)) - 2 ** (acc_bits - 1)
    return acc


# ---------------------------------------------------------------- crossbar MVM
def _bits(a, n):
    """Two's-complement bits 0..n-1 of a (numpy >> is arithmetic), shape (n,) + a.shape."""
    return np.stack([(a >> j) & 1 for j in range(n)])


def _slices_from_bits(bits, width):
    """Group bit planes (LSB first) into slices of `width` bits; returns list of arrays."""
    out = []
    for s0 in range(0, bits.shape[0], width):
        chunk = bits[s0 : s0 + width]
        out.append(sum(chunk[j] << j for j in range(chunk.shape[0])))
    return out


def input_slices(x, *, input_bits, dac_bits, input_signed):
    """(list of (V, K) slices, list of digital coefficients)."""
    b = _bits(np.asarray(x, dtype=np.int64), input_bits)
    if not input_signed:
        sl = _slices_from_bits(b, dac_bits)
        return sl, [2.0 ** (s * dac_bits) for s in range(len(sl))]
    sl = _slices_from_bits(b[: input_bits - 1], dac_bits) if input_bits > 1 else []
    coefs = [2.0 ** (s * dac_bits) for s in range(len(sl))]
    return sl + [b[input_bits - 1]], coefs + [-(2.0 ** (input_bits - 1))]


def weight_levels(w, *, weight_bits, cell_bits, weight_signed, weight_encoding):
    """(sides, S_w, K, N) int64 cell levels."""
    w = np.asarray(w, dtype=np.int64)
    if weight_signed and weight_encoding == "differential":
        parts, nbits = [np.where(w > 0, w, 0), np.where(w < 0, -w, 0)], weight_bits - 1
    elif weight_signed:
        parts, nbits = [w + 2 ** (weight_bits - 1)], weight_bits
    else:
        parts, nbits = [w], weight_bits
    return np.array([_slices_from_bits(_bits(p, nbits), cell_bits) for p in parts])


def adc(p, *, adc_bits, full_scale):
    """Quantise column sums: clip(floor(p/LSB + 1/2), 0, cmax) * LSB."""
    if adc_bits is None:
        return p.astype(np.float64)
    top = 2.0**adc_bits - 1
    if full_scale / top >= 1.0:
        lsb, cmax = full_scale / top, top
    else:
        lsb, cmax = 1.0, float(np.floor(full_scale))
    code = np.floor(p.astype(np.float64) / lsb + 0.5)
    return np.minimum(np.maximum(code, 0.0), cmax) * lsb


def crossbar_mvm_levels(
    x, levels, *, input_bits, weight_bits, dac_bits=1, cell_bits=2, rows=128, cols=128,
    adc_bits=None, full_scale=None, input_signed=False, weight_signed=True, weight_encoding="offset",
):
    """Crossbar MVM from given cell levels (sides, S_w, K, N). Returns (y, stats dict)."""
    x = np.atleast_2d(np.asarray(x, dtype=np.int64))
    levels = np.asarray(levels)
    xs, in_coef = input_slices(x, input_bits=input_bits, dac_bits=dac_bits, input_signed=input_signed)
    sides, s_w, k, n = levels.shape
    fs = rows * (2**dac_bits - 1) * (2**cell_bits - 1) if full_scale is None else full_scale
    y = np.zeros((x.shape[0], n))
    blocks = [(k0, min(k, k0 + rows)) for k0 in range(0, k, rows)]
    zero = np.zeros((len(blocks), len(xs)), dtype=np.int64)
    for b, (k0, k1) in enumerate(blocks):  # one crossbar per row block
        for si, xsl in enumerate(xs):  # one read per input slice
            zero[b, si] = np.sum(np.all(xsl[:, k0:k1] == 0, axis=1))
            for sw in range(s_w):  # one column group per weight slice
                q = [adc(xsl[:, k0:k1] @ levels[side, sw, k0:k1], adc_bits=adc_bits, full_scale=fs)
                     for side in range(sides)]
                val = q[0] - q[1] if sides == 2 else q[0]
                y += (in_coef[si] * 2.0 ** (sw * cell_bits)) * val
    if weight_signed and weight_encoding == "offset":
        y -= float(2 ** (weight_bits - 1)) * x.sum(axis=1).astype(np.float64)[:, None]
    phys = sides * s_w * n
    tiles = -(-phys // cols)
    reads = x.shape[0] * len(blocks) * len(xs) * tiles
    stats = dict(reads=reads, zero_slices=zero, skippable_reads=int(zero.sum()) * tiles,
                 adc_conversions=x.shape[0] * len(blocks) * len(xs) * phys,
                 input_slices=len(xs), weight_slices=s_w, row_blocks=len(blocks), column_tiles=tiles)
    return y, stats


def crossbar_mvm(x, w, *, input_bits, weight_bits, dac_bits=1, cell_bits=2, rows=128, cols=128,
                 adc_bits=None, full_scale=None, input_signed=False, weight_signed=True,
                 weight_encoding="offset"):
    lv = weight_levels(w, weight_bits=weight_bits, cell_bits=cell_bits, weight_signed=weight_signed,
                       weight_encoding=weight_encoding)
    return crossbar_mvm_levels(
        x, lv, input_bits=input_bits, weight_bits=weight_bits, dac_bits=dac_bits, cell_bits=cell_bits,
        rows=rows, cols=cols, adc_bits=adc_bits, full_scale=full_scale, input_signed=input_signed,
        weight_signed=weight_signed, weight_encoding=weight_encoding,
    )


# ---------------------------------------------------------------- faults
def bit_flips(words, u, *, bits, rate, signed=False, stuck_at_0=None, stuck_at_1=None):
    """Flip bit b of word i iff u[i, b] < rate[b]; then stuck-at-0, then stuck-at-1."""
    words = np.asarray(words, dtype=np.int64)
    rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (bits,))
    pat = (words & (2**bits - 1)).reshape(-1)
    for b in range(bits):
        flip = (u[:, b] < rate[b]).astype(np.int64)
        pat = pat ^ (flip << b)
    return _stuck_and_sign(pat, words, bits, signed, stuck_at_0, stuck_at_1)


def _stuck_and_sign(pat, words, bits, signed, stuck_at_0, stuck_at_1):
    """Both flip oracles end alike: stuck-at-0, then stuck-at-1, then two's complement."""
    if stuck_at_0 is not None:
        pat = pat & ~np.broadcast_to(np.asarray(stuck_at_0, dtype=np.int64), words.shape).reshape(-1)
    if stuck_at_1 is not None:
        pat = pat | np.broadcast_to(np.asarray(stuck_at_1, dtype=np.int64), words.shape).reshape(-1)
    if signed:
        pat = np.where(pat >= 2 ** (bits - 1), pat - 2**bits, pat)
    return pat.reshape(words.shape)


def flip_gaps(n_bits, rate, rng):
    """Skip sampling's draws: chunks of Geometric(rate) gaps until they pass bit n_bits - 1."""
    if n_bits == 0 or rate == 0.0:
        return np.zeros(0, dtype=np.int64)
    m = min(n_bits + 1, 16 + int(np.ceil(n_bits * rate + 4 * np.sqrt(n_bits * rate * (1 - rate)))))
    gaps, end = [], 0
    while end < n_bits + 1:
        for g in rng.geometric(rate, size=m):
            gaps.append(int(g))
            end += min(int(g), n_bits + 1)
    return np.array(gaps, dtype=np.int64)


def sparse_bit_flips(words, gaps, *, bits, signed=False, stuck_at_0=None, stuck_at_1=None):
    """Walk the bits word by word, LSB first, flipping one bit per gap; then stuck-at."""
    words = np.asarray(words, dtype=np.int64)
    pat = (words & (2**bits - 1)).reshape(-1).copy()
    pos = -1
    for g in gaps:  # one flip at a time
        pos += int(g)
        if pos >= pat.size * bits:
            break
        pat[pos // bits] ^= 1 << (pos % bits)
    return _stuck_and_sign(pat, words, bits, signed, stuck_at_0, stuck_at_1)


def stuck_at_masks(u, *, bits, p_sa0, p_sa1):
    sa0 = np.zeros(u.shape[0], dtype=np.int64)
    sa1 = np.zeros(u.shape[0], dtype=np.int64)
    for b in range(bits):
        sa0 |= (u[:, b] < p_sa0).astype(np.int64) << b
        sa1 |= ((u[:, b] >= p_sa0) & (u[:, b] < p_sa0 + p_sa1)).astype(np.int64) << b
    return sa0, sa1


# ---------------------------------------------------------------- stochastic write
def stochastic_write(old, target, u, *, bits, p01, p10, max_attempts=1, signed=False):
    """Pulse by pulse: every still-wrong bit switches iff its residual uniform < p;
    otherwise the residual is rescaled (u - p)/(1 - p). Returns (stored, attempts, pulses)."""
    old = np.asarray(old, dtype=np.int64)
    shape = old.shape
    o = (old & (2**bits - 1)).reshape(-1)
    t = (np.asarray(target, dtype=np.int64) & (2**bits - 1)).reshape(-1)
    ob, tb = _bits(o, bits).T, _bits(t, bits).T  # (words, bits)
    state = ob.copy()
    p = np.where(tb == 1, p01, p10).astype(np.float64)
    r = np.array(u, dtype=np.float64)
    attempts = np.zeros(o.size, dtype=np.int64)
    pulses = np.zeros(o.size, dtype=np.int64)
    for a in range(1, max_attempts + 1):
        wrong = state != tb  # read-verify
        if not wrong.any():
            break
        attempts[wrong.any(axis=1)] = a
        pulses += wrong.sum(axis=1)
        switch = wrong & (r < p)
        state[switch] = tb[switch]
        stay = wrong & ~switch
        r[stay] = (r[stay] - p[stay]) / (1.0 - p[stay])
    stored = sum(state[:, b] << b for b in range(bits))
    if signed:
        stored = np.where(stored >= 2 ** (bits - 1), stored - 2**bits, stored)
    return stored.reshape(shape), attempts.reshape(shape), pulses.reshape(shape)


# ---------------------------------------------------------------- ReRAM variation
def level_variation(levels, z, *, cell_bits, sigma, model, g_on_s, g_off_s):
    """Effective levels (G' - G_off)/ΔG, written in the kernel's algebraic form so the
    floating-point result is the same: lognormal l m + r (m - 1); gaussian max(l + σ(L-1)z, -r)."""
    L = 2**cell_bits
    step = (g_on_s - g_off_s) / (L - 1)
    r = g_off_s / step
    lv = np.asarray(levels, dtype=np.float64)
    if model == "lognormal":
        m = np.exp(sigma * np.asarray(z, dtype=np.float64))
        return lv * m + r * (m - 1.0)
    return np.maximum(lv + (sigma * (L - 1)) * np.asarray(z, dtype=np.float64), -r)


# ---------------------------------------------------------------- MTJ current for a probability
def current_for_p_switch(p_switch, target_p, pulse_ns, params, *, max_ua):
    """Bisection on the (monotone) switching probability: the smallest current reaching target_p."""
    out = []
    for p in np.atleast_1d(target_p):
        lo, hi = 0.0, float(max_ua)
        if p == 0:
            out.append(0.0)
            continue
        for _ in range(100):
            mid = (lo + hi) / 2
            if p_switch(mid, pulse_ns, params) >= p:
                hi = mid
            else:
                lo = mid
        out.append(hi)
    return np.array(out)
