"""The activation data pass: each compute layer's share of zero input activations.

A PE-array chip that gates zero activations (compute.activation_gating, Eyeriss's data gating:
energy) or skips them (compute.activation_skipping: time) needs the share of zeros its inputs
carry. This pass measures it on the very input draws functional mode makes (the seeded synthetic
post-ReLU inputs, half zeros, or the `<layer>.input` tensors given: a feature map's patches
include its padding zeros, which a PE also sees), so the two modes agree on the data. The
mapping pass then turns the share into gated energy or shorter passes (zero_skip.py).
"""

from __future__ import annotations

import numpy as np

from accelsim.config.schema import HardwareConfig
from accelsim.workload import Workload


def zero_activation_shares(hw: HardwareConfig, workload: Workload, rng: np.random.Generator,
                           tensors=None, vectors: int = 256) -> dict[str, float]:
    """layer -> share of zero values among its sampled input vectors (layers with weights)."""
    from accelsim.functional import _inputs, _load_tensors, _precision, _require_tensors

    source, given = _load_tensors(tensors, workload)[:2]
    root = int(rng.integers(1 << 62))   # the root run_functional draws first, so inputs match
    shares = {}
    for i, layer in enumerate(workload.layers):
        if not layer.has_weights:
            continue
        in_bits, _ = _precision(layer, hw)
        _require_tensors(layer, int(vectors), source if tensors is not None else workload.path)
        x = _inputs(layer, given.get(f"{layer.name}.input"), in_bits, int(vectors),
                    np.random.default_rng([root, i, 1]), source)
        shares[layer.name] = float(np.count_nonzero(x == 0) / x.size) if x.size else 0.0
    return shares
