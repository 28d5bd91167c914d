#!/usr/bin/env python3
"""Cost that grows with layers, not folds (issue 15): whole-process wall time and peak RSS.

    python scripts/bench_scale.py [--repeat 3] [--only NAME ...]

Each case is a fresh `accelsim` process timed by /usr/bin/time -v (wall, peak RSS); the
median of --repeat runs counts. Every figure is printed next to a reference measured in the
same run: `python -c pass` under /usr/bin/time (interpreter start-up) and a fixed pure-Python
loop (machine speed), so ratios travel between machines and loads.

Cases and targets (2 cores):
- gemm65536: one GEMM M=N=K=65,536 on systolic_32x32, fast fidelity: <= 3 s, <= 300 MB.
- resnet50_scalesim: ResNet-50 from SCALE-Sim files (a .cfg and a topology CSV written from
  workloads/resnet50.yaml) with accelsim's native memory model: <= 0.5 s, <= 150 MB (SCALE-Sim:
  992 s, 12.1 GB). The .cfg's default `memory.model: scalesim` (SCALE-Sim's own address-stream
  memory model) is timed once and printed next to it.
- layers_100k: 100,000 small GEMM layers on systolic_32x32: <= 30 s; memory small and
  linear (25k and 50k layers are measured too, and the RSS per extra layer printed; with
  --phases, also the CPU time and peak RSS of each pass of simulate() in one more process).
- compressed_warm: era_bs + resnet18_erabs in a second fresh process (the first one fills
  a fresh on-disk compression cache; its time is printed as the cold figure): <= 3 s.
- functional: ResNet-18 on ISAAC with --functional against the same timing run: <= 5x.
- sweep: a 60-point ResNet-18 sweep on systolic_32x32 with 2 workers: >= 30 points/s.
Ends with one PASS/FAIL line per case.

accelsim's modules are byte-compiled first and the processes run with bytecode caching on
(PYTHONDONTWRITEBYTECODE removed from their environment), as an installed accelsim runs:
compiling the modules from source would add about 0.1 s to every process. Each timed command
also has one untimed warm-up run (the file cache).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_systolic import reference_loop  # the same machine-speed yardstick

ROOT = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"
SCALESIM_CFG = ROOT / "tests" / "data" / "scalesim" / "resnet18_32x32_ws" / "cfg_32x32_ws.cfg"


def _env(env: dict | None) -> dict:
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module doc
    return env


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall s, peak RSS MB) of one process, from /usr/bin/time -v."""
    out = subprocess.run([TIME, "-v", *cmd], capture_output=True, text=True, env=_env(env), cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return seconds, rss_kb / 1024


def median_of(repeat: int, cmd: list[str], env: dict | None = None, warm_up: bool = True) -> tuple[float, float]:
    if warm_up:
        measure(cmd, env)
    runs = [measure(cmd, env) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def accelsim(*args) -> list[str]:
    return [sys.executable, "-m", "accelsim", *map(str, args)]


def write_resnet50_topology(path: Path) -> None:
    """ResNet-50's MAC layers as a SCALE-Sim conv topology (padded extents, trailing commas)."""
    sys.path.insert(0, str(ROOT))
    from accelsim.workload import load_workload

    lines = ["Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"]
    for layer in load_workload(ROOT / "workloads" / "resnet50.yaml").layers:
        if layer.is_pool:
            continue
        h = (layer.P - 1) * layer.stride_h + layer.R
        w = (layer.Q - 1) * layer.stride_w + layer.S
        lines.append(f"{layer.name}, {h}, {w}, {layer.R}, {layer.S}, {layer.C}, {layer.K}, {layer.stride_h},")
    path.write_text("\n".join(lines) + "\n")


def write_layers(path: Path, n: int) -> None:
    rows = "".join(f"  - {{name: g{i}, type: gemm, M: 64, K: 64, N: 64}}\n" for i in range(n))
    path.write_text(f"name: layers_{n}\nlayers:\n{rows}")


def case_gemm(tmp: Path, repeat: int) -> dict:
    wl = tmp / "gemm65536.yaml"
    wl.write_text("name: gemm65536\nlayers:\n  - {name: g, type: gemm, M: 65536, N: 65536, K: 65536}\n")
    wall, rss = median_of(repeat, accelsim("run", ROOT / "hwconfigs" / "systolic_32x32.yaml", wl, "-q"))
    return {"wall_s": wall, "rss_mb": rss, "ok": wall <= 3 and rss <= 300, "target": "<= 3 s, <= 300 MB"}


def case_resnet50(tmp: Path, repeat: int) -> dict:
    topo = tmp / "resnet50.csv"
    write_resnet50_topology(topo)
    wall, rss = median_of(repeat, accelsim("run", SCALESIM_CFG, topo, "-q", "--set", "memory.model=native"))
    model, model_rss = median_of(repeat, accelsim("run", SCALESIM_CFG, topo, "-q"))
    return {"wall_s": wall, "rss_mb": rss, "ok": wall <= 0.5 and rss <= 150, "target": "<= 0.5 s, <= 150 MB",
            "note": f"{992 / wall:,.0f}x faster, {12.1 * 1024 / rss:,.0f}x less memory than SCALE-Sim's 992 s / 12.1 GB "
                    f"(native memory model); with a .cfg's default memory.model scalesim (SCALE-Sim's address-stream "
                    f"model): {model:.2f} s, {model_rss:.0f} MB, {992 / model:,.0f}x faster"}


def case_layers(tmp: Path, repeat: int, passes: bool = False) -> dict:
    hw = ROOT / "hwconfigs" / "systolic_32x32.yaml"
    figures = {}
    for n in (25_000, 50_000, 100_000):
        wl = tmp / f"layers_{n}.yaml"
        write_layers(wl, n)
        figures[n] = median_of(1 if n < 100_000 else repeat, accelsim("run", hw, wl, "-q"), warm_up=False)
    wall, rss = figures[100_000]
    per_layer_kb = (figures[100_000][1] - figures[50_000][1]) * 1024 / 50_000
    return {"wall_s": wall, "rss_mb": rss, "ok": wall <= 30, "target": "<= 30 s, memory linear and small",
            "note": "RSS at 25k/50k/100k layers: " + " / ".join(f"{figures[n][1]:.0f}" for n in figures)
                    + f" MB ({per_layer_kb:.1f} KB per extra layer); wall " + " / ".join(f"{figures[n][0]:.1f}" for n in figures) + " s"
                    + (f"\n{'':<18} in-process passes at 100k: {phases(tmp / 'layers_100000.yaml')}" if passes else "")}


PHASES = """
import resource, sys, time
sys.path.insert(0, %r)
from accelsim import simulator as S
from accelsim.engine.chip import build_chip
from accelsim.engine.context import SimContext
from accelsim.workload import load_workload
from accelsim.workload.compression.effect import workload_stats
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
hw = S._load(%r, None)
times, t = {}, time.process_time()
def phase(name):
    global t
    now = time.process_time()
    times[name] = (now - t, rss())
    t = now
wl = load_workload(%r); phase("load")
stats = workload_stats(wl, hw, 0, True)
data = S.measure(hw, wl, 0, False, None, 256, stats, None, True)
ctx = SimContext(clock_mhz=hw.clock_mhz, seed=0)
chip = build_chip(ctx, hw)
plans = chip.map(wl, stats, data.skip); phase("map")
rows, end = chip.run(plans); phase("run")
S._result(ctx, hw, wl, chip, rows, end, 0, data); phase("result")
print("; ".join(f"{k} {v[0]:.2f} s (peak {v[1]:.0f} MB)" for k, v in times.items()))
"""


def phases(path: Path) -> str:
    """The in-process passes of simulate() on `path` (CPU s, and peak RSS after each), in a fresh process."""
    code = PHASES % (str(ROOT), str(ROOT / "hwconfigs" / "systolic_32x32.yaml"), str(path))
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT,
                          env=_env(None)).stdout.strip()


def case_compressed(tmp: Path, repeat: int) -> dict:
    cold_walls, warm = [], []
    for i in range(repeat):
        env = {**os.environ, "ACCELSIM_CACHE_DIR": str(tmp / f"cache{i}")}
        cmd = accelsim("run", ROOT / "hwconfigs" / "era_bs.yaml", ROOT / "workloads" / "resnet18_erabs.yaml", "-q")
        cold_walls.append(measure(cmd, env)[0])
        warm.append(measure(cmd, env))
    wall, rss = statistics.median(w for w, _ in warm), statistics.median(r for _, r in warm)
    return {"wall_s": wall, "rss_mb": rss, "ok": wall <= 3, "target": "<= 3 s (second process)",
            "note": f"first process (cold cache) {statistics.median(cold_walls):.2f} s"}


def case_functional(tmp: Path, repeat: int) -> dict:
    hw, wl = ROOT / "hwconfigs" / "isaac.yaml", ROOT / "workloads" / "resnet18.yaml"
    timing, _ = median_of(repeat, accelsim("run", hw, wl, "-q"))
    wall, rss = median_of(repeat, accelsim("run", hw, wl, "-q", "--functional"), warm_up=False)
    return {"wall_s": wall, "rss_mb": rss, "ok": wall <= 5 * timing, "target": "<= 5x the timing run",
            "note": f"timing run {timing:.2f} s: functional is {wall / timing:.1f}x"}


def case_sweep(tmp: Path, repeat: int) -> dict:
    code = (
        "import sys, json, time; sys.path.insert(0, %r)\n"
        "from accelsim.sweep.run import run_sweep\n"
        "o = run_sweep(%r, %r, progress=False, jobs=2)\n"
        "print(json.dumps({'points': len(o.points), 'seconds': o.seconds, 'failed': o.failed}))\n")
    spec = tmp / "sweep.yaml"
    spec.write_text(json.dumps({
        "name": "bench", "hardware": str(ROOT / "hwconfigs" / "systolic_32x32.yaml"),
        "workloads": [str(ROOT / "workloads" / "resnet18.yaml")],
        "axes": {"compute.rows": [8, 16, 32, 64, 128], "compute.cols": [8, 16, 32, 64, 128],
                 "compute.dataflow": ["os", "ws", "is"], "memory.dram.bandwidth_bytes_per_cycle": [4, 8, 16, 32, 64]},
        "sampling": {"method": "random", "points": 60, "seed": 1}}))
    rates, walls = [], []
    for i in range(repeat):
        cmd = [sys.executable, "-c", code % (str(ROOT), str(spec), str(tmp / f"sweep{i}"))]
        start = time.perf_counter()
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout)
        walls.append(time.perf_counter() - start)
        rates.append(out["points"] / out["seconds"])
    rate = statistics.median(rates)
    return {"wall_s": statistics.median(walls), "rss_mb": float("nan"), "ok": rate >= 30, "target": ">= 30 points/s",
            "note": f"{rate:.1f} points/s inside run_sweep (median), 60 points, 2 workers"}


CASES = {"gemm65536": case_gemm, "resnet50_scalesim": case_resnet50, "layers_100k": case_layers,
         "compressed_warm": case_compressed, "functional": case_functional, "sweep": case_sweep}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median counts")
    parser.add_argument("--only", nargs="+", choices=list(CASES), help="run only these cases")
    parser.add_argument("--phases", action="store_true",
                        help="layers_100k: also time simulate()'s passes (load, map, run, result) in one more process")
    args = parser.parse_args()
    # compiled once, as an install would: the timed processes then load bytecode
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "accelsim")], check=True,
                   env=_env(None), capture_output=True)
    start_up, start_rss = median_of(args.repeat, [sys.executable, "-c", "pass"], warm_up=False)
    loop = statistics.median(reference_loop() for _ in range(args.repeat))
    print(f"references (same run): python start-up {start_up:.3f} s / {start_rss:.0f} MB; pure-Python loop {loop:.3f} s")
    results = {}
    with tempfile.TemporaryDirectory(prefix="accelsim-bench-scale-") as tmp:
        for name in args.only or CASES:
            r = CASES[name](Path(tmp), args.repeat, **({"passes": True} if args.phases and name == "layers_100k" else {}))
            results[name] = r
            print(f"{name:<18} {r['wall_s']:8.2f} s ({r['wall_s'] / loop:6.1f}x loop, {r['wall_s'] / start_up:5.0f}x "
                  f"start-up) {r['rss_mb']:7.0f} MB  "
                  f"target {r['target']}: {'PASS' if r['ok'] else 'FAIL'}" + (f"\n{'':<18} {r['note']}" if r.get("note") else ""),
                  flush=True)
    print("bench_scale: " + ", ".join(f"{n} {'PASS' if r['ok'] else 'FAIL'}" for n, r in results.items()))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
