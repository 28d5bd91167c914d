"""Chip-level allocation for crossbar chips: replication, placement, time-multiplexing. Pure.

Replication (ISAAC): while crossbars remain, give one more copy to the layer that would
take longest (vectors x reads not skipped x read time / copies, as its unit runs); a pipeline runs at its slowest
layer's pace, and in layer-by-layer mode the slowest layer is also the largest gain.
Placement: layers take whole IMAs in order; tiles share routers (concentration) on a
mesh; a layer's output travels from its router to the next layer's. Pooling runs where its
producer's outputs already are (its tiles): no router hop on the way in.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from accelsim.config.schema import HardwareConfig
from accelsim.errors import MappingError
from accelsim.workload.mapping.crossbar import CrossbarLayerPlan


@dataclass(frozen=True)
class Allocation:
    replicas: tuple[int, ...]
    passes: tuple[int, ...]         # >1: the layer is larger than the chip and is run in parts
    reprogram: bool                 # weights are written before each layer runs
    imas: tuple[int, ...]           # IMAs each layer occupies
    tiles: tuple[int, ...]          # tiles each layer spans (pool layers: their producer's)
    hops: tuple[int, ...]           # router hops from the previous layer's tiles (input: 1, pooling: 0)
    crossbars_used: int
    crossbars_total: int


def allocate(plans: list[CrossbarLayerPlan], hw: HardwareConfig, source: str | None = None) -> Allocation:
    chip = hw.compute
    per_ima = chip.tile.ima.crossbars
    total = chip.crossbars
    need = [p.crossbars for p in plans]
    if sum(need) > total:
        if not chip.allow_reprogramming:
            biggest = max(range(len(plans)), key=lambda i: need[i])
            raise MappingError(
                f"the network needs {sum(need):,} crossbars (largest layer {plans[biggest].layer.name!r}: "
                f"{need[biggest]:,}); the chip {hw.name!r} has {total:,}. Set compute.allow_reprogramming: true "
                f"to time-multiplex (rewriting crossbars between layers), or use a larger chip", source)
        # Each layer in turn gets the whole chip.
        passes = tuple(max(1, math.ceil(n / total)) if n else 0 for n in need)
        replicas = tuple(max(1, total // n) if n and n <= total else (1 if n else 0) for n in need)
        imas = tuple(min(chip.tiles * chip.tile.imas, math.ceil(n * r / per_ima)) for n, r in zip(need, replicas))
        tiles = tuple(max(1, math.ceil(i / chip.tile.imas)) for i in imas)
        return Allocation(replicas, passes, True, imas, tiles, tuple(1 for _ in plans), max(need), total)

    replicas = [1 if n else 0 for n in need]
    if chip.replicate:
        spare = total - sum(need)
        # rank by the time the layer's unit really takes (skipped input slices included)
        heap = [(-p.vectors * p.vector_cycles(1), i) for i, p in enumerate(plans) if need[i]]
        heapq.heapify(heap)
        while heap:
            _, i = heapq.heappop(heap)
            if need[i] > spare or replicas[i] >= plans[i].vectors:
                break  # the slowest layer cannot get faster: more copies elsewhere do not help
            replicas[i] += 1
            spare -= need[i]
            heapq.heappush(heap, (-plans[i].vectors * plans[i].vector_cycles(replicas[i]), i))

    # Placement by crossbar index: layers may share an IMA at their boundary.
    per_tile = per_ima * chip.tile.imas
    per_router = chip.tile.router.tiles_per_router
    mesh = _mesh(hw)
    imas, tiles, hops = [], [], []
    next_xbar, prev_router, prev_tiles = 0, None, (0, 0)
    for i in range(len(plans)):
        n = need[i] * replicas[i]
        if n:
            first_tile = next_xbar // per_tile
            next_xbar += n
            last_tile = (next_xbar - 1) // per_tile
            here = first_tile // per_router
            hops.append(1 + (_distance(prev_router, here, mesh) if prev_router is not None else 0))
        else:  # pooling runs on the max-pool units of its producer's tiles, where the data is
            first_tile, last_tile = prev_tiles
            hops.append(0)
        prev_router, prev_tiles = last_tile // per_router, (first_tile, last_tile)
        imas.append(math.ceil(n / per_ima))
        tiles.append(last_tile - first_tile + 1)
    return Allocation(tuple(replicas), tuple(1 if n else 0 for n in need), False, tuple(imas), tuple(tiles),
                      tuple(hops), sum(n * r for n, r in zip(need, replicas)), total)


def _mesh(hw: HardwareConfig) -> int:
    chip = hw.compute
    routers = math.ceil(chip.tiles / chip.tile.router.tiles_per_router)
    return chip.mesh_cols or max(1, math.ceil(math.sqrt(routers)))


def _distance(a: int, b: int, cols: int) -> int:
    return abs(a // cols - b // cols) + abs(a % cols - b % cols)
