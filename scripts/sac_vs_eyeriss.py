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


def compression_ratio(wl: str) -> float:
    """Dense 32-bit bits over stored bits (codes, indices, codebooks) of the workload's compressed layers."""
    import accelsim
    from accelsim.workload.compression.spec import compressed_stats

    layers = [layer for layer in accelsim.load_workload(ROOT / "workloads" / wl).layers if not layer.is_pool]
    stored = sum(compressed_stats(layer).stored_bits for layer in layers)
    return 32 * sum(layer.weight_count for layer in layers) / stored


def accuracy_cost(seed: int = 0, epochs: int = 15, retrain_epochs: int = 10) -> dict:
    """Test accuracy of the digits CNN: float, after SAC-style compression with the AlexNet spec's
    settings for each layer's role (first conv like conv1: 16 % pruned, other convs like conv3-5:
    63 %, 255 centroids; the classifier like fc8: 75 %, 31 centroids), without and with Deep
    Compression's masked retraining before clustering."""
    import numpy as np

    from accelsim.ml import nets
    from accelsim.ml.data import load_split
    from accelsim.workload.compression.pipeline import compress

    split = load_split(seed)
    rng = np.random.default_rng([seed, 5])
    net = nets.train(nets.cnn(rng), split.x_train, split.y_train, rng, epochs=epochs)
    dense = nets.accuracy(nets.forward(net, split.x_test), split.y_test)
    # by role, as in the AlexNet spec: first conv like conv1, other convs like conv3-5, the classifier like fc8
    settings = [(0.16, 255), (0.63, 255), (0.75, 31)]
    float_w = [layer.w.copy() for layer in net.compute]

    def squeeze(sharing: bool) -> list:
        out = []
        for layer, (sparsity, k) in zip(net.compute, settings):
            steps = [{"scheme": "prune", "sparsity": sparsity}] + ([{"scheme": "cluster", "k": k}] if sharing else [])
            out.append(compress(layer.w, steps).weights[0])
        return out

    def accuracy_with(weights: list) -> float:
        for layer, w in zip(net.compute, weights):
            layer.w[...] = w
        return nets.accuracy(nets.forward(net, split.x_test), split.y_test)

    one_shot = accuracy_with(squeeze(True))
    for layer, w in zip(net.compute, float_w):
        layer.w[...] = w
    masks = [w != 0 for w in squeeze(False)]
    for layer, m in zip(net.compute, masks):
        layer.w *= m
    opt = nets.Adam(1e-3)
    for _ in range(retrain_epochs):      # retrain the kept weights (Han et al.), masks held
        order = rng.permutation(len(split.y_train))
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            logits, caches = nets.forward(net, split.x_train[idx], keep=True)
            _, d = nets.softmax_xent(logits, split.y_train[idx])
            grads = nets.backward(net, caches, d)
            opt.step([p for layer in net.compute for p in (layer.w, layer.b)], [g for pair in grads for g in pair])
            for layer, m in zip(net.compute, masks):
                layer.w *= m
    retrained = accuracy_with(squeeze(True))
    return {"float": dense, "one_shot": one_shot, "retrained": retrained}


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
        print(f"  compression ratio:        accelsim {compression_ratio(wl):.1f}x (published 14x-40x)")
    acc = accuracy_cost()
    print(f"accuracy cost on the digits CNN (same kind of settings): float {100 * acc['float']:.1f} %, "
          f"pruned + clustered {100 * acc['one_shot']:.1f} %, with masked retraining {100 * acc['retrained']:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
