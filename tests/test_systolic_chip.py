"""The systolic chip's timeline on small scenarios, worked out by hand."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.workload import Layer, Workload


def _hw(double_buffered=True, bandwidth=2, latency_ns=0.0, dataflow="ws"):
    sram = {"capacity_kib": 1, "double_buffered": double_buffered}
    return {"name": "t", "clock_mhz": 1000, "fidelity": "fine",
            "compute": {"type": "systolic", "rows": 4, "cols": 4, "dataflow": dataflow},
            "memory": {"ifmap_sram": sram, "filter_sram": sram, "ofmap_sram": sram,
                       "dram": {"bandwidth_bytes_per_cycle": bandwidth, "latency_ns": latency_ns}}}


def _gemm(m, k, n):
    return Workload("w", (Layer(name="g", kind="gemm", C=k, H=m, W=1, K=n),))


def test_single_fold_waits_for_both_operands_then_drains():
    # ws 4x4, M=8 K=4 N=4: one fold of 2*4+4+8-2 = 18 cycles, 17 reported.
    # DRAM 2 B/cycle: ifmap 32 B on the wire 0-16, filter 16 B 16-24; compute 24-41;
    # ofmap 32 B written 41-57.
    r = accelsim.simulate(_hw(), _gemm(8, 4, 4))
    row = r.layers.iloc[0]
    assert (row.compute_cycles, row.stall_ifmap_dram, row.stall_filter_dram, row.stall_ofmap_dram) == (17, 16, 8, 0)
    assert (row.start_cycle, row.end_cycle) == (0, 41)
    assert r.summary["cycles"] == 57 and r.summary["drain_cycles"] == 16


def test_double_buffering_overlaps_fetch_with_compute():
    # N=8: two column folds; each fold brings 16 B ifmap, 16 B filter, writes 32 B.
    # ifmap0 0-8, filter0 8-16, ifmap1 16-24, filter1 24-32; compute 16-34, 34-51;
    # writes 34-50, 51-67.
    r = accelsim.simulate(_hw(), _gemm(8, 4, 8))
    row = r.layers.iloc[0]
    assert (row.stall_ifmap_dram, row.stall_filter_dram, row.stall_ofmap_dram) == (8, 8, 0)
    assert (row.compute_cycles, row.cycles, r.summary["cycles"]) == (35, 51, 67)


def test_single_buffering_serialises_fetch_compute_and_drain():
    # Without double buffering a fold holds a whole buffer: fold 1's operands are fetched
    # only after fold 0 computed (34-42, 42-50), and fold 0's ofmap must drain (34-50 is
    # behind them on the link: 50-66) before fold 1 may compute (66-83).
    r = accelsim.simulate(_hw(double_buffered=False), _gemm(8, 4, 8))
    row = r.layers.iloc[0]
    assert (row.stall_ifmap_dram, row.stall_filter_dram, row.stall_ofmap_dram) == (16, 16, 16)
    assert (row.cycles, r.summary["cycles"]) == (83, 99)


def test_latency_is_paid_once_per_stream_not_per_fold():
    # 100 ns = 100 cycles at 1 GHz; with unlimited bandwidth every fold's data arrives
    # 100 cycles after it is asked for, and prefetch hides it after the first.
    hw = _hw(bandwidth="unlimited", latency_ns=100)
    r = accelsim.simulate(hw, _gemm(64, 64, 64))
    row = r.layers.iloc[0]
    assert row.stall_ifmap_dram == 100 and row.stall_filter_dram == 0
    assert row.cycles == row.compute_cycles + 100
    assert r.summary["cycles"] == row.cycles + 100


def test_sram_port_bandwidth_stretches_compute():
    hw = _hw(bandwidth="unlimited")
    hw["memory"]["ifmap_sram"] = {"capacity_kib": 1, "bandwidth_bytes_per_cycle": 1}
    r = accelsim.simulate(hw, _gemm(64, 16, 4))
    row = r.layers.iloc[0]
    # ifmap port carries T*Sr = 64*16 = 1024 B at 1 B/cycle; compute is 4 folds * 78 - 1
    assert row.compute_cycles == 4 * (8 + 4 + 64 - 2) - 1
    assert row.stall_ifmap_sram == 1024 - row.compute_cycles
    assert row.cycles == 1024


def test_layers_run_back_to_back_and_partition_the_timeline():
    wl = accelsim.load_workload(__import__("tests.conftest", fromlist=["ROOT"]).ROOT / "workloads" / "toy3.yaml")
    r = accelsim.simulate(_hw(bandwidth=8), wl)
    layers = r.layers
    assert layers["start_cycle"].iloc[0] == 0
    assert (layers["start_cycle"].iloc[1:].values == layers["end_cycle"].iloc[:-1].values).all()
    assert (layers["cycles"] == layers["compute_cycles"] + layers["stall_cycles"]).all()
    assert r.summary["cycles"] == layers["end_cycle"].iloc[-1] + r.summary["drain_cycles"]


@pytest.mark.parametrize("df", ["os", "ws", "is"])
def test_dram_traffic_is_conserved(df):
    """Bytes the DRAM link carried == bytes the plans asked for == what the buffers counted."""
    r = accelsim.simulate(_hw(bandwidth=8, dataflow=df), _gemm(50, 70, 30))
    comp = r.components.set_index(["component", "stat"])["value"]
    assert comp[("dram", "read_bytes")] == r.summary["dram_read_bytes"]
    assert comp[("dram", "write_bytes")] == r.summary["dram_write_bytes"]
    fills = comp[("ifmap_sram", "write_bytes")] + comp[("filter_sram", "write_bytes")]
    drained = comp[("ofmap_sram", "read_bytes")]
    assert drained == r.summary["dram_write_bytes"]
    psums = r.summary["dram_read_bytes"] - fills
    assert psums >= 0 and comp[("ofmap_sram", "write_bytes")] == r.layers["ofmap_sram_writes"].sum() + psums
    assert comp[("pe_array", "macs")] == 50 * 70 * 30
