#!/usr/bin/env python3
"""Eyeriss on AlexNet's CONV layers at batch 4, next to the published figures
(Chen et al., JSSC 2017: 34.7 frames/s, 23.1 GMAC/s, 278 mW, 15.4 MB DRAM per batch, 88 % of
PEs active). Chip power excludes DRAM, as the paper's does."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = {"frames_per_s": 34.7, "gmacs_per_s": 23.1, "chip_power_mw": 278.0, "dram_mb": 15.4, "pes_active": 0.88}


def measure() -> dict:
    sys.path.insert(0, str(ROOT))
    import accelsim

    r = accelsim.simulate(ROOT / "hwconfigs" / "eyeriss.yaml", ROOT / "workloads" / "alexnet.yaml")
    layers = r.layers
    conv = layers[layers["type"] == "conv"]
    seconds = conv["seconds"].sum()
    batch = accelsim.load_workload(ROOT / "workloads" / "alexnet.yaml").layers[0].N
    return {
        "frames_per_s": batch / seconds,
        "gmacs_per_s": conv["macs"].sum() / seconds / 1e9,
        # every layer's energy includes its share of the static power (clock, control, leakage)
        "chip_power_mw": (conv["energy_pj"].sum() - conv.get("energy_pj_dram", 0.0 * conv["energy_pj"]).sum())
        * 1e-12 / seconds * 1e3,
        "dram_mb": (conv["dram_read_bytes"].sum() + conv["dram_write_bytes"].sum()) / 1e6,
        "pes_active": (conv["mapping_efficiency"] * conv["compute_cycles"]).sum() / conv["compute_cycles"].sum(),
    }


def main() -> int:
    ours = measure()
    print(f"{'AlexNet CONV, batch 4':<24}{'published':>12}{'accelsim':>12}{'ratio':>8}")
    for key, label in [("frames_per_s", "frames/s"), ("gmacs_per_s", "GMAC/s"), ("chip_power_mw", "chip power mW"),
                       ("dram_mb", "DRAM MB/batch"), ("pes_active", "PEs active")]:
        print(f"{label:<24}{PUBLISHED[key]:>12.3g}{ours[key]:>12.3g}{ours[key] / PUBLISHED[key]:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
