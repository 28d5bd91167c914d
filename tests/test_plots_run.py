"""Run plots: each file is written, and what each figure draws equals the result's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import accelsim
from accelsim import plots
from accelsim.cli import main
from accelsim.errors import InputError
from tests.conftest import ROOT

pytest.importorskip("matplotlib")
SYSTOLIC = ROOT / "hwconfigs" / "systolic_32x32.yaml"
ISAAC = ROOT / "hwconfigs" / "isaac.yaml"
LENET = ROOT / "workloads" / "lenet5.yaml"


@pytest.fixture(scope="module")
def systolic():
    return accelsim.simulate(SYSTOLIC, LENET)


@pytest.fixture(scope="module")
def isaac():
    return accelsim.simulate(ISAAC, LENET)


def bars(ax):
    from matplotlib.patches import Rectangle

    return [p for p in ax.patches if isinstance(p, Rectangle)]


def stacked_tops(ax, n):
    tops = np.zeros(n)
    for p in bars(ax):
        i = int(round(p.get_x() + p.get_width() / 2))
        tops[i] = max(tops[i], p.get_y() + p.get_height())
    return tops


def test_layers_plot_stacks_to_each_layers_cycles_and_energy(isaac):
    fig = plots.plot_layers(isaac)
    cycles_ax, energy_ax = fig.axes[:2]
    layers = isaac.layers
    assert stacked_tops(cycles_ax, len(layers)) == pytest.approx(layers["compute_cycles"] + layers["stall_cycles"])
    assert energy_ax.get_ylabel() == "energy (µJ)"   # not pJ x 1e6
    assert stacked_tops(energy_ax, len(layers)) == pytest.approx(layers["energy_pj"] / 1e6)
    # ISAAC has 15 energy parts: the minor ones are grouped, so no two legend entries share a colour
    labels = [t.get_text() for t in energy_ax.get_legend().get_texts()]
    assert len(labels) <= 12 and any(t.startswith("other (") for t in labels)
    handles = energy_ax.get_legend().legend_handles
    assert len({tuple(h.get_facecolor()) for h in handles}) == len(handles)


def test_energy_breakdown_equals_the_components(isaac):
    fig = plots.plot_energy_breakdown(isaac)
    energy_ax, area_ax = fig.axes[:2]
    c = isaac.components
    energy = c[c["stat"] == "energy_pj"].set_index("component")["value"]
    area = c[c["stat"] == "area_mm2"].set_index("component")["value"]
    names = [t.get_text().replace(" ", "_") for t in energy_ax.get_yticklabels()]
    assert set(names) == set(energy[(energy > 0) | (area > 0)].index)
    widths = {n: 0.0 for n in names}
    for p in bars(energy_ax):
        widths[names[int(round(p.get_y() + p.get_height() / 2))]] += p.get_width()
    assert [widths[n] for n in names] == pytest.approx([energy[n] / 1e6 for n in names])
    assert energy_ax.get_xlabel() == "energy (µJ)"
    assert [p.get_width() for p in bars(area_ax)] == pytest.approx([area[n] for n in names])
    assert sum(energy) == pytest.approx(isaac.summary["energy_pj"])


def test_utilization_plot_shows_each_layer_and_its_stall_shares(systolic):
    fig = plots.plot_utilization(systolic)
    top, bottom = fig.axes[:2]
    layers = systolic.layers
    assert [p.get_height() for p in bars(top)] == pytest.approx(100 * layers["utilization"])
    assert stacked_tops(bottom, len(layers)) == pytest.approx(np.full(len(layers), 100.0))
    stall = [p for p in bars(bottom) if p.get_label() == "ifmap dram"] or \
        [p for p in bars(bottom) if p.get_y() > 0]
    assert stall  # the systolic chip stalls on DRAM: some layer has a stall share drawn


def test_timeline_draws_layers_from_start_to_end_and_shows_pipelined_overlap(isaac, systolic):
    for run, overlap in ((isaac, True), (systolic, False)):
        fig = plots.plot_timeline(run)
        ax = fig.axes[0]
        mhz = run.summary["clock_mhz"]
        spans = [(p.get_x(), p.get_x() + p.get_width()) for p in bars(ax)]
        expected = list(zip(run.layers["start_cycle"] / mhz, run.layers["end_cycle"] / mhz))  # in µs
        assert np.array(spans) == pytest.approx(np.array(expected))
        assert ax.get_xlabel() == "time (µs)"
        assert ("layers overlap" in ax.get_title()) == overlap
        assert {t.get_text() for t in ax.get_legend().get_texts()} == set(run.layers["unit"])


def test_roofline_points_and_roofs(systolic):
    fig = plots.plot_roofline(systolic)
    ax = fig.axes[0]
    layers = systolic.layers[systolic.layers["macs"] > 0]
    ops = 2 * layers["macs"]
    expected = np.column_stack([ops / (layers["dram_read_bytes"] + layers["dram_write_bytes"]),
                                ops / layers["seconds"] / 1e9])
    drawn = ax.collections[0].get_offsets()
    assert np.asarray(drawn) == pytest.approx(expected)
    roof = ax.get_lines()[0].get_ydata()
    assert max(roof) == pytest.approx(2 * 32 * 32 * 1000 / 1e3)       # 32x32 MACs at 1 GHz: 2048 GOP/s
    assert systolic.summary["dram_gb_per_s"] == 16.0
    assert (expected[:, 1] <= np.minimum(2048, 16 * expected[:, 0]) * 1.0001).all()  # no layer above its roof


def test_dram_plot_equals_the_layers_traffic(systolic):
    ax = plots.plot_dram(systolic).axes[0]
    layers = systolic.layers
    assert ax.get_ylabel() == "DRAM traffic (KiB)"
    assert stacked_tops(ax, len(layers)) == pytest.approx((layers["dram_read_bytes"] + layers["dram_write_bytes"]) / 1024)


def test_chips_without_dram_refuse_roofline_and_dram_plots(isaac):
    for plot in (plots.plot_roofline, plots.plot_dram):
        with pytest.raises(InputError, match="DRAM traffic"):
            plot(isaac)


def test_compare_plot_of_two_runs(tmp_path, systolic):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(SYSTOLIC), str(LENET), "-q", "-o", str(a)]) == 0
    assert main(["run", str(SYSTOLIC), str(LENET), "-q", "-o", str(b), "--set", "compute.rows=64"]) == 0
    out = tmp_path / "plots"
    assert main(["plot", str(a), str(b), "-o", str(out), "--format", "png,svg,pdf", "--dpi", "60"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["compare.pdf", "compare.png", "compare.svg"]
    assert (out / "compare.pdf").read_bytes().startswith(b"%PDF")
    wide = accelsim.simulate(accelsim.load_hardware(SYSTOLIC, {"compute.rows": 64}), LENET)
    fig = plots.plot_compare(plots.load_run(a), plots.load_run(b), names=("a", "b"))
    cycles_ax = fig.axes[0]
    drawn = bars(cycles_ax)  # A's bars, then B's
    assert [p.get_height() for p in drawn[:7]] == list(systolic.layers["cycles"])
    assert [p.get_height() for p in drawn[7:14]] == list(wide.layers["cycles"])
    ratios = [p.get_width() for p in bars(fig.axes[2])]
    assert ratios[0] == pytest.approx(wide.cycles / systolic.cycles)


def test_plot_options_are_checked_and_dpi_applies(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(ISAAC), str(LENET), "-q", "-o", str(run)]) == 0
    assert main(["plot", str(run), "-o", str(tmp_path / "p"), "--format", "png,jpeg"]) == 2
    assert "--format: unknown format jpeg; use png, svg, pdf" in capsys.readouterr().err
    assert main(["plot", str(run), "-o", str(tmp_path / "p"), "--kind", "roofline"]) == 2
    assert "roofline needs per-layer DRAM traffic" in capsys.readouterr().err
    assert main(["plot", str(run), "-o", str(tmp_path / "p")]) == 0     # crossbar: the kinds that apply
    assert sorted(p.stem for p in (tmp_path / "p").glob("*.png")) == ["energy_breakdown", "layers", "timeline",
                                                                       "utilization"]
    from matplotlib.image import imread

    for dpi in (50, 100):
        assert main(["plot", str(run), "-o", str(tmp_path / f"d{dpi}"), "--kind", "timeline", "--format", "png",
                     "--dpi", str(dpi)]) == 0
    small, large = (imread(tmp_path / f"d{dpi}" / "timeline.png").shape for dpi in (50, 100))
    assert large[1] == pytest.approx(2 * small[1], abs=2)
