"""Derived figures of a hardware config (no simulation): what `accelsim check` prints."""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig


def hardware_figures(hw: HardwareConfig) -> dict:
    compute = hw.compute
    hz = hw.clock_mhz * 1e6
    figures: dict = {"name": hw.name, "compute_type": compute.type, "clock_mhz": hw.clock_mhz,
                     "execution": hw.execution, "fidelity": hw.fidelity}
    if compute.type == "systolic":
        pes = compute.rows * compute.cols
        figures.update({
            "array": f"{compute.rows}x{compute.cols}", "dataflow": compute.dataflow, "pes": pes,
            "peak_macs_per_s": pes * hz, "peak_ops_per_s": 2 * pes * hz,
        })
    mem = hw.memory
    buffers = {name: getattr(mem, f"{name}_sram").capacity_kib for name in ("ifmap", "filter", "ofmap")}
    figures["buffers_kib"] = buffers
    figures["buffer_total_kib"] = sum(buffers.values())
    bw = mem.dram.bandwidth_bytes_per_cycle
    figures["dram_bandwidth_gb_per_s"] = None if bw == "unlimited" else bw * hz / 1e9
    figures["dram_latency_ns"] = mem.dram.latency_ns
    return figures


def figures_text(figures: dict) -> str:
    lines = []
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:g}" for k, v in value.items())
        elif isinstance(value, float) and value >= 1e6:
            value = f"{value:.4g}"
        elif value is None:
            value = "unlimited"
        lines.append(f"{key:<26}{value}")
    return "\n".join(lines)
