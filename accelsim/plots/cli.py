"""`accelsim plot RESULT [RESULT_B] -o OUT_DIR [--kind ...] [--format png,svg,pdf] [--dpi N]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from accelsim.errors import InputError
from accelsim.plots.base import DEFAULT_DPI, FORMATS, save
from accelsim.plots.run import RUN_PLOTS, plot_compare, plot_layers
from accelsim.plots.sweep import ok_points, plot_pareto, plot_sweep

SWEEP_KINDS = ("sweep", "pareto")
KINDS = (*RUN_PLOTS, *SWEEP_KINDS, "compare")
NEEDS_DRAM = ("roofline", "dram")


def _frame(directory: Path, name: str) -> pd.DataFrame | None:
    if (directory / f"{name}.csv").is_file():
        return pd.read_csv(directory / f"{name}.csv", dtype={"layer": str, "error": "string"})
    if (directory / f"{name}.parquet").is_file():
        return pd.read_parquet(directory / f"{name}.parquet")
    return None


def load_run(directory: str | Path):
    """A `Result` from the files `accelsim run -o` wrote (layers, components, summary.json)."""
    from accelsim.stats.result import Result

    directory = Path(directory)
    layers = _frame(directory, "layers")
    if layers is None:
        raise InputError("not a run directory: no layers.csv or layers.parquet (from `accelsim run -o`)",
                         str(directory))
    components = _frame(directory, "components")
    summary_path = directory / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    summary.pop("units", None)
    return Result(layers=layers, components=components if components is not None else
                  pd.DataFrame(columns=["component", "stat", "unit", "value"]), summary=summary)


def load_results(directory: Path) -> dict:
    """A sweep dir (points.csv, layers.csv, sweep.json) or a run dir (layers.csv, summary.json)."""
    if (directory / "points.csv").is_file():
        meta_path = directory / "sweep.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        layers = _frame(directory, "layers")
        return {"kind": "sweep", "points": _frame(directory, "points"),
                "layers": layers if layers is not None else pd.DataFrame(),
                "axes": meta.get("axes", []), "title": meta.get("name", directory.name)}
    if (directory / "layers.csv").is_file() or (directory / "layers.parquet").is_file():
        run = load_run(directory)
        return {"kind": "run", "run": run, "layers": run.layers}
    raise InputError("not a result directory: expected layers.csv (from `accelsim run -o`) or points.csv "
                     "(from `accelsim sweep`)", str(directory))


def add_parser(sub) -> None:
    from accelsim.cli import wrap

    p = sub.add_parser(
        "plot", help="plot a run or sweep result directory, or compare two runs (PNG and SVG)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap("Plot a result directory. Kinds for a run: layers (cycles by cause and energy by part, per "
                    "layer), energy_breakdown (energy and area by component), utilization (per layer, with stall "
                    "causes), timeline (layers on units over time), roofline and dram (chips with DRAM); for a "
                    "sweep: sweep (axis against metric), pareto, layers (of one point); for two runs: compare. "
                    "Each kind is written as <kind>.png and <kind>.svg."),
        epilog="examples:\n"
               "  accelsim run hwconfigs/systolic_32x32.yaml workloads/lenet5.yaml -o runs/lenet\n"
               "  accelsim plot runs/lenet -o plots                     # every kind that applies\n"
               "  accelsim plot runs/lenet -o plots --kind roofline --format png,pdf --dpi 200\n"
               "  accelsim plot runs/lenet runs/lenet_64 -o plots       # compare.png: B against A")
    p.add_argument("results", type=Path, help="result directory of `accelsim run -o` or `accelsim sweep -o`")
    p.add_argument("other", type=Path, nargs="?", metavar="RESULT_B",
                   help="a second run directory: plot the two runs side by side (kind compare)")
    p.add_argument("-o", "--output", type=Path, required=True, help="directory for the image files")
    p.add_argument("--kind", action="append", choices=KINDS,
                   help="what to plot (repeatable; default: every kind that applies)")
    p.add_argument("--format", default="png,svg", help=f"image formats, comma-separated: {', '.join(FORMATS)} "
                                                       "(default png,svg)")
    p.add_argument("--dpi", type=int, default=DEFAULT_DPI, help=f"resolution of PNG files (default {DEFAULT_DPI})")
    p.add_argument("--x", help="sweep: axis on x (default: first axis); pareto: metric (default: cycles)")
    p.add_argument("--y", action="append", help="metric(s): a column or an expression over columns")
    p.add_argument("--color", help="pareto: third metric, shown as colour (default: area_mm2 when present)")
    from accelsim.cli import integer_arg

    p.add_argument("--point", type=integer_arg(0), help="layers of a sweep: the point to plot (default: fewest cycles)")
    p.set_defaults(func=cmd_plot)


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(f"unknown format {', '.join(unknown) or '(none)'}; use {', '.join(FORMATS)}", "--format")
    return formats


def cmd_plot(args: argparse.Namespace) -> int:
    formats = _formats(args.format)
    if not 10 <= args.dpi <= 1200:
        raise InputError(f"must be between 10 and 1200, got {args.dpi}", "--dpi")
    data = load_results(args.results)
    figures: list[tuple[str, object]] = []
    if args.other is not None:
        other = load_results(args.other)
        if data["kind"] != "run" or other["kind"] != "run":
            raise InputError("compare takes two run directories (from `accelsim run -o`)", str(args.other))
        if args.kind and set(args.kind) != {"compare"}:
            raise InputError("with two run directories the only kind is compare", "--kind")
        names = (args.results.name, args.other.name)
        if names[0] == names[1]:
            names = (str(args.results), str(args.other))
        figures.append(("compare", plot_compare(data["run"], other["run"], names=names)))
    elif data["kind"] == "run":
        run = data["run"]
        has_dram = {"dram_read_bytes", "dram_write_bytes"} <= set(run.layers.columns)
        kinds = args.kind or [k for k in RUN_PLOTS if has_dram or k not in NEEDS_DRAM]
        for kind in kinds:
            if kind not in RUN_PLOTS:
                raise InputError(f"--kind {kind} needs " + ("two run directories" if kind == "compare"
                                                             else "a sweep directory (points.csv)"), "--kind")
            figures.append((kind, RUN_PLOTS[kind](run)))
    else:
        for kind in args.kind or list(SWEEP_KINDS):
            if kind == "layers":
                ok = ok_points(data["points"])
                if ok.empty:
                    raise InputError("no successful points to plot", str(args.results / "points.csv"))
                point = args.point if args.point is not None else int(ok.loc[ok["cycles"].idxmin(), "point"])
                layers = data["layers"][data["layers"]["point"] == point]
                if layers.empty:
                    raise InputError(f"no layers for point {point} (failed or absent)", "--point")
                figures.append(("layers", plot_layers(layers, title=f"{data['title']}: point {point}")))
            elif kind == "sweep":
                figures.append(("sweep", plot_sweep(data["points"], data["axes"], x=args.x, y=args.y)))
            elif kind == "pareto":
                fig, front = plot_pareto(data["points"], x=args.x or "cycles", y=args.y[0] if args.y else None,
                                         color=args.color)
                figures.append(("pareto", fig))
                from accelsim.stats.writers import atomic_write_text

                atomic_write_text(args.output / "pareto.csv", front.to_csv(index=False))
            else:
                raise InputError(f"--kind {kind} needs a run directory (from `accelsim run -o`)", "--kind")
    written = [path for kind, fig in figures for path in save(fig, args.output, kind, formats, args.dpi)]
    if (args.output / "pareto.csv").is_file() and any(kind == "pareto" for kind, _ in figures):
        written.append(args.output / "pareto.csv")
    if not getattr(args, "quiet", False):
        print(f"wrote {', '.join(str(p) for p in written)}")
    return 0
