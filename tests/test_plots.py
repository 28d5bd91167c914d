"""Plots: Pareto fronts are exact, metrics can be expressions, `accelsim plot` writes PNG and SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from accelsim.cli import main
from accelsim.errors import InputError
from accelsim.plots import metric, pareto_mask, plot_layers, save
from accelsim.sweep.run import run_sweep
from tests.conftest import ROOT

pytest.importorskip("matplotlib")
HW = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def test_pareto_mask_minimises_every_column():
    points = np.array([[1, 9], [2, 4], [3, 4], [4, 1], [5, 5], [2, 4], [9, 1]])
    assert pareto_mask(points).tolist() == [True, True, False, True, False, True, False]  # ties both stay
    three = np.array([[1, 5, 5], [5, 1, 5], [5, 5, 1], [5, 5, 5], [1, 5, 6]])
    assert pareto_mask(three).tolist() == [True, True, True, False, False]


def brute_force_front(values: np.ndarray) -> list[bool]:
    return [not any((o <= v).all() and (o < v).any() for o in values) for v in values]


def test_pareto_mask_matches_brute_force_on_random_points():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 20, size=(200, 3)).astype(float)
    assert pareto_mask(values).tolist() == brute_force_front(values)


def test_metrics_are_columns_or_expressions():
    frame = pd.DataFrame({"cycles": [10, 20], "compute.rows": [4, 8], "compute.cols": [2, 2]})
    assert metric(frame, "cycles").tolist() == [10, 20]
    assert metric(frame, "compute.rows * compute.cols + cycles / 10").tolist() == [9.0, 18.0]
    with pytest.raises(InputError, match="no column 'energy'"):
        metric(frame, "energy * 2")


def check_images(paths, stems):
    assert sorted(p.name for p in paths if p.suffix in (".png", ".svg")) == sorted(
        f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    for path in paths:
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG)
        elif path.suffix == ".svg":
            assert ET.parse(path).getroot().tag.endswith("svg")


def test_layers_plot_of_a_run(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["run", str(HW), str(ROOT / "workloads" / "lenet5.yaml"), "-o", str(run_dir), "-q"]) == 0
    assert main(["plot", str(run_dir), "-o", str(tmp_path / "plots")]) == 0
    # every run kind that applies (systolic: with DRAM)
    check_images(list((tmp_path / "plots").iterdir()),
                 ["layers", "energy_breakdown", "utilization", "timeline", "roofline", "dram"])
    assert main(["plot", str(run_dir), "-o", str(tmp_path / "plots"), "--kind", "pareto"]) == 2
    assert "--kind pareto needs a sweep directory" in capsys.readouterr().err


def test_svg_is_reproducible_and_keeps_text_as_text(tmp_path):
    layers = pd.read_csv(ROOT / "tests" / "golden" / "systolic_32x32__lenet5.csv").iloc[:-1]
    first = save(plot_layers(layers), tmp_path / "a", "layers")
    second = save(plot_layers(layers), tmp_path / "b", "layers")
    assert first[1].read_bytes() == second[1].read_bytes()
    texts = [e.text for e in ET.parse(first[1]).getroot().iter() if e.tag.endswith("text")]
    assert "conv1" in texts and "cycles" in texts  # svg.fonttype none: labels are searchable text


def test_sweep_and_pareto_plots_of_a_sweep(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW}\nworkloads: [{TOY3}]\n"
                    "axes: {compute.rows: [8, 16, 32, 64], compute.cols: [8, 16, 32, 64], compute.dataflow: [os, ws]}\n")
    run_sweep(spec, tmp_path / "sweep", jobs=2)
    out = tmp_path / "plots"
    assert main(["plot", str(tmp_path / "sweep"), "-o", str(out)]) == 0
    assert main(["plot", str(tmp_path / "sweep"), "-o", str(out), "--kind", "layers", "--point", "3"]) == 0
    check_images(list(out.iterdir()), ["sweep", "pareto", "layers"])

    # the front written is exactly the non-dominated set of (cycles, pe count)
    assert main(["plot", str(tmp_path / "sweep"), "-o", str(out), "--kind", "pareto",
                 "--y", "compute.rows * compute.cols"]) == 0
    points = pd.read_csv(tmp_path / "sweep" / "points.csv")
    values = np.column_stack([points["cycles"], points["compute.rows"] * points["compute.cols"]])
    expected = points.loc[brute_force_front(values), "point"].tolist()
    assert pd.read_csv(out / "pareto.csv")["point"].tolist() == expected
    assert 1 < len(expected) < len(points)


def test_plot_of_something_else_is_a_clean_error(tmp_path, capsys):
    assert main(["plot", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith(f"accelsim: error: {tmp_path}: not a result directory")
