"""A canonical Huffman coder for small integer alphabets (bucket IDs), with exact bit counts.

`code_lengths` builds optimal prefix-code lengths from symbol counts (the classic two-smallest
merge on a heap; ties broken by symbol order, so the result is deterministic); `canonical`
assigns canonical codes (shorter codes first, then by symbol), so a decoder needs only the
lengths. The stored table is one `LENGTH_BITS`-bit length per symbol of the alphabet
[0, alphabet), absent symbols having length 0. `encode` / `decode` are the real bit streams
(numpy, MSB first); `coded_bits` is their exact length without building them.
"""

from __future__ import annotations

import heapq

import numpy as np

LENGTH_BITS = 5          # code lengths up to 31 bits


def code_lengths(counts: np.ndarray) -> np.ndarray:
    """Huffman code length of each symbol (0 where its count is 0; 1 if only one symbol occurs)."""
    counts = np.asarray(counts, dtype=np.int64)
    present = np.flatnonzero(counts)
    lengths = np.zeros(counts.size, dtype=np.int64)
    if present.size == 1:
        lengths[present] = 1
        return lengths
    heap = [(int(counts[s]), int(s), [int(s)]) for s in present]
    heapq.heapify(heap)
    while len(heap) > 1:
        c1, k1, m1 = heapq.heappop(heap)
        c2, k2, m2 = heapq.heappop(heap)
        for s in m1 + m2:
            lengths[s] += 1
        heapq.heappush(heap, (c1 + c2, min(k1, k2), m1 + m2))
    if lengths.max(initial=0) >= 1 << LENGTH_BITS:
        raise ValueError("a Huffman code is longer than the table can record")
    return lengths


def canonical(lengths: np.ndarray) -> np.ndarray:
    """Canonical code of each symbol (an integer read MSB first over its length)."""
    codes = np.zeros(len(lengths), dtype=np.int64)
    code, prev = 0, 0
    for s in sorted(np.flatnonzero(lengths), key=lambda s: (lengths[s], s)):
        code <<= int(lengths[s]) - prev
        codes[s] = code
        prev = int(lengths[s])
        code += 1
    return codes


def coded_bits(symbols: np.ndarray, lengths: np.ndarray) -> int:
    return int(np.sum(lengths[np.asarray(symbols, dtype=np.int64)]))


def table_bits(alphabet: int) -> int:
    return LENGTH_BITS * int(alphabet)


def encode(symbols: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, int]:
    """(bit array of uint8 0/1, number of bits)."""
    symbols = np.asarray(symbols, dtype=np.int64).ravel()
    codes = canonical(lengths)
    lens = lengths[symbols]
    top = int(lens.max(initial=0))
    # bit j (MSB first) of each symbol's code, kept where j < its length
    shifts = lens[:, None] - 1 - np.arange(top)[None, :]
    bits = (codes[symbols][:, None] >> np.maximum(shifts, 0)) & 1
    out = bits[shifts >= 0].astype(np.uint8)
    return out, int(out.size)


def decode(bits: np.ndarray, lengths: np.ndarray, n: int) -> np.ndarray:
    """The first `n` symbols of a bit stream made by `encode` with the same lengths."""
    codes = canonical(lengths)
    table = {(int(lengths[s]), int(codes[s])): int(s) for s in np.flatnonzero(lengths)}
    out = np.empty(n, dtype=np.int64)
    code = length = i = 0
    for b in bits:
        code, length = (code << 1) | int(b), length + 1
        s = table.get((length, code))
        if s is not None:
            out[i] = s
            i += 1
            code = length = 0
            if i == n:
                break
    if i != n:
        raise ValueError(f"the stream holds {i} symbols, not {n}")
    return out
