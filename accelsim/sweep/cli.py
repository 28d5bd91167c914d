"""`accelsim sweep SPEC -o DIR`: argument parsing and printing; the work is in `run_sweep`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="run a design-space sweep (resumable) into a result directory",
                       description="Run the points of a sweep spec; a rerun reuses every stored point.")
    p.add_argument("spec", help="sweep spec (.yaml), e.g. sweeps/array_shapes.yaml")
    p.add_argument("-o", "--output", type=Path, required=True, help="result directory (points/, points.csv, layers.csv)")
    from accelsim.cli import integer_arg

    p.add_argument("-j", "--jobs", type=integer_arg(), help="worker processes (default: all cores; 1 runs in this process)")
    p.add_argument("--dask", metavar="ADDRESS", help="run on Dask: a scheduler address, or 'local' for a LocalCluster of -j workers")
    p.add_argument("--dask-timeout", type=float, default=60.0, metavar="SECONDS",
                   help="--dask ADDRESS: wait this long for the first worker, then fail (default 60)")
    p.add_argument("--retry-failed", action="store_true", help="recompute points stored as errors")
    p.add_argument("--strict", action="store_true", help="exit 1 if any point failed (default: 0, with a warning)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, print only warnings and errors")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from accelsim.errors import InputError
    from accelsim.sweep.executors import ExecutorError, require_dask
    from accelsim.sweep.run import run_sweep

    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"must be at least 1, got {args.jobs}", "-j")
    if not 0 < args.dask_timeout <= 86400:  # also refuses nan and inf
        raise InputError(f"must be in (0, 86400] seconds, got {args.dask_timeout:g}", "--dask-timeout")
    if args.dask:
        require_dask()
    log = None if args.quiet else print
    try:
        outcome = run_sweep(args.spec, args.output, jobs=args.jobs, dask=args.dask, retry_failed=args.retry_failed,
                            progress=None if not args.quiet else False, log=log, dask_timeout=args.dask_timeout)
    except ExecutorError as exc:
        print(f"accelsim: error: {exc}", file=sys.stderr)
        return 1
    total = len(outcome.points)
    if not args.quiet:
        print(f"done: {total} points ({outcome.reused} reused, {outcome.computed} run, {outcome.failed} failed) "
              f"in {outcome.seconds:.1f} s; wrote {', '.join(str(p) for p in outcome.written)}")
    if outcome.failed:
        print(f"accelsim: warning: {outcome.failed} of {total} points failed; see the status and error columns "
              f"of {args.output / 'points.csv'}", file=sys.stderr)
        return 1 if args.strict else 0
    return 0
