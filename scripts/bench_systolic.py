#!/usr/bin/env python3
"""Speed and memory of the systolic simulator: ResNet-50 (its 54 MAC layers, SCALE-Sim's
topology) on a 32x32 weight-stationary array.

Targets (issue 2): <= 10 s wall and <= 1 GB peak RSS on a 2-core machine.
Every figure is printed next to a reference measured in this same run: a fixed pure-Python
workload (so ratios travel between machines) and, when the `scalesim` package is
importable, SCALE-Sim 3.0.0 itself on a small GEMM (simulated cycles per wall second).
SCALE-Sim's full ResNet-50 run took 992 s and 12.1 GB on a 2-core machine (recorded in
tests/data/scalesim/README.md); it is quoted, not re-run.

Each configuration runs in its own subprocess so peak RSS is that run's alone.

Then (issue 15) ResNet-50 from SCALE-Sim files (the CALC .cfg of tests/data/scalesim and a
topology CSV written from workloads/resnet50.yaml): `simulate()` alone, in-process (median
of 7 after a warm-up; target <= 50 ms), against a closed-form floor timed in the same
process -- the same cycles computed per layer from the fold geometry, no events (median of
many) -- and the ratio between them (target <= 5,000x).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALESIM_RESNET50_S = 992.0
SCALESIM_RESNET50_RSS_GB = 12.1
# SCALE-Sim's own 32x32 ws CALC .cfg (64 kB buffers), run in both memory models (issue 14)
RESNET_CFG = "tests/data/scalesim/resnet18_32x32_ws/cfg_32x32_ws.cfg"


def one_run(hw: str, fidelity: str, model: str = "") -> dict:
    import warnings

    import accelsim
    from accelsim.workload import Workload

    full = accelsim.load_workload(ROOT / "workloads" / "resnet50.yaml")
    wl = Workload(full.name, tuple(layer for layer in full.layers if not layer.is_pool), full.source)
    start = time.perf_counter()
    if hw.endswith(".cfg"):  # a SCALE-Sim .cfg, in the memory model asked for (its notices are not timed apart)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = accelsim.load_hardware(ROOT / hw, {"memory.model": model})
    else:
        config = ROOT / "hwconfigs" / hw
    result = accelsim.simulate(config, wl, fidelity=fidelity)
    wall = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.summary
    return {"hw": Path(hw).name + (f" {model}" if model else ""), "fidelity": fidelity, "layers": len(wl), "wall_s": wall, "rss_mb": rss_mb,
            "cycles": s["cycles"], "compute_cycles": s["compute_cycles"], "events": s["simpy_events"]}


def floor_run(tmp: str) -> dict:
    """simulate() on ResNet-50 from SCALE-Sim files vs a closed-form per-layer floor."""
    import statistics

    import accelsim
    from accelsim.workload.mapping.systolic import systolic_fold_geometry

    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_scale import SCALESIM_CFG, write_resnet50_topology

    topo = Path(tmp) / "resnet50.csv"
    write_resnet50_topology(topo)
    hw = accelsim.load_hardware(SCALESIM_CFG, {"memory.model": "native"})  # the event-driven model
    wl = accelsim.load_workload(topo)
    accelsim.simulate(hw, wl)  # warm-up: lazy imports, caches
    walls = []
    for _ in range(7):
        start = time.perf_counter()
        result = accelsim.simulate(hw, wl)
        walls.append(time.perf_counter() - start)
    rows, cols, df = hw.compute.rows, hw.compute.cols, hw.compute.dataflow
    layers = [(layer.gemm, layer.groups) for layer in wl.layers]

    def floor() -> int:
        total = 0
        for (m, k, n), g in layers:
            *_, rf, cf, per_fold = systolic_fold_geometry(m, k, n, rows, cols, df)
            total += g * (rf * cf * per_fold - 1)
        return total

    reps, floors = 200, []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            cycles = floor()
        floors.append((time.perf_counter() - start) / reps)
    return {"simulate_s": statistics.median(walls), "floor_s": statistics.median(floors),
            "cycles": result.summary["cycles"], "floor_cycles": cycles, "layers": len(wl.layers)}


def reference_loop() -> float:
    """A fixed pure-Python workload: the machine-speed yardstick."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i % 7
    return time.perf_counter() - start


def scalesim_rate() -> float | None:
    """SCALE-Sim's simulated cycles per wall second on a 128^3 GEMM, if installed."""
    import importlib.util
    import tempfile

    if importlib.util.find_spec("scalesim") is None:
        return None
    case = ROOT / "tests" / "data" / "scalesim" / "gemm_32x32_ws"
    with tempfile.TemporaryDirectory() as tmp:
        topo = Path(tmp) / "g.csv"
        topo.write_text("Layer, M, N, K,\ng, 128, 128, 128,\n")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scalesim.scale", "-c", str(case / "cfg_32x32_ws.cfg"),
                        "-t", str(topo), "-l", str(case / "empty_layout.csv"), "-p", tmp, "-i", "gemm"],
                       check=True, capture_output=True, cwd=tmp)
        wall = time.perf_counter() - start
    folds = 4 * 4
    cycles = folds * (2 * 32 + 32 + 128 - 2) - 1
    return cycles / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", metavar="TMP", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(*args.child)))
        return 0
    if args.child_floor:
        print(json.dumps(floor_run(args.child_floor)))
        return 0

    ref = reference_loop()
    print(f"reference pure-Python loop: {ref:.3f} s")
    runs = []
    for case in [("scalesim_32x32_ws.yaml", "fast"), ("scalesim_32x32_ws.yaml", "fine"),
                 ("systolic_32x32.yaml", "fast"), ("systolic_32x32.yaml", "fine"),
                 (RESNET_CFG, "fast", "native"), (RESNET_CFG, "fast", "scalesim")]:
        out = subprocess.run([sys.executable, __file__, "--child", *case], check=True,
                             capture_output=True, text=True)
        runs.append(json.loads(out.stdout))
    print(f"\n{'config':<28}{'fidelity':<9}{'layers':>6}{'wall s':>9}{'x ref':>8}{'RSS MB':>9}"
          f"{'sim cycles':>14}{'cycles/s':>12}{'events/s':>11}")
    for r in runs:
        print(f"{r['hw']:<28}{r['fidelity']:<9}{r['layers']:>6}{r['wall_s']:>9.2f}{r['wall_s'] / ref:>8.2f}"
              f"{r['rss_mb']:>9.0f}{r['cycles']:>14,}{r['cycles'] / r['wall_s']:>12.3g}{r['events'] / r['wall_s']:>11.3g}")
    target = runs[0]
    print(f"\nResNet-50, 32x32 ws, SCALE-Sim CALC setup, default (fast) fidelity: {target['wall_s']:.2f} s, "
          f"{target['rss_mb']:.0f} MB peak RSS, {target['compute_cycles']:,} compute cycles")
    print(f"vs SCALE-Sim's recorded {SCALESIM_RESNET50_S:.0f} s / {SCALESIM_RESNET50_RSS_GB} GB: "
          f"{SCALESIM_RESNET50_S / target['wall_s']:.0f}x faster, {SCALESIM_RESNET50_RSS_GB * 1024 / target['rss_mb']:.0f}x less memory")
    for r in runs[4:]:
        speedup = SCALESIM_RESNET50_S / r["wall_s"]
        print(f"ResNet-50 .cfg, memory.model {r['hw'].split()[-1]}: {r['wall_s']:.2f} s, {speedup:.0f}x faster than "
              f"SCALE-Sim's recorded {SCALESIM_RESNET50_S:.0f} s (target >= 500x: {'PASS' if speedup >= 500 else 'FAIL'})")
    rate = scalesim_rate()
    if rate is not None:
        print(f"SCALE-Sim measured in this run: {rate:.3g} simulated cycles/s; "
              f"accelsim {target['cycles'] / target['wall_s'] / rate:.0f}x that")
    else:
        print("SCALE-Sim not installed: no same-run peer measurement (pip install scalesim==3.0.0 'numpy<2.4')")
    ok = target["wall_s"] <= 10 and target["rss_mb"] <= 1024
    print(f"systolic: ResNet-50 {target['wall_s']:.2f} s (target <= 10), {target['rss_mb']:.0f} MB (target <= 1024): "
          f"{'PASS' if ok else 'FAIL'}")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, __file__, "--child-floor", tmp], check=True, capture_output=True, text=True)
    f = json.loads(out.stdout)
    ratio = f["simulate_s"] / f["floor_s"]
    floor_ok = f["simulate_s"] <= 0.050 and ratio <= 5000
    print(f"\nResNet-50 from SCALE-Sim files ({f['layers']} layers, CALC): simulate() {1e3 * f['simulate_s']:.1f} ms "
          f"in-process ({f['simulate_s'] / ref:.3f}x ref); closed-form floor {1e6 * f['floor_s']:.1f} us "
          f"({f['floor_cycles']:,} cycles; simulate: {f['cycles']:,}); simulate / floor = {ratio:,.0f}x")
    print(f"systolic floor: simulate() {1e3 * f['simulate_s']:.1f} ms (target <= 50), {ratio:,.0f}x the floor "
          f"(target <= 5,000x): {'PASS' if floor_ok else 'FAIL'}")
    return 0 if ok and floor_ok else 1


if __name__ == "__main__":
    sys.exit(main())
