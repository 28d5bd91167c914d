"""ADC resolution follows the data, and ADC energy and area follow resolution (issue 11, item 1)."""

from __future__ import annotations

import numpy as np
import pytest

import accelsim
from accelsim.errors import ConfigError
from accelsim.devices.adc import column_sum_bits, scale_area, scale_energy
from accelsim.energy.table import adc_stat, energy_table
from accelsim.workload import Layer, Workload
from accelsim.workload.compression import Geometry, bitflip, compress, quantize
from accelsim.workload.mapping.crossbar import map_crossbar
from tests.conftest import ROOT

GEO = Geometry(4, 8, 1)
COLUMN = quantize(np.array([7.0, 5.0, 3.0, 1.0]).reshape(1, 4, 1), bits=4, geometry=GEO)  # codes 7 5 3 1


def _hw(name="isaac.yaml", **overrides):
    return accelsim.load_hardware(ROOT / "hwconfigs" / name, overrides)


def test_sar_and_walden_laws_at_4_vs_8_bits():
    assert scale_energy(4, 8) == pytest.approx(0.79 / 1.67)      # 32 nm SAR table, REFERENCE.md
    assert scale_area(4, 8) == pytest.approx(361 / 1200)
    assert scale_energy(4, 8, "walden") == scale_area(4, 8, "walden") == 1 / 16


@pytest.mark.parametrize("law, ratio", [("sar_32nm", 0.79 / 1.67), ("walden", 1 / 16)])
def test_adc_energy_and_area_at_4_bits_follow_the_law_from_isaacs_8_bit_figures(law, ratio):
    base = {"compute.tile.ima.adc.scaling": law}
    eight = _hw(**base)
    four = _hw(**base, **{"compute.tile.ima.adc.bits": 4, "compute.tile.ima.adc.lossless": False})
    (e8,) = [e for e in energy_table(eight) if e.stats == (adc_stat(8),)]
    (e4,) = [e for e in energy_table(four) if e.stats == (adc_stat(4),)]
    assert e8.pj_per_unit == pytest.approx(16 * 1e9 / (8 * 1.28e9))   # Table I: 16 mW / (8 ADCs x 1.28 GS/s)
    assert e4.pj_per_unit == pytest.approx(e8.pj_per_unit * ratio)
    area = {"sar_32nm": 361 / 1200, "walden": 1 / 16}[law]
    assert e4.area_mm2 == pytest.approx(e8.area_mm2 * area)
    # a run: the same conversions, each priced by the law
    wl = Workload("fc", (Layer(name="fc", kind="linear", C=128, H=1, W=1, K=8, N=4),))
    r8, r4 = accelsim.simulate(eight, wl), accelsim.simulate(four, wl)

    def adc(r, what):
        c = r.components
        return float(c[(c.component == "adc") & (c.stat == what)]["value"].sum())

    assert adc(r4, "conversions") == adc(r8, "conversions") > 0
    assert adc(r4, "dynamic_energy_pj") == pytest.approx(adc(r8, "dynamic_energy_pj") * ratio)


def test_adc_figures_need_the_resolution_they_are_for():
    with pytest.raises(ConfigError, match="reference_bits"):
        _hw(**{"compute.tile.ima.adc.reference_bits": None})


def test_column_cap_hand_worked():
    # one filter of 4 rows, 3 magnitude bits: 7 = 111, 5 = 101, 3 = 011, 1 = 001
    # bit-0 column sums 4 ones; bits 1 and 2 sum 2 each (largest column sum 4 -> 3-bit ADC)
    assert COLUMN.hw.max_column_sum == 4 and column_sum_bits(4) == 3
    # cap 3: bit 0 drops one 1; every candidate costs 1 re-coded within bits {1, 2}
    # (7 -> 6, 5 -> 4, 3 -> 2, 1 -> 0), the first in row order goes
    r = bitflip(COLUMN, max_column_ones=3)
    assert r.codes.ravel().tolist() == [6, 5, 3, 1]
    assert r.hw.max_column_sum == 3 and column_sum_bits(3) == 2
    # cap 2: bits 1 and 2 are at the cap; a weight keeps its own 1s there but adds none:
    # 7 -> 6, 5 -> 4, 3 -> 2, 1 -> 0, all cost 1: the first two go
    assert bitflip(COLUMN, max_column_ones=2).codes.ravel().tolist() == [6, 4, 3, 1]
    # cap 1: bit 0 keeps one 1 ([6, 4, 2, 1]); bit 1 then holds 6 and 2: 6 -> 4 and 2 -> 0 both
    # add 8, the first goes ([4, 4, 2, 1]); bit 2 holds 4 (from 7: +40 to clear) and 4 (from 5: +24)
    assert bitflip(COLUMN, max_column_ones=1).codes.ravel().tolist() == [4, 0, 2, 1]


def test_mapping_converts_at_the_bits_the_column_sums_need():
    layer = Layer(name="fc", kind="linear", C=4, H=1, W=1, K=1, N=1, weight_bits=4, act_bits=4)
    stats = bitflip(COLUMN, max_column_ones=3).hw
    hw = _hw("era_bs.yaml", **{"compute.tile.ima.crossbar.rows": 4, "compute.tile.ima.crossbar.cols": 8,
                                "compute.adc_resolution": "column_sums"})
    assert map_crossbar(layer, hw, stats).adc_bits == 2
    assert map_crossbar(layer, hw).adc_bits == 6                           # no statistics: adc.bits
    fixed = _hw("era_bs.yaml", **{"compute.tile.ima.crossbar.rows": 4, "compute.tile.ima.crossbar.cols": 8,
                                   "compute.adc_resolution": "fixed"})
    assert map_crossbar(layer, fixed, stats).adc_bits == 6


def _gapped(pattern):
    """8 rows of one filter, 4-bit codes (7 = 111 or 0) on 4-row, 8-column 1-bit arrays: two row blocks."""
    return quantize(np.array(pattern, dtype=float).reshape(1, 8, 1), bits=4, geometry=GEO)


def _era(resolution):
    return _hw("era_bs.yaml", **{"compute.tile.ima.crossbar.rows": 4, "compute.tile.ima.crossbar.cols": 8,
                                  "compute.adc_resolution": resolution})


GAPPED_LAYER = Layer(name="fc", kind="linear", C=8, H=1, W=1, K=1, N=1, weight_bits=4, act_bits=4)


def test_column_sums_chip_packing_never_merges_past_the_in_place_sums():
    # each row block has one empty row: in place every column sums 3 (a 2-bit ADC). Dropping the
    # empty rows and packing 4 to an array puts rows 0, 1, 2 and 4 together: a sum of 4 (3 bits)
    hw = _gapped([1, 1, 1, 0, 1, 1, 1, 0]).hw
    assert (hw.crossbars_compressed, hw.max_column_sum) == (2, 4)
    # the capped packing closes the array before row 4: [0, 1, 2], [4, 5, 6], sums 3
    assert hw.packing(capped=True) == (2, 6 / 8, 6 / 8, 3)   # 3 magnitude columns each
    assert map_crossbar(GAPPED_LAYER, _era("column_sums"), hw).adc_bits == 2


def test_row_compaction_keeps_merging_on_a_fixed_resolution_chip():
    # two used rows per block: dropping the empty ones fits all four in one array (sum 4);
    # a column_sums chip keeps the blocks apart (two arrays, sums 2: a 2-bit ADC)
    hw = _gapped([1, 1, 0, 0, 1, 1, 0, 0]).hw
    assert hw.packing() == (1, 3 / 8, 4 / 8, 4)
    assert hw.packing(capped=True) == (2, 6 / 8, 4 / 8, 2)
    fixed, sums = map_crossbar(GAPPED_LAYER, _era("fixed"), hw), map_crossbar(GAPPED_LAYER, _era("column_sums"), hw)
    assert (fixed.crossbars, fixed.adc_bits) == (1, 6)
    assert (sums.crossbars, sums.adc_bits) == (2, 2)
    assert fixed.per_vector["adc"] == 4 * 3 and sums.per_vector["adc"] == 4 * 6  # 4 input slices x columns


def test_cap_holds_on_random_layers_and_within_the_release_budget():
    w = np.random.default_rng(3).normal(size=(1, 300, 20))
    for cell_bits in (1, 2):
        geo = Geometry(64, 64, cell_bits)
        r = compress(w, [{"scheme": "pow2", "terms": 2, "exponents": 7},
                         {"scheme": "bitflip", "max_rel_error": 0.05, "max_column_ones": 9}], geometry=geo)
        # the capped packing (a column_sums chip's) holds the cap wherever it merges rows; the
        # free one may sum more, never with more crossbars
        assert r.hw.capped_max_column_sum <= 9
        assert r.hw.crossbars_compressed <= r.hw.capped_crossbars <= r.hw.crossbars_dense
        mags = np.abs(r.codes)
        rb = -(-300 // 64)
        padded = np.zeros((rb * 64, 20), dtype=np.int64)
        padded[:300] = mags[0]
        for j in range(0, 7, cell_bits):
            if j + cell_bits > 7:
                break
            level = (padded >> j) & ((1 << cell_bits) - 1)
            assert level.reshape(rb, 64, 20).sum(axis=1).max() <= 9


# --- crossbar-aware activation pruning (issue 11, item 2) ---------------------------------------

def test_activation_pruning_skips_exactly_the_slices_it_pruned():
    from accelsim.functional import prune_activations

    hw = _hw("era_bs.yaml", **{"compute.tile.ima.crossbar.rows": 4, "compute.activation_prune_ones": 1})
    x = np.array([[[1, 0, 0, 0, 15, 15, 15, 15]]])        # 4-bit inputs, two row blocks of 4
    out, counts = prune_activations(hw, x, 4)
    # block 0: slice 0 carries one 1 -> pruned; slices 1-3 are zero already; block 1: 4 ones each
    assert out.tolist() == [[[0, 0, 0, 0, 15, 15, 15, 15]]]
    assert counts["pruned_slice_fraction"] == 1 / 8 and counts["zero_slice_fraction"] == 4 / 8
    assert counts["activation_rel_error"] == pytest.approx(1 / np.sqrt(1 + 4 * 225))
    off = _hw("era_bs.yaml", **{"compute.tile.ima.crossbar.rows": 4})
    same, plain = prune_activations(off, x, 4)
    assert same.tolist() == x.tolist() and plain["zero_slice_fraction"] == 3 / 8


def test_pruning_chip_skips_the_measured_share_and_reports_its_error():
    from accelsim.functional import input_slices, run_functional

    wl = ROOT / "workloads" / "toy3.yaml"
    hw = _hw("era_bs.yaml", **{"compute.activation_prune_ones": 4})
    frame = input_slices(hw, accelsim.load_workload(wl), np.random.default_rng([0, 1]))
    full = run_functional(hw, accelsim.load_workload(wl), np.random.default_rng([0, 1]))
    assert frame["zero_slice_fraction"].tolist() == full["zero_slice_fraction"].tolist()  # the datapath agrees
    assert (frame["pruned_slice_fraction"] > 0).sum() >= 2
    plain = input_slices(_hw("era_bs.yaml"), accelsim.load_workload(wl), np.random.default_rng([0, 1]))
    gain = frame["zero_slice_fraction"] - plain["zero_slice_fraction"]
    assert gain.tolist() == pytest.approx(frame["pruned_slice_fraction"].tolist())
    on, off = accelsim.simulate(hw, wl), accelsim.simulate(_hw("era_bs.yaml", **{
        "compute.zero_slice_skipping": False}), wl)
    a, b = on.layers.set_index("layer"), off.layers.set_index("layer")
    f = frame.set_index("layer")
    for name in f.index:
        assert a.loc[name, "crossbar_reads"] == int(b.loc[name, "crossbar_reads"] * (1 - f.loc[name, "zero_slice_fraction"]))
        assert a.loc[name, "activation_rel_error"] == f.loc[name, "activation_rel_error"]
    assert on.summary["activation_max_rel_error"] == f["activation_rel_error"].max()


def test_a_run_reports_and_prices_each_layers_adc_bits():
    import dataclasses

    wl = accelsim.load_workload(ROOT / "workloads" / "toy3.yaml")
    block = ((("exponents", 7), ("scheme", "pow2"), ("terms", 2)),
             (("cell_bits", 1), ("cols", 128), ("max_column_ones", 7), ("max_rel_error", 0.05), ("rows", 128),
              ("scheme", "bitflip")))
    wl = dataclasses.replace(wl, layers=tuple(dataclasses.replace(layer, compression=block) for layer in wl.layers))
    r = accelsim.simulate(_hw("era_bs.yaml"), wl)
    assert (r.layers["adc_bits"] <= 3).all()                 # cap 7 -> ceil(log2 8) = 3 bits at most
    c = r.components
    for name, bits in zip(r.layers["layer"], r.layers["adc_bits"]):
        stat = c[(c.component == "adc") & (c.stat == adc_stat(int(bits)))]["value"].sum()
        assert stat > 0
    total = c[(c.component == "adc") & (c.stat == "conversions")]["value"].sum()
    by_bits = c[(c.component == "adc") & c.stat.str.match(r"conversions_\d+b$")]["value"].sum()
    assert by_bits == total == r.layers["adc_conversions"].sum()


def test_compress_table_shows_the_packing_each_chip_maps():
    from accelsim.workload.compression.cli import layer_table

    wl = Workload("w", (GAPPED_LAYER,))
    table = layer_table(wl, {"fc": (_gapped([1, 1, 0, 0, 1, 1, 0, 0]), "synthetic")})
    line = table.splitlines()[1]
    assert line.split()[-6:] == ["2->1", "(2", "capped)", "2", "(3", "free)"]
