"""Functional mode: tensors through the configured datapath, errors against exact integers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from accelsim import load_hardware, load_workload
from accelsim.cli import main
from accelsim.errors import InputError
from accelsim.functional import _inputs, _weights, run_functional
from accelsim.kernels import crossbar_mvm
from accelsim.simulator import simulate
from tests.conftest import ROOT

ISAAC = ROOT / "hwconfigs" / "isaac.yaml"
SYSTOLIC = ROOT / "hwconfigs" / "systolic_32x32.yaml"
TOY3 = ROOT / "workloads" / "toy3.yaml"
LENET = ROOT / "workloads" / "lenet5.yaml"
# ISAAC at the layers' 8 bits (faster than its native 16); its 8-bit ADC with weight flipping is lossless
ISAAC8 = {"compute.precision": "layer"}
COARSE = {"compute.precision": "layer", "compute.tile.ima.adc.bits": 4, "compute.tile.ima.adc.lossless": False,
          "compute.tile.ima.adc.flip_encoding": False}


def _gemm_workload(tmp_yaml, m=4, k=3, n=2, act_bits=2, weight_bits=4):
    bits = f"{{batch: 1, weight_bits: {weight_bits}, act_bits: {act_bits}}}"
    return tmp_yaml(f"name: tiny\nsource: test\ndefaults: {bits}\n"
                    f"layers:\n  - {{name: g, type: gemm, M: {m}, K: {k}, N: {n}}}\n", "tiny.yaml")


def test_lossless_crossbar_is_exact_bit_for_bit():
    frame = run_functional(load_hardware(ISAAC, ISAAC8), load_workload(LENET), np.random.default_rng(0))
    pools = frame["functional_datapath"] == "reference"   # pools: reported, not bit-modelled
    assert list(frame.loc[pools, "layer"]) == ["pool1", "pool2"] and frame.loc[pools, "rmse"].isna().all()
    frame = frame[~pools]
    assert list(frame["layer"]) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert (frame["functional_datapath"] == "crossbar").all()
    assert (frame["max_abs_error"] == 0).all() and (frame["rmse"] == 0).all()
    assert np.isinf(frame["snr_db"]).all()
    assert frame["functional_vectors"].tolist() == [256, 100, 1, 1, 1]  # min(256, output pixels)


def test_native_16_bit_isaac_is_exact():
    frame = run_functional(load_hardware(ISAAC), load_workload(TOY3), np.random.default_rng(1), vectors=16)
    assert (frame["max_abs_error"] == 0).all()


def test_coarse_adc_has_error():
    frame = run_functional(load_hardware(ISAAC, COARSE), load_workload(TOY3), np.random.default_rng(0), vectors=32)
    assert (frame["max_abs_error"] > 0).all()
    assert np.isfinite(frame["snr_db"]).all() and (frame["rmse"] > 0).all()


def test_one_adc_bit_short_of_lossless_has_error():
    # without weight flipping ISAAC's geometry needs 9 bits; 8 must lose something
    hw = load_hardware(ISAAC, {**ISAAC8, "compute.tile.ima.adc.flip_encoding": False,
                               "compute.tile.ima.adc.lossless": False})
    frame = run_functional(hw, load_workload(TOY3), np.random.default_rng(0), vectors=64)
    assert frame["max_abs_error"].max() > 0


def test_systolic_is_exact_and_has_no_slices():
    frame = run_functional(load_hardware(SYSTOLIC), load_workload(TOY3), np.random.default_rng(0), vectors=32)
    assert (frame["max_abs_error"] == 0).all() and frame["zero_slice_fraction"].isna().all()


def test_systolic_16_bit_unsigned_inputs_split_exactly():
    from accelsim.functional import _systolic

    rng = np.random.default_rng(3)
    x = rng.integers(0, 1 << 16, size=(20, 50))
    w = rng.integers(-(1 << 15), 1 << 15, size=(50, 7))
    exact = x @ w
    expect = ((exact + (1 << 31)) % (1 << 32)) - (1 << 31)  # a 32-bit wrapping register
    np.testing.assert_array_equal(_systolic(x, w, 16, 16, False), expect)


def test_simulate_merges_columns_and_keeps_timing():
    hw = load_hardware(ISAAC, COARSE)
    plain = simulate(hw, LENET, seed=5)
    a = simulate(hw, LENET, seed=5, functional=True, functional_vectors=32)
    b = simulate(hw, LENET, seed=5, functional=True, functional_vectors=32)
    pd.testing.assert_frame_equal(a.layers, b.layers)                 # same seed, same frame
    pd.testing.assert_frame_equal(plain.layers, a.layers[plain.layers.columns])  # timing unaffected
    pools = a.layers["type"].str.contains("pool")
    assert a.layers.loc[pools, "rmse"].isna().all() and a.layers.loc[~pools, "rmse"].notna().all()
    assert a.summary["functional_max_rmse"] == a.layers["rmse"].max() > 0
    assert a.summary["functional_min_snr_db"] == a.layers["snr_db"].min()
    c = simulate(hw, LENET, seed=6, functional=True, functional_vectors=32)
    assert not np.array_equal(a.layers["rmse"].to_numpy(), c.layers["rmse"].to_numpy())


def test_zero_slice_fraction_hand_count(tmp_yaml):
    # 2-bit inputs, 1-bit DAC (2 slices), 2-row crossbars: K = 3 splits into rows [0, 2) and [2, 3)
    x = np.array([[0, 0, 1], [1, 2, 0], [3, 0, 0], [0, 0, 0]])
    # all-zero (block, slice) pairs per vector: v0 2+1, v1 0+2, v2 0+2, v3 2+2 -> 11 of 4*2*2
    w = np.array([[1, -2], [3, 0], [-1, 5]])
    hw = load_hardware(ISAAC, {**ISAAC8, "compute.tile.ima.crossbar.rows": 2})
    wl = load_workload(_gemm_workload(tmp_yaml))
    frame = run_functional(hw, wl, np.random.default_rng(0), tensors={"g.weight": w, "g.input": x})
    assert frame.loc[0, "zero_slice_fraction"] == 11 / 16
    assert frame.loc[0, "max_abs_error"] == 0 and frame.loc[0, "functional_vectors"] == 4


def test_given_tensors_match_a_direct_kernel_call(tmp_yaml):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 256, size=(300, 40))
    w = rng.integers(-127, 128, size=(40, 10))
    hw = load_hardware(ISAAC, COARSE)
    wl = load_workload(_gemm_workload(tmp_yaml, m=300, k=40, n=10, act_bits=8, weight_bits=8))
    frame = run_functional(hw, wl, np.random.default_rng(0), tensors={"g.weight": w, "g.input": x}, vectors=300)
    y = crossbar_mvm(x, w, input_bits=8, weight_bits=8, cell_bits=2, dac_bits=1, adc_bits=4)
    err = y - x @ w
    assert frame.loc[0, "max_abs_error"] == np.abs(err).max()
    assert frame.loc[0, "rmse"] == pytest.approx(np.sqrt((err**2).mean()), rel=1e-12)


def test_conv_weight_and_feature_map_layouts_match_a_direct_convolution():
    # grouped, strided, padded conv: patches x weights must equal the convolution at those pixels
    wl = load_workload(TOY3)
    layer = wl.layers[1].__class__(name="c", kind="conv", C=4, H=7, W=6, K=6, R=3, S=2, N=2, stride_h=2,
                                   pad_top=1, pad_bottom=1, pad_left=0, pad_right=1, groups=2)
    rng = np.random.default_rng(0)
    fmap = rng.integers(0, 16, size=(2, 4, 7, 6))
    wconv = rng.integers(-7, 8, size=(6, 2, 3, 2))
    src = "t"
    w = _weights(layer, wconv, 4, rng, src)
    m = layer.gemm[0]
    x = _inputs(layer, fmap, 4, m, rng, src)           # every pixel, in order
    out = np.einsum("gvk,gkn->gvn", x, w)              # (groups, pixels, K/groups)
    padded = np.pad(fmap, ((0, 0), (0, 0), (1, 1), (0, 1)))
    for v in range(m):
        n, rest = divmod(v, layer.P * layer.Q)
        p, q = divmod(rest, layer.Q)
        for k in range(6):
            g = k // 3
            window = padded[n, 2 * g:2 * g + 2, 2 * p:2 * p + 3, q:q + 2]
            assert out[g, v, k % 3] == (window * wconv[k]).sum()


def test_bad_tensors_are_input_errors(tmp_yaml, tmp_path):
    hw, wl = load_hardware(ISAAC, ISAAC8), load_workload(_gemm_workload(tmp_yaml))
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="expected <layer>.weight"):
        run_functional(hw, wl, rng, tensors={"nope.weight": np.zeros((3, 2), dtype=int)})
    with pytest.raises(InputError, match="shape"):
        run_functional(hw, wl, rng, tensors={"g.weight": np.zeros((2, 3), dtype=int)})
    with pytest.raises(InputError, match="integers"):
        run_functional(hw, wl, rng, tensors={"g.weight": np.zeros((3, 2))})
    with pytest.raises(InputError, match="4-bit signed"):
        run_functional(hw, wl, rng, tensors={"g.weight": np.full((3, 2), 9)})
    with pytest.raises(InputError, match="no such file"):
        run_functional(hw, wl, rng, tensors=tmp_path / "missing.npz")


def test_cli_functional(tmp_path, capsys, tmp_yaml):
    out = tmp_path / "out"
    assert main(["run", str(ISAAC), str(LENET), "--set", "compute.precision=layer", "--functional",
                 "--functional-vectors", "16", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "functional: sampled vectors against exact integer math" in text and "zero_slice_fraction" in text
    layers = pd.read_csv(out / "layers.csv")
    assert (layers["max_abs_error"].dropna() == 0).all() and layers["rmse"].notna().sum() == 5

    npz = tmp_path / "t.npz"
    np.savez(npz, **{"g.weight": np.array([[1, -2], [3, 0], [-1, 5]]), "g.input": np.array([[1, 2, 3]] * 4)})
    wl = _gemm_workload(tmp_yaml)
    assert main(["run", str(ISAAC), str(wl), "--set", "compute.precision=layer", "--tensors", str(npz), "-q"]) == 0
    np.savez(npz, **{"h.weight": np.zeros((3, 2), dtype=int)})
    assert main(["run", str(ISAAC), str(wl), "--tensors", str(npz), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "h.weight" in err


def test_unrepresentable_operands_are_input_errors(tmp_yaml):
    # differential encoding stores b-1 magnitude bits: -2^(b-1) has no cells
    hw = load_hardware(ISAAC, {**ISAAC8, "compute.tile.ima.crossbar.weight_encoding": "differential"})
    wl = load_workload(_gemm_workload(tmp_yaml))
    with pytest.raises(InputError, match="layer 'g'.*differential"):
        run_functional(hw, wl, np.random.default_rng(0), tensors={"g.weight": np.full((3, 2), -8)})
    # 20-bit layers exceed the kernels' 16-bit operands
    wide = load_workload(_gemm_workload(tmp_yaml, act_bits=20, weight_bits=20))
    with pytest.raises(InputError, match="functional mode"):
        run_functional(load_hardware(SYSTOLIC), wide, np.random.default_rng(0))


# --- MRAM retention and read-disturb faults ------------------------------------------------------
MRAM = ROOT / "hwconfigs" / "mram_crossbar.yaml"  # stt_mram, 1-bit cells
XBAR = "compute.tile.ima.crossbar."


def _mram(**fields):
    return load_hardware(MRAM, {"compute.precision": "layer", **{XBAR + k: v for k, v in fields.items()}})


def test_reliability_defaults_leave_results_bit_identical():
    wl = load_workload(TOY3)
    plain = run_functional(_mram(), wl, np.random.default_rng(3), vectors=16)
    # fields given but nothing to inject (no retention time, no read current): same frame
    idle = run_functional(_mram(delta=40.0, ic0_ua=30.0, read_pulse_ns=5.0), wl, np.random.default_rng(3), vectors=16)
    pd.testing.assert_frame_equal(plain, idle)
    assert (plain["injected_bit_flips"] == 0).all() and (plain["max_abs_error"] == 0).all()
    assert not _mram().compute.tile.ima.crossbar.reliability_faults


def test_retention_at_delta_40_flips_one_minus_one_over_e(tmp_yaml):
    from accelsim.devices import mtj
    from accelsim.functional import cell_flip_prob

    t_ret = float(mtj.retention_time_s(40.0))  # tau0 e^40 = 7.46 years
    assert t_ret / mtj.SECONDS_PER_YEAR == pytest.approx(7.46, abs=0.01)
    hw = _mram(delta=40.0, retention_s=t_ret)
    xbar = hw.compute.tile.ima.crossbar
    assert cell_flip_prob(xbar, reads=123) == pytest.approx(1 - np.exp(-1), rel=1e-12)  # no read current
    # 8-bit offset weights in 1-bit cells: 64 x 32 weights x 8 cells = 16,384 stored bits
    wl = load_workload(_gemm_workload(tmp_yaml, m=8, k=64, n=32, act_bits=8, weight_bits=8))
    frame = run_functional(hw, wl, np.random.default_rng(0))
    p, n = 1 - np.exp(-1), 64 * 32 * 8
    assert abs(frame.loc[0, "injected_bit_flips"] / n - p) < 5 * np.sqrt(p * (1 - p) / n)
    assert frame.loc[0, "max_abs_error"] > 0 and frame.loc[0, "rmse"] > 0
    # same seed, same flips; the weights and inputs are drawn as without faults
    pd.testing.assert_frame_equal(frame, run_functional(hw, wl, np.random.default_rng(0)))
    plain = run_functional(_mram(), wl, np.random.default_rng(0))
    assert frame.loc[0, "zero_slice_fraction"] == plain.loc[0, "zero_slice_fraction"]


def test_delta_80_retains_everything():
    t = 10 * 365.25 * 24 * 3600.0  # ten years against tau0 e^80 ~ 1.8e18 years
    frame = run_functional(_mram(delta=80.0, retention_s=t, read_current_ua=10.0), load_workload(TOY3),
                           np.random.default_rng(0), vectors=16)
    assert (frame["injected_bit_flips"] == 0).all() and (frame["max_abs_error"] == 0).all()


def test_read_disturb_probability():
    from accelsim.devices import mtj
    from accelsim.functional import cell_flip_prob

    xbar = _mram(delta=40.0, read_current_ua=20.0).compute.tile.ima.crossbar
    assert xbar.read_pulse == xbar.read_latency_ns  # default pulse: one array read
    p_rd = float(mtj.read_disturb_prob(20.0, xbar.read_latency_ns, delta=40.0, ic0_ua=40.0))
    assert p_rd == pytest.approx(xbar.read_latency_ns * np.exp(-20.0), rel=1e-6)  # (t/tau0) e^{-Δ(1-I/Ic0)}
    assert cell_flip_prob(xbar, reads=1000) == pytest.approx(1 - (1 - p_rd) ** 1000, rel=1e-9)
    assert cell_flip_prob(xbar, reads=1000) == pytest.approx(1000 * p_rd, rel=1e-4)  # first order: the sum
    frame = run_functional(_mram(delta=20.0, read_current_ua=20.0), load_workload(TOY3),
                           np.random.default_rng(0), vectors=16)
    assert frame["injected_bit_flips"].sum() > 0 and frame["max_abs_error"].max() > 0


def test_mram_reliability_fields_on_reram_are_config_errors():
    from accelsim.errors import ConfigError

    for field, value in (("retention_s", 1.0), ("delta", 40.0), ("read_current_ua", 5.0)):
        with pytest.raises(ConfigError, match=f"{field} applies only to MRAM cells.*device is reram"):
            load_hardware(ISAAC, {XBAR + field: value})
