"""The hardware-config schema, declared once.

Every field has a type, its unit in its name, and a one-line description. Models are
frozen and reject unknown keys; the loader turns validation failures into `ConfigError`.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import Annotated


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class SystolicArray(Model):
    """A digital systolic PE array (SCALE-Sim's model) with a small vector unit for pooling."""

    type: Literal["systolic"] = Field(description="compute family")
    rows: int = Field(gt=0, description="PE rows, the array height (SCALE-Sim ArrayHeight)")
    cols: int = Field(gt=0, description="PE columns, the array width (SCALE-Sim ArrayWidth)")
    dataflow: Literal["os", "ws", "is"] = Field(
        description="output-, weight- or input-stationary dataflow"
    )
    vector_lanes: int | None = Field(
        default=None, gt=0, description="lanes of the pooling unit, ops per cycle; default: cols"
    )


ComputeConfig = Annotated[Union[SystolicArray], Field(discriminator="type")]


class Sram(Model):
    """An on-chip operand buffer."""

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

    @property
    def capacity_bytes(self) -> int:
        return int(self.capacity_kib * 1024)


class Dram(Model):
    """The off-chip memory interface, shared by all operand streams."""

    bandwidth_bytes_per_cycle: float | Literal["unlimited"] = Field(
        description="bytes per reference-clock cycle; 'unlimited' = SCALE-Sim's CALC mode (never stalls)"
    )
    latency_ns: float = Field(default=0.0, ge=0, description="access latency added to every transfer")

    @model_validator(mode="after")
    def _positive_bandwidth(self):
        bw = self.bandwidth_bytes_per_cycle
        if bw != "unlimited" and not bw > 0:
            raise ValueError("bandwidth_bytes_per_cycle must be > 0 or 'unlimited'")
        return self


class Memory(Model):
    ifmap_sram: Sram = Field(description="input-activation buffer")
    filter_sram: Sram = Field(description="weight buffer")
    ofmap_sram: Sram = Field(description="output-activation buffer")
    dram: Dram = Field(description="off-chip memory interface")


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
    memory: Memory = Field(description="buffers and DRAM")

    @model_validator(mode="after")
    def _consistent(self):
        if self.compute.type == "systolic" and self.execution == "pipelined":
            raise ValueError(
                "execution 'pipelined' needs a chip with several units; a single systolic array runs layer_by_layer"
            )
        return self

    @property
    def cycle_ns(self) -> float:
        return 1000.0 / self.clock_mhz
