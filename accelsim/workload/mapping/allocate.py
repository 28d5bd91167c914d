"""Chip-level allocation for crossbar chips: replication, placement, time-multiplexing. Pure.

Replication (ISAAC): while crossbars remain, give one more copy to the layer that would
take longest (vectors x reads not skipped x read time / copies, as its unit runs); a pipeline runs at its slowest
layer's pace, and in layer-by-layer mode the slowest layer is also the largest gain.
A copy of a dynamic operand (a matmul on cells) is written every inference, so its layer's time
includes that write, and it gets a copy only if the copy saves more compute time than writing
it adds (its write energy is charged too; `replicate_dynamic: false` keeps one copy, the least
write energy: docs/transformers.md). Time-multiplexed, every layer is rewritten before it runs:
each takes the copies (at most one per input vector) that make writing and computing shortest.
Placement: layers take whole IMAs in order; tiles share routers (concentration) on a
mesh; a layer's output travels from its router to the next layer's. Pooling runs where its
producer's outputs already are (its tiles): no router hop on the way in.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from accelsim.config.schema import HardwareConfig
from accelsim.errors import MappingError
from accelsim.workload.mapping.crossbar import CrossbarLayerPlan
from accelsim.workload.mapping.dynamic import rewritten_time


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
        # Each layer in turn gets the whole chip, and as many copies as repay their writing.
        passes = tuple(max(1, math.ceil(n / total)) if n else 0 for n in need)
        most = [min(total // n, p.vectors) if n and chip.replicate and (chip.replicate_dynamic or not p.layer.dynamic)
                else 1 for p, n in zip(plans, need)]
        replicas = tuple(_repaid_copies(p, hw, m) if n else 0 for p, n, m in zip(plans, need, most))
        imas = tuple(min(chip.tiles * chip.tile.imas, math.ceil(n * r / per_ima)) for n, r in zip(need, replicas))
        tiles = tuple(max(1, math.ceil(i / chip.tile.imas)) for i in imas)
        return Allocation(replicas, passes, True, imas, tiles, tuple(1 for _ in plans), max(need), total)

    replicas = [1 if n else 0 for n in need]
    if chip.replicate:
        spare = total - sum(need)
        # rank by the time the layer's unit really takes (skipped input slices included; a
        # dynamic operand's write, every inference, included)
        heap = [(-_time(p, hw, 1), i) for i, p in enumerate(plans) if need[i]]
        heapq.heapify(heap)
        while heap:
            now, i = heapq.heappop(heap)
            if need[i] > spare or replicas[i] >= plans[i].vectors:
                break  # the slowest layer cannot get faster: more copies elsewhere do not help
            later = _time(plans[i], hw, replicas[i] + 1)
            if plans[i].layer.dynamic and (later >= -now or not chip.replicate_dynamic):
                continue  # writing one more copy of the operand costs more time than it saves (or is not wanted)
            replicas[i] += 1
            spare -= need[i]
            heapq.heappush(heap, (-later, i))

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


def _time(plan: CrossbarLayerPlan, hw: HardwareConfig, copies: int) -> float:
    """A layer's cycles per inference with `copies` copies; a dynamic operand is rewritten."""
    if plan.layer.dynamic:
        return float(rewritten_time(plan, hw, copies))
    return plan.vectors * plan.vector_cycles(copies)


def _repaid_copies(plan: CrossbarLayerPlan, hw: HardwareConfig, most: int) -> int:
    """Time-multiplexed: every copy is written before the layer runs, so a layer takes the copies
    (up to `most`) that make writing and computing shortest together."""
    copies = np.arange(1, max(most, 1) + 1)
    return int(copies[np.argmin(rewritten_time(plan, hw, copies))])


def _mesh(hw: HardwareConfig) -> int:
    chip = hw.compute
    routers = math.ceil(chip.tiles / chip.tile.router.tiles_per_router)
    return chip.mesh_cols or max(1, math.ceil(math.sqrt(routers)))


def _distance(a: int, b: int, cols: int) -> int:
    return abs(a // cols - b // cols) + abs(a % cols - b % cols)
