"""Eyeriss: row-stationary mapping by hand, the published peak, and the AlexNet run's books."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.figures import hardware_figures
from accelsim.workload import Layer
from accelsim.workload.mapping.row_stationary import rs_geometry
from tests.conftest import ROOT

EYERISS = ROOT / "hwconfigs" / "eyeriss.yaml"


def test_peak_is_168_macs_at_200_mhz():
    f = hardware_figures(accelsim.load_hardware(EYERISS))
    assert f["pes"] == 168 and f["peak_macs_per_s"] == pytest.approx(33.6e9)


def test_alexnet_conv1_row_stationary_by_hand():
    # 11x11 filters, 55 output rows: PE sets of 11 x 14 (one per array), q = 12 // 11 = 1 channel,
    # p = min(96, 224 // 11, 24) = 20 filters per pass; set-jobs = 4 strips x 5 filter blocks x
    # 3 channels (batch 1); each pass 20 x 1 x 11 x 55 = 12100 cycles.
    layer = Layer(name="conv1", kind="conv", C=3, H=227, W=227, K=96, R=11, S=11, stride_h=4, stride_w=4)
    g = rs_geometry(layer, rows=12, cols=14, filter_spad=224, ifmap_spad=12, psum_spad=24)
    assert (g["r"], g["e"], g["sets"], g["q"], g["p"]) == (11, 14, 1, 1, 20)
    assert (g["passes"], g["pass_cycles"], g["used_pes"]) == (4 * 5 * 3, 12100, 154)


def test_alexnet_runs_with_consistent_books():
    r = accelsim.simulate(EYERISS, ROOT / "workloads" / "alexnet.yaml")
    conv = r.layers[r.layers["type"] == "conv"]
    assert (conv["utilization"] <= conv["mapping_efficiency"] + 1e-12).all()
    assert conv["macs"].sum() == 2_663_139_456  # Eyeriss: 2.66 G MACs per batch of 4
