"""Per-action energy, leakage and area of every component of a chip, in one table.

Each entry prices one statistic of one component. `rate_per_s` is how often the action
happens at peak activity, chip-wide: it turns a block's peak power into an energy per
action, and gives the chip's peak power for `accelsim check`.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.config.blocks import Block
from accelsim.config.schema import HardwareConfig
from accelsim.devices.adc import adc_area_um2, adc_energy_pj, scale_area, scale_energy


@dataclass(frozen=True)
class Entry:
    component: str
    stats: tuple[str, ...]      # statistics priced at pj_per_unit
    pj_per_unit: float
    leakage_mw: float           # chip-wide
    area_mm2: float             # chip-wide
    rate_per_s: float           # chip-wide actions per second at peak
    level: str = "chip"         # 'ima', 'tile' or 'chip': where the block sits (for breakdowns)

    @property
    def peak_power_mw(self) -> float:
        return self.pj_per_unit * self.rate_per_s * 1e-9 + self.leakage_mw


def _entry(component, stats, block: Block, instances: int, rate_per_instance: float, level: str,
           default_pj: float | None = None, default_area: float | None = None) -> Entry:
    """An entry from a config block whose figures cover one parent's instances."""
    if block.energy_pj_per_action is not None:
        pj = block.energy_pj_per_action
    elif block.peak_power_mw is not None:
        pj = block.peak_power_mw * 1e9 / rate_per_instance if rate_per_instance else 0.0
    else:
        pj = default_pj or 0.0
    area = block.area_mm2 if block.area_mm2 or default_area is None else default_area
    return Entry(component, stats, pj, block.leakage_mw * instances, area * instances,
                 rate_per_instance * instances, level)


def energy_table(hw: HardwareConfig) -> list[Entry]:
    entries = _systolic(hw) if hw.compute.type == "systolic" else _crossbar(hw)
    return entries + _static(hw, entries)


def _static(hw: HardwareConfig, entries: list[Entry]) -> list[Entry]:
    """The chip's always-on power (clock tree, control, leakage) as leakage-only entries, so it is
    charged as power x run time; the densities apply to the components' area (or the declared one)."""
    if hw.static_power is None:
        return []
    area = sum(e.area_mm2 for e in entries)
    return [Entry(name, (), 0.0, mw, 0.0, 0.0) for name, mw in hw.static_power.power_mw(area).items()]


def _systolic(hw: HardwareConfig) -> list[Entry]:
    array, mem, hz = hw.compute, hw.memory, hw.clock_mhz * 1e6
    pes = array.rows * array.cols
    lanes = array.vector_lanes or array.cols
    mac_pj = array.mac_energy_pj + (4 * array.spad_energy_pj_per_access if array.dataflow == "rs" else 0.0)
    entries = [
        Entry("pe_array", ("macs",), mac_pj, array.leakage_mw, pes * array.pe_area_um2 / 1e6, pes * hz),
        Entry("vector_unit", ("vector_ops",), array.vector_op_energy_pj, 0.0, 0.0, lanes * hz),
        Entry("pe_array", ("act_gated_macs",), 3 * array.spad_energy_pj_per_access if array.dataflow == "rs" else 0.0,
              0.0, 0.0, 0.0),
        Entry("pe_array", ("shared_adds",), array.add_energy_pj + (
            4 * array.spad_energy_pj_per_access if array.dataflow == "rs" else 0.0), 0.0, 0.0, 0.0),
        Entry("pe_array", ("decode_ops",), array.decoder_energy_pj_per_op, 0.0, 0.0,
              array.decoder_ops_per_cycle * hz if array.weight_codec else 0.0),
    ]
    edge = {"ifmap": array.rows, "filter": array.cols, "ofmap": array.cols}  # bytes per cycle at peak
    for name in ("ifmap", "filter", "ofmap"):
        sram = getattr(mem, f"{name}_sram")
        entries += _buffer_entries(f"{name}_sram", sram, edge[name] * hz)
    bw = mem.dram.bandwidth_bytes_per_cycle
    entries.append(Entry("dram", ("read_bytes", "write_bytes"), mem.dram.energy_pj_per_byte, 0.0, 0.0,
                         0.0 if bw == "unlimited" else bw * hz))
    return entries


# 6T SRAM cell in F^2 at 45 nm: 0.346 um2 / (45 nm)^2 (Mistry et al., IEDM 2007; derived)
SRAM_CELL_F2 = 0.346 / 0.045**2


def _buffer_entries(component: str, sram, peak_read_bytes_per_s: float) -> list[Entry]:
    """SRAM: bytes read and written. MRAM: bytes read (per bit, with ECC check bits), and
    writes as the pulses, verify reads and erases they took; area by cell size."""
    if not sram.is_mram:
        area = sram.area_mm2 if sram.area_mm2 is not None else sram.capacity_kib * _SRAM_MM2_PER_KIB
        return [Entry(component, ("read_bytes",), sram.read_energy_pj_per_byte, sram.leakage_mw, area,
                      peak_read_bytes_per_s),
                Entry(component, ("write_bytes",), sram.write_energy_pj_per_byte, 0.0, 0.0, 0.0)]
    m = sram.mram
    stored = (m.word_bits + m.check_bits) / m.word_bits
    area = sram.area_mm2 if sram.area_mm2 is not None else (
        sram.capacity_kib * _SRAM_MM2_PER_KIB * m.cell_area_f2 / SRAM_CELL_F2 * stored)
    read_byte = 8 * m.read_energy_pj_per_bit * stored
    return [
        Entry(component, ("read_bytes",), read_byte, sram.leakage_mw, area, peak_read_bytes_per_s),
        Entry(component, ("write_bit_pulses",), m.write_energy_pj_per_bit, 0.0, 0.0, 0.0),
        Entry(component, ("verify_reads",), (m.word_bits + m.check_bits) * m.read_energy_pj_per_bit, 0.0, 0.0, 0.0),
        Entry(component, ("erases",), m.erase_energy_pj, 0.0, 0.0, 0.0),
    ]


def _tile_buffer_entries(buffer, tiles: int, bus_bytes: float) -> list[Entry]:
    """The tile buffer's table: its block energy per byte; an MRAM buffer's writes are priced
    as the pulses, verify reads and erases they took instead."""
    if not buffer.is_mram:
        return [_entry("tile_buffer", ("read_bytes", "write_bytes"), buffer, tiles, bus_bytes, "tile")]
    m = buffer.mram
    return [
        _entry("tile_buffer", ("read_bytes",), buffer, tiles, bus_bytes, "tile"),
        Entry("tile_buffer", ("write_bit_pulses",), m.write_energy_pj_per_bit, 0.0, 0.0, 0.0, "tile"),
        Entry("tile_buffer", ("verify_reads",), (m.word_bits + m.check_bits) * m.read_energy_pj_per_bit,
              0.0, 0.0, 0.0, "tile"),
        Entry("tile_buffer", ("erases",), m.erase_energy_pj, 0.0, 0.0, 0.0, "tile"),
    ]


def _crossbar(hw: HardwareConfig) -> list[Entry]:
    from accelsim.components.crossbar import peak_probe

    chip, hz = hw.compute, hw.clock_mhz * 1e6
    tile, ima = chip.tile, chip.tile.ima
    imas, tiles = chip.tiles * tile.imas, chip.tiles
    routers = -(-chip.tiles // tile.router.tiles_per_router)
    probe = peak_probe(hw)
    step_s = probe.read_cycles / hz                       # one crossbar read step
    vector_s = probe.slices * step_s                      # one input vector through a crossbar
    x, rows, cols = ima.crossbars, ima.crossbar.rows, ima.crossbar.cols
    in_b, out_b = -(-chip.input_bits // 8), -(-chip.output_bits // 8)
    bus_bytes = tile.buffer.bus_bits / 8 * hz
    xbar = ima.crossbar
    return [
        _entry("crossbar", ("reads",), xbar, imas, x / step_s, "ima"),
        Entry("crossbar", ("cell_writes",), xbar.write_energy_pj_per_cell, 0.0, 0.0, 0.0, "ima"),
        _entry("dac", ("conversions",), ima.dac, imas, x * rows / step_s, "ima"),
        _entry("sample_hold", ("samples",), ima.sample_hold, imas, x * cols / step_s, "ima"),
        *adc_entries(ima, imas, x * cols / step_s),
        _entry("ima_shift_add", ("adds",), ima.shift_add, imas, x * cols / step_s, "ima"),
        _entry("input_register", ("bytes",), ima.input_register, imas, x * rows * in_b / vector_s, "ima"),
        _entry("output_register", ("bytes",), ima.output_register, imas,
               x * probe.weights_per_crossbar * out_b / vector_s, "ima"),
        *_tile_buffer_entries(tile.buffer, tiles, bus_bytes),
        _entry("bus", ("bytes",), tile.bus, tiles, bus_bytes, "tile"),
        _entry("router", ("flit_hops",), tile.router, routers, tile.router.ports * hz, "tile"),
        _entry("sigmoid", ("ops",), tile.sigmoid, tiles, tile.sigmoid.count * hz, "tile"),
        _entry("tile_shift_add", ("adds",), tile.shift_add, tiles, tile.shift_add.count * hz, "tile"),
        _entry("maxpool", ("ops",), tile.maxpool, tiles, tile.maxpool.count * tile.maxpool.lanes * hz, "tile"),
        _entry("tile_output_register", ("bytes",), tile.output_register, tiles, out_b * hz, "tile"),
        _entry("vector_unit", ("ops",), tile.vector, tiles, tile.vector.count * tile.vector.lanes * hz, "tile",
               VECTOR_OP_PJ),
        *([_entry("matmul_unit", ("macs",), chip.matmul_unit, 1, chip.matmul_unit.macs_per_cycle * hz, "chip",
                  MAC_PJ_45NM)] if chip.matmul_unit is not None else []),
        _entry("offchip", ("bytes",), chip.offchip, 1, chip.offchip.bandwidth_gb_per_s * 1e9, "chip"),
    ]


def adc_stat(bits: int) -> str:
    """The statistic counting conversions resolved at `bits` bits."""
    return f"conversions_{bits}b"


def adc_entries(ima, imas: int, rate_per_ima: float) -> list[Entry]:
    """One entry per resolution 1..adc.bits: conversions at b bits cost the reference point's
    energy scaled by the ADC law (devices/adc.py); the ADCs' area (and leakage, and the peak
    rate) sits on the entry at adc.bits, the resolution they are built for. The reference point
    is the config's figures at `reference_bits`, or, without figures, the 32 nm SAR table at 8 bits."""
    adc = ima.adc
    law = adc.scaling
    if adc.energy_pj_per_action is not None:
        ref_pj, ref_bits = adc.energy_pj_per_action, adc.reference_bits
    elif adc.peak_power_mw is not None:
        ref_pj, ref_bits = (adc.peak_power_mw * 1e9 / rate_per_ima if rate_per_ima else 0.0), adc.reference_bits
    else:
        ref_pj, ref_bits = float(adc_energy_pj(8)), 8
    if adc.area_mm2:
        area = adc.area_mm2 * scale_area(adc.bits, adc.reference_bits, law)
    else:
        area = (float(adc_area_um2(8, adc.sample_rate_gsps)) * scale_area(adc.bits, 8, law) * 1e-6
                * adc.per_crossbar * ima.crossbars)
    return [Entry("adc", (adc_stat(b),), ref_pj * scale_energy(b, ref_bits, law),
                  adc.leakage_mw * imas if b == adc.bits else 0.0, area * imas if b == adc.bits else 0.0,
                  rate_per_ima * imas if b == adc.bits else 0.0, "ima")
            for b in range(1, adc.bits + 1)]


from accelsim.config.schema import MAC_PJ_45NM  # noqa: E402
from accelsim.config.schema import SRAM_MM2_PER_KIB_45NM as _SRAM_MM2_PER_KIB  # noqa: E402

VECTOR_OP_PJ = 0.03  # one vector-lane operation: an 8-bit add at 45 nm (Horowitz, ISSCC 2014)
