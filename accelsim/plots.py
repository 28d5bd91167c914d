"""Plots of runs and sweeps (PNG and SVG): per-layer latency and energy breakdown, sweep axes
against metrics, and Pareto fronts. `accelsim plot RESULT_DIR -o OUT_DIR [--kind ...]`.

Matplotlib is the optional `plot` extra, imported only here and only when plotting; figures are
drawn on the Agg canvas directly, so the process-wide pyplot backend is never touched. Metrics
are column names or expressions over columns (`dram_read_bytes + dram_write_bytes`,
`compute.rows * compute.cols`, `-gops` to maximise gops): fronts minimise every metric.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from accelsim.errors import InputError

KINDS = ("layers", "sweep", "pareto")


def _figure(rows: int, cols: int, width: float = 5.0, height: float = 3.6):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("needs the optional extra: pip install 'accelsim[plot]'", "matplotlib") from None
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    import matplotlib

    from accelsim.stats.writers import atomic_write_bytes

    written = []
    for fmt in ("png", "svg"):
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.hashsalt": "accelsim"}):  # stable SVG ids: diffable files
            fig.savefig(buffer, format=fmt, dpi=120, metadata={"Date": None} if fmt == "svg" else None)
        path = out_dir / f"{stem}.{fmt}"
        atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


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


def plot_layers(layers: pd.DataFrame, out_dir: str | Path, *, title: str = "", stem: str = "layers") -> list[Path]:
    """Per-layer latency (compute + each stall cause, stacked) and energy by part when present."""
    latency = ["compute_cycles", *[c for c in layers.columns if c.startswith("stall_") and c != "stall_cycles"]]
    latency = [c for c in latency if c in layers.columns and layers[c].sum() > 0]
    parts = [c for c in layers.columns if c.startswith("energy_pj_") and layers[c].sum() > 0]
    energy = parts or [c for c in ("energy_pj",) if c in layers.columns]
    panels = [("cycles", latency, None)] + ([("energy (pJ)", energy, "energy_pj")] if energy else [])
    fig, axs = _figure(len(panels), 1, width=max(6.0, 0.35 * len(layers)), height=3.4)
    x = np.arange(len(layers))
    for ax, (label, columns, total) in zip(axs[:, 0], panels):
        bottom = np.zeros(len(layers))
        series = {c: layers[c].to_numpy(dtype=float) for c in columns}
        if total and parts and total in layers.columns:  # what the parts do not cover (e.g. leakage)
            rest = layers[total].to_numpy(dtype=float) - sum(series.values())
            if (rest > 1e-9 * np.abs(layers[total].to_numpy(dtype=float)).max()).any():
                series["other"] = np.clip(rest, 0, None)
        for name, values in series.items():
            ax.bar(x, values, bottom=bottom, label=name.replace("energy_pj_", "").replace("_", " "), width=0.8)
            bottom += values
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.3 * bottom.max() if bottom.max() > 0 else 1)  # headroom for the legend
        ax.set_xticks(x, layers["layer"].astype(str), rotation=90, fontsize=7)
        ax.legend(fontsize=7, ncols=4, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    axs[0, 0].set_title(title or "per-layer latency and energy")
    return _save(fig, Path(out_dir), stem)


def _ok(points: pd.DataFrame) -> pd.DataFrame:
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


def plot_sweep(points: pd.DataFrame, axes: list[str], out_dir: str | Path, *, x: str | None = None,
               y: list[str] | None = None, hue: str | None = None) -> list[Path]:
    """Each metric against one axis, one panel per workload, one line per value of `hue`."""
    points = _ok(points)
    if points.empty:
        raise InputError("no successful points to plot", "points.csv")
    x = x or (axes[0] if axes else "point")
    if x not in points.columns:
        raise InputError(f"no column {x!r}; the axes are {', '.join(axes) or '(none)'}", "--x")
    ys = y or ["cycles"]
    if hue is None:
        hue = next((a for a in axes if a != x and points[a].nunique() <= 8), None)
    workloads = list(dict.fromkeys(points["workload"])) if "workload" in points.columns else [None]
    fig, axs = _figure(len(ys), len(workloads))
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
    return _save(fig, Path(out_dir), "sweep")


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """True for rows no other row dominates (<= in every column, < in one): all minimised."""
    values = np.asarray(values, dtype=float)
    keep = np.ones(len(values), dtype=bool)
    for i, row in enumerate(values):
        dominated = np.all(values <= row, axis=1) & np.any(values < row, axis=1)
        keep[i] = not dominated.any()
    return keep


def plot_pareto(points: pd.DataFrame, out_dir: str | Path, *, x: str = "cycles", y: str | None = None,
                color: str | None = None) -> tuple[list[Path], pd.DataFrame]:
    """Scatter of two metrics (a third as colour); the front over all of them is marked and returned."""
    points = _ok(points)
    if points.empty:
        raise InputError("no successful points to plot", "points.csv")
    y = y or ("energy_pj" if "energy_pj" in points.columns else "dram_read_bytes + dram_write_bytes")
    if color is None and "area_mm2" in points.columns and points["area_mm2"].nunique() > 1:
        color = "area_mm2"
    names = [m for m in (x, y, color) if m]
    values = pd.DataFrame({m: metric(points, m) for m in names}, index=points.index).dropna()
    workloads = list(dict.fromkeys(points["workload"])) if "workload" in points.columns else [None]
    fig, axs = _figure(1, len(workloads), width=5.5, height=4.2)
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
    return _save(fig, Path(out_dir), "pareto"), front_rows


def load_results(directory: Path) -> dict:
    """A sweep dir (points.csv, layers.csv, sweep.json) or a run dir (layers.csv, summary.json)."""
    if (directory / "points.csv").is_file():
        meta_path = directory / "sweep.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        points = pd.read_csv(directory / "points.csv")
        layers_path = directory / "layers.csv"
        layers = pd.read_csv(layers_path) if layers_path.is_file() else pd.DataFrame()
        return {"kind": "sweep", "points": points, "layers": layers, "axes": meta.get("axes", []),
                "title": meta.get("name", directory.name)}
    if (directory / "layers.csv").is_file():
        summary_path = directory / "summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
        title = f"{summary.get('hardware', '')} / {summary.get('workload', '')}".strip(" /")
        return {"kind": "run", "layers": pd.read_csv(directory / "layers.csv"), "title": title}
    raise InputError("not a result directory: expected layers.csv (from `accelsim run -o`) or points.csv "
                     "(from `accelsim sweep`)", str(directory))


def add_parser(sub) -> None:
    p = sub.add_parser("plot", help="plot a run or sweep result directory (PNG and SVG)",
                       description="Plot layers (latency/energy per layer), sweep (axis vs metric) or pareto.")
    p.add_argument("results", type=Path, help="result directory of `accelsim run -o` or `accelsim sweep -o`")
    p.add_argument("-o", "--output", type=Path, required=True, help="directory for the PNG and SVG files")
    p.add_argument("--kind", action="append", choices=KINDS,
                   help="what to plot (repeatable; default: layers for a run, sweep and pareto for a sweep)")
    p.add_argument("--x", help="sweep: axis on x (default: first axis); pareto: metric (default: cycles)")
    p.add_argument("--y", action="append", help="metric(s): a column or an expression over columns")
    p.add_argument("--color", help="pareto: third metric, shown as colour (default: area_mm2 when present)")
    p.add_argument("--point", type=int, help="layers of a sweep: the point to plot (default: fewest cycles)")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args: argparse.Namespace) -> int:
    data = load_results(args.results)
    kinds = args.kind or (["layers"] if data["kind"] == "run" else ["sweep", "pareto"])
    written: list[Path] = []
    for kind in kinds:
        if kind == "layers":
            layers, title = data["layers"], data["title"]
            if data["kind"] == "sweep":
                ok = _ok(data["points"])
                if ok.empty:
                    raise InputError("no successful points to plot", str(args.results / "points.csv"))
                point = args.point if args.point is not None else int(ok.loc[ok["cycles"].idxmin(), "point"])
                layers = layers[layers["point"] == point]
                if layers.empty:
                    raise InputError(f"no layers for point {point} (failed or absent)", "--point")
                title = f"{title}: point {point}"
            written += plot_layers(layers, args.output, title=title)
        elif data["kind"] == "run":
            raise InputError(f"--kind {kind} needs a sweep directory (points.csv)", "--kind")
        elif kind == "sweep":
            written += plot_sweep(data["points"], data["axes"], args.output, x=args.x, y=args.y)
        else:
            paths, front = plot_pareto(data["points"], args.output, x=args.x or "cycles",
                                       y=args.y[0] if args.y else None, color=args.color)
            from accelsim.stats.writers import atomic_write_text

            atomic_write_text(args.output / "pareto.csv", front.to_csv(index=False))
            written += [*paths, args.output / "pareto.csv"]
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
