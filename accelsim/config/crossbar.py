"""Crossbar processing-in-memory chips: chip -> tiles -> IMAs -> crossbars (ISAAC's hierarchy).

Actions (what each block's energy_pj_per_action prices):
crossbar: one array read; dac: one row driven with one input slice; sample_hold: one
column sampled; adc: one conversion; shift_add: one partial sum added; registers and
buffers: one byte accessed; router: one flit-hop; sigmoid / maxpool: one element;
offchip: one byte.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from accelsim.config.base import Model
from accelsim.config.blocks import Block, CountedBlock
from accelsim.config.mram import BufferTechnology

DEVICES = ("reram", "stt_mram", "sot_mram", "nand_spin")
MRAM_DEVICES = ("stt_mram", "sot_mram", "nand_spin")
# Write endurance (program/erase cycles per cell) when a config gives none: the commonly quoted
# ranges are ReRAM 1e6-1e12 and STT/SOT-MRAM about 1e15 (ITRS 2013 Emerging Research Devices
# tables; Yu & Chen, IEEE Solid-State Circuits Magazine 8(2), 2016). The low ReRAM end is used:
# a pessimistic assumption, stated in docs/transformers.md. NAND-SPIN's MTJs take MRAM's figure.
ENDURANCE_WRITES = {"reram": 1e6, "stt_mram": 1e15, "sot_mram": 1e15, "nand_spin": 1e15}
MRAM_RELIABILITY = frozenset({"delta", "ic0_ua", "retention_s", "read_current_ua", "read_pulse_ns"})


class Crossbar(Block):
    rows: int = Field(gt=0, description="wordlines (inputs) per array")
    cols: int = Field(gt=0, description="bitlines (cells) per array")
    cell_bits: int = Field(gt=0, le=8, description="bits stored per cell")
    device: Literal["reram", "stt_mram", "sot_mram", "nand_spin"] = Field(description="cell technology")
    read_latency_ns: float = Field(gt=0, description="one array read: drive rows, settle, sample")
    write_latency_ns: float = Field(default=100.0, gt=0, description="program one row of cells")
    write_energy_pj_per_cell: float = Field(default=1.0, ge=0, description="program one cell")
    r_on_ohm: float = Field(default=1e4, gt=0, description="low-resistance state")
    r_off_ohm: float = Field(default=1e6, gt=0, description="high-resistance state")
    endurance_writes: float | None = Field(
        default=None, gt=0, description="writes a cell survives (default by device: ReRAM 1e6, MRAM 1e15)")
    weight_encoding: Literal["offset", "differential"] = Field(
        default="offset", description="signed weights: biased by 2^(bits-1), or +/- column pairs")
    # MRAM cell reliability (functional mode only; see docs/accuracy.md): bit flips of the
    # stored weights from retention loss and read disturb. Defaults inject nothing.
    delta: float = Field(default=60.0, gt=0, description="MRAM only: thermal stability factor of the cells")
    ic0_ua: float = Field(default=40.0, gt=0, description="MRAM only: critical switching current")
    retention_s: float = Field(
        default=0.0, ge=0, description="MRAM only: time since the weights were written (0 = no retention loss)")
    read_current_ua: float = Field(
        default=0.0, ge=0, description="MRAM only: read current through a cell (0 = no read disturb)")
    read_pulse_ns: float | None = Field(
        default=None, gt=0, description="MRAM only: read pulse width (default: read_latency_ns)")

    @model_validator(mode="after")
    def _ratio(self):
        if self.r_off_ohm <= self.r_on_ohm:
            raise ValueError("r_off_ohm must exceed r_on_ohm")
        return self

    @model_validator(mode="after")
    def _mram_fields(self):
        # non-default values are rejected rather than ignored: a ReRAM config asking for
        # retention or disturb errors would otherwise silently run fault-free. (Compared with
        # the defaults, not model_fields_set: configs are dumped and revalidated elsewhere.)
        given = sorted(f for f in MRAM_RELIABILITY if getattr(self, f) != type(self).model_fields[f].default)
        if self.device not in MRAM_DEVICES and given:
            verb = "applies" if len(given) == 1 else "apply"
            raise ValueError(f"{', '.join(given)} {verb} only to MRAM cells (device stt_mram, sot_mram or "
                             f"nand_spin); device is {self.device}")
        return self

    @property
    def endurance(self) -> float:
        return self.endurance_writes if self.endurance_writes is not None else ENDURANCE_WRITES[self.device]

    @property
    def reliability_faults(self) -> bool:
        """True when functional mode injects retention / read-disturb flips into the cells."""
        return self.device in MRAM_DEVICES and (self.retention_s > 0 or self.read_current_ua > 0)

    @property
    def read_pulse(self) -> float:
        """Read pulse width in ns (`read_pulse_ns`, or the array read latency)."""
        return self.read_latency_ns if self.read_pulse_ns is None else self.read_pulse_ns


class Adc(Block):
    bits: int = Field(gt=0, le=16, description="resolution")
    sample_rate_gsps: float = Field(gt=0, description="conversions per ns, per ADC")
    per_crossbar: int = Field(default=1, gt=0, description="ADCs serving each crossbar's columns")
    lossless: bool = Field(default=False, description="reject configs whose ADC cannot resolve a full column sum")
    flip_encoding: bool = Field(
        default=False, description="ISAAC's weight flipping: column sums need one bit less")
    reference_bits: int | None = Field(
        default=None, gt=0, le=16,
        description="resolution the peak_power_mw / energy_pj_per_action / area_mm2 figures are for; "
                    "required with them (energy and area scale from it to `bits` by `scaling`)")
    scaling: Literal["sar_32nm", "walden"] = Field(
        default="sar_32nm", description="how energy and area follow resolution: the 32 nm SAR table's "
                                        "ratios, or Walden's constant figure of merit (2^bits)")

    @model_validator(mode="after")
    def _reference(self):
        given = self.peak_power_mw is not None or self.energy_pj_per_action is not None or self.area_mm2 > 0
        if given and self.reference_bits is None:
            raise ValueError("give reference_bits: the resolution your ADC figures are for "
                             "(they scale to `bits` by `scaling`)")
        return self


class Dac(Block):
    bits: int = Field(gt=0, le=8, description="input bits applied per crossbar read")


class PoolUnit(CountedBlock):
    lanes: int = Field(default=1, gt=0, description="values compared per cycle, per unit")


class VectorUnit(CountedBlock):
    """Digital lanes for vector layers (softmax, norms, activations, residual adds)."""

    lanes: int = Field(default=16, gt=0, description="elements operated on per cycle, per unit")
    cycles_per_op: int = Field(default=1, gt=0, description="cycles one lane spends on one operation")


class MatmulUnit(Block):
    """A digital matmul engine for products of two activations (attention), chip-wide."""

    macs_per_cycle: int = Field(gt=0, description="multiply-accumulates per reference-clock cycle")


class Register(Block):
    capacity_kib: float = Field(gt=0, description="capacity in KiB")


class Ima(Model):
    """In-situ multiply-accumulate unit: a group of crossbars sharing registers."""

    crossbars: int = Field(gt=0, description="crossbar arrays per IMA")
    crossbar: Crossbar = Field(description="one array (energy and area: all arrays of the IMA)")
    adc: Adc = Field(description="analog-to-digital converters")
    dac: Dac = Field(description="input drivers")
    sample_hold: Block = Field(default_factory=Block, description="sample-and-hold, one per column")
    shift_add: CountedBlock = Field(default_factory=CountedBlock, description="shift-and-add units")
    input_register: Register = Field(description="holds the input vector being streamed")
    output_register: Register = Field(description="holds partial outputs")

    @model_validator(mode="after")
    def _adc_resolves_columns(self):
        from accelsim.devices.adc import adc_bits_needed

        need = adc_bits_needed(self.crossbar.rows, self.dac.bits, self.crossbar.cell_bits) - self.adc.flip_encoding
        if self.adc.lossless and self.adc.bits < need:
            raise ValueError(
                f"adc.bits = {self.adc.bits} cannot resolve a full column sum of {self.crossbar.rows} rows x "
                f"{self.dac.bits}-bit inputs x {self.crossbar.cell_bits}-bit cells ({need} bits needed"
                f"{' with flip encoding' if self.adc.flip_encoding else ''}); adc.lossless is set")
        return self


class TileBuffer(Block, BufferTechnology):
    capacity_kib: float = Field(gt=0, description="capacity in KiB")
    banks: int = Field(default=1, gt=0, description="banks")
    bus_bits: int = Field(gt=0, description="bus width to the IMAs, bits per cycle")


class Router(Block):
    flit_bits: int = Field(gt=0, description="link width, bits per cycle")
    ports: int = Field(default=8, gt=0, description="router ports")
    tiles_per_router: int = Field(default=1, gt=0, description="concentration: tiles sharing a router")
    hop_latency_cycles: int = Field(default=1, ge=0, description="cycles per router hop")


class Tile(Model):
    imas: int = Field(gt=0, description="IMAs per tile")
    ima: Ima = Field(description="one IMA")
    buffer: TileBuffer = Field(description="the tile's activation buffer")
    bus: Block = Field(default_factory=Block, description="buffer-to-IMA bus")
    router: Router = Field(description="on-chip network router (figures for one router)")
    sigmoid: CountedBlock = Field(default_factory=CountedBlock, description="activation units")
    shift_add: CountedBlock = Field(default_factory=CountedBlock, description="tile-level shift-and-add")
    maxpool: PoolUnit = Field(default_factory=PoolUnit, description="pooling units")
    vector: VectorUnit = Field(
        default_factory=VectorUnit,
        description="vector units for vector layers; energy default 0.03 pJ/op (an 8-bit add, 45 nm: Horowitz)")
    output_register: Register = Field(description="tile output register")


class OffChip(Block):
    bandwidth_gb_per_s: float = Field(gt=0, description="total off-chip bandwidth")
    latency_ns: float = Field(default=0.0, ge=0, description="access latency")


class CrossbarChip(Model):
    """A crossbar PIM chip."""

    type: Literal["crossbar"] = Field(description="compute family")
    tiles: int = Field(gt=0, description="tiles on the chip")
    tile: Tile = Field(description="one tile")
    offchip: OffChip = Field(description="off-chip link (inputs in, outputs out)")
    input_bits: int = Field(default=16, gt=0, le=32, description="native input precision")
    weight_bits: int = Field(default=16, gt=0, le=32, description="native weight precision")
    precision: Literal["chip", "layer"] = Field(
        default="chip", description="chip: every layer runs at the native precision; layer: at the layer's own bits")
    output_bits: int = Field(default=16, gt=0, le=32, description="bits of a partial sum in the output registers")
    zero_slice_skipping: bool = Field(default=False, description="skip crossbar reads whose input slice is all zero")
    activation_prune_ones: int = Field(
        default=0, ge=0, le=4096,
        description="with zero_slice_skipping: an input slice carrying at most this many nonzero levels in a "
                    "crossbar's rows is pruned (zeroed) and skipped (ERA-BS's crossbar-aware activation pruning)")
    adc_resolution: Literal["fixed", "column_sums"] = Field(
        default="fixed", description="fixed: every conversion at adc.bits; column_sums: a compressed layer "
                                     "converts at the bits its largest column sum needs, at most adc.bits")
    allow_reprogramming: bool = Field(
        default=False, description="if the network does not fit, rewrite crossbars between layers (time-multiplexing)")
    compressed_mapping: bool = Field(
        default=False, description="map only occupied crossbar rows and bit-columns (PIM-Prune / ERA-BS)")
    replicate: bool = Field(default=True, description="replicate layers' weights to balance the pipeline (ISAAC)")
    replicate_dynamic: bool = Field(
        default=True, description="a matmul on cells gets copies of its dynamic operand (each written every "
        "inference) while a copy saves more time than writing it adds; false: one copy, the least write energy")
    matmul_unit: MatmulUnit | None = Field(
        default=None, description="digital unit for matmuls of two activations (default: none)")
    matmul_placement: Literal["auto", "cells", "matmul_unit"] = Field(
        default="auto", description="where matmuls of two activations run: cells (the dynamic operand is "
        "written into crossbars first), matmul_unit, or auto (the unit if declared, else cells)")
    mesh_cols: int | None = Field(default=None, gt=0, description="routers per mesh row; default: square mesh")

    @model_validator(mode="after")
    def _matmul_unit(self):
        if self.matmul_placement == "matmul_unit" and self.matmul_unit is None:
            raise ValueError("matmul_placement 'matmul_unit' needs a compute.matmul_unit block")
        return self

    @property
    def dynamic_on_cells(self) -> bool:
        """Matmuls of two activations write their dynamic operand into crossbar cells."""
        return self.matmul_placement == "cells" or (self.matmul_placement == "auto" and self.matmul_unit is None)

    @model_validator(mode="after")
    def _pruning_skips(self):
        if self.activation_prune_ones and not self.zero_slice_skipping:
            raise ValueError("activation_prune_ones needs zero_slice_skipping: true (pruned slices are skipped)")
        return self

    @property
    def crossbars(self) -> int:
        return self.tiles * self.tile.imas * self.tile.ima.crossbars
