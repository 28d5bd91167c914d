"""Sweep specs and compression blocks at their limits: one ConfigError/WorkloadError, no crash."""

from __future__ import annotations

import time

import pytest

import accelsim
from accelsim.errors import ConfigError, WorkloadError
from accelsim.sweep.expand import expand
from accelsim.sweep.expr import Expr, ExprError
from accelsim.sweep.spec import load_spec
from tests.conftest import ROOT

HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"


def _spec(tmp_path, body: str, hardware: str | None = None):
    path = tmp_path / "spec.yaml"
    path.write_text(f"hardware: {hardware or HW}\nworkloads: [{TOY3}]\n{body}\n")
    return path


@pytest.mark.parametrize("body,key,reason", [
    ("seed: 1180591620717411303424", "seed", "less than or equal to 9223372036854775807"),
    ("seed: -1", "seed", "greater than or equal to 0"),
    ("sampling: {method: random, points: 5, seed: -3}", "sampling.seed", "greater than or equal to 0"),
    ("sampling: {method: random, points: 100000000000}", "sampling.points", "less than or equal to 200000"),
    ("axes: {compute.rows: {logrange: {start: 1, stop: 64, num: 2147483648}}}", "axes.compute.rows.logrange.num",
     "less than or equal to 100000"),
    ("axes: {compute.rows: {range: {start: 0, stop: 1.0e308, step: 1.0e-308}}}", "axes.compute.rows",
     "at most 100000 per axis"),
    ("axes: {compute.rows: {range: {start: 0, stop: " + "9" * 400 + ", step: 1}}}", "axes.compute.rows",
     "at most 100000 per axis"),
    ("axes: {compute.rows: {logrange: {start: 1, stop: " + "9" * 400 + ", factor: 2}}}", "axes.compute.rows",
     "at most 100000 per axis"),
    ("axes: {compute.rows: {range: {start: 0, stop: .inf, step: 1}}}", "axes.compute.rows.range.stop", "finite"),
])
def test_spec_limits(tmp_path, body, key, reason):
    started = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        expand(load_spec(_spec(tmp_path, body)))
    assert time.perf_counter() - started < 60  # hang guard
    assert info.value.key == key and reason in info.value.reason


def test_very_long_hardware_path(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_spec(_spec(tmp_path, "", hardware="x" * 5000 + ".yaml"))
    assert info.value.key == "hardware" and "file not found" in info.value.reason
    assert len(info.value.message) < 800


def test_random_sampling_of_a_grid_past_int64(tmp_path):
    axes = ", ".join(f"compute.{k}: {{range: {{start: 1, stop: 60000, step: 1}}}}" for k in ("rows", "cols"))
    axes += ", memory.ifmap_sram.capacity_kib: {range: {start: 1, stop: 60000, step: 1}}"
    axes += ", memory.filter_sram.capacity_kib: {range: {start: 1, stop: 60000, step: 1}}"
    axes += ", memory.ofmap_sram.capacity_kib: {range: {start: 1, stop: 60000, step: 1}}"
    spec = load_spec(_spec(tmp_path, f"axes: {{{axes}}}\nsampling: {{method: random, points: 3, seed: 7}}"))
    first, _ = expand(spec)
    again, _ = expand(spec)
    assert len(first) == 3 and first == again


@pytest.mark.parametrize("text,reason", [
    ("'x' * 100000000000", "strings cannot be multiplied"),
    ("(2 ** 1024) ** 1024", "too large"),
    ("1 + " * 2000 + "1", "longer than"),
    ("(" * 300 + "1" + ")" * 300, "not an expression"),
])
def test_expressions_cannot_blow_up(text, reason):
    started = time.perf_counter()
    with pytest.raises(ExprError, match=reason):
        Expr(text)({})
    assert time.perf_counter() - started < 30  # hang guard


@pytest.mark.parametrize("block,reason", [
    ("[{scheme: {}}]", "unknown compression scheme"),
    ("[{scheme: [prune]}]", "unknown compression scheme"),
    ("[{scheme: prune, sparsity: .nan}]", "finite"),
    ("[{scheme: bitflip, max_rel_error: .inf}]", "finite"),
    ("[[1, 2]]", "valid dictionary"),
])
def test_compression_blocks_of_the_wrong_shape(tmp_yaml, block, reason):
    path = tmp_yaml("name: w\nlayers:\n  - {name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, "
                    f"compression: {block}}}\n", "w.yaml")
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(path)
    assert info.value.key.startswith("layers[0] (c1).compression") and reason in info.value.reason
