"""Sweep throughput: a 200-point ResNet-18 sweep with -j 1, -j 2 and a 2-worker Dask LocalCluster.

    python scripts/bench_sweep.py [--hw hwconfigs/isaac.yaml] [--points 200] [--repeat 3] [--no-dask]

Targets: -j 2 gives >= 1.8x the points per second of -j 1; Dask within 15 % of the -j 2 pool.
Every figure is a whole sweep (spec to written tables, into an empty result directory). The
Dask figure is a 2-worker LocalCluster already running; its start-up, a few seconds that do
not grow with the sweep, shows in an end-to-end `--dask local` run printed first. Modes run
in interleaved rounds (--repeat, default 3) and the best of each counts; the machine should
be otherwise idle.

The axes come from the config: array shape, dataflow and DRAM bandwidth for a systolic chip;
tiles, IMAs, crossbars, ADC rate, buffer and off-chip bandwidth for a crossbar chip (those
present in the config); otherwise up to four numeric keys scaled by 1/4..4.
Ends with one summary line.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accelsim.config import read_hardware_dict  # noqa: E402
from accelsim.config.yamlio import dump_yaml  # noqa: E402
from accelsim.sweep.run import run_sweep  # noqa: E402

SKIP = ("energy", "area", "leakage", "clock", "latency", "bits")  # keys that do not change the timing much


def default_hw() -> Path:
    isaac = ROOT / "hwconfigs" / "isaac.yaml"
    return isaac if isaac.is_file() else ROOT / "hwconfigs" / "systolic_32x32.yaml"


# Per compute family: axes that keep ResNet-18 mappable (crossbar: at least ISAAC's 16,128 arrays).
AXES = {
    "systolic": {"compute.rows": [8, 16, 32, 64, 128], "compute.cols": [8, 16, 32, 64, 128],
                 "compute.dataflow": ["os", "ws", "is"],
                 "memory.dram.bandwidth_bytes_per_cycle": [4, 8, 16, 32, 64]},
    "crossbar": {"compute.tiles": [168, 224, 336, 448, 672], "compute.tile.imas": [12, 16],
                 "compute.tile.ima.crossbars": [8, 12, 16], "compute.tile.ima.adc.sample_rate_gsps": [0.64, 1.28, 2.56],
                 "compute.tile.buffer.capacity_kib": [32, 64, 128],
                 "compute.offchip.bandwidth_gb_per_s": [12.8, 25.6, 51.2]},
}


def axes_for(raw: dict) -> dict:
    known = AXES.get(raw.get("compute", {}).get("type"), {})
    axes = {path: values for path, values in known.items() if _has(raw, path)}
    if axes:
        return axes
    for path, value in _numeric_leaves(raw):
        if any(word in path for word in SKIP):
            continue
        scaled = [value * f for f in (0.25, 0.5, 1, 2, 4)]
        values = sorted({max(1, int(v)) for v in scaled}) if isinstance(value, int) else scaled
        if len(values) > 1:
            axes[path] = values
        if len(axes) == 4:
            break
    return axes


def _has(raw: dict, path: str) -> bool:
    node = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _numeric_leaves(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numeric_leaves(value, f"{prefix}{key}.")
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and node > 0:
        yield prefix[:-1], node


def timed(spec: Path, out: Path, **kwargs) -> tuple[float, int, int]:
    """Seconds, points and failed points of one sweep into an empty directory."""
    outcome = run_sweep(spec, out, progress=False, **kwargs)
    return outcome.seconds, len(outcome.points), outcome.failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hw", type=Path, default=default_hw(), help="base hardware config")
    parser.add_argument("--workload", type=Path, default=ROOT / "workloads" / "resnet18.yaml")
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each mode counts")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask runs")
    args = parser.parse_args()

    axes = axes_for(read_hardware_dict(args.hw))
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="accelsim-bench-") as tmp:
        tmp = Path(tmp)
        spec = tmp / "bench.yaml"
        spec.write_text(dump_yaml({"name": "bench", "hardware": str(args.hw.resolve()),
                                   "workloads": [str(args.workload.resolve())], "axes": axes,
                                   "sampling": {"method": "random", "points": args.points, "seed": 1}}))
        print(f"sweep: {args.points} points of {args.workload.stem} on {args.hw.name}; axes: {', '.join(axes)}")
        cluster = None
        if not args.no_dask:
            from distributed import LocalCluster

            started = time.perf_counter()
            seconds, n, _ = timed(spec, tmp / "dask_local", jobs=2, dask="local")
            print(f"{'--dask local':<13} {n} points in {seconds:5.1f} s: {n / seconds:6.2f} points/s end to end, "
                  f"including the cluster's start-up ({time.perf_counter() - started:.1f} s)")
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
        modes = {"-j 1": {"jobs": 1}, "-j 2": {"jobs": 2}}
        if cluster is not None:
            modes["dask"] = {"dask": cluster.scheduler_address}  # the 2-worker cluster, already up
        try:
            for round_ in range(args.repeat):  # interleaved rounds: a busy moment hurts one run, not a mode
                for label, kwargs in modes.items():
                    seconds, n, failed = timed(spec, tmp / f"{label.replace(' ', '')}_{round_}", **kwargs)
                    rates[label] = max(rates.get(label, 0.0), n / seconds)
                    print(f"{label:<13} {n} points ({failed} failed) in {seconds:5.1f} s: {n / seconds:6.2f} points/s")
        finally:
            if cluster is not None:
                cluster.close()
    speedup = rates["-j 2"] / rates["-j 1"]
    line = (f"bench_sweep (best of {args.repeat}): -j1 {rates['-j 1']:.2f} pt/s, -j2 {rates['-j 2']:.2f} pt/s "
            f"({speedup:.2f}x, target >= 1.8x)")
    ok = speedup >= 1.8
    if "dask" in rates:
        gap = rates["dask"] / rates["-j 2"] - 1
        line += f", dask {rates['dask']:.2f} pt/s ({100 * gap:+.1f}% vs -j2, target within 15%)"
        ok = ok and abs(gap) <= 0.15
    print(line + (": PASS" if ok else ": FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
