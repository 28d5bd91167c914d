"""SCALE-Sim inputs read as SCALE-Sim reads them: topology CSVs by column position, strict numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

import accelsim
from accelsim.errors import ConfigError, Notice, WorkloadError
from tests.conftest import ROOT

TOPO = ROOT / "tests" / "data" / "scalesim" / "topologies"
CONV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"


def _census() -> dict:
    out = {}
    for repo in ("v2", "v3"):
        for entry in json.loads((TOPO / f"census_{repo}.json").read_text()):
            out[f"{repo}__{entry['file'].replace('/', '__')}"] = entry
    return out


READABLE = {"v2__conv_nets__UNet_2d.csv": "conv", "v3__translation__gpt2.csv": "conv",
            "v2__dlrm__dlrm_fwd.csv": "conv", "v3__transformer__transformer_fwd.csv": "conv",
            "v2__GEMM_mnk__test_mnk_input.csv": "gemm", "v3__ispass25_models__vit_bg.csv": "gemm",
            "v2__mlperf__DeepSpeech2.csv": "conv",
            "v3__sparsity__alexnet_part.csv": "conv", "v3__sparsity__gemm.csv": "gemm"}


@pytest.mark.parametrize("name", sorted(READABLE))
def test_shipped_odd_topologies_match_scalesim(name):
    ref = _census()[name][READABLE[name]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Notice)
        wl = accelsim.load_workload(TOPO / name)
    assert wl.meta["scalesim_form"] == READABLE[name]
    layers = sum(layer.groups if layer.kind == "depthwise" else 1 for layer in wl.layers)
    assert (layers, wl.macs) == (ref["layers"], ref["macs"])


def test_spacer_rows_and_extra_columns_read_as_the_clean_copy():
    # SCALE-Sim trips on this file's `,,,,` spacer row; accelsim skips it and reads the same
    # network as SCALE-Sim's clean copy, mlperf/Resnet50.csv.
    ref = _census()["v2__mlperf__Resnet50.csv"]["conv"]
    assert "error" in _census()["v2__conv_nets__Resnet50.csv"]["conv"]
    with pytest.warns(Notice, match="'Eh', 'Ew', 'e2' have no effect"):
        wl = accelsim.load_workload(TOPO / "v2__conv_nets__Resnet50.csv")
    assert (len(wl), wl.macs) == (ref["layers"], ref["macs"])


@pytest.mark.parametrize("name,reason", [
    ("v2__CSV__LSTM.csv", "line 2: IFMAP Width: expected a whole number in digits 0-9, got 'B'"),
    ("v2__mlperf__MLPERF_first8lines.csv", "line 3: expected 8 fields, got 1"),
    ("v2__conv_nets__UNet_maestro.csv", "line 1: tab-separated"),
])
def test_files_scalesim_cannot_read_get_one_clear_error(name, reason):
    census = _census().get(name.replace("_first8lines", ""))
    assert all("error" in census[mode] for mode in ("conv", "gemm"))
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(TOPO / name)
    assert reason in info.value.message and "\n" not in info.value.message


def test_extra_columns_are_named_in_a_notice():
    with pytest.warns(Notice, match="'batch size' have no effect"):
        accelsim.load_workload(TOPO / "v3__transformer__transformer_fwd.csv")


def test_notices_are_one_bounded_line(tmp_path):
    """A notice echoes what the user wrote (file names, keys): one line, as bounded as an error line."""
    from accelsim.errors import MAX_PART_CHARS, MAX_REASON_CHARS

    keys = "".join(f"Zq{i}Xw{'v' * 30}: 1\n" for i in range(200))  # distant from every key: notices
    cfg = _cfg(tmp_path, CFG.replace("[general]\n", "[general]\n" + keys, 1))
    with pytest.warns(Notice) as record:
        accelsim.load_hardware(cfg)
    texts = [str(w.message) for w in record if issubclass(w.category, Notice)]
    assert any("Zq0Xw" in t for t in texts)
    assert all("\n" not in t and len(t) <= MAX_REASON_CHARS + MAX_PART_CHARS for t in texts)


def test_sparsity_column_is_read():
    wl = accelsim.load_workload(TOPO / "v3__sparsity__alexnet_part.csv")
    assert wl.meta["nm_sparsity"]["Conv1"] == (1, 4)


def test_unclear_header_needs_the_form_and_the_form_wins(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name, a, b, c,\nfc, 16, 8, 4,\n")
    with pytest.raises(WorkloadError, match="pass --conv or --gemm"):
        accelsim.load_workload(path)
    gemm = accelsim.load_workload(path, topology_form="gemm")
    assert gemm.layers[0].gemm == (16, 4, 8) and gemm.macs == 16 * 8 * 4
    path.write_text(CONV_HEADER + "c1, 8, 8, 3, 3, 2, 4, 1,\n")
    as_gemm = accelsim.load_workload(path, topology_form="gemm")  # like SCALE-Sim's -i gemm
    assert as_gemm.layers[0].gemm == (8, 3, 8)


@pytest.mark.parametrize("cell,reason", [
    ("٣", "digits 0-9"), ("3.0", "digits 0-9"), ("1e3", "digits 0-9"), ("+3", "digits 0-9"),
    ("inf", "digits 0-9"), ("99999999999999999999", "larger than any layer size"),
])
def test_topology_numbers_are_strict(tmp_path, cell, reason):
    path = tmp_path / "t.csv"
    path.write_text(f"Layer, M, N, K,\ng, 4, {cell}, 4,\n", encoding="utf-8")
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(path)
    assert info.value.key == "line 2" and info.value.reason.startswith("N:") and reason in info.value.reason


def test_bom_topology_reads(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffLayer,M,N,K,\r\ng,4,5,6,\r\n".encode("utf-8"))
    assert accelsim.load_workload(path).macs == 4 * 5 * 6


def test_cli_gemm_option_and_notice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name, a, b, c, extra\nfc, 16, 8, 4, 7\n")
    cfg = ROOT / "tests/data/scalesim/toy3_32x32_os/cfg_32x32_os.cfg"
    out = subprocess.run([sys.executable, "-m", "accelsim", "run", str(cfg), str(path), "--gemm", "-q"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "accelsim: notice: " in out.stderr and "'extra' have no effect" in out.stderr
    assert "Traceback" not in out.stderr


CFG = (ROOT / "tests/data/scalesim/toy3_32x32_ws/cfg_32x32_ws.cfg").read_text()


def _cfg(tmp_path, text, name="c.cfg"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("line,value,reason", [
    ("ArrayWidth:     inf", "inf", "expected a whole number"),
    ("IfmapSramSzkB:   0.5", "0.5", "expected a whole number"),
    ("ArrayHeight:    1e18", "1e18", "expected a whole number"),
    ("ArrayHeight:    1000000000000000000", "1000000000000000000", "out of range"),
    ("ArrayHeight:    ٣٢", "٣٢", "expected a whole number"),
    ("ArrayHeight:    -32", "-32", "expected a whole number"),
    ("IfmapOffset:    zero", "zero", "expected a whole number"),
])
def test_cfg_numbers_are_strict_and_named(tmp_path, line, value, reason):
    key = line.split(":")[0]
    old = next(raw for raw in CFG.splitlines() if raw.startswith(key + ":"))
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(_cfg(tmp_path, CFG.replace(old, line)))
    assert info.value.key == f"[architecture_presets] {key}"
    assert reason in info.value.reason and value in info.value.reason


def test_cfg_bom_and_crlf(tmp_path):
    hw = accelsim.load_hardware(_cfg(tmp_path, "\ufeff" + CFG.replace("\n", "\r\n")))
    assert (hw.compute.rows, hw.compute.cols, hw.compute.dataflow) == (32, 32, "ws")


@pytest.mark.parametrize("old,new,key,hint", [
    ("ArrayHeight:", "ArrayHieght:", "[architecture_presets] ArrayHieght", "did you mean 'ArrayHeight'?"),
    ("[layout]", "[layuot]", "[layuot]", "did you mean [layout]?"),
    ("Dataflow : ws", "Dataflow : xs", "[architecture_presets] Dataflow", "expected one of os, ws, is"),
])
def test_cfg_misspellings_get_did_you_mean(tmp_path, old, new, key, hint):
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(_cfg(tmp_path, CFG.replace(old, new)))
    assert info.value.key == key and hint in info.value.reason


def test_cfg_keys_without_effect_are_named(tmp_path):
    text = CFG.replace("[run_presets]", "[run_presets]\nColour: red") + "\n[extras]\nfoo = 1\n"
    with pytest.warns(Notice) as record:
        accelsim.load_hardware(_cfg(tmp_path, text))
    lines = [str(w.message) for w in record]
    assert all("\n" not in line for line in lines)
    text = " ".join(lines)
    for key in ("[run_presets] Colour", "[extras]", "MemoryBanks", "IfmapOffset", "ReadRequestBuffer",
                "IfmapSRAMBankNum", "[sparsity] SparseRep", "[architecture_presets] Bandwidth"):
        assert key in text, key
