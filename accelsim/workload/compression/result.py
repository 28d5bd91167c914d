"""What a compression transform returns: the compressed weights, their codes, and exact statistics.

Weights are always a layer's GEMM matrix per group, shape `(groups, Kred, Nout)`, float64.
`Kred` is ordered channel-major, `(c * R + r) * S + s`, so one input channel owns `R*S`
consecutive rows (what `kernel` counts).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from accelsim.errors import WorkloadError, shown


@dataclass(frozen=True)
class Geometry:
    """One crossbar: `rows` wordlines, `cols` bitlines, `cell_bits` bits per cell."""

    rows: int
    cols: int
    cell_bits: int = 1

    def __post_init__(self):
        for name in ("rows", "cols", "cell_bits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise WorkloadError(f"must be a positive integer, got {value!r}", "geometry", name)
        if self.cell_bits > 8:
            raise WorkloadError(f"at most 8 bits per cell, got {self.cell_bits}", "geometry", "cell_bits")

    @classmethod
    def parse(cls, text: str) -> "Geometry":
        """`rows,cols,cell_bits` (cell_bits defaults to 1), e.g. `128,128,1`."""
        parts = [p.strip() for p in str(text).split(",")]
        # ASCII digits only: int() would also take other scripts' digits, signs and underscores
        values = [int(p) for p in parts] if all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts) else []
        if len(values) not in (2, 3):
            raise WorkloadError(f"expected rows,cols[,cell_bits] as integers, got {shown(text)}", "--geometry")
        return cls(*values)


@dataclass(frozen=True)
class HardwareStats:
    """What the hardware sees of a compressed layer; defaults describe a dense, uncompressed layer.

    All fractions are exact ratios of counts, defined in docs/compression.md ("HardwareStats").
    Crossbar figures use the layout of `accelsim.workload.mapping.crossbar`: a weight code of
    `weight_bits` bits occupies ceil(weight_bits / cell_bits) adjacent cell columns.
    """

    weight_bits: int = 32                 # bits of one stored weight code (sign included)
    density: float = 1.0                  # nonzero weights / weights
    kept_filters: float = 1.0             # filters (GEMM columns, all groups) with a nonzero / filters
    kept_channels: float = 1.0            # input channels (R*S rows each) with a nonzero / channels
    freed_row_fraction: float = 0.0       # all-zero crossbar row segments / row segments
    freed_col_fraction: float = 0.0       # all-zero weight-column segments / column segments
    freed_bit_columns: float = 0.0        # all-zero cell-column segments / cell-column segments
    crossbars_dense: int = 0              # crossbars for the layer at weight_bits, no compaction
    crossbars_compressed: int = 0         # crossbars after squeezing out empty rows / cell columns
    stored_bits: int = 0                  # payload + metadata bits (0: not measured)
    decode_ops_per_weight: float = 0.0    # decoder operations per weight on the memory path
    decode_bits_per_weight: float = 0.0   # bits the decoder reads per weight (code + table entry)
    terms_per_weight: float = 0.0         # mean popcount of |integer code| (0 without integer codes)
    # the compacted mapping (crossbars_compressed's packing) against the dense one, per input slice:
    converted_column_fraction: float | None = None  # cell columns converted (ADC, sample-and-hold); None: not measured
    driven_row_fraction: float | None = None        # crossbar rows driven (DACs, input register); None: not measured
    max_column_sum: int | None = None     # largest sum of cell levels down one column of one crossbar (integer codes)
    # the same packing on a chip whose ADC resolution follows the column sums: no crossbar takes
    # a row that lifts a column above the in-place layout's largest sum (integer codes only)
    capped_crossbars: int | None = None
    capped_converted_column_fraction: float | None = None
    capped_driven_row_fraction: float | None = None
    capped_max_column_sum: int | None = None

    def packing(self, capped: bool = False) -> tuple:
        """(crossbars, converted column fraction, driven row fraction, max column sum) of the
        compacted layout a chip maps: `capped` for `adc_resolution: column_sums` chips, when measured."""
        if capped and self.capped_crossbars is not None:
            return (self.capped_crossbars, self.capped_converted_column_fraction, self.capped_driven_row_fraction,
                    self.capped_max_column_sum)
        return (self.crossbars_compressed, self.converted_column_fraction, self.driven_row_fraction,
                self.max_column_sum)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True, eq=False)
class CompressionResult:
    """One transform's (or a chain's) output. `error` is measured against `reference`, the
    chain's input; `ratio` = 32 * weights / `hw.stored_bits`."""

    weights: np.ndarray                    # (groups, Kred, Nout) float64, what the hardware computes with
    codes: np.ndarray | None               # integer codes (int64), same shape, or None
    ratio: float
    error: Mapping[str, float]
    hw: HardwareStats
    scheme: str = ""                       # the transforms applied, e.g. "prune+quantize"
    scale: np.ndarray | None = None        # set iff codes are linear: weights == codes * scale
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)  # codebook, signs, ...
    storage: str = "dense"                 # the storage form stored_bits counts (see docs)
    meta_bits: int = 0                     # scales, codebooks: part of hw.stored_bits
    geometry: Geometry | None = None
    kernel: int = 1                        # R*S: rows per input channel
    reference: np.ndarray | None = field(default=None, repr=False)

    @property
    def linear(self) -> bool:
        """Integer codes whose bit-planes the hardware can compute with directly."""
        return self.codes is not None and self.scale is not None


def error_stats(reference: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    """max_abs, rmse and rel_l2 = ||w - ref|| / ||ref|| (0 when both are zero)."""
    diff = weights - reference
    if diff.size == 0:
        return {"max_abs": 0.0, "rmse": 0.0, "rel_l2": 0.0}
    norm_ref = float(np.sqrt(np.sum(reference * reference)))
    norm_diff = float(np.sqrt(np.sum(diff * diff)))
    rel = norm_diff / norm_ref if norm_ref > 0 else (0.0 if norm_diff == 0 else float("inf"))
    return {"max_abs": float(np.max(np.abs(diff))), "rmse": float(np.sqrt(np.mean(diff * diff))), "rel_l2": rel}


def as_matrix(weights, source: str = "weights") -> np.ndarray:
    """A float64 copy shaped (groups, Kred, Nout); a 2-D array is one group."""
    array = np.array(weights, dtype=np.float64, copy=True)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or 0 in array.shape:
        raise WorkloadError(f"expected a (groups, Kred, Nout) array, got shape {array.shape}", source)
    if not np.all(np.isfinite(array)):
        raise WorkloadError("weights must be finite (no NaN or inf)", source)
    return array
