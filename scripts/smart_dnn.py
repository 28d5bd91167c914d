#!/usr/bin/env python3
"""Smart-DNN+-style memory at inference: footprint, partial-decompression peak memory, decode time.

Smart-DNN+ (Wu et al., ACM TACO 20(4), 2023) stores each layer as binary signs plus bucket-encoded
residuals and decompresses one layer at a time at inference. accelsim's encoder is
`binary_bucket` (remap: true, coding: huffman; the form is the reference sheet's reading, the
remapping step an assumption: docs/compression.md). For ResNet-18 (synthetic He-normal weights)
this prints, per encoder:
- footprint: stored bits / dense 32-bit bits;
- peak memory with partial decompression: every layer's compressed form stays resident and one
  layer at a time is expanded to 32-bit for its turn: (sum stored + max layer dense) / sum dense
  (weights only; activations are the same for both and left out);
- error: relative L2 over all weights, and the worst layer's;
- decode time on the SAC-style chip's weight decoder (hwconfigs/sac.yaml: decoder_ops_per_cycle
  operations per cycle at clock_mhz): weights x decode operations per weight / ops per cycle.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ENCODERS = {
    "Smart-DNN+-style (remap, Huffman ids)": [{"scheme": "binary_bucket", "rel_eps": 0.25, "remap": True,
                                               "coding": "huffman"}],
    "binary + fixed-width bucket ids": [{"scheme": "binary_bucket", "rel_eps": 0.25}],
    "uniform 8-bit": [{"scheme": "quantize", "bits": 8}],
}


def measure(steps: list[dict], network: str = "resnet18.yaml", hw: str = "sac.yaml", seed: int = 0) -> dict:
    import accelsim
    from accelsim.workload.compression.pipeline import compress_layer, synthetic_weights

    wl = accelsim.load_workload(ROOT / "workloads" / network)
    chip = accelsim.load_hardware(ROOT / "hwconfigs" / hw)
    block = tuple(tuple(sorted(step.items())) for step in steps)
    rng = np.random.default_rng([seed, 2])
    stored = dense = peak_layer = 0
    err2 = ref2 = 0.0
    worst = 0.0
    decode_ops = 0.0
    for layer in wl.layers:
        if layer.is_pool:
            continue
        w = synthetic_weights(layer, rng)
        r = compress_layer(dataclasses.replace(layer, compression=block), w)
        bits = 32 * w.size
        stored += r.hw.stored_bits
        dense += bits
        peak_layer = max(peak_layer, bits)
        err2 += float(np.sum((r.weights - r.reference) ** 2))
        ref2 += float(np.sum(r.reference ** 2))
        worst = max(worst, r.error["rel_l2"])
        decode_ops += r.hw.decode_ops_per_weight * w.size
    cycles = decode_ops / chip.compute.decoder_ops_per_cycle
    return {"footprint": stored / dense, "peak": (stored + peak_layer) / dense, "rel_l2": float(np.sqrt(err2 / ref2)),
            "worst_rel_l2": worst, "decode_ms": cycles / (chip.clock_mhz * 1e3), "dense_mb": dense / 8e6,
            "stored_mb": stored / 8e6, "largest_layer_mb": peak_layer / 8e6}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    print("ResNet-18 weights (synthetic He-normal), dense float32 = 100 %\n")
    print("| encoder | footprint (% of dense) | peak memory, one layer at a time (% of dense) | rel. L2 error "
          "(worst layer) | decode time on sac.yaml (ms) |")
    print("|---|---|---|---|---|")
    for name, steps in ENCODERS.items():
        m = measure(steps)
        print(f"| {name} | {100 * m['footprint']:.2f} | {100 * m['peak']:.2f} | {m['rel_l2']:.3f} "
              f"({m['worst_rel_l2']:.3f}) | {m['decode_ms']:.2f} |")
    m = measure(ENCODERS["Smart-DNN+-style (remap, Huffman ids)"])
    print(f"\ndense {m['dense_mb']:.1f} MB; Smart-DNN+-style {m['stored_mb']:.2f} MB stored + "
          f"{m['largest_layer_mb']:.2f} MB for the largest layer decompressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
