"""Functional mode on compressed workloads: it runs the compressed weights the timing path
measures, at the per-layer ADC resolution the mapping uses (`adc_resolution: column_sums`)."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim import load_hardware, load_workload
from accelsim.functional import converter, run_functional
from accelsim.kernels import crossbar_mvm
from accelsim.simulator import simulate
from accelsim.workload.compression.effect import workload_compression, workload_stats
from accelsim.workload.compression.spec import compressed_stats
from tests import naive
from tests.conftest import ROOT

ERA = ROOT / "hwconfigs" / "era_bs.yaml"
ISAAC8 = {"compute.precision": "layer"}
BLOCK = ("compression:\n"
         "    - {scheme: pow2, terms: 2, exponents: 7}\n"
         "    - {scheme: bitflip, max_rel_error: 0.05, max_column_ones: CAP, rows: 128, cols: 128, cell_bits: 1}\n")


def _workload(tmp_yaml, cap=63, prune=False):
    block = "compression:\n    - {scheme: prune, sparsity: 0.6}\n    - {scheme: quantize, bits: 8}\n" if prune \
        else BLOCK.replace("CAP", str(cap))
    return tmp_yaml("name: tinyc\nsource: test\n"
                    "defaults:\n  batch: 1\n  weight_bits: 8\n  act_bits: 8\n  " + block +
                    "layers:\n"
                    "  - {name: c1, type: conv, C: 16, H: 10, W: 10, K: 32, R: 3, S: 3, padding: 1}\n"
                    "  - {name: p1, type: maxpool, C: 32, H: 10, W: 10, R: 2, S: 2, stride: 2}\n"
                    "  - {name: c2, type: conv, C: 32, H: 5, W: 5, K: 24, R: 3, S: 3, padding: 1}\n"
                    "  - {name: fc, type: linear, in_features: 600, out_features: 10}\n", "tinyc.yaml")


def test_same_stats_as_the_timing_path(tmp_yaml):
    hw, wl = load_hardware(ERA), load_workload(_workload(tmp_yaml))
    stats, results = workload_compression(wl, hw, 3)
    assert stats == workload_stats(wl, hw, 3, cache=False)
    assert [r is None for r in results] == [False, True, False, False]
    assert results[0].codes is not None and results[0].weights is None   # pow2 + bitflip: linear codes


def test_second_run_takes_weights_and_stats_from_the_cache(tmp_yaml, tmp_path, monkeypatch):
    from accelsim.workload.compression import cache as disk
    from accelsim.workload.compression import effect

    monkeypatch.setenv(disk.ENV_DIR, str(tmp_path / "cache"))
    hw, wl = load_hardware(ERA), load_workload(_workload(tmp_yaml))
    stats, results = workload_compression(wl, hw, 4)
    assert len(list((disk.cache_dir() / disk.KIND).glob("*.weights.npz"))) == 3

    def no(*a, **k):
        raise AssertionError("compressed again")

    monkeypatch.setattr(effect, "compress_layer", no)
    again, cached = workload_compression(wl, hw, 4)
    assert again == stats
    for a, b in zip(results, cached):
        assert (a is None and b is None) or (np.array_equal(a.codes, b.codes) and a.codes.dtype == b.codes.dtype)
    frame = run_functional(hw, wl, np.random.default_rng(0), stats=stats, compressed=results)
    assert frame.equals(run_functional(hw, wl, np.random.default_rng(0), stats=again, compressed=cached))
    assert disk.clear() == 6 and not list((disk.cache_dir() / disk.KIND).glob("*"))


def test_runs_compressed_codes_at_the_mapped_adc_bits(tmp_yaml):
    path = _workload(tmp_yaml)
    plain = simulate(ERA, path, seed=1, cache=False)
    result = simulate(ERA, path, seed=1, functional=True, cache=False)
    layers = result.layers.set_index("layer")
    # timing is untouched by the data pass, and the functional pass used the mapped resolution
    for col in plain.layers.columns:
        assert plain.layers[col].equals(result.layers[col]), col
    assert layers.loc[["c1", "c2", "fc"], "functional_weights"].tolist() == ["compressed"] * 3
    assert (layers.loc[["c1", "c2", "fc"], "adc_bits"] <= 6).all()
    # bitflip caps every column at 63 ones: the mapped ADC resolves every sum, so no error
    assert (layers.loc[["c1", "c2", "fc"], "max_abs_error"] == 0).all()


def test_capped_adc_clips_as_the_kernel_does(tmp_yaml):
    hw = load_hardware(ERA, {"compute.tile.ima.adc.bits": 4})
    wl = load_workload(_workload(tmp_yaml))
    stats, results = workload_compression(wl, hw, 0)
    bits, full_scale, encoding = converter(hw, wl.layers[0], stats[0])
    assert (bits, full_scale, encoding) == (4, 15.0, "differential")
    frame = run_functional(hw, wl, np.random.default_rng(5), stats=stats, compressed=results).set_index("layer")
    assert (frame.loc[["c1", "c2"], "max_abs_error"] > 0).all()   # column sums past 15 clip
    # the same codes given as tensors, with the same conversion, give the same errors (oracle: naive kernel)
    codes = results[0].codes
    x = np.random.default_rng(9).integers(0, 256, size=(7, codes.shape[1]))
    kw = dict(input_bits=8, weight_bits=8, dac_bits=1, cell_bits=1, rows=128, cols=128, adc_bits=4,
              full_scale=15.0, weight_encoding="differential")
    np.testing.assert_array_equal(crossbar_mvm(x, codes[0], **kw), naive.crossbar_mvm(x, codes[0], **kw)[0])
    given = run_functional(hw, wl, np.random.default_rng(5), tensors={"c1.weight": codes}, stats=stats,
                           compressed=results).set_index("layer")
    assert given.loc["c1", "functional_weights"] == "tensors"
    assert given.loc["c1", "max_abs_error"] == frame.loc["c1", "max_abs_error"]


def test_fixed_resolution_chip_runs_pruned_codes(tmp_yaml):
    hw = load_hardware(ROOT / "hwconfigs" / "isaac.yaml", ISAAC8)
    wl = load_workload(_workload(tmp_yaml, prune=True))
    stats, results = workload_compression(wl, hw, 0)
    assert converter(hw, wl.layers[0], stats[0]) == (9, None, "offset")   # 8 bits + weight flipping
    frame = run_functional(hw, wl, np.random.default_rng(0), stats=stats, compressed=results)
    assert frame["functional_weights"].fillna("-").tolist() == ["compressed", "-", "compressed", "compressed"]
    assert (frame["max_abs_error"].dropna() == 0).all() and frame["max_abs_error"].isna().sum() == 1   # lossless
    # the pruned zeros are in the weights that ran: same frame as giving the codes as tensors
    tensors = {f"{l.name}.weight": r.codes for l, r in zip(wl.layers, results) if r is not None}
    again = run_functional(hw, wl, np.random.default_rng(0), tensors=tensors)
    cols = ["max_abs_error", "rmse", "zero_slice_fraction"]
    assert frame[cols].equals(again[cols])
    assert np.mean(results[0].codes != 0) == stats[0].density < 0.41   # the density the timing run prices


def test_codes_wider_than_the_datapath_are_refused(tmp_yaml):
    from accelsim.errors import InputError

    hw = load_hardware(ROOT / "hwconfigs" / "isaac.yaml", {**ISAAC8})
    wl = load_workload(_workload(tmp_yaml, prune=True))
    stats, results = workload_compression(wl, hw, 0)
    narrow = load_hardware(ROOT / "hwconfigs" / "isaac.yaml", {"compute.weight_bits": 4})
    with pytest.raises(InputError, match="compressed codes need 8 bits"):
        run_functional(narrow, wl, np.random.default_rng(0), stats=stats, compressed=results)


def test_accelsim_compress_output_runs_with_its_npz(tmp_yaml, tmp_path):
    from accelsim.cli import main

    out = tmp_path / "tinyc_c"
    assert main(["compress", str(_workload(tmp_yaml)), "-o", str(out), "--geometry", "128,128,1", "-q"]) == 0
    baked = load_workload(out.with_suffix(".yaml"))
    hw = load_hardware(ERA)
    npz = out.with_suffix(".npz")
    stats = [compressed_stats(layer) if layer.compression else None for layer in baked.layers]
    frame = run_functional(hw, baked, np.random.default_rng(0), tensors=npz, stats=stats).set_index("layer")
    assert frame.loc[["c1", "c2", "fc"], "functional_weights"].tolist() == ["compressed"] * 3
    # the same as giving the codes as <layer>.weight
    with np.load(npz) as data:
        codes = {f"{n}.weight": data[f"{n}::codes"] for n in ("c1", "c2", "fc")}
    again = run_functional(hw, baked, np.random.default_rng(0), tensors=codes, stats=stats).set_index("layer")
    cols = ["max_abs_error", "rmse", "zero_slice_fraction"]
    assert frame.loc[["c1", "c2", "fc"], cols].equals(again.loc[["c1", "c2", "fc"], cols])
    # simulate hands the baked stats over: the mapped 6-bit ADC resolves every capped column sum
    result = accelsim_run(ERA, out.with_suffix(".yaml"), npz)
    assert (result.layers.set_index("layer").loc[["c1", "c2", "fc"], "max_abs_error"] == 0).all()


def accelsim_run(hw, wl, npz):
    return simulate(hw, wl, tensors=npz, cache=False)


def test_compress_entries_without_codes_or_weights_are_one_line(tmp_yaml):
    from accelsim.errors import InputError

    wl = load_workload(_workload(tmp_yaml))
    with pytest.raises(InputError, match=r"c1::\.\.\.: compressed entries without"):
        run_functional(load_hardware(ERA), wl, np.random.default_rng(0), tensors={"c1::scale": np.ones(1)})
