"""The zero-slice data pass (`functional.input_slices`): its bounded-memory count of synthetic
inputs must equal `prune_activations` on the whole `_inputs` draw, bit for bit; it samples the
layers `run_functional` bit-models (not vector or pooling layers), and its on-disk cache
replays the same figures."""

from __future__ import annotations

import json

import numpy as np
import pytest

import accelsim
from accelsim.functional import _inputs, _synthetic_zero_slices, input_slices, prune_activations, run_functional
from accelsim.workload import Layer
from accelsim.workload.formats.native import parse_native_dict
from tests.conftest import ROOT

TINY = dict(d_model=64, layers=1, heads=4, kv_heads=2, d_ff=96, gated_mlp=True, activation="silu",
            norm="rmsnorm", rope=True, seq_len=16, vocab=50)


@pytest.mark.parametrize("bits, rows, dac, k, groups, m, vectors, chunk", [
    (8, 128, 1, 300, 1, 500, 256, 1000),     # several chunks, a part-filled last row block
    (8, 128, 2, 4096, 1, 2048, 256, 1 << 20),
    (4, 64, 1, 77, 3, 10, 256, 50),          # grouped, fewer vectors than asked for, chunk < k
    (16, 128, 1, 200, 2, 300, 64, 999),      # 16-bit inputs (uint16 store)
    (6, 16, 3, 40, 1, 100, 100, 7),          # 3-bit DAC: two slices
    (1, 8, 1, 9, 1, 3, 256, 4),
])
def test_streamed_count_equals_the_whole_draws(bits, rows, dac, k, groups, m, vectors, chunk):
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml",
                                {"compute.tile.ima.crossbar.rows": rows, "compute.tile.ima.dac.bits": dac})
    layer = Layer(name="l", kind="conv", C=k * groups, H=m, W=1, K=2 * groups, R=1, S=1, groups=groups)
    x = _inputs(layer, None, bits, vectors, np.random.default_rng([7, 2, 1]), "test")
    _, counts = prune_activations(hw, x, bits)
    zero, total = _synthetic_zero_slices(layer, bits, vectors, np.random.default_rng([7, 2, 1]), rows, dac, chunk)
    assert total == x.shape[0] * x.shape[1] * -(-k // rows) * -(-bits // dac)
    assert zero / total == counts["zero_slice_fraction"]
    assert 0 < zero < total or bits == 1


def test_data_pass_samples_the_bit_modelled_layers_as_functional_mode_does():
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = parse_native_dict({"name": "tiny", "transformer": TINY}, "tiny.yaml")
    frame = input_slices(hw, wl, np.random.default_rng([0, 1])).set_index("layer")
    full = run_functional(hw, wl, np.random.default_rng([0, 1])).set_index("layer")
    modelled = full[full["functional_datapath"] != "reference"]
    assert list(frame.index) == list(modelled.index) == [l.name for l in wl.layers if not l.is_vector]
    assert frame["zero_slice_fraction"].tolist() == modelled["zero_slice_fraction"].tolist()


def test_cached_data_pass_replays_the_same_run(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELSIM_CACHE_DIR", str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = parse_native_dict({"name": "tiny", "transformer": TINY}, "tiny.yaml")
    fresh = accelsim.simulate(hw, wl, cache=False)
    first = accelsim.simulate(hw, wl)
    entries = list((tmp_path).rglob("*.json"))
    assert len(entries) == 1
    record = json.loads(entries[0].read_text())
    assert record["layer"] == [l.name for l in wl.layers if not l.is_vector]
    again = accelsim.simulate(hw, wl)
    for r in (first, again):
        assert r.layers.to_dict("list") == fresh.layers.to_dict("list")


def test_a_network_the_chip_cannot_hold_is_refused_before_sampling(monkeypatch):
    import accelsim.functional as functional

    def sampled(*args, **kwargs):
        raise AssertionError("the data pass ran before the refusal")

    monkeypatch.setattr(functional, "input_slices", sampled)
    monkeypatch.setattr(functional, "run_functional", sampled)
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml", {"compute.tiles": 1})
    wl = parse_native_dict({"name": "tiny", "transformer": {**TINY, "d_model": 256, "d_ff": 512}}, "tiny.yaml")
    for functional_mode in (False, True):
        with pytest.raises(accelsim.MappingError, match="allow_reprogramming"):
            accelsim.simulate(hw, wl, cache=False, functional=functional_mode)
