"""Functional mode on attention layers: a matmul of two activations runs on the datapath the
timing run places it on (crossbar cells, the digital matmul unit, a systolic array); pooling
and vector layers are reported as not bit-modelled instead of being left out."""

from __future__ import annotations

import re

import numpy as np

import accelsim
from accelsim import load_hardware
from accelsim.cli import main
from accelsim.functional import _inputs, _weights, run_functional
from accelsim.workload.formats.native import parse_native_dict
from tests import naive
from tests.conftest import ROOT

ISAAC = ROOT / "hwconfigs" / "isaac.yaml"
ISAAC8 = {"compute.precision": "layer"}
COARSE = {"compute.precision": "layer", "compute.tile.ima.adc.bits": 4, "compute.tile.ima.adc.lossless": False,
          "compute.tile.ima.adc.flip_encoding": False}
ATTENTION = [
    {"name": "q", "type": "linear", "in_features": 64, "out_features": 64, "batch": 16},
    {"name": "qk", "type": "matmul", "M": 16, "K": 16, "N": 16, "groups": 4},
    {"name": "sm", "type": "vector", "op": "softmax", "elements": 1024, "rows": 16},
    {"name": "av", "type": "matmul", "M": 16, "K": 16, "N": 16, "groups": 4},
]


def workload():
    return parse_native_dict({"name": "att", "defaults": {"weight_bits": 8, "act_bits": 8}, "layers": ATTENTION},
                             "att.yaml")


def test_matmul_on_cells_and_vector_reported():
    frame = run_functional(load_hardware(ISAAC, ISAAC8), workload(), np.random.default_rng(0)).set_index("layer")
    assert frame["functional_datapath"].tolist() == ["crossbar", "crossbar", "reference", "crossbar"]
    assert frame.loc[["qk", "av"], "functional_weights"].tolist() == ["dynamic", "dynamic"]
    assert (frame.loc[["q", "qk", "av"], "max_abs_error"] == 0).all()     # lossless ADC
    assert frame.loc[["qk", "av"], "functional_vectors"].tolist() == [16, 16]
    assert frame.loc[["qk", "av"], "zero_slice_fraction"].notna().all()
    assert np.isnan(frame.loc["sm", "max_abs_error"]) and frame.loc["sm", "functional_vectors"] == 0


def test_matmul_on_coarse_cells_matches_the_oracle():
    hw, wl = load_hardware(ISAAC, COARSE), workload()
    frame = run_functional(hw, wl, np.random.default_rng(4)).set_index("layer")
    # the same draws by hand, through the naive per-slice crossbar
    root = int(np.random.default_rng(4).integers(1 << 62))
    i, layer = 1, wl.layers[1]
    w = _weights(layer, None, 8, np.random.default_rng([root, i, 0]), "t")
    x = _inputs(layer, None, 8, 256, np.random.default_rng([root, i, 1]), "t")
    kw = dict(input_bits=8, weight_bits=8, dac_bits=1, cell_bits=2, rows=128, cols=128, adc_bits=4)
    err = max(float(np.abs(naive.crossbar_mvm(xg, wg, **kw)[0] - xg @ wg).max()) for xg, wg in zip(x, w))
    assert err > 0 and frame.loc["qk", "max_abs_error"] == err


def test_matmul_on_the_digital_unit_and_on_a_systolic_array():
    unit = load_hardware(ISAAC, {**ISAAC8, "compute.matmul_unit": {"macs_per_cycle": 256}})
    frame = run_functional(unit, workload(), np.random.default_rng(0)).set_index("layer")
    assert frame.loc[["q", "qk", "av"], "functional_datapath"].tolist() == ["crossbar", "matmul_unit", "matmul_unit"]
    assert (frame.loc[["qk", "av"], "max_abs_error"] == 0).all()
    assert frame.loc[["qk", "av"], "zero_slice_fraction"].isna().all()   # no crossbar reads
    sys = run_functional(load_hardware(ROOT / "hwconfigs" / "systolic_32x32.yaml"), workload(),
                         np.random.default_rng(0)).set_index("layer")
    assert sys["functional_datapath"].tolist() == ["systolic", "systolic", "reference", "systolic"]
    assert (sys.loc[["q", "qk", "av"], "max_abs_error"] == 0).all()


def test_operand_tensors_and_same_seed_same_bits():
    hw, wl = load_hardware(ISAAC, COARSE), workload()
    a = run_functional(hw, wl, np.random.default_rng(2))
    b = run_functional(hw, wl, np.random.default_rng(2))
    assert a.equals(b)
    w = np.random.default_rng(1).integers(-127, 128, size=(4, 16, 16))
    given = run_functional(hw, wl, np.random.default_rng(2), tensors={"qk.weight": w}).set_index("layer")
    assert given.loc["qk", "functional_weights"] == "tensors"


def test_timing_unchanged_by_functional_on_a_skipping_chip():
    # era_bs skips zero input slices: the matmuls' skipped share must be the same measured either way
    era = ROOT / "hwconfigs" / "era_bs.yaml"
    plain = accelsim.simulate(era, workload(), seed=3)
    result = accelsim.simulate(era, workload(), seed=3, functional=True)
    for col in plain.layers.columns:
        assert plain.layers[col].equals(result.layers[col]), col
    assert result.layers.set_index("layer").loc["qk", "functional_datapath"] == "crossbar"


def test_cli_names_the_layers_not_modelled(tmp_path, capsys):
    path = tmp_path / "att.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"name": "att", "defaults": {"weight_bits": 8, "act_bits": 8}, "layers": ATTENTION}))
    assert main(["run", str(ISAAC), str(path), "--functional", "--set", "compute.precision=layer"]) == 0
    out = capsys.readouterr().out
    assert "not bit-modelled (reference precision, no error): 1 pooling/vector layers (sm)" in out
    assert re.search(r"\n\s*qk\s+crossbar\s+16\s", out.split("functional:")[1])


def test_only_unmodelled_layers_keep_the_summary_finite():
    wl = parse_native_dict({"name": "v", "layers": [ATTENTION[2]]}, "v.yaml")
    result = accelsim.simulate(load_hardware(ISAAC, ISAAC8), wl, functional=True)
    assert result.summary["functional_max_abs_error"] == 0.0 and result.summary["functional_min_snr_db"] is None
    assert result.layers["functional_datapath"].tolist() == ["reference"]
