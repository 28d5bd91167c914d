"""ADC cost scaling and resolution requirements of crossbar columns.

Table: SAR ADC at 32 nm, 1.2 GS/s (project reference sheet), bits 4..10.
Between table points log(value) is interpolated linearly in bits (so the table is
reproduced exactly); outside, the end segment's log-slope is extended (energy grows
~1.2x per bit, area ~1.3-1.6x per bit, so this is the "log-linear in bits" fit
anchored at the measured ends).

Sample-rate scaling, following the Walden figure of merit FOM = P / (2^ENOB f_s):
at constant FOM power is proportional to f_s, so the energy per conversion P/f_s
does not depend on the rate; `adc_energy_pj` ignores `rate_gsps`. Area: above the
table's 1.2 GS/s a faster converter is built by time-interleaving 1.2 GS/s
sub-ADCs, so area scales as rate/1.2; below it a SAR of the same resolution is not
smaller (its capacitor DAC is sized for matching, not speed), so area stays at the
table value.

Resolution scaling from a reference point (`scale_energy`, `scale_area`): a chip whose figures
are given at one resolution (ISAAC's Table I: 8 ADCs, 16 mW, 0.0096 mm2 at 8 bits) is priced at
another by one of two documented laws, chosen by `adc.scaling`:
- `sar_32nm` (default): the ratio of the 32 nm SAR table's values at the two resolutions
  (hwcomponents' table, the project reference sheet; consistent with ISAAC): 4 vs 8 bits costs
  0.79 / 1.67 = 0.473x the energy and 361 / 1200 = 0.301x the area.
- `walden`: energy at constant Walden figure of merit, E = FOM * 2^ENOB, so 2^(b - b_ref)
  (Walden, IEEE JSAC 17(4), 1999); area assumed to scale the same way (a SAR's binary-weighted
  capacitor array doubles per bit): 4 vs 8 bits costs 1/16 of both.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

TABLE_RATE_GSPS = 1.2
TABLE_BITS = np.arange(4, 11)
TABLE_ENERGY_PJ = np.array([0.79, 0.99, 1.20, 1.42, 1.67, 1.97, 2.38])
TABLE_AREA_UM2 = np.array([361.0, 477.0, 627.0, 845.0, 1200.0, 1828.0, 3002.0])


def _loglinear(bits: ArrayLike, table: np.ndarray) -> np.ndarray:
    b = np.asarray(bits, dtype=np.float64)
    if np.any(b < 1) or not np.all(np.isfinite(b)):
        raise ValueError("bits must be finite and >= 1")
    logs = np.log(table)
    inside = np.interp(b, TABLE_BITS, logs)
    lo_slope = logs[1] - logs[0]
    hi_slope = logs[-1] - logs[-2]
    below = logs[0] + (b - TABLE_BITS[0]) * lo_slope
    above = logs[-1] + (b - TABLE_BITS[-1]) * hi_slope
    out = np.where(b < TABLE_BITS[0], below, np.where(b > TABLE_BITS[-1], above, inside))
    # exact table values at the table points (exp(log(v)) can be off by an ulp)
    hit = np.isin(b, TABLE_BITS)
    return np.where(hit, table[np.clip(np.rint(b).astype(int) - TABLE_BITS[0], 0, len(table) - 1)], np.exp(out))


def _check_rate(rate_gsps: ArrayLike) -> np.ndarray:
    r = np.asarray(rate_gsps, dtype=np.float64)
    if np.any(r <= 0) or not np.all(np.isfinite(r)):
        raise ValueError("rate_gsps must be positive")
    return r


def adc_energy_pj(bits: ArrayLike, rate_gsps: ArrayLike = TABLE_RATE_GSPS) -> np.ndarray:
    """Energy per conversion (pJ); independent of the sample rate at constant Walden FOM."""
    _check_rate(rate_gsps)
    return _loglinear(bits, TABLE_ENERGY_PJ)


def adc_area_um2(bits: ArrayLike, rate_gsps: ArrayLike = TABLE_RATE_GSPS) -> np.ndarray:
    """Area (µm²): table value times max(1, rate / 1.2 GS/s) (time interleaving)."""
    r = _check_rate(rate_gsps)
    return _loglinear(bits, TABLE_AREA_UM2) * np.maximum(1.0, r / TABLE_RATE_GSPS)


LAWS = ("sar_32nm", "walden")


def _law(bits: float, reference_bits: float, law: str, table: np.ndarray) -> float:
    if law == "sar_32nm":
        return float(_loglinear(bits, table) / _loglinear(reference_bits, table))
    if law == "walden":
        if bits < 1 or reference_bits < 1:
            raise ValueError("bits must be finite and >= 1")
        return float(2.0 ** (bits - reference_bits))
    raise ValueError(f"unknown ADC scaling law {law!r}; use {', '.join(LAWS)}")


def scale_energy(bits: float, reference_bits: float, law: str = "sar_32nm") -> float:
    """Energy per conversion at `bits` over that at `reference_bits` (module doc)."""
    return _law(bits, reference_bits, law, TABLE_ENERGY_PJ)


def scale_area(bits: float, reference_bits: float, law: str = "sar_32nm") -> float:
    """Area at `bits` over that at `reference_bits` (module doc)."""
    return _law(bits, reference_bits, law, TABLE_AREA_UM2)


def column_sum_bits(max_sum: int, dac_bits: int = 1) -> int:
    """Bits to resolve every column sum of a crossbar whose largest sum of cell levels down a
    column is `max_sum`, with `dac_bits`-bit input slices: ceil(log2(max_sum (2^d - 1) + 1)), >= 1."""
    return max(1, (int(max_sum) * ((1 << int(dac_bits)) - 1)).bit_length())


def walden_fom_fj(power_mw: float, enob: float, rate_gsps: float) -> float:
    """Walden FOM P / (2^ENOB f_s) in fJ per conversion step."""
    return power_mw * 1e-3 / (2.0**enob * rate_gsps * 1e9) * 1e15


def adc_bits_needed(rows: int, dac_bits: int, cell_bits: int) -> int:
    """Bits to resolve every column sum exactly: ceil(log2(rows (2^d-1) (2^c-1) + 1))."""
    for name, v in (("rows", rows), ("dac_bits", dac_bits), ("cell_bits", cell_bits)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    top = rows * ((1 << dac_bits) - 1) * ((1 << cell_bits) - 1)
    return max(1, (top).bit_length())  # == ceil(log2(top + 1)) for integers


def isaac_adc_bits(rows: int, dac_bits: int, cell_bits: int, *, flip_encoding: bool = False) -> int:
    """ISAAC (Shafiee et al., ISCA 2016) ADC resolution.

    A = log2(R) + v + w - 1 when v = 1 or w = 1, and log2(R) + v + w when both exceed 1
    (for power-of-two R this equals `adc_bits_needed`); 128 rows, v=1, w=2 -> 9.
    ISAAC's weight-flip encoding (store a column inverted when its sum would exceed half
    range) saves one bit -> 8.
    """
    if not isinstance(rows, (int, np.integer)) or rows < 1 or rows & (rows - 1):
        raise ValueError(f"ISAAC's formula needs rows to be a power of two, got {rows!r}")
    a = int(math.log2(rows)) + dac_bits + cell_bits - (0 if dac_bits > 1 and cell_bits > 1 else 1)
    return a - 1 if flip_encoding else a


__all__ = [
    "LAWS", "TABLE_AREA_UM2", "TABLE_BITS", "TABLE_ENERGY_PJ", "TABLE_RATE_GSPS", "adc_area_um2", "adc_bits_needed",
    "adc_energy_pj", "column_sum_bits", "isaac_adc_bits", "scale_area", "scale_energy", "walden_fom_fj",
]
