#!/usr/bin/env python3
"""Speed of the crossbar simulator: ResNet-50 on ISAAC, pipelined, batch 1.

Target (issue 3): <= 20 s wall and <= 1 GB peak RSS on 2 cores. The reference measured in
the same run is the systolic simulator on the same network (32x32 ws array), so the ratio
travels between machines. Also prints ResNet-50 and VGG-16 throughput and energy per image
next to ISAAC's published peak figures.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(hw: str, wl: str, fidelity: str, overrides: str) -> dict:
    import accelsim

    config = accelsim.load_hardware(ROOT / "hwconfigs" / hw, json.loads(overrides))
    start = time.perf_counter()
    r = accelsim.simulate(config, ROOT / "workloads" / wl, fidelity=fidelity)
    wall = time.perf_counter() - start
    s = r.summary
    return {"hw": hw, "wl": wl, "fidelity": fidelity, "wall_s": wall,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "cycles": s["cycles"],
            "seconds": s["seconds"], "energy_j": s["energy_j"], "events": s["simpy_events"],
            "per_s": s.get("pipelined_inferences_per_s"), "gops": s["gops"], "gops_per_w": s["gops_per_w"],
            "macs": s["macs"]}


def run(hw, wl, fidelity="fast", overrides=None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", hw, wl, fidelity, json.dumps(overrides or {})],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:6])))
        return 0
    target = run("isaac.yaml", "resnet50.yaml")
    fine = run("isaac.yaml", "resnet50.yaml", "fine")
    ref = run("systolic_32x32.yaml", "resnet50.yaml")
    vgg = run("isaac.yaml", "vgg16.yaml", overrides={"compute.allow_reprogramming": True})
    print(f"{'run':<34}{'wall s':>8}{'RSS MB':>8}{'events':>10}{'sim cycles':>14}")
    for name, r in [("ResNet-50 on ISAAC (fast)", target), ("ResNet-50 on ISAAC (fine)", fine),
                    ("ResNet-50 on systolic 32x32 (ref)", ref), ("VGG-16 on ISAAC, time-multiplexed", vgg)]:
        print(f"{name:<34}{r['wall_s']:>8.2f}{r['rss_mb']:>8.0f}{r['events']:>10,}{r['cycles']:>14,}")
    print(f"\nISAAC ResNet-50 wall time / systolic reference: {target['wall_s'] / ref['wall_s']:.2f}")
    print("\nper image (batch 1):")
    for name, r in [("ResNet-50", target), ("VGG-16 (time-multiplexed)", vgg)]:
        rate = f"{r['per_s']:.0f}/s pipelined" if r["per_s"] else "no pipelining"
        print(f"  {name:<26} latency {r['seconds'] * 1e3:.3f} ms, {rate}, {r['energy_j'] * 1e3:.3f} mJ, "
              f"{r['gops']:.0f} GOPS at latency, {r['gops_per_w']:.0f} GOPS/W")
    print("  ISAAC published (peak, Table IV): 478.95 GOPS/(s mm2), 627.5 GOPS/W")
    ok = target["wall_s"] <= 20 and target["rss_mb"] <= 1024
    print(f"\nisaac: ResNet-50 pipelined {target['wall_s']:.2f} s (target <= 20), {target['rss_mb']:.0f} MB "
          f"(target <= 1024): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
