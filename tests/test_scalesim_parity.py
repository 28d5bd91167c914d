"""accelsim vs SCALE-Sim 3.0.0: compute cycles, utilisation, mapping efficiency and SRAM
traffic per layer, on every reference run in tests/data/scalesim (CALC mode, stall-free)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.workload import Layer, Workload
from tests.conftest import ROOT, case_files, scalesim_cases

CASES = scalesim_cases()


def _report(case, name):
    frame = pd.read_csv(case / name, skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")]


def _expand(layers: pd.DataFrame, workload: Workload) -> pd.DataFrame:
    """SCALE-Sim runs a depthwise layer as one layer per channel: repeat our rows to match."""
    rows = []
    for layer, (_, row) in zip(workload.layers, layers.iterrows()):
        copies = layer.groups if layer.kind == "depthwise" else 1
        for _ in range(copies):
            part = row.copy()
            for col in ("compute_cycles", "ifmap_sram_reads", "filter_sram_reads", "ofmap_sram_writes", "folds"):
                part[col] = row[col] // copies
            rows.append(part)
    return pd.DataFrame(rows).reset_index(drop=True)


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def case(request):
    cfg, topo = case_files(request.param)
    workload = accelsim.load_workload(topo)
    result = accelsim.simulate(cfg, workload)
    return request.param, workload, result, _expand(result.layers, workload)


def test_total_cycles_per_layer(case):
    path, _, result, ours = case
    ref = _report(path, "COMPUTE_REPORT.csv")
    assert len(ours) == len(ref)
    assert list(ours["compute_cycles"]) == list(ref["Total Cycles"])
    assert result.summary["stall_cycles"] == 0 == ref["Stall Cycles"].sum()
    assert result.summary["cycles"] == ref["Total Cycles"].sum()


def test_utilisation_and_mapping_efficiency(case):
    path, _, _, ours = case
    ref = _report(path, "COMPUTE_REPORT.csv")
    assert (100 * ours["utilization"]).round(9).tolist() == ref["Overall Util %"].round(9).tolist()
    assert (100 * ours["mapping_efficiency"]).round(9).tolist() == ref["Mapping Efficiency %"].round(9).tolist()


def test_sram_traffic(case):
    path, _, _, ours = case
    ref = _report(path, "DETAILED_ACCESS_REPORT.csv")
    assert ours["ifmap_sram_reads"].tolist() == ref["SRAM IFMAP Reads"].tolist()
    assert ours["filter_sram_reads"].tolist() == ref["SRAM Filter Reads"].tolist()
    if path.name.endswith("_os"):
        # SCALE-Sim's os demand matrices write 2 x 32 extra (drain) entries per fold on a
        # 32x32 array; accelsim writes each output once. See docs/validation.md.
        extra = ref["SRAM OFMAP Writes"] - ours["ofmap_sram_writes"]
        assert extra.tolist() == (64 * ours["folds"]).tolist()
    else:
        assert ours["ofmap_sram_writes"].tolist() == ref["SRAM OFMAP Writes"].tolist()


@pytest.mark.parametrize("df", ["os", "ws", "is"])
def test_native_preset_equals_translated_cfg(df):
    case = ROOT / "tests" / "data" / "scalesim" / f"resnet18_32x32_{df}"
    cfg, topo = case_files(case)
    a = accelsim.simulate(cfg, topo).layers["cycles"].tolist()
    b = accelsim.simulate(ROOT / "hwconfigs" / f"scalesim_32x32_{df}.yaml", topo).layers["cycles"].tolist()
    assert a == b


def _oracle(m, k, n, rows, cols, df):
    """SCALE-Sim's closed form, written independently of accelsim's mapper."""
    spatial = {"os": (m, n, k), "ws": (k, n, m), "is": (k, m, n)}
    sr, sc, t = spatial[df]
    per_fold = t + rows + cols - 2 if df == "os" else 2 * rows + cols + t - 2
    return math.ceil(sr / rows) * math.ceil(sc / cols) * per_fold - 1


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 3000), k=st.integers(1, 3000), n=st.integers(1, 600),
    rows=st.integers(1, 200), cols=st.integers(1, 200), df=st.sampled_from(["os", "ws", "is"]),
    fidelity=st.sampled_from(["fine", "fast"]),
)
def test_any_shape_matches_closed_form(m, k, n, rows, cols, df, fidelity):
    """Non-square arrays and shapes outside the reference set, through the whole engine."""
    spatial = {"os": (m, n), "ws": (k, n), "is": (k, m)}[df]
    folds = math.ceil(spatial[0] / rows) * math.ceil(spatial[1] / cols)
    assume(fidelity == "fast" or folds <= 2000)  # fine runs a SimPy job per fold
    hw = {"name": "t", "clock_mhz": 1000, "fidelity": fidelity,
          "compute": {"type": "systolic", "rows": rows, "cols": cols, "dataflow": df},
          "memory": {b: {"capacity_kib": 64} for b in ("ifmap_sram", "filter_sram", "ofmap_sram")}
          | {"dram": {"bandwidth_bytes_per_cycle": "unlimited"}}}
    layer = Layer(name="g", kind="gemm", C=k, H=m, W=1, K=n)
    result = accelsim.simulate(hw, Workload("w", (layer,)))
    assert result.layers["cycles"].tolist() == [_oracle(m, k, n, rows, cols, df)]
