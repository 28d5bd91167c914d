"""Zero skipping in time on a row-stationary array: hand-worked cycles, fast == fine."""

from __future__ import annotations

import numpy as np
import pytest

import accelsim
from accelsim.workload import Layer, Workload
from accelsim.workload.mapping.zero_skip import expected_max, row_cost_pmf, skip_zeros
from accelsim.workload.mapping.row_stationary import map_row_stationary
from tests.conftest import ROOT

EYERISS = ROOT / "hwconfigs" / "eyeriss.yaml"


def test_row_cost_by_hand():
    # S = 3, d = 0.5, one weight per decision: Binomial(3, 1/2) = 1/8, 3/8, 3/8, 1/8
    np.testing.assert_allclose(row_cost_pmf(3, 0.5, 1), [1 / 8, 3 / 8, 3 / 8, 1 / 8])
    # blocks of 2 + 1: the pair is kept with 3/4 (costs 2), the single with 1/2 (costs 1)
    np.testing.assert_allclose(row_cost_pmf(3, 0.5, 2), [1 / 8, 1 / 8, 3 / 8, 3 / 8])
    # a whole row per decision: kept with 7/8, costs 3
    np.testing.assert_allclose(row_cost_pmf(3, 0.5, 3), [1 / 8, 0, 0, 7 / 8])


def test_expected_max_by_hand():
    # two fair coins on {1, 3}: max is 3 unless both are 1 -> 3 * 3/4 + 1 * 1/4 = 2.5
    assert expected_max(np.array([0, 0.5, 0, 0.5]), 2) == pytest.approx(2.5)
    assert expected_max(np.array([0.2, 0.8]), 1) == pytest.approx(0.8)


def test_pass_cycles_by_hand():
    # 3x3 conv, 8 channels, 5 filters on a 6x6 output, on a 3-row x 6-column array with a filter
    # scratchpad of 3 words and ifmap of 3: q = 1 channel, p = 1 filter per PE, e = 6 output rows,
    # sets = 1 x 1, r = 3 -> 3 distinct rows per pass. Dense pass: p q S Q = 3 x 6 = 18 cycles.
    hw = accelsim.load_hardware(EYERISS, {"compute.rows": 3, "compute.cols": 6, "compute.filter_spad_words": 3,
                                          "compute.ifmap_spad_words": 3, "compute.psum_spad_words": 1,
                                          "compute.zero_skipping": True})
    layer = Layer(name="c", kind="conv", C=8, H=8, W=8, K=5, R=3, S=3)
    plan = map_row_stationary(layer, hw)
    assert plan.fold_cycles == 18
    # density 1/2: each of the 3 rows costs Binomial(3, 1/2); E[max of 3] by hand:
    # P(max <= c) = F(c)^3 with F = 1/8, 1/2, 7/8, 1 -> P(max = 0..3) = 1/512, 63/512, 279/512, 169/512
    e_max = (1 * 63 + 2 * 279 + 3 * 169) / 512
    skipped = skip_zeros(plan, 0.5, hw)
    assert skipped.fold_cycles == int(np.ceil(6 * e_max)) == 14      # 6 x 1128/512 = 13.2
    assert skipped.folds == plan.folds
    assert skip_zeros(plan, 1.0, hw).fold_cycles == 18


def test_fast_and_fine_agree_and_skipping_cuts_cycles():
    import dataclasses

    wl = accelsim.load_workload(ROOT / "workloads" / "alexnet.yaml")
    block = (tuple(sorted({"scheme": "prune", "sparsity": 0.6}.items())),)
    layers = tuple(dataclasses.replace(layer, compression=block) for layer in wl.layers
                   if layer.name in ("conv3", "conv4", "conv5"))
    small = Workload("w", layers, wl.source, wl.path)
    skipping = accelsim.load_hardware(EYERISS, {"compute.zero_skipping": True})
    dense = accelsim.simulate(EYERISS, small)
    skip = {f: accelsim.simulate(skipping, small, fidelity=f) for f in ("fast", "fine")}
    assert skip["fast"].layers["compute_cycles"].tolist() == skip["fine"].layers["compute_cycles"].tolist()
    assert skip["fast"].summary["cycles"] == pytest.approx(skip["fine"].summary["cycles"], rel=0.005)
    ratio = skip["fast"].layers["compute_cycles"].sum() / dense.layers["compute_cycles"].sum()
    # 40 % density: far fewer cycles, but more than 40 % of them (the load-balancing loss)
    assert 0.4 < ratio < 0.6
    assert skip["fast"].summary["cycles"] < dense.summary["cycles"]


def test_zero_skipping_needs_the_row_stationary_dataflow():
    with pytest.raises(accelsim.ConfigError):
        accelsim.load_hardware(ROOT / "hwconfigs" / "systolic_32x32.yaml", {"compute.zero_skipping": True})
