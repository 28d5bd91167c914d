"""SAC-style compression: pruning + sorted one-step clustering, stored with relative indices."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.workload.compression.cluster import relative_index_bits
from accelsim.workload.compression.pipeline import compress


def test_relative_index_bits_by_hand():
    mask = np.zeros((1, 4, 2), dtype=bool)
    mask[0, 0, 0] = mask[0, 3, 0] = mask[0, 2, 1] = True
    # column-major positions 0, 3, 6: distances 1, 3, 3. 1-bit gaps reach 1: 2 fillers after each
    # 3 -> 7 entries x (2 + 1) = 21 bits; 2-bit gaps reach 3: 3 entries x (2 + 2) = 12 bits.
    assert relative_index_bits(mask, 2) == (12, 2)
    mask[0, 3, 0] = False     # positions 0, 6: distances 1, 6; 1-bit: 5 fillers, 7 x 3 = 21;
    assert relative_index_bits(mask, 2) == (10, 3)  # 2-bit: 1 filler, 3 x 4 = 12; 3-bit: 2 x 5 = 10


def test_pruned_clustered_layer_counts_indices_and_codebook():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.05, (1, 2048, 256))
    r = compress(w, [{"scheme": "prune", "sparsity": 0.91}, {"scheme": "cluster", "k": 31}])
    nonzero = r.weights != 0
    table = r.extras["codebook"]
    assert len(table) <= 32 and r.hw.weight_bits == 5       # <= 31 centroids + zero: 5-bit codes
    bits, gap = relative_index_bits(nonzero, 5)
    assert r.storage == "relative"
    assert r.hw.stored_bits == bits + 32 * len(table)       # + the float32 codebook
    assert r.ratio == pytest.approx(32 * w.size / r.hw.stored_bits)
    assert 25 < r.ratio < 40
    np.testing.assert_array_equal(table[r.codes], r.weights)
    assert len(np.unique(r.weights[nonzero])) <= 31
