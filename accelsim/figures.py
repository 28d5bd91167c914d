"""Derived figures of a hardware config (no simulation): what `accelsim check` prints."""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig


def hardware_figures(hw: HardwareConfig) -> dict:
    compute = hw.compute
    hz = hw.clock_mhz * 1e6
    figures: dict = {"name": hw.name, "compute_type": compute.type, "clock_mhz": hw.clock_mhz,
                     "execution": hw.execution, "fidelity": hw.fidelity}
    if compute.type == "crossbar":
        return _crossbar_figures(hw, figures)
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
    return _power_area(hw, figures)


def _power_area(hw: HardwareConfig, figures: dict) -> dict:
    """Peak power and area from the energy table, with efficiencies and a per-component breakdown."""
    from accelsim.energy import energy_table

    table = energy_table(hw)
    components: dict[str, dict] = {}
    for e in table:
        c = components.setdefault(e.component, {"power_mw": 0.0, "area_mm2": 0.0})
        c["power_mw"] += e.peak_power_mw
        c["area_mm2"] += e.area_mm2
    power_w = sum(c["power_mw"] for c in components.values()) / 1e3
    area = sum(c["area_mm2"] for c in components.values())
    ops = figures["peak_ops_per_s"]
    figures.update({
        "power_w": power_w, "area_mm2": area,
        "peak_gops_per_w": ops / 1e9 / power_w if power_w else None,
        "peak_gops_per_mm2": ops / 1e9 / area if area else None,
        "components": components,
    })
    return figures


def _crossbar_figures(hw: HardwareConfig, figures: dict) -> dict:
    from accelsim.components.crossbar import _peak_macs_per_cycle, peak_probe
    from accelsim.energy import energy_table

    chip = hw.compute
    probe = peak_probe(hw)
    macs = _peak_macs_per_cycle(hw) * hw.clock_mhz * 1e6
    figures.update({
        "tiles": chip.tiles, "imas": chip.tiles * chip.tile.imas, "crossbars": chip.crossbars,
        "crossbar": f"{chip.tile.ima.crossbar.rows}x{chip.tile.ima.crossbar.cols}",
        "cell_bits": chip.tile.ima.crossbar.cell_bits, "device": chip.tile.ima.crossbar.device,
        "native_bits": {"input": chip.input_bits, "weight": chip.weight_bits},
        "reads_per_input": probe.slices, "read_ns": probe.read_ns,
        "weight_capacity": chip.crossbars * chip.tile.ima.crossbar.rows * probe.weights_per_crossbar,
        "peak_macs_per_s": macs, "peak_ops_per_s": 2 * macs,
    })
    _power_area(hw, figures)
    table = energy_table(hw)
    on_tile = [e for e in table if e.level in ("ima", "tile")]
    tile_power = sum(e.peak_power_mw for e in on_tile) / chip.tiles
    tile_area = sum(e.area_mm2 for e in on_tile) / chip.tiles
    adc = [e for e in table if e.component == "adc"]
    figures.update({
        "tile_power_mw": tile_power, "tile_area_mm2": tile_area,
        "adc_share_of_tile_power": sum(e.peak_power_mw for e in adc) / chip.tiles / tile_power,
        "adc_share_of_tile_area": sum(e.area_mm2 for e in adc) / chip.tiles / tile_area,
    })
    return figures


def figures_text(figures: dict) -> str:
    lines = []
    for key, value in figures.items():
        if key == "components":
            lines.append("components (peak power mW, area mm2):")
            lines += [f"  {name:<24}{c['power_mw']:>12.4g}{c['area_mm2']:>12.4g}" for name, c in value.items()]
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:g}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.4g}"
        elif value is None:
            value = "unlimited"
        lines.append(f"{key:<26}{value}")
    return "\n".join(lines)
