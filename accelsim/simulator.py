"""`simulate()`: config + workload -> mapping -> jobs -> engine -> stats -> Result."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from accelsim import __version__
from accelsim.config import HardwareConfig, load_hardware
from accelsim.engine.chip import build_chip
from accelsim.energy import area_by_component, energy_table, price
from accelsim.gcpause import gc_paused
from accelsim.engine.context import SimContext
from accelsim.stats.result import Result
from accelsim.stats.table import Table
from accelsim.workload import Workload, load_workload
from accelsim.workload.compression.effect import workload_compression, workload_stats

def simulate(
    hardware: str | Path | Mapping[str, Any] | HardwareConfig,
    workload: str | Path | Workload,
    *,
    seed: int = 0,
    fidelity: str | None = None,
    trace: bool = False,
    functional: bool = False,
    tensors: str | Path | Mapping[str, Any] | None = None,
    functional_vectors: int = 256,
    cache: bool = True,
) -> Result:
    """Simulate `workload` on `hardware` and return a `Result`.

    `hardware` is a path, a mapping or a `HardwareConfig` (validated again here: derive
    variants with ``load_hardware(hw, {"compute.rows": 64})``, not pydantic's `model_copy`);
    `workload` a path or a `Workload` (``load_workload(path, {"layers.conv1.K": 32})``).
    `fidelity` overrides the config's (`fine`: one job per fold or input vector; `fast`:
    batched jobs). Same inputs and seed give bit-identical results. `functional` (implied by
    `tensors`) also runs sampled tensors through the datapath (`accelsim.functional`) and adds
    error and zero-slice columns to `layers`. `trace` keeps every job as a span. `cache`: reuse
    run-time compression results from the on-disk cache, and keep new ones there
    (`accelsim.workload.compression.cache`; the CLI's `--no-cache` turns it off).

    The Result holds (units of every name: ``result.units()``):
      result.layers      one row per layer: layer, type, macs (MAC), compute_cycles,
                         stall_cycles, stall_<cause>, cycles, start_cycle, end_cycle (cycles),
                         utilization, mapping_efficiency (fractions), *_sram_reads (elements),
                         dram_read_bytes (B), seconds (s), energy_pj, energy_pj_<component> (pJ)
      result.components  component, stat, unit, value: counted actions, energy_pj (pJ) and
                         area_mm2 (mm2) per component
      result.summary     dict: hardware, workload, cycles, seconds, compute_cycles,
                         stall_cycles, macs, utilization, gops, energy_pj, energy_j, power_w,
                         edp_j_s, area_mm2, gops_per_w, gops_per_mm2, and chip-specific extras
      result.trace       the job spans, with `trace=True` (see `accelsim.trace.chrome_trace`)
    """
    # One line of passes, each a plain function of the previous ones' outputs:
    # load -> compress -> measure data -> map -> run -> price -> result.
    hw = _load(hardware, fidelity)
    wl = load_workload(workload)
    functional = functional or tensors is not None
    # functional mode runs the compressed weights themselves, so it keeps them (same stats either way)
    stats, compressed = workload_compression(wl, hw, seed, cache) if functional else (workload_stats(wl, hw, seed, cache), None)
    data = measure(hw, wl, seed, functional, tensors, functional_vectors, stats, compressed, cache)
    ctx = SimContext(clock_mhz=hw.clock_mhz, seed=seed, trace=trace)
    chip = build_chip(ctx, hw)
    plans = chip.map(wl, stats, data.skip)
    with gc_paused():  # a few hundred cyclic objects a run, however long: the collector would only re-scan
        rows, end = chip.run(plans)
    return _result(ctx, hw, wl, chip, rows, end, seed, data)


def _load(hardware, fidelity: str | None) -> HardwareConfig:
    hw = load_hardware(hardware)
    return hw if fidelity is None else load_hardware(hw, {"fidelity": fidelity})


@dataclass(frozen=True)
class Measured:
    """What the data pass measured: the functional frame (when asked for) and each layer's
    share of all-zero input slices (crossbar chips that skip them) or of zero input
    activations (PE arrays that gate or skip them); None otherwise."""

    frame: Any = None  # a pandas DataFrame
    skip: dict[str, float] | None = None
    vectors: int = 0
    # activation pruning's shares and error, when the chip prunes: {column: {layer: value}}
    pruning: dict[str, dict[str, float]] | None = None


SLICE_COLUMNS = ("zero_slice_fraction", "pruned_slice_fraction", "activation_rel_error")


def measure(hw: HardwareConfig, wl: Workload, seed: int, functional: bool, tensors, vectors: int,
            stats=None, compressed=None, cache: bool = False) -> Measured:
    """The data pass, entered once: the functional datapath when asked for (on the compressed
    weights and per-layer ADC resolution the mapping uses: `stats`, `compressed`), else (on a
    zero-slice-skipping crossbar chip) the same input draws without the datapath; on a PE-array
    chip that gates or skips zero activations, `skip` holds each layer's share of zero inputs
    (`accelsim.workload.activations`). It has its own stream derived from the seed, so timing
    draws are unchanged. With `cache`, the crossbar statistics of sampled (not given) inputs
    come from the on-disk cache when there."""
    skipping = hw.compute.type == "crossbar" and hw.compute.zero_slice_skipping
    zeros = hw.compute.type == "systolic" and (hw.compute.activation_gating or hw.compute.activation_skipping)
    if not (functional or skipping or zeros):
        return Measured()
    import numpy as np

    if hw.compute.type == "crossbar":  # refuse a network the chip cannot hold before sampling all its layers
        build_chip(SimContext(clock_mhz=hw.clock_mhz), hw).map(wl, stats)
    shares = None
    if zeros:
        from accelsim.workload.activations import zero_activation_shares

        shares = zero_activation_shares(hw, wl, np.random.default_rng([seed, 1]), tensors, vectors)
        if not functional:
            return Measured(skip=shares)
    if functional:
        from accelsim.functional import run_functional

        frame = run_functional(hw, wl, np.random.default_rng([seed, 1]), tensors, vectors, stats, compressed)
        columns = {c: dict(zip(frame["layer"], frame[c])) for c in SLICE_COLUMNS} if skipping else {}
    else:
        columns = _input_slices(hw, wl, seed, tensors, vectors, cache)
        frame = None
    skip = columns["zero_slice_fraction"] if skipping else shares
    pruning = {c: columns[c] for c in SLICE_COLUMNS[1:]} if skipping and hw.compute.activation_prune_ones else None
    return Measured(frame=frame, skip=skip, vectors=vectors, pruning=pruning)


def _input_slices(hw: HardwareConfig, wl: Workload, seed: int, tensors, vectors: int, cache: bool) -> dict:
    """`functional.input_slices` as {column: {layer: value}}, through the on-disk cache when
    allowed (sampled inputs only: given tensors are not part of the key)."""
    from accelsim.workload.compression import cache as disk

    key = disk.data_key(hw, wl.layers, seed, vectors) if cache and tensors is None else None
    record = disk.read_entry(disk.DATA_KIND, key) if key else None
    if isinstance(record, dict) and set(record) == {"layer", *SLICE_COLUMNS}:
        return {c: dict(zip(record["layer"], record[c])) for c in SLICE_COLUMNS}
    import numpy as np

    from accelsim.functional import input_slices

    frame = input_slices(hw, wl, np.random.default_rng([seed, 1]), tensors, vectors)
    lists = {c: [_plain_number(v) for v in frame[c]] for c in ("layer", *SLICE_COLUMNS)}
    if key:
        disk.write_entry(disk.DATA_KIND, key, lists)
        disk.bound()
    return {c: dict(zip(lists["layer"], lists[c])) for c in SLICE_COLUMNS}


def _plain_number(value):
    return value if isinstance(value, str) else float(value)


def _result(ctx: SimContext, hw: HardwareConfig, wl: Workload, chip, rows: list[dict], end: int, seed: int,
            data: Measured) -> Result:
    """Price the run and assemble the Result (functional columns merged when measured)."""
    with gc_paused():  # the tables and the pricing's values all survive the pass (accelsim/gcpause.py)
        return _assemble(ctx, hw, wl, chip, rows, end, seed, data)


def _assemble(ctx: SimContext, hw: HardwareConfig, wl: Workload, chip, rows: list[dict], end: int, seed: int,
              data: Measured) -> Result:
    for row in rows:
        row["seconds"] = ctx.seconds(row["cycles"])
    layers = Table(rows)
    if layers.columnar:  # the row dicts (~1.5 KB a layer) are copied: freed before the pricing pass
        rows.clear()
    summary = _summary(ctx, hw, wl, layers, end, seed, chip)
    components = _price(ctx, hw, layers, summary)
    summary["simpy_events"] = ctx.env.events
    result = Result(layers=layers, components=components, summary=summary, trace=ctx.tracer.spans,
                    counters=ctx.tracer.counters)
    if data.frame is not None:
        from accelsim.functional import add_functional

        add_functional(result, hw, wl, None, vectors=data.vectors, frame=data.frame)
    elif data.pruning is not None:  # the accuracy cost of activation pruning, next to its gain
        names = layers.column("layer")
        for col, by_layer in data.pruning.items():  # layers the pass did not sample (pools): NaN
            layers.added[col] = [float(by_layer.get(name, math.nan)) for name in names]
    if data.pruning is not None:
        errors = [v for v in data.pruning["activation_rel_error"].values() if v == v]
        result.summary["activation_max_rel_error"] = float(max(errors)) if errors else math.nan
    return result


def _price(ctx: SimContext, hw: HardwareConfig, layers: Table, summary: dict) -> Table:
    """Energy and area pass: adds energy columns to `layers` and the summary; returns the
    component frame (every counted statistic, plus energy_pj and area_mm2 per component)."""
    table = energy_table(hw)
    cells = list(ctx.stats.cells())
    layer_names = layers.column("layer")
    layer_seconds = dict(zip(layer_names, layers.column("seconds")))
    dynamic, leakage, per_layer, per_component = price(cells, ctx.stats.layers, table, summary["seconds"],
                                                       layer_seconds)
    area = area_by_component(table)
    names = list(dict.fromkeys([e.component for e in table]))
    if len(layer_seconds) < len(layer_names):  # rows of one name share its figures, as they always did
        slot = {name: i for i, name in enumerate(layer_seconds)}
        per_layer = [per_layer[slot[name]] for name in layer_names]
        per_component = {c: [v[slot[name]] for name in layer_names] for c, v in per_component.items()}
    layers.added["energy_pj"] = per_layer
    for component in names:
        if component in per_component:  # the components with per-layer energy
            layers.added[f"energy_pj_{component}"] = per_component[component]
    totals: dict[tuple[str, str, str], float] = {}
    for component, stat, unit, _slots, values in cells:
        total = totals.get((component, stat, unit), 0)
        for value in values:  # one by one, in the order counted (not sum(): Python 3.12 compensates)
            total += value
        totals[(component, stat, unit)] = total
    for component in names:
        totals[(component, "dynamic_energy_pj", "pJ")] = dynamic.get(component, 0.0)
        totals[(component, "leakage_energy_pj", "pJ")] = leakage.get(component, 0.0)
        totals[(component, "energy_pj", "pJ")] = dynamic.get(component, 0.0) + leakage.get(component, 0.0)
        totals[(component, "area_mm2", "mm2")] = area.get(component, 0.0)
    energy = sum(dynamic.values()) + sum(leakage.values())
    seconds = summary["seconds"]
    chip_area = sum(area.values())
    power = energy * 1e-12 / seconds if seconds else 0.0
    summary.update({
        "energy_pj": energy, "energy_j": energy * 1e-12, "power_w": power, "area_mm2": chip_area,
        "edp_j_s": energy * 1e-12 * seconds,
        "gops_per_w": summary["gops"] / power if power else 0.0,
        "gops_per_mm2": summary["gops"] / chip_area if chip_area else 0.0,
    })
    return Table([{"component": c, "stat": s, "unit": u, "value": v} for (c, s, u), v in totals.items()],
                 names=["component", "stat", "unit", "value"])


def _summary(ctx: SimContext, hw: HardwareConfig, wl: Workload, layers: Table, end: int, seed: int,
             chip) -> dict:
    last_end = int(layers["end_cycle"].max()) if len(layers) else 0
    cycles = max(last_end, end)
    seconds = ctx.seconds(cycles)
    macs = int(layers["macs"].sum())
    summary = {
        "hardware": hw.name, "workload": wl.name, "layers": len(layers),
        "fidelity": hw.fidelity, "execution": hw.execution, "seed": seed, "clock_mhz": hw.clock_mhz,
        "cycles": cycles, "seconds": seconds,
        "compute_cycles": int(layers["compute_cycles"].sum()),
        "stall_cycles": int(layers["stall_cycles"].sum()),
        **{c: int(layers[c].sum()) for c in layers.columns if c.startswith("stall_") and c != "stall_cycles"},
        "drain_cycles": cycles - last_end,
        "macs": macs,
        # executed work over capacity; throughput (gops) stays in the dense network's MACs
        "utilization": float(layers.get("timed_macs", layers["executed_macs"]).sum())
        / (cycles * chip.peak_macs_per_cycle) if cycles else 0.0,
        "gops": 2 * macs / seconds / 1e9 if seconds else 0.0,
        # the roofline's roofs: peak compute, and DRAM bandwidth where the chip has DRAM
        "peak_gops": 2 * chip.peak_macs_per_cycle * hw.clock_mhz / 1e3,
        **({"dram_gb_per_s": hw.memory.dram.bandwidth_bytes_per_cycle * hw.clock_mhz / 1e3}
           if hw.memory is not None and hw.memory.dram.bandwidth_bytes_per_cycle != "unlimited" else {}),
        **chip.summary_extras(layers),
        "accelsim_version": __version__,
    }
    return summary
