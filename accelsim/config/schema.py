"""The hardware-config schema, declared once.

Every field has a type, its unit in its name, and a one-line description. Models are
frozen and reject unknown keys; the loader turns validation failures into `ConfigError`.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field, model_validator
from typing_extensions import Annotated

from accelsim.config.base import Model
from accelsim.config.crossbar import CrossbarChip
from accelsim.config.mram import BufferTechnology

# Default energy and area of digital parts, 45 nm (Horowitz, "Computing's energy problem",
# ISSCC 2014): 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ; areas 282 + 36 um2; a 64-bit
# read of a 32 KB SRAM 20 pJ; DRAM 1.3-2.6 nJ per 64 bits (the low end is used).
# SRAM area: Intel 45 nm 6T cell 0.346 um2 (Mistry et al., IEDM 2007) at 50 % array
# efficiency -> 0.346 * 8192 / 0.5 um2 per KiB (derived).
MAC_PJ_45NM = 0.23
PE_AREA_UM2_45NM = 318.0
SRAM_PJ_PER_BYTE_45NM = 2.5
SRAM_MM2_PER_KIB_45NM = 0.346 * 8192 / 0.5 / 1e6
DRAM_PJ_PER_BYTE = 1300.0 / 8


class NMSparsity(Model):
    """SCALE-Sim v3's N:M weight sparsity ([sparsity] in a .cfg): filters are stored compressed and
    the array skips the pruned rows of the reduction dimension."""

    representation: Literal["ellpack_block", "csr", "csc"] = Field(
        default="ellpack_block", description="storage of the compressed filters and their metadata")
    optimized_mapping: bool = Field(
        default=False, description="row-wise sparsity: every block_size rows hold at most block_size/2 "
        "nonzeros (SCALE-Sim's OptimizedMapping); false: each layer's N:M (topology Sparsity column)")
    block_size: int | None = Field(default=None, gt=1, le=65536,
                                   description="optimized_mapping: M of the row-wise N:M blocks")
    seed: int = Field(default=40, ge=0, le=2**32 - 1,
                      description="optimized_mapping: seed of the per-filter N draws (storage figures only)")

    @model_validator(mode="after")
    def _block(self):
        if self.optimized_mapping and self.block_size is None:
            raise ValueError("optimized_mapping needs block_size")
        return self


class SystolicArray(Model):
    """A digital systolic PE array (SCALE-Sim's model) with a small vector unit for pooling."""

    type: Literal["systolic"] = Field(description="compute family")
    rows: int = Field(gt=0, description="PE rows, the array height (SCALE-Sim ArrayHeight)")
    cols: int = Field(gt=0, description="PE columns, the array width (SCALE-Sim ArrayWidth)")
    dataflow: Literal["os", "ws", "is", "rs"] = Field(
        description="output-, weight- or input-stationary (systolic), or Eyeriss's row-stationary"
    )
    filter_spad_words: int = Field(default=224, gt=0, description="rs: filter scratchpad per PE, words")
    ifmap_spad_words: int = Field(default=12, gt=0, description="rs: ifmap scratchpad per PE, words")
    psum_spad_words: int = Field(default=24, gt=0, description="rs: psum scratchpad per PE, words")
    zero_gating: bool = Field(default=False, description="skip the MAC energy of zero weights (time unchanged)")
    zero_skipping: bool = Field(
        default=False, description="rs: skip pruned weights in time (each pass as long as its slowest PE's kept weights)")
    skip_granularity: int = Field(
        default=1, gt=0, description="zero skipping: weights of a filter row per skip decision (a block skips if all zero)")
    activation_gating: bool = Field(
        default=False, description="gate the MAC and filter-scratchpad read of zero activations (time unchanged)")
    activation_skipping: bool = Field(
        default=False, description="rs: skip zero activations in time (each pass as long as its slowest PE's kept work)")
    activation_skip_granularity: int = Field(
        default=1, gt=0, description="activation skipping: inputs of an ifmap row per skip decision (a block skips if all zero)")
    structured_sparsity: bool = Field(
        default=True, description="run structurally pruned layers with their filters/channels removed")
    weight_codec: bool = Field(
        default=False, description="store weights as compression codes and decode them on the way in")
    weight_sharing: bool = Field(
        default=False, description="clustered weights: add activations per centroid, then k multiplies per output")
    add_energy_pj: float = Field(default=0.03, ge=0, description="one accumulate (8-bit add, 45 nm: Horowitz)")
    decoder_ops_per_cycle: int = Field(default=16, gt=0, description="weight decoder throughput")
    decoder_energy_pj_per_op: float = Field(default=0.05, ge=0, description="one decode operation")
    spad_energy_pj_per_access: float = Field(
        default=0.0, ge=0, description="rs: one scratchpad access; each MAC makes four (filter, ifmap, psum r/w)")
    vector_lanes: int | None = Field(
        default=None, gt=0, description="lanes of the pooling unit, ops per cycle; default: cols"
    )
    sparsity: NMSparsity | None = Field(
        default=None, description="N:M weight sparsity support (SCALE-Sim v3); null: layers run dense")
    mac_energy_pj: float = Field(default=MAC_PJ_45NM, ge=0, description="one multiply-accumulate")
    vector_op_energy_pj: float = Field(default=0.03, ge=0, description="one pooling compare/add (8-bit add)")
    vector_cycles_per_op: int = Field(
        default=1, gt=0, description="cycles a vector lane spends on one operation of a vector layer")
    pe_area_um2: float = Field(default=PE_AREA_UM2_45NM, ge=0, description="one PE")
    leakage_mw: float = Field(default=0.0, ge=0, description="static power of the whole array")

    @model_validator(mode="after")
    def _skipping_needs_rs(self):
        for name in ("zero_skipping", "activation_skipping"):
            if getattr(self, name) and self.dataflow != "rs":
                raise ValueError(f"{name} is modelled for the row-stationary dataflow only (dataflow: rs)")
        return self


ComputeConfig = Annotated[Union[SystolicArray, CrossbarChip], Field(discriminator="type")]


class Sram(BufferTechnology):
    """An on-chip operand buffer: SRAM, or MRAM with stochastic writes."""

    capacity_kib: float = Field(gt=0, description="capacity in KiB (1 KiB = 1024 bytes)")
    banks: int = Field(default=1, gt=0, description="independent banks")
    double_buffered: bool = Field(
        default=True, description="half the capacity is filled from DRAM while the other half feeds the array"
    )
    bandwidth_bytes_per_cycle: float | None = Field(
        default=None,
        gt=0,
        description="port bandwidth towards the array; null: matched to the array edge (never stalls)",
    )
    read_energy_pj_per_byte: float = Field(default=SRAM_PJ_PER_BYTE_45NM, ge=0, description="read one byte")
    write_energy_pj_per_byte: float = Field(default=SRAM_PJ_PER_BYTE_45NM, ge=0, description="write one byte")
    leakage_mw: float = Field(default=0.0, ge=0, description="static power")
    area_mm2: float | None = Field(default=None, ge=0, description="area; default from capacity (45 nm SRAM)")

    @property
    def capacity_bytes(self) -> int:
        return int(self.capacity_kib * 1024)



class Dram(Model):
    """The off-chip memory interface, shared by all operand streams."""

    bandwidth_bytes_per_cycle: float | Literal["unlimited"] = Field(
        description="bytes per reference-clock cycle; 'unlimited' = SCALE-Sim's CALC mode (never stalls)"
    )
    latency_ns: float = Field(default=0.0, ge=0, description="access latency added to every transfer")
    ifmap_bandwidth_bytes_per_cycle: float | None = Field(
        default=None, gt=0, description="memory.model scalesim: the ifmap channel (SCALE-Sim [layout] "
        "IfmapSRAMBankBandwidth); null: bandwidth_bytes_per_cycle")
    filter_bandwidth_bytes_per_cycle: float | None = Field(
        default=None, gt=0, description="memory.model scalesim: the filter channel (SCALE-Sim [layout] "
        "FilterSRAMBankBandwidth); null: bandwidth_bytes_per_cycle")
    energy_pj_per_byte: float = Field(default=DRAM_PJ_PER_BYTE, ge=0, description="read or write one byte")

    @model_validator(mode="after")
    def _positive_bandwidth(self):
        bw = self.bandwidth_bytes_per_cycle
        if bw != "unlimited" and not bw > 0:
            raise ValueError("bandwidth_bytes_per_cycle must be > 0 or 'unlimited'")
        return self


class Memory(Model):
    model: Literal["native", "scalesim"] = Field(
        default="native", description="native: accelsim's buffers on one shared DRAM link; scalesim: SCALE-Sim "
        "3.0.0's memory system (three DRAM channels, half-buffer prefetch; docs/scalesim.md)")
    reproduce_stall_bug: bool = Field(
        default=True, description="memory.model scalesim: add each prefetch wait twice, and let an early "
        "prefetch shorten a row, as SCALE-Sim 3.0.0 does; false: each wait once")
    ifmap_sram: Sram = Field(description="input-activation buffer")
    filter_sram: Sram = Field(description="weight buffer")
    ofmap_sram: Sram = Field(description="output-activation buffer")
    dram: Dram = Field(description="off-chip memory interface")

    @model_validator(mode="after")
    def _scalesim_words(self):
        if self.model != "scalesim" or self.dram.bandwidth_bytes_per_cycle == "unlimited":
            return self
        for key in ("bandwidth_bytes_per_cycle", "ifmap_bandwidth_bytes_per_cycle", "filter_bandwidth_bytes_per_cycle"):
            value = getattr(self.dram, key)
            if value is not None and (value != int(value) or value < 1):
                raise ValueError(f"dram.{key} must be a whole number of words per cycle (>= 1) with model "
                                 f"scalesim, got {value}")
        return self


class StaticPower(Model):
    """Clock tree, control and leakage power that a chip pays for as long as it runs."""

    area_mm2: float | None = Field(
        default=None, gt=0, description="area the densities apply to; default: the chip's component area")
    clock_mw_per_mm2: float = Field(default=0.0, ge=0, description="clock network power per mm2")
    control_mw_per_mm2: float = Field(default=0.0, ge=0, description="control and configuration logic per mm2")
    leakage_mw_per_mm2: float = Field(default=0.0, ge=0, description="leakage per mm2 not declared by a block")
    clock_mw: float = Field(default=0.0, ge=0, description="clock network power of the chip, fixed part")
    control_mw: float = Field(default=0.0, ge=0, description="control power of the chip, fixed part")
    leakage_mw: float = Field(default=0.0, ge=0, description="leakage of the chip, fixed part")

    def power_mw(self, area_mm2: float) -> dict[str, float]:
        """{clock_tree, control, static_leakage: mW} for a chip whose components cover `area_mm2`."""
        area = self.area_mm2 if self.area_mm2 is not None else area_mm2
        return {"clock_tree": self.clock_mw_per_mm2 * area + self.clock_mw,
                "control": self.control_mw_per_mm2 * area + self.control_mw,
                "static_leakage": self.leakage_mw_per_mm2 * area + self.leakage_mw}


class HardwareConfig(Model):
    """A whole chip."""

    name: str = Field(min_length=1, description="short identifier used in reports")
    description: str = Field(default="", description="one line on what the chip is")
    source: str = Field(default="", description="where the numbers come from (paper, table)")
    clock_mhz: float = Field(gt=0, description="reference clock; all cycle counts are of this clock")
    execution: Literal["layer_by_layer", "pipelined"] = Field(
        default="layer_by_layer", description="layers one after another, or overlapped on separate units"
    )
    fidelity: Literal["fine", "fast"] = Field(
        default="fast", description="fine: one job per fold; fast: folds batched into fewer jobs"
    )
    compute: ComputeConfig = Field(description="the compute fabric")
    memory: Memory | None = Field(default=None, description="buffers and DRAM (systolic chips)")
    static_power: StaticPower | None = Field(
        default=None, description="clock tree, control and leakage power charged for as long as the chip runs")

    @model_validator(mode="after")
    def _consistent(self):
        if self.compute.type == "systolic" and self.memory is None:
            raise ValueError("a systolic chip needs a `memory` section (ifmap_sram, filter_sram, ofmap_sram, dram)")
        if self.compute.type == "crossbar" and self.memory is not None:
            raise ValueError("`memory` is for systolic chips; a crossbar chip's buffers are under compute.tile")
        if self.compute.type == "systolic" and self.execution == "pipelined":
            raise ValueError(
                "execution 'pipelined' needs a chip with several units; a single systolic array runs layer_by_layer"
            )
        return self

    @property
    def cycle_ns(self) -> float:
        return 1000.0 / self.clock_mhz
