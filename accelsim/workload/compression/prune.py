"""Pruning: unstructured magnitude, structured (filters / channels), crossbar-aware (PIM-Prune style).

Every pruner zeroes the `floor(fraction * units)` units of smallest magnitude over the whole
layer (all groups); ties go to the unit that comes first in C order (a stable sort), so the
result is deterministic. Zeros already present count: a unit that is all zero has norm 0 and
is among the first pruned. If the weights carry linear integer codes, the codes are zeroed too.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.layout import _ceil, _pad, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def _fraction(value: float, name: str) -> float:
    if not 0 <= value < 1:
        raise WorkloadError(f"must be in [0, 1), got {value!r}", "compression", name)
    return float(value)


def _smallest(norms: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask (shape of `norms`) of the floor(fraction * size) smallest entries."""
    count = int(np.floor(fraction * norms.size))
    mask = np.zeros(norms.size, dtype=bool)
    mask[np.argsort(norms.ravel(), kind="stable")[:count]] = True
    return mask.reshape(norms.shape)


def _norms(blocks: np.ndarray, axes: tuple[int, ...], norm: str) -> np.ndarray:
    if norm == "l1":
        return np.abs(blocks).sum(axis=axes)
    if norm == "l2":
        return np.sqrt((blocks * blocks).sum(axis=axes))
    raise WorkloadError(f"unknown norm {norm!r}; use l1 or l2", "compression", "norm")


def _zero(prev: CompressionResult, step: str, drop: np.ndarray) -> CompressionResult:
    """Zero the weights where `drop` is set; keeps linear codes in step, refuses table codes."""
    if prev.codes is not None and prev.scale is None:
        raise WorkloadError(f"{step} must come before {prev.scheme.split('+')[-1]}: its codes index a table",
                            "compression", "scheme")
    weights = np.where(drop, 0.0, prev.weights)
    codes = None if prev.codes is None else np.where(drop, 0, prev.codes)
    return advance(prev, step, weights, codes=codes)


def prune(w, *, sparsity: float, kernel: int = 1, geometry: Geometry | None = None) -> CompressionResult:
    """Unstructured magnitude pruning: zero the floor(sparsity * weights) smallest |w|.
    Density afterwards is exactly 1 - max(that count, zeros already there) / weights."""
    prev = start(w, kernel=kernel, geometry=geometry)
    drop = _smallest(np.abs(prev.weights), _fraction(sparsity, "sparsity"))
    return _zero(prev, "prune", drop)


def structured_prune(w, *, ratio: float, target: str = "filters", norm: str = "l1", kernel: int = 1,
                     geometry: Geometry | None = None) -> CompressionResult:
    """Remove whole filters (GEMM columns) or input channels (R*S consecutive rows of a group)
    with the smallest L1/L2 norm: floor(ratio * count) of them over all groups."""
    prev = start(w, kernel=kernel, geometry=geometry)
    ratio = _fraction(ratio, "ratio")
    g, k, n = prev.weights.shape
    if target == "filters":
        drop = _smallest(_norms(prev.weights, (1,), norm), ratio)[:, None, :]          # (g, 1, n)
    elif target == "channels":
        blocks = prev.weights.reshape(g, k // prev.kernel, prev.kernel, n)
        drop = _smallest(_norms(blocks, (2, 3), norm), ratio)                         # (g, channels)
        drop = np.repeat(drop, prev.kernel, axis=1)[:, :, None]
    else:
        raise WorkloadError(f"unknown target {target!r}; use filters or channels", "compression", "target")
    return _zero(prev, "structured_prune", np.broadcast_to(drop, prev.weights.shape))


def xbar_prune(w, *, ratio: float, target: str = "rows", norm: str = "l2", kernel: int = 1,
               geometry: Geometry | None = None) -> CompressionResult:
    """Crossbar-aware pruning (after PIM-Prune, Chu et al., DAC 2020): cut the per-group matrix
    into crossbar blocks (rows x cols // cells weights, cells = ceil(weight_bits / cell_bits))
    and zero floor(ratio * segments) whole segments of smallest norm, where a segment is
    target=rows: one reduction row of one column block (a crossbar row in every crossbar of
    that column block), target=cols: one filter within one row block (its cell columns in that
    crossbar). Emptied rows / columns are squeezed out by `crossbars_compressed`."""
    prev = start(w, kernel=kernel, geometry=geometry)
    geo = prev.geometry
    if geo is None:
        raise WorkloadError("xbar_prune needs a crossbar geometry (--geometry rows,cols,cell_bits, or "
                            "rows/cols/cell_bits in the transform)", "compression", "rows")
    ratio = _fraction(ratio, "ratio")
    g, k, n = prev.weights.shape
    per = geo.cols // _ceil(prev.hw.weight_bits, geo.cell_bits)
    if per == 0:
        raise WorkloadError(f"a {prev.hw.weight_bits}-bit weight does not fit in {geo.cols} cell columns",
                            "compression", "cols")
    if target == "rows":
        cb = _ceil(n, per)
        blocks = _pad(prev.weights, 2, cb * per).reshape(g, k, cb, per)
        drop = _smallest(_norms(blocks, (3,), norm), ratio)                           # (g, k, cb)
        drop = np.repeat(drop, per, axis=2)[:, :, :n]
    elif target == "cols":
        rb = _ceil(k, geo.rows)
        blocks = _pad(prev.weights, 1, rb * geo.rows).reshape(g, rb, geo.rows, n)
        drop = _smallest(_norms(blocks, (2,), norm), ratio)                           # (g, rb, n)
        drop = np.repeat(drop, geo.rows, axis=1)[:, :k, :]
    else:
        raise WorkloadError(f"unknown target {target!r}; use rows or cols", "compression", "target")
    return _zero(prev, "xbar_prune", drop)
