"""Chrome/Perfetto traces: valid JSON with one track per component, every job a span, filters."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

import accelsim
from accelsim.trace import chrome_trace
from tests.conftest import HWCONFIGS, ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"


def spans(trace: dict, track: str | None = None) -> list[dict]:
    tids = {e["args"]["name"]: e["tid"] for e in trace["traceEvents"] if e["name"] == "thread_name"}
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and (track is None or e["tid"] == tids[track])]


def check_valid(trace: dict) -> None:
    """What Perfetto's JSON importer needs: M/X events with pid/tid, X with ts and dur >= 0,
    and the spans of one track never overlapping."""
    trace = json.loads(json.dumps(trace, allow_nan=False))  # plain JSON, no NaN/Infinity
    events = trace["traceEvents"]
    assert {e["ph"] for e in events} <= {"M", "X", "C", "s", "f"}
    assert all(isinstance(e["pid"], int) and isinstance(e.get("tid", 0), int) for e in events)
    names = [e for e in events if e["name"] == "thread_name"]
    assert len({e["tid"] for e in names}) == len(names)
    assert len({e["args"]["name"] for e in names}) == len(names)  # one track per resource
    tracks = {}
    for tid in {e["tid"] for e in names}:
        track = sorted((e for e in events if e["ph"] == "X" and e["tid"] == tid), key=lambda e: e["ts"])
        assert all(e["dur"] >= 0 for e in track)
        # no overlaps at all on a track (so no partial ones): Perfetto needs slices to nest
        assert all(a["args"]["end_cycle"] <= b["args"]["start_cycle"] for a, b in zip(track, track[1:]))
        tracks[tid] = track
    # counters: each a time series of finite numbers, in time order
    for name in {e["name"] for e in events if e["ph"] == "C"}:
        samples = [e for e in events if e["ph"] == "C" and e["name"] == name]
        assert all(len(e["args"]) == 1 for e in samples)
        assert [e["ts"] for e in samples] == sorted(e["ts"] for e in samples)
    # flows: one start inside a slice of its track, one end at the start of a slice of its track
    flows = [e for e in events if e["ph"] in "sf"]
    for flow_id in {e["id"] for e in flows}:
        begin, finish = (next(e for e in flows if e["id"] == flow_id and e["ph"] == ph) for ph in "sf")
        assert any(x["ts"] <= begin["ts"] < x["ts"] + x["dur"] for x in tracks[begin["tid"]])
        assert any(x["ts"] == finish["ts"] for x in tracks[finish["tid"]]) and finish["bp"] == "e"


@pytest.mark.parametrize("fidelity", ["fine", "fast"])
def test_every_job_and_layer_is_a_span(fidelity):
    result = accelsim.simulate(HW, TOY3, fidelity=fidelity, trace=True)
    trace = chrome_trace(result)
    check_valid(trace)
    events = trace["traceEvents"]
    assert events[0] == {"ph": "M", "pid": 1, "tid": 0, "name": "process_name",
                         "args": {"name": "accelsim: systolic_32x32 / toy3"}}
    assert [e["args"]["name"] for e in events if e["name"] == "thread_name"] == \
        ["layers", "dram", "ifmap_sram", "filter_sram", "pe_array", "ofmap_sram"]
    layers = spans(trace, "layers")
    assert [e["name"] for e in layers] == ["toy_conv1", "toy_conv2", "toy_fc"]
    assert [(e["args"]["start_cycle"], e["args"]["end_cycle"]) for e in layers] == \
        list(zip(result.layers["start_cycle"], result.layers["end_cycle"]))
    assert [e["ts"] for e in layers] == [c / 1000.0 for c in result.layers["start_cycle"]]  # 1 GHz: 1 ns = 1e-3 us
    assert [e["args"]["macs"] for e in layers] == list(result.layers["macs"])
    jobs = spans(trace, "pe_array")
    # toy3 is small: a job per fold, each a fill of both input buffers, a compute and a drain
    dram = [t for t in result.trace if t[0] == "dram"]
    assert len(jobs) == result.layers["folds"].sum() == 13 and len(result.trace) == 4 * 13 + len(dram)
    assert len(dram) == 39  # each fold reads ifmap and filter and writes its ofmap over the link
    # the array's busy time per layer is its compute time (no port stalls on this chip)
    busy = pd.DataFrame([e["args"] for e in jobs]).groupby("layer", sort=False)["cycles"].sum()
    assert list(busy) == list(result.layers["compute_cycles"])
    assert trace["otherData"]["cycles"] == result.cycles


def test_filters_keep_what_was_asked():
    result = accelsim.simulate(HW, TOY3, trace=True)
    only = chrome_trace(result, layers=["toy_conv2"])
    dram = sum(s[0] == "dram" and s[2] == "toy_conv2" for s in result.trace)
    assert {e["args"]["layer"] for e in spans(only)} == {"toy_conv2"} and len(spans(only)) == 1 + 4 * 10 + dram
    assert {e["name"] for e in spans(chrome_trace(result, layers=["toy_c*"]))} == {"toy_conv1", "toy_conv2"}
    array = chrome_trace(result, components=["pe_array"])
    assert len(spans(array)) == 13 and all(e["args"]["component"] == "pe_array" for e in spans(array))
    window = chrome_trace(result, start=2000, end=3000)
    kept = spans(window)
    assert kept and all(e["args"]["end_cycle"] > 2000 and e["args"]["start_cycle"] < 3000 for e in kept)
    everything = spans(chrome_trace(result))
    assert len(kept) == sum(e["args"]["end_cycle"] > 2000 and e["args"]["start_cycle"] < 3000 for e in everything)


def test_overlapping_jobs_of_one_component_get_extra_tracks():
    layers = pd.DataFrame({"layer": ["a"], "start_cycle": [0], "end_cycle": [30]})
    result = SimpleNamespace(layers=layers, summary={"clock_mhz": 500.0},
                             trace=[("dram", "read", "a", 0, 10), ("dram", "read", "a", 5, 20),
                                    ("dram", "read", "a", 10, 30)])
    trace = chrome_trace(result)
    check_valid(trace)
    assert [e["args"]["name"] for e in trace["traceEvents"] if e["name"] == "thread_name"] == \
        ["layers", "dram", "dram (2)"]
    assert [(e["args"]["start_cycle"], e["dur"]) for e in spans(trace, "dram")] == [(0, 0.02), (10, 0.04)]
    assert [e["args"]["start_cycle"] for e in spans(trace, "dram (2)")] == [5]


@pytest.mark.parametrize("hw", HWCONFIGS, ids=[p.stem for p in HWCONFIGS])
def test_every_shipped_config_traces(hw):
    result = accelsim.simulate(hw, ROOT / "workloads" / "lenet5.yaml", trace=True)
    trace = chrome_trace(result)
    check_valid(trace)
    # pipelined layers overlap: they spread over tracks `layers`, `layers (2)`, ...
    assert sum(e["args"]["component"] == "layers" for e in spans(trace)) == len(result.layers)
    assert len(spans(trace)) == len(result.layers) + len(result.trace)


def test_cli_writes_a_loadable_trace(tmp_path):
    out = tmp_path / "trace.json"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "trace", str(HW), str(TOY3), "-o", str(out),
                           "--layer", "toy_conv1", "--layer", "toy_fc"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # 2 layers, 1 + 2 folds, each fold on 4 tracks (two fills, the compute, the drain), and
    # each fold's 3 DRAM transfers on the dram track
    assert proc.stdout.startswith(f"wrote {out}: 23 spans on 6 tracks over 5,225 cycles")
    trace = json.loads(out.read_text())
    check_valid(trace)
    assert {e["args"]["layer"] for e in spans(trace)} == {"toy_conv1", "toy_fc"}
    assert not list(tmp_path.glob(".*.tmp"))
    proc = subprocess.run([sys.executable, "-m", "accelsim", "trace", str(HW), str(TOY3), "-o", str(out),
                           "--layer", "conv9"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "accelsim: error: --layer: no layer matches conv9; layers: toy_conv1, toy_conv2, toy_fc\n"


def test_systolic_dram_track_and_counters_follow_the_link_and_buffers():
    result = accelsim.simulate(HW, ROOT / "workloads" / "lenet5.yaml", trace=True)
    trace = chrome_trace(result)
    check_valid(trace)
    hw = accelsim.load_hardware(HW)
    bpc = hw.memory.dram.bandwidth_bytes_per_cycle
    dram = spans(trace, "dram")
    moved = result.summary["dram_read_bytes"] + result.summary["dram_write_bytes"]
    busy = sum(e["args"]["cycles"] for e in dram)
    # each transfer rounds up to whole cycles: the busy time is the bytes at full rate, plus < 1 cycle each
    assert moved / bpc <= busy < moved / bpc + len(dram)
    assert {e["cat"] for e in dram} >= {"read ifmap", "read filter", "write ofmap"}
    counters = [e for e in trace["traceEvents"] if e["ph"] == "C"]
    for buffer in ("ifmap", "filter", "ofmap"):
        held = [e["args"]["B"] for e in counters if e["name"] == f"{buffer}_sram occupancy (B)"]
        capacity = getattr(hw.memory, f"{buffer}_sram").capacity_bytes
        assert held and max(held) <= capacity and held[-1] == 0 and max(held) > 0
    bandwidth = [e for e in counters if e["name"] == "dram bandwidth (GB/s)"]
    assert max(e["args"]["GB/s"] for e in bandwidth) <= result.summary["dram_gb_per_s"] == 16.0
    # the windows' average bandwidth x their duration is the link's busy time at full rate
    width = bandwidth[1]["ts"] - bandwidth[0]["ts"]
    carried = sum(e["args"]["GB/s"] for e in bandwidth) / 16.0 * width * 1000  # cycles at 1 GHz
    assert carried == pytest.approx(busy, rel=1e-4)
    # the window filter keeps counters too: the value in force at the start, then the changes
    window = [e for e in chrome_trace(result, start=3000, end=4000)["traceEvents"] if e["ph"] == "C"]
    assert window and all(3.0 <= e["ts"] < 4.0 for e in window)


def test_pipelined_chips_get_flow_events_from_producer_to_consumer():
    result = accelsim.simulate(ROOT / "hwconfigs" / "isaac.yaml", ROOT / "workloads" / "lenet5.yaml", trace=True)
    trace = chrome_trace(result)
    check_valid(trace)
    flows = [e for e in trace["traceEvents"] if e["ph"] in "sf"]
    names = list(result.layers["layer"])
    assert [e["name"] for e in flows if e["ph"] == "s"] == [f"{a} -> {b}" for a, b in zip(names, names[1:])]
    starts = dict(zip(result.layers["layer"], result.layers["start_cycle"] / result.summary["clock_mhz"]))
    assert [e["ts"] for e in flows if e["ph"] == "f"] == [starts[b] for b in names[1:]]
    assert not [e for e in chrome_trace(accelsim.simulate(HW, TOY3, trace=True))["traceEvents"] if e["ph"] in "sf"]
