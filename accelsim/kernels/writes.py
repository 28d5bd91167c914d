"""Stochastic (MTJ-style) writes with optional write-verify.

A write compares the stored word with the target (read-before-write) and pulses
only the bits that differ. Each pulse switches a pending bit with probability p
(p_01 for 0->1, p_10 for 1->0; callers compute them with `accelsim.devices.mtj`).
With write-verify (``max_attempts > 1``) the word is read back after every pulse
and the bits still wrong get another pulse, up to `max_attempts` pulses in total.
A pulse never disturbs a bit already in its target state (STT current direction
only drives the wrong bits towards the target).

Randomness: one float64 uniform per (word, bit position), drawn by the wrapper as
``rng.random((words.size, bits))`` (words in C order, bit 0 first), whatever
`max_attempts` is, so the draw count never depends on the data. Bit b is resolved
pulse by pulse from its uniform u: it switches on this pulse iff u < p; otherwise
u <- (u - p) / (1 - p), which is again uniform on [0, 1) given u >= p, and the next
pulse is tried. The number of pulses is therefore exactly geometric(p), truncated
at max_attempts. (Each rescale costs log2(1/(1-p)) bits of the 53-bit uniform, so
the distribution is exact down to probabilities ~2^-40 -- far below anything a
simulation samples.) Kernels use only +, -, /, < so numpy oracles are bit-identical.
"""

from __future__ import annotations

import numpy as np

from accelsim.kernels._checks import as_int_array, check_bits, check_fits, check_probability, check_rng
from accelsim.kernels._numba import njit


@njit()
def _write(old, target, u, p01, p10, max_attempts, stored, attempts, pulses):
    nbits = u.shape[1]
    for i in range(old.shape[0]):
        diff = old[i] ^ target[i]
        t = target[i]
        # Pulse 1 for every bit at once, branch-free (data bits are random, branches
        # on them mispredict): bit b switches iff u < p for its direction.
        first = 0
        for b in range(nbits):
            p = p01 if (t >> b) & 1 else p10
            first |= np.int64(u[i, b] < p) << b
        word = old[i] ^ (diff & first)
        n_pulse = 0
        d = diff
        while d:  # popcount of diff: every differing bit gets pulse 1
            d &= d - 1
            n_pulse += 1
        n_att = 1 if diff else 0
        # Bits still wrong after pulse 1 (rare when p is high): later pulses, one by one.
        fail = diff & ~first
        b = 0
        while fail and max_attempts > 1:
            if (fail >> b) & 1:
                fail ^= 1 << b
                p = p01 if (t >> b) & 1 else p10
                k = max_attempts
                if p > 0.0:  # p == 0 can never switch: skip the (possibly long) loop
                    r = u[i, b]
                    k = 1
                    while r >= p and k < max_attempts:  # not switched on pulse k: rescale
                        r = (r - p) / (1.0 - p)
                        k += 1
                    if r < p:
                        word ^= 1 << b
                n_pulse += k - 1
                if k > n_att:
                    n_att = k
            b += 1
        stored[i] = word
        attempts[i] = n_att
        pulses[i] = n_pulse


def _p_pair(p_switch: float | tuple[float, float]) -> tuple[float, float]:
    if isinstance(p_switch, (tuple, list)):
        if len(p_switch) != 2:
            raise ValueError(f"p_switch must be a probability or a (p_01, p_10) pair, got {p_switch!r}")
        return float(check_probability("p_01", p_switch[0])), float(check_probability("p_10", p_switch[1]))
    p = float(check_probability("p_switch", p_switch))
    return p, p


def apply_stochastic_write(
    old: np.ndarray,
    target: np.ndarray,
    uniforms: np.ndarray,
    *,
    bits: int,
    p_switch: float | tuple[float, float],
    max_attempts: int = 1,
    signed: bool = False,
    return_pulses: bool = False,
) -> tuple[np.ndarray, ...]:
    """Write `target` over `old` using pre-drawn `uniforms` of shape (old.size, bits).

    Returns (stored, attempts_per_word[, bit_pulses_per_word]); attempts is the number
    of pulses applied to the word (0 if nothing had to switch), bit_pulses the sum over
    its bits of the pulses each received (for energy accounting).
    """
    nb = check_bits("bits", bits, 1, 62)
    ma = check_bits("max_attempts", max_attempts, 1, 1 << 30)
    p01, p10 = _p_pair(p_switch)
    o, t = as_int_array("old", old), as_int_array("target", target)
    if o.shape != t.shape:
        raise ValueError(f"old and target must have the same shape, got {o.shape} and {t.shape}")
    check_fits("old", o, nb, signed)
    check_fits("target", t, nb, signed)
    u = np.asarray(uniforms, dtype=np.float64)
    if u.shape != (o.size, nb):
        raise ValueError(f"uniforms must have shape ({o.size}, {nb}), got {u.shape}")
    width = (1 << nb) - 1
    po, pt = (o & width).reshape(-1), (t & width).reshape(-1)
    stored = np.empty_like(po)
    attempts = np.empty(po.size, dtype=np.int64)
    pulses = np.empty(po.size, dtype=np.int64)
    _write(po, pt, np.ascontiguousarray(u), p01, p10, ma, stored, attempts, pulses)
    if signed:
        stored = stored - ((stored >> (nb - 1)) & 1) * (1 << nb)
    res = (stored.reshape(o.shape), attempts.reshape(o.shape))
    return res + (pulses.reshape(o.shape),) if return_pulses else res


def stochastic_write(
    old: np.ndarray,
    target: np.ndarray,
    *,
    bits: int,
    p_switch: float | tuple[float, float],
    rng: np.random.Generator,
    max_attempts: int = 1,
    signed: bool = False,
    return_pulses: bool = False,
) -> tuple[np.ndarray, ...]:
    """`apply_stochastic_write` with uniforms ``rng.random((old.size, bits))``.

    `p_switch`: per-pulse switching probability, or (p_01, p_10) per direction.
    With p = 1, stored == target and every word that differs takes exactly 1 pulse.
    """
    nb = check_bits("bits", bits, 1, 62)
    u = check_rng(rng).random((np.asarray(old).size, nb))
    return apply_stochastic_write(
        old, target, u, bits=nb, p_switch=p_switch, max_attempts=max_attempts,
        signed=signed, return_pulses=return_pulses,
    )


__all__ = ["apply_stochastic_write", "stochastic_write"]
