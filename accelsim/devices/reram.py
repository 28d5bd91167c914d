"""ReRAM (analog crossbar) cell: conductance levels, read energy, variation parameters.

A `cell_bits` cell has L = 2^cell_bits levels equally spaced in *conductance*
between G_off = 1/R_off (level 0) and G_on = 1/R_on (level L-1):
    G(l) = G_off + l * ΔG,  ΔG = (G_on - G_off) / (L - 1).
A column current is sum_k V_k G_k; the periphery removes the G_off offset and divides
by ΔG, so an ideal cell at level l contributes exactly l. With variation the
effective level is (G' - G_off) / ΔG:
- "lognormal" (multiplicative): G' = G exp(σ z) -> l_eff = l m + r (m - 1), m = exp(σ z)
- "gaussian" (additive):        G' = max(G + σ (G_on - G_off) z, 0) -> l_eff = max(l + σ (L-1) z, -r)
with z ~ N(0, 1) per cell and r = G_off / ΔG (the off-state leakage in level units).
The kernels in `accelsim.kernels.variation` apply these; σ = 0 is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

VARIATION_MODELS = ("lognormal", "gaussian")


@dataclass(frozen=True)
class ReRAMParams:
    r_on_ohm: float
    r_off_ohm: float
    cell_bits: int = 1
    read_voltage_v: float = 0.5
    read_ns: float = 10.0
    write_voltage_v: float | None = None
    write_ns: float | None = None
    write_pj: float | None = None
    read_pj: float | None = None
    rows: int = 128
    cols: int = 128
    sigma: float = 0.0
    variation: str = "lognormal"

    def __post_init__(self) -> None:
        if not 0 < self.r_on_ohm < self.r_off_ohm:
            raise ValueError(f"need 0 < r_on_ohm < r_off_ohm, got {self.r_on_ohm}, {self.r_off_ohm}")
        if self.variation not in VARIATION_MODELS:
            raise ValueError(f"variation must be one of {VARIATION_MODELS}, got {self.variation!r}")
        if self.sigma < 0:
            raise ValueError(f"sigma must be >= 0, got {self.sigma}")

    @property
    def g_on_s(self) -> float:
        return 1.0 / self.r_on_ohm

    @property
    def g_off_s(self) -> float:
        return 1.0 / self.r_off_ohm

    @property
    def on_off_ratio(self) -> float:
        return self.r_off_ohm / self.r_on_ohm


# NeuroSim V1.3 defaults: 128x128, 2 bits/cell, Ron 6 kΩ, Roff 900 kΩ, read 0.5 V for 10 ns.
NEUROSIM_V13 = ReRAMParams(r_on_ohm=6e3, r_off_ohm=900e3, cell_bits=2, read_voltage_v=0.5, read_ns=10.0)
# NVSim sample RRAM cell: Ron 100 kΩ, Roff 10 MΩ, set/reset 2 V 10 ns 0.6 pJ; read 0.4 V, 0.1 pJ.
NVSIM_RRAM = ReRAMParams(
    r_on_ohm=100e3, r_off_ohm=10e6, cell_bits=1, read_voltage_v=0.4, write_voltage_v=2.0,
    write_ns=10.0, write_pj=0.6, read_pj=0.1,
)


def _check(cell_bits: int, g_on_s: float, g_off_s: float) -> None:
    if not isinstance(cell_bits, (int, np.integer)) or not 1 <= cell_bits <= 8:
        raise ValueError(f"cell_bits must be an integer in [1, 8], got {cell_bits!r}")
    if not 0 <= g_off_s < g_on_s:
        raise ValueError(f"need 0 <= g_off_s < g_on_s, got {g_off_s}, {g_on_s}")


def level_step_s(cell_bits: int, g_on_s: float, g_off_s: float) -> float:
    """ΔG, the conductance between adjacent levels."""
    _check(cell_bits, g_on_s, g_off_s)
    return (g_on_s - g_off_s) / ((1 << cell_bits) - 1)


def conductance_levels(cell_bits: int, g_on_s: float, g_off_s: float) -> np.ndarray:
    """The 2^cell_bits conductances, G_off ... G_on, linear in conductance (siemens)."""
    step = level_step_s(cell_bits, g_on_s, g_off_s)
    return g_off_s + np.arange(1 << cell_bits) * step


def level_conductance(levels: ArrayLike, cell_bits: int, g_on_s: float, g_off_s: float) -> np.ndarray:
    """Conductance of cells programmed to integer `levels`."""
    lv = np.asarray(levels)
    if lv.size and (lv.min() < 0 or lv.max() > (1 << cell_bits) - 1):
        raise ValueError(f"levels must be in [0, {(1 << cell_bits) - 1}]")
    return g_off_s + lv * level_step_s(cell_bits, g_on_s, g_off_s)


def effective_level(conductance_s: ArrayLike, cell_bits: int, g_on_s: float, g_off_s: float) -> np.ndarray:
    """Level the periphery infers from a (possibly perturbed) conductance: (G - G_off) / ΔG."""
    return (np.asarray(conductance_s, dtype=np.float64) - g_off_s) / level_step_s(cell_bits, g_on_s, g_off_s)


def off_offset_levels(cell_bits: int, g_on_s: float, g_off_s: float) -> float:
    """r = G_off / ΔG = (L - 1) / (G_on/G_off - 1): off-state leakage in level units."""
    return g_off_s / level_step_s(cell_bits, g_on_s, g_off_s)


def cell_read_energy_pj(conductance_s: ArrayLike, read_voltage_v: float, read_ns: float) -> np.ndarray:
    """Energy V² G t dissipated in one cell during a read, in pJ."""
    return read_voltage_v**2 * np.asarray(conductance_s, dtype=np.float64) * read_ns * 1e-9 * 1e12


__all__ = [
    "NEUROSIM_V13", "NVSIM_RRAM", "ReRAMParams", "VARIATION_MODELS", "cell_read_energy_pj",
    "conductance_levels", "effective_level", "level_conductance", "level_step_s", "off_offset_levels",
]
