"""What compression changes in hardware: per-layer HardwareStats for a run, and the layer a
PE array really executes after structured pruning.

A layer whose block is already `compressed` (the output of `accelsim compress`) carries its
statistics. A layer with raw transforms is compressed here, on synthetic weights drawn from a
Generator derived from the run's seed (so timing draws are untouched and the same seed gives
the same statistics), with the crossbar geometry of the chip when it has one.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import numpy as np

from accelsim.workload.compression.pipeline import compress_layer
from accelsim.workload.compression.result import Geometry, HardwareStats
from accelsim.workload.compression.spec import compressed_stats
from accelsim.workload.layers import Layer, Workload


def workload_stats(workload: Workload, hw, seed: int) -> list[HardwareStats | None]:
    if not any(layer.compression for layer in workload.layers):
        return [None] * len(workload.layers)
    geometry = None
    if hw.compute.type == "crossbar":
        xbar = hw.compute.tile.ima.crossbar
        geometry = Geometry(xbar.rows, xbar.cols, xbar.cell_bits)
    return list(_stats(workload.layers, workload.path, geometry, seed))


@lru_cache(maxsize=16)
def _stats(layers: tuple[Layer, ...], path: str | None, geometry: Geometry | None, seed: int) -> tuple:
    """Pure in its arguments (synthetic weights come from the seed), so a sweep's repeated
    points reuse it instead of compressing the same network again."""
    workload = Workload("w", layers, path=path)
    rng = np.random.default_rng([seed, 2])
    stats = []
    for i, layer in enumerate(workload.layers):
        baked = compressed_stats(layer) if layer.compression else None
        if baked is not None or not layer.compression or not layer.has_weights:
            stats.append(baked)
            continue
        result = compress_layer(layer, None, geometry, rng, workload.path, f"layers[{i}] ({layer.name})")
        stats.append(result.hw if result is not None else None)
    return tuple(stats)


def pruned_layer(layer: Layer, stats: HardwareStats | None) -> Layer:
    """The layer with pruned filters and channels removed (ungrouped layers only: a grouped
    layer keeps its shape, its zeros stay in place)."""
    if stats is None or layer.groups != 1 or (stats.kept_filters >= 1 and stats.kept_channels >= 1):
        return layer
    k = max(1, math.ceil(layer.K * stats.kept_filters - 1e-9))
    c = max(1, math.ceil(layer.C * stats.kept_channels - 1e-9))
    return dataclasses.replace(layer, K=k, C=c)
