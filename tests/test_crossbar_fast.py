"""The crossbar kernel's fast integer path (exact column slices as one matmul, zero slices and
empty columns skipped) against the per-slice references: tests/naive.py (the definition, one
ADC call per slice pair) and the kernel's own per-slice path `_run`, bit for bit, including
saturating ADCs and columns that mix exact and clipping slices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim.kernels as K
from accelsim.kernels import crossbar as xbar_mod

try:
    from tests import naive
except ImportError:  # pragma: no cover
    import naive


def ints(rng, bits, signed, shape, symmetric=False):
    lo, hi = (-(2 ** (bits - 1)) + int(symmetric and signed), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    return rng.integers(lo, hi + 1, size=shape)


def per_slice(x, w, **kw):
    """The kernel's per-slice path: every (input slice, weight slice) pair converted."""
    spec = K.CrossbarSpec(**kw)
    return xbar_mod._run(np.atleast_2d(x), K.slice_weights(w, spec), spec, exact_ints=True)


def check(x, w, **kw):
    y, stats = K.crossbar_mvm(x, w, return_stats=True, **kw)
    y0, s0 = naive.crossbar_mvm(x, w, **kw)
    y1, s1 = per_slice(x, w, **kw)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(y, y1)
    np.testing.assert_array_equal(stats.zero_slices, s0["zero_slices"])
    assert stats.reads == s1.reads and stats.skippable_reads == s1.skippable_reads
    if stats.exact:
        np.testing.assert_array_equal(y, x @ w)
    return y, stats


@st.composite
def sparse_cases(draw):
    """Bit-sparse weights (empty columns), sparse inputs (zero slices) and ADC ranges near the
    column sums, so one layer has exact, clipping and empty column slices at once."""
    ib, wb = draw(st.integers(1, 16)), draw(st.integers(2, 12))
    signed_in = draw(st.booleans())
    enc = draw(st.sampled_from(["offset", "differential"]))
    rows = draw(st.integers(1, 48))
    cell = draw(st.integers(1, 3))
    dac = draw(st.integers(1, 3))
    kw = dict(input_bits=ib, weight_bits=wb, dac_bits=dac, cell_bits=cell, rows=rows, cols=draw(st.integers(1, 64)),
              adc_bits=draw(st.one_of(st.none(), st.integers(1, 12))),
              full_scale=draw(st.one_of(st.none(), st.floats(0.5, 3.0 * rows))),
              input_signed=signed_in, weight_signed=True, weight_encoding=enc)
    v, k, n = draw(st.integers(1, 6)), draw(st.integers(1, 100)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = ints(rng, ib, signed_in, (v, k)) * (rng.random((v, k)) < draw(st.floats(0.0, 1.0)))
    w = ints(rng, wb, True, (k, n), symmetric=True)
    w = w * (rng.random((k, n)) < draw(st.floats(0.0, 1.0)))   # pruned weights: empty columns
    w = w >> draw(st.integers(0, wb - 1))                        # small weights: empty high cells
    return x, w, kw


@settings(max_examples=200, deadline=None)
@given(case=sparse_cases())
def test_fast_path_equals_per_slice(case):
    x, w, kw = case
    check(x, w, **kw)


def test_mixed_exact_and_clipping_columns():
    # 1-bit cells, 4 rows, LSB 1, top code 2: a column slice with <= 2 ones is exact, one with 3+ clips
    kw = dict(input_bits=4, weight_bits=4, dac_bits=1, cell_bits=1, rows=4, adc_bits=8, full_scale=2.0,
              weight_signed=False)
    w = np.array([[1, 15], [1, 15], [0, 15], [0, 15]])
    x = np.array([[15, 15, 15, 15], [1, 2, 3, 4]])
    y, stats = check(x, w, **kw)
    assert y[0, 0] == (x @ w)[0, 0]          # column 0: exact for every input
    assert y[0, 1] == 2 * 15 * 15             # column 1 clips at 2 in every slice pair: (1+2+4+8)^2 * 2
    assert not stats.exact


def test_isaac_geometry_exact_and_lossy():
    rng = np.random.default_rng(7)
    x = ints(rng, 16, False, (5, 300)) >> rng.integers(0, 16, size=(5, 300))
    w = ints(rng, 16, True, (300, 6), symmetric=True)
    kw = dict(input_bits=16, weight_bits=16, dac_bits=1, cell_bits=2, rows=128)
    y, stats = check(x, w, adc_bits=9, **kw)      # 2^9 - 1 >= 384: lossless, one matmul
    assert stats.exact
    np.testing.assert_array_equal(y, x @ w)
    y, stats = check(x, w, adc_bits=6, **kw)      # lossy: every slice pair converted
    assert not stats.exact and np.any(y != x @ w)


def test_chunked_per_slice_path(monkeypatch):
    rng = np.random.default_rng(3)
    x, w = ints(rng, 8, True, (9, 300)), ints(rng, 8, True, (300, 3))
    monkeypatch.setattr(xbar_mod, "_CHUNK_BYTES", 64)  # many row chunks per block
    check(x, w, input_bits=8, weight_bits=8, rows=64, adc_bits=7, input_signed=True)
    check(x, w, input_bits=8, weight_bits=8, rows=64, adc_bits=9, full_scale=100.0, input_signed=True)


@pytest.mark.parametrize("enc", ["offset", "differential"])
def test_same_bits_twice(enc):
    rng = np.random.default_rng(11)
    x, w = ints(rng, 8, False, (40, 200)), ints(rng, 8, True, (200, 17), symmetric=True)
    kw = dict(input_bits=8, weight_bits=8, rows=64, adc_bits=7, full_scale=150.0, weight_encoding=enc)
    a, b = K.crossbar_mvm(x, w, **kw), K.crossbar_mvm(x, w, **kw)
    assert a.tobytes() == b.tobytes()
