"""Hardware blocks that carry energy and area.

A block's figures are for *all* its instances inside one parent (one IMA, one tile), the
way papers tabulate them ("ADC x8: 16 mW, 0.0096 mm2"). Energy per action is given
directly, or derived from a peak power: energy = peak power / peak action rate, where the
peak rate is the one accelsim itself counts at full activity (accelsim/energy/peak.py).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from accelsim.config.base import Model


class Block(Model):
    energy_pj_per_action: float | None = Field(
        default=None, ge=0, description="dynamic energy of one action (see the block's action)")
    peak_power_mw: float | None = Field(
        default=None, ge=0, description="power of all instances at peak activity; sets energy per action")
    leakage_mw: float = Field(default=0.0, ge=0, description="static power of all instances")
    area_mm2: float = Field(default=0.0, ge=0, description="area of all instances")

    @model_validator(mode="after")
    def _one_energy(self):
        if self.energy_pj_per_action is not None and self.peak_power_mw is not None:
            raise ValueError("give energy_pj_per_action or peak_power_mw, not both")
        return self


class CountedBlock(Block):
    count: int = Field(default=1, gt=0, description="instances per parent")
