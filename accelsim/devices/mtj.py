"""Magnetic tunnel junction (STT/SOT-MRAM) switching, retention and energy.

Pure numpy; every function broadcasts over array arguments. Units are in the
argument names (ua = microampere, ns = nanosecond, s = second, ohm, pj = picojoule).
Let i = I / Ic0 (the overdrive) and Δ the thermal stability factor E_b / k_B T.

- Thermal (Néel–Brown) regime, I < Ic0 or long pulses:
  tau = tau0 * exp(Δ (1 - i)),  P_switch(t) = 1 - exp(-t / tau).
  Above Ic0 the barrier has vanished; we hold tau at tau0 (i clipped to 1), the
  attempt time, instead of letting the formula predict faster-than-attempt switching.
- Precessional (Sun) regime, I > Ic0, sub-ns pulses:
  WER = 1 - exp(-(π² Δ / 4) exp(-2 (i - 1) t / tau_D)),  P_switch = 1 - WER,
  with (i - 1) clipped at 0 (no precessional switching below Ic0).
- Blend (`p_switch`): P = max(P_prec(t), P_thermal(w(t) * t)),
  w(t) = clip(log10(t / 1 ns), 0, 1).
  Either mechanism alone switches the free layer, so the more favourable one is taken
  (max rather than an independent union, which would double-count one physical
  process described twice). The thermal clock is ramped in log time -- it does not
  run for pulses under 1 ns and runs fully from 10 ns -- because the Néel–Brown
  attempt picture (tau0 ≈ 1 ns) is meaningless for pulses shorter than one attempt
  time, where the reference sheet says only precession counts. w(t) * t is
  continuous and increasing, both terms are continuous and non-decreasing in t and
  I, so the blend is too; above 10 ns it is max of the two textbook formulas.
- Retention t_ret = tau0 e^Δ; failure by time t: 1 - exp(-t / t_ret).
- Read disturb per read: 1 - exp(-t_read / tau(I_read)) ≈ (t_read / tau0) exp(-Δ (1 - I_read/Ic0)).

Default tau_D = 1 ns: tau_D ≈ 1 / (α γ μ0 H_k) with damping α = 0.02 and μ0 H_k ≈ 0.3 T
(γ = 1.76e11 rad/(s·T)) gives 0.95 ns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

SECONDS_PER_YEAR = 365.25 * 24 * 3600.0

# Typical parameter ranges from the project's reference sheet.
TYPICAL_RANGES: dict[str, tuple[float, float]] = {
    "delta": (40.0, 80.0),
    "tmr_percent": (100.0, 200.0),
    "ra_ohm_um2": (5.0, 10.0),
    "ic0_ua": (20.0, 100.0),
    "stt_write_ns": (5.0, 10.0),
    "stt_write_pj_per_bit": (0.2, 1.0),
    "sot_write_ns": (0.3, 1.0),
    "sot_write_pj_per_bit": (0.05, 0.5),
}


@dataclass(frozen=True)
class MTJParams:
    """Switching physics of one MTJ. Defaults: mid-range values of `TYPICAL_RANGES`."""

    delta: float = 60.0
    ic0_ua: float = 40.0
    tau0_ns: float = 1.0
    tau_d_ns: float = 1.0


@dataclass(frozen=True)
class MTJCell:
    """An MRAM cell operating point (resistances, write pulse, read bias, area)."""

    r_p_ohm: float
    r_ap_ohm: float
    write_current_ua: float
    write_pulse_ns: float
    write_energy_pj: float
    area_f2: float
    read_voltage_v: float

    @property
    def tmr(self) -> float:
        return tmr(self.r_p_ohm, self.r_ap_ohm)


# NVSim sample STT-MRAM cell (R_P 6 kΩ, R_AP 12 kΩ, 40.82 µA x 5 ns = 0.194 pJ, 57.5 F², read 0.25 V).
NVSIM_STT = MTJCell(
    r_p_ohm=6e3, r_ap_ohm=12e3, write_current_ua=40.82, write_pulse_ns=5.0,
    write_energy_pj=0.194, area_f2=57.5, read_voltage_v=0.25,
)
# Voltage across the whole write path implied by the NVSim sample: E / (I t) ≈ 0.95 V.
NVSIM_STT_WRITE_VOLTAGE_V = 0.194e-12 / (40.82e-6 * 5e-9)


def _ratio(current_ua: ArrayLike, ic0_ua: float) -> np.ndarray:
    if ic0_ua <= 0:
        raise ValueError(f"ic0_ua must be positive, got {ic0_ua}")
    i = np.asarray(current_ua, dtype=np.float64) / ic0_ua
    if np.any(i < 0):
        raise ValueError("currents must be non-negative (magnitudes)")
    return i


def thermal_tau_ns(current_ua: ArrayLike, *, delta: float, ic0_ua: float, tau0_ns: float = 1.0) -> np.ndarray:
    """Néel–Brown mean switching time tau0 * exp(Δ (1 - min(I/Ic0, 1))), in ns."""
    i = np.minimum(_ratio(current_ua, ic0_ua), 1.0)
    return tau0_ns * np.exp(delta * (1.0 - i))


def p_switch_thermal(
    current_ua: ArrayLike, pulse_ns: ArrayLike, *, delta: float, ic0_ua: float, tau0_ns: float = 1.0
) -> np.ndarray:
    """1 - exp(-t / tau): thermally activated switching within a pulse of t ns."""
    t = np.asarray(pulse_ns, dtype=np.float64)
    return -np.expm1(-t / thermal_tau_ns(current_ua, delta=delta, ic0_ua=ic0_ua, tau0_ns=tau0_ns))


def wer_precessional(
    current_ua: ArrayLike, pulse_ns: ArrayLike, *, delta: float, ic0_ua: float, tau_d_ns: float = 1.0
) -> np.ndarray:
    """Sun-model write error rate 1 - exp(-(π²Δ/4) exp(-2 (I/Ic0 - 1) t / tau_D))."""
    over = np.maximum(_ratio(current_ua, ic0_ua) - 1.0, 0.0)
    t = np.asarray(pulse_ns, dtype=np.float64)
    return -np.expm1(-(np.pi**2 * delta / 4.0) * np.exp(-2.0 * over * t / tau_d_ns))


def p_switch_precessional(
    current_ua: ArrayLike, pulse_ns: ArrayLike, *, delta: float, ic0_ua: float, tau_d_ns: float = 1.0
) -> np.ndarray:
    """1 - WER of the precessional (Sun) model."""
    over = np.maximum(_ratio(current_ua, ic0_ua) - 1.0, 0.0)
    t = np.asarray(pulse_ns, dtype=np.float64)
    return np.exp(-(np.pi**2 * delta / 4.0) * np.exp(-2.0 * over * t / tau_d_ns))


def thermal_weight(pulse_ns: ArrayLike) -> np.ndarray:
    """Rate of the thermal clock in the blend: 0 below 1 ns, 1 above 10 ns, log-linear between."""
    t = np.asarray(pulse_ns, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.clip(np.log10(t), 0.0, 1.0)


def p_switch(
    current_ua: ArrayLike,
    pulse_ns: ArrayLike,
    params: MTJParams = MTJParams(),
) -> np.ndarray:
    """Switching probability of one write pulse: max(P_prec(t), P_thermal(w(t) t)) (module doc)."""
    t = np.asarray(pulse_ns, dtype=np.float64)
    if np.any(t < 0):
        raise ValueError("pulse_ns must be non-negative")
    t_eff = thermal_weight(t) * t
    pt = p_switch_thermal(current_ua, t_eff, delta=params.delta, ic0_ua=params.ic0_ua, tau0_ns=params.tau0_ns)
    pp = p_switch_precessional(current_ua, t, delta=params.delta, ic0_ua=params.ic0_ua, tau_d_ns=params.tau_d_ns)
    return np.maximum(pp, pt)


def current_for_p_switch(
    target_p: ArrayLike, pulse_ns: float, params: MTJParams = MTJParams(), *, max_ua: float = 1e4,
) -> np.ndarray:
    """The smallest current (uA) at which a `pulse_ns` pulse switches with probability `target_p`.

    `p_switch` is a max of two terms, so its inverse is the min of the two closed-form inverses:
    precessional i = 1 + (tau_D / 2t) ln((π²Δ/4) / -ln p) (for p above its value at Ic0),
    thermal i = 1 - ln(tau / tau0) / Δ with tau = w(t) t / -ln(1 - p) (for tau >= tau0).
    Clipped to [0, max_ua] (a probability beyond p_switch(max_ua) gets max_ua); p = 0 gets 0.
    Used to make a cell's switching *be* a chosen rounding probability; the bisection in
    tests/naive.py is its oracle.
    """
    p = np.asarray(target_p, dtype=np.float64)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("target_p must be in [0, 1]")
    t = float(pulse_ns)
    a = np.pi**2 * params.delta / 4.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg_log = -np.log(p)
        prec = np.where(neg_log < a, 1.0 + params.tau_d_ns / (2.0 * t) * np.log(a / neg_log), 0.0)
        prec = np.where(p >= 1.0, np.inf, prec)
        t_eff = float(thermal_weight(t)) * t
        tau = t_eff / -np.log1p(-p)
        therm = np.where(tau >= params.tau0_ns, 1.0 - np.log(tau / params.tau0_ns) / params.delta, np.inf)
    ratio = np.minimum(prec, therm)
    return np.where(p > 0, np.clip(ratio * params.ic0_ua, 0.0, max_ua), 0.0)


def write_error_rate(current_ua: ArrayLike, pulse_ns: ArrayLike, params: MTJParams = MTJParams()) -> np.ndarray:
    return 1.0 - p_switch(current_ua, pulse_ns, params)


def retention_time_s(delta: ArrayLike, tau0_ns: float = 1.0) -> np.ndarray:
    """Mean retention time tau0 * exp(Δ), in seconds (Δ=40: ~7.5 years; Δ=60: ~3.6e9 years)."""
    return tau0_ns * 1e-9 * np.exp(np.asarray(delta, dtype=np.float64))


def retention_failure_prob(time_s: ArrayLike, delta: ArrayLike, tau0_ns: float = 1.0) -> np.ndarray:
    """Probability a bit has flipped by thermal relaxation after `time_s`: 1 - exp(-t/t_ret)."""
    return -np.expm1(-np.asarray(time_s, dtype=np.float64) / retention_time_s(delta, tau0_ns))


def read_disturb_prob(
    read_current_ua: ArrayLike, read_ns: ArrayLike, *, delta: float, ic0_ua: float, tau0_ns: float = 1.0
) -> np.ndarray:
    """Probability one read flips the bit: 1 - exp(-t_read/tau(I_read)), which is
    (t_read/tau0) exp(-Δ (1 - I_read/Ic0)) to first order."""
    return p_switch_thermal(read_current_ua, read_ns, delta=delta, ic0_ua=ic0_ua, tau0_ns=tau0_ns)


def tmr(r_p_ohm: ArrayLike, r_ap_ohm: ArrayLike) -> np.ndarray:
    """Tunnel magnetoresistance ratio (R_AP - R_P) / R_P (1.0 = 100 %)."""
    rp = np.asarray(r_p_ohm, dtype=np.float64)
    return (np.asarray(r_ap_ohm, dtype=np.float64) - rp) / rp


def resistance_from_ra(ra_ohm_um2: ArrayLike, area_um2: ArrayLike) -> np.ndarray:
    """Parallel-state resistance of a junction from its resistance-area product."""
    return np.asarray(ra_ohm_um2, dtype=np.float64) / np.asarray(area_um2, dtype=np.float64)


def write_energy_pj(
    current_ua: ArrayLike,
    pulse_ns: ArrayLike,
    resistance_ohm: ArrayLike | None = None,
    *,
    voltage_v: ArrayLike | None = None,
) -> np.ndarray:
    """Energy of one write pulse, E = V I t with V = I R (so I² R t), in pJ.

    `resistance_ohm` is the resistance of the whole write path (MTJ + access
    transistor + driver), not the MTJ alone; alternatively give the path voltage
    `voltage_v`. The NVSim sample cell (40.82 µA, 5 ns, 0.194 pJ) implies a path
    voltage of 0.95 V (`NVSIM_STT_WRITE_VOLTAGE_V`), i.e. ≈ 23.3 kΩ, well above
    R_AP = 12 kΩ -- the access transistor drops the rest.
    """
    if (resistance_ohm is None) == (voltage_v is None):
        raise ValueError("give exactly one of resistance_ohm or voltage_v")
    i = np.asarray(current_ua, dtype=np.float64) * 1e-6
    t = np.asarray(pulse_ns, dtype=np.float64) * 1e-9
    v = i * np.asarray(resistance_ohm, dtype=np.float64) if voltage_v is None else np.asarray(voltage_v, dtype=np.float64)
    return v * i * t * 1e12


def stt_word_write_cost(
    old_word: ArrayLike,
    new_word: ArrayLike,
    *,
    bits: int = 8,
    pulse_ns: float = NVSIM_STT.write_pulse_ns,
    pj_per_bit: float = NVSIM_STT.write_energy_pj,
    skip_unchanged: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(latency_ns, energy_pj) of a conventional STT-MRAM word write, all bits in parallel.

    With `skip_unchanged` (read-before-write), only differing bits are pulsed and an
    unchanged word costs nothing; otherwise every bit is written.
    """
    o = np.asarray(old_word, dtype=np.int64)
    n = np.asarray(new_word, dtype=np.int64)
    mask = (1 << bits) - 1
    changed = _popcount((o ^ n) & mask, bits) if skip_unchanged else np.full(np.broadcast(o, n).shape, bits)
    return np.where(changed > 0, pulse_ns, 0.0), changed * pj_per_bit


def _popcount(a: np.ndarray, bits: int) -> np.ndarray:
    return sum(((a >> b) & 1) for b in range(bits))


__all__ = [
    "MTJCell", "MTJParams", "current_for_p_switch", "NVSIM_STT", "NVSIM_STT_WRITE_VOLTAGE_V", "SECONDS_PER_YEAR", "TYPICAL_RANGES",
    "p_switch", "p_switch_precessional", "p_switch_thermal", "read_disturb_prob", "resistance_from_ra",
    "retention_failure_prob", "retention_time_s", "stt_word_write_cost", "thermal_tau_ns", "thermal_weight",
    "tmr", "wer_precessional", "write_energy_pj", "write_error_rate",
]
