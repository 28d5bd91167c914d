"""Kernels vs the plain-numpy oracles in tests/naive.py (bit for bit), closed forms,
statistics of the random kernels, and input validation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim.kernels as K
from accelsim.devices import adc as adc_dev
from accelsim.devices import reram
from accelsim.kernels import crossbar as xbar_mod
from accelsim.kernels import mac as mac_mod

try:  # tests/ is a package: the repo root is on sys.path
    from tests import naive
except ImportError:  # pragma: no cover - tests/ without __init__.py puts tests/ itself on sys.path
    import naive

FAST = settings(max_examples=40, deadline=None)


def rng_ints(rng, bits, signed, shape, symmetric=False):
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if symmetric and signed:
        lo += 1
    return rng.integers(lo, hi + 1, size=shape)


# ------------------------------------------------------------------ int_matmul
@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 6), k=st.integers(1, 40), n=st.integers(1, 6),
    x_bits=st.integers(1, 16), w_bits=st.integers(1, 16), signed=st.booleans(),
    acc_bits=st.integers(1, 64), overflow=st.sampled_from(["wrap", "saturate"]),
)
def test_int_matmul_matches_oracle(seed, m, k, n, x_bits, w_bits, signed, acc_bits, overflow):
    if not signed:
        acc_bits = min(acc_bits, 63)
    rng = np.random.default_rng(seed)
    x, w = rng_ints(rng, x_bits, signed, (m, k)), rng_ints(rng, w_bits, signed, (k, n))
    kw = dict(x_bits=x_bits, w_bits=w_bits, signed=signed, acc_bits=acc_bits, overflow=overflow)
    got = K.int_matmul(x, w, **kw)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, naive.int_matmul(x, w, **kw))


def test_int_matmul_wide_accumulator_is_exact():
    rng = np.random.default_rng(1)
    x, w = rng_ints(rng, 16, True, (7, 300)), rng_ints(rng, 16, True, (300, 5))  # float64 path
    np.testing.assert_array_equal(K.int_matmul(x, w, x_bits=16, w_bits=16, acc_bits=64), x @ w)
    np.testing.assert_array_equal(K.exact_matmul(x, w, bound=2**60), x @ w)  # int64 kernel path


def test_int_matmul_closed_forms():
    # 8-bit signed register: 100 + 100 wraps to -56, saturates at 127
    x, w = np.array([[1, 1]]), np.array([[100], [100]])
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=8)[0, 0] == -56
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=8, overflow="saturate")[0, 0] == 127
    # saturation is order dependent: 100, +100 -> 127 (clamped), -100 -> 27, though the exact sum is 100
    x, w = np.array([1, 1, 1]), np.array([[100], [100], [-100]])
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=8, overflow="saturate")[0] == 27
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=8, overflow="wrap")[0] == 100
    # unsigned: 200 + 100 = 300 -> wraps to 44, saturates at 255
    x, w = np.array([[1, 1]]), np.array([[200], [100]])
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, signed=False, acc_bits=8)[0, 0] == 44
    assert K.int_matmul(x, w, x_bits=8, w_bits=8, signed=False, acc_bits=8, overflow="saturate")[0, 0] == 255
    # vector . vector gives a 0-d result
    assert K.int_matmul(np.array([3, 4]), np.array([5, 6]), x_bits=4, w_bits=4).shape == ()


def test_int_matmul_saturate_mixed_safe_and_unsafe_rows():
    x = np.array([[1] * 10, [0] * 9 + [1], [127] * 10])
    w = np.full((10, 3), 127)
    got = K.int_matmul(x, w, x_bits=8, w_bits=8, acc_bits=12, overflow="saturate")
    np.testing.assert_array_equal(got, [[1270] * 3, [127] * 3, [2047] * 3])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=[[128]], w=[[1]], x_bits=8, w_bits=8), "x values must fit 8-bit signed"),
        (dict(x=[[-1]], w=[[1]], x_bits=8, w_bits=8, signed=False), "unsigned"),
        (dict(x=[[1.0]], w=[[1]], x_bits=8, w_bits=8), "integer array"),
        (dict(x=[[1]], w=[[1]], x_bits=17, w_bits=8), "x_bits"),
        (dict(x=[[1]], w=[[1]], x_bits=8, w_bits=8, overflow="clip"), "overflow"),
        (dict(x=[[1, 2]], w=[[1]], x_bits=8, w_bits=8), "inner dimensions"),
        (dict(x=[[1]], w=[[1]], x_bits=8, w_bits=8, signed=False, acc_bits=64), "acc_bits"),
    ],
)
def test_int_matmul_validation(kwargs, match):
    x, w = kwargs.pop("x"), kwargs.pop("w")
    with pytest.raises(ValueError, match=match):
        K.int_matmul(np.array(x), np.array(w), **kwargs)


# ------------------------------------------------------------------ crossbar MVM
@st.composite
def crossbar_cases(draw):
    ib, wb = draw(st.integers(1, 9)), draw(st.integers(2, 9))
    xs, ws = draw(st.booleans()), draw(st.booleans())
    enc = draw(st.sampled_from(["offset", "differential"]))
    kw = dict(
        input_bits=ib, weight_bits=wb, dac_bits=draw(st.integers(1, 4)), cell_bits=draw(st.integers(1, 4)),
        rows=draw(st.integers(1, 40)), cols=draw(st.integers(1, 20)),
        adc_bits=draw(st.one_of(st.none(), st.integers(1, 12))),
        full_scale=draw(st.one_of(st.none(), st.floats(0.5, 400.0))),
        input_signed=xs, weight_signed=ws, weight_encoding=enc,
    )
    v, k, n = draw(st.integers(1, 5)), draw(st.integers(1, 70)), draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng_ints(rng, ib, xs, (v, k))
    if draw(st.booleans()):  # sparse inputs exercise the zero-slice statistics
        x = x * (rng.random((v, k)) < 0.2)
    w = rng_ints(rng, wb, ws, (k, n), symmetric=(ws and enc == "differential"))
    return x, w, kw


@settings(max_examples=150, deadline=None)
@given(case=crossbar_cases())
def test_crossbar_matches_oracle(case):
    x, w, kw = case
    y, stats = K.crossbar_mvm(x, w, return_stats=True, **kw)
    y0, s0 = naive.crossbar_mvm(x, w, **kw)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(stats.zero_slices, s0["zero_slices"])
    for key in ("reads", "skippable_reads", "adc_conversions", "input_slices", "weight_slices",
                "row_blocks", "column_tiles"):
        assert getattr(stats, key) == s0[key], key


@FAST
@given(case=crossbar_cases(), extra=st.integers(0, 3))
def test_crossbar_ideal_adc_is_exact(case, extra):
    x, w, kw = case
    need = adc_dev.adc_bits_needed(kw["rows"], kw["dac_bits"], kw["cell_bits"])
    for adc in (None, need + extra):
        y = K.crossbar_mvm(x, w, **{**kw, "adc_bits": adc, "full_scale": None})
        np.testing.assert_array_equal(y, (x @ w).astype(np.float64))


def test_crossbar_one_bit_short_adc_is_not_exact():
    # rows=128, 1-bit DAC, 2-bit cells: column sums up to 384 need 9 bits; with 8 the LSB is 384/255
    x, w = np.zeros((1, 128), dtype=np.int64), np.zeros((128, 1), dtype=np.int64)
    x[0, 0], w[0, 0] = 1, 1
    kw = dict(input_bits=8, weight_bits=8, weight_signed=False, rows=128)
    assert K.crossbar_mvm(x, w, adc_bits=9, **kw)[0, 0] == 1.0
    assert K.crossbar_mvm(x, w, adc_bits=8, **kw)[0, 0] == pytest.approx(384 / 255)


def test_crossbar_adc_closed_form():
    # one row, 1-bit input, 2-bit cells: F = 3; a 1-bit ADC has LSB 3 and rounds 0,1 -> 0 and 2,3 -> 3
    x = np.ones((1, 1), dtype=np.int64)
    w = np.array([[0, 1, 2, 3]])
    kw = dict(input_bits=1, weight_bits=2, cell_bits=2, rows=1, weight_signed=False)
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, adc_bits=1, **kw), [[0, 0, 3, 3]])
    # full scale 2 with a fine ADC: every column sum clips at 2
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, adc_bits=8, full_scale=2.0, **kw), [[0, 1, 2, 2]])


def test_crossbar_differential_clips_both_columns():
    # one row, 2-bit cells, 1-bit ADC... here a fine ADC with full scale 2: each column clips at 2
    x = np.ones((1, 1), dtype=np.int64)
    w = np.array([[3, -3, 1, -1]])
    kw = dict(input_bits=1, weight_bits=3, cell_bits=2, rows=1, weight_encoding="differential")
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, adc_bits=8, full_scale=2.0, **kw), [[2, -2, 1, -1]])
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, adc_bits=None, **kw), [[3, -3, 1, -1]])


def test_crossbar_signed_input_shift_and_subtract():
    x = np.array([[-128, -1, 0, 127]]).T  # (4 vectors, K=1)
    w = np.array([[3]])
    for d in (1, 2, 3, 8):
        y = K.crossbar_mvm(x, w, input_bits=8, weight_bits=3, input_signed=True, dac_bits=d, adc_bits=None)
        np.testing.assert_array_equal(y[:, 0], [-384, -3, 0, 381])


@FAST
@given(seed=st.integers(0, 2**32 - 1), ib=st.integers(1, 16), d=st.integers(1, 8), signed=st.booleans())
def test_input_slices_reconstruct(seed, ib, d, signed):
    spec = K.CrossbarSpec(input_bits=ib, weight_bits=2, dac_bits=d, input_signed=signed)
    x = rng_ints(np.random.default_rng(seed), ib, signed, (3, 7))
    sl = K.slice_inputs(x, spec)
    assert sl.shape[0] == spec.input_slices and sl.min() >= 0 and sl.max() < 2**d
    recon = np.tensordot(spec.input_coefs(), sl.astype(np.float64), axes=1)
    np.testing.assert_array_equal(recon, x)


@FAST
@given(seed=st.integers(0, 2**32 - 1), wb=st.integers(2, 16), c=st.integers(1, 8), signed=st.booleans(),
       enc=st.sampled_from(["offset", "differential"]))
def test_weight_slices_reconstruct(seed, wb, c, signed, enc):
    spec = K.CrossbarSpec(input_bits=2, weight_bits=wb, cell_bits=c, weight_signed=signed, weight_encoding=enc)
    w = rng_ints(np.random.default_rng(seed), wb, signed, (5, 4), symmetric=spec.differential)
    lv = K.slice_weights(w, spec)
    assert lv.shape == (spec.sides, spec.weight_slices, 5, 4) and lv.min() >= 0 and lv.max() < 2**c
    per_side = np.tensordot(spec.weight_coefs(), lv, axes=([0], [1]))  # (sides, K, N)
    recon = per_side[0] - per_side[1] if spec.differential else per_side[0]
    if signed and not spec.differential:
        recon = recon - 2 ** (wb - 1)
    np.testing.assert_array_equal(recon, w)


def test_crossbar_stats_closed_form():
    v, k, n = 4, 300, 100
    x = np.zeros((v, k), dtype=np.int64)
    x[:, :] = 1  # unsigned 8-bit, 1-bit DAC: only slice 0 is non-zero
    x[0, :128] = 0  # vector 0 is all zero in row block 0
    w = np.ones((k, n), dtype=np.int64)
    y, s = K.crossbar_mvm(x, w, input_bits=8, weight_bits=8, weight_signed=False, rows=128, cols=128,
                          return_stats=True)
    assert (s.row_blocks, s.input_slices, s.weight_slices) == (3, 8, 4)
    assert s.physical_columns == 400 and s.column_tiles == 4
    assert s.reads == v * 3 * 8 * 4 and s.adc_conversions == v * 3 * 8 * 400
    expect = np.full((3, 8), v)
    expect[:, 0] = 0
    expect[0, 0] = 1
    np.testing.assert_array_equal(s.zero_slices, expect)
    assert s.skippable_reads == expect.sum() * 4
    assert s.skip_fraction == pytest.approx(expect.sum() / (v * 3 * 8))
    np.testing.assert_array_equal(y, x @ w)


def test_crossbar_float64_path_and_chunking(monkeypatch):
    rng = np.random.default_rng(3)
    x, w = rng_ints(rng, 8, True, (9, 300)), rng_ints(rng, 8, True, (300, 3))
    kw = dict(input_bits=8, weight_bits=8, dac_bits=8, cell_bits=8, rows=300, input_signed=True)
    # 300 * 255 * 255 > 2^24 partial sums: float64 BLAS path
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, **kw), x @ w)
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, adc_bits=10, **kw), naive.crossbar_mvm(x, w, adc_bits=10, **kw)[0])
    monkeypatch.setattr(xbar_mod, "_CHUNK_BYTES", 64)  # many vector chunks per row block
    kw = dict(input_bits=8, weight_bits=8, rows=64, adc_bits=7, input_signed=True)
    np.testing.assert_array_equal(K.crossbar_mvm(x, w, **kw), naive.crossbar_mvm(x, w, **kw)[0])


def test_crossbar_levels_variant_equals_integer_path():
    rng = np.random.default_rng(4)
    x, w = rng_ints(rng, 6, True, (5, 50)), rng_ints(rng, 6, True, (50, 4), symmetric=True)
    spec = K.CrossbarSpec(input_bits=6, weight_bits=6, rows=16, adc_bits=5, input_signed=True,
                          weight_encoding="differential")
    lv = K.slice_weights(w, spec).astype(np.float64)
    kw = {f: getattr(spec, f) for f in spec.__dataclass_fields__}
    np.testing.assert_array_equal(K.crossbar_mvm_levels(x, lv, spec), K.crossbar_mvm(x, w, **kw))
    assert K.crossbar_mvm_levels(x[0], lv, spec).shape == (4,)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weight_encoding="twos"), "weight_encoding"),
        (dict(adc_bits=0), "adc_bits"),
        (dict(full_scale=-1.0), "full_scale"),
        (dict(dac_bits=9), "dac_bits"),
        (dict(rows=0), "rows"),
    ],
)
def test_crossbar_spec_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        K.crossbar_mvm(np.ones((1, 2), dtype=int), np.ones((2, 1), dtype=int), input_bits=4, weight_bits=4, **kwargs)


def test_crossbar_operand_validation():
    x, w = np.ones((1, 2), dtype=int), np.full((2, 1), -8)
    with pytest.raises(ValueError, match="not representable"):
        K.crossbar_mvm(x, w, input_bits=4, weight_bits=4, weight_encoding="differential")
    with pytest.raises(ValueError, match="x values must fit 4-bit unsigned"):
        K.crossbar_mvm(-x, w, input_bits=4, weight_bits=4)
    with pytest.raises(ValueError, match="inner dimensions"):
        K.crossbar_mvm(np.ones((1, 3), dtype=int), w, input_bits=4, weight_bits=4)
    with pytest.raises(ValueError, match="integer array"):
        K.crossbar_mvm(x * 1.0, w, input_bits=4, weight_bits=4)
    spec = K.CrossbarSpec(input_bits=4, weight_bits=4)
    with pytest.raises(ValueError, match="levels must have shape"):
        K.crossbar_mvm_levels(x, np.zeros((1, 3, 2, 1)), spec)  # 4-bit weights in 2-bit cells: 2 slices


# ------------------------------------------------------------------ faults
@FAST
@given(seed=st.integers(0, 2**32 - 1), bits=st.integers(1, 20), n=st.integers(0, 60), signed=st.booleans(),
       per_bit=st.booleans(), stuck=st.booleans())
def test_bit_flips_match_oracle(seed, bits, n, signed, per_bit, stuck):
    rng = np.random.default_rng(seed)
    words = rng_ints(rng, bits, signed, (n,))
    u = rng.random((n, bits))
    rate = rng.random(bits) * 0.5 if per_bit else float(rng.random())
    sa0 = sa1 = None
    if stuck:
        sa0 = rng.integers(0, 2**bits, n)
        sa1 = rng.integers(0, 2**bits, n) & ~sa0
    got = K.apply_bit_flips(words, u, bits=bits, rate=rate, signed=signed, stuck_at_0=sa0, stuck_at_1=sa1)
    np.testing.assert_array_equal(
        got, naive.bit_flips(words, u, bits=bits, rate=rate, signed=signed, stuck_at_0=sa0, stuck_at_1=sa1))


def test_bit_flips_closed_forms_and_draw_order():
    words = np.arange(256).reshape(16, 16)
    rng = np.random.default_rng(0)
    for method in ("dense", "sparse"):
        np.testing.assert_array_equal(K.inject_bit_flips(words, bits=8, rate=0.0, rng=rng, method=method), words)
        np.testing.assert_array_equal(K.inject_bit_flips(words, bits=8, rate=1.0, rng=rng, method=method),
                                      255 - words)
        signed = np.arange(-128, 128)
        np.testing.assert_array_equal(
            K.inject_bit_flips(signed, bits=8, rate=1.0, rng=rng, signed=True, method=method), ~signed)
    # documented dense draw order: rng.random((words.size, bits))
    a = K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(42), method="dense")
    u = np.random.default_rng(42).random((words.size, 8))
    np.testing.assert_array_equal(a, K.apply_bit_flips(words, u, bits=8, rate=0.3))
    np.testing.assert_array_equal(a, K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(42),
                                                        method="dense"))
    assert not np.array_equal(a, K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(43),
                                                    method="dense"))
    # documented sparse draw order (the default for a scalar rate): rng.geometric chunks
    b = K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(42))
    m = K.faults.gap_chunk(words.size * 8, 0.3)
    gaps = np.random.default_rng(42).geometric(0.3, size=m)
    assert gaps.sum() >= words.size * 8 + 1  # one chunk (mean + 4 sigma) covers every bit here
    np.testing.assert_array_equal(b, K.apply_sparse_bit_flips(words, gaps, bits=8))
    np.testing.assert_array_equal(b, K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(42)))
    assert not np.array_equal(b, K.inject_bit_flips(words, bits=8, rate=0.3, rng=np.random.default_rng(43)))
    # rate 0 draws nothing
    r0 = np.random.default_rng(1)
    K.inject_bit_flips(words, bits=8, rate=0.0, rng=r0)
    assert r0.random() == np.random.default_rng(1).random()
    # stuck-at wins over the data: all-stuck-at-1 reads 255, all-stuck-at-0 reads 0
    ones = np.full(words.shape, 255)
    np.testing.assert_array_equal(K.inject_bit_flips(words, bits=8, rate=0.5, rng=rng, stuck_at_1=ones), ones)
    np.testing.assert_array_equal(K.inject_bit_flips(words, bits=8, rate=0.5, rng=rng, stuck_at_0=255), 0 * words)



@FAST
@given(seed=st.integers(0, 2**32 - 1), bits=st.integers(1, 20), n=st.integers(0, 60), signed=st.booleans(),
       rate=st.one_of(st.sampled_from([0.0, 1e-3, 0.5, 1.0]), st.floats(0.0, 1.0)), stuck=st.booleans())
def test_sparse_bit_flips_match_oracle(seed, bits, n, signed, rate, stuck):
    rng = np.random.default_rng(seed)
    words = rng_ints(rng, bits, signed, (n,))
    sa0 = sa1 = None
    if stuck:
        sa0 = rng.integers(0, 2**bits, n)
        sa1 = rng.integers(0, 2**bits, n) & ~sa0
    kw = dict(bits=bits, signed=signed, stuck_at_0=sa0, stuck_at_1=sa1)
    # the draws: same calls, same values
    gaps = K.flip_gaps(n * bits, rate, np.random.default_rng(seed + 1))
    np.testing.assert_array_equal(gaps, naive.flip_gaps(n * bits, rate, np.random.default_rng(seed + 1)))
    want = naive.sparse_bit_flips(words, gaps, **kw)
    np.testing.assert_array_equal(K.apply_sparse_bit_flips(words, gaps, **kw), want)
    np.testing.assert_array_equal(K.inject_bit_flips(words, rate=rate, rng=np.random.default_rng(seed + 1), **kw),
                                  want)
    # the flip count is the number of bits that differ before the stuck-at masks
    _, count = K.apply_sparse_bit_flips(words, gaps, bits=bits, signed=signed, return_count=True)
    diff = (words ^ naive.sparse_bit_flips(words, gaps, bits=bits, signed=signed)) & (2**bits - 1)
    assert count == sum(bin(int(v)).count("1") for v in diff)


def test_sparse_and_dense_flips_have_the_same_distribution():
    # 20,000 words x 12 bits at rate 0.05, fixed seeds. Compared: the flip frequency of every
    # bit position (each within 5 binomial sigma of the rate) and the histogram of flips per
    # word (two-sample chi-square over bins with >= 20 expected counts, p-value > 1e-4).
    n, bits, rate = 20_000, 12, 0.05
    zero = np.zeros(n, dtype=np.int64)
    sparse = K.inject_bit_flips(zero, bits=bits, rate=rate, rng=np.random.default_rng(21), method="sparse")
    dense = K.inject_bit_flips(zero, bits=bits, rate=rate, rng=np.random.default_rng(22), method="dense")
    tol = 5 * math.sqrt(rate * (1 - rate) / n)
    for out in (sparse, dense):
        freq = np.array([((out >> b) & 1).mean() for b in range(bits)])
        assert np.all(np.abs(freq - rate) <= tol), freq
    hist = [np.bincount(popcount(out), minlength=bits + 1) for out in (sparse, dense)]
    expect = n * np.array([math.comb(bits, k) * rate**k * (1 - rate) ** (bits - k) for k in range(bits + 1)])
    keep = expect >= 20
    a, b = hist[0][keep], hist[1][keep]
    chi2 = float((((a - b) ** 2) / (a + b)).sum())  # two-sample chi-square, equal sample sizes
    from scipy.stats import chi2 as chi2_dist

    assert chi2_dist.sf(chi2, keep.sum() - 1) > 1e-4, (a, b)
    # and each matches the binomial law itself
    for h in hist:
        assert chi2_dist.sf(float((((h[keep] - expect[keep]) ** 2) / expect[keep]).sum()), keep.sum() - 1) > 1e-4


def test_sparse_flips_tiny_rate_and_many_chunks():
    # rate 1e-300: numpy clips the gap at INT64_MAX; nothing flips and nothing overflows
    words = np.arange(1000) % 256
    np.testing.assert_array_equal(K.inject_bit_flips(words, bits=8, rate=1e-300, rng=np.random.default_rng(0)),
                                  words)
    # several chunks: the concatenation is what the oracle draws
    gaps = K.flip_gaps(50, 0.99, np.random.default_rng(3))
    assert gaps.size >= K.faults.gap_chunk(50, 0.99)
    np.testing.assert_array_equal(gaps, naive.flip_gaps(50, 0.99, np.random.default_rng(3)))

def test_bit_flip_rates_per_position():
    rate = np.array([0.0, 0.01, 0.1, 0.5, 0.9, 1.0])
    n = 40_000
    flipped = K.inject_bit_flips(np.zeros(n, dtype=np.int64), bits=6, rate=rate, rng=np.random.default_rng(7))
    freq = np.array([((flipped >> b) & 1).mean() for b in range(6)])
    tol = 5 * np.sqrt(rate * (1 - rate) / n) + 1e-12
    assert np.all(np.abs(freq - rate) <= tol), (freq, rate)


def test_stuck_at_masks():
    rng = np.random.default_rng(5)
    sa0, sa1 = K.stuck_at_masks((200, 50), bits=8, p_sa0=0.05, p_sa1=0.1, rng=rng)
    assert sa0.shape == (200, 50) and not np.any(sa0 & sa1)
    n = 200 * 50 * 8
    for m, p in ((sa0, 0.05), (sa1, 0.1)):
        frac = sum(((m >> b) & 1).sum() for b in range(8)) / n
        assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n)
    u = np.random.default_rng(9).random((30, 8))
    got = K.stuck_at_masks(30, bits=8, p_sa0=0.2, p_sa1=0.3, rng=np.random.default_rng(9))
    for g, o in zip(got, naive.stuck_at_masks(u, bits=8, p_sa0=0.2, p_sa1=0.3)):
        np.testing.assert_array_equal(g, o)


def test_fault_validation():
    w = np.arange(4)
    with pytest.raises(ValueError, match="rate"):
        K.inject_bit_flips(w, bits=4, rate=1.5, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="shape"):
        K.inject_bit_flips(w, bits=4, rate=[0.1, 0.2], rng=np.random.default_rng())
    with pytest.raises(ValueError, match="words values must fit 2-bit"):
        K.inject_bit_flips(w + 1, bits=2, rate=0.1, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="Generator"):
        K.inject_bit_flips(w, bits=4, rate=0.1, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match="uniforms"):
        K.apply_bit_flips(w, np.zeros((4, 3)), bits=4, rate=0.1)
    with pytest.raises(ValueError, match="p_sa0 \\+ p_sa1"):
        K.stuck_at_masks(4, bits=4, p_sa0=0.6, p_sa1=0.6, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="broadcast"):
        K.inject_bit_flips(w, bits=4, rate=0.1, rng=np.random.default_rng(), stuck_at_0=np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="scalar rate"):
        K.inject_bit_flips(w, bits=4, rate=[0.1] * 4, rng=np.random.default_rng(), method="sparse")
    with pytest.raises(ValueError, match="method"):
        K.inject_bit_flips(w, bits=4, rate=0.1, rng=np.random.default_rng(), method="fast")
    with pytest.raises(ValueError, match="gaps"):
        K.apply_sparse_bit_flips(w, np.array([1, 0]), bits=4)
    with pytest.raises(ValueError, match="words values must fit 2-bit"):
        K.inject_bit_flips(w + 1, bits=2, rate=0.1, rng=np.random.default_rng(), method="sparse")
    with pytest.raises(ValueError, match="n_bits"):
        K.flip_gaps(-1, 0.1, np.random.default_rng())
    # masks are range-checked by the kernels' OR summary: one bad value anywhere is caught
    u = np.zeros((4, 4))
    with pytest.raises(ValueError, match="stuck_at_0 values must fit 4-bit"):
        K.apply_bit_flips(w, u, bits=4, rate=0.1, stuck_at_0=np.array([0, 0, 16, 0]))
    with pytest.raises(ValueError, match="stuck_at_1 values must fit 4-bit"):
        K.apply_sparse_bit_flips(w, np.array([3]), bits=4, stuck_at_1=np.array([0, -1, 0, 0]))
    with pytest.raises(ValueError, match="stuck_at_1 values must fit 4-bit"):
        K.apply_bit_flips(w, u, bits=4, rate=0.1, signed=True, stuck_at_1=np.array([0, 0, 0, 32]))
    with pytest.raises(ValueError, match="words values must fit 4-bit signed"):
        K.apply_bit_flips(np.array([0, 8]), np.zeros((2, 4)), bits=4, rate=0.1, signed=True)
    with pytest.raises(ValueError, match="rate"):
        K.apply_bit_flips(w, u, bits=4, rate=[0.1, np.nan, 0.0, 0.0])


# ------------------------------------------------------------------ stochastic writes
@FAST
@given(seed=st.integers(0, 2**32 - 1), bits=st.integers(1, 16), n=st.integers(0, 40), signed=st.booleans(),
       p01=st.floats(0.0, 1.0), p10=st.floats(0.0, 1.0), max_attempts=st.integers(1, 6))
def test_stochastic_write_matches_oracle(seed, bits, n, signed, p01, p10, max_attempts):
    rng = np.random.default_rng(seed)
    old, new = rng_ints(rng, bits, signed, (n,)), rng_ints(rng, bits, signed, (n,))
    u = rng.random((n, bits))
    got = K.apply_stochastic_write(old, new, u, bits=bits, p_switch=(p01, p10), max_attempts=max_attempts,
                                   signed=signed, return_pulses=True)
    want = naive.stochastic_write(old, new, u, bits=bits, p01=p01, p10=p10, max_attempts=max_attempts,
                                  signed=signed)
    for g, o in zip(got, want):
        np.testing.assert_array_equal(g, o)


def popcount(a):
    return np.array([bin(int(v)).count("1") for v in np.ravel(a)]).reshape(np.shape(a))


def test_stochastic_write_deterministic_limits():
    rng = np.random.default_rng(2)
    old, new = rng.integers(0, 256, (20, 20)), rng.integers(0, 256, (20, 20))
    stored, att, pulses = K.stochastic_write(old, new, bits=8, p_switch=1.0, rng=rng, max_attempts=5,
                                             return_pulses=True)
    np.testing.assert_array_equal(stored, new)
    np.testing.assert_array_equal(att, (old != new).astype(int))
    np.testing.assert_array_equal(pulses, popcount(old ^ new))
    stored, att = K.stochastic_write(old, new, bits=8, p_switch=0.0, rng=rng, max_attempts=4)
    np.testing.assert_array_equal(stored, old)
    np.testing.assert_array_equal(att, 4 * (old != new))
    # direction-dependent: 0->1 always works, 1->0 never does
    stored, _ = K.stochastic_write(old, new, bits=8, p_switch=(1.0, 0.0), rng=rng)
    np.testing.assert_array_equal(stored, old | new)


def test_stochastic_write_geometric_statistics():
    n, p = 50_000, 0.3
    old, new = np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    stored, att = K.stochastic_write(old, new, bits=1, p_switch=p, rng=np.random.default_rng(11),
                                     max_attempts=1000)
    assert np.all(stored == 1)
    assert abs(att.mean() - 1 / p) < 5 * math.sqrt((1 - p) / p**2 / n)  # geometric mean and sd
    for m in (1, 3):
        stored, att = K.stochastic_write(old, new, bits=1, p_switch=p, rng=np.random.default_rng(12),
                                         max_attempts=m)
        ok = 1 - (1 - p) ** m
        assert abs(stored.mean() - ok) < 5 * math.sqrt(ok * (1 - ok) / n)
        assert att.max() == m and att.min() >= 1
    # same seed, same result; draw order rng.random((n, bits))
    a = K.stochastic_write(old, new, bits=1, p_switch=p, rng=np.random.default_rng(5), max_attempts=3)
    u = np.random.default_rng(5).random((n, 1))
    b = K.apply_stochastic_write(old, new, u, bits=1, p_switch=p, max_attempts=3)
    for g, o in zip(a, b):
        np.testing.assert_array_equal(g, o)


def test_stochastic_write_validation():
    z = np.zeros(3, dtype=int)
    with pytest.raises(ValueError, match="same shape"):
        K.stochastic_write(z, np.zeros(4, dtype=int), bits=4, p_switch=0.5, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="p_switch"):
        K.stochastic_write(z, z, bits=4, p_switch=1.2, rng=np.random.default_rng())
    with pytest.raises(ValueError, match="pair"):
        K.stochastic_write(z, z, bits=4, p_switch=(0.1, 0.2, 0.3), rng=np.random.default_rng())
    with pytest.raises(ValueError, match="max_attempts"):
        K.stochastic_write(z, z, bits=4, p_switch=0.5, rng=np.random.default_rng(), max_attempts=0)
    with pytest.raises(ValueError, match="target values must fit"):
        K.stochastic_write(z, z + 16, bits=4, p_switch=0.5, rng=np.random.default_rng())


# ------------------------------------------------------------------ ReRAM variation
G_ON, G_OFF = reram.NEUROSIM_V13.g_on_s, reram.NEUROSIM_V13.g_off_s


@FAST
@given(seed=st.integers(0, 2**32 - 1), cb=st.integers(1, 4), sigma=st.floats(0.0, 0.5),
       model=st.sampled_from(["lognormal", "gaussian"]))
def test_level_variation_matches_oracle_and_physics(seed, cb, sigma, model):
    rng = np.random.default_rng(seed)
    lv = rng.integers(0, 2**cb, (6, 7))
    z = rng.standard_normal(lv.shape)
    got = K.apply_level_variation(lv, z, cell_bits=cb, sigma=sigma, model=model)
    want = naive.level_variation(lv, z, cell_bits=cb, sigma=sigma, model=model, g_on_s=G_ON, g_off_s=G_OFF)
    np.testing.assert_array_equal(got, want)
    # the algebraic form equals the physical definition (G' - G_off) / ΔG
    g = reram.level_conductance(lv, cb, G_ON, G_OFF)
    if model == "lognormal":
        g2 = g * np.exp(sigma * z)
    else:
        g2 = np.maximum(g + sigma * (G_ON - G_OFF) * z, 0.0)
    np.testing.assert_allclose(got, reram.effective_level(g2, cb, G_ON, G_OFF), rtol=1e-9, atol=1e-9)


def test_zero_sigma_is_exact():
    rng = np.random.default_rng(8)
    lv = rng.integers(0, 4, (50,))
    for model in ("lognormal", "gaussian"):
        out = K.perturb_levels(lv, cell_bits=2, sigma=0.0, rng=rng, model=model)
        np.testing.assert_array_equal(out, lv)
    x, w = rng_ints(rng, 8, True, (6, 200)), rng_ints(rng, 8, True, (200, 5), symmetric=True)
    for enc in ("offset", "differential"):
        kw = dict(input_bits=8, weight_bits=8, input_signed=True, weight_encoding=enc, adc_bits=7, rows=64)
        y = K.crossbar_mvm_variation(x, w, sigma=0.0, rng=rng, **kw)
        np.testing.assert_array_equal(y, K.crossbar_mvm(x, w, **kw))


def test_variation_mvm_matches_oracle_and_is_reproducible():
    rng = np.random.default_rng(10)
    x, w = rng_ints(rng, 8, False, (7, 150)), rng_ints(rng, 8, True, (150, 6))
    kw = dict(input_bits=8, weight_bits=8, adc_bits=8, rows=128)
    y = K.crossbar_mvm_variation(x, w, sigma=0.1, rng=np.random.default_rng(1), **kw)
    lv = naive.weight_levels(w, weight_bits=8, cell_bits=2, weight_signed=True, weight_encoding="offset")
    z = np.random.default_rng(1).standard_normal(lv.shape)  # documented draw order
    eff = naive.level_variation(lv, z, cell_bits=2, sigma=0.1, model="lognormal", g_on_s=G_ON, g_off_s=G_OFF)
    # BLAS may sum non-integer partial sums in another order than the oracle: compare to 1e-9
    np.testing.assert_allclose(y, naive.crossbar_mvm_levels(x, eff, **kw)[0], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(y, K.crossbar_mvm_variation(x, w, sigma=0.1, rng=np.random.default_rng(1), **kw))
    assert np.abs(y - x @ w).max() > 0  # the variation does something
    y1 = K.crossbar_mvm_variation(x[0], w, sigma=0.1, rng=np.random.default_rng(1), **kw)
    assert y1.shape == (6,)


def test_lognormal_statistics():
    lv = np.full(100_000, 3)
    eff = K.perturb_levels(lv, cell_bits=2, sigma=0.2, rng=np.random.default_rng(3))
    r = reram.off_offset_levels(2, G_ON, G_OFF)
    ln_ratio = np.log((eff + r) / (3 + r))  # = ln(G'/G) = σ z
    assert abs(ln_ratio.mean()) < 5 * 0.2 / math.sqrt(lv.size)
    assert abs(ln_ratio.std() - 0.2) < 0.005


def test_gaussian_floor_at_zero_conductance():
    out = K.apply_level_variation(np.array([0, 3]), np.array([-1e6, 0.0]), cell_bits=2, sigma=0.1, model="gaussian")
    assert out[0] == -reram.off_offset_levels(2, G_ON, G_OFF) and out[1] == 3.0


def test_variation_validation():
    with pytest.raises(ValueError, match="model"):
        K.apply_level_variation(np.zeros(2, dtype=int), np.zeros(2), cell_bits=2, sigma=0.1, model="uniform")
    with pytest.raises(ValueError, match="levels must be in"):
        K.apply_level_variation(np.array([4]), np.zeros(1), cell_bits=2, sigma=0.1)
    with pytest.raises(ValueError, match="sigma"):
        K.apply_level_variation(np.array([1]), np.zeros(1), cell_bits=2, sigma=-0.1)
    with pytest.raises(ValueError, match="z must have"):
        K.apply_level_variation(np.array([1]), np.zeros(2), cell_bits=2, sigma=0.1)


# ------------------------------------------------------------------ codebase rules
def test_numba_only_under_kernels():
    root = Path(K.__file__).resolve().parent.parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "kernels" not in p.relative_to(root).parts and ("@njit" in p.read_text() or "import numba" in p.read_text())
    ]
    assert offenders == []


def test_kernels_use_shared_numba_options():
    from accelsim.kernels import _numba

    assert _numba.NJIT == dict(cache=True, nogil=True)
    for fn in (xbar_mod._adc_shift_add, mac_mod._matmul_saturate):
        assert fn.targetoptions.get("nogil") is True
