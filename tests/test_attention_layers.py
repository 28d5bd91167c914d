"""The `matmul` (two activations) and `vector` layer kinds on every chip family."""

from __future__ import annotations

import math

import pytest

import accelsim
from accelsim.errors import ConfigError, WorkloadError
from accelsim.workload.formats.native import parse_native_dict
from tests.conftest import ROOT

HW = ROOT / "hwconfigs"


def workload(layers, **defaults):
    return parse_native_dict({"name": "t", "defaults": defaults, "layers": layers}, "t.yaml")


ATTENTION = [
    {"name": "q", "type": "linear", "in_features": 64, "out_features": 64, "batch": 16},
    {"name": "qk", "type": "matmul", "M": 16, "K": 16, "N": 16, "groups": 4},
    {"name": "sm", "type": "vector", "op": "softmax", "elements": 1024, "rows": 16},
    {"name": "av", "type": "matmul", "M": 16, "K": 16, "N": 16, "groups": 4},
]


def test_matmul_and_vector_layers_parse():
    wl = workload(ATTENTION + [{"name": "res", "type": "vector", "op": "add", "elements": 1024, "rows": 16},
                               {"name": "odd", "type": "vector", "op": "my_op", "elements": 8,
                                "ops_per_element": 7}], batch=2, weight_bits=4, act_bits=8)
    q, qk, sm, av, res, odd = wl.layers
    # batch items each have their own right operand: batch multiplies the groups
    assert (qk.kind, qk.groups, qk.gemm, qk.macs) == ("matmul", 8, (16, 16, 16), 8 * 16**3)
    assert qk.weight_bits == qk.act_bits == 8 and qk.dynamic and not qk.has_weights
    assert qk.weight_bytes == 8 * 16 * 16  # the second operand: activations at act_bits
    assert (sm.macs, sm.elements, sm.vector_ops, sm.ops_per_element, sm.inputs) == (0, 2048, 2048 * 5, 5, 1)
    assert (res.inputs, res.ifmap_count, res.ofmap_count) == (2, 2 * 2048, 2048)
    assert (odd.ops_per_element, odd.vector_ops) == (7, 2 * 8 * 7)
    assert wl.macs == q.macs + 2 * qk.macs == 16 * 64 * 64 + 2 * 8 * 16**3


def test_matmul_is_never_compressed():
    prune = {"scheme": "prune", "sparsity": 0.5}
    wl = workload(ATTENTION, compression=prune)
    assert wl.layers[0].compression and not wl.layers[1].compression and not wl.layers[2].compression


@pytest.mark.parametrize("bad, key, reason", [
    ({"name": "v", "type": "vector", "op": "mystery", "elements": 8}, "layers[0] (v).ops_per_element", "unknown vector op"),
    ({"name": "v", "type": "vector", "op": "add", "elements": 10, "rows": 3}, "layers[0] (v).rows", "must divide"),
    ({"name": "m", "type": "matmul", "M": 4, "K": 0, "N": 4}, "layers[0] (m).K", ""),
])
def test_bad_new_layers_name_their_key(bad, key, reason):
    with pytest.raises(WorkloadError) as err:
        workload([bad])
    assert err.value.key == key and reason in err.value.reason


@pytest.mark.parametrize("hw", ["systolic_32x32", "eyeriss"])
def test_pe_arrays_stream_both_operands(hw):
    """A matmul times like the gemm of its shape, but its second operand is an activation: act_bits
    wide, from an earlier layer's output in DRAM, and untouched by the weights' compression."""
    gemm = {"name": "g", "type": "gemm", "M": 64, "K": 48, "N": 80, "groups": 3}
    mm = {**gemm, "name": "m", "type": "matmul"}
    r_g = accelsim.simulate(HW / f"{hw}.yaml", workload([gemm], weight_bits=4, act_bits=16))
    r_m = accelsim.simulate(HW / f"{hw}.yaml", workload([mm], weight_bits=4, act_bits=16))
    g, m = r_g.layers.iloc[0], r_m.layers.iloc[0]
    assert (m["unit"], m["b_operand"], g["b_operand"]) == ("pe_array", "activations", "weights")
    assert m["compute_cycles"] == g["compute_cycles"] and m["macs"] == g["macs"] == 3 * 64 * 48 * 80
    # the B operand's DRAM bytes: 3 x 48 x 80 elements at 2 bytes (act) instead of 1 byte (4-bit weights)
    assert m["dram_read_bytes"] - g["dram_read_bytes"] >= 3 * 48 * 80 * (2 - 1)


def test_vector_layer_on_the_systolic_vector_unit():
    hw = accelsim.load_hardware(HW / "systolic_32x32.yaml", {"compute.vector_cycles_per_op": 2})
    r = accelsim.simulate(hw, workload([{"name": "ln", "type": "vector", "op": "layernorm",
                                         "elements": 1000, "rows": 10}]))
    row = r.layers.iloc[0]
    assert row["unit"] == "vector" and row["compute_cycles"] == math.ceil(1000 / 32) * 8 * 2
    ops = r.components.query("component == 'vector_unit' and stat == 'vector_ops'")["value"].sum()
    assert ops == 1000 * 8
    assert row["energy_pj_vector_unit"] == pytest.approx(8000 * 0.03)
    assert row["dram_read_bytes"] == 1000 and row["dram_write_bytes"] == 1000


def matmul_on(hw, layers=ATTENTION, **over):
    config = accelsim.load_hardware(HW / f"{hw}.yaml", over) if over else HW / f"{hw}.yaml"
    return accelsim.simulate(config, workload(layers))


@pytest.mark.parametrize("hw", ["isaac", "mram_crossbar"])
def test_crossbar_writes_the_dynamic_operand_into_cells(hw):
    r = matmul_on(hw)
    chip = accelsim.load_hardware(HW / f"{hw}.yaml").compute
    xbar = chip.tile.ima.crossbar
    rows = r.layers.set_index("layer")
    qk = rows.loc["qk"]
    bits = chip.input_bits
    cells = math.ceil(bits / xbar.cell_bits)
    assert (qk["unit"], qk["b_operand"]) == ("crossbars", "activations")
    assert qk["cell_writes"] == 4 * 16 * 16 * cells * qk["replicas"]
    write = 16 * math.ceil(xbar.write_latency_ns * 1.2 - 1e-9)  # 16 used rows, one at a time; 1.2 GHz
    assert qk["program_cycles"] >= write and rows.loc["q", "cell_writes"] == 0
    assert qk["start_cycle"] >= rows.loc["q", "end_cycle"]  # the operand is complete before it is written
    assert r.summary["endurance_inferences"] == xbar.endurance == {"isaac": 1e6, "mram_crossbar": 1e15}[hw]
    write_pj = r.components.query("component == 'crossbar' and stat == 'cell_writes'")["value"].sum()
    assert write_pj == rows["cell_writes"].sum()


def test_mram_rewrites_faster_and_cheaper_than_reram():
    reram = matmul_on("isaac").layers.set_index("layer").loc["qk"]
    mram = matmul_on("mram_crossbar").layers.set_index("layer").loc["qk"]
    assert mram["program_cycles"] < reram["program_cycles"]


def test_digital_matmul_unit_runs_attention():
    r = matmul_on("isaac", **{"compute.matmul_unit": {"macs_per_cycle": 256}})
    rows = r.layers.set_index("layer")
    assert list(rows["unit"]) == ["crossbars", "matmul_unit", "vector", "matmul_unit"]
    assert rows.loc["qk", "cell_writes"] == 0 and r.summary["endurance_inferences"] is None
    macs = r.components.query("component == 'matmul_unit' and stat == 'macs'")["value"].sum()
    assert macs == 2 * 4 * 16**3
    assert rows.loc["qk", "compute_cycles"] == pytest.approx(4 * 16**3 / 256, abs=1)
    assert rows.loc["qk", "energy_pj_matmul_unit"] == pytest.approx(4 * 16**3 * 0.23)
    # placement can be forced back onto the cells
    cells = matmul_on("isaac", **{"compute.matmul_unit": {"macs_per_cycle": 256},
                                  "compute.matmul_placement": "cells"})
    assert cells.layers.set_index("layer").loc["qk", "unit"] == "crossbars"


def test_crossbar_vector_unit_counts_ops():
    r = matmul_on("isaac", **{"compute.tile.vector": {"count": 1, "lanes": 8, "energy_pj_per_action": 0.5}})
    rows = r.layers.set_index("layer")
    ops = r.components.query("component == 'vector_unit' and stat == 'ops'")["value"].sum()
    assert ops == 1024 * 5 and rows.loc["sm", "energy_pj_vector_unit"] == pytest.approx(1024 * 5 * 0.5)
    assert rows.loc["sm", "compute_cycles"] >= 16 * math.ceil(64 * 5 / 8) / rows.loc["q", "replicas"] - 1


def test_matmul_unit_placement_needs_the_unit():
    with pytest.raises(ConfigError, match="matmul_unit"):
        accelsim.load_hardware(HW / "isaac.yaml", {"compute.matmul_placement": "matmul_unit"})


LONG = [  # 256 queries against 64 keys in 4 heads: many input vectors per written operand
    {"name": "q", "type": "linear", "in_features": 64, "out_features": 64, "batch": 256},
    {"name": "qk", "type": "matmul", "M": 256, "K": 16, "N": 64, "groups": 4},
]


def _qk_plan(hw_config, layers):
    from accelsim.workload.mapping.crossbar import map_crossbar

    wl = workload(layers)
    return map_crossbar(wl.layers[1], hw_config)


def test_a_dynamic_operand_is_copied_while_a_copy_repays_its_write():
    """Each copy of K is written every inference. On ISAAC a copy saves far more compute than its
    write adds; what the allocator weighed is what the simulation charges (the write, then the
    vectors at the copies' pace), and every copy's cells are counted."""
    from accelsim.workload.mapping.dynamic import rewritten_time

    hw = accelsim.load_hardware(HW / "isaac.yaml")
    rows = accelsim.simulate(hw, workload(LONG)).layers.set_index("layer")
    qk, plan = rows.loc["qk"], _qk_plan(hw, LONG)
    copies = qk["replicas"]
    assert 1 < copies and rewritten_time(plan, hw, copies) < rewritten_time(plan, hw, 1) / 4
    assert qk["cell_writes"] == 4 * 16 * 64 * 8 * copies  # 16-bit operand in 8 two-bit cells
    assert qk["compute_cycles"] == pytest.approx(float(rewritten_time(plan, hw, copies)), abs=plan.read_cycles + 2)
    # one copy on request: the least write energy, at the price of time
    one = accelsim.load_hardware(hw, {"compute.replicate_dynamic": False})
    single = accelsim.simulate(one, workload(LONG)).layers.set_index("layer")
    assert single.loc["qk", "replicas"] == 1 and single.loc["q", "replicas"] >= rows.loc["q", "replicas"]
    assert single.loc["qk", "cell_writes"] == qk["cell_writes"] / copies
    assert single.loc["qk", "energy_pj"] < qk["energy_pj"] and single.loc["qk", "cycles"] > qk["cycles"]


def test_a_copy_that_does_not_repay_its_write_is_not_made():
    """Two queries against a K carried over a 1-bit tile bus: a second copy would halve the reads
    (3,840 -> 1,920 cycles) but double the carry (4,096 -> 8,192): it is not made."""
    from accelsim.workload.mapping.dynamic import rewritten_time

    layers = [{"name": "q", "type": "linear", "in_features": 16, "out_features": 16, "batch": 2},
              {"name": "qk", "type": "matmul", "M": 2, "K": 16, "N": 16, "groups": 1}]
    hw = accelsim.load_hardware(HW / "isaac.yaml", {"compute.tile.buffer.bus_bits": 1})
    rows = accelsim.simulate(hw, workload(layers)).layers.set_index("layer")
    plan = _qk_plan(hw, layers)
    assert rewritten_time(plan, hw, 2) > rewritten_time(plan, hw, 1) == 4096 + 3840
    assert rows.loc["qk", "replicas"] == 1 and rows.loc["q", "replicas"] == 2  # a static copy costs no write


def test_time_multiplexed_layers_write_every_copy_and_take_only_copies_that_repay():
    """Every copy of a time-multiplexed layer is written before it runs (its cell writes count each
    copy), and a layer takes no more copies than it has input vectors (a decode step's one token)."""
    small = accelsim.load_hardware(HW / "mram_crossbar.yaml", {"compute.tiles": 8,  # 768 crossbars
                                                               "compute.allow_reprogramming": True})
    layers = [{"name": "fc1", "type": "linear", "in_features": 512, "out_features": 512, "batch": 1},
              {"name": "fc2", "type": "linear", "in_features": 512, "out_features": 512, "batch": 64},
              {"name": "fc3", "type": "linear", "in_features": 2048, "out_features": 2048, "batch": 64}]
    unrelated = parse_native_dict({"name": "t", "chain": False, "layers": layers}, "t.yaml")
    r = accelsim.simulate(small, unrelated)
    assert r.summary["time_multiplexed"]
    rows = r.layers.set_index("layer")
    cells = 8  # 8-bit weights in 1-bit cells
    assert rows.loc["fc1", "replicas"] == 1 and rows.loc["fc2", "replicas"] > 1 and rows.loc["fc3", "replicas"] == 1
    from accelsim.workload.mapping.crossbar import map_crossbar
    from accelsim.workload.mapping.dynamic import rewritten_time

    plan = map_crossbar(unrelated.layers[1], small)  # 128 crossbars: up to 6 copies
    times = {c: rewritten_time(plan, small, c) for c in range(1, 7)}
    assert rows.loc["fc2", "replicas"] == min(times, key=times.get)
    for name, k in (("fc1", 512), ("fc2", 512), ("fc3", 2048)):
        assert rows.loc[name, "cell_writes"] == k * k * cells * rows.loc[name, "replicas"]
    writes = r.components.query("component == 'crossbar' and stat == 'cell_writes'")["value"].sum()
    assert writes == rows["cell_writes"].sum()
