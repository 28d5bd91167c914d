"""MRAM buffer technology: write physics, verify, ECC. Defaults come from cited presets
(accelsim/config/presets/mram.yaml), chosen by the buffer's `technology`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from accelsim.config.base import Model

PRESETS = Path(__file__).with_name("presets") / "mram.yaml"


class Mram(Model):
    word_bits: int = Field(default=64, gt=0, le=512, description="bits written and read as one word")
    group_bits: int = Field(default=8, gt=0, description="NAND-SPIN: MTJs on one strip, erased together")
    read_latency_ns: float = Field(gt=0, description="one word read (also one verify read)")
    read_energy_pj_per_bit: float = Field(ge=0, description="read energy per bit")
    write_pulse_ns: float = Field(gt=0, description="one write (or NAND-SPIN program) pulse")
    write_current_ua: float = Field(gt=0, description="write current through the MTJ")
    write_energy_pj_per_bit: float = Field(ge=0, description="energy of one pulse on one bit")
    erase_ns: float = Field(default=0.0, ge=0, description="NAND-SPIN: SOT erase of one group")
    erase_energy_pj: float = Field(default=0.0, ge=0, description="NAND-SPIN: energy of one group erase")
    delta: float = Field(default=60.0, gt=0, description="thermal stability factor")
    ic0_ua: float = Field(default=40.0, gt=0, description="critical switching current")
    tau_d_ns: float = Field(default=1.0, gt=0, description="precessional time constant")
    verify: bool = Field(default=True, description="read back after each pulse and repulse the failed bits")
    max_attempts: int = Field(default=8, gt=0, description="pulses per write at most (with verify)")
    ecc: Literal["none", "secded"] = Field(default="none", description="per-word SECDED (Hamming + parity)")
    ecc_decode_ns: float = Field(default=1.0, ge=0, description="ECC check on every read")
    cell_area_f2: float = Field(default=57.5, gt=0, description="cell area in F^2 (6T SRAM: ~171 F^2)")

    @property
    def check_bits(self) -> int:
        """SECDED check bits: r with 2^r >= data + r + 1, plus one parity bit."""
        if self.ecc == "none":
            return 0
        r = 1
        while 2**r < self.word_bits + r + 1:
            r += 1
        return r + 1


@lru_cache(maxsize=None)
def preset(technology: str) -> dict:
    from accelsim.config.yamlio import read_yaml

    return dict(read_yaml(PRESETS)[technology])


class BufferTechnology(Model):
    """A buffer built from SRAM/eDRAM or from MRAM (stochastic writes; a preset fills `mram`)."""

    technology: Literal["sram", "edram", "stt_mram", "sot_mram", "nand_spin"] = Field(
        default="sram", description="cell technology; MRAM writes are stochastic and cost pulses")
    mram: Mram | None = Field(default=None, description="MRAM parameters (defaults: the technology's preset)")

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data):
        if isinstance(data, dict) and data.get("technology") in ("stt_mram", "sot_mram", "nand_spin"):
            given = data.get("mram") if isinstance(data.get("mram"), dict) else {}
            data = {**data, "mram": {**preset(data["technology"]), **given}}
        return data

    @model_validator(mode="after")
    def _mram_only_with_mram(self):
        if not self.is_mram and self.mram is not None:
            raise ValueError("an `mram` block needs technology stt_mram, sot_mram or nand_spin")
        return self

    @property
    def is_mram(self) -> bool:
        return self.technology in ("stt_mram", "sot_mram", "nand_spin")
