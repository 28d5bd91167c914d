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


def workload_stats(workload: Workload, hw, seed: int, cache: bool = True) -> list[HardwareStats | None]:
    """Per layer HardwareStats (None: uncompressed). `cache`: reuse and keep results in the
    on-disk cache (`compression.cache`)."""
    if not any(layer.compression for layer in workload.layers):
        return [None] * len(workload.layers)
    geometry = None
    if hw.compute.type == "crossbar":
        xbar = hw.compute.tile.ima.crossbar
        geometry = Geometry(xbar.rows, xbar.cols, xbar.cell_bits)
    return list(_stats(workload.layers, workload.path, geometry, seed, cache))


@dataclasses.dataclass(frozen=True, eq=False)
class CompressedWeights:
    """What the functional pass runs of a compressed layer: its linear integer `codes`
    (weights == codes * scale), or else its compressed float `weights`; (groups, Kred, Nout)."""

    codes: np.ndarray | None
    weights: np.ndarray | None

    @classmethod
    def of(cls, result) -> "CompressedWeights":
        return cls(result.codes, None) if result.linear else cls(None, result.weights)


def workload_compression(workload: Workload, hw, seed: int, cache: bool = True) -> tuple[list, list]:
    """(per layer HardwareStats, per layer CompressedWeights or None): the statistics
    `workload_stats` gives, together with the compressed weights they measure, for the functional
    pass. Same draws in the same order as `_stats`, so the same stats bit for bit. `cache`: the
    on-disk cache holds a layer's weights next to its statistics entry (`<key>.weights.npz`,
    written only here); a hit needs both. A baked `compressed` layer has stats and no weights."""
    from accelsim.workload.compression import cache as disk

    if not any(layer.compression for layer in workload.layers):
        n = len(workload.layers)
        return [None] * n, [None] * n
    geometry = None
    if hw.compute.type == "crossbar":
        xbar = hw.compute.tile.ima.crossbar
        geometry = Geometry(xbar.rows, xbar.cols, xbar.cell_bits)
    rng = np.random.default_rng([seed, 2])
    stats, results, wrote = [], [], False
    for i, layer in enumerate(workload.layers):
        baked = compressed_stats(layer) if layer.compression else None
        if baked is not None or not layer.compression or not layer.has_weights:
            stats.append(baked)
            results.append(None)
            continue
        key = disk.layer_key(layer, geometry, seed, rng.bit_generator.state) if cache else None
        hit = disk.load(key) if key else None
        weights = _load_weights(key) if hit is not None and hit[0] is not None else None
        if weights is not None:   # the stream moves on exactly as the compression would have moved it
            stats.append(hit[0])
            results.append(weights)
            rng.bit_generator.state = hit[1]
            continue
        result = compress_layer(layer, None, geometry, rng, workload.path, f"layers[{i}] ({layer.name})")
        stats.append(result.hw if result is not None else None)
        results.append(CompressedWeights.of(result) if result is not None else None)
        if key:
            disk.store(key, stats[-1], rng.bit_generator.state)
            if result is not None:
                _store_weights(key, results[-1])
            wrote = True
    if wrote:
        disk.bound()
    return stats, results


def _weights_path(key: str):
    from accelsim.workload.compression import cache as disk

    return disk.cache_dir() / disk.KIND / f"{key}.weights.npz"


def _load_weights(key: str) -> CompressedWeights | None:
    from accelsim.workload.compression import cache as disk

    try:
        disk.touch(_weights_path(key))
        with np.load(_weights_path(key), allow_pickle=False) as data:
            if "codes" in data.files:
                return CompressedWeights(data["codes"].astype(np.int64), None)
            return CompressedWeights(None, data["weights"].astype(np.float64))
    except (OSError, ValueError, KeyError):
        return None   # missing or unreadable: a miss


def _store_weights(key: str, weights: CompressedWeights) -> None:
    """Atomically, like the statistics entries; a cache that cannot be written is skipped."""
    from accelsim.workload.compression import cache as disk

    if weights.codes is not None:
        codes = weights.codes
        low, high = (int(codes.min()), int(codes.max())) if codes.size else (0, 0)
        dtype = next(t for t in (np.int8, np.int16, np.int32, np.int64)
                     if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
        arrays = {"codes": codes.astype(dtype)}
    else:
        arrays = {"weights": np.asarray(weights.weights, dtype=np.float64)}
    disk.write_file(_weights_path(key), lambda f: np.savez(f, **arrays))


@lru_cache(maxsize=16)
def _stats(layers: tuple[Layer, ...], path: str | None, geometry: Geometry | None, seed: int,
           cache: bool = True) -> tuple:
    """Pure in its arguments (synthetic weights come from the seed), so a sweep's repeated
    points reuse it instead of compressing the same network again; across processes, the
    on-disk cache does the same per layer."""
    from accelsim.workload.compression import cache as disk

    workload = Workload("w", layers, path=path)
    rng = np.random.default_rng([seed, 2])
    stats, wrote = [], False
    for i, layer in enumerate(workload.layers):
        baked = compressed_stats(layer) if layer.compression else None
        if baked is not None or not layer.compression or not layer.has_weights:
            stats.append(baked)
            continue
        key = disk.layer_key(layer, geometry, seed, rng.bit_generator.state) if cache else None
        hit = disk.load(key) if key else None
        if hit is not None:  # the stream moves on exactly as the compression would have moved it
            stats.append(hit[0])
            rng.bit_generator.state = hit[1]
            continue
        result = compress_layer(layer, None, geometry, rng, workload.path, f"layers[{i}] ({layer.name})")
        stats.append(result.hw if result is not None else None)
        if key:
            disk.store(key, stats[-1], rng.bit_generator.state)
            wrote = True
    if wrote:
        disk.bound()
    return tuple(stats)


def pruned_layer(layer: Layer, stats: HardwareStats | None) -> Layer:
    """The layer with pruned filters and channels removed (ungrouped layers only: a grouped
    layer keeps its shape, its zeros stay in place)."""
    if stats is None or layer.groups != 1 or (stats.kept_filters >= 1 and stats.kept_channels >= 1):
        return layer
    k = max(1, math.ceil(layer.K * stats.kept_filters - 1e-9))
    c = max(1, math.ceil(layer.C * stats.kept_channels - 1e-9))
    return dataclasses.replace(layer, K=k, C=c)
