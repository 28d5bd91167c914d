"""Compression changes what the hardware does, exactly as its statistics say."""

from __future__ import annotations

import math

import pytest

import accelsim
from accelsim.workload import Layer, Workload
from accelsim.workload.compression.effect import pruned_layer
from accelsim.workload.compression.result import HardwareStats
from accelsim.workload.mapping.crossbar import map_crossbar
from accelsim.workload.mapping.dispatch import map_workload
from tests.conftest import ROOT

CONV = Layer(name="c", kind="conv", C=64, H=16, W=16, K=128, R=3, S=3, pad_top=1, pad_bottom=1,
             pad_left=1, pad_right=1)


def _hw(name, **overrides):
    return accelsim.load_hardware(ROOT / "hwconfigs" / name, overrides)


def test_freed_columns_and_arrays_scale_the_crossbar_counts():
    hw = _hw("era_bs.yaml", **{"compute.zero_slice_skipping": False})
    dense = map_crossbar(CONV, hw)
    # 8-bit weights on 1-bit cells: 16 per crossbar -> 8 column blocks x 5 row blocks
    assert dense.crossbars == 40
    stats = HardwareStats(weight_bits=8, freed_bit_columns=0.25, crossbars_dense=40, crossbars_compressed=30)
    packed = map_crossbar(CONV, hw, stats)
    assert packed.crossbars == 30
    assert packed.per_vector["crossbar"] == pytest.approx(dense.per_vector["crossbar"] * 30 / 40)
    assert packed.per_vector["adc"] == pytest.approx(dense.per_vector["adc"] * 0.75)
    assert packed.per_vector["dac"] == pytest.approx(dense.per_vector["dac"] * 30 / 40)
    # a chip without bit-column release maps the layer densely
    plain = map_crossbar(CONV, _hw("isaac.yaml", **{"compute.precision": "layer"}), stats)
    assert plain.crossbars == map_crossbar(CONV, _hw("isaac.yaml", **{"compute.precision": "layer"})).crossbars


def test_skipped_input_slices_save_reads_and_time_exactly():
    layer = Layer(name="fc", kind="linear", C=128, H=1, W=1, K=16, N=64)  # 64 vectors, 1 crossbar
    hw = _hw("era_bs.yaml", **{"compute.replicate": False, "execution": "layer_by_layer"})
    full = map_crossbar(layer, hw, None, 0.0)
    half = map_crossbar(layer, hw, None, 0.5)
    assert half.per_vector["crossbar"] == full.per_vector["crossbar"] / 2
    assert half.vector_cycles(1) == full.vector_cycles(1) / 2
    off = _hw("era_bs.yaml", **{"compute.zero_slice_skipping": False})
    assert map_crossbar(layer, off, None, 0.5).per_vector["crossbar"] == full.per_vector["crossbar"]


def test_skipping_chip_uses_the_measured_zero_slices():
    wl = ROOT / "workloads" / "toy3.yaml"
    on = accelsim.simulate(ROOT / "hwconfigs" / "era_bs.yaml", wl, functional=True)
    off = accelsim.simulate(_hw("era_bs.yaml", **{"compute.zero_slice_skipping": False}), wl)
    f = on.layers.set_index("layer")["zero_slice_fraction"]
    assert (f > 0).all()
    reads_on = on.layers.set_index("layer")["crossbar_reads"]
    reads_off = off.layers.set_index("layer")["crossbar_reads"]
    for name in f.index:
        assert reads_on[name] == int(reads_off[name] * (1 - f[name]))


def test_structured_pruning_shrinks_the_pe_array_work():
    stats = HardwareStats(weight_bits=8, kept_filters=0.5, kept_channels=0.25)
    run = pruned_layer(CONV, stats)
    assert (run.K, run.C) == (64, 16)
    hw = _hw("scalesim_32x32_ws.yaml")
    plan = map_workload(Workload("w", (CONV,)), hw, [stats])[0]
    # ws: folds = ceil(K_red / 32) * ceil(N / 32) with K_red = 9 * 16, N = 64
    assert plan.folds == math.ceil(9 * 16 / 32) * math.ceil(64 / 32)
    assert plan.macs == CONV.macs // 8 and plan.workload_macs == CONV.macs


def test_codec_chip_moves_codes_not_words_and_pays_decoding():
    stats = HardwareStats(weight_bits=4, stored_bits=9 * 64 * 128 * 4 + 16 * 32, decode_ops_per_weight=1.0)
    hw = _hw("scalesim_32x32_ws.yaml", **{"compute.weight_codec": True})
    plan = map_workload(Workload("w", (CONV,)), hw, [stats])[0]
    assert plan.dram_read_bytes["filter"] == math.ceil(stats.stored_bits / 8)
    assert plan.decode_ops == CONV.weight_count
    dense = map_workload(Workload("w", (CONV,)), _hw("scalesim_32x32_ws.yaml"), [stats])[0]
    assert dense.dram_read_bytes["filter"] == CONV.weight_bytes and dense.decode_ops == 0


def test_zero_gating_saves_mac_energy_not_time():
    stats = HardwareStats(weight_bits=8, density=0.25)
    hw = _hw("eyeriss.yaml", **{"compute.zero_gating": True})
    plan = map_workload(Workload("w", (CONV,)), hw, [stats])[0]
    dense = map_workload(Workload("w", (CONV,)), _hw("eyeriss.yaml"), [stats])[0]
    assert plan.density == 0.25 and dense.density == 1.0
    assert plan.compute_cycles == dense.compute_cycles


def test_zero_slices_without_the_datapath_equal_the_functional_measure():
    import numpy as np

    from accelsim.functional import run_functional, zero_slice_fractions

    hw = _hw("era_bs.yaml")
    wl = accelsim.load_workload(ROOT / "workloads" / "lenet5.yaml")
    full = run_functional(hw, wl, np.random.default_rng([3, 1]), vectors=64).set_index("layer")["zero_slice_fraction"]
    full = full.dropna()   # pools: reported, not bit-modelled
    cheap = zero_slice_fractions(hw, wl, np.random.default_rng([3, 1]), vectors=64)
    assert cheap == pytest.approx(full.to_dict(), abs=0)
    # and a skipping run is timed the same with or without the functional columns
    a = accelsim.simulate(hw, wl, seed=3, functional_vectors=64)
    b = accelsim.simulate(hw, wl, seed=3, functional=True, functional_vectors=64)
    assert a.layers["cycles"].tolist() == b.layers["cycles"].tolist()
