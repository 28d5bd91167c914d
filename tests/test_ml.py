"""Digits networks through simulated hardware, and NAND-SPIN on-chip training."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sklearn")

from accelsim import load_hardware  # noqa: E402
from accelsim.config.mram import preset  # noqa: E402
from accelsim.devices.mtj import MTJParams, p_switch  # noqa: E402
from accelsim.devices.nand_spin import nand_spin_write_cost  # noqa: E402
from accelsim.ml import nets  # noqa: E402
from accelsim.ml.data import load_split  # noqa: E402
from accelsim.ml.digits import (  # noqa: E402
    Datapath, adc_sweep, flip_sweep, flip_weights, infer, quantise, write_sweep, write_weights)
from accelsim.ml.training import NandSpinWrites, decode, encode, train_in_mram, write_words  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def split():
    return load_split(0)


@pytest.fixture(scope="module")
def mlp_q(split):
    net = nets.train(nets.mlp(np.random.default_rng(1)), split.x_train, split.y_train, np.random.default_rng(2),
                     epochs=10)
    return net, quantise(net, split.x_train, 8)


@pytest.mark.parametrize("make, shape", [(nets.mlp, (1, 8)), (nets.cnn, (1, 8)),
                                         (lambda rng: nets.cnn(rng, channels=3, size=32), (3, 32))])
def test_backward_matches_finite_differences(make, shape):
    rng = np.random.default_rng(0)
    net = make(rng)
    x, y = rng.random((3, shape[0], shape[1], shape[1])), np.array([0, 4, 9])
    logits, caches = nets.forward(net, x, keep=True)
    grads = nets.backward(net, caches, nets.softmax_xent(logits, y)[1])
    for layer, pair in zip(net.compute, grads):
        for p, g in zip((layer.w, layer.b), pair):
            for _ in range(3):
                idx = tuple(int(rng.integers(0, s)) for s in p.shape)
                old = p[idx]
                p[idx] = old + 1e-6
                up = nets.softmax_xent(nets.forward(net, x), y)[0]
                p[idx] = old - 1e-6
                down = nets.softmax_xent(nets.forward(net, x), y)[0]
                p[idx] = old
                assert g[idx] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8)


def test_mlp_trains_to_threshold(split, mlp_q):
    net, q = mlp_q
    assert nets.accuracy(nets.forward(net, split.x_test), split.y_test) >= 0.94
    assert nets.accuracy(infer(q, split.x_test), split.y_test) >= 0.93    # 8-bit integer network


def test_lossless_adc_reproduces_integer_network_bit_for_bit(split, mlp_q):
    _, q = mlp_q
    exact = infer(q, split.x_test[:100])
    for dp in (Datapath(adc_bits=9), Datapath(adc_bits=9, encoding="differential"), Datapath(cell_bits=1, adc_bits=8)):
        np.testing.assert_array_equal(infer(q, split.x_test[:100], dp), exact)


def test_from_hardware_reads_the_config():
    dp = Datapath.from_hardware(load_hardware(ROOT / "hwconfigs" / "neurosim_reram.yaml"))
    assert dp == Datapath(dac_bits=1, cell_bits=2, rows=128, cols=128, adc_bits=5, encoding="offset")
    isaac = Datapath.from_hardware(load_hardware(ROOT / "hwconfigs" / "isaac.yaml"))
    assert isaac.adc_bits == 9  # 8 bits + weight flipping


def test_fault_free_storage_is_identity(mlp_q):
    _, q = mlp_q
    rng = np.random.default_rng(0)
    for enc in ("offset", "differential"):
        for got, want in zip(flip_weights(q, enc, 0.0, rng), q.weights):
            np.testing.assert_array_equal(got, want)
        for got, want in zip(write_weights(q, enc, 1.0, rng), q.weights):
            np.testing.assert_array_equal(got, want)
    # p = 0 leaves the (random) old contents: almost every weight is wrong
    assert np.mean(write_weights(q, "offset", 0.0, rng)[0] != q.weights[0]) > 0.9


def test_accuracy_is_monotone_on_a_reduced_grid(split, mlp_q):
    _, q = mlp_q
    x, y = split.x_test, split.y_test
    reram = Datapath(adc_bits=5)
    adc = adc_sweep(q, x, y, reram, [4, 6, 9])
    assert adc[0] <= adc[1] <= adc[2] and adc[2] - adc[0] > 0.5
    flips = flip_sweep(q, x, y, replace(reram, adc_bits=9), [1e-4, 1e-2, 1e-1], trials=3).mean(axis=1)
    assert flips[0] >= flips[1] >= flips[2] and flips[0] - flips[2] > 0.5
    stt = preset("stt_mram")
    ps = [float(p_switch(stt["write_current_ua"], t, MTJParams(stt["delta"], stt["ic0_ua"]))) for t in (2.0, 5.0, 10.0)]
    writes = write_sweep(q, x, y, Datapath(cell_bits=1, adc_bits=8), ps, trials=3).mean(axis=1)
    assert writes[0] <= writes[1] <= writes[2] and writes[2] - writes[0] > 0.5


# --- NAND-SPIN training ----------------------------------------------------------------------------

def test_defaults_are_the_preset():
    assert NandSpinWrites() == NandSpinWrites.from_preset()
    cfg = NandSpinWrites.from_preset(pulse_ns=5.0, current_ua=40.82)
    assert cfg.program_pj == pytest.approx(preset("nand_spin")["write_energy_pj_per_bit"], rel=1e-12)
    assert 0.9 < NandSpinWrites.from_preset(pulse_ns=1.0).p_switch < 0.99    # 1 ns: often, not always
    assert NandSpinWrites.from_preset(pulse_ns=3.0).p_switch > 1 - 1e-8


def test_sign_magnitude_round_trip():
    v = np.arange(-127, 128)
    np.testing.assert_array_equal(decode(encode(v, 8), 8), v)
    assert encode(np.array([-1]), 8)[0] == 0b1000_0001


@pytest.mark.parametrize("word_bits", [8, 16])
def test_long_pulses_store_exactly_and_cost_nand_spin_sums(word_bits):
    cfg = NandSpinWrites.from_preset(pulse_ns=50.0)
    assert cfg.p_switch == 1.0
    rng = np.random.default_rng(0)
    old = rng.integers(0, 1 << word_bits, size=500)
    new = np.where(rng.random(500) < 0.3, old, rng.integers(0, 1 << word_bits, size=500))
    stored, tot, word_ns = write_words(old, new, cfg, word_bits, np.random.default_rng(1))
    np.testing.assert_array_equal(stored, new)
    lat = np.zeros(500)
    energy = 0.0
    for j in range(word_bits // 8):
        og, ng = (old >> 8 * j) & 255, (new >> 8 * j) & 255
        ln, en = nand_spin_write_cost(og, ng, 8, erase_ns=cfg.erase_ns, erase_pj=cfg.erase_pj,
                                      program_ns=cfg.pulse_ns, program_pj_per_bit=cfg.program_pj)
        lat = np.maximum(lat, np.where(og != ng, ln, 0.0))   # groups of a word in parallel
        energy += float(np.where(og != ng, en, 0.0).sum())
    np.testing.assert_array_equal(word_ns, lat)
    assert tot["energy_pj"] == pytest.approx(energy, rel=1e-12) and tot["failed_bits"] == 0
    assert (word_ns[old == new] == 0).all()


def test_short_pulses_only_lose_ones_and_still_cost_the_first_pass():
    cfg = NandSpinWrites.from_preset(pulse_ns=1.0)
    rng = np.random.default_rng(0)
    old, new = rng.integers(0, 256, size=4000), rng.integers(0, 256, size=4000)
    stored, tot, word_ns = write_words(old, new, cfg, 8, np.random.default_rng(1))
    changed = old != new
    assert (stored[changed] & ~new[changed] == 0).all()            # erased, then some 1s failed
    assert (stored[~changed] == old[~changed]).all()
    ones = sum(((new[changed] >> b) & 1).sum() for b in range(8))
    # every failed bit is a 1 that stayed 0: Binomial(ones, 1 - p), within 5 sigma
    q = 1 - cfg.p_switch
    assert abs(tot["failed_bits"] - ones * q) < 5 * np.sqrt(ones * q * (1 - q))
    ln, en = nand_spin_write_cost(old, new, 8, erase_ns=cfg.erase_ns, erase_pj=cfg.erase_pj,
                                  program_ns=cfg.pulse_ns, program_pj_per_bit=cfg.program_pj)
    np.testing.assert_allclose(word_ns, np.where(changed, ln, 0.0), rtol=0, atol=0)
    assert tot["energy_pj"] == pytest.approx(float(en[changed].sum()), rel=1e-12)


def test_verify_repairs_and_pays_reads():
    cfg = NandSpinWrites.from_preset(pulse_ns=1.0, verify=True, max_attempts=8)
    rng = np.random.default_rng(0)
    old, new = rng.integers(0, 256, size=4000), rng.integers(0, 256, size=4000)
    stored, tot, word_ns = write_words(old, new, cfg, 8, np.random.default_rng(1))
    np.testing.assert_array_equal(stored, new)   # a bit fails 8 pulses with (0.03)^8 ~ 6e-13
    ln, _ = nand_spin_write_cost(old, new, 8, erase_ns=cfg.erase_ns, program_ns=cfg.pulse_ns)
    program = (old != new) & (new != 0)   # a target of 0 is done by the erase: nothing to verify
    assert (word_ns[program] >= ln[program] + cfg.read_ns).all()   # at least one verify read
    assert (word_ns[(old != new) & (new == 0)] == cfg.erase_ns).all()
    assert tot["bit_pulses"] > sum(((new[old != new] >> b) & 1).sum() for b in range(8))  # some retries


def test_training_in_mram_reaches_threshold_and_is_reproducible(split):
    exact = NandSpinWrites.from_preset(pulse_ns=3.0)
    a = train_in_mram(split, exact, epochs=3, seed=0)
    assert a["accuracy"].iloc[-1] >= 0.85 and (a["failed_bits"] == 0).all()
    pd.testing.assert_frame_equal(a, train_in_mram(split, exact, epochs=3, seed=0))
    fast = train_in_mram(split, NandSpinWrites.from_preset(pulse_ns=1.0, verify=True), epochs=3, seed=0)
    # verified 1 ns writes store what 3 ns writes store: same trajectory, cheaper write phase
    assert fast["accuracy"].tolist() == a["accuracy"].tolist()
    assert fast["write_ns"].sum() < a["write_ns"].sum() and fast["energy_pj"].sum() < a["energy_pj"].sum()


def test_cifar_shaped_task_is_seeded_and_shaped():
    from accelsim.ml.data import cifar_shaped

    a, b = cifar_shaped(3, train=40, test=10), cifar_shaped(3, train=40, test=10)
    assert a.x_train.shape == (40, 3, 32, 32) and a.x_test.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert a.x_train.min() >= 0 and a.x_train.max() <= 1 and set(a.y_train) <= set(range(10))
    assert not np.array_equal(a.x_train, cifar_shaped(4, train=40, test=10).x_train)
