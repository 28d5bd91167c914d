"""Bad input: one clear message naming the file and key; exit status 2; no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

import accelsim
from accelsim.errors import ConfigError, WorkloadError
from tests.conftest import ROOT

GOOD_HW = """\
name: t
clock_mhz: 1000
compute: {type: systolic, rows: 8, cols: 8, dataflow: ws}
memory:
  ifmap_sram: {capacity_kib: 16}
  filter_sram: {capacity_kib: 16}
  ofmap_sram: {capacity_kib: 16}
  dram: {bandwidth_bytes_per_cycle: 8}
"""

GOOD_WL = """\
name: w
layers:
  - {name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, padding: 1}
"""


@pytest.mark.parametrize("old,new,key,reason", [
    ("rows: 8", "rows: -8", "compute.rows", "greater than 0"),
    ("rows: 8", "rows: eight", "compute.rows", "valid integer"),
    ("rows: 8, ", "rows: 8, colour: red, ", "compute.colour", "unknown key (did you mean 'cols'?); valid keys here: "),
    ("dataflow: ws", "dataflow: xs", "compute.dataflow", "'os', 'ws', 'is' or 'rs'"),
    ("clock_mhz: 1000", "clock_mhz: 0", "clock_mhz", "greater than 0"),
    ("clock_mhz: 1000\n", "", "clock_mhz", "required key is missing"),
    ("capacity_kib: 16}\n  filter", "capacity_kib: -1}\n  filter", "memory.ifmap_sram.capacity_kib", "greater than 0"),
    ("bandwidth_bytes_per_cycle: 8", "bandwidth_bytes_per_cycle: 0", "memory.dram", "> 0 or 'unlimited'"),
    ("type: systolic", "type: gpu", "compute", "does not match any of the expected tags"),
    ("name: t\n", "name: t\nexecution: pipelined\n", None, "runs layer_by_layer"),
])
def test_bad_hardware_names_file_and_key(tmp_yaml, old, new, key, reason):
    assert old in GOOD_HW
    path = tmp_yaml(GOOD_HW.replace(old, new))
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(path)
    err = info.value
    assert err.source == str(path)
    assert err.key == key
    assert reason in err.reason


@pytest.mark.parametrize("text,reason", [
    ("name: [unclosed\n", "malformed YAML: line"),
    ("- just\n- a list\n", "expected a mapping"),
    ("name: a\nname: b\n", "duplicate key 'name'"),
])
def test_malformed_hardware_yaml(tmp_yaml, text, reason):
    with pytest.raises(ConfigError, match=reason):
        accelsim.load_hardware(tmp_yaml(text))


def test_scalesim_cfg_problems(tmp_path):
    cfg = (ROOT / "tests/data/scalesim/toy3_32x32_ws/cfg_32x32_ws.cfg").read_text()
    path = tmp_path / "bad.cfg"
    path.write_text(cfg.replace("ArrayHeight:    32", "ArrayHeight:    tall"))
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(path)
    assert info.value.key == "[architecture_presets] ArrayHeight" and "tall" in info.value.reason
    path.write_text(cfg.replace("[architecture_presets]", "[arch]"))
    with pytest.raises(ConfigError, match="missing section"):
        accelsim.load_hardware(path)
    path.write_text(cfg.replace("ArrayHeight:    32", "ArrayHeight:    0"))
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(path)
    assert info.value.key == "[architecture_presets] ArrayHeight" and "out of range" in info.value.reason


@pytest.mark.parametrize("line,key,reason", [
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 11, S: 3, padding: 1}", "layers[0] (c1).R", "larger than the padded input"),
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, stride: 0}", "layers[0] (c1).stride", "greater than 0"),
    ("{name: c1, type: conv, C: 3, H: eight, W: 8, K: 4, R: 3, S: 3}", "layers[0] (c1).H", "valid integer"),
    ("{name: c1, type: conv, C: 3, H: 8.5, W: 8, K: 4, R: 3, S: 3}", "layers[0] (c1).H", "valid integer"),
    ("{name: c1, type: conv, C: -3, H: 8, W: 8, K: 4, R: 3, S: 3}", "layers[0] (c1).C", "greater than 0"),
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, padding: -1}", "layers[0] (c1).padding", "greater than or equal to 0"),
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, groups: 2}", "layers[0] (c1).groups", "must divide"),
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, colour: red}", "layers[0] (c1).colour", "unknown key"),
    ("{name: c1, type: deconv, C: 3}", "layers[0] (c1)", "unknown layer type"),
    ("{name: c1, type: conv, C: 3, H: 8, W: 8, R: 3, S: 3}", "layers[0] (c1).K", "required key is missing"),
])
def test_bad_layers_name_the_layer_and_field(tmp_yaml, line, key, reason):
    path = tmp_yaml(f"name: w\nlayers:\n  - {line}\n", "wl.yaml")
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(path)
    assert info.value.source == str(path)
    assert info.value.key == key
    assert reason in info.value.reason


def test_duplicate_layer_names(tmp_yaml):
    path = tmp_yaml(GOOD_WL + "  - {name: c1, type: gemm, M: 4, K: 4, N: 4}\n", "wl.yaml")
    with pytest.raises(WorkloadError, match="duplicate layer name"):
        accelsim.load_workload(path)


@pytest.mark.parametrize("text,reason", [
    ("Layer, M, N, K,\ng, 4, -4, 4,\n", "expected a whole number in digits 0-9"),
    ("Layer, M, N, K,\ng, 4, 0, 4,\n", "must be > 0"),
    ("Layer, M, N, K,\ng, 4, x, 4,\n", "expected a whole number"),
    ("Layer, M, N\ng, 4, 4\n", "unrecognised header"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
     "c, 4, 4, 5, 5, 3, 8, 1,\n", "larger than the padded input"),
    ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
     "c, 8, 8, 3, 3, 3, 8, 0,\n", "must be > 0"),
])
def test_bad_scalesim_topology(tmp_path, text, reason):
    path = tmp_path / "topo.csv"
    path.write_text(text)
    with pytest.raises(WorkloadError, match=reason):
        accelsim.load_workload(path)


def test_unknown_workload_suffix(tmp_path):
    with pytest.raises(WorkloadError, match="unknown workload format .txt"):
        accelsim.load_workload(tmp_path / "net.txt")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "accelsim", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@pytest.mark.parametrize("case", ["bad_hw", "bad_wl", "missing", "bad_set"])
def test_cli_bad_input_exits_2_with_one_line(tmp_yaml, case):
    hw = tmp_yaml(GOOD_HW)
    wl = tmp_yaml(GOOD_WL, "wl.yaml")
    if case == "bad_hw":
        args, expect = ["run", tmp_yaml(GOOD_HW.replace("rows: 8", "rows: -1"), "bad.yaml"), wl], "bad.yaml: compute.rows:"
    elif case == "bad_wl":
        args, expect = ["run", hw, tmp_yaml(GOOD_WL.replace("R: 3", "R: 30"), "badwl.yaml")], "badwl.yaml: layers[0] (c1).R:"
    elif case == "missing":
        args, expect = ["check", "nope.yaml"], "nope.yaml: file not found"
    else:
        args, expect = ["run", hw, wl, "--set", "compute.rows"], "--set: expected KEY=VALUE"
    proc = _cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("accelsim: error: ") and expect in lines[0]
    assert "Traceback" not in proc.stderr
