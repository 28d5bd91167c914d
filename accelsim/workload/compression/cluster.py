"""Weight sharing with a sorted one-step codebook (the project's own algorithm, in the spirit of
SAC's One-Step Compression, Zhao et al., ACM TACO 2023, whose internals are not public).

In one dimension the optimal k-clustering of weights is a partition of the *sorted* weights into
k contiguous runs, and a run's mean and squared error follow in O(1) from prefix sums. So:
1. sort the nonzero weights once and take prefix sums of x and x^2: O(n log n), n weights;
2. start from k equal-count (quantile) runs: O(k);
3. refine, at most `max_sweeps` sweeps (default k): each run's centroid is its mean (O(1) from
   the prefix sums), and each boundary between neighbouring runs moves to the midpoint of
   their two centroids, found by binary search in the sorted weights (O(log n)); stop when no
   boundary moves. Each sweep is Lloyd's k-means step restricted to neighbouring centroids and
   costs O(k log n) instead of O(n k), so the codebook costs O(k^2 log n) after the one sort.
   Empty runs are dropped, so at most k distinct nonzero values remain.
Centroids are stored as float32. Zeros (pruned weights) are not clustered: they get an extra
code whose table entry is 0. Codes are table indices (not linear): decoding is one table
lookup per weight, reading the ceil(log2(table size))-bit index and one 32-bit entry.

Storage: besides the forms every transform is measured in (docs/compression.md), a pruned and
clustered layer may be stored with *relative* indices (Han, Mao, Dally, "Deep Compression",
ICLR 2016): its nonzero codes in column-major order, each with the distance to the previous
nonzero in `gap_bits` bits; a distance beyond 2^gap_bits - 1 inserts a filler entry (the
zero code) at that distance. Bits = entries x (index bits + gap_bits); gap_bits is the width
that minimises them (Han et al. fix 8 bits for conv and 5 for fc layers). The form with the
fewest bits is the one counted.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.layout import _log2_ceil, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def sorted_codebook(values: np.ndarray, k: int, max_sweeps: int) -> tuple[np.ndarray, np.ndarray]:
    """(centroids ascending, run starts into sorted `values`) for 1-D `values`, at most k runs."""
    x = np.sort(values.astype(np.float64), kind="stable")
    n = x.size
    prefix = np.concatenate(([0.0], np.cumsum(x)))
    bounds = np.unique(np.round(np.linspace(0, n, min(k, n) + 1)).astype(np.int64))

    def means(b: np.ndarray) -> np.ndarray:
        return (prefix[b[1:]] - prefix[b[:-1]]) / np.diff(b)

    for _ in range(max_sweeps):
        centroids = means(bounds)
        inner = np.searchsorted(x, (centroids[:-1] + centroids[1:]) / 2, side="left")
        new = np.unique(np.concatenate(([0], inner, [n])))
        if np.array_equal(new, bounds):
            break
        bounds = new
    return means(bounds), bounds


def cluster(w, *, k: int = 16, max_sweeps: int | None = None, kernel: int = 1,
            geometry: Geometry | None = None) -> CompressionResult:
    """Share at most `k` distinct nonzero values per layer (one codebook for all groups)."""
    prev = start(w, kernel=kernel, geometry=geometry)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= 65536:
        raise WorkloadError(f"must be an integer in [2, 65536], got {k!r}", "compression", "k")
    sweeps = int(k) if max_sweeps is None else int(max_sweeps)
    if sweeps < 0:
        raise WorkloadError(f"must be >= 0, got {max_sweeps!r}", "compression", "max_sweeps")
    weights = prev.weights
    nonzero = weights != 0
    values = weights[nonzero]
    if values.size:
        centroids, _ = sorted_codebook(values, int(k), sweeps)
        centroids = centroids.astype(np.float32).astype(np.float64)
        # each weight joins its nearest centroid; a weight on a midpoint joins the upper one
        mids = (centroids[:-1] + centroids[1:]) / 2
        index = np.searchsorted(mids, values, side="right")
    else:
        centroids, index = np.zeros(0), np.zeros(0, dtype=np.int64)
    table = centroids if nonzero.all() else np.concatenate((centroids, [0.0]))
    codes = np.full(weights.shape, len(table) - 1, dtype=np.int64)
    codes[nonzero] = index
    index_bits = max(1, _log2_ceil(len(table)))
    out = advance(prev, "cluster", table[codes], codes=codes, scale=None, extras={"codebook": table},
                  code_bits=index_bits, meta_bits=32 * len(table), decode=(1.0, float(index_bits + 32)))
    return _with_relative_indices(out, nonzero, index_bits)


def relative_index_bits(nonzero: np.ndarray, code_bits: int) -> tuple[int, int]:
    """(bits, gap_bits) of the relative-index form of a (groups, Kred, Nout) nonzero mask."""
    order = np.flatnonzero(nonzero.transpose(0, 2, 1).ravel())
    if order.size == 0:
        return 0, 1
    gaps = np.diff(order, prepend=-1)
    best = None
    for gap_bits in range(1, 33):
        reach = (1 << gap_bits) - 1
        entries = int(order.size + np.sum((gaps - 1) // reach))
        bits = entries * (code_bits + gap_bits)
        if best is None or bits < best[0]:
            best = (bits, gap_bits)
        if reach >= gaps.max():
            break
    return best


def _with_relative_indices(result: CompressionResult, nonzero: np.ndarray, index_bits: int) -> CompressionResult:
    bits, gap_bits = relative_index_bits(nonzero, index_bits)
    stored = bits + result.meta_bits
    if nonzero.all() or stored >= result.hw.stored_bits:
        return result
    hw = dataclasses.replace(result.hw, stored_bits=int(stored))
    return dataclasses.replace(result, hw=hw, storage="relative", ratio=32 * nonzero.size / stored,
                               extras={**result.extras, "gap_bits": np.array(gap_bits)})
