#!/usr/bin/env python3
"""Speed and memory of LLM-size workloads: LLaMA-2-7B prefill (2,048 tokens) and one decode step
(context 2,048), on systolic_32x32 and on the MRAM crossbar chip (time-multiplexed: the model
needs ~3.5 M crossbars, the chip has 16,128).

Targets (issue 13): each run <= 5 s wall and <= 500 MB peak RSS on a 2-core machine.
Also ERA-BS prefill with its zero-slice data pass made afresh (--no-cache; 852 M sampled
inputs): <= 20 s and <= 500 MB (issue 15).
Each run is a whole `accelsim run` process timed by /usr/bin/time -v (wall clock and maximum
resident set size), repeated --repeat times; medians are printed with the ratio to a reference
measured in this same run: a fixed pure-Python loop, run the same way in its own process.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUX = ["--set", "compute.allow_reprogramming=true"]
CASES = [  # workload, chip, extra arguments, (wall s, RSS MB) targets
    ("llama2_7b_prefill", "systolic_32x32", [], (5.0, 500.0)),
    ("llama2_7b_decode", "systolic_32x32", [], (5.0, 500.0)),
    ("llama2_7b_prefill", "mram_crossbar", MUX, (5.0, 500.0)),
    ("llama2_7b_decode", "mram_crossbar", MUX, (5.0, 500.0)),
    ("llama2_7b_prefill", "era_bs", [*MUX, "--no-cache"], (20.0, 500.0)),
]
REFERENCE = "t = 0\nfor i in range(20_000_000):\n    t += i % 7\n"


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MB) of one whole process, from /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{proc.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    hours, minutes, seconds = int(wall.group(1) or 0), int(wall.group(2)), float(wall.group(3))
    return hours * 3600 + minutes * 60 + seconds, int(rss.group(1)) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (medians are reported)")
    parser.add_argument("--chips", nargs="+", default=None, help="only these chips (default: all cases)")
    args = parser.parse_args()
    ref = statistics.median(timed([sys.executable, "-c", REFERENCE])[0] for _ in range(args.repeat))
    print(f"reference pure-Python loop (own process): {ref:.2f} s median of {args.repeat}")
    print(f"\n{'workload':<20}{'chip':<16}{'wall s':>8}{'range':>12}{'x ref':>7}{'RSS MB':>8}  target")
    ok = True
    for workload, hw, extra, (wall_s, rss_mb) in CASES:
        if args.chips and hw not in args.chips:
            continue
        argv = [sys.executable, "-m", "accelsim", "run", f"hwconfigs/{hw}.yaml", f"workloads/{workload}.yaml",
                *extra]
        runs = [timed(argv) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        spread = f"{min(r[0] for r in runs):.2f}-{max(r[0] for r in runs):.2f}"
        good = wall <= wall_s and rss <= rss_mb
        ok &= good
        print(f"{workload:<20}{hw:<16}{wall:>8.2f}{spread:>12}{wall / ref:>7.2f}{rss:>8.0f}  "
              f"{'PASS' if good else 'FAIL'} (<= {wall_s:g} s, <= {rss_mb:g} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
