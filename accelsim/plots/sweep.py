"""Plots of sweeps: each metric against a swept axis, and Pareto fronts. Metrics are column
names or expressions over columns (`dram_read_bytes + dram_write_bytes`, `compute.rows *
compute.cols`, `-gops` to maximise gops): fronts minimise every metric."""

from __future__ import annotations

import numpy as np
import pandas as pd

from accelsim.errors import InputError
from accelsim.plots.base import figure


def metric(frame: pd.DataFrame, spec: str) -> pd.Series:
    """A column, or an expression over the columns evaluated row by row."""
    if spec in frame.columns:
        return pd.to_numeric(frame[spec], errors="coerce")
    from accelsim.sweep.expr import Expr, ExprError

    try:
        expr = Expr(spec)
    except ExprError as exc:
        raise InputError(f"{exc}; columns: {', '.join(map(str, frame.columns))}", "--x/--y/--color") from None
    missing = [n for n in expr.names if n not in frame.columns]
    if missing:
        raise InputError(f"no column {missing[0]!r}; columns: {', '.join(map(str, frame.columns))}", spec)
    try:
        return pd.Series([expr(row) for row in frame.to_dict(orient="records")], index=frame.index, dtype=float)
    except (ExprError, TypeError, ValueError) as exc:
        raise InputError(str(exc), spec) from None


def ok_points(points: pd.DataFrame) -> pd.DataFrame:
    return points[points["status"] == "ok"] if "status" in points.columns else points


def _log_if_wide(ax, values: np.ndarray, axis: str) -> None:
    values = values[np.isfinite(values)]
    if len(values) and values.min() > 0 and values.max() / values.min() >= 8:
        from matplotlib.ticker import EngFormatter, LogLocator, NullFormatter

        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        scale = ax.xaxis if axis == "x" else ax.yaxis
        scale.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))  # 1-2-5 ticks: labels even within a decade
        scale.set_major_formatter(EngFormatter(sep=""))
        scale.set_minor_formatter(NullFormatter())


def plot_sweep(points: pd.DataFrame, axes: list[str], *, x: str | None = None,
               y: list[str] | None = None, hue: str | None = None):
    """Each metric against one axis, one panel per workload, one line per value of `hue`."""
    points = ok_points(points)
    if points.empty:
        raise InputError("no successful points to plot", "points.csv")
    x = x or (axes[0] if axes else "point")
    if x not in points.columns:
        raise InputError(f"no column {x!r}; the axes are {', '.join(axes) or '(none)'}", "--x")
    ys = y or ["cycles"]
    if hue is None:
        hue = next((a for a in axes if a != x and points[a].nunique() <= 8), None)
    workloads = list(dict.fromkeys(points["workload"])) if "workload" in points.columns else [None]
    fig, axs = figure(len(ys), len(workloads))
    categorical = not pd.api.types.is_numeric_dtype(points[x])
    levels = list(dict.fromkeys(points[x])) if categorical else []
    for row, ymetric in enumerate(ys):
        values = metric(points, ymetric)
        for col, workload in enumerate(workloads):
            ax = axs[row, col]
            part = points if workload is None else points[points["workload"] == workload]
            groups = part.groupby(hue, sort=True) if hue else [(None, part)]
            for key, group in groups:
                xs = (group[x].map(levels.index) if categorical else group[x]).to_numpy()
                ys = values[group.index].to_numpy(dtype=float)
                label = None if key is None else f"{hue}={key}"
                if len(set(xs)) < len(xs):  # other axes vary too: all points faint, the best per x as a line
                    dots = ax.plot(xs, ys, "o", ms=3, alpha=0.25)
                    best = pd.Series(ys).groupby(xs).min()
                    ax.plot(best.index, best.to_numpy(), "o-", ms=4, color=dots[0].get_color(),
                            label=f"{label or ymetric} (min over other axes)")
                else:
                    order = np.argsort(xs, kind="stable")
                    ax.plot(xs[order], ys[order], "o-", ms=4, label=label)
            if categorical:
                ax.set_xticks(range(len(levels)), [str(v) for v in levels])
            else:
                _log_if_wide(ax, part[x].to_numpy(dtype=float), "x")
                ticks = sorted(set(part[x]))
                if len(ticks) <= 12:  # label the swept values themselves
                    ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
                    ax.set_xticks([], minor=True)
            _log_if_wide(ax, values[part.index].to_numpy(dtype=float), "y")
            ax.set_xlabel(x)
            ax.set_ylabel(ymetric)
            ax.grid(alpha=0.3)
            if workload is not None:
                ax.set_title(str(workload))
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7)
    return fig


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """True for rows no other row dominates (<= in every column, < in one): all minimised."""
    values = np.asarray(values, dtype=float)
    keep = np.ones(len(values), dtype=bool)
    for i, row in enumerate(values):
        dominated = np.all(values <= row, axis=1) & np.any(values < row, axis=1)
        keep[i] = not dominated.any()
    return keep


def plot_pareto(points: pd.DataFrame, *, x: str = "cycles", y: str | None = None, color: str | None = None):
    """Scatter of two metrics (a third as colour); returns the Figure and the rows of the front
    over all of them (marked on the plot)."""
    points = ok_points(points)
    if points.empty:
        raise InputError("no successful points to plot", "points.csv")
    y = y or ("energy_pj" if "energy_pj" in points.columns else "dram_read_bytes + dram_write_bytes")
    if color is None and "area_mm2" in points.columns and points["area_mm2"].nunique() > 1:
        color = "area_mm2"
    names = [m for m in (x, y, color) if m]
    values = pd.DataFrame({m: metric(points, m) for m in names}, index=points.index).dropna()
    workloads = list(dict.fromkeys(points["workload"])) if "workload" in points.columns else [None]
    fig, axs = figure(1, len(workloads), width=5.5, height=4.2)
    fronts = []
    for ax, workload in zip(axs[0], workloads):
        part = values if workload is None else values[points.loc[values.index, "workload"] == workload]
        front = part[pareto_mask(part.to_numpy())]
        fronts.append(front.index)
        kwargs = {"c": part[color], "cmap": "viridis"} if color else {"color": "tab:blue"}
        dots = ax.scatter(part[x], part[y], s=18, alpha=0.7, **kwargs)
        ax.scatter(front[x], front[y], s=70, facecolors="none", edgecolors="black", linewidths=1.2,
                   label=f"Pareto front ({len(front)})")
        if not color:
            line = front.sort_values([x, y])
            ax.step(line[x], line[y], where="post", color="black", lw=0.8, alpha=0.6)
        if color:
            fig.colorbar(dots, ax=ax, label=color)
        _log_if_wide(ax, part[x].to_numpy(), "x")
        _log_if_wide(ax, part[y].to_numpy(), "y")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{workload or ''} Pareto front (all minimised)".strip())
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    front_rows = points.loc[[i for idx in fronts for i in idx]]
    return fig, front_rows


