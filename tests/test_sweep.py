"""Sweeps: spec parsing and expansion, stored points and resume, failing points, executors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import accelsim
from accelsim.cli import main
from accelsim.errors import ConfigError
from accelsim.sweep.expand import axis_values, expand
from accelsim.sweep.expr import Expr, ExprError
from accelsim.sweep.run import run_sweep
from accelsim.sweep.spec import AxisSpec, load_spec
from tests.conftest import ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"
LENET = ROOT / "workloads" / "lenet5.yaml"
RESNET18 = ROOT / "workloads" / "resnet18.yaml"


def write_spec(tmp_path: Path, body: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"hardware: {HW}\n{body}")
    return path


# --- axes, constraints, sampling ---------------------------------------------------------

@pytest.mark.parametrize("axis, expected", [
    ({"values": [4, "x", 2.5]}, [4, "x", 2.5]),
    ({"range": {"start": 16, "stop": 64, "step": 16}}, [16, 32, 48, 64]),
    ({"range": {"start": 16, "stop": 70, "step": 16}}, [16, 32, 48, 64]),
    ({"range": {"start": 0.1, "stop": 0.5, "step": 0.1}}, [0.1, 0.2, 0.3, 0.4, 0.5]),
    ({"logrange": {"start": 8, "stop": 128, "factor": 2}}, [8, 16, 32, 64, 128]),
    ({"logrange": {"start": 1, "stop": 100, "num": 3}}, [1, 10, 100]),
    ({"logrange": {"start": 1, "stop": 4, "num": 7}}, [1, 2, 3, 4]),  # rounded to integers, merged
    ({"logrange": {"start": 1.0, "stop": 4, "num": 3}}, [1.0, 2.0, 4.0]),
])
def test_axis_values(axis, expected):
    values = axis_values(AxisSpec.model_validate(axis))
    assert values == expected
    assert [type(v) for v in values] == [type(v) for v in expected]


def test_grid_with_constraint_in_row_major_order(tmp_path):
    spec = load_spec(write_spec(tmp_path, f"""
workloads: [{TOY3}, {LENET}]
axes:
  compute.rows: [16, 32, 64]
  compute.cols: [32, 64]
constraints: ["compute.rows * compute.cols <= 2048", "workload != 'lenet5' or compute.rows == 16"]
"""))
    points, skipped = expand(spec)
    got = [(p.workload, p.values["compute.rows"], p.values["compute.cols"]) for p in points]
    assert got == [("toy3", 16, 32), ("toy3", 16, 64), ("toy3", 32, 32), ("toy3", 32, 64), ("toy3", 64, 32),
                   ("lenet5", 16, 32), ("lenet5", 16, 64)]
    assert [p.index for p in points] == list(range(7))
    assert skipped == 12 - 7


def test_random_sampling_is_seeded_and_draws_distinct_valid_points(tmp_path):
    body = f"""
workloads: [{TOY3}]
axes: {{compute.rows: [8, 16, 32, 64, 128], compute.cols: [8, 16, 32, 64, 128], compute.dataflow: [os, ws, is]}}
constraints: ["compute.rows <= compute.cols"]
sampling: {{method: random, points: 12, seed: SEED}}
"""
    def draw(seed):
        points, _ = expand(load_spec(write_spec(tmp_path, body.replace("SEED", str(seed)))))
        return [tuple(p.values.values()) for p in points]

    first = draw(3)
    assert first == draw(3) and first != draw(4)
    assert len(first) == len(set(first)) == 12
    assert all(rows <= cols for rows, cols, _ in first)
    # drawn from the valid grid, listed in grid order
    assert first == sorted(first, key=lambda c: ([8, 16, 32, 64, 128].index(c[0]), [8, 16, 32, 64, 128].index(c[1]),
                                                  ["os", "ws", "is"].index(c[2])))


def test_expressions_are_evaluated_safely():
    assert Expr("compute.rows * compute.cols <= 4096")({"compute.rows": 64, "compute.cols": 64}) is True
    assert Expr("max(a, b) // 2 + abs(-3) if d in ('os', 'ws') else 0")({"a": 7, "b": 9, "d": "ws"}) == 7
    assert Expr("log2(a) ** 2")({"a": 8}) == 9.0
    for bad in ["__import__('os').system('true')", "a.__class__()", "[x for x in a]", "a[0]", "lambda: 1",
                "open('f')", "max"]:
        with pytest.raises(ExprError):
            Expr(bad)
    with pytest.raises(ExprError, match="exponent"):
        Expr("2 ** 100000")({})
    with pytest.raises(ExprError, match="unknown name"):
        Expr("a + b")({"a": 1})


@pytest.mark.parametrize("body, key, reason", [
    ("axes: {compute.rowz: [1]}", "axes.compute.rowz", "unknown key (did you mean 'rows'?); valid keys here:"),
    ("axes: {computer.rows: [1]}", "axes.computer.rows", "no such section"),
    ("axes: {compute.rows: {range: {start: 1, stop: 4, step: 0}}}", "axes.compute.rows.range.step", "greater than 0"),
    ("axes: {compute.rows: {values: [1], range: {start: 1, stop: 2, step: 1}}}", "axes.compute.rows",
     "exactly one of values, range, logrange"),
    ("axes: {compute.rows: 32}", "axes.compute.rows", "expected a list of values"),
    ("axes: {workload.defaults.batchh: [1]}", "axes.workload.defaults.batchh", "unknown key"),
    ("axis: {compute.rows: [1]}", "axis", "unknown key (did you mean 'axes'?); valid keys here: axes,"),
    ("sampling: {method: random}", "sampling", "random sampling needs `points`"),
    ("constraints: ['__import__(\"os\")']", "constraints.0", "is not allowed here"),
    ("constraints: ['compute.colz > 1']", "constraints.0", "unknown name 'compute.colz'"),
])
def test_spec_errors_name_the_file_and_key(tmp_path, body, key, reason):
    path = write_spec(tmp_path, f"workloads: [{TOY3}]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    assert info.value.source == str(path) and info.value.key == key
    assert reason in info.value.reason


def test_cli_spec_error_is_one_line_and_exit_2(tmp_path):
    path = write_spec(tmp_path, f"workloads: [{TOY3}]\naxes: {{compute.rowz: [1]}}\n")
    proc = subprocess.run([sys.executable, "-m", "accelsim", "sweep", str(path), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"accelsim: error: {path}: axes.compute.rowz: unknown key")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_shipped_sweeps_are_valid():
    counts = {}
    for path in sorted((ROOT / "sweeps").glob("*.yaml")):
        points, _ = expand(load_spec(path))
        counts[path.stem] = len(points)
    assert counts == {"array_shapes": 66, "dram_bandwidth": 21, "random_small": 42}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["array_shapes", "dram_bandwidth", "random_small"])
def test_shipped_sweep_runs(tmp_path, name):
    outcome = run_sweep(ROOT / "sweeps" / f"{name}.yaml", tmp_path, jobs=2)
    assert outcome.failed == 0 and (outcome.points["status"] == "ok").all()


# --- running, storing, reusing ------------------------------------------------------------

def test_sweep_tables_equal_direct_runs_and_rerun_reuses_everything(tmp_path):
    spec = write_spec(tmp_path, f"""
workloads: [{TOY3}, {LENET}]
axes: {{compute.rows: [16, 32], memory.dram.bandwidth_bytes_per_cycle: [4, unlimited], workload.defaults.batch: [1, 2]}}
""")
    out = tmp_path / "out"
    first = run_sweep(spec, out, jobs=1)
    points, layers = first.points, first.layers
    assert (first.reused, first.computed, first.failed) == (0, 16, 0)
    assert list(points.columns[:9]) == ["point", "key", "workload", "compute.rows",
                                        "memory.dram.bandwidth_bytes_per_cycle", "workload.defaults.batch",
                                        "status", "error", "hardware"]
    # an axis mixing numbers and words is text; the others keep their type
    assert points["compute.rows"].dtype == "int64" and points["workload.defaults.batch"].dtype == "int64"
    assert list(points["memory.dram.bandwidth_bytes_per_cycle"][:4]) == ["4", "4", "unlimited", "unlimited"]
    for row in points.itertuples():
        direct = accelsim.simulate(
            accelsim.load_hardware(HW, {"compute.rows": int(row[4]),
                                        "memory.dram.bandwidth_bytes_per_cycle": 4 if row[5] == "4" else "unlimited"}),
            _batched(TOY3 if row.workload == "toy3" else LENET, int(row[6])))
        assert row.cycles == direct.summary["cycles"] and row.macs == direct.summary["macs"]
        mine = layers[layers["point"] == row.point]
        assert list(mine["cycles"]) == list(direct.layers["cycles"])
    assert len(layers) == 8 * 3 + 8 * 7  # toy3 has 3 layers, lenet5 7
    assert not layers.duplicated(["point", "layer"]).any()
    assert points.loc[points["workload.defaults.batch"] == 2, "macs"].tolist() == \
        [2 * m for m in points.loc[points["workload.defaults.batch"] == 1, "macs"]]
    assert len(list((out / "points").glob("*.json"))) == 16
    # no point failed, yet the error column is text (in the frame and in the Parquet file)
    assert points["error"].dtype == "string" and points["error"].isna().all()
    assert str(pq.read_schema(out / "points.parquet").field("error").type) in ("string", "large_string")
    assert json.loads(pq.read_schema(out / "points.parquet").metadata[b"accelsim.units"])["cycles"] == "cycles"

    again = run_sweep(spec, out, jobs=1)
    assert (again.reused, again.computed) == (16, 0)
    pd.testing.assert_frame_equal(again.points, points)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "layers.parquet"), layers)
    assert json.loads((out / "sweep.json").read_text())["axes"] == [
        "compute.rows", "memory.dram.bandwidth_bytes_per_cycle", "workload.defaults.batch"]


def _batched(path: Path, batch: int):
    return accelsim.load_workload(path, {"defaults.batch": batch})


def test_failing_points_are_recorded_and_do_not_stop_the_sweep(tmp_path, capsys):
    spec = write_spec(tmp_path, f"workloads: [{TOY3}]\naxes: {{compute.rows: [0, 32], workload.defaults.weight_bits: [8, 64]}}\n")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "-o", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert err.strip() == (f"accelsim: warning: 3 of 4 points failed; see the status and error columns of "
                           f"{out / 'points.csv'}")
    points = pd.read_csv(out / "points.csv")
    assert list(points["status"]) == ["error", "error", "ok", "error"]
    assert points["error"][0] == f"{HW}: compute.rows: Input should be greater than 0 (got 0)"
    assert points["error"][3].endswith("layers[0] (toy_conv1).weight_bits: at most 32 bits are supported")
    assert points["cycles"][2] == accelsim.simulate(HW, TOY3).summary["cycles"]
    assert set(pd.read_csv(out / "layers.csv")["point"]) == {2}
    assert main(["sweep", str(spec), "-o", str(out), "-q", "--strict"]) == 1


def test_dask_without_the_extra_is_a_clean_error(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    spec = write_spec(tmp_path, f"workloads: [{TOY3}]\n")
    assert main(["sweep", str(spec), "-o", str(tmp_path / "out"), "--dask", "local"]) == 2
    assert capsys.readouterr().err == "accelsim: error: --dask: needs the optional extra: pip install 'accelsim[dask]'\n"


def test_pool_and_dask_give_identical_tables(tmp_path):
    pytest.importorskip("distributed")
    spec = write_spec(tmp_path, f"""
workloads: [{TOY3}, {LENET}]
axes: {{compute.rows: [8, 16, 32], compute.dataflow: [os, ws, is], compute.cols: [0, 16]}}
""")
    runs = {}
    for label, kwargs in {"serial": {"jobs": 1}, "pool": {"jobs": 2}, "dask": {"jobs": 2, "dask": "local"}}.items():
        outcome = run_sweep(spec, tmp_path / label, **kwargs)
        assert (outcome.reused, outcome.failed, len(outcome.points)) == (0, 18, 36)
        runs[label] = outcome
    for name in ("points", "layers"):
        serial = pd.read_parquet(tmp_path / "serial" / f"{name}.parquet")
        for label in ("pool", "dask"):
            pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / label / f"{name}.parquet"), serial)
            assert (tmp_path / label / f"{name}.csv").read_bytes() == (tmp_path / "serial" / f"{name}.csv").read_bytes()


def test_killed_sweep_resumes_without_losing_or_repeating_points(tmp_path):
    spec = write_spec(tmp_path, f"""
workloads: [{RESNET18}]
axes: {{compute.rows: [8, 16, 32, 64, 128], compute.cols: [16, 32, 64, 128]}}
""")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "accelsim", "sweep", str(spec), "-o", str(out), "-j", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while len(list((out / "points").glob("*.json"))) < 3:
            assert proc.poll() is None, "the sweep finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}
    assert 3 <= len(before) < 20
    assert not (out / "points.csv").exists()

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"reused {len(before)} stored, 0 invalid, {20 - len(before)} to run" in rerun.stdout
    points = pd.read_csv(out / "points.csv")
    assert list(points["point"]) == list(range(20)) and points["key"].is_unique
    assert (points["status"] == "ok").all()
    layers = pd.read_csv(out / "layers.csv")
    assert len(layers) == 20 * 23 and not layers.duplicated(["point", "layer"]).any()
    after = {p.name: p.stat().st_mtime_ns for p in (out / "points").glob("*.json")}
    assert len(after) == 20 and all(after[name] == mtime for name, mtime in before.items())  # none recomputed
    assert not [p for p in out.rglob("*.tmp")]
