"""The Python surface a notebook user meets: names, help, reprs, validated derived configs,
workload overrides, units, shipped type hints."""

from __future__ import annotations

import fnmatch
import json
import pydoc
import re
import subprocess
import sys
import tomllib

import pytest

import accelsim
from accelsim.cli import main
from accelsim.stats.units import unit_of
from tests.conftest import HWCONFIGS, ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
LENET = ROOT / "workloads" / "lenet5.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"


def test_dir_lists_the_lazy_names_and_subpackages_are_reachable():
    code = ("import sys, accelsim; names = dir(accelsim); "
            "assert {'simulate', 'load_hardware', 'load_workload', 'Result', 'sweep', 'trace', 'regress', "
            "'plots', 'ConfigError'} <= set(names), names; "
            "assert 'pandas' not in sys.modules and 'simpy' not in sys.modules; "  # dir() imports nothing
            "assert callable(accelsim.trace.chrome_trace) and callable(accelsim.sweep.run_sweep)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_result_has_a_short_repr_a_notebook_view_and_says_what_it_holds():
    result = accelsim.simulate(HW, LENET)
    text = repr(result)
    assert len(text) < 300 and "\n" not in text
    assert text.startswith("<Result systolic_32x32 / lenet5: 7 layers, ") and f"{result.cycles:,} cycles" in text
    html = result._repr_html_()
    assert len(html) < 20_000 and "<table" in html and "conv1" in html and f"{result.cycles:,}" in html
    doc = pydoc.render_doc(accelsim.simulate, renderer=pydoc.plaintext)
    for words in ("layers", "components", "summary", "stall_cycles", "energy_pj", "(pJ)", "fraction",
                  "elements", "gops", "area_mm2"):
        assert words in doc, words
    assert "summary" in accelsim.Result.__doc__


def test_simulate_validates_a_config_copied_without_validation():
    hw = accelsim.load_hardware(HW)
    bad = hw.model_copy(update={"clock_mhz": -5})
    assert bad.clock_mhz == -5  # pydantic let it through
    with pytest.raises(accelsim.ConfigError, match="clock_mhz: Input should be greater than 0"):
        accelsim.simulate(bad, TOY3)
    nested = hw.model_copy(update={"compute": hw.compute.model_copy(update={"rows": 0})})
    with pytest.raises(accelsim.ConfigError, match="compute.rows"):
        accelsim.simulate(nested, TOY3)
    assert "load_hardware(hw, {" in accelsim.load_hardware.__doc__ and "load_hardware(hw, {" in accelsim.simulate.__doc__


def test_workload_overrides_by_layer_name_index_and_defaults():
    base = accelsim.load_workload(LENET)
    wl = accelsim.load_workload(LENET, {"layers.conv1.K": 32, "layers.2.K": 8, "defaults.batch": 4})
    assert [wl.layers[0].K, wl.layers[2].K] == [32, 8] and base.layers[0].K == 6
    assert {layer.N for layer in wl.layers} == {4}
    for overrides, message in [({"layers.convx.K": 3}, "layers.convx.K: no layer 'convx'; layers: conv1, pool1"),
                               ({"layers.conv1.KK": 3}, "layers[0] (conv1).KK: unknown key"),
                               ({"defaults.batch": 0}, "defaults.batch: Input should be greater than 0")]:
        with pytest.raises(accelsim.WorkloadError, match=re.escape(message)):
            accelsim.load_workload(LENET, overrides)
    with pytest.raises(accelsim.WorkloadError, match="overrides need a native YAML workload"):
        accelsim.load_workload(next((ROOT / "tests" / "data" / "scalesim" / "gemm_32x32_is").glob("*.csv")), {"defaults.batch": 2})


def test_cli_set_takes_workload_keys(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(HW), str(LENET), "-q", "-o", str(out), "--set", "compute.rows=16",
                 "--set", "workload.layers.conv1.K=32", "--set", "workload.defaults.batch=2"]) == 0
    direct = accelsim.simulate(accelsim.load_hardware(HW, {"compute.rows": 16}),
                               accelsim.load_workload(LENET, {"layers.conv1.K": 32, "defaults.batch": 2}))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cycles"] == direct.cycles and summary["macs"] == direct.summary["macs"]
    assert main(["run", str(HW), str(LENET), "-q", "--set", "workload.layers.conv9.K=3"]) == 2
    assert "layers.conv9.K: no layer 'conv9'" in capsys.readouterr().err
    assert main(["check", str(HW), "--set", "workload.defaults.batch=2"]) == 2
    assert "this command takes no workload" in capsys.readouterr().err


def test_units_are_written_with_the_results(tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    assert main(["run", str(HW), str(TOY3), "-q", "-o", str(tmp_path), "--format", "csv,json,parquet"]) == 0
    units = json.loads((tmp_path / "summary.json").read_text())["units"]
    assert units["cycles"] == "cycles" and units["energy_pj"] == "pJ" and units["seconds"] == "s"
    assert units["utilization"] == units["mapping_efficiency"] == "fraction"
    assert units["ifmap_sram_reads"] == "elements" and units["dram_read_bytes"] == "B"
    meta = json.loads(pq.read_schema(tmp_path / "layers.parquet").metadata[b"accelsim.units"])
    assert meta["stall_ifmap_dram"] == "cycles" and meta["energy_pj_pe_array"] == "pJ"


@pytest.mark.parametrize("hw", [HWCONFIGS[0], ROOT / "hwconfigs" / "isaac.yaml", HW], ids=lambda p: p.stem)
def test_every_numeric_result_name_has_a_unit(hw):
    result = accelsim.simulate(hw, LENET)
    numeric = [c for c in result.layers.columns if result.layers[c].dtype.kind in "iuf"]
    numeric += [k for k, v in result.summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert [n for n in numeric if unit_of(n) is None] == []


def test_type_hints_ship_with_the_package():
    assert (ROOT / "accelsim" / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["accelsim"]
    assert any(fnmatch.fnmatch("py.typed", pattern) for pattern in data)
