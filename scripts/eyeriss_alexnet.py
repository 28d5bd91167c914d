#!/usr/bin/env python3
"""Eyeriss on AlexNet's CONV layers at batch 4, next to the published figures
(Chen et al., JSSC 2017: 34.7 frames/s, 23.1 GMAC/s, 278 mW, 15.4 MB DRAM per batch, 88 % of
PEs active; Table V per layer). Chip power excludes DRAM, as the paper's does.

Zero activations matter to the power (Eyeriss gates them: hwconfigs/eyeriss.yaml), so the inputs
carry Table V's measured share of zeros in each layer's ifmap: seeded integer inputs with that
share zeroed, handed to the data pass as tensors (`--synthetic`: the data pass's own draws, half
zeros in every layer)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = {"frames_per_s": 34.7, "gmacs_per_s": 23.1, "chip_power_mw": 278.0, "dram_mb": 15.4, "pes_active": 0.88}
# JSSC 2017 Table V: measured power (mW) and zeros in ifmaps (%) per CONV layer
TABLE_V = {"conv1": (332, 0.01), "conv2": (288, 38.7), "conv3": (266, 72.5), "conv4": (235, 79.3),
           "conv5": (236, 77.6)}


def table_v_inputs(path: Path, vectors: int = 256, seed: int = 0) -> Path:
    """An .npz of `<layer>.input` vectors with Table V's share of zeros (nonzeros uniform 8-bit)."""
    import accelsim

    rng = np.random.default_rng(seed)
    arrays = {}
    for layer in accelsim.load_workload(ROOT / "workloads" / "alexnet.yaml").layers:
        if layer.name in TABLE_V:
            m, k, _ = layer.gemm
            x = rng.integers(1, 256, size=(layer.groups, min(vectors, m), k))
            x[rng.random(x.shape) < TABLE_V[layer.name][1] / 100] = 0
            arrays[f"{layer.name}.input"] = x if layer.groups > 1 else x[0]
    np.savez(path, **arrays)
    return path


def measure(synthetic: bool = False) -> dict:
    sys.path.insert(0, str(ROOT))
    import accelsim

    with tempfile.TemporaryDirectory() as tmp:
        tensors = None if synthetic else table_v_inputs(Path(tmp) / "inputs.npz")
        r = accelsim.simulate(ROOT / "hwconfigs" / "eyeriss.yaml", ROOT / "workloads" / "alexnet.yaml",
                              tensors=tensors)
    layers = r.layers
    conv = layers[layers["type"] == "conv"]
    seconds = conv["seconds"].sum()
    batch = accelsim.load_workload(ROOT / "workloads" / "alexnet.yaml").layers[0].N
    # every layer's energy includes its share of the static power (clock, control, leakage)
    chip_pj = conv["energy_pj"] - conv.get("energy_pj_dram", 0.0 * conv["energy_pj"])
    return {
        "frames_per_s": batch / seconds,
        "gmacs_per_s": conv["macs"].sum() / seconds / 1e9,
        "chip_power_mw": chip_pj.sum() * 1e-12 / seconds * 1e3,
        "dram_mb": (conv["dram_read_bytes"].sum() + conv["dram_write_bytes"].sum()) / 1e6,
        "pes_active": (conv["mapping_efficiency"] * conv["compute_cycles"]).sum() / conv["compute_cycles"].sum(),
        "layer_power_mw": dict(zip(conv["layer"], chip_pj * 1e-12 / conv["seconds"] * 1e3)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", action="store_true", help="the data pass's own inputs (half zeros) instead of Table V's")
    ours = measure(ap.parse_args().synthetic)
    print(f"{'AlexNet CONV, batch 4':<24}{'published':>12}{'accelsim':>12}{'ratio':>8}")
    for key, label in [("frames_per_s", "frames/s"), ("gmacs_per_s", "GMAC/s"), ("chip_power_mw", "chip power mW"),
                       ("dram_mb", "DRAM MB/batch"), ("pes_active", "PEs active")]:
        print(f"{label:<24}{PUBLISHED[key]:>12.3g}{ours[key]:>12.3g}{ours[key] / PUBLISHED[key]:>8.2f}")
    print(f"\n{'layer':<8}{'zeros %':>9}{'published mW':>14}{'accelsim mW':>13}{'ratio':>8}")
    for name, (mw, zeros) in TABLE_V.items():
        got = ours["layer_power_mw"][name]
        print(f"{name:<8}{zeros:>9.1f}{mw:>14}{got:>13.1f}{got / mw:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
