"""`accelsim run | check`: argument parsing and printing only; the work is in the library."""

from __future__ import annotations

import argparse
import os
import json
import sys
from pathlib import Path

from accelsim import __version__
from accelsim.errors import InputError, clip, shown


MAX_SEED = 2**63 - 1  # seeds land in int64 columns and numpy's generator


def integer_arg(low: int | None = None, high: int | None = None, what: str = "an integer"):
    """An argparse type: an integer in ASCII digits (int() also takes '٣', ' 3 ' and '3_000'),
    within [low, high]; anything else is one line and exit 2."""
    def parse(text: str) -> int:
        body = text[1:] if text[:1] in "+-" else text
        if not (body.isascii() and body.isdigit()) or len(body) > 30:
            raise argparse.ArgumentTypeError(f"expected {what} in digits 0-9, got {shown(text)}")
        value = int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
            raise argparse.ArgumentTypeError(f"must be in {bounds}, got {value}")
        return value
    return parse


seed_arg = integer_arg(0, MAX_SEED, "a seed")


WORKLOAD_PREFIX = "workload."  # as in sweep axes: `--set workload.layers.conv1.K=32`
SET_HELP = ("override a config key (compute.rows=64) or, prefixed 'workload.', a workload key "
            "(workload.defaults.batch=4, workload.layers.conv1.K=32); repeatable")


def _overrides(pairs: list[str], workload: bool = False):
    """`--set KEY=VALUE` pairs as a dict of config overrides, or with `workload`, as
    (config overrides, workload overrides) split on the `workload.` prefix."""
    from accelsim.config.yamlio import parse_yaml

    hw, wl = {}, {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"expected KEY=VALUE, got {shown(pair)}", "--set")
        parsed = parse_yaml(value, f"--set {key}", InputError)
        if key.startswith(WORKLOAD_PREFIX):
            if not workload:
                raise InputError("this command takes no workload; workload keys apply to run and trace", f"--set {key}")
            wl[key[len(WORKLOAD_PREFIX):]] = parsed
        else:
            hw[key] = parsed
    return (hw, wl) if workload else hw


def cmd_run(args) -> int:
    from accelsim.config import load_hardware
    from accelsim.simulator import simulate

    formats = _formats(args.format)  # argument checks first: never refuse them after the run
    if args.output:
        from accelsim.stats.writers import check_output

        check_output(args.output, "-o")
    from accelsim.workload import load_workload

    hw_over, wl_over = _overrides(args.set, workload=True)
    hw = load_hardware(args.hardware, hw_over)
    workload = load_workload(args.workload, wl_over, topology_form=getattr(args, "topology_form", None))
    from accelsim.progress import status

    with status(f"accelsim: simulating {workload.name} on {hw.name}", enabled=not args.quiet):
        result = simulate(hw, workload, seed=args.seed, fidelity=args.fidelity, functional=args.functional,
                          tensors=args.tensors, functional_vectors=args.functional_vectors,
                          cache=not args.no_cache)
    if not args.quiet:
        print(result.layer_table())
        print()
        print(result.summary_text())
        if "rmse" in result.columns:
            cols = ["layer", "functional_datapath", "functional_vectors", "max_abs_error", "rmse", "snr_db",
                    "zero_slice_fraction"]
            if result.layers.get("injected_bit_flips", 0).sum():
                cols.append("injected_bit_flips")
            reference = result.layers["functional_datapath"] == "reference"
            table = result.layers.loc[result.layers["rmse"].notna(), cols].astype({"functional_vectors": int})
            print("\nfunctional: sampled vectors against exact integer math")
            print(table.rename(columns={"functional_vectors": "vectors", "functional_datapath": "datapath"}).to_string(
                index=False, float_format=lambda v: f"{v:.4g}"))
            if reference.any():
                names = result.layers.loc[reference, "layer"].tolist()
                print(f"not bit-modelled (reference precision, no error): {len(names)} pooling/vector layers "
                      f"({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})")
    if args.output:
        extra = {}
        if "scalesim" in formats:  # SCALE-Sim's report files, in the same set and manifest
            from accelsim.stats.scalesim_reports import scalesim_report_files

            extra = scalesim_report_files(result)
        written = list(result.write(args.output, tuple(f for f in formats if f != "scalesim"), extra))
        if not args.quiet:
            print(f"\nwrote {', '.join(str(p) for p in written)}")
    return 0


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in text.split(","))
    unknown = set(formats) - {"csv", "parquet", "json", "scalesim"}
    if unknown:
        raise InputError(f"unknown format(s) {clip(', '.join(sorted(unknown)), 80)}; use csv, parquet, json, scalesim",
                         "--format")
    if "parquet" in formats:
        _require("pyarrow", "parquet")
    return formats


def cmd_check(args) -> int:
    from accelsim.config import load_hardware
    from accelsim.figures import figures_text, hardware_figures

    hw = load_hardware(args.hardware, _overrides(args.set))
    figures = hardware_figures(hw)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{args.hardware}: valid\n")
        print(figures_text(figures))
    return 0


def wrap(text: str) -> str:
    """A description for a RawDescriptionHelpFormatter (which keeps the examples' lines) wrapped
    to the terminal like argparse's own."""
    import shutil
    import textwrap

    return textwrap.fill(text, width=min(shutil.get_terminal_size().columns, 100) - 2)


def cmd_completion(args) -> int:
    try:
        import argcomplete
    except ImportError:
        raise InputError("needs argcomplete: pip install argcomplete", "completion") from None
    print(argcomplete.shellcode(["accelsim"], shell=args.shell))
    return 0


def _require(module: str, extra: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise InputError(f"needs the optional extra: pip install 'accelsim[{extra}]'", module)


# Modules that add a subcommand: each has `add_parser(subparsers)` setting `func=`.
# Modules that add a subcommand (command -> module): each has `add_parser(subparsers)`.
# Imported only when their command runs (or for help and completion): `plot` alone pulls
# in matplotlib and pandas, and `accelsim run` should not pay for them.
PLUGINS: dict[str, str] = {"sweep": "accelsim.sweep.cli", "regress": "accelsim.regress.cli",
                           "trace": "accelsim.trace", "plot": "accelsim.plots",
                           "compress": "accelsim.workload.compression.cli",
                           "cache": "accelsim.workload.compression.cache"}
CORE = ("run", "check", "completion")


def _print_notices() -> None:
    """Notices (input that has no effect) as one line each on stderr; other warnings unchanged."""
    import warnings

    from accelsim.errors import Notice

    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, Notice):
            print(f"accelsim: notice: {message}", file=sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show


class Parser(argparse.ArgumentParser):
    """Argument errors as one bounded line and exit 2, like every other bad input (subcommand
    parsers inherit this class); the usage is one `--help` away."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {clip(message, 400)} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `command` (the subcommand about to run), only what it needs."""
    parser = Parser(prog="accelsim", description="Cycle-level simulator of DNN accelerators.")
    parser.add_argument("--version", action="version", version=f"accelsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="simulate a workload on a hardware config", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap("Simulate WORKLOAD on HW: print per-layer cycles, stalls and utilization and a summary "
                    "(latency, energy, power, area); with -o, write layers, components and summary.json "
                    "(with a units map). Progress shows on a terminal for runs past a second; -q silences it."),
        epilog="examples:\n"
               "  accelsim run hwconfigs/systolic_32x32.yaml workloads/resnet18.yaml\n"
               "  accelsim run hwconfigs/isaac.yaml workloads/lenet5.yaml -o out/isaac_lenet --format csv,parquet,json\n"
               "  accelsim run hwconfigs/systolic_32x32.yaml workloads/lenet5.yaml --set compute.rows=64 \\\n"
               "      --set workload.defaults.batch=4 --set workload.layers.conv1.K=32\n"
               "  accelsim run hwconfigs/eyeriss.yaml workloads/alexnet.yaml --fidelity fine --seed 3\n"
               "  accelsim run hwconfigs/isaac.yaml workloads/lenet5.yaml --functional --functional-vectors 64\n"
               "  accelsim run tests/data/scalesim/gemm_32x32_os/cfg_32x32_os.cfg "
               "tests/data/scalesim/gemm_32x32_os/gemm_mnk.csv --gemm")
    run.add_argument("hardware", help="hardware config (.yaml, or a SCALE-Sim .cfg)")
    run.add_argument("workload", help="workload (.yaml, or a SCALE-Sim topology .csv)")
    run.add_argument("-o", "--output", type=Path, help="directory for layers.csv, components.csv, summary.json")
    run.add_argument("--format", default="csv,json", help="output formats: csv, parquet, json, scalesim (SCALE-Sim's report CSVs; default csv,json)")
    run.add_argument("--fidelity", choices=["fine", "fast"], help="override the config's fidelity")
    run.add_argument("--seed", type=seed_arg, default=0, help="seed of the run's random generator (default 0)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help=SET_HELP)
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--functional", action="store_true",
                     help="also run sampled tensors through the datapath and report errors per layer")
    run.add_argument("--tensors", metavar="FILE.npz",
                     help="real tensors <layer>.weight / <layer>.input (implies --functional)")
    run.add_argument("--functional-vectors", type=integer_arg(1, 2**24), default=256, metavar="N",
                     help="functional: input vectors sampled per layer and group (default 256)")
    run.add_argument("--no-cache", action="store_true",
                     help="compress run-time compression blocks afresh: neither read nor write the on-disk "
                          "cache (`accelsim cache clear` empties it)")
    form = run.add_mutually_exclusive_group()
    form.add_argument("--conv", dest="topology_form", action="store_const", const="conv",
                      help="read a SCALE-Sim topology CSV as convolutions (SCALE-Sim's -i conv)")
    form.add_argument("--gemm", dest="topology_form", action="store_const", const="gemm",
                      help="read a SCALE-Sim topology CSV as Layer, M, N, K GEMMs (SCALE-Sim's -i gemm)")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser(
        "check", help="validate a hardware config and print derived figures",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=wrap("Validate HW (every key typed and range-checked; unknown keys named) and print what it "
                    "implies without simulating: array or tile geometry, buffers, DRAM bandwidth, peak "
                    "ops/s, power and area per component, peak GOPS/W and GOPS/mm2."),
        epilog="examples:\n"
               "  accelsim check hwconfigs/isaac.yaml\n"
               "  accelsim check hwconfigs/systolic_32x32.yaml --set compute.rows=64 --json\n"
               "  accelsim check tests/data/scalesim/gemm_32x32_os/cfg_32x32_os.cfg")
    check.add_argument("hardware", help="hardware config (.yaml, or a SCALE-Sim .cfg)")
    check.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    check.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key")
    check.set_defaults(func=cmd_check)

    completion = sub.add_parser("completion", help="print a shell completion script (bash, zsh or fish)",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Print a tab-completion script for accelsim (argcomplete's: the "
                                            "shell asks accelsim's own parser, so it never drifts from the commands).",
                                epilog="examples:\n"
                                       "  accelsim completion bash > ~/.local/share/bash-completion/completions/accelsim\n"
                                       "  accelsim completion zsh > ~/.zfunc/_accelsim    # with fpath+=~/.zfunc\n"
                                       "  accelsim completion fish > ~/.config/fish/completions/accelsim.fish")
    completion.add_argument("shell", choices=["bash", "zsh", "fish"], help="the shell to complete in")
    completion.set_defaults(func=cmd_completion)

    import importlib

    wanted = [] if command in CORE else [PLUGINS[command]] if command in PLUGINS else PLUGINS.values()
    for module in wanted:
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(None if "_ARGCOMPLETE" in os.environ else command)
    if "_ARGCOMPLETE" in os.environ:  # the shell asking for completions (`accelsim completion SHELL`)
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    _print_notices()
    try:
        return args.func(args)
    except InputError as exc:
        print(f"accelsim: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("accelsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the disk filled up, the directory went read-only...: not a bug to trace
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"accelsim: error: {clip(where + (exc.strerror or str(exc)), 500)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
