"""Run a sweep: expand the spec, reuse stored points, run the rest, write the tables."""

from __future__ import annotations

import importlib.util
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from accelsim import __version__
from accelsim.stats.writers import check_output, frame_bytes, write_set
from accelsim.sweep.executors import DASK_WAIT_S, default_jobs, describe, run_tasks
from accelsim.sweep.expand import expand
from accelsim.sweep.points import Resolver
from accelsim.sweep.spec import load_spec
from accelsim.sweep.store import PointStore
from accelsim.sweep.table import build_tables


@dataclass
class SweepOutcome:
    points: pd.DataFrame
    layers: pd.DataFrame
    reused: int              # points whose stored record was used
    computed: int            # points run (or found invalid) now
    failed: int              # points with status "error"
    skipped: int             # points the constraints left out
    seconds: float
    written: list[Path] = field(default_factory=list)


def run_sweep(spec_path: str | Path, out_dir: str | Path, *, jobs: int | None = None, dask: str | None = None,
              retry_failed: bool = False, progress: bool | None = None,
              log: Callable[[str], None] | None = None, dask_timeout: float = DASK_WAIT_S) -> SweepOutcome:
    """Run (or resume) the sweep in `spec_path`, storing points and tables under `out_dir`.

    `jobs`: worker processes (default: all cores; 1 runs in this process); `dask`: "local" for a
    LocalCluster of `jobs` workers, or a scheduler address (waiting up to `dask_timeout` seconds
    for its first worker, and refusing workers with another accelsim version). `progress`: a bar on stderr
    (default: when stderr is a terminal). `retry_failed`: recompute points stored as errors.
    """
    started = time.perf_counter()
    log = log or (lambda _line: None)
    jobs = jobs or default_jobs()
    check_output(out_dir, "-o")  # before any point runs
    spec = load_spec(spec_path)
    points, skipped = expand(spec)
    out = Path(out_dir)
    with PointStore(out) as store:
        resolver = Resolver(spec)
        keys, records, todo, invalid = [], {}, {}, {}
        for point in points:
            key, task, error = resolver.resolve(point)
            keys.append(key)
            if key in records or key in todo or key in invalid:
                continue  # two points with one configuration: run once
            stored = store.load(key)
            if stored is not None and not (retry_failed and stored["status"] == "error"):
                records[key] = stored
            elif task is not None:
                todo[key] = task
            else:
                invalid[key] = error
        reused = len(records)
        log(f"sweep {spec.name}: {len(points)} points ({skipped} skipped by constraints); reused {reused} "
            f"stored, {len(invalid)} invalid, {len(todo)} to run"
            + (f" on {describe(jobs, dask)}" if todo else ""))

        def done(record: dict) -> None:
            store.save(record)
            records[record["key"]] = record
            bar.update(1)

        from tqdm import tqdm

        show = sys.stderr.isatty() if progress is None else progress
        with tqdm(total=len(todo) + len(invalid), disable=not show, file=sys.stderr, unit="pt",
                  desc=spec.name, dynamic_ncols=True, smoothing=0.1) as bar:
            for record in invalid.values():
                done(record)
            run_tasks(list(todo.values()), done, jobs=jobs, dask=dask, dask_timeout=dask_timeout, log=log)
        points_df, layers_df = build_tables(points, keys, records)
        parquet = importlib.util.find_spec("pyarrow") is not None
        files = {f"{name}.{kind}": frame_bytes(frame, kind)
                 for name, frame in (("points", points_df), ("layers", layers_df))
                 for kind in (("csv", "parquet") if parquet else ("csv",))}
        if not parquet:
            log("pyarrow is not installed: wrote CSV only (pip install 'accelsim[parquet]' for Parquet)")
        failed = int((points_df["status"] == "error").sum()) if len(points_df) else 0
        meta = {"name": spec.name, "description": spec.description, "spec": spec.source,
                "hardware": str(spec.hardware), "workloads": {k: str(v) for k, v in spec.workloads.items()},
                "axes": list(spec.axes), "points": len(points), "failed": failed, "skipped": skipped,
                "accelsim_version": __version__}
        # the tables as one set, sweep.json (listing them) last: never new points beside old layers
        written = write_set(out, files, manifest="sweep.json", meta=meta)
    return SweepOutcome(points_df, layers_df, reused=reused, computed=len(todo) + len(invalid), failed=failed,
                        skipped=skipped, seconds=time.perf_counter() - started, written=written)

