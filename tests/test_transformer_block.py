"""The native `transformer:` block: generated layers, MACs from the config, the KV cache in
decode, GQA, sweeps over its keys, and models too large for a crossbar chip."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.errors import MappingError, WorkloadError
from accelsim.sweep.run import run_sweep
from accelsim.workload import load_workload
from accelsim.workload.formats.native import parse_native_dict
from tests.conftest import ROOT

HW = ROOT / "hwconfigs"
TINY = dict(d_model=64, layers=2, heads=4, kv_heads=2, d_ff=96, gated_mlp=True, activation="silu",
            norm="rmsnorm", rope=True, seq_len=8, vocab=100)


def block(**over):
    return parse_native_dict({"name": "tiny", "transformer": {**TINY, **over}}, "tiny.yaml")


def formula(d, layers, heads, kv, ff, gated, s, t, vocab=0, batch=1):
    """MACs of a decoder stack, written from the architecture, not from the generator."""
    hd = d // heads
    per_token = d * heads * hd + 2 * d * kv * hd + heads * hd * d + (3 if gated else 2) * d * ff
    attention = 2 * heads * s * t * hd
    return batch * (layers * (s * per_token + attention) + s * d * vocab)


def test_prefill_layers_and_macs():
    wl = block(phase="prefill")
    names = [l.name for l in wl.layers[:16]]
    assert names == ["l0.norm1", "l0.q", "l0.k", "l0.v", "l0.rope", "l0.qk", "l0.softmax", "l0.av", "l0.o",
                     "l0.res1", "l0.norm2", "l0.gate", "l0.up", "l0.act", "l0.down", "l0.res2"]
    assert wl.layers[-2].name == "norm_final" and wl.layers[-1].name == "lm_head"
    assert wl.macs == formula(64, 2, 4, 2, 96, True, 8, 8, 100)
    qk = next(l for l in wl.layers if l.name == "l0.qk")
    # grouped-query attention: the 2 query heads sharing a K/V head are one group's rows
    assert (qk.kind, qk.groups, qk.gemm) == ("matmul", 2, (16, 16, 8))
    assert {l.op for l in wl.layers if l.is_vector} == {"rmsnorm", "rope", "softmax", "swiglu", "add"}
    assert sum(l.kv_read + l.kv_write for l in wl.layers) == 0


def test_decode_reads_the_kv_cache_and_appends_to_it():
    wl = block(phase="decode", seq_len=1, context=40, batch=3)
    assert wl.macs == formula(64, 2, 4, 2, 96, True, 1, 41, 100, batch=3)
    qk = next(l for l in wl.layers if l.name == "l1.qk")
    av = next(l for l in wl.layers if l.name == "l1.av")
    assert qk.gemm == (2, 16, 41) and av.gemm == (2, 41, 16) and qk.groups == 3 * 2
    # K (and V) of 40 cached tokens x 2 kv heads x 16 per head, per batch item, per layer
    assert qk.kv_read == av.kv_read == 3 * 40 * 2 * 16
    assert sum(l.kv_read for l in wl.layers) == 2 * 2 * 3 * 40 * 2 * 16
    assert [l.name for l in wl.layers if l.kv_write] == ["l0.k", "l0.v", "l1.k", "l1.v"]
    assert all(l.kv_write == 3 * 2 * 16 for l in wl.layers if l.kv_write)


@pytest.mark.parametrize("hw, memory", [("systolic_32x32", "native"), ("systolic_32x32", "scalesim"),
                                        ("eyeriss", "native")])
def test_kv_cache_traffic_is_in_dram_traffic(hw, memory):
    chip = accelsim.load_hardware(HW / f"{hw}.yaml", {"memory.model": memory})
    short = accelsim.simulate(chip, block(phase="decode", seq_len=1, context=40))
    long = accelsim.simulate(chip, block(phase="decode", seq_len=1, context=80))
    kv = lambda ctx: 2 * 2 * ctx * 2 * 16  # noqa: E731  2 layers x (K, V) x ctx x 2 kv heads x 16, 1 byte
    assert short.summary["kv_cache_read_bytes"] == kv(40) and long.summary["kv_cache_read_bytes"] == kv(80)
    assert short.summary["kv_cache_write_bytes"] == 2 * 2 * 2 * 16
    # the cache is streamed as the attention matmuls' second operand: DRAM reads grow by at least it
    assert long.summary["dram_read_bytes"] - short.summary["dram_read_bytes"] >= kv(80) - kv(40)
    qk = long.layers.set_index("layer").loc["l0.qk"]
    assert qk["kv_cache_read_bytes"] == 80 * 2 * 16 and qk["dram_read_bytes"] >= qk["kv_cache_read_bytes"]


def test_crossbar_decode_brings_the_cache_over_the_offchip_link():
    hw = accelsim.load_hardware(HW / "mram_crossbar.yaml", {"compute.allow_reprogramming": True})
    short = accelsim.simulate(hw, block(phase="decode", seq_len=1, context=40))
    long = accelsim.simulate(hw, block(phase="decode", seq_len=1, context=80))
    off = lambda r: r.components.query("component == 'offchip' and stat == 'bytes'")["value"].sum()  # noqa: E731
    assert off(long) - off(short) == 2 * 2 * 40 * 2 * 16  # 8-bit layers on this chip
    assert long.summary["kv_cache_read_bytes"] == 2 * 2 * 80 * 2 * 16


def test_a_model_too_large_for_a_crossbar_chip_is_refused_or_time_multiplexed():
    big = block(d_model=512, heads=8, kv_heads=8, d_ff=2048, layers=4)
    small = accelsim.load_hardware(HW / "mram_crossbar.yaml", {"compute.tiles": 4})
    with pytest.raises(MappingError, match="allow_reprogramming"):
        accelsim.simulate(small, big)
    r = accelsim.simulate(accelsim.load_hardware(small, {"compute.allow_reprogramming": True}), big)
    assert r.summary["time_multiplexed"] and r.summary["macs"] == big.macs
    weights = r.layers[r.layers["b_operand"] == "weights"]
    assert (weights["program_cycles"] > 0).all() and (weights["cell_writes"] > 0).all()
    write_pj = r.components.query("component == 'crossbar' and stat == 'energy_pj'")["value"].sum()
    assert write_pj >= r.layers["cell_writes"].sum() * 0.194


@pytest.mark.parametrize("name, layers, macs", [
    ("bert_base", 12 * 14 + 1, 11_173_625_856),
    ("gpt2", 12 * 14 + 2, formula(768, 12, 12, 12, 3072, False, 1024, 1024, 50257)),
    ("llama2_7b_prefill", 32 * 16 + 2, formula(4096, 32, 32, 32, 11008, True, 2048, 2048, 32000)),
    ("llama2_7b_decode", 32 * 16 + 2, formula(4096, 32, 32, 32, 11008, True, 1, 2049, 32000)),
])
def test_shipped_transformers_match_their_papers_shapes(name, layers, macs):
    wl = load_workload(ROOT / "workloads" / f"{name}.yaml")
    assert (len(wl.layers), wl.macs) == (layers, macs)


def test_vit_b16_macs():
    wl = load_workload(ROOT / "workloads" / "vit_b16.yaml")
    patch = 196 * 3 * 16 * 16 * 768
    assert wl.macs == patch + formula(768, 12, 12, 12, 3072, False, 197, 197) + 768 * 1000
    assert wl.layers[0].name == "patch_embed" and wl.layers[-1].name == "head"


@pytest.mark.parametrize("over, key", [
    ({"heads": 5}, "transformer"),
    ({"kv_heads": 3}, "transformer"),
    ({"phase": "decode"}, "transformer"),
    ({"seq_len": 0}, "transformer.seq_len"),
    ({"kv_head": 2}, "transformer.kv_head"),
])
def test_bad_transformer_blocks_name_the_key(over, key):
    with pytest.raises(WorkloadError) as err:
        block(**over)
    assert err.value.key == key


def test_sweeping_sequence_length(tmp_path):
    wl = tmp_path / "tiny.yaml"
    import yaml

    wl.write_text(yaml.safe_dump({"name": "tiny", "transformer": TINY}))
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"hardware: {HW / 'systolic_32x32.yaml'}\nworkloads: [{wl}]\n"
                    "axes: {workload.transformer.seq_len: [4, 8]}\n")
    points = run_sweep(spec, tmp_path / "out", jobs=1).points.set_index("workload.transformer.seq_len")
    assert points.loc[8, "macs"] == block(seq_len=8).macs and points.loc[4, "macs"] == block(seq_len=4).macs


def test_compress_writes_a_decode_step_back_with_its_kv_cache(tmp_path):
    import yaml

    from accelsim.cli import main

    src = tmp_path / "tiny.yaml"
    src.write_text(yaml.safe_dump({"name": "tiny", "defaults": {"compression": {"scheme": "prune", "sparsity": 0.5}},
                                   "transformer": {**TINY, "phase": "decode", "seq_len": 1, "context": 16}}))
    assert main(["compress", str(src), "-o", str(tmp_path / "out")]) == 0
    before, after = load_workload(src), load_workload(tmp_path / "out.yaml")
    assert [(l.kind, l.gemm, l.kv_read, l.kv_write) for l in after.layers] == \
        [(l.kind, l.gemm, l.kv_read, l.kv_write) for l in before.layers]
    assert all(l.compression for l in after.layers if l.has_weights)
    assert not any(l.compression for l in after.layers if not l.has_weights)


# The five shipped transformers on every chip family in the default suite: each workload at least
# once, each family (systolic os / ws / is, row-stationary, ReRAM and MRAM crossbars) at least once.
# The full workload x chip matrix is test_shipped's -m slow set.
FAMILY_RUNS = [
    ("bert_base", "pim_prune"),             # ReRAM crossbars, compressed mapping
    ("vit_b16", "neurosim_reram"),          # ReRAM crossbars
    ("vit_b16", "eyeriss"),                 # row-stationary PE array
    ("vit_b16", "scalesim_32x32_os"),       # systolic, output-stationary
    ("gpt2", "tpu_v1_like"),                # systolic, weight-stationary
    ("llama2_7b_decode", "scalesim_32x32_is"),  # systolic, input-stationary
    ("llama2_7b_decode", "isaac"),          # ReRAM crossbars, 16-bit chip precision
    ("llama2_7b_prefill", "mram_crossbar"),  # STT-MRAM crossbars
]
LAYERS = {"bert_base": 12 * 14 + 1, "gpt2": 12 * 14 + 2, "vit_b16": 1 + 12 * 14 + 1 + 1,
          "llama2_7b_prefill": 32 * 16 + 2, "llama2_7b_decode": 32 * 16 + 2}


def _crossbars(hw, layer) -> int:
    """Crossbars one copy of a layer's weights takes, counted apart from the mapper (dense)."""
    chip = hw.compute
    xbar = chip.tile.ima.crossbar
    bits = (chip.input_bits if layer.dynamic else chip.weight_bits) if chip.precision == "chip" else layer.weight_bits
    cells = -(-bits // xbar.cell_bits) * (2 if xbar.weight_encoding == "differential" else 1)
    k, n = layer.R * layer.S * layer.C // layer.groups, layer.K // layer.groups
    return layer.groups * -(-k // xbar.rows) * -(-n // (xbar.cols // cells)), cells


@pytest.mark.parametrize("name, chip", FAMILY_RUNS, ids=[f"{w}-{c}" for w, c in FAMILY_RUNS])
def test_shipped_transformers_on_every_chip_family(name, chip):
    from tests.test_shipped import EXPECTED_MACS

    wl = load_workload(ROOT / "workloads" / f"{name}.yaml")
    hw = accelsim.load_hardware(HW / f"{chip}.yaml")
    assert len(wl.layers) == LAYERS[name] and wl.macs == EXPECTED_MACS[name]
    crossbar = hw.compute.type == "crossbar"
    if crossbar:
        on_cells = [l for l in wl.layers if l.macs and (l.has_weights or hw.compute.dynamic_on_cells)]
        need = {l.name: _crossbars(hw, l)[0] for l in on_cells}
        biggest = max(need, key=need.get)
        message = (f"the network needs {sum(need.values()):,} crossbars (largest layer {biggest!r}: "
                   f"{need[biggest]:,}); the chip {chip!r} has {hw.compute.crossbars:,}. Set "
                   f"compute.allow_reprogramming: true to time-multiplex")
        with pytest.raises(MappingError) as err:
            accelsim.simulate(hw, wl)
        if hw.compute.compressed_mapping:  # pruned mappings need fewer crossbars than the dense count
            message = message[message.index("; the chip"):]
        assert message in err.value.message and "\n" not in err.value.message
        hw = accelsim.load_hardware(hw, {"compute.allow_reprogramming": True})
    r = accelsim.simulate(hw, wl)
    rows = r.layers
    assert len(rows) == LAYERS[name] and list(rows["layer"]) == [l.name for l in wl.layers]
    assert rows["macs"].sum() == r.summary["macs"] == EXPECTED_MACS[name]
    comp = r.components.set_index(["component", "stat"])["value"]
    if not crossbar:
        assert comp[("pe_array", "macs")] + comp.get(("pe_array", "gated_macs"), 0) == wl.macs
        assert (rows.loc[rows["type"] == "matmul", "b_operand"] == "activations").all()
        return
    # time-multiplexed: every layer on cells is written before it runs, every copy of it, and its
    # weights come over the off-chip link first; the writes are priced at the cell's energy
    assert r.summary["time_multiplexed"] and comp[("units", "macs")] == wl.macs
    xbar = hw.compute.tile.ima.crossbar
    by_name = {l.name: l for l in wl.layers}
    cells_rows = rows[rows["unit"] == "crossbars"]
    assert len(cells_rows) == len(on_cells) and (cells_rows["program_cycles"] > 0).all()
    for _, row in cells_rows.iterrows():
        layer = by_name[row["layer"]]
        cells = _crossbars(hw, layer)[1]
        assert row["cell_writes"] == layer.weight_count * cells * row["replicas"], row["layer"]
    writes = comp[("crossbar", "cell_writes")]
    assert writes == cells_rows["cell_writes"].sum()
    assert comp[("crossbar", "energy_pj")] >= writes * xbar.write_energy_pj_per_cell
    weights = sum(l.weight_bytes for l in wl.layers if l.has_weights)
    assert comp[("offchip", "bytes")] >= weights and rows["stall_weight_load"].sum() > 0
    assert r.summary["endurance_inferences"] <= xbar.endurance / len(cells_rows)  # all share the cells
