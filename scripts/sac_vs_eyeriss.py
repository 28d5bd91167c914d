#!/usr/bin/env python3
"""SAC-style spin chip vs Eyeriss on the same compressed networks.

SAC (Zhao et al., ACM TACO 2023) reports 2x power efficiency and 5x computational efficiency
against Eyeriss. Its architecture is not public: hwconfigs/sac.yaml is accelsim's own model
(docs/validation.md). Efficiencies are in dense-equivalent operations (2 x the network's MACs)
per second, per watt of chip power (DRAM excluded, as chip papers quote it; with DRAM too)
and per mm2 of chip area.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = {"power_efficiency": 2.0, "computational_efficiency": 5.0}
WORKLOADS = ["alexnet_sac.yaml"]


def figures(hw: str, wl: str) -> dict:
    import accelsim

    r = accelsim.simulate(ROOT / "hwconfigs" / hw, ROOT / "workloads" / wl)
    s = r.summary
    dram = r.components.set_index(["component", "stat"])["value"].get(("dram", "energy_pj"), 0.0)
    chip_w = (s["energy_pj"] - dram) * 1e-12 / s["seconds"]
    return {"gops": s["gops"], "chip_w": chip_w, "total_w": s["power_w"], "area": s["area_mm2"],
            "gops_per_w": s["gops"] / chip_w, "gops_per_w_dram": s["gops_per_w"],
            "gops_per_mm2": s["gops_per_mm2"], "ms": s["seconds"] * 1e3}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for wl in WORKLOADS:
        eye, sac = figures("eyeriss.yaml", wl), figures("sac.yaml", wl)
        print(f"{wl}:")
        print(f"  {'':<30}{'Eyeriss':>12}{'SAC-style':>12}{'ratio':>8}")
        for key, label in [("ms", "latency ms"), ("gops", "GOPS (dense-equivalent)"), ("chip_w", "chip power W"),
                           ("area", "area mm2"), ("gops_per_w", "GOPS/W (chip)"),
                           ("gops_per_w_dram", "GOPS/W (chip + DRAM)"), ("gops_per_mm2", "GOPS/mm2")]:
            print(f"  {label:<30}{eye[key]:>12.4g}{sac[key]:>12.4g}{sac[key] / eye[key]:>8.2f}")
        print(f"  power efficiency:         accelsim {sac['gops_per_w'] / eye['gops_per_w']:.2f}x "
              f"(published {PUBLISHED['power_efficiency']:.0f}x)")
        print(f"  computational efficiency: accelsim {sac['gops_per_mm2'] / eye['gops_per_mm2']:.2f}x "
              f"(published {PUBLISHED['computational_efficiency']:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
