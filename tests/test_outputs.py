"""Outputs: argument and destination checks before any simulation, write failures as one line
and exit 2, result files written as a set, stale temporaries cleaned."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

import accelsim
from accelsim.cli import main
from accelsim.stats.writers import MANIFEST, complete_set, write_set
from tests.conftest import ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if anything is simulated: the checks must come first."""
    import accelsim.simulator

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before the argument checks")

    monkeypatch.setattr(accelsim.simulator, "simulate", refuse)


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("accelsim") and ": error: " in lines[0], err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("case,expect", [
    ("file", "exists and is not a directory"),
    ("under_file", "which is a file"),
    ("format", "--format: unknown format(s) xlsx"),
    ("seed", "--seed"),
])
def test_run_checks_arguments_and_destination_first(tmp_path, capsys, no_simulation, case, expect):
    afile = tmp_path / "afile"
    afile.write_text("x")
    args = ["run", str(HW), str(TOY3), "-q", "-o", str(tmp_path / "out")]
    if case == "file":
        args[-1] = str(afile)
    elif case == "under_file":
        args[-1] = str(afile / "sub" / "out")
    elif case == "format":
        args += ["--format", "csv,xlsx"]
    else:
        args += ["--seed", "-1"]
    if case == "seed":
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 2
    else:
        assert main(args) == 2
    assert expect in _one_error_line(capsys)


def test_read_only_destination_is_refused_first(capsys, no_simulation):
    import tempfile

    target = Path("/sys/accelsim-out")
    try:
        fd, probe = tempfile.mkstemp(dir="/sys")
    except OSError:
        pass  # /sys is read-only here, as it should be
    else:
        os.close(fd)
        os.unlink(probe)
        pytest.skip("no read-only directory to try")
    assert main(["run", str(HW), str(TOY3), "-q", "-o", str(target)]) == 2
    assert "cannot write in /sys" in _one_error_line(capsys)


def test_sweep_and_trace_check_their_destination_first(tmp_path, capsys, no_simulation):
    afile = tmp_path / "afile"
    afile.write_text("x")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW}\nworkloads: [{TOY3}]\n")
    assert main(["sweep", str(spec), "-o", str(afile), "-q"]) == 2
    assert "exists and is not a directory" in _one_error_line(capsys)
    assert main(["trace", str(HW), str(TOY3), "-o", str(tmp_path), "-q"]) == 2
    assert "is a directory" in _one_error_line(capsys)
    assert main(["trace", str(HW), str(TOY3), "-o", str(afile / "t.json"), "-q"]) == 2
    assert "which is a file" in _one_error_line(capsys)


def test_out_of_space_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    import accelsim.stats.writers as writers

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writers.os, "fsync", full)
    assert main(["run", str(HW), str(TOY3), "-q", "-o", str(tmp_path / "out")]) == 2
    assert "No space left on device" in _one_error_line(capsys)
    assert not list((tmp_path / "out").glob(".staging-*"))  # the failed set left nothing behind


def test_results_are_written_as_a_set(tmp_path, monkeypatch):
    result = accelsim.simulate(accelsim.load_hardware(HW), TOY3)
    out = tmp_path / "run"
    written = result.write(out)
    assert {p.name for p in written} == {"layers.csv", "components.csv", "summary.json", MANIFEST}
    assert complete_set(out)
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == {"layers.csv", "components.csv", "summary.json"}

    # a run killed between renames leaves no manifest: the directory reads as incomplete
    import accelsim.stats.writers as writers

    real, calls = os.replace, []

    def killed_after_one(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands in for the kill
        real(src, dst)

    monkeypatch.setattr(writers.os, "replace", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        result.write(out)
    monkeypatch.setattr(writers.os, "replace", real)
    assert not (out / MANIFEST).exists() and not complete_set(out)
    assert result.write(out) and complete_set(out)


def test_stale_temporaries_of_dead_writers_are_removed(tmp_path):
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    (tmp_path / f".layers.csv.{dead}.abc123.tmp").write_text("half")
    (tmp_path / f".staging-{dead}-xyz").mkdir()
    (tmp_path / f".staging-{dead}-xyz" / "layers.csv").write_text("half")
    live = tmp_path / f".layers.csv.{os.getppid()}.abc123.tmp"  # a live writer's: kept
    live.write_text("busy")
    write_set(tmp_path, {"a.csv": b"1\n"})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["a.csv", MANIFEST, live.name])


def test_sweep_tables_are_a_set_with_sweep_json_last(tmp_path):
    from accelsim.sweep.run import run_sweep

    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW}\nworkloads: [{TOY3}]\naxes: {{compute.rows: [8, 16]}}\n")
    run_sweep(spec, tmp_path / "out", jobs=1)
    assert complete_set(tmp_path / "out", "sweep.json")
    meta = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert {"points.csv", "layers.csv"} <= set(meta["files"]) and meta["points"] == 2


def test_trace_component_that_matches_nothing_lists_the_names(tmp_path, capsys):
    out = tmp_path / "t.json"
    assert main(["trace", str(HW), str(TOY3), "-o", str(out), "-q", "--component", "nosuch"]) == 2
    line = _one_error_line(capsys)
    assert "--component: no component matches nosuch; components: layers, " in line
    assert not out.exists()


@pytest.mark.parametrize("argv,flag", [
    (["run", str(HW), str(TOY3), "--seed", "\u0663"], "--seed"),
    (["run", str(HW), str(TOY3), "--seed", "3_000"], "--seed"),
    (["run", str(HW), str(TOY3), "--seed", str(2**63)], "--seed"),
    (["run", str(HW), str(TOY3), "--functional-vectors", "\uff13", "--functional"], "--functional-vectors"),
    (["trace", str(HW), str(TOY3), "-o", "t.json", "--start", "\u0663"], "--start"),
    (["sweep", "spec.yaml", "-o", "out", "-j", "\u0662"], "--jobs"),
])
def test_integer_arguments_are_ascii_digits(capsys, no_simulation, argv, flag):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    line = _one_error_line(capsys)
    assert flag in line and "digits 0-9" in line or "must be in" in line


def test_geometry_takes_ascii_digits_only():
    from accelsim.errors import WorkloadError
    from accelsim.workload.compression.result import Geometry

    assert Geometry.parse("128,128,1") == Geometry(128, 128, 1)
    for text in ("\u0661\u0662\u0668,128", "1_28,128", "+128,128", "9" * 5000 + ",1"):
        with pytest.raises(WorkloadError, match="expected rows,cols"):
            Geometry.parse(text)


def test_sweep_axis_of_integers_past_int64_is_a_text_column(tmp_path):
    from accelsim.sweep.run import run_sweep

    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW}\nworkloads: [{TOY3}]\naxes: {{compute.rows: [8, {2**64 + 1}]}}\n")
    outcome = run_sweep(spec, tmp_path / "out", jobs=1)
    assert list(outcome.points["status"]) == ["ok", "error"]
    assert list(outcome.points["compute.rows"]) == ["8", str(2**64 + 1)]
