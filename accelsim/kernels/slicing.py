"""Crossbar geometry (`CrossbarSpec`), read statistics (`CrossbarStats`) and the
bit slicing of inputs (DAC slices) and weights (cell slices) -- see docs/numerics.md, section 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.kernels._checks import check_bits
from accelsim.kernels._numba import njit
from accelsim.kernels._scratch import scratch

ENCODINGS = ("offset", "differential")


@dataclass(frozen=True)
class CrossbarSpec:
    """Geometry and precision of a bit-sliced crossbar MVM. Validated on creation."""

    input_bits: int
    weight_bits: int
    dac_bits: int = 1
    cell_bits: int = 2
    rows: int = 128
    cols: int = 128
    adc_bits: int | None = None
    full_scale: float | None = None
    input_signed: bool = False
    weight_signed: bool = True
    weight_encoding: str = "offset"

    def __post_init__(self) -> None:
        check_bits("input_bits", self.input_bits, 1, 16)
        check_bits("weight_bits", self.weight_bits, 1, 16)
        check_bits("dac_bits", self.dac_bits, 1, 8)
        check_bits("cell_bits", self.cell_bits, 1, 8)
        check_bits("rows", self.rows, 1, 1 << 20)
        check_bits("cols", self.cols, 1, 1 << 20)
        if self.adc_bits is not None:
            check_bits("adc_bits", self.adc_bits, 1, 32)
        if self.full_scale is not None and not (np.isfinite(self.full_scale) and self.full_scale > 0):
            raise ValueError(f"full_scale must be a positive number, got {self.full_scale!r}")
        if self.weight_encoding not in ENCODINGS:
            raise ValueError(f"weight_encoding must be one of {ENCODINGS}, got {self.weight_encoding!r}")
        if self.weight_signed and self.weight_encoding == "differential" and self.weight_bits < 2:
            raise ValueError("differential encoding needs weight_bits >= 2 (sign + magnitude)")

    @property
    def differential(self) -> bool:
        return self.weight_signed and self.weight_encoding == "differential"

    @property
    def magnitude_bits(self) -> int:
        """Bits actually stored per weight column group."""
        return self.weight_bits - 1 if self.differential else self.weight_bits

    @property
    def input_slices(self) -> int:
        if self.input_signed:
            return -(-(self.input_bits - 1) // self.dac_bits) + 1
        return -(-self.input_bits // self.dac_bits)

    @property
    def weight_slices(self) -> int:
        return -(-self.magnitude_bits // self.cell_bits)

    @property
    def sides(self) -> int:
        return 2 if self.differential else 1

    @property
    def max_column_sum(self) -> int:
        return self.rows * ((1 << self.dac_bits) - 1) * ((1 << self.cell_bits) - 1)

    @property
    def adc_full_scale(self) -> float:
        return float(self.max_column_sum if self.full_scale is None else self.full_scale)

    def adc_lsb(self) -> tuple[float, float] | None:
        """(LSB, largest code) of the ADC, or None for an ideal (absent) ADC."""
        if self.adc_bits is None:
            return None
        f, top = self.adc_full_scale, float((1 << self.adc_bits) - 1)
        if f / top >= 1.0:
            return f / top, top
        return 1.0, float(np.floor(f))

    def input_coefs(self) -> np.ndarray:
        """Digital weight of each input slice (powers of two; sign slice negative)."""
        if not self.input_signed:
            return np.array([2.0 ** (s * self.dac_bits) for s in range(self.input_slices)])
        mag = [2.0 ** (s * self.dac_bits) for s in range(self.input_slices - 1)]
        return np.array(mag + [-(2.0 ** (self.input_bits - 1))])

    def weight_coefs(self) -> np.ndarray:
        return np.array([2.0 ** (s * self.cell_bits) for s in range(self.weight_slices)])


@dataclass(frozen=True)
class CrossbarStats:
    """Read counts of one `crossbar_mvm` call (for energy/latency accounting)."""

    vectors: int
    row_blocks: int
    input_slices: int
    weight_slices: int
    physical_columns: int  # columns holding the matrix: N * weight_slices * sides
    column_tiles: int  # crossbars side by side: ceil(physical_columns / cols)
    reads: int  # vectors * row_blocks * input_slices * column_tiles
    adc_conversions: int  # vectors * row_blocks * input_slices * physical_columns
    zero_slices: np.ndarray  # (row_blocks, input_slices): vectors whose slice is all zero there
    skippable_reads: int  # reads a zero-slice-skipping chip skips: zero_slices.sum() * column_tiles
    exact: bool = False   # the result is known to be exactly x @ w (every column slice converted losslessly)

    @property
    def skip_fraction(self) -> float:
        return self.skippable_reads / self.reads if self.reads else 0.0


@njit()
def _slice_inputs(x, input_bits, dac_bits, signed, out):
    """out[s, v, k] = DAC level of slice s of x[v, k] (see `slice_inputs`)."""
    mask = (1 << dac_bits) - 1
    n_mag = out.shape[0] - 1 if signed else out.shape[0]
    width = (1 << input_bits) - 1
    mag_mask = (1 << (input_bits - 1)) - 1 if signed else width
    for v in range(x.shape[0]):
        for k in range(x.shape[1]):
            pattern = x[v, k] & width  # two's-complement bit pattern of the input
            mag = pattern & mag_mask
            for s in range(n_mag):
                out[s, v, k] = (mag >> (s * dac_bits)) & mask
            if signed:
                out[n_mag, v, k] = pattern >> (input_bits - 1)


def slice_inputs(x: np.ndarray, spec: CrossbarSpec, *, _buffer: str | None = None) -> np.ndarray:
    """(S_in, V, K) uint8 DAC levels of the input slices of 2-D int64 `x`, LSB slice first.

    Unsigned: slice s = bits [s*d, s*d+d) of x. Signed: slices of the low input_bits-1
    bits, then the sign bit alone as the last slice (digital weight -2^(input_bits-1)).
    """
    shape = (spec.input_slices,) + x.shape
    out = np.empty(shape, dtype=np.uint8) if _buffer is None else scratch(_buffer, shape, np.uint8)
    _slice_inputs(x, spec.input_bits, spec.dac_bits, spec.input_signed, out)
    return out


def slice_weights(w: np.ndarray, spec: CrossbarSpec) -> np.ndarray:
    """(sides, S_w, K, N) int64 cell levels (LSB slice first; side 1 = negative part)."""
    c, mask = spec.cell_bits, (1 << spec.cell_bits) - 1
    if spec.differential:
        stored = [np.maximum(w, 0), np.maximum(-w, 0)]
    elif spec.weight_signed:
        stored = [w + (1 << (spec.weight_bits - 1))]
    else:
        stored = [w]
    out = np.empty((len(stored), spec.weight_slices) + np.shape(w), dtype=np.int64)
    for side, u in enumerate(stored):   # filled in place: no per-slice temporaries to stack
        for s in range(spec.weight_slices):
            np.right_shift(u, s * c, out=out[side, s])
            out[side, s] &= mask
    return out


__all__ = ["ENCODINGS", "CrossbarSpec", "CrossbarStats", "slice_inputs", "slice_weights"]
