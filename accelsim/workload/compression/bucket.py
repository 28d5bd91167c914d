"""Binary quantisation with bucket-encoded residuals (after Smart-DNN+, Wu et al., ACM TACO 2023).

The form follows the reference sheet's reading of the paper (its exact equations are not
confirmed): alpha = mean |w| over the nonzero weights, b = sign(w), residual r = w - alpha*b,
bucket = round-half-even(r / step) with step = 2*eps, and w_hat = alpha*b + step*bucket, so
|w - w_hat| <= step/2 <= eps. Exact zeros (e.g. pruned) keep b = 0 and bucket 0, so they stay zero.

alpha and step are float32 values (step is the largest float32 <= 2*eps, so the bound holds);
each weight stores its sign (1 bit, or 2 for {-1, 0, +1} when zeros are present) and its bucket
id offset by the smallest id, in ceil(log2(max id - min id + 1)) bits. Side information:
alpha, step and the id offset, 96 bits. Decoding one weight is 2 operations (a sign select of
alpha and one multiply-add) and reads only its code (alpha, step sit in registers).

`remap: true` is the layer-wise remapping step (form assumed, Smart-DNN+'s is not published):
the layer's mean mu over its nonzero weights (float32) is taken out before the sign is taken,
so the binary split is balanced for a layer whose weights are not zero-centred, and
w_hat = mu + alpha*b + step*bucket (32 more side bits).

`coding: huffman` entropy-codes each weight's (sign, bucket) pair as one symbol with a
canonical Huffman code (`huffman.py`): symbol 0 is an exact zero, 1..n a positive sign with
bucket id low..high, n+1..2n a negative one. Stored bits = the coded stream (sum over symbols
of count x code length) + the code-length table (5 bits per symbol of the alphabet) + the side
information; storage form `huffman`. Decoding one weight is 3 operations (a table-driven
symbol decode, the sign select, the multiply-add) and reads its code, on average
stream bits / weights.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression import huffman
from accelsim.workload.compression.layout import _log2_ceil, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def _float32_at_most(value: float) -> float:
    single = np.float32(value)
    if float(single) > value:
        single = np.nextafter(single, np.float32(0))
    return float(single)


def binary_bucket(w, *, eps: float | None = None, rel_eps: float | None = None, remap: bool = False,
                  coding: str = "fixed", kernel: int = 1, geometry: Geometry | None = None) -> CompressionResult:
    """Error bound `eps` (absolute), or `rel_eps` times alpha; optional remapping and Huffman coding."""
    prev = start(w, kernel=kernel, geometry=geometry)
    if (eps is None) == (rel_eps is None):
        raise WorkloadError("give exactly one of eps and rel_eps", "compression", "eps")
    if coding not in ("fixed", "huffman"):
        raise WorkloadError(f"unknown coding {coding!r}; use fixed or huffman", "compression", "coding")
    nonzero = prev.weights != 0
    mu = float(np.float32(prev.weights[nonzero].mean())) if remap and nonzero.any() else 0.0
    weights = np.where(nonzero, prev.weights - mu, 0.0)
    alpha = float(np.float32(np.abs(weights[nonzero]).mean())) if nonzero.any() else 0.0
    bound = float(eps) if eps is not None else float(rel_eps) * alpha
    if not bound > 0:
        raise WorkloadError(f"the error bound must be > 0, got {bound!r}", "compression",
                            "eps" if eps is not None else "rel_eps")
    step = _float32_at_most(2.0 * bound)
    if not step > 0:
        raise WorkloadError(f"eps {bound!r} is below float32 resolution", "compression", "eps")
    sign = np.where(nonzero, np.where(weights < 0, -1, 1), 0).astype(np.int64)
    buckets = np.where(nonzero, np.rint((weights - alpha * sign) / step), 0).astype(np.int64)
    decoded = np.where(nonzero, mu + alpha * sign + step * buckets, 0.0)
    low = int(buckets.min())
    code_bits = (2 if not nonzero.all() else 1) + _log2_ceil(int(buckets.max()) - low + 1)
    extras = {"sign": sign.astype(np.int8), "alpha": np.array(alpha), "step": np.array(step), "mu": np.array(mu)}
    meta = 96 + (32 if remap else 0)
    if coding == "fixed":
        return advance(prev, "binary_bucket", decoded, codes=buckets, scale=None, extras=extras, code_bits=code_bits,
                       meta_bits=meta, decode=(2.0, float(code_bits)))
    n = int(buckets.max()) - low + 1
    symbols = np.where(sign == 0, 0, np.where(sign > 0, 1, 1 + n) + buckets - low)
    lengths = huffman.code_lengths(np.bincount(symbols.ravel(), minlength=2 * n + 1))
    stream = huffman.coded_bits(symbols, lengths)
    out = advance(prev, "binary_bucket", decoded, codes=buckets, scale=None,
                  extras={**extras, "symbols": symbols, "huffman_lengths": lengths}, code_bits=code_bits,
                  meta_bits=meta + huffman.table_bits(len(lengths)), decode=(3.0, stream / symbols.size))
    stored = stream + out.meta_bits
    hw = dataclasses.replace(out.hw, stored_bits=int(stored))
    return dataclasses.replace(out, hw=hw, storage="huffman", ratio=32 * symbols.size / stored)
