"""Stochastic-switching training in NAND-SPIN: the switching probability is the rounding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from accelsim.devices.mtj import MTJParams, current_for_p_switch, p_switch
from accelsim.devices.nand_spin import nand_spin_write_cost
from accelsim.ml.spin_training import SpinTraining, Strips, write_update
from tests import naive


@pytest.mark.parametrize("pulse_ns", [0.5, 1.0, 3.0, 10.0])
def test_current_for_p_switch_is_the_smallest_current_reaching_p(pulse_ns):
    params = MTJParams(delta=60.0, ic0_ua=20.0)
    q = np.array([0.0, 1e-6, 0.01, 0.1, 0.3, 0.5, 0.76, 0.8, 0.9, 0.97, 0.9999])
    fast = current_for_p_switch(q, pulse_ns, params, max_ua=105.0)
    slow = naive.current_for_p_switch(p_switch, q, pulse_ns, params, max_ua=105.0)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    reach = p_switch(105.0, pulse_ns, params)
    ok = q <= reach
    np.testing.assert_allclose(p_switch(fast[ok], pulse_ns, params), q[ok], rtol=1e-9, atol=1e-12)


def test_defaults_are_the_preset_and_the_calibration():
    cfg = SpinTraining.from_preset()
    assert cfg == SpinTraining()
    assert 1 - cfg.p_cap(3.0) == pytest.approx(1.25e-9, rel=0.01)      # 3 ns at 105 uA: reliable
    assert cfg.p_cap(1.0) == pytest.approx(0.9703, abs=1e-4)            # 1 ns: often, not always


@pytest.mark.parametrize("pulse_ns", [3.0, 1.0])
def test_expected_stored_update_equals_the_intended_one(pulse_ns):
    cfg = SpinTraining.from_preset(pulse_ns=pulse_ns)
    rng = np.random.default_rng(7)
    n = 200_000
    u = rng.uniform(-2.5, 2.5, n)
    st = Strips.fresh(rng.integers(-100, 100, n), 8)
    before = st.value(8)
    write_update(st, u, cfg, np.random.default_rng(1), np.random.default_rng(2))
    delta = st.value(8) - before
    # each pulse is Bernoulli(q) with m q = |u|: Var(delta) = m q (1 - q) per weight
    m = np.ceil(np.abs(u) / cfg.p_cap() - 1e-12)
    q = np.abs(u) / m
    sigma = np.sqrt((m * q * (1 - q)).sum()) / n
    assert abs((delta - u).mean()) < 4 * sigma
    for lo in np.arange(-2.5, 2.5, 0.5):      # unbiased in every band of u, not only on average
        band = (u >= lo) & (u < lo + 0.5)
        s = np.sqrt((m * q * (1 - q))[band].sum()) / band.sum()
        assert abs((delta - u)[band].mean()) < 4 * s
    assert set(np.unique(delta)) <= set(range(-3, 4))


def test_only_fresh_accumulator_bits_are_pulsed_and_the_rest_never_changes():
    cfg = SpinTraining.from_preset(pulse_ns=1.0, reclaim=False)
    rng = np.random.default_rng(3)
    n = 5000
    st = Strips.fresh(rng.integers(-100, 100, n), 8)
    for _ in range(3):                                     # fill the accumulators part-way
        write_update(st, rng.uniform(-0.9, 0.9, n) * 0.5, cfg, rng, rng)
    keep = dict(main=st.main.copy(), plus=st.plus.copy(), minus=st.minus.copy(),
                pu=st.plus_used.copy(), mu=st.minus_used.copy())
    u = rng.uniform(-0.9, 0.9, n)
    tot, lat = write_update(st, u, cfg, np.random.default_rng(5), np.random.default_rng(6))
    folded = np.where(u > 0, keep["pu"], keep["mu"]) + 1 > 8
    steady = ~folded
    np.testing.assert_array_equal(st.main[steady], keep["main"][steady])
    up, down = steady & (u > 0), steady & (u < 0)
    # the untouched accumulator is unchanged; the pulsed one gained at most its one fresh bit
    np.testing.assert_array_equal(st.minus[up], keep["minus"][up])
    np.testing.assert_array_equal(st.plus[down], keep["plus"][down])
    fresh = np.where(u > 0, 1 << keep["pu"].clip(max=7), 1 << keep["mu"].clip(max=7))
    gained = np.where(u > 0, st.plus ^ keep["plus"], st.minus ^ keep["minus"])
    assert ((gained[steady] & ~fresh[steady]) == 0).all()
    assert ((np.where(u > 0, keep["plus"], keep["minus"]) & fresh)[steady] == 0).all()   # was erased
    assert tot["pulses"] == n and tot["folds"] == int(folded.sum())        # |u| < p_cap: one pulse each
    np.testing.assert_allclose(lat[steady], cfg.pulse_ns)


def test_a_fold_writes_the_sum_with_nand_spin_semantics_and_erases_the_accumulators():
    cfg = SpinTraining.from_preset(pulse_ns=1.0, main_pulse_ns=10.0, reclaim=False)  # p = 1: deterministic fold
    assert cfg.p_cap(10.0) == 1.0
    n = 64
    rng = np.random.default_rng(0)
    st = Strips.fresh(rng.integers(-60, 60, n), 8)
    st.plus[:] = rng.integers(0, 256, n)
    st.minus[:] = rng.integers(0, 256, n)
    st.plus_used[:] = 8
    st.minus_used[:] = 8
    target = st.value(8)
    old_main = st.main.copy()
    u = np.where(rng.random(n) < 0.5, 0.3, -0.3)
    tot, lat = write_update(st, u, cfg, np.random.default_rng(1), np.random.default_rng(2))
    assert tot["folds"] == n and tot["saturated"] == 0
    new_main = target & 255
    main = np.where(st.main >> 7 & 1, st.main - 256, st.main)
    np.testing.assert_array_equal(main, target)                          # folded exactly
    assert (st.plus_used + st.minus_used == 1).all()                     # erased, then this step's pulse
    w_lat, w_pj = nand_spin_write_cost(old_main, new_main, 8, erase_ns=cfg.erase_ns, erase_pj=cfg.erase_pj,
                                       program_ns=10.0, program_pj_per_bit=float(cfg.pulse_pj(105.0, 10.0)),
                                       skip_erase=True)
    np.testing.assert_allclose(lat, cfg.read_ns + np.maximum(w_lat, cfg.erase_ns) + cfg.pulse_ns)
    only_sets = (old_main & ~new_main) == 0
    to_set = np.where(only_sets, new_main & ~old_main, new_main)
    assert tot["main_pulses"] == sum(int(((to_set >> b) & 1).sum()) for b in range(8))


def test_a_reclaim_reads_and_reuses_the_mtjs_that_did_not_switch():
    cfg = SpinTraining.from_preset(pulse_ns=1.0)
    n = 256
    rng = np.random.default_rng(4)
    st = Strips.fresh(rng.integers(-60, 60, n), 8)
    st.plus[:] = np.arange(n)                          # every 8-bit pattern: 0 to 8 ones
    st.plus_used[:] = 8                                # all pulsed since the erase: a read is due
    keep = dict(main=st.main.copy(), minus=st.minus.copy(), value=st.value(8))
    ones = np.array([bin(v).count("1") for v in range(n)])
    tot, lat = write_update(st, np.full(n, 0.4), cfg, np.random.default_rng(1), np.random.default_rng(2))
    room = ones < 8                                    # a 0 left: reused, no write
    assert tot["reclaims"] == int(room.sum()) and tot["folds"] == int((~room).sum()) == 1
    np.testing.assert_array_equal(st.main[room], keep["main"][room])      # nothing written
    np.testing.assert_array_equal(st.minus, np.where(room, keep["minus"], 0))
    gained = st.value(8)[room] - keep["value"][room]
    assert set(np.unique(gained)) <= {0, 1}            # the one pulse, on a 0 the read found
    np.testing.assert_array_equal(st.plus_used[room], ones[room] + 1)
    np.testing.assert_allclose(lat[room], cfg.read_ns + cfg.pulse_ns)   # one read, one pulse
    assert tot["pulses"] == n and tot["main_pulses"] > 0                # only the full strip folds


def test_training_reaches_threshold_and_is_reproducible():
    pytest.importorskip("sklearn")
    from accelsim.ml.data import load_split
    from accelsim.ml.spin_training import train_cnn_in_nand_spin

    split = load_split(0)
    a = train_cnn_in_nand_spin(split, SpinTraining.from_preset(pulse_ns=1.0), epochs=3, seed=0)
    assert a["accuracy"].iloc[-1] >= 0.85
    pd.testing.assert_frame_equal(a, train_cnn_in_nand_spin(split, SpinTraining.from_preset(pulse_ns=1.0),
                                                             epochs=3, seed=0))
    b = train_cnn_in_nand_spin(split, SpinTraining.from_preset(pulse_ns=3.0), epochs=3, seed=0)
    assert a["write_ns"].sum() < b["write_ns"].sum()
