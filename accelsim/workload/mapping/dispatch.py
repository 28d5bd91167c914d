"""Pick the mapper for a chip's compute fabric."""

from __future__ import annotations

import dataclasses
import math

from accelsim.config.schema import HardwareConfig
from accelsim.gcpause import gc_paused
from accelsim.workload.layers import Workload, shape_key
from accelsim.workload.mapping.plan import LayerPlan
from accelsim.workload.mapping.row_stationary import map_row_stationary
from accelsim.workload.mapping.systolic import map_systolic


def map_workload(workload: Workload, hw: HardwareConfig, stats=None, zeros=None) -> list[LayerPlan]:
    """Plans for a PE-array chip: SCALE-Sim's systolic timing, or Eyeriss's row-stationary.
    `stats` (per layer HardwareStats or None) applies compression where the chip supports it;
    `zeros` (layer -> share of zero input activations, measured by the data pass) applies
    activation gating or skipping where the chip has it."""
    mapper = map_row_stationary if hw.compute.dataflow == "rs" else map_systolic
    stats = stats or [None] * len(workload.layers)
    sparse = [layer.name for layer in workload.layers if layer.nm_sparsity and layer.nm_sparsity[0] != layer.nm_sparsity[1]]
    if sparse and getattr(hw.compute, "sparsity", None) is None:
        from accelsim.errors import notice

        notice(f"{workload.path or workload.name}: the N:M sparsity of {', '.join(sparse[:3])}"
               f"{' ...' if len(sparse) > 3 else ''} has no effect: the chip has no sparsity support "
               "(SCALE-Sim: [sparsity] SparsitySupport: false); they run dense")
    zeros = zeros or {}
    shared: dict = {}  # a layer's shape -> its plan: repeated layers (an LLM's blocks) map once
    with gc_paused():  # one plan per layer, all kept for the run (accelsim/gcpause.py)
        return [_compressed(mapper, layer, s, hw, 1.0 - zeros.get(layer.name, 0.0), shared)
                for layer, s in zip(workload.layers, stats)]


def _plain(mapper, layer, hw: HardwareConfig, shared: dict) -> LayerPlan:
    """`mapper(layer, hw)`, once per shape: a repeated shape gets a copy naming its own layer,
    sharing the first one's (never modified) traffic dicts."""
    key = shape_key(layer)
    if key is None:
        return mapper(layer, hw)
    plan = shared.get(key)
    if plan is None:
        plan = shared[key] = mapper(layer, hw)
    if plan.layer is layer:
        return plan
    # the same as dataclasses.replace(plan, layer=layer), which re-runs the 24-field frozen
    # __init__ (~5 us; 100,000-layer workloads): a shallow copy with the one field set
    renamed = object.__new__(LayerPlan)
    renamed.__dict__.update(plan.__dict__, layer=layer)
    return renamed


def _compressed(mapper, layer, stats, hw: HardwareConfig, act_density: float = 1.0, shared: dict | None = None) -> LayerPlan:
    array = hw.compute
    acts = layer.has_weights and act_density < 1.0 and (array.activation_gating or array.activation_skipping)
    if not acts:
        act_density = 1.0
    if (stats is None and not acts) or not layer.has_weights:
        return mapper(layer, hw) if shared is None else _plain(mapper, layer, hw, shared)
    from accelsim.workload.compression.effect import pruned_layer

    run = pruned_layer(layer, stats) if stats is not None and array.structured_sparsity else layer
    plan = mapper(run, hw)
    skip_w, skip_a = array.zero_skipping and stats is not None, array.activation_skipping and acts
    if (skip_w or skip_a) and array.dataflow == "rs":
        from accelsim.workload.mapping.zero_skip import skip_zeros

        kept = stats.kept_filters * stats.kept_channels if run is not layer else 1.0
        density = (min(1.0, stats.density / kept) if kept else 1.0) if skip_w else 1.0
        plan = skip_zeros(plan, density, hw, act_density if skip_a else 1.0)
    if acts:
        plan = dataclasses.replace(plan, act_density=act_density, act_gate_only=not array.activation_skipping)
    if stats is None:
        return plan
    changes: dict = {"dense_layer": layer if run is not layer else None,
                     "density": stats.density if array.zero_gating or array.zero_skipping else 1.0}
    if array.weight_sharing and stats.decode_ops_per_weight == 1.0:  # a clustered (codebook) layer
        changes["shared_k"] = 2 ** stats.weight_bits
    if array.weight_codec and stats.stored_bits:
        # codes, not dense words, cross DRAM; each weight fetched is decoded on the way in
        reads = dict(plan.dram_read_bytes)
        passes = reads["filter"] / max(run.weight_bytes, 1)
        reads["filter"] = math.ceil(stats.stored_bits / 8 * passes)  # stored_bits: the whole compressed layer
        decode = math.ceil(stats.decode_ops_per_weight * run.weight_count * passes)
        stall = max(0, math.ceil(decode / array.decoder_ops_per_cycle) - plan.compute_cycles)
        changes.update(dram_read_bytes=reads, decode_ops=decode)
        if stall > plan.sram_stall_cycles:
            changes.update(sram_stall_cycles=stall, sram_stall_cause="filter_decode")
    return dataclasses.replace(plan, **changes)
