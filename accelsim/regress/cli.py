"""`accelsim regress DIR [--update]`: exit 1 when a statistic moved beyond its tolerance."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("regress", help="compare per-layer timing with golden files",
                       description="Run each pair of DIR/regress.yaml and diff per-layer statistics against "
                                   "DIR/<hw>__<workload>.csv; exit 1 if anything moved beyond tolerance.")
    p.add_argument("directory", type=Path, help="directory holding regress.yaml and the golden CSVs")
    p.add_argument("--update", action="store_true", help="rewrite the golden files with the current results")
    p.add_argument("-v", "--verbose", action="store_true", help="list changes within tolerance too")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar (it shows only on a terminal)")
    p.set_defaults(func=cmd_regress)


def cmd_regress(args: argparse.Namespace) -> int:
    from accelsim.progress import bar
    from accelsim.regress.compare import check
    from accelsim.regress.suite import load_suite

    pairs = load_suite(args.directory)
    with bar(len(pairs), "regress", enabled=not args.quiet) as progress:
        report = check(args.directory, update=args.update, progress=lambda name: progress.update(1))
    print(report.text(verbose=args.verbose))
    return 0 if report.ok else 1
