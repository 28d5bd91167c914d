"""A crossbar chip whose layers run one after another (layer_by_layer, or time-multiplexed)
books deliveries and steady jobs as arithmetic (`LayerUnit.run`, `fast`). A traced run takes
the event path (a process per delivery, an event per wait): both must give the same bits."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.components.rows import Rows, chained
from accelsim.workload.formats.native import parse_native_dict
from tests.conftest import ROOT

TINY = dict(d_model=64, layers=2, heads=4, kv_heads=2, d_ff=96, gated_mlp=True, activation="silu",
            norm="rmsnorm", rope=True, seq_len=32, vocab=100)


def tiny(**over):
    return parse_native_dict({"name": "tiny", "transformer": {**TINY, **over}}, "tiny.yaml")


CASES = [
    ("isaac", "resnet18", {"execution": "layer_by_layer"}),
    ("neurosim_reram", "lenet5", {}),
    ("mram_crossbar", "prefill", {"execution": "layer_by_layer"}),
    ("mram_crossbar", "decode", {"execution": "layer_by_layer"}),
    ("isaac", "wide prefill", {"compute.tiles": 1, "compute.allow_reprogramming": True}),
    ("era_bs", "wide decode", {"compute.tiles": 1, "compute.allow_reprogramming": True}),
]


@pytest.mark.parametrize("chip, workload, over", CASES, ids=[f"{c}-{w}" for c, w, _ in CASES])
def test_sequential_shortcut_gives_the_event_paths_bits(chip, workload, over):
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / f"{chip}.yaml", over)
    wide = dict(d_model=256, d_ff=512) if workload.startswith("wide") else {}  # past one tile: time-multiplexed
    decode = dict(phase="decode", seq_len=1, context=16) if workload.endswith("decode") else {}
    wl = tiny(**wide, **decode) if workload.endswith(("prefill", "decode")) else ROOT / "workloads" / f"{workload}.yaml"
    fast = accelsim.simulate(hw, wl)
    events = accelsim.simulate(hw, wl, trace=True)  # traced: one process per delivery
    assert fast.summary.get("time_multiplexed") == ("compute.allow_reprogramming" in over)
    assert fast.layers.to_dict("list") == events.layers.to_dict("list")
    assert fast.components.to_dict("list") == events.components.to_dict("list")
    assert {k: v for k, v in fast.summary.items() if k != "simpy_events"} == \
        {k: v for k, v in events.summary.items() if k != "simpy_events"}
    assert fast.summary["simpy_events"] < events.summary["simpy_events"]


def test_booked_rows_are_ready_when_they_arrive():
    rows = Rows(env=None, total=10)
    rows.book([(5, 2), (9, 3), (12, 4), (12, 1)], now=9)
    assert rows.count == 5 and rows.ready_at(5) == 0
    assert [rows.ready_at(n) for n in (6, 9, 10)] == [12, 12, 12]
    assert rows.ready_at(11) is None  # not booked: a consumer must wait on an event


def test_chained_sums_add_as_one_add_per_job_does():
    counts = [7, 7, 7, 3]
    for per in (3, 2.0, 0.1, 1 / 3, 0):
        acc = 0.0
        for c in counts:
            acc += per * c
        assert chained(per, counts) == acc
