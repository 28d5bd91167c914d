"""`simulate()`: config + workload -> mapping -> jobs -> engine -> stats -> Result."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from accelsim import __version__
from accelsim.components.controller import jobs_for
from accelsim.config import HardwareConfig, load_hardware
from accelsim.engine.chip import build_chip
from accelsim.engine.context import SimContext
from accelsim.stats.result import Result
from accelsim.workload import Workload, load_workload
from accelsim.workload.mapping import map_workload

STALL_CAUSES = ("ifmap_dram", "filter_dram", "ofmap_dram", "ifmap_sram", "filter_sram", "ofmap_sram")


def simulate(
    hardware: str | Path | Mapping[str, Any] | HardwareConfig,
    workload: str | Path | Workload,
    *,
    seed: int = 0,
    fidelity: str | None = None,
    trace: bool = False,
) -> Result:
    """Simulate `workload` on `hardware` and return per-layer and per-component results.

    `fidelity` overrides the config's (`fine`: one job per fold; `fast`: batched jobs).
    Same inputs and seed give bit-identical results.
    """
    hw = load_hardware(hardware)
    if fidelity is not None:
        hw = load_hardware(hw, {"fidelity": fidelity})
    wl = load_workload(workload)
    plans = map_workload(wl, hw)
    ctx = SimContext(clock_mhz=hw.clock_mhz, seed=seed, trace=trace)
    chip = build_chip(ctx, hw)
    jobs = [job for i, plan in enumerate(plans) for job in jobs_for(i, plan, hw.fidelity, chip.buffer_bytes)]
    spans, drained = chip.run(plans, jobs)
    layers = _layer_frame(ctx, plans, spans)
    components = _component_frame(ctx)
    summary = _summary(ctx, hw, wl, layers, drained, seed)
    summary["simpy_events"] = ctx.env.events
    return Result(layers=layers, components=components, summary=summary, trace=ctx.tracer.spans)


def _layer_frame(ctx: SimContext, plans, spans) -> pd.DataFrame:
    stats = ctx.stats
    stalls = {c: stats.by_layer("pe_array", f"stall_{c}") for c in STALL_CAUSES}
    rows = []
    for i, plan in enumerate(plans):
        layer = plan.layer
        name = layer.name
        start, end = spans[i]
        cycles = end - start
        stall = {c: int(stalls[c].get(name, 0)) for c in STALL_CAUSES}
        row = {
            "layer": name, "type": layer.kind, "unit": plan.unit,
            "macs": layer.macs, "folds": plan.folds,
            "compute_cycles": plan.compute_cycles,
            "stall_cycles": sum(stall.values()),
            "cycles": cycles, "start_cycle": start, "end_cycle": end,
            "utilization": layer.macs / (cycles * plan.pes) if cycles and plan.unit == "pe_array" else 0.0,
            "mapping_efficiency": plan.used_pes / (plan.folds * plan.pes) if plan.unit == "pe_array" else 0.0,
            **{f"stall_{c}": v for c, v in stall.items()},
            "ifmap_sram_reads": plan.sram_reads.get("ifmap", 0),
            "filter_sram_reads": plan.sram_reads.get("filter", 0),
            "ofmap_sram_writes": plan.sram_writes.get("ofmap", 0),
            "dram_read_bytes": sum(plan.dram_read_bytes.values()),
            "dram_write_bytes": sum(plan.dram_write_bytes.values()),
            "seconds": ctx.seconds(cycles),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _component_frame(ctx: SimContext) -> pd.DataFrame:
    totals: dict[tuple[str, str, str], float] = {}
    for component, stat, unit, _layer, value in ctx.stats.rows():
        key = (component, stat, unit)
        totals[key] = totals.get(key, 0) + value
    return pd.DataFrame(
        [{"component": c, "stat": s, "unit": u, "value": v} for (c, s, u), v in totals.items()],
        columns=["component", "stat", "unit", "value"],
    )


def _summary(ctx: SimContext, hw: HardwareConfig, wl: Workload, layers: pd.DataFrame, drained: int, seed: int) -> dict:
    last_end = int(layers["end_cycle"].max()) if len(layers) else 0
    cycles = max(last_end, drained)
    seconds = ctx.seconds(cycles)
    macs = int(layers["macs"].sum())
    pes = hw.compute.rows * hw.compute.cols
    summary = {
        "hardware": hw.name, "workload": wl.name, "layers": len(layers),
        "fidelity": hw.fidelity, "seed": seed, "clock_mhz": hw.clock_mhz,
        "cycles": cycles, "seconds": seconds,
        "compute_cycles": int(layers["compute_cycles"].sum()),
        "stall_cycles": int(layers["stall_cycles"].sum()),
        **{f"stall_{c}": int(layers[f"stall_{c}"].sum()) for c in STALL_CAUSES},
        "drain_cycles": cycles - last_end,
        "macs": macs,
        "utilization": macs / (cycles * pes) if cycles else 0.0,
        "gops": 2 * macs / seconds / 1e9 if seconds else 0.0,
        "dram_read_bytes": int(layers["dram_read_bytes"].sum()),
        "dram_write_bytes": int(layers["dram_write_bytes"].sum()),
        "sram_reads": int(layers["ifmap_sram_reads"].sum() + layers["filter_sram_reads"].sum()),
        "sram_writes": int(layers["ofmap_sram_writes"].sum()),
        "accelsim_version": __version__,
    }
    return summary
