"""The chip builder: picks the component family for a config's compute fabric."""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig
from accelsim.engine.context import SimContext


def build_chip(ctx: SimContext, hw: HardwareConfig):
    family = hw.compute.type
    if family == "systolic" and hw.memory.model == "scalesim":
        from accelsim.components.scalesim_chip import ScaleSimChip

        return ScaleSimChip(ctx, hw)
    if family == "systolic":
        from accelsim.components.systolic import SystolicChip

        return SystolicChip(ctx, hw)
    if family == "crossbar":
        from accelsim.components.crossbar import CrossbarChip

        return CrossbarChip(ctx, hw)
    raise ValueError(f"no chip builder for compute type {family!r}")
