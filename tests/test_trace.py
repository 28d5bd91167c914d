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
    assert {e["ph"] for e in events} <= {"M", "X"}
    assert all(isinstance(e["pid"], int) and isinstance(e["tid"], int) for e in events)
    names = [e for e in events if e["name"] == "thread_name"]
    assert len({e["tid"] for e in names}) == len(names)
    for tid in {e["tid"] for e in names}:
        track = sorted((e for e in events if e["ph"] == "X" and e["tid"] == tid), key=lambda e: e["ts"])
        assert all(e["dur"] >= 0 for e in track)
        assert all(a["args"]["end_cycle"] <= b["args"]["start_cycle"] for a, b in zip(track, track[1:]))


@pytest.mark.parametrize("fidelity", ["fine", "fast"])
def test_every_job_and_layer_is_a_span(fidelity):
    result = accelsim.simulate(HW, TOY3, fidelity=fidelity, trace=True)
    trace = chrome_trace(result)
    check_valid(trace)
    events = trace["traceEvents"]
    assert events[0] == {"ph": "M", "pid": 1, "tid": 0, "name": "process_name",
                         "args": {"name": "accelsim: systolic_32x32 / toy3"}}
    assert [e["args"]["name"] for e in events if e["name"] == "thread_name"] == \
        ["layers", "ifmap_sram", "filter_sram", "pe_array", "ofmap_sram"]
    layers = spans(trace, "layers")
    assert [e["name"] for e in layers] == ["toy_conv1", "toy_conv2", "toy_fc"]
    assert [(e["args"]["start_cycle"], e["args"]["end_cycle"]) for e in layers] == \
        list(zip(result.layers["start_cycle"], result.layers["end_cycle"]))
    assert [e["ts"] for e in layers] == [c / 1000.0 for c in result.layers["start_cycle"]]  # 1 GHz: 1 ns = 1e-3 us
    assert [e["args"]["macs"] for e in layers] == list(result.layers["macs"])
    jobs = spans(trace, "pe_array")
    # toy3 is small: a job per fold, each a fill of both input buffers, a compute and a drain
    assert len(jobs) == result.layers["folds"].sum() == 13 and len(result.trace) == 4 * 13
    # the array's busy time per layer is its compute time (no port stalls on this chip)
    busy = pd.DataFrame([e["args"] for e in jobs]).groupby("layer", sort=False)["cycles"].sum()
    assert list(busy) == list(result.layers["compute_cycles"])
    assert trace["otherData"]["cycles"] == result.cycles


def test_filters_keep_what_was_asked():
    result = accelsim.simulate(HW, TOY3, trace=True)
    only = chrome_trace(result, layers=["toy_conv2"])
    assert {e["args"]["layer"] for e in spans(only)} == {"toy_conv2"} and len(spans(only)) == 1 + 4 * 10
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
    # 2 layers, 1 + 2 folds, each fold on 4 tracks (two fills, the compute, the drain)
    assert proc.stdout.startswith(f"wrote {out}: 14 spans on 5 tracks over 5,225 cycles")
    trace = json.loads(out.read_text())
    check_valid(trace)
    assert {e["args"]["layer"] for e in spans(trace)} == {"toy_conv1", "toy_fc"}
    assert not list(tmp_path.glob(".*.tmp"))
    proc = subprocess.run([sys.executable, "-m", "accelsim", "trace", str(HW), str(TOY3), "-o", str(out),
                           "--layer", "conv9"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "accelsim: error: --layer: no layer matches conv9; layers: toy_conv1, toy_conv2, toy_fc\n"
