"""Smart-DNN+-style encoder: Huffman-coded bucket ids, remapping, sizes by hand."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from accelsim.workload.compression import huffman
from accelsim.workload.compression.bucket import binary_bucket


def test_huffman_lengths_and_size_by_hand():
    # counts a 5, b 2, c 1, d 1: merge c+d (2), b+cd (4), a+bcd (9) -> lengths 1, 2, 3, 3
    lengths = huffman.code_lengths(np.array([5, 2, 1, 1]))
    assert lengths.tolist() == [1, 2, 3, 3]
    symbols = np.array([0] * 5 + [1] * 2 + [2, 3])
    assert huffman.coded_bits(symbols, lengths) == 5 + 4 + 3 + 3 == 15
    bits, n = huffman.encode(symbols, lengths)
    assert n == 15 and huffman.decode(bits, lengths, symbols.size).tolist() == symbols.tolist()
    assert huffman.code_lengths(np.array([0, 7, 0])).tolist() == [0, 1, 0]   # one symbol: 1 bit


@pytest.mark.parametrize("seed", range(5))
def test_huffman_is_optimal_prefix_code_and_round_trips(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 50, size=rng.integers(2, 30))
    counts[rng.integers(len(counts))] += 1
    lengths = huffman.code_lengths(counts)
    present = counts > 0
    # oracle: an optimal code's total length is the sum of the merged weights (heap of counts only)
    heap = [int(c) for c in counts[present]]
    heapq.heapify(heap)
    total = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        total += merged
        heapq.heappush(heap, merged)
    assert int(np.sum(counts * lengths)) == (total if present.sum() > 1 else int(counts.sum()))
    if present.sum() > 1:   # a complete prefix code: Kraft sum exactly 1
        assert np.sum(2.0 ** -lengths[present]) == pytest.approx(1.0)
    symbols = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    bits, n = huffman.encode(symbols, lengths)
    assert n == int(np.sum(counts * lengths))
    np.testing.assert_array_equal(huffman.decode(bits, lengths, symbols.size), symbols)


def test_huffman_bucket_size_equals_a_hand_count():
    w = np.array([[[0.5, -0.5, 0.0], [0.7, 0.5, -0.5]]])   # alpha = mean|w| over nonzeros = 0.54
    r = binary_bucket(w, eps=0.1, coding="huffman")
    # step = 0.2 (float32 <= 2 eps); residuals: 0.5-0.54 -> bucket 0, 0.7-0.54 = 0.16 -> 1 (round .8)
    assert r.extras["step"] == pytest.approx(0.2, rel=1e-6)
    # symbols: zero 0; positive bucket 0 -> 1, bucket 1 -> 2; negative bucket 0 -> 3 (n = 2 ids)
    np.testing.assert_array_equal(r.extras["symbols"].ravel(), [1, 3, 0, 2, 1, 3])
    # counts 1, 2, 1, 2 (symbol 4 absent): merge 0+2 (2), then {0,2}+1 (4; ties by lowest symbol),
    # then +3 (6) -> lengths 3, 2, 3, 1; stream 1*3 + 2*2 + 1*3 + 2*1 = 12 = 2 + 4 + 6
    assert r.extras["huffman_lengths"].tolist() == [3, 2, 3, 1, 0]
    assert r.hw.stored_bits == 12 + 5 * 5 + 96          # stream + 5-bit lengths + alpha, step, offset
    assert r.storage == "huffman" and r.ratio == pytest.approx(32 * 6 / r.hw.stored_bits)
    assert np.max(np.abs(r.weights - w)) <= 0.1 + 1e-12
    assert r.weights[0, 0, 2] == 0.0


def test_remapping_centres_the_layer_before_the_sign():
    rng = np.random.default_rng(0)
    w = rng.normal(0.3, 0.05, (1, 64, 64))                # all positive: a plain sign carries nothing
    plain = binary_bucket(w, rel_eps=0.25)
    remapped = binary_bucket(w, rel_eps=0.25, remap=True)
    assert remapped.extras["mu"] == pytest.approx(float(np.float32(w.mean())))
    assert (remapped.extras["sign"] == 1).mean() == pytest.approx(0.5, abs=0.05)
    assert remapped.error["max_abs"] <= 0.25 * float(remapped.extras["alpha"]) + 1e-12
    assert remapped.error["rel_l2"] < plain.error["rel_l2"]
    assert remapped.meta_bits == plain.meta_bits + 32
