"""Device curves against their closed forms and the reference-sheet numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.devices import adc, mtj, nand_spin, reram

FAST = settings(max_examples=60, deadline=None)


# ------------------------------------------------------------------ MTJ
@FAST
@given(delta=st.floats(40, 80), ic0=st.floats(20, 100), frac=st.floats(0, 0.999), t=st.floats(0.01, 1e4),
       tau0=st.floats(0.5, 2))
def test_thermal_closed_form(delta, ic0, frac, t, tau0):
    i = frac * ic0
    tau = tau0 * math.exp(delta * (1 - i / ic0))
    assert mtj.thermal_tau_ns(i, delta=delta, ic0_ua=ic0, tau0_ns=tau0) == pytest.approx(tau, rel=1e-12)
    p = mtj.p_switch_thermal(i, t, delta=delta, ic0_ua=ic0, tau0_ns=tau0)
    assert p == pytest.approx(-math.expm1(-t / tau), rel=1e-9)  # 1 - exp(-t/tau), without cancellation


def test_thermal_tau_is_held_at_tau0_above_ic0():
    assert mtj.thermal_tau_ns(80.0, delta=60, ic0_ua=40, tau0_ns=1.0) == 1.0
    assert mtj.thermal_tau_ns(0.0, delta=60, ic0_ua=40, tau0_ns=1.0) == pytest.approx(math.exp(60))


@FAST
@given(delta=st.floats(40, 80), ic0=st.floats(20, 100), over=st.floats(1.001, 5), t=st.floats(0.01, 10),
       tau_d=st.floats(0.1, 3))
def test_precessional_closed_form(delta, ic0, over, t, tau_d):
    i = over * ic0
    wer = 1 - math.exp(-(math.pi**2 * delta / 4) * math.exp(-2 * (over - 1) * t / tau_d))
    got = mtj.wer_precessional(i, t, delta=delta, ic0_ua=ic0, tau_d_ns=tau_d)
    assert got == pytest.approx(wer, rel=1e-9, abs=1e-15)
    p = mtj.p_switch_precessional(i, t, delta=delta, ic0_ua=ic0, tau_d_ns=tau_d)
    assert p + got == pytest.approx(1.0, abs=1e-12)


def test_retention_reference_values():
    years40 = mtj.retention_time_s(40) / mtj.SECONDS_PER_YEAR
    years60 = mtj.retention_time_s(60) / mtj.SECONDS_PER_YEAR
    assert 7.3 < years40 < 7.6  # "Δ = 40 ≈ 7.5 years"
    assert years60 == pytest.approx(3.6e9, rel=0.01)  # "Δ = 60 ≈ 3.6e9 years"
    assert mtj.retention_time_s(40) == pytest.approx(1e-9 * math.exp(40), rel=1e-12)


@FAST
@given(delta=st.floats(30, 80), t=st.floats(1e-3, 1e12))
def test_retention_failure_closed_form(delta, t):
    t_ret = 1e-9 * math.exp(delta)
    assert mtj.retention_failure_prob(t, delta) == pytest.approx(-math.expm1(-t / t_ret), rel=1e-9)


def test_retention_failure_small_time_is_linear():
    t_ret = mtj.retention_time_s(60)
    assert mtj.retention_failure_prob(3600.0, 60) == pytest.approx(3600.0 / t_ret, rel=1e-9)


@FAST
@given(delta=st.floats(40, 80), ic0=st.floats(20, 100), frac=st.floats(0.05, 0.5), t=st.floats(0.1, 20))
def test_read_disturb_first_order_form(delta, ic0, frac, t):
    approx = (t / 1.0) * math.exp(-delta * (1 - frac))
    got = mtj.read_disturb_prob(frac * ic0, t, delta=delta, ic0_ua=ic0)
    assert got == pytest.approx(approx, rel=1e-6)  # tiny probabilities: 1 - e^-x = x to first order
    assert got <= approx * (1 + 1e-12)  # 1 - e^-x <= x


def test_p_switch_blend_regimes_and_continuity():
    prm = mtj.MTJParams(delta=60, ic0_ua=40, tau0_ns=1.0, tau_d_ns=1.0)
    kw = dict(delta=60, ic0_ua=40)
    # sub-ns: precession only
    for i, t in [(80, 0.3), (60, 0.9), (30, 0.5)]:
        assert mtj.p_switch(i, t, prm) == mtj.p_switch_precessional(i, t, tau_d_ns=1.0, **kw)
    # >= 10 ns: the more favourable of the two textbook formulas
    for i, t in [(30, 10.0), (35, 50.0), (45, 12.0)]:
        both = max(mtj.p_switch_thermal(i, t, tau0_ns=1.0, **kw), mtj.p_switch_precessional(i, t, tau_d_ns=1.0, **kw))
        assert mtj.p_switch(i, t, prm) == pytest.approx(both, rel=1e-12)
    # continuity at the blend edges
    for t0 in (1.0, 10.0):
        for i in (30.0, 40.5, 60.0):
            lo, hi = mtj.p_switch(i, t0 * (1 - 1e-9), prm), mtj.p_switch(i, t0 * (1 + 1e-9), prm)
            assert abs(hi - lo) < 1e-6


@FAST
@given(delta=st.floats(40, 80), ic0=st.floats(20, 100), tau_d=st.floats(0.2, 3))
def test_p_switch_monotone_and_bounded(delta, ic0, tau_d):
    prm = mtj.MTJParams(delta=delta, ic0_ua=ic0, tau_d_ns=tau_d)
    t = np.geomspace(0.05, 100, 400)
    i = np.linspace(0, 3 * ic0, 300)
    p = mtj.p_switch(i[:, None], t[None, :], prm)
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p, axis=0) >= 0)  # more current never hurts
    assert np.all(np.diff(p, axis=1) >= 0)  # longer pulses never hurt
    assert mtj.write_error_rate(ic0 * 3, 100.0, prm) == pytest.approx(0.0, abs=1e-9)


def test_write_energy_matches_nvsim_sample():
    cell = mtj.NVSIM_STT
    assert mtj.NVSIM_STT_WRITE_VOLTAGE_V == pytest.approx(0.95, abs=0.001)
    e = mtj.write_energy_pj(cell.write_current_ua, cell.write_pulse_ns, voltage_v=0.95)
    assert e == pytest.approx(0.194, rel=0.002)
    r_path = mtj.NVSIM_STT_WRITE_VOLTAGE_V / (cell.write_current_ua * 1e-6)
    assert mtj.write_energy_pj(cell.write_current_ua, cell.write_pulse_ns, r_path) == pytest.approx(0.194, rel=1e-9)
    # I^2 R t closed form: 100 µA through 10 kΩ for 2 ns = 0.2 pJ
    assert mtj.write_energy_pj(100.0, 2.0, 10e3) == pytest.approx(0.2, rel=1e-12)
    with pytest.raises(ValueError, match="exactly one"):
        mtj.write_energy_pj(1.0, 1.0)
    with pytest.raises(ValueError, match="exactly one"):
        mtj.write_energy_pj(1.0, 1.0, 1.0, voltage_v=1.0)


def test_cell_numbers_and_ranges():
    cell = mtj.NVSIM_STT
    assert cell.tmr == pytest.approx(1.0)
    lo, hi = mtj.TYPICAL_RANGES["tmr_percent"]
    assert lo <= 100 * cell.tmr <= hi
    assert (cell.area_f2, cell.read_voltage_v) == (57.5, 0.25)
    assert mtj.resistance_from_ra(7.5, 0.0025) == pytest.approx(3000.0)
    prm = mtj.MTJParams()
    assert mtj.TYPICAL_RANGES["delta"][0] <= prm.delta <= mtj.TYPICAL_RANGES["delta"][1]
    assert mtj.TYPICAL_RANGES["ic0_ua"][0] <= prm.ic0_ua <= mtj.TYPICAL_RANGES["ic0_ua"][1]


def test_stt_word_write_cost():
    lat, e = mtj.stt_word_write_cost(0b1010_0000, 0b1010_0111, bits=8, pulse_ns=5.0, pj_per_bit=0.2)
    assert (lat, e) == (5.0, pytest.approx(0.6))
    lat, e = mtj.stt_word_write_cost(7, 7, bits=8, pulse_ns=5.0, pj_per_bit=0.2)
    assert (lat, e) == (0.0, 0.0)
    lat, e = mtj.stt_word_write_cost(7, 7, bits=8, pulse_ns=5.0, pj_per_bit=0.2, skip_unchanged=False)
    assert (lat, e) == (5.0, pytest.approx(1.6))


def test_mtj_validation():
    with pytest.raises(ValueError, match="ic0_ua"):
        mtj.thermal_tau_ns(1.0, delta=60, ic0_ua=0.0)
    with pytest.raises(ValueError, match="non-negative"):
        mtj.p_switch(-1.0, 1.0)
    with pytest.raises(ValueError, match="pulse_ns"):
        mtj.p_switch(1.0, -1.0)


# ------------------------------------------------------------------ NAND-SPIN
def test_nand_spin_closed_form():
    lat, e = nand_spin.nand_spin_write_cost(0b1111_0000, 0b0000_1011, 8, erase_ns=1.0, erase_pj=0.2,
                                            program_ns=5.0, program_pj_per_bit=0.2)
    assert lat == pytest.approx(1.0 + 3 * 5.0) and e == pytest.approx(0.2 + 3 * 0.2)
    lat, _ = nand_spin.nand_spin_write_cost(0, 0b0000_1011, 8, erase_ns=1.0, program_ns=5.0, program_parallel=2)
    assert lat == pytest.approx(1.0 + 2 * 5.0)  # ceil(3/2) program steps
    lat, e = nand_spin.nand_spin_write_cost(0, 0, 8)
    assert (lat, e) == (pytest.approx(1.0), pytest.approx(0.2))  # erase always happens by default


def test_nand_spin_skip_erase():
    kw = dict(erase_ns=1.0, erase_pj=0.2, program_ns=5.0, program_pj_per_bit=0.1, skip_erase=True)
    lat, e = nand_spin.nand_spin_write_cost(0b0001, 0b0111, 8, **kw)  # only sets bits: program 2, no erase
    assert (lat, e) == (pytest.approx(10.0), pytest.approx(0.2))
    lat, e = nand_spin.nand_spin_write_cost(0b0011, 0b0001, 8, **kw)  # clears a bit: erase + program 1
    assert (lat, e) == (pytest.approx(6.0), pytest.approx(0.3))
    lat, e = nand_spin.nand_spin_write_cost(0b0101, 0b0101, 8, **kw)  # unchanged: free
    assert (lat, e) == (0.0, 0.0)
    words = np.arange(256)
    lat, e = nand_spin.nand_spin_write_cost(words[:, None], words[None, :], 8, **kw)
    assert lat.shape == (256, 256)


def test_nand_spin_defaults_match_published_claims():
    words = np.arange(256)
    _, e = nand_spin.nand_spin_write_cost(0, words, 8)  # every possible 8-bit word, equally likely
    ratio = nand_spin.stt_baseline_energy_pj(8) / e.mean()
    assert 3.0 <= ratio <= 5.0  # "3-5x less write energy than STT-MRAM"
    area = nand_spin.SOT_CELL_AREA_F2 / nand_spin.DEFAULT.cell_area_f2_per_bit
    assert 2.0 <= area <= 4.0  # "2-4x smaller cell than SOT"
    lo, hi = mtj.TYPICAL_RANGES["stt_write_pj_per_bit"]
    assert lo <= nand_spin.STT_BASELINE_PJ_PER_BIT <= hi
    lo, hi = mtj.TYPICAL_RANGES["sot_write_ns"]
    assert lo <= nand_spin.DEFAULT.erase_ns <= hi


def test_nand_spin_validation():
    with pytest.raises(ValueError, match="new_word"):
        nand_spin.nand_spin_write_cost(0, 256, 8)
    with pytest.raises(ValueError, match="program_parallel"):
        nand_spin.nand_spin_write_cost(0, 1, 8, program_parallel=0)
    with pytest.raises(ValueError, match="group_bits"):
        nand_spin.nand_spin_write_cost(0, 1, 0)


# ------------------------------------------------------------------ ReRAM
def test_reram_levels_linear_in_conductance():
    p = reram.NEUROSIM_V13
    assert (p.r_on_ohm, p.r_off_ohm, p.cell_bits, p.rows, p.cols, p.read_voltage_v, p.read_ns) == (
        6e3, 900e3, 2, 128, 128, 0.5, 10.0)
    g = reram.conductance_levels(2, p.g_on_s, p.g_off_s)
    assert g[0] == pytest.approx(1 / 900e3) and g[-1] == pytest.approx(1 / 6e3)
    np.testing.assert_allclose(np.diff(g), (1 / 6e3 - 1 / 900e3) / 3, rtol=1e-12)
    lv = np.arange(4)
    np.testing.assert_allclose(reram.effective_level(reram.level_conductance(lv, 2, p.g_on_s, p.g_off_s), 2,
                                                     p.g_on_s, p.g_off_s), lv, atol=1e-12)
    assert reram.off_offset_levels(2, p.g_on_s, p.g_off_s) == pytest.approx(3 / (150 - 1))


def test_reram_read_energy_and_nvsim_sample():
    p = reram.NEUROSIM_V13
    assert reram.cell_read_energy_pj(p.g_on_s, 0.5, 10.0) == pytest.approx(0.25 / 6e3 * 10e-9 * 1e12)
    s = reram.NVSIM_RRAM
    assert (s.r_on_ohm, s.r_off_ohm, s.write_voltage_v, s.write_ns, s.write_pj, s.read_voltage_v, s.read_pj) == (
        100e3, 10e6, 2.0, 10.0, 0.6, 0.4, 0.1)
    assert s.on_off_ratio == pytest.approx(100.0)


def test_reram_validation():
    with pytest.raises(ValueError, match="r_on_ohm"):
        reram.ReRAMParams(r_on_ohm=10e3, r_off_ohm=5e3)
    with pytest.raises(ValueError, match="variation"):
        reram.ReRAMParams(r_on_ohm=1e3, r_off_ohm=5e3, variation="uniform")
    with pytest.raises(ValueError, match="levels"):
        reram.level_conductance([4], 2, 1e-3, 1e-6)


# ------------------------------------------------------------------ ADC
def test_adc_table_points_exact():
    np.testing.assert_array_equal(adc.adc_energy_pj(np.arange(4, 11)), [0.79, 0.99, 1.20, 1.42, 1.67, 1.97, 2.38])
    np.testing.assert_array_equal(adc.adc_area_um2(np.arange(4, 11)), [361, 477, 627, 845, 1200, 1828, 3002])
    assert adc.adc_energy_pj(8) == 1.67


def test_adc_log_linear_interpolation_and_extrapolation():
    assert adc.adc_energy_pj(4.5) == pytest.approx(math.sqrt(0.79 * 0.99), rel=1e-12)
    assert adc.adc_area_um2(9.5) == pytest.approx(math.sqrt(1828 * 3002), rel=1e-12)
    assert adc.adc_energy_pj(12) == pytest.approx(2.38 * (2.38 / 1.97) ** 2, rel=1e-12)
    assert adc.adc_area_um2(3) == pytest.approx(361 * 361 / 477, rel=1e-12)
    b = np.linspace(1, 16, 300)
    assert np.all(np.diff(adc.adc_energy_pj(b)) > 0) and np.all(np.diff(adc.adc_area_um2(b)) > 0)


def test_adc_rate_scaling():
    assert adc.adc_energy_pj(8, 2.4) == adc.adc_energy_pj(8, 1.2) == adc.adc_energy_pj(8, 0.1)
    assert adc.adc_area_um2(8, 2.4) == pytest.approx(2 * 1200)
    assert adc.adc_area_um2(8, 0.6) == pytest.approx(1200)
    # Walden FOM: 1 mW, 8 bits, 1 GS/s -> 1e-3 / (256 * 1e9) J = 3.90625 fJ
    assert adc.walden_fom_fj(1.0, 8, 1.0) == pytest.approx(3.90625)
    with pytest.raises(ValueError, match="rate"):
        adc.adc_energy_pj(8, 0.0)
    with pytest.raises(ValueError, match="bits"):
        adc.adc_area_um2(0)


@FAST
@given(rows=st.integers(1, 4096), d=st.integers(1, 8), c=st.integers(1, 8))
def test_adc_bits_needed_closed_form(rows, d, c):
    top = rows * (2**d - 1) * (2**c - 1)
    assert adc.adc_bits_needed(rows, d, c) == math.ceil(math.log2(top + 1))


def test_isaac_formula():
    assert adc.adc_bits_needed(128, 1, 2) == 9
    assert adc.isaac_adc_bits(128, 1, 2) == 9
    assert adc.isaac_adc_bits(128, 1, 2, flip_encoding=True) == 8
    for r in (16, 64, 128, 256, 512):
        for v in range(1, 5):
            for w in range(1, 5):
                assert adc.isaac_adc_bits(r, v, w) == adc.adc_bits_needed(r, v, w)
    with pytest.raises(ValueError, match="power of two"):
        adc.isaac_adc_bits(100, 1, 2)
