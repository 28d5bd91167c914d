"""`memory.model: scalesim` against SCALE-Sim 3.0.0 itself: every per-layer figure of its reports,
on bandwidth-limited (USER) runs and on the stall-free (CALC) runs, through `accelsim.simulate`."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.kernels.scalesim_layer import simulate_demand, simulate_layer
from accelsim.kernels.scalesim_reuse import EVERY_MISS, FITS, LOOKUP, calc_reuse
from accelsim.workload import Layer
from accelsim.workload.mapping.scalesim_demand import demand_matrices, ifmap_terms, operand_matrices, prefetch_orders
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "scalesim"
USER = sorted(p for p in (DATA / "user").iterdir() if p.is_dir())
# odd arrays (7x13, 1x9...), tiny and unequal buffers, 1-word channels, USER and CALC (general/README.md)
GENERAL = sorted(p for p in (DATA / "general").iterdir() if p.is_dir())
FAST_CALC = sorted(p for p in DATA.iterdir() if p.name.startswith(("toy3_", "mobilenetv1_")))
SLOW_CALC = sorted(p for p in DATA.iterdir() if p.name.startswith(("gemm_", "resnet18_")))


def _report(case, name):
    frame = pd.read_csv(case / name, skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    return frame.loc[:, ~frame.columns.str.startswith("Unnamed")]


def _run(case, **overrides):
    cfg = next(case.glob("*.cfg"))
    topo = next(p for p in case.glob("*.csv") if "REPORT" not in p.name and "layout" not in p.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hw = accelsim.load_hardware(cfg, overrides)
        result = accelsim.simulate(hw, topo)
    rows = []  # SCALE-Sim reports a depthwise layer once per channel
    if "scalesim_copies" not in result.layers:
        return result, None
    for _, row in result.layers.iterrows():
        rows += [row] * max(int(row["scalesim_copies"]), 1)
    return result, pd.DataFrame(rows).reset_index(drop=True)


FIGURES = {  # SCALE-Sim report column -> accelsim layers column
    ("COMPUTE_REPORT.csv", "Total Cycles"): "scalesim_total_cycles",
    ("COMPUTE_REPORT.csv", "Stall Cycles"): "scalesim_stall_cycles",
    ("COMPUTE_REPORT.csv", "Total Cycles (incl. prefetch)"): "scalesim_total_cycles_incl_prefetch",
    **{("DETAILED_ACCESS_REPORT.csv", f"DRAM {b} {what}"): f"scalesim_{b.lower()}_dram_{col}"
       for b in ("IFMAP", "Filter", "OFMAP")
       for what, col in (("Start Cycle", "start"), ("Stop Cycle", "stop"),
                         ("Writes" if b == "OFMAP" else "Reads", "words"))},
    **{("DETAILED_ACCESS_REPORT.csv", f"SRAM {b} {what}"): f"scalesim_{b.lower()}_sram_{col}"
       for b in ("IFMAP", "Filter", "OFMAP") for what, col in (("Start Cycle", "start"), ("Stop Cycle", "stop"))},
}


def _check_case(case):
    result, ours = _run(case)
    compute = _report(case, "COMPUTE_REPORT.csv")
    assert len(ours) == len(compute)
    for (report, column), ours_column in FIGURES.items():
        ref = _report(case, report)[column].astype(int).tolist()
        assert ours[ours_column].astype(int).tolist() == ref, column
    # the layers table carries the same figures in accelsim's units
    assert result.layers["cycles"].sum() == compute["Total Cycles"].sum()
    assert result.layers["stall_cycles"].sum() == compute["Stall Cycles"].sum()
    detail = _report(case, "DETAILED_ACCESS_REPORT.csv")
    assert result.summary["dram_read_bytes"] == (detail["DRAM IFMAP Reads"] + detail["DRAM Filter Reads"]).sum()
    assert result.summary["dram_write_bytes"] == detail["DRAM OFMAP Writes"].sum()


@pytest.mark.parametrize("case", USER, ids=[p.name for p in USER])
def test_user_bandwidth_runs_match_scalesim_exactly(case):
    _check_case(case)


@pytest.mark.parametrize("case", FAST_CALC, ids=[p.name for p in FAST_CALC])
def test_calc_runs_match_scalesim_exactly(case):
    _check_case(case)


@pytest.mark.parametrize("case", GENERAL, ids=[p.name for p in GENERAL])
def test_unlike_configurations_match_scalesim_exactly(case):
    _check_case(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CALC, ids=[p.name for p in SLOW_CALC])
def test_big_calc_runs_match_scalesim_exactly(case):
    _check_case(case)


def test_stall_bug_flag_corrects_the_double_count():
    case = DATA / "user" / "conv_8x8_os_1k_bw2"
    buggy, ours = _run(case)
    fixed, fixed_rows = _run(case, **{"memory.reproduce_stall_bug": False})
    assert (fixed_rows["scalesim_stall_cycles"] < ours["scalesim_stall_cycles"]).all()
    # compute cycles are untouched; the wait SCALE-Sim counts twice is counted once
    assert (fixed.layers["compute_cycles"] == buggy.layers["compute_cycles"]).all()
    assert (fixed_rows["scalesim_total_cycles"] - fixed_rows["scalesim_stall_cycles"]).tolist() == \
        (ours["scalesim_total_cycles"] - ours["scalesim_stall_cycles"]).tolist()


def test_native_model_still_available_for_a_cfg():
    case = DATA / "user" / "conv_8x8_os_1k_bw2"
    native, _ = _run(case, **{"memory.model": "native"})
    assert "scalesim_total_cycles" not in native.layers
    assert native.summary["cycles"] != _run(case)[0].summary["cycles"]


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), r=st.integers(1, 3), c=st.integers(1, 5), k=st.integers(1, 9),
       stride=st.integers(1, 3), rows=st.integers(1, 6), cols=st.integers(1, 6),
       df=st.sampled_from(["os", "ws", "is"]), kb_words=st.integers(100, 900), bw=st.integers(1, 7),
       user=st.booleans())
def test_fold_generator_equals_materialised_demand(h, w, r, c, k, stride, rows, cols, df, kb_words, bw, user):
    """The kernel's fold-by-fold demand equals the demand matrices built from SCALE-Sim's rules."""
    r = min(r, h, w)
    extra_h = stride - 1 if (h - r) % stride else 0
    extra_w = stride - 1 if (w - r) % stride else 0
    layer = Layer(name="l", kind="conv", C=c, H=h, W=w, K=k, R=r, S=r, stride_h=stride, stride_w=stride,
                  pad_bottom=extra_h, pad_right=extra_w)
    ops = operand_matrices(layer)
    sizes = (kb_words, kb_words + 17, kb_words + 33)
    bws = (bw, bw + 1, bw + 2) if user else None
    pre = prefetch_orders(ops, rows, cols, df) if user else None
    words = (ops.ifmap_words, ops.filter_words)
    streamed = simulate_layer(ifmap_terms(layer), k, df, rows, cols, sizes=sizes, bandwidths=bws, words=words,
                              prefetch=pre)
    oracle = simulate_demand(*demand_matrices(ops, rows, cols, df), sizes=sizes, bandwidths=bws, words=words,
                             prefetch=pre, cols=cols)
    assert streamed == oracle


CLOSED_FORMS = [  # (layer, dataflow, rows, cols, ifmap / filter buffer words, expected CALC read modes)
    (dict(C=4, H=6, W=6, K=5, R=3, S=3), "ws", 4, 4, 10000, 10000, (FITS, EVERY_MISS)),
    (dict(C=16, H=8, W=8, K=8, R=1, S=1), "os", 4, 4, 200, 200, (EVERY_MISS, LOOKUP)),
    (dict(C=16, H=8, W=8, K=8, R=1, S=1), "is", 4, 4, 200, 200, (EVERY_MISS, EVERY_MISS)),
    (dict(C=8, H=10, W=10, K=6, R=3, S=3), "ws", 4, 4, 500, 500, (EVERY_MISS, EVERY_MISS)),
    (dict(C=8, H=10, W=10, K=6, R=3, S=3, pad_bottom=1, pad_right=1), "ws", 4, 4, 500, 500, (EVERY_MISS, EVERY_MISS)),
    (dict(C=8, H=10, W=10, K=6, R=3, S=3), "ws", 4, 4, 600, 500, (EVERY_MISS, EVERY_MISS)),  # fold ends apart
    (dict(C=8, H=20, W=20, K=6, R=3, S=3), "ws", 4, 4, 5000, 500, (EVERY_MISS, EVERY_MISS)),
    (dict(C=8, H=20, W=20, K=6, R=3, S=3), "ws", 4, 4, 6000, 500, (LOOKUP, EVERY_MISS)),  # 29,000 hits
    (dict(C=8, H=20, W=20, K=6, R=3, S=3, pad_bottom=2, pad_right=2), "ws", 4, 4, 5400, 500, (LOOKUP, EVERY_MISS)),
    (dict(C=3, H=10, W=10, K=6, R=3, S=3), "ws", 8, 4, 500, 500, (LOOKUP, EVERY_MISS)),
    (dict(C=4, H=6, W=6, K=10, R=3, S=3), "os", 4, 4, 500, 150, (FITS, EVERY_MISS)),
    (dict(C=4, H=6, W=6, K=10, R=3, S=3), "os", 4, 4, 500, 300, (FITS, LOOKUP)),
    (dict(C=4, H=6, W=6, K=10, R=3, S=3), "os", 4, 4, 500, 1000, (FITS, FITS)),
    (dict(C=4, H=6, W=6, K=10, R=3, S=3), "is", 4, 4, 200, 200, (LOOKUP, EVERY_MISS)),
    (dict(C=4, H=6, W=6, K=10, R=3, S=3), "is", 4, 4, 500, 10000, (FITS, FITS)),
]


@pytest.mark.parametrize("shape, df, rows, cols, ifmap_words, filter_words, modes", CLOSED_FORMS)
def test_calc_closed_forms_equal_looking_every_address_up(shape, df, rows, cols, ifmap_words, filter_words, modes):
    """Each CALC closed form (no look-ups where every demand misses or all fits) is taken where
    expected and gives the figures of the oracle, which looks every address up."""
    layer = Layer(name="l", kind="conv", stride_h=1, stride_w=1, **shape)
    terms, ops = ifmap_terms(layer), operand_matrices(layer)
    sizes, words = (ifmap_words, filter_words, 300), (ops.ifmap_words, ops.filter_words)
    windows = (50 * (ifmap_words // 100), 50 * (filter_words // 100))
    assert tuple(mode for mode, _ in calc_reuse(terms, df, rows, cols, layer.K, None, windows)) == modes
    streamed = simulate_layer(terms, layer.K, df, rows, cols, sizes=sizes, bandwidths=None, words=words)
    oracle = simulate_demand(*demand_matrices(ops, rows, cols, df), sizes=sizes, bandwidths=None, words=words,
                             cols=cols)
    assert streamed == oracle


def test_operand_addresses():
    layer = Layer(name="l", kind="conv", C=2, H=5, W=5, K=3, R=3, S=3, stride_h=2, stride_w=2)
    ops = operand_matrices(layer)
    assert ops.ifmap.shape == (4, 18) and ops.filter.shape == (18, 3) and ops.ofmap.shape == (4, 3)
    # output pixel 3 = (1, 1): its window starts at input (2, 2); element (fy=1, fx=2, ch=1)
    assert ops.ifmap[3, (1 * 3 + 2) * 2 + 1] == ((2 + 1) * 5 + (2 + 2)) * 2 + 1
    assert ops.filter[5, 2] == 2 * 18 + 5 and ops.ofmap[3, 2] == 3 * 3 + 2
    assert np.all(ops.ifmap >= 0)


SPARSE = sorted(p for p in (DATA / "sparse").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", SPARSE, ids=[p.name for p in SPARSE])
def test_nm_sparse_compute_cycles_match_scalesim(case):
    """Layer-wise N:M and row-wise (OptimizedMapping) sparsity fold over SCALE-Sim's kept rows."""
    result, ours = _run(case)
    compute = _report(case, "COMPUTE_REPORT.csv")
    assert result.layers["compute_cycles"].tolist() == (compute["Total Cycles"] - compute["Stall Cycles"]).tolist()


def test_alexnet_part_sparse_example():
    """SCALE-Sim v3's own example (configs/sparsity.cfg, topologies/sparsity/alexnet_part.csv):
    6,813 compute cycles with 1:4 weights and row-wise blocks of 8; 10,220 dense."""
    case = DATA / "sparse" / "alexnet_128x128_ws_calc_opt"
    result, _ = _run(case)
    assert result.layers["compute_cycles"].tolist() == [6813]
    dense, _ = _run(case, **{"compute.sparsity": None})
    assert dense.layers["compute_cycles"].tolist() == [10220]


@pytest.mark.parametrize("case", SPARSE, ids=[p.name for p in SPARSE])
def test_sparse_runs_match_scalesim_exactly(case):
    """Layer-wise N:M and row-wise (OptimizedMapping: the ifmap in 2R-wide tiles, filters with
    their own drawn N): every per-layer figure, stalls and DRAM counts included."""
    _check_case(case)


def test_rowwise_demand_follows_scalesims_tiles():
    """The row-wise ifmap demand of one fold: array row j reads pixel tau - R - j's B columns of
    block j // (B/2) of the fold's 2R im2col columns (-1 past K)."""
    from accelsim.kernels.scalesim_memory import _fill_rowwise

    layer = Layer(name="l", kind="conv", C=3, H=6, W=6, K=4, R=3, S=3)
    terms, ops = ifmap_terms(layer), operand_matrices(layer)
    rows, block, t, k = 4, 4, ops.ifmap.shape[0], ops.ifmap.shape[1]
    packed = np.zeros((7, max(t, k)), dtype=np.int64)
    for i, values in enumerate((terms.base, terms.y0, terms.x0, terms.offset, terms.fy, terms.fx)):
        packed[i, : values.size] = values
    buf = np.empty(rows * block, dtype=np.int64)
    for fr in range(2):
        tile = np.full((t, 2 * rows), -1)
        part = ops.ifmap[:, fr * 2 * rows:(fr + 1) * 2 * rows]
        tile[:, : part.shape[1]] = part
        for tau in range(2 * rows + t):
            expect = [tile[tau - rows - j, (j // 2) * block + e] for j in range(rows) if 0 <= tau - rows - j < t
                      for e in range(block)]
            n = _fill_rowwise(buf, tau, fr, rows, t, k, block, packed, terms.H, terms.W)
            assert buf[:n].tolist() == [a for a in expect if a >= 0]


def test_native_model_runs_nm_sparsity_too():
    case = DATA / "sparse" / "gemm_8x8_ws_calc_nm"
    native, _ = _run(case, **{"memory.model": "native"})
    compute = _report(case, "COMPUTE_REPORT.csv")
    assert native.layers["compute_cycles"].tolist() == compute["Total Cycles"].tolist()
    assert native.layers["cycles"].tolist() == compute["Total Cycles"].tolist()  # CALC: no stalls


REPORT_CASES = USER + FAST_CALC + SPARSE + GENERAL


@pytest.mark.parametrize("case", REPORT_CASES, ids=[p.name for p in REPORT_CASES])
def test_format_scalesim_reports_are_byte_identical(case, tmp_path):
    from accelsim.stats.scalesim_reports import write_scalesim_reports

    result, _ = _run(case)
    written = write_scalesim_reports(result, tmp_path)
    names = {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"}
    if (case / "SPARSE_REPORT.csv").exists():
        names.add("SPARSE_REPORT.csv")
    assert {p.name for p in written} == names
    for name in names:
        assert (tmp_path / name).read_text() == (case / name).read_text(), name


def test_format_scalesim_needs_the_scalesim_model(tmp_path):
    import subprocess
    import sys

    case = DATA / "user" / "gemm_8x8_os_1k_bw4"
    args = [sys.executable, "-m", "accelsim", "run", str(case / "gemm_8x8_os_1k_bw4.cfg"), str(case / "gemm2.csv"),
            "-q", "-o", str(tmp_path / "out"), "--format", "scalesim"]
    ok = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "out" / "COMPUTE_REPORT.csv").read_text() == (case / "COMPUTE_REPORT.csv").read_text()
    # the reports are part of the result set: listed (size and hash) in its manifest
    from accelsim.stats.writers import complete_set

    listed = json.loads((tmp_path / "out" / "manifest.json").read_text())["files"]
    assert {"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"} <= set(listed)
    assert complete_set(tmp_path / "out")
    bad = subprocess.run(args + ["--set", "memory.model=native"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert bad.returncode == 2 and "needs memory.model: scalesim" in bad.stderr and "Traceback" not in bad.stderr


def test_trace_shows_the_scalesim_model(tmp_path):
    """`accelsim trace` on the scalesim memory model: the array, each SRAM and each DRAM channel."""
    from accelsim.trace import chrome_trace

    case = DATA / "user" / "dw_8x8_ws_1k_bw3"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hw = accelsim.load_hardware(next(case.glob("*.cfg")))
    result = accelsim.simulate(hw, case / "dwnet.csv", trace=True)
    spans = [e for e in chrome_trace(result)["traceEvents"] if e["ph"] == "X"]
    components = {e["args"]["component"] for e in spans}
    assert {"pe_array", "ifmap_sram", "filter_sram", "ofmap_sram", "dram_ifmap", "dram_filter", "dram_ofmap"} <= components
    compute = [e for e in spans if e["args"]["component"] == "pe_array"]
    # a depthwise layer's channels one after another; together they cover each layer's cycles
    assert sum(e["args"]["cycles"] for e in compute) == result.layers["cycles"].sum()
    assert len(compute) == result.layers["scalesim_copies"].sum()
