"""Timing regression: the shipped goldens hold, a timing change is caught, the pytest plugin works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import accelsim.workload.mapping.systolic as systolic_mapping
from accelsim.cli import main
from accelsim.regress import check, load_suite
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"


def test_shipped_goldens_hold():
    """Our CI's timing regression: every shipped systolic config on toy3, lenet5 and resnet18."""
    report = check(GOLDEN)
    assert report.ok, report.text()
    assert len(report.pairs) == len(load_suite(GOLDEN)) == 37  # every shipped chip family on toy3, lenet5, resnet18 (+ one fine run)
    assert all(p.compared > 0 and not p.changes and not p.missing_golden for p in report.pairs)


def suite(tmp_path: Path, extra: str = "") -> Path:
    """A one-pair suite (systolic_32x32 x toy3) with the shipped golden."""
    directory = tmp_path / "suite"
    directory.mkdir()
    (directory / "regress.yaml").write_text(
        f"pairs:\n  - {{hardware: {ROOT / 'hwconfigs/systolic_32x32.yaml'}, workload: {ROOT / 'workloads/toy3.yaml'}"
        f"{extra}}}\n")
    shutil.copy(GOLDEN / "systolic_32x32__toy3.csv", directory)
    return directory


@pytest.fixture
def one_more_cycle_per_fold(monkeypatch):
    """A deliberate timing change: every fold of every systolic layer takes one cycle longer."""
    real = systolic_mapping.systolic_fold_geometry

    def slower(*args):
        *geometry, per_fold = real(*args)
        return (*geometry, per_fold + 1)

    monkeypatch.setattr(systolic_mapping, "systolic_fold_geometry", slower)


def test_a_timing_change_is_caught_with_a_diff_naming_the_layer(tmp_path, capsys, one_more_cycle_per_fold):
    directory = suite(tmp_path)
    assert main(["regress", str(directory)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "MOVED    systolic_32x32__toy3: 16 values compared, 8 changed, 8 beyond tolerance"
    assert lines[1].split() == ["layer", "stat", "golden", "now", "Δ", "Δ%", "tolerance"]
    # toy_conv1 is one fold: +1 cycle; toy_conv2 ten folds: +10
    assert lines[2].split() == ["toy_conv1", "cycles", "1,436", "1,437", "+1", "+0.0696%", "exact", "beyond"]
    assert ["toy_conv2", "compute_cycles", "3,499", "3,509", "+10", "+0.286%", "exact", "beyond"] in \
        [line.split() for line in lines]
    assert lines[-1] == "regress: 1 pairs, 1 moved beyond tolerance, 0 within"

    # --update records the new timing atomically; then it holds
    assert main(["regress", str(directory), "--update"]) == 0
    assert "UPDATED  systolic_32x32__toy3" in capsys.readouterr().out
    golden = pd.read_csv(directory / "systolic_32x32__toy3.csv")
    assert golden.loc[golden["layer"] == "toy_conv2", "cycles"].item() == 3509
    assert not list(directory.glob(".*.tmp"))
    assert main(["regress", str(directory)]) == 0


def test_tolerances_are_per_statistic(tmp_path, capsys):
    directory = suite(tmp_path, ", tolerances: {cycles: 10, stall_cycles: {rel: 0.01}}")
    golden_path = directory / "systolic_32x32__toy3.csv"
    golden = pd.read_csv(golden_path)
    golden.loc[0, ["cycles", "stall_cycles"]] += 5          # toy_conv1: within 10 cycles, not within 1 %
    golden.to_csv(golden_path, index=False)
    assert main(["regress", str(directory)]) == 1
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["toy_conv1", "cycles", "1,441", "1,436", "-5", "-0.347%", "±10"] in rows
    assert ["toy_conv1", "stall_cycles", "324", "319", "-5", "-1.54%", "±1%", "beyond"] in rows

    golden.loc[0, "stall_cycles"] -= 5 - 3                    # 3 of 322: within 1 %
    golden.to_csv(golden_path, index=False)
    assert main(["regress", str(directory)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("ok       systolic_32x32__toy3: 16 values compared, 2 changed, 0 beyond")


def test_missing_golden_and_vanished_layers_fail(tmp_path, capsys):
    directory = suite(tmp_path)
    golden_path = directory / "systolic_32x32__toy3.csv"
    golden = pd.read_csv(golden_path)
    pd.concat([golden, golden.iloc[[0]].assign(layer="old_layer")]).to_csv(golden_path, index=False)
    assert main(["regress", str(directory)]) == 1
    assert ["old_layer", "(layer)", "-", "-", "gone", "beyond"] in [l.split() for l in capsys.readouterr().out.splitlines()]
    golden_path.unlink()
    assert main(["regress", str(directory)]) == 1
    out = capsys.readouterr().out
    assert "MISSING  systolic_32x32__toy3: no golden file" in out and "(run with --update to create it)" in out
    assert out.splitlines()[-1] == "regress: 1 pairs, 0 moved beyond tolerance, 1 without a golden file, 0 within"
    assert main(["regress", str(directory), "--update"]) == 0
    assert pd.read_csv(golden_path).equals(pd.read_csv(GOLDEN / "systolic_32x32__toy3.csv"))


@pytest.mark.parametrize("text, message", [
    ("pairs:\n  - {hardware: a.yaml, workload: b.yaml, fidelty: fine}\n", "regress.yaml: pairs.0.fidelty: unknown key"),
    ("pairs:\n  - {hardware: nothere.yaml, workload: b.yaml}\n", "regress.yaml: pairs.0.hardware: file not found"),
    ("pairs: []\n", "regress.yaml: pairs: List should have at least 1 item"),
    ("tolerances: {cycles: -1}\npairs: []\n", "regress.yaml: tolerances.cycles.abs: Input should be greater than or equal to 0"),
])
def test_bad_suite_is_a_clean_error(tmp_path, capsys, text, message):
    (tmp_path / "regress.yaml").write_text(text)
    assert main(["regress", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"accelsim: error: {tmp_path}/") and message in err


def test_pytest_plugin(tmp_path):
    directory = suite(tmp_path)
    (tmp_path / "test_timing.py").write_text(
        "def test_with_fixture(accelsim_regress):\n"
        "    report = accelsim_regress('suite')\n"
        "    assert report.pairs[0].compared == 16\n")
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    def pytest_run(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "accelsim.regress.pytest_plugin", "-q",
                               "-p", "no:cacheprovider", "--rootdir", str(tmp_path), *args],
                              capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)

    # without the option the plugin adds nothing; the fixture works
    proc = pytest_run("test_timing.py")
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr
    proc = pytest_run("test_timing.py", "--accelsim-golden", "suite")
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout + proc.stderr

    golden_path = directory / "systolic_32x32__toy3.csv"
    golden = pd.read_csv(golden_path)
    golden.loc[1, "cycles"] += 7
    golden.to_csv(golden_path, index=False)
    proc = pytest_run("test_timing.py", "--accelsim-golden", "suite")
    assert proc.returncode == 1 and "2 failed" in proc.stdout
    assert "FAILED suite/regress.yaml::systolic_32x32__toy3" in proc.stdout
    assert "toy_conv2  cycles" in proc.stdout and "-7" in proc.stdout
    # a golden test has a real node id: it can be selected alone, and by its mark
    proc = pytest_run("--accelsim-golden", "suite", "suite/regress.yaml::systolic_32x32__toy3")
    assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout + proc.stderr
    proc = pytest_run("--accelsim-golden", "suite", "--accelsim-update", "-m", "accelsim_golden")
    assert proc.returncode == 0 and "1 passed, 1 deselected" in proc.stdout, proc.stdout
    assert pd.read_csv(golden_path).equals(pd.read_csv(GOLDEN / "systolic_32x32__toy3.csv"))

    # a missing golden is reported as missing, with pytest's update flag
    golden_path.unlink()
    proc = pytest_run("--accelsim-golden", "suite", "-m", "accelsim_golden")
    assert proc.returncode == 1
    assert "no golden file" in proc.stdout and "(run with --accelsim-update to create it)" in proc.stdout
    assert "regress: 1 pairs, 0 moved beyond tolerance, 1 without a golden file, 0 within" in proc.stdout


def test_percent_changes_are_never_in_exponent_form():
    from accelsim.regress.compare import Change, _percent

    def percent(golden, now):
        return _percent(Change("l", "s", golden, now, "", True))

    assert [percent(10, 420), percent(100, 100.5), percent(3, 2), percent(1, -5000), percent(0, 5)] == \
        ["+4,100%", "+0.5%", "-33.3%", "-500,000%", ""]
