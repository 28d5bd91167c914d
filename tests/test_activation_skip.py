"""Zero activations: Eyeriss's data gating (energy) and skipping in time (hand-worked cycles),
with the zero share measured by the data pass on the sampled inputs."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import accelsim
from accelsim.workload import Layer, Workload
from accelsim.workload.activations import zero_activation_shares
from accelsim.workload.mapping.row_stationary import map_row_stationary
from accelsim.workload.mapping.zero_skip import product_pmf, skip_zeros, sum_pmf
from tests.conftest import ROOT

EYERISS = ROOT / "hwconfigs" / "eyeriss.yaml"
SMALL = {"compute.rows": 3, "compute.cols": 6, "compute.filter_spad_words": 3, "compute.ifmap_spad_words": 3,
         "compute.psum_spad_words": 1}


def test_product_and_sum_by_hand():
    # A in {0, 2} fair, B in {1, 2} fair: A x B in {0, 2, 4} with 1/2, 1/4, 1/4
    np.testing.assert_allclose(product_pmf(np.array([0.5, 0, 0.5]), np.array([0, 0.5, 0.5])), [0.5, 0, 0.25, 0, 0.25])
    # two fair coins: 1/4, 1/2, 1/4; the FFT branch agrees with the direct sum
    np.testing.assert_allclose(sum_pmf(np.array([0.5, 0.5]), 2), [0.25, 0.5, 0.25])
    long = np.full(300, 1 / 300)
    direct = np.convolve(np.convolve(long, long), long)
    np.testing.assert_allclose(sum_pmf(long, 3), direct, atol=1e-15)


def test_activation_skipping_pass_cycles_by_hand():
    # 3x3 conv on a 3 x 6 array (as tests/test_zero_skip.py): q = p = 1, e = 6, r = 3: 18 PEs,
    # each with its own ifmap row of W = (Q - 1) + S = 8 inputs; dense pass p q S Q = 18 cycles.
    hw = accelsim.load_hardware(EYERISS, {**SMALL, "compute.activation_skipping": True})
    layer = Layer(name="c", kind="conv", C=8, H=8, W=8, K=5, R=3, S=3)
    plan = map_row_stationary(layer, hw)
    assert plan.fold_cycles == 18
    # half the inputs zero, one input per decision: a PE keeps A ~ Binomial(8, 1/2) inputs and each
    # meets all 3 (dense) weights, scaled by Q / W = 6 / 8; the pass waits for the slowest of 18 PEs
    cdf = [Fraction(sum(math.comb(8, i) for i in range(k + 1)), 256) for k in range(9)]
    e_max = sum(1 - c**18 for c in cdf[:-1])                     # E[max] = sum over k of P(max > k)
    cycles = math.ceil(Fraction(6, 8) * 3 * e_max)
    assert cycles == 15                                           # 0.75 x 3 x 6.48 = 14.6
    skipped = skip_zeros(plan, 1.0, hw, 0.5)
    assert skipped.fold_cycles == cycles and skipped.folds == plan.folds
    assert skipped.time_density == 0.5
    # blocks of 4 inputs: a block is all zero with 1/16 only, so the slowest PE keeps all 8
    coarse = accelsim.load_hardware(hw, {"compute.activation_skip_granularity": 4})
    assert skip_zeros(plan, 1.0, coarse, 0.5).fold_cycles == 18
    # no zero activations: the weights-only pass (tests/test_zero_skip.py's 14 cycles)
    assert skip_zeros(plan, 0.5, hw, 1.0).fold_cycles == 14
    assert skip_zeros(plan, 1.0, hw, 1.0) is plan


def _toy(tmp_path, zero_share: float):
    """conv -> fc workload and an .npz of inputs with an exact share of zeros."""
    wl = accelsim.load_workload(ROOT / "workloads" / "toy3.yaml")
    rng = np.random.default_rng(7)
    arrays = {}
    for layer in wl.layers:
        if not layer.has_weights:
            continue
        m, k, _ = layer.gemm
        v = min(64, m)
        x = rng.integers(1, 100, size=(layer.groups, v, k))
        zero = rng.permutation(x.size)[: round(zero_share * x.size)]
        x.reshape(-1)[zero] = 0
        arrays[f"{layer.name}.input"] = x.astype(np.int64) if layer.groups > 1 else x[0].astype(np.int64)
    path = tmp_path / "inputs.npz"
    np.savez(path, **arrays)
    return wl, path


def test_data_pass_measures_the_given_inputs_and_reaches_the_mapping(tmp_path):
    wl, npz = _toy(tmp_path, 0.75)
    hw = accelsim.load_hardware(EYERISS, {"compute.activation_skipping": True})
    shares = zero_activation_shares(hw, wl, np.random.default_rng([0, 1]), npz, 64)
    assert set(shares) == {layer.name for layer in wl.layers if layer.has_weights}
    for name, share in shares.items():
        assert share == pytest.approx(0.75, abs=1e-3)
    r = accelsim.simulate(hw, wl, tensors=npz, functional_vectors=64)
    dense = accelsim.simulate(EYERISS, wl)
    conv = r.layers[r.layers["type"] == "conv"]
    assert (conv["timed_macs"] / conv["macs"]).round(3).tolist() == [0.25] * len(conv)   # nonzero share
    assert (conv["compute_cycles"] < dense.layers.loc[conv.index, "compute_cycles"]).all()


def test_synthetic_inputs_are_half_zero_and_fast_equals_fine():
    wl = accelsim.load_workload(ROOT / "workloads" / "alexnet.yaml")
    small = Workload("w", tuple(layer for layer in wl.layers if layer.name in ("conv3", "conv5")), wl.source, wl.path)
    hw = accelsim.load_hardware(EYERISS, {"compute.activation_skipping": True})
    shares = zero_activation_shares(hw, small, np.random.default_rng([0, 1]))
    assert all(abs(s - 0.5) < 0.01 for s in shares.values())
    runs = {f: accelsim.simulate(hw, small, fidelity=f) for f in ("fast", "fine")}
    assert runs["fast"].layers["compute_cycles"].tolist() == runs["fine"].layers["compute_cycles"].tolist()
    dense = accelsim.simulate(accelsim.load_hardware(EYERISS, {"compute.activation_gating": False}), small)
    ratio = runs["fast"].layers["compute_cycles"].sum() / dense.layers["compute_cycles"].sum()
    assert 0.5 < ratio < 0.75          # half the MACs, plus the load-balancing loss over 168 PEs


def test_gating_saves_the_mac_and_filter_read_of_zero_activations_not_time(tmp_path):
    wl, npz = _toy(tmp_path, 0.5)
    gating = accelsim.load_hardware(EYERISS, {"compute.activation_gating": True, "static_power": None})
    bare = accelsim.load_hardware(EYERISS, {"compute.activation_gating": False, "static_power": None})
    g, d = accelsim.simulate(gating, wl, tensors=npz, functional_vectors=64), accelsim.simulate(bare, wl)
    assert g.layers["cycles"].tolist() == d.layers["cycles"].tolist()
    c = g.components.set_index(["component", "stat"])["value"]
    gated, macs = float(c[("pe_array", "act_gated_macs")]), float(d.summary["macs"])
    conv_fc = g.layers["macs"].sum()
    assert gated == pytest.approx(0.5 * conv_fc, rel=2e-3)
    # each gated MAC saves the MAC (1 pJ) and the filter scratchpad read (1 pJ); 3 accesses remain
    assert d.summary["energy_pj"] - g.summary["energy_pj"] == pytest.approx(2.0 * gated, rel=1e-9)
    assert macs == conv_fc


def test_skipping_needs_the_row_stationary_dataflow():
    with pytest.raises(accelsim.ConfigError):
        accelsim.load_hardware(ROOT / "hwconfigs" / "systolic_32x32.yaml", {"compute.activation_skipping": True})
