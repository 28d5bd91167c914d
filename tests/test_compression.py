"""Compression transforms: hand-computed cases, error/ratio properties, specs, and `accelsim compress`."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import accelsim
from accelsim.cli import main
from accelsim.errors import WorkloadError
from accelsim.workload.compression import (
    Geometry, HardwareStats, binary_bucket, bitflip, cluster, compress, compress_layer, compress_workload,
    compressed_stats, pow2, prune, quantize, structured_prune, synthetic_weights)
from accelsim.workload.compression.bits import nearest_few_ones, nearest_in_mask, popcount
from accelsim.workload.compression.layout import cell_occupancy
from accelsim.workload.layers import Layer
from tests.conftest import ROOT

PROPS = settings(max_examples=40, deadline=None)


def matrix(*rows) -> np.ndarray:
    return np.array([rows], dtype=np.float64)


# --- hand-computed cases ------------------------------------------------------------------------

def test_prune_zeroes_the_smallest_and_counts_csc_storage():
    r = prune(matrix([0.5, -0.1], [0.3, -0.8]), sparsity=0.5)
    assert r.weights.tolist() == [[[0.5, 0.0], [0.0, -0.8]]]
    assert r.hw.density == 0.5 and r.hw.weight_bits == 32
    # sparse: 2 values x (32 + 1 row-index bit) + 2 columns x 2 count bits = 70 < dense 128 < compact 132
    assert (r.storage, r.hw.stored_bits, r.ratio) == ("sparse", 70, 128 / 70)
    assert r.error["max_abs"] == 0.3
    assert r.error["rmse"] == pytest.approx(math.sqrt(0.1 / 4), rel=1e-15)
    assert r.error["rel_l2"] == pytest.approx(math.sqrt(0.1 / 0.99), rel=1e-15)


def test_prune_ties_go_to_the_first_weight_and_existing_zeros_count():
    assert prune(matrix([1.0, -1.0, 1.0, 2.0]), sparsity=0.5).weights.tolist() == [[[0, 0, 1, 2]]]
    r = prune(matrix([0.0, 0.0, 0.0, 3.0, 1.0]), sparsity=0.2)   # 1 to prune, 3 zeros already
    assert r.hw.density == 0.4 and r.weights.tolist() == [[[0, 0, 0, 3, 1]]]


def test_structured_prune_filters_and_channels():
    w = matrix([1.0, 0.1, -2.0], [1.0, 0.1, 2.0])              # filter L1 norms 2, 0.2, 4
    r = structured_prune(w, ratio=0.34, target="filters")       # floor(1.02) = 1 filter
    assert r.weights.tolist() == [[[1, 0, -2], [1, 0, 2]]] and r.hw.kept_filters == 2 / 3
    w = matrix([1.0], [1.0], [0.5], [-0.2])                     # kernel 2: channels {0,1} and {2,3}
    r = structured_prune(w, ratio=0.5, target="channels", norm="l2", kernel=2)
    assert r.weights.ravel().tolist() == [1, 1, 0, 0] and r.hw.kept_channels == 0.5


XBAR_W = matrix([0.1, 0.1, 5, 5], [0.1, 0.1, 5, 5], [5, 5, 0.1, 0.1], [5, 5, 0.1, 0.1])


@pytest.mark.parametrize("target", ["rows", "cols"])
def test_xbar_prune_frees_crossbar_rows_and_columns(target):
    # 2-bit weights, 1-bit cells: 2 cells per weight, 2 weights per 2x4 crossbar; 2x2 blocks dense
    r = compress(XBAR_W, [{"scheme": "xbar_prune", "ratio": 0.5, "target": target}],
                 geometry=Geometry(2, 4, 1), weight_bits=2)
    assert r.weights.tolist() == (XBAR_W * (XBAR_W > 1)).tolist()
    hw = r.hw
    assert (hw.density, hw.freed_row_fraction, hw.freed_col_fraction, hw.freed_bit_columns) == (0.5, 0.5, 0.5, 0.5)
    # each column block needs only the two rows it still uses: one crossbar instead of two
    assert (hw.crossbars_dense, hw.crossbars_compressed) == (4, 2)


def test_quantize_rounds_half_to_even_and_keeps_zeros():
    r = quantize(matrix([0.75, -1.5], [0.25, 0.0]), bits=3)    # scale 1.5 / 3 = 0.5
    assert r.codes.tolist() == [[[2, -3], [0, 0]]] and r.scale.ravel().tolist() == [0.5]
    assert r.weights.tolist() == [[[1.0, -1.5], [0.0, 0.0]]]
    # compact: 1 kept row x 2 kept columns x 3 bits + 2 + 2 mask bits = 10, plus one 32-bit scale
    assert (r.storage, r.hw.stored_bits, r.hw.weight_bits) == ("compact", 42, 3)
    assert r.hw.terms_per_weight == 0.75                       # popcounts 1, 2, 0, 0
    pc = quantize(matrix([1.0, 0.1], [-0.5, 0.2]), bits=3, per_channel=True)
    assert pc.scale.ravel().tolist() == pytest.approx([1 / 3, 0.2 / 3]) and pc.meta_bits == 64
    assert pc.codes.tolist() == [[[3, 2], [-2, 3]]]


def test_pow2_terms_and_exponent_range():
    w = matrix([0.3, -0.9], [0.05, 0.7])     # max_exp = floor(log2 0.9) = -1; 3 exponents: scale 2^-3
    assert pow2(w, terms=1, exponents=3).weights.ravel().tolist() == [0.25, -0.5, 0.0, 0.5]
    r = pow2(w, terms=2, exponents=3)
    assert r.weights.ravel().tolist() == [0.25, -0.75, 0.0, 0.75]
    assert r.codes.ravel().tolist() == [2, -6, 0, 6] and r.hw.weight_bits == 4 and r.hw.terms_per_weight == 1.25
    assert pow2(matrix([3.0]), terms=1, exponents=3, max_exp=2).weights.ravel().tolist() == [2.0]  # tie: smaller


def test_bits_helpers():
    assert nearest_in_mask(np.array([6, 2, 3, 7]), 0b101, 3).tolist() == [5, 1, 4, 5]
    assert nearest_in_mask(np.array([6]), 0b000, 3).tolist() == [0]
    assert nearest_few_ones(np.array([2.4, 7.2, 0.4, 5.6, 3.0]), 1, 3).tolist() == [2, 4, 0, 4, 2]
    assert popcount(np.array([0, 7, 8, 255])).tolist() == [0, 3, 1, 8]
    occ = cell_occupancy(np.ones((1, 1, 2)), np.array([[[-1, 2]]]), 3, 1)   # words 101, 010
    assert occ.tolist() == [[[[True, False, True], [False, True, False]]]]


BITFLIP_IN = quantize(matrix([7.0], [5.0], [1.0], [0.0]), bits=4, geometry=Geometry(4, 4, 1))  # codes 7, 5, 1, 0


@pytest.mark.parametrize("budget", [{"max_abs_error": 1.0}, {"max_rel_error": 0.21}])
def test_bitflip_frees_the_cheapest_column_and_compensates(budget):
    # freeing bit 0 costs 1+1+1 (7->6, 5->4, 1->0), bit 1 costs 2^2 (7->5), bit 2 costs 16+4
    r = bitflip(BITFLIP_IN, geometry=Geometry(4, 4, 1), **budget)
    assert r.codes.ravel().tolist() == [6, 4, 0, 0]
    assert BITFLIP_IN.hw.freed_bit_columns == 0.25 and r.hw.freed_bit_columns == 0.5   # sign; sign + bit 0
    assert r.scheme == "quantize+bitflip"


def test_bitflip_within_a_tight_budget_changes_nothing():
    r = bitflip(BITFLIP_IN, geometry=Geometry(4, 4, 1), max_rel_error=0.19)  # 0.19^2 * 75 < 3
    assert r.codes.ravel().tolist() == [7, 5, 1, 0]


def test_binary_bucket_hand_case():
    r = binary_bucket(matrix([0.5, -0.3], [0.1, -0.1]), eps=0.0625)   # alpha 0.25, step 0.125
    assert r.weights.ravel().tolist() == [0.5, -0.25, 0.125, -0.125]
    assert r.codes.ravel().tolist() == [2, 0, -1, 1]
    assert r.hw.weight_bits == 3 and r.hw.stored_bits == 12 + 96      # 1 sign + 2 bucket bits
    assert (r.hw.decode_ops_per_weight, r.hw.decode_bits_per_weight) == (2.0, 3.0)


def test_cluster_refines_the_quantile_codebook():
    w = np.array([1, 2, 3, 4, 100, 101.0]).reshape(1, 6, 1)
    assert cluster(w, k=2).weights.ravel().tolist() == [2.5] * 4 + [100.5] * 2
    one_step = cluster(w, k=2, max_sweeps=0).weights.ravel()           # quantile means 2 and 68.33
    assert one_step.tolist() == [2.0] * 4 + [float(np.float32(205 / 3))] * 2
    r = cluster(np.array([0, 1, 2, 0.0]).reshape(1, 4, 1), k=2)        # zeros: an extra 0 entry
    assert r.codes.ravel().tolist() == [2, 0, 1, 2] and r.extras["codebook"].tolist() == [1, 2, 0]
    assert r.hw.weight_bits == 2 and (r.hw.decode_ops_per_weight, r.hw.decode_bits_per_weight) == (1.0, 34.0)


def test_chain_measures_error_against_the_chain_input_and_matches_the_mapper():
    layer = accelsim.load_workload(ROOT / "workloads/toy3.yaml").layers[1]     # Kred 144, 40 filters
    w = synthetic_weights(layer, np.random.default_rng(1))
    r = compress(w, [{"scheme": "prune", "sparsity": 0.5}, {"scheme": "quantize", "bits": 16}],
                 geometry=Geometry(128, 128, 2), kernel=9)
    assert r.scheme == "prune+quantize" and r.error["rel_l2"] > 0.2           # includes the pruning
    from accelsim.workload.mapping.crossbar import map_crossbar
    plan = map_crossbar(layer, accelsim.load_hardware(ROOT / "hwconfigs/isaac.yaml"))   # 16-bit, 2-bit cells
    assert r.hw.crossbars_dense == plan.crossbars == 6


def test_dense_defaults():
    hw = HardwareStats()
    assert (hw.density, hw.kept_filters, hw.freed_bit_columns, hw.crossbars_compressed) == (1.0, 1.0, 0.0, 0)


# --- properties ---------------------------------------------------------------------------------

def weight_arrays(max_k=24, max_n=6):
    shape = st.tuples(st.integers(1, 2), st.integers(1, max_k), st.integers(1, max_n))
    values = st.floats(-4, 4, allow_nan=False, width=32).map(lambda v: 0.0 if abs(v) < 1e-3 else v)
    return shape.flatmap(lambda s: arrays(np.float64, s, elements=values))


def check_books(r):
    hw = r.hw
    assert r.ratio == 32 * r.weights.size / hw.stored_bits
    assert hw.stored_bits <= r.weights.size * hw.weight_bits + r.meta_bits
    for name in ("density", "kept_filters", "kept_channels", "freed_row_fraction", "freed_col_fraction",
                 "freed_bit_columns"):
        assert 0 <= getattr(hw, name) <= 1
    assert hw.crossbars_compressed <= hw.crossbars_dense
    assert hw.density == np.count_nonzero(r.weights) / r.weights.size


@PROPS
@given(weight_arrays(), st.floats(0, 0.99))
def test_prune_density_is_exact(w, sparsity):
    r = prune(w, sparsity=sparsity)
    zeros = max(math.floor(sparsity * w.size), int(np.sum(w == 0)))
    assert np.count_nonzero(r.weights) == w.size - zeros
    kept = r.weights != 0
    assert np.all(r.weights[kept] == w[kept])
    if kept.any() and (~kept).any():
        assert np.abs(w[~kept]).max() <= np.abs(w[kept]).min()
    check_books(r)


@PROPS
@given(weight_arrays(), st.integers(2, 12), st.booleans())
def test_quantize_error_within_half_a_step(w, bits, per_channel):
    r = quantize(w, bits=bits, per_channel=per_channel)
    scale = np.broadcast_to(r.scale, w.shape)
    assert np.all(np.abs(r.weights - w) <= scale / 2 * (1 + 1e-12))
    assert np.abs(r.codes).max() <= 2 ** (bits - 1) - 1
    assert np.array_equal(r.weights, r.codes * r.scale) and np.all(r.codes[w == 0] == 0)
    check_books(r)


@PROPS
@given(weight_arrays(8, 3), st.integers(1, 3), st.integers(1, 6))
def test_pow2_is_the_nearest_representable_value(w, terms, exponents):
    r = pow2(w, terms=terms, exponents=exponents)
    scale = float(r.scale.ravel()[0])
    levels = np.array([m for m in range(2 ** exponents) if bin(m).count("1") <= terms]) * scale
    best = np.abs(np.abs(w)[..., None] - levels).min(axis=-1)
    assert np.allclose(np.abs(r.weights - w), best, rtol=0, atol=1e-12)
    assert popcount(np.abs(r.codes)).max() <= terms
    check_books(r)


@PROPS
@given(weight_arrays(), st.floats(1e-3, 1.0))
def test_binary_bucket_error_within_eps(w, eps):
    r = binary_bucket(w, eps=eps)
    assert np.all(np.abs(r.weights - w) <= eps + 1e-12 * (1 + np.abs(w)))
    assert np.all(r.weights[w == 0] == 0)
    check_books(r)


@PROPS
@given(weight_arrays(), st.integers(2, 9))
def test_cluster_uses_at_most_k_values_each_the_nearest(w, k):
    r = cluster(w, k=k)
    values = np.unique(r.weights[w != 0])
    assert len(values) <= k
    if values.size:
        nearest = np.abs(w[w != 0][:, None] - values[None, :]).min(axis=1)
        assert np.allclose(np.abs(r.weights[w != 0] - w[w != 0]), nearest, rtol=0, atol=1e-6)
    check_books(r)


def free_cells_naive(codes: np.ndarray, bits: int, geo: Geometry) -> np.ndarray:
    """(g, row block, filter, cell) True where the cell column stores only zeros: loops only."""
    g, k, n = codes.shape
    cells = -(-bits // geo.cell_bits)
    rb = -(-k // geo.rows)
    free = np.ones((g, rb, n, cells), dtype=bool)
    for gi in range(g):
        for row in range(k):
            for f in range(n):
                c = int(codes[gi, row, f])
                word = abs(c) + (2 ** (bits - 1) if c < 0 else 0)
                for cell in range(cells):
                    if (word >> (cell * geo.cell_bits)) % 2 ** geo.cell_bits:
                        free[gi, row // geo.rows, f, cell] = False
    return free


@PROPS
@given(weight_arrays(20, 4), st.integers(3, 8), st.sampled_from([2, 4, 8]), st.sampled_from([1, 2]),
       st.floats(0, 0.4), st.booleans())
def test_bitflip_stays_within_budget_and_really_frees_columns(w, bits, rows, cell_bits, budget, absolute):
    geo = Geometry(rows, 64, cell_bits)
    q = quantize(w, bits=bits)
    kwargs = {"max_abs_error": budget * float(np.abs(w).max())} if absolute else {"max_rel_error": budget}
    r = bitflip(q, geometry=geo, **kwargs)
    diff = r.weights - q.weights
    if absolute:
        assert np.abs(diff).max() <= kwargs["max_abs_error"]
    else:
        assert np.linalg.norm(diff) <= budget * np.linalg.norm(q.weights) * (1 + 1e-9) + 1e-12
    before, after = free_cells_naive(q.codes, bits, geo), free_cells_naive(r.codes, bits, geo)
    assert np.all(after[before])                                # a free column stays free
    assert r.hw.freed_bit_columns == after.mean() >= before.mean()
    assert np.all((r.codes == 0) | (np.sign(r.codes) == np.sign(q.codes)))
    assert np.array_equal(r.weights, r.codes * r.scale)
    check_books(r)


@PROPS
@given(weight_arrays(), st.floats(0, 0.9), st.sampled_from(["rows", "cols"]))
def test_xbar_prune_books(w, ratio, target):
    r = compress(w, [{"scheme": "quantize", "bits": 4},
                     {"scheme": "xbar_prune", "ratio": ratio, "target": target, "rows": 4, "cols": 8}])
    assert r.geometry == Geometry(4, 8, 1)
    check_books(r)


# --- layers, seeds and specs --------------------------------------------------------------------

TOY = """\
name: toyc
source: "synthetic test network"
defaults:
  compression: [{scheme: prune, sparsity: 0.5}, {scheme: quantize, bits: 8, per_channel: true},
                {scheme: bitflip, max_rel_error: 0.05}]
layers:
  - {name: c1, type: conv, C: 3, H: 16, W: 16, K: 16, R: 3, S: 3, stride: 1, padding: 1}
  - {name: p1, type: maxpool, C: 16, H: 16, W: 16, R: 2, S: 2, stride: 2}
  - {name: dw, type: depthwise, C: 16, H: 8, W: 8, R: 3, S: 3, stride: 1, padding: 1}
  - {name: fc, type: linear, in_features: 1024, out_features: 10, compression: {scheme: cluster, k: 8}}
  - {name: g, type: gemm, M: 8, K: 64, N: 32, groups: 2, compression: [{scheme: binary_bucket, rel_eps: 0.2}]}
  - {name: plain, type: linear, in_features: 10, out_features: 10, compression: []}
"""


def test_same_seed_same_bits(tmp_yaml):
    wl = accelsim.load_workload(tmp_yaml(TOY, "toy.yaml"))
    geo = Geometry(64, 64, 1)
    a = compress_workload(wl, geometry=geo, rng=np.random.default_rng(7))
    b = compress_workload(wl, geometry=geo, rng=np.random.default_rng(7))
    c = compress_workload(wl, geometry=geo, rng=np.random.default_rng(8))
    assert list(a) == ["c1", "dw", "fc", "g"]
    for name in a:
        assert np.array_equal(a[name][0].weights, b[name][0].weights)
        assert np.array_equal(a[name][0].codes, b[name][0].codes) and a[name][0].hw == b[name][0].hw
        assert not np.array_equal(a[name][0].weights, c[name][0].weights)


def test_synthetic_weights_shapes_and_scales():
    layer = Layer(name="c", kind="conv", C=64, H=8, W=8, K=32, R=3, S=3, groups=2)
    for dist in ("normal", "laplace", "uniform"):
        w = synthetic_weights(layer, np.random.default_rng(0), dist)
        assert w.shape == (2, 288, 16) and w.std() == pytest.approx(math.sqrt(2 / 288), rel=0.05)
    with pytest.raises(WorkloadError, match="unknown distribution"):
        synthetic_weights(layer, np.random.default_rng(0), "cauchy")


BAD = [
    ("{scheme: prune, sparsity: 1.5}", r"layers\[0\] \(c1\)\.compression\[0\]\.sparsity", "less than 1"),
    ("{scheme: prune, sparsty: 0.5}", r"compression\[0\]\.sparsty", "valid keys for prune: scheme, sparsity"),
    ("[{scheme: quantize}, {scheme: shrink}]", r"compression\[1\]\.scheme", "known: prune, structured_prune"),
    ("{sparsity: 0.5}", r"compression\[0\]\.scheme", "missing `scheme`"),
    ("{scheme: quantize, bits: 1}", r"compression\[0\]\.bits", "greater than or equal to 2"),
    ("{scheme: quantize, bits: '8'}", r"compression\[0\]\.bits", "valid integer"),
    ("[{scheme: quantize}, {scheme: bitflip, rows: 8, cols: 8}]", r"compression\[1\]", "max_rel_error or"),
    ("{scheme: binary_bucket, eps: 0.1, rel_eps: 0.1}", r"compression\[0\]", "exactly one"),
    ("{scheme: xbar_prune, ratio: 0.5, rows: 8}", r"compression\[0\]", "both rows and cols"),
    ("[{scheme: compressed}, {scheme: prune, sparsity: 0.1}]", r"compression\[0\]\.scheme", "stands alone"),
]


@pytest.mark.parametrize("block,key,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_specs_name_the_key_at_load_time(tmp_yaml, block, key, reason):
    text = f"name: bad\nlayers:\n  - {{name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, compression: {block}}}\n"
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(tmp_yaml(text, "bad.yaml"))
    assert info.match(key) and info.match(reason)


def test_order_and_geometry_errors_name_the_step():
    layer = Layer(name="c", kind="conv", C=4, H=4, W=4, K=4, R=1, S=1,
                  compression=((("scheme", "bitflip"), ("max_rel_error", 0.1)),))
    with pytest.raises(WorkloadError, match=r"c'\.compression\[0\]\.scheme: bitflip needs integer codes"):
        compress_layer(layer, rng=np.random.default_rng(0))
    with pytest.raises(WorkloadError, match=r"compression\[0\]\.rows: xbar_prune needs a crossbar geometry"):
        compress(np.ones((1, 4, 4)), [{"scheme": "xbar_prune", "ratio": 0.5}])
    with pytest.raises(WorkloadError, match="must come before cluster"):
        compress(np.ones((1, 4, 4)), [{"scheme": "cluster", "k": 2}, {"scheme": "prune", "sparsity": 0.5}])
    with pytest.raises(WorkloadError, match="known: prune"):
        compress(np.ones((1, 4, 4)), [{"scheme": "lowrank"}])
    with pytest.raises(WorkloadError, match=r"compression\[2\]\.rows: the transforms name different crossbar"):
        compress(np.ones((1, 4, 4)), [{"scheme": "xbar_prune", "ratio": 0.1, "rows": 4, "cols": 4}, {"scheme": "pow2"},
                                      {"scheme": "bitflip", "max_rel_error": 0.1, "rows": 8, "cols": 4}])
    assert compress(np.ones((1, 4, 4)), {"scheme": "quantize", "bits": 4}).hw.weight_bits == 4   # one step


# --- the CLI ------------------------------------------------------------------------------------

def test_compress_cli_end_to_end(tmp_path, capsys):
    src = tmp_path / "toy.yaml"
    src.write_text(TOY)
    out = tmp_path / "out"
    assert main(["compress", str(src), "-o", str(out), "--seed", "3", "--geometry", "64,64,1"]) == 0
    table = capsys.readouterr().out
    assert "prune+quantize+bitflip" in table and "cluster" in table and "total" in table
    again = tmp_path / "again"
    assert main(["compress", str(src), "-o", str(again), "--seed", "3", "--geometry", "64,64,1", "-q"]) == 0
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "out.npz").read_bytes()

    compressed = accelsim.load_workload(tmp_path / "out.yaml")
    original = accelsim.load_workload(src)
    assert compressed.macs == original.macs and len(compressed.layers) == len(original.layers)
    expected = compress_workload(original, geometry=Geometry(64, 64, 1), rng=np.random.default_rng(3))
    for layer in compressed.layers:
        stats = compressed_stats(layer)
        assert (stats is None) == (layer.name not in expected)
        if stats is not None:
            assert stats == expected[layer.name][0].hw
    with np.load(tmp_path / "out.npz") as npz:
        assert np.array_equal(npz["c1::codes"], expected["c1"][0].codes)
        assert npz["fc::codebook"].size <= 8
        weights = {k: npz[k] for k in npz.files}
    # feeding the output's weights back in keeps prune+quantize layers' sparsity
    np.savez(tmp_path / "w.npz", c1=weights["c1"])
    assert main(["compress", str(src), "-o", str(tmp_path / "re"), "--weights", str(tmp_path / "w.npz"), "-q",
                 "--geometry", "64,64,1"]) == 0
    assert "weights: file" in (tmp_path / "re.yaml").read_text()

    for hw in ("systolic_32x32", "isaac"):
        run_dir = tmp_path / hw
        assert main(["run", str(ROOT / "hwconfigs" / f"{hw}.yaml"), str(tmp_path / "out.yaml"), "-q",
                     "-o", str(run_dir)]) == 0
        assert (run_dir / "summary.json").exists()
    # already compressed layers pass through a second compress unchanged
    assert main(["compress", str(tmp_path / "out.yaml"), "-o", str(tmp_path / "twice"), "-q"]) == 0
    assert accelsim.load_workload(tmp_path / "twice.yaml").layers[0].compression == compressed.layers[0].compression


def test_compress_cli_errors(tmp_path, capsys):
    src = tmp_path / "toy.yaml"
    src.write_text(TOY)
    assert main(["compress", str(src), "-o", str(tmp_path / "o"), "--geometry", "64,x"]) == 2
    assert "--geometry" in capsys.readouterr().err
    np.savez(tmp_path / "w.npz", nope=np.ones(3))
    assert main(["compress", str(src), "-o", str(tmp_path / "o"), "--weights", str(tmp_path / "w.npz")]) == 2
    assert "no layer with weights is named 'nope'" in capsys.readouterr().err
    np.savez(tmp_path / "w.npz", c1=np.ones((3, 3)))
    assert main(["compress", str(src), "-o", str(tmp_path / "o"), "--weights", str(tmp_path / "w.npz")]) == 2
    assert "do not fit the layer" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(TOY.replace("{scheme: cluster, k: 8}", "{scheme: bitflip, max_abs_error: 0.1}"))
    assert main(["compress", str(bad), "-o", str(tmp_path / "o"), "--geometry", "64,64"]) == 2
    err = capsys.readouterr().err
    assert "layers[3] (fc).compression[0].scheme: bitflip needs integer codes" in err
