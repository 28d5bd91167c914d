"""Linear integer codes: uniform symmetric quantisation and power-of-two-term quantisation.

Both produce signed integer codes with `weights == codes * scale` exactly, so the codes'
bit-planes are what a crossbar stores (and what `bitflip` edits). Scales are counted as 32 bits.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.bits import nearest_few_ones
from accelsim.workload.compression.layout import advance, start
from accelsim.workload.compression.result import CompressionResult, Geometry


def _int(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise WorkloadError(f"must be an integer in [{low}, {high}], got {value!r}", "compression", name)
    return int(value)


def quantize(w, *, bits: int = 8, per_channel: bool = False, kernel: int = 1,
             geometry: Geometry | None = None) -> CompressionResult:
    """Symmetric uniform quantisation to `bits`-bit codes in [-(2^(bits-1) - 1), 2^(bits-1) - 1].

    scale = max|w| / (2^(bits-1) - 1) per layer, or per filter (per output channel of each group)
    with `per_channel`; codes = round-half-even(w / scale). Every |w - w_hat| <= scale / 2, and
    zeros stay zero. A scale of all-zero weights is 1 (its codes are 0)."""
    prev = start(w, kernel=kernel, geometry=geometry)
    bits = _int(bits, "bits", 2, 16)
    qmax = (1 << (bits - 1)) - 1
    axes = (1,) if per_channel else (0, 1, 2)
    peak = np.max(np.abs(prev.weights), axis=axes, keepdims=True)
    scale = np.where(peak > 0, peak / qmax, 1.0)
    if not per_channel:
        scale = scale.reshape(1, 1, 1)
    codes = np.clip(np.rint(prev.weights / scale), -qmax, qmax).astype(np.int64)
    return advance(prev, "quantize", codes * scale, codes=codes, scale=scale, extras={}, code_bits=bits,
                   meta_bits=32 * scale.size, decode=(0.0, 0.0))


def pow2(w, *, terms: int = 2, exponents: int = 7, max_exp: int | None = None, kernel: int = 1,
         geometry: Geometry | None = None) -> CompressionResult:
    """Power-of-two-term (exponent) quantisation: w_hat = sign * sum of at most `terms` distinct
    powers 2^e with e in [max_exp - exponents + 1, max_exp].

    max_exp defaults to floor(log2(max|w|)). The code is sign * m, m an `exponents`-bit integer
    with at most `terms` ones, scale = 2^(max_exp - exponents + 1), so every weight is a sum of
    powers of two and the code has exponents + 1 bits. m is the nearest such integer to
    |w| / scale (ties: the smaller), after clipping to the largest representable magnitude."""
    prev = start(w, kernel=kernel, geometry=geometry)
    terms = _int(terms, "terms", 1, 24)
    exponents = _int(exponents, "exponents", 1, 24)
    peak = float(np.max(np.abs(prev.weights)))
    if max_exp is None:
        max_exp = int(np.frexp(peak)[1]) - 1 if peak > 0 else 0
    max_exp = _int(max_exp, "max_exp", -1000, 1000)
    scale = np.full((1, 1, 1), np.ldexp(1.0, max_exp - exponents + 1))
    magnitude = nearest_few_ones(np.abs(prev.weights) / scale, terms, exponents)
    codes = np.where(prev.weights < 0, -magnitude, magnitude)
    return advance(prev, "pow2", codes * scale, codes=codes, scale=scale, extras={}, code_bits=exponents + 1,
                   meta_bits=32, decode=(0.0, 0.0))
