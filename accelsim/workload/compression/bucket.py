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
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.layout import _log2_ceil, advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def _float32_at_most(value: float) -> float:
    single = np.float32(value)
    if float(single) > value:
        single = np.nextafter(single, np.float32(0))
    return float(single)


def binary_bucket(w, *, eps: float | None = None, rel_eps: float | None = None, kernel: int = 1,
                  geometry: Geometry | None = None) -> CompressionResult:
    """Error bound `eps` (absolute), or `rel_eps` times alpha."""
    prev = start(w, kernel=kernel, geometry=geometry)
    if (eps is None) == (rel_eps is None):
        raise WorkloadError("give exactly one of eps and rel_eps", "compression", "eps")
    weights = prev.weights
    nonzero = weights != 0
    alpha = float(np.float32(np.abs(weights[nonzero]).mean())) if nonzero.any() else 0.0
    bound = float(eps) if eps is not None else float(rel_eps) * alpha
    if not bound > 0:
        raise WorkloadError(f"the error bound must be > 0, got {bound!r}", "compression",
                            "eps" if eps is not None else "rel_eps")
    step = _float32_at_most(2.0 * bound)
    if not step > 0:
        raise WorkloadError(f"eps {bound!r} is below float32 resolution", "compression", "eps")
    sign = np.sign(weights).astype(np.int64)
    buckets = np.rint((weights - alpha * sign) / step).astype(np.int64)
    decoded = alpha * sign + step * buckets
    low = int(buckets.min())
    code_bits = (2 if not nonzero.all() else 1) + _log2_ceil(int(buckets.max()) - low + 1)
    extras = {"sign": sign.astype(np.int8), "alpha": np.array(alpha), "step": np.array(step)}
    return advance(prev, "binary_bucket", decoded, codes=buckets, scale=None, extras=extras, code_bits=code_bits,
                   meta_bits=96, decode=(2.0, float(code_bits)))
