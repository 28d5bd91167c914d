"""Transformer exports from PyTorch (tests/data/onnx, made by make_exports.py on the side):
both exporters give the same layers, and MACs equal a per-layer count from the model config."""

from __future__ import annotations

import numpy as np
import pytest

import accelsim
from tests.conftest import DATA, ROOT

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from accelsim.errors import WorkloadError  # noqa: E402
from accelsim.workload.formats.onnx import read_onnx  # noqa: E402

ONNX = DATA / "onnx"
SEQ = 16
# The configs make_exports.py built the models from (kept here, not read from its output).
MODELS = {
    "bert_tiny": dict(d=64, layers=2, heads=4, kv=4, ff=128, gated=False, tokens=SEQ, patch=None, act="gelu"),
    "gpt2_tiny": dict(d=64, layers=2, heads=4, kv=4, ff=256, gated=False, tokens=SEQ, patch=None, act="gelu_tanh"),
    "llama_tiny": dict(d=64, layers=2, heads=4, kv=2, ff=128, gated=True, tokens=SEQ, patch=None, act="silu"),
    "vit_tiny": dict(d=64, layers=2, heads=4, kv=4, ff=128, gated=False, tokens=(32 // 8) ** 2 + 1,
                     patch=(3, 8, 32), act="gelu"),
}


def expected_macs(d, layers, heads, kv, ff, gated, tokens, patch, act=None):
    """Independent count: every projection, both attention products, the MLP; embeddings are lookups."""
    hd = d // heads
    s = tokens
    per_block = (s * d * heads * hd          # q
                 + 2 * s * d * kv * hd       # k, v
                 + 2 * heads * s * s * hd    # q.k^T and scores.v, every head
                 + s * heads * hd * d        # o
                 + (3 if gated else 2) * s * d * ff)
    embed = 0
    if patch is not None:
        channels, p, image = patch
        embed = (image // p) ** 2 * channels * p * p * d
    return layers * per_block + embed


def expected_vector_ops(d, layers, heads, kv, ff, gated, tokens, patch, act):
    """Independent count by function (docs/transformers.md's table): two norms per block and a
    final (or embedding) one, softmax over every score, two residual adds per block, the MLP
    activation (a gated one: silu, then the gate multiply) and RoPE on q and k (LLaMA)."""
    hd, s = d // heads, tokens
    norm = (4 if gated else 8) * s * d  # LLaMA's rmsnorm, the others' layernorm
    mlp = {"silu": 2 + 1, "gelu": 5, "gelu_tanh": 8}[act] * s * ff
    rope = 3 * s * (heads + kv) * hd if gated else 0
    per_block = 2 * norm + 5 * heads * s * s + 2 * s * d + mlp + rope
    return {"total": layers * per_block + norm, "add": layers * 2 * s * d}


def signature(wl):
    return [(l.kind, l.op, l.N, l.C, l.H, l.K, l.groups, l.macs, l.vector_ops) for l in wl.layers]


@pytest.mark.parametrize("model", sorted(MODELS))
def test_both_exporters_give_the_same_layers_and_the_formula_macs(model):
    legacy, _ = read_onnx(ONNX / f"{model}_legacy.onnx")
    dynamo, _ = read_onnx(ONNX / f"{model}_dynamo.onnx")
    assert signature(legacy) == signature(dynamo)
    cfg = MODELS[model]
    assert legacy.macs == dynamo.macs == expected_macs(**cfg)
    attention = [l for l in legacy.layers if l.kind == "matmul"]
    hd = cfg["d"] // cfg["heads"]
    assert len(attention) == 2 * cfg["layers"]
    assert sum(l.macs for l in attention) == cfg["layers"] * 2 * cfg["heads"] * cfg["tokens"] ** 2 * hd
    ops = [l.op for l in legacy.layers if l.is_vector]
    assert ops.count("softmax") == cfg["layers"]
    norm = "rmsnorm" if model == "llama_tiny" else "layernorm"
    assert ops.count(norm) == 2 * cfg["layers"] + 1
    act = cfg["act"]
    assert ops.count(act) == cfg["layers"]
    assert ops.count("rope") == (2 * cfg["layers"] if model == "llama_tiny" else 0)
    # residual adds and the gate multiply are vector layers too; every function once, whatever the exporter
    assert ops.count("add") == 2 * cfg["layers"] and ops.count("mul") == (cfg["layers"] if cfg["gated"] else 0)
    assert set(ops) <= {"softmax", norm, act, "rope", "add", "mul"}
    vector = expected_vector_ops(**cfg)
    for wl in (legacy, dynamo):
        assert sum(l.vector_ops for l in wl.layers) == vector["total"]
        assert sum(l.vector_ops for l in wl.layers if l.op == "add") == vector["add"]


@pytest.mark.parametrize("model", sorted(MODELS))
def test_imported_vector_work_equals_the_transformer_block_of_the_same_config(model):
    """The native `transformer:` block is a second, separate generator of the same layers."""
    from accelsim.workload.formats.transformer import TransformerSpec, transformer_layers

    cfg = MODELS[model]
    spec = TransformerSpec(d_model=cfg["d"], layers=cfg["layers"], heads=cfg["heads"], kv_heads=cfg["kv"],
                           d_ff=cfg["ff"], gated_mlp=cfg["gated"], activation=cfg["act"], rope=cfg["gated"],
                           norm="rmsnorm" if cfg["gated"] else "layernorm", seq_len=SEQ,
                           patches=dict(image=32, patch=8) if cfg["patch"] else None)
    block = transformer_layers(spec)
    for exporter in ("legacy", "dynamo"):
        wl, _ = read_onnx(ONNX / f"{model}_{exporter}.onnx")
        by_op = lambda layers: {op: sum(l.vector_ops for l in layers if l.op == op)  # noqa: E731
                                for op in {l.op for l in layers if l.is_vector}}
        imported, generated = by_op(wl.layers), by_op(block)
        if cfg["gated"]:  # the block's swiglu (3 ops) is the export's silu (2) and gate multiply (1)
            imported["swiglu"] = imported.pop("silu") + imported.pop("mul")
        assert imported == generated
        assert wl.macs == sum(l.macs for l in block)


@pytest.mark.parametrize("hw", ["systolic_32x32", "isaac"])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_exports_run_on_a_systolic_chip_and_on_isaac(model, hw):
    r = accelsim.simulate(ROOT / "hwconfigs" / f"{hw}.yaml", ONNX / f"{model}_dynamo.onnx")
    assert r.summary["macs"] == expected_macs(**MODELS[model])
    units = set(r.layers.loc[r.layers["type"] == "matmul", "unit"])
    assert units == ({"pe_array"} if hw.startswith("systolic") else {"crossbars"})
    assert (r.layers.loc[r.layers["type"] == "matmul", "b_operand"] == "activations").all()


def test_external_data_loads(tmp_path):
    model = onnx.load(str(ONNX / "bert_tiny_dynamo.onnx"))
    onnx.save(model, str(tmp_path / "ext.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
              location="ext.onnx.data", size_threshold=0)
    assert (tmp_path / "ext.onnx.data").stat().st_size > 100_000
    assert (tmp_path / "ext.onnx").stat().st_size < (ONNX / "bert_tiny_dynamo.onnx").stat().st_size - 100_000
    wl, weights = read_onnx(tmp_path / "ext.onnx")
    assert wl.macs == expected_macs(**MODELS["bert_tiny"]) and len(weights) == 12


def _model(tmp_path, nodes, x_shape, y_shape, inits=None, inputs=None, opset=17):
    ins = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)]
    graph = helper.make_graph(nodes, "g", ins, [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
                              initializer=[numpy_helper.from_array(v, k) for k, v in (inits or {}).items()])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), str(path))
    return path


def test_two_activation_matmul_and_einsum_become_matmul_layers(tmp_path):
    a = helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3, 5, 7])
    b = helper.make_tensor_value_info("b", TensorProto.FLOAT, [2, 3, 7, 4])
    nodes = [helper.make_node("MatMul", ["a", "b"], ["c"], name="mm"),
             helper.make_node("Einsum", ["c", "a"], ["y"], name="es", equation="bhik,bhil->bhkl")]
    wl, weights = read_onnx(_model(tmp_path, nodes, None, [2, 3, 4, 7], inputs=[a, b]))
    mm, es = wl.layers
    assert (mm.kind, mm.groups, mm.gemm, mm.macs) == ("matmul", 6, (5, 7, 4), 6 * 5 * 7 * 4)
    assert (es.kind, es.groups, es.gemm, es.macs) == ("matmul", 6, (4, 5, 7), 6 * 4 * 5 * 7) and not weights


def test_reducemean_over_hw_is_global_average_pooling(tmp_path):
    for opset, node in ((17, helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=1)),
                        (18, helper.make_node("ReduceMean", ["x", "axes"], ["y"], keepdims=1))):
        inits = {"axes": np.array([-2, -1], dtype=np.int64)} if opset == 18 else {}
        path = _model(tmp_path, [node], [1, 8, 5, 6], [1, 8, 1, 1], inits, opset=opset)
        (gap,) = read_onnx(path)[0].layers
        assert (gap.kind, gap.R, gap.S, gap.P, gap.Q, gap.pool_ops) == ("avgpool", 5, 6, 1, 1, 8 * 30)
    gap_node = helper.make_node("GlobalAveragePool", ["x"], ["y"])
    (ref,) = read_onnx(_model(tmp_path, [gap_node], [1, 8, 5, 6], [1, 8, 1, 1]))[0].layers
    assert (ref.kind, ref.R, ref.S, ref.pool_ops) == (gap.kind, gap.R, gap.S, gap.pool_ops)


@pytest.mark.parametrize("h, kernel, stride, pad, expect", [
    (13, 3, 2, 0, 6),   # SqueezeNet: floor gives 6 as well
    (14, 3, 2, 0, 7),   # ceil: 6.5 -> 7 (floor would give 6)
    (6, 3, 2, 1, 4),    # (6 + 2 - 3)/2 = 2.5 -> 3, + 1 (floor: 3)
    (7, 2, 2, 1, 4),    # ceil gives 5, but the 5th window would start in the end padding: dropped
])
def test_pool_ceil_mode_gives_onnx_output_size(tmp_path, h, kernel, stride, pad, expect):
    from onnx.reference import ReferenceEvaluator

    node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[kernel, kernel], strides=[stride, stride],
                            pads=[pad] * 4, ceil_mode=1)
    path = _model(tmp_path, [node], [1, 2, h, h], None)
    (pool,) = read_onnx(path)[0].layers
    x = np.random.default_rng(0).normal(size=(1, 2, h, h)).astype(np.float32)
    out = ReferenceEvaluator(str(path)).run(None, {"x": x})[0]
    assert pool.P == pool.Q == out.shape[2] == expect


def test_elementwise_nodes_count_when_they_combine_two_streams(tmp_path):
    """A residual add is counted; x * sigmoid(x), y + y, a bias add and an eps add are not."""
    nodes = [helper.make_node("MatMul", ["x", "w"], ["mm"], name="fc"),
             helper.make_node("Add", ["mm", "bias"], ["y"], name="bias_add"),      # constant operand
             helper.make_node("Add", ["y", "y"], ["yy"], name="double"),           # one stream
             helper.make_node("Sigmoid", ["yy"], ["sg"], name="sig"),
             helper.make_node("Mul", ["yy", "sg"], ["act"], name="silu_mul"),      # inside silu
             helper.make_node("Add", ["act", "x"], ["y"], name="residual")]       # two streams
    inits = {"w": np.ones((8, 8), np.float32), "bias": np.ones(8, np.float32)}
    path = _model(tmp_path, nodes, [4, 8], [4, 8], inits)
    layers = read_onnx(path)[0].layers
    assert [(l.name, l.op or l.kind, l.vector_ops) for l in layers] == [
        ("fc", "linear", 0), ("sig", "silu", 2 * 32), ("residual", "add", 32)]


def test_a_data_mask_and_a_scale_fold_into_the_softmax(tmp_path):
    inputs = [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 2, 4, 8]),
              helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 2, 8, 4]),
              helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 2, 4, 4])]
    nodes = [helper.make_node("MatMul", ["a", "b"], ["s"], name="qk"),
             helper.make_node("Div", ["s", "scale"], ["sd"]),
             helper.make_node("Add", ["sd", "mask"], ["sm"], name="masked"),  # two data streams, but a mask
             helper.make_node("Softmax", ["sm"], ["y"], name="sm", axis=-1)]
    path = _model(tmp_path, nodes, None, [1, 2, 4, 4], {"scale": np.array(2.0, np.float32)}, inputs=inputs)
    layers = read_onnx(path)[0].layers
    assert [(l.op or l.kind, l.vector_ops) for l in layers] == [("matmul", 0), ("softmax", 5 * 32)]


def test_a_written_out_layernorm_is_one_layernorm(tmp_path):
    """Before opset 17 the TorchScript exporter writes LayerNorm as ReduceMean, Sub, Pow, ReduceMean..."""
    nodes = [helper.make_node("ReduceMean", ["x"], ["mu"], axes=[-1]),
             helper.make_node("Sub", ["x", "mu"], ["xc"]),
             helper.make_node("Pow", ["xc", "two"], ["sq"]),
             helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
             helper.make_node("Add", ["var", "eps"], ["ve"]),
             helper.make_node("Sqrt", ["ve"], ["sd"]),
             helper.make_node("Div", ["xc", "sd"], ["xn"]),
             helper.make_node("Mul", ["xn", "gamma"], ["xg"]),
             helper.make_node("Add", ["xg", "beta"], ["xb"]),
             helper.make_node("MatMul", ["xb", "w"], ["y"], name="fc")]
    inits = {"two": np.array(2.0, np.float32), "eps": np.array(1e-5, np.float32), "w": np.ones((8, 3), np.float32),
             "gamma": np.ones(8, np.float32), "beta": np.zeros(8, np.float32)}
    path = _model(tmp_path, nodes, [5, 8], [5, 3], inits, opset=13)
    layers = read_onnx(path)[0].layers
    assert [(l.op or l.kind, l.H, l.C, l.vector_ops) for l in layers] == [("layernorm", 5, 8, 8 * 40),
                                                                          ("linear", 1, 8, 0)]


def test_mac_free_operators_are_skipped(tmp_path):
    ops = [helper.make_node(op, ["x"], [f"t{i}"]) for i, op in enumerate(
        ["Reciprocal", "Not", "Cast", "CumSum", "Shape", "Trilu", "Range", "GatherElements", "Mod", "Expand"])]
    for node in ops:
        assert node.op_type in __import__("accelsim.workload.formats.onnx", fromlist=["MAC_FREE"]).MAC_FREE
    nodes = [helper.make_node("And", ["m", "m"], ["m2"]), helper.make_node("Where", ["m2", "x", "x"], ["w"]),
             helper.make_node("Reciprocal", ["w"], ["r"]), helper.make_node("Mod", ["r", "r"], ["md"], fmod=1),
             helper.make_node("MatMul", ["md", "wt"], ["y"], name="fc")]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8]),
              helper.make_tensor_value_info("m", TensorProto.BOOL, [4, 8])]
    path = _model(tmp_path, nodes, None, [4, 3], {"wt": np.ones((8, 3), np.float32)}, inputs=inputs)
    (fc,) = read_onnx(path)[0].layers
    assert (fc.kind, fc.macs) == ("linear", 4 * 8 * 3)


def test_an_unsupported_operator_with_macs_is_one_line(tmp_path):
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up")
    path = _model(tmp_path, [node], [1, 2, 4, 4], [1, 3, 5, 5], {"w": np.ones((2, 3, 2, 2), np.float32)})
    with pytest.raises(WorkloadError) as err:
        read_onnx(path)
    assert err.value.key == "node 'up' (ConvTranspose)" and "unsupported operator ConvTranspose" in err.value.reason
    assert "\n" not in err.value.message


# CNN blocks (make_exports.py): MACs counted by PyTorch forward hooks when they were exported
CNNS = {
    "squeeze_tiny": (1_069_376, ["conv", "maxpool", "conv", "conv", "conv", "maxpool", "conv", "conv", "conv",
                                 "conv", "avgpool"]),
    # the squeeze-excitation scale (y x sigmoid(w)) and the residual add combine two streams: vector layers
    "mbconv_tiny": (1_791_392, ["conv", "silu", "conv", "silu", "depthwise", "silu", "avgpool", "conv", "silu",
                                "conv", "sigmoid", "mul", "conv", "add"] + ["conv", "silu", "depthwise", "silu",
                                                                           "avgpool", "conv", "silu", "conv",
                                                                           "sigmoid", "mul", "conv", "add",
                                                                           "avgpool", "linear"]),
    "resblock_tiny": (897_184, ["conv", "maxpool", "conv", "conv", "add", "avgpool", "linear"]),
}


@pytest.mark.parametrize("model", sorted(CNNS))
def test_cnn_exports_keep_exact_macs_with_both_exporters(model):
    """ceil_mode pooling, ReduceMean squeeze-excitation and global pooling, residual adds."""
    legacy, _ = read_onnx(ONNX / f"{model}_legacy.onnx")
    dynamo, _ = read_onnx(ONNX / f"{model}_dynamo.onnx")
    macs, kinds = CNNS[model]
    assert signature(legacy) == signature(dynamo)
    assert legacy.macs == macs and [l.op or l.kind for l in legacy.layers] == kinds
