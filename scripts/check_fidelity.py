"""fast vs fine on random paced layers: a wider check than the property tests' few examples.

    python scripts/check_fidelity.py --seed 21 --count 150          # each range, 150 layers
    python scripts/check_fidelity.py --seed 21 --count 150 --kind big

Draws GEMM layers from three ranges, keeps those fast fidelity paces (`needs_pacing`), and
runs two copies of each (as tests/test_fidelity.py does) in fine and fast fidelity:
  big     folds that overflow quarter-buffer jobs (the big-fold property test's range),
  stream  few tokens, big weight matrices (the streamed-weight property test's range),
  shared  the shared-DRAM property test's GEMM range.
Prints, per range, the layers run, the worst |fast - fine| / fine and every layer past 0.5 %;
exits 1 if any is past 0.5 %. Same seed, same layers.
"""

from __future__ import annotations

import argparse
import random

import accelsim
from accelsim.components.controller import needs_pacing
from accelsim.workload import Layer, Workload
from accelsim.workload.mapping import map_workload

LIMIT = 0.005


def hardware(df, rows, cols, bandwidth, latency_ns, kib) -> dict:
    return {"name": "t", "clock_mhz": 1000, "compute": {"type": "systolic", "rows": rows, "cols": cols, "dataflow": df},
            "memory": {"ifmap_sram": {"capacity_kib": kib}, "filter_sram": {"capacity_kib": kib},
                       "ofmap_sram": {"capacity_kib": kib},
                       "dram": {"bandwidth_bytes_per_cycle": bandwidth, "latency_ns": latency_ns}}}


def draw(rng: random.Random, kind: str) -> tuple:
    """(m, k, n, dataflow, rows, cols, bytes/cycle, latency ns, KiB)"""
    df = rng.choice(["os", "ws", "is"])
    if kind == "big":
        return (rng.randint(200, 1400), rng.randint(300, 1500), rng.randint(100, 400), df, rng.randint(8, 32),
                rng.randint(8, 32), rng.choice([1, 8, 32]), rng.choice([0, 200]), rng.choice([2, 16]))
    if kind == "stream":
        return (rng.randint(1, 64), rng.randint(500, 1400), rng.randint(500, 1400), df, rng.randint(16, 32),
                rng.randint(16, 32), rng.choice([0.5, 3, 8, 32]), rng.choice([0, 50, 200]), rng.choice([2, 16]))
    return (rng.randint(1, 800), rng.randint(1, 1500), rng.randint(1, 600), df, rng.randint(4, 64), rng.randint(4, 64),
            rng.choice([0.5, 1, 3, 8, 32]), rng.choice([0, 50, 200]), rng.choice([2, 16, 64]))


def paced(layer: Layer, hw: dict, max_folds: int) -> bool:
    config = accelsim.load_hardware(hw)
    buffers = {s: getattr(config.memory, f"{s}_sram").capacity_bytes for s in ("ifmap", "filter", "ofmap")}
    plan = map_workload(Workload("w", (layer,)), config)[0]
    return plan.folds <= max_folds and needs_pacing(plan, "fast", buffers)


def check(seed: int, count: int, kind: str, max_folds: int) -> list[tuple]:
    """(case, fine cycles, fast cycles) of `count` random paced layers of range `kind`."""
    rng, out = random.Random(seed), []
    for _ in range(count * 200):  # most draws are not paced
        if len(out) == count:
            break
        case = draw(rng, kind)
        m, k, n = case[:3]
        layer = Layer(name="l", kind="gemm", C=k, H=m, W=1, K=n)
        hw = hardware(*case[3:])
        if not paced(layer, hw, max_folds):
            continue
        wl = Workload("w", (layer, Layer(**{**layer.__dict__, "name": "l2"})))
        fine = accelsim.simulate(hw, wl, fidelity="fine").summary["cycles"]
        fast = accelsim.simulate(hw, wl, fidelity="fast").summary["cycles"]
        out.append((case, fine, fast))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=100, help="paced layers per range")
    parser.add_argument("--kind", choices=["big", "stream", "shared"], action="append")
    parser.add_argument("--max-folds", type=int, default=20_000, help="skip longer layers (fine's cost)")
    args = parser.parse_args(argv)
    failed = False
    for kind in args.kind or ["big", "stream", "shared"]:
        out = check(args.seed, args.count, kind, args.max_folds)
        off = [(case, (fast - fine) / fine) for case, fine, fast in out]
        worst = max(off, key=lambda o: abs(o[1]), default=(None, 0.0))
        past = [o for o in off if abs(o[1]) > LIMIT]
        print(f"{kind} seed {args.seed}: {len(out)} paced layers, worst {worst[1] * 100:+.3f}% {worst[0]}, "
              f"identical {sum(fine == fast for _, fine, fast in out)}, past 0.5 %: {len(past)}")
        for case, d in past:
            print(f"  {case}: {d * 100:+.3f}%")
        failed |= bool(past)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
