"""Plots of one run (a `Result`, or `load_run(directory)` of `accelsim run -o`): per-layer
latency and energy, the whole run's energy and area by component, utilisation with stall
causes, a timeline of layers on units, a roofline, DRAM traffic, and two runs side by side.
Each function returns its matplotlib Figure; `accelsim.plots.save(fig, dir, kind)` writes it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from accelsim.errors import InputError
from accelsim.plots.base import (bytes_unit, colours, energy_unit, figure, group_minor, label, layer_axis,
                                 time_unit)


def EngFormatter(**kwargs):
    from matplotlib.ticker import EngFormatter as formatter

    return formatter(**kwargs)


def _layers(run) -> pd.DataFrame:
    return run if isinstance(run, pd.DataFrame) else run.layers


def _title(run, what: str) -> str:
    summary = getattr(run, "summary", None) or {}
    name = f"{summary.get('hardware', '')} / {summary.get('workload', '')}".strip(" /")
    return f"{name}: {what}" if name else what


def stall_columns(layers: pd.DataFrame) -> list[str]:
    return [c for c in layers.columns if c.startswith("stall_") and c != "stall_cycles" and layers[c].sum() > 0]


def _stack(ax, x, series: dict[str, np.ndarray], width: float = 0.8, **kwargs) -> np.ndarray:
    bottom = np.zeros(len(x))
    for (name, values), colour in zip(series.items(), colours(len(series))):
        ax.bar(x, values, bottom=bottom, width=width, label=label(name), color=colour, **kwargs)
        bottom = bottom + values
    return bottom


def plot_layers(run, *, title: str = ""):
    """Per layer: cycles (compute + each stall cause, stacked) and energy by component (minor
    components grouped), energy in pJ/nJ/µJ/mJ as fits."""
    layers = _layers(run)
    latency = [c for c in ("compute_cycles",) if c in layers.columns] + stall_columns(layers)
    parts = [c for c in layers.columns if c.startswith("energy_pj_") and layers[c].sum() > 0]
    energy = parts or [c for c in ("energy_pj",) if c in layers.columns]
    fig, axs = figure(2 if energy else 1, 1, width=max(6.0, 0.35 * len(layers)), height=3.4)
    x = np.arange(len(layers))
    _stack(axs[0, 0], x, {c: layers[c].to_numpy(dtype=float) for c in latency})
    axs[0, 0].set_ylabel("cycles")
    axs[0, 0].yaxis.set_major_formatter(EngFormatter(sep=""))
    if energy:
        unit, factor = energy_unit(float(layers[energy].sum(axis=1).max()))
        series = group_minor({c: layers[c].to_numpy(dtype=float) / factor for c in energy})
        _stack(axs[1, 0], x, series)
        axs[1, 0].set_ylabel(f"energy ({unit})")
    for ax in axs[:, 0]:
        height = max((p.get_y() + p.get_height() for p in ax.patches), default=1.0) or 1.0
        ax.set_ylim(0, 1.3 * height)  # headroom for the legend
        layer_axis(ax, layers["layer"])
        ax.legend(fontsize=7, ncols=4, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    axs[0, 0].set_title(title or _title(run, "per-layer latency and energy"))
    return fig


def _component_table(run) -> pd.DataFrame:
    c = run.components
    table = c[c["stat"].isin(["dynamic_energy_pj", "leakage_energy_pj", "energy_pj", "area_mm2"])]
    table = table.pivot_table(index="component", columns="stat", values="value", aggfunc="sum", sort=False)
    table = table.reindex(columns=["dynamic_energy_pj", "leakage_energy_pj", "energy_pj", "area_mm2"], fill_value=0.0)
    return table[(table["energy_pj"] > 0) | (table["area_mm2"] > 0)].sort_values("energy_pj", ascending=True)


def plot_energy_breakdown(run, *, title: str = ""):
    """The whole run's energy (dynamic and leakage) and the chip's area, by component: one row
    per component, largest energy on top, each bar labelled with its share."""
    table = _component_table(run)
    if table.empty:
        raise InputError("no component has energy or area", "components")
    fig, axs = figure(1, 2, width=4.6, height=max(2.4, 0.32 * len(table) + 1.2), sharey=True)
    y = np.arange(len(table))
    unit, factor = energy_unit(float(table["energy_pj"].max()))
    dynamic, leakage = table["dynamic_energy_pj"] / factor, table["leakage_energy_pj"] / factor
    energy_ax, area_ax = axs[0]
    blue, orange = colours(2)
    energy_ax.barh(y, dynamic, color=blue, label="dynamic")
    if (leakage > 0).any():
        energy_ax.barh(y, leakage, left=dynamic, color=orange, label="leakage")
    area_ax.barh(y, table["area_mm2"], color=colours(3)[2], label="area")
    for ax, values in ((energy_ax, table["energy_pj"] / factor), (area_ax, table["area_mm2"])):
        total = float(values.sum())
        for yi, v in zip(y, values):
            if total > 0:
                share = 100 * v / total
                ax.text(v, yi, f" {share:.1f}%" if share >= 0.1 or share == 0 else " <0.1%", va="center", fontsize=7)
        ax.set_xlim(0, 1.2 * float(values.max()) if values.max() > 0 else 1)
        ax.grid(axis="x", alpha=0.3)
    energy_ax.set_yticks(y, [label(n) for n in table.index], fontsize=8)
    total_unit, total_factor = energy_unit(float(table["energy_pj"].sum()))
    energy_ax.set_xlabel(f"energy ({unit})")
    energy_ax.set_title(f"energy: {table['energy_pj'].sum() / total_factor:.4g} {total_unit} in total", fontsize=9)
    area_ax.set_xlabel("area (mm²)")
    area_ax.set_title(f"area: {table['area_mm2'].sum():.4g} mm² in total", fontsize=9)
    energy_ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title or _title(run, "energy and area by component"), fontsize=10)
    return fig


def plot_utilization(run, *, title: str = ""):
    """Per layer: the share of peak MACs used (and the mapping efficiency, when the chip reports
    it), and how each layer's cycles split into compute and each stall cause."""
    layers = _layers(run)
    fig, axs = figure(2, 1, width=max(6.0, 0.35 * len(layers)), height=3.0)
    x = np.arange(len(layers))
    top, bottom = axs[0, 0], axs[1, 0]
    top.bar(x, 100 * layers["utilization"], color=colours(1)[0], label="utilization (executed MACs / peak)")
    if "mapping_efficiency" in layers.columns:
        top.plot(x, 100 * layers["mapping_efficiency"], "_", ms=16, mew=2, color="black",
                 label="mapping efficiency (PEs holding work)")
    summary = getattr(run, "summary", {}) or {}
    if "utilization" in summary:
        top.axhline(100 * summary["utilization"], ls="--", lw=1, color="grey",
                    label=f"whole run {100 * summary['utilization']:.1f}%")
    highest = float(100 * max(layers["utilization"].max(), layers.get("mapping_efficiency", layers["utilization"]).max(),
                              summary.get("utilization", 0)))
    top.set_ylim(0, 1.35 * highest if highest > 0 else 1)  # low utilisation stays readable; headroom for the legend
    top.set_ylabel("utilization (% of peak)")
    causes = stall_columns(layers)
    total = (layers["compute_cycles"] + layers[causes].sum(axis=1)).to_numpy(dtype=float) if causes else \
        layers["compute_cycles"].to_numpy(dtype=float)
    total[total == 0] = 1
    shares = {c: 100 * layers[c].to_numpy(dtype=float) / total for c in ["compute_cycles", *causes]}
    _stack(bottom, x, shares)
    bottom.set_ylim(0, 130)
    bottom.set_ylabel("% of the layer's cycles")
    for ax in (top, bottom):
        layer_axis(ax, layers["layer"])
        ax.legend(fontsize=7, ncols=4, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    top.set_title(title or _title(run, "utilization and stall causes per layer"))
    return fig


def plot_timeline(run, *, title: str = ""):
    """A Gantt chart: one row per layer, from its first to its last cycle, coloured by the unit
    that ran it. On pipelined chips the rows overlap in time: layer i+1 starts on its own tiles
    as soon as layer i's first rows exist."""
    layers = _layers(run)
    summary = getattr(run, "summary", {}) or {}
    mhz = float(summary.get("clock_mhz", 0) or 0)
    start, end = layers["start_cycle"].to_numpy(dtype=float), layers["end_cycle"].to_numpy(dtype=float)
    if mhz:
        unit, factor = time_unit(float(end.max()) / mhz)
        start, end, xlabel = start / mhz / factor, end / mhz / factor, f"time ({unit})"
    else:
        xlabel = "cycle"
    fig, axs = figure(1, 1, width=7.5, height=max(2.2, 0.28 * len(layers) + 1.2))
    ax = axs[0, 0]
    units = list(dict.fromkeys(layers["unit"].astype(str))) if "unit" in layers.columns else ["layer"]
    palette = dict(zip(units, colours(len(units))))
    y = np.arange(len(layers))
    for i, row in enumerate(layers.itertuples()):
        unit_name = str(getattr(row, "unit", "layer"))
        ax.barh(i, end[i] - start[i], left=start[i], height=0.7, color=palette[unit_name])
    from matplotlib.patches import Patch

    handles = [Patch(color=colour, label=unit_name) for unit_name, colour in palette.items()]
    ax.set_yticks(y, [str(n) for n in layers["layer"]], fontsize=7)
    ax.invert_yaxis()  # first layer on top
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, float(end.max()) * 1.02 if len(end) else 1)
    ax.grid(axis="x", alpha=0.3)
    overlap = bool((start[1:] < end[:-1] - 1e-12).any()) if len(layers) > 1 else False
    execution = summary.get("execution", "")
    ax.legend(handles=handles, fontsize=7, loc="upper right", title="unit", title_fontsize=7)
    ax.set_title(title or _title(run, f"timeline ({execution}{', layers overlap' if overlap else ''})"), fontsize=10)
    return fig


def roofline_points(run) -> pd.DataFrame:
    """Per layer with MACs and DRAM traffic: operational intensity (ops per DRAM byte) and the
    achieved throughput (GOP/s), from the layer's own cycles."""
    layers = _layers(run)
    if not {"dram_read_bytes", "dram_write_bytes"} <= set(layers.columns):
        raise InputError("the roofline needs per-layer DRAM traffic (dram_read_bytes, dram_write_bytes), which "
                         "this chip does not report (crossbar chips keep weights on chip)", "--kind roofline")
    ops = 2.0 * layers["macs"].to_numpy(dtype=float)
    traffic = (layers["dram_read_bytes"] + layers["dram_write_bytes"]).to_numpy(dtype=float)
    seconds = layers["seconds"].to_numpy(dtype=float)
    keep = (ops > 0) & (traffic > 0) & (seconds > 0)
    return pd.DataFrame({"layer": layers["layer"][keep].to_numpy(), "ops_per_byte": ops[keep] / traffic[keep],
                         "gops": ops[keep] / seconds[keep] / 1e9})


def plot_roofline(run, *, title: str = ""):
    """Each layer at (ops per DRAM byte, achieved GOP/s) under the chip's roofs: peak compute
    (`peak_gops`) and DRAM bandwidth (`dram_gb_per_s` x intensity)."""
    points = roofline_points(run)
    summary = getattr(run, "summary", {}) or {}
    peak, bandwidth = summary.get("peak_gops"), summary.get("dram_gb_per_s")
    if not peak:
        raise InputError("the roofline needs the chip's peak_gops in summary.json (rerun with this accelsim)",
                         "--kind roofline")
    fig, axs = figure(1, 1, width=6.0, height=4.4)
    ax = axs[0, 0]
    lo = min(points["ops_per_byte"].min(), peak / bandwidth if bandwidth else np.inf) / 4 if len(points) else 0.1
    hi = max(points["ops_per_byte"].max() if len(points) else 10, peak / bandwidth if bandwidth else 0) * 4
    xs = np.geomspace(lo, hi, 200)
    roof = np.minimum(peak, bandwidth * xs) if bandwidth else np.full_like(xs, peak)
    ax.plot(xs, roof, color="black", lw=1.5, label="roof" if bandwidth else "compute roof (DRAM bandwidth unlimited)")
    ax.axhline(peak, ls=":", lw=1, color="grey")
    ax.text(lo * 1.15, peak * 1.08, f"peak {peak:.4g} GOP/s", ha="left", va="bottom", fontsize=7)
    if bandwidth:
        ridge = peak / bandwidth
        ax.axvline(ridge, ls=":", lw=1, color="grey")
        ax.text(ridge, peak / 30, f" DRAM {bandwidth:.4g} GB/s\n ridge {ridge:.3g} op/B", fontsize=7)
    ax.scatter(points["ops_per_byte"], points["gops"], s=24, color=colours(1)[0], zorder=3, label="layers")
    # layers of one shape sit on one spot: one label per spot (within ~25 % on both axes), "first +k"
    spots: list[list] = []
    for row in points.itertuples():
        here = np.log10([row.ops_per_byte, row.gops])
        spot = next((s for s in spots if np.abs(np.log10([s[0].ops_per_byte, s[0].gops]) - here).max() < 0.1), None)
        if spot is None:
            spots.append([row])
        else:
            spot.append(row)
    for i, rows in enumerate(sorted(spots, key=lambda rows: rows[0].ops_per_byte)):
        text = str(rows[0].layer) + (f" +{len(rows) - 1}" if len(rows) > 1 else "")
        # neighbours alternate above and below their points, so their labels do not collide
        ax.annotate(text, (rows[0].ops_per_byte, rows[0].gops), xytext=(4, 4 if i % 2 else -10),
                    textcoords="offset points", fontsize=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ymin = min(points["gops"].min() / 3 if len(points) else peak / 100, peak / 100)
    ax.set_ylim(ymin, peak * 3)
    ax.set_xlabel("operational intensity (ops per DRAM byte)")
    ax.set_ylabel("achieved throughput (GOP/s)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or _title(run, "roofline per layer"), fontsize=10)
    return fig


def plot_dram(run, *, title: str = ""):
    """DRAM bytes read and written per layer (stacked), in B/KiB/MiB as fits."""
    layers = _layers(run)
    if not {"dram_read_bytes", "dram_write_bytes"} <= set(layers.columns):
        raise InputError("this chip reports no per-layer DRAM traffic (dram_read_bytes, dram_write_bytes)",
                         "--kind dram")
    unit, factor = bytes_unit(float((layers["dram_read_bytes"] + layers["dram_write_bytes"]).max()))
    fig, axs = figure(1, 1, width=max(6.0, 0.35 * len(layers)), height=3.4)
    ax = axs[0, 0]
    x = np.arange(len(layers))
    top = _stack(ax, x, {"read": layers["dram_read_bytes"].to_numpy(dtype=float) / factor,
                         "written": layers["dram_write_bytes"].to_numpy(dtype=float) / factor})
    ax.set_ylim(0, 1.25 * top.max() if top.max() > 0 else 1)
    ax.set_ylabel(f"DRAM traffic ({unit})")
    layer_axis(ax, layers["layer"])
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    total_unit, total_factor = bytes_unit(float(layers["dram_read_bytes"].sum() + layers["dram_write_bytes"].sum()))
    ax.set_title(title or _title(run, f"DRAM traffic per layer\nin total read {layers['dram_read_bytes'].sum() / total_factor:.4g}"
                                      f" {total_unit}, written {layers['dram_write_bytes'].sum() / total_factor:.4g} "
                                      f"{total_unit}"), fontsize=10)
    return fig


COMPARED = (("cycles", "cycles"), ("energy_pj", "energy"), ("area_mm2", "area"), ("power_w", "power"),
            ("gops_per_w", "GOPS/W"))


def compare_table(a, b, names: tuple[str, str]) -> pd.DataFrame:
    """Layers matched by name (A's order, then B's new ones): cycles and energy of each run."""
    la, lb = a.layers.set_index("layer"), b.layers.set_index("layer")
    order = list(dict.fromkeys([*la.index, *lb.index]))
    frame = pd.DataFrame({"layer": order})
    for run, name in ((la, names[0]), (lb, names[1])):
        for stat in ("cycles", "energy_pj"):
            frame[f"{stat} {name}"] = [float(run.at[n, stat]) if n in run.index else np.nan for n in order]
    return frame


def plot_compare(a, b, *, names: tuple[str, str] = ("A", "B"), title: str = ""):
    """Two runs side by side: cycles and energy per layer (layers matched by name), and B's
    totals relative to A's."""
    table = compare_table(a, b, names)
    fig = figure(1, 1)[0]
    fig.set_size_inches(max(7.0, 0.4 * len(table) + 3.0), 8.0)
    fig.clear()
    grid = fig.add_gridspec(3, 1, height_ratios=[3, 3, 2.2])
    cycles_ax, energy_ax, ratio_ax = (fig.add_subplot(grid[i]) for i in range(3))
    x = np.arange(len(table))
    blue, orange = colours(2)
    unit, factor = energy_unit(float(np.nanmax(table[[f"energy_pj {n}" for n in names]].to_numpy())))
    for ax, stat, ylabel, scale in ((cycles_ax, "cycles", "cycles", 1.0), (energy_ax, "energy_pj", f"energy ({unit})", factor)):
        for offset, name, colour in ((-0.2, names[0], blue), (0.2, names[1], orange)):
            ax.bar(x + offset, table[f"{stat} {name}"] / scale, width=0.4, color=colour, label=name)
        ax.set_ylabel(ylabel)
        layer_axis(ax, table["layer"])
        ax.grid(axis="y", alpha=0.3)
        highest = float(np.nanmax(table[[f"{stat} {n}" for n in names]].to_numpy())) / scale
        ax.set_ylim(0, 1.25 * highest if highest > 0 else 1)  # headroom for the legend
        ax.yaxis.set_major_formatter(EngFormatter(sep=""))  # 400k, not 400000
        ax.legend(fontsize=7, loc="upper left", ncols=2)
    stats = [(key, text) for key, text in COMPARED if a.summary.get(key) and b.summary.get(key) is not None]
    ratios = [float(b.summary[key]) / float(a.summary[key]) for key, _ in stats]
    bars = ratio_ax.barh(np.arange(len(stats)), ratios, color="0.6")  # neutral: blue/orange name the runs above
    ratio_ax.axvline(1.0, color="black", lw=1)
    for bar, ratio in zip(bars, ratios):
        ratio_ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {ratio:.3g}x", va="center", fontsize=7)
    ratio_ax.set_yticks(np.arange(len(stats)), [text for _, text in stats], fontsize=8)
    ratio_ax.invert_yaxis()
    ratio_ax.set_xlim(0, 1.2 * max([1.0, *ratios]))
    ratio_ax.set_xlabel(f"whole run: {names[1]} / {names[0]}")
    ratio_ax.grid(axis="x", alpha=0.3)
    cycles_ax.set_title(title or f"{names[1]} against {names[0]}", fontsize=10)
    return fig


RUN_PLOTS = {"layers": plot_layers, "energy_breakdown": plot_energy_breakdown, "utilization": plot_utilization,
             "timeline": plot_timeline, "roofline": plot_roofline, "dram": plot_dram}
