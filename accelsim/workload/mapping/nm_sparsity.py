"""N:M weight sparsity as SCALE-Sim v3 maps it (compute/operand_matrix.py, compression.py).

Along the reduction dimension K (filter rows), every block of M rows keeps its first N:
- layer-wise (a layer's N:M, `optimized_mapping` off): K' = (K // M) * N + min(N, K % M) rows;
  the ifmap's matching im2col columns go too, so the array folds over K' instead of K;
- row-wise (`optimized_mapping`, block size B): every 2B rows are packed into B (at most B/2
  nonzeros per B-block, drawn per filter), K' = ceil(K / 2B) * B, whatever the layer's N:M.

Storage (SPARSE_REPORT): ellpack_block stores K' x N words plus ceil(log2 M) bits of index per
word (M of the layer's N:M), in 32-bit metadata words; csr/csc store value and index per
nonzero plus the row/column pointers.
"""

from __future__ import annotations

import math

import numpy as np


def kept_rows(k: int, ratio: tuple[int, int] | None, sparsity) -> np.ndarray | None:
    """The filter rows (reduction indices) the array still runs, or None when dense."""
    if sparsity is None:
        return None
    if sparsity.optimized_mapping:
        b = sparsity.block_size
        rows = np.arange(k)
        return rows[(rows % (2 * b)) < b][: -(-k // (2 * b)) * b] if k >= 1 else rows
    if ratio is None or ratio[0] == ratio[1]:
        return None
    n, m = ratio
    rows = np.arange(k)
    return rows[(rows % m) < n]


def rowwise_rows(k: int, n_filters: int, sparsity) -> np.ndarray:
    """Row-wise (OptimizedMapping) filters: the (K', N) source rows of the packed filter, -1 where
    packed in as padding. Filter n keeps the first N_n rows of every block of B, N_n drawn from
    1..B/2 with the seed (one draw per filter, in order); each 2B rows pack into B: the two
    B-blocks' kept rows, each in B/2 slots. (SCALE-Sim also drops a kept filter element whose
    address is 0; with the usual nonzero FilterOffset there is none.)"""
    b, half = sparsity.block_size, sparsity.block_size // 2
    draws = np.random.RandomState(sparsity.seed).randint(1, half + 1, size=n_filters)
    slot = np.arange(effective_k(k, None, sparsity))  # packed row: group, which B-block, position
    group, rest = np.divmod(slot, b)
    block, pos = np.divmod(rest, half) if half else (rest, rest)
    source = group * 2 * b + block * b + pos
    keep = (pos[:, None] < draws[None, :]) & (source[:, None] < k)
    return np.where(keep, source[:, None], -1)


def effective_k(k: int, ratio, sparsity) -> int:
    if sparsity is not None and sparsity.optimized_mapping:
        return -(-k // (2 * sparsity.block_size)) * sparsity.block_size
    if sparsity is None or ratio is None:
        return k
    n, m = ratio
    return (k // m) * n + min(n, k % m)


def storage(k: int, n_filters: int, ratio, sparsity) -> dict:
    """SCALE-Sim's SPARSE_REPORT figures for one layer (words)."""
    m_ratio = ratio[1] if ratio else 1
    kk = effective_k(k, ratio, sparsity)
    original = k * n_filters
    if sparsity.representation == "ellpack_block":
        metadata = kk * n_filters * math.ceil(math.log2(m_ratio)) / 32 if m_ratio > 1 else 0.0
        return {"original": original, "new": kk * n_filters + metadata, "metadata": metadata}
    nnz = _nonzeros(k, n_filters, ratio, sparsity)
    pointers = (k if sparsity.representation == "csr" else n_filters) + 1
    return {"original": original, "new": 2 * nnz + pointers, "metadata": nnz + pointers}


def _nonzeros(k: int, n_filters: int, ratio, sparsity) -> int:
    if sparsity.optimized_mapping:
        b = sparsity.block_size
        draws = np.random.RandomState(sparsity.seed).randint(1, b // 2 + 1, size=n_filters)
        full, tail = divmod(k, b)
        return int(sum(full * d + min(d, tail) for d in draws))
    n, m = ratio or (1, 1)
    return ((k // m) * n + min(n, k % m)) * n_filters
