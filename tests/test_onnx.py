"""ONNX import: small models built with onnx.helper in tmp_path."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import accelsim
from accelsim.cli import main
from accelsim.errors import InputError, WorkloadError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from accelsim.workload.formats.onnx import read_onnx  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


def save(tmp_path, nodes, x_shape, out_name, out_shape, inits, name="net.onnx"):
    graph = helper.make_graph(
        nodes, "net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, out_shape)],
        initializer=[numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="tests")
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def small_net(tmp_path):
    rng = np.random.default_rng(0)
    inits = {"w1": rng.normal(size=(6, 2, 3, 3)), "w2": rng.normal(size=(6, 1, 3, 3)),
             "b3": rng.normal(size=(10, 6)), "b4": rng.normal(size=(10, 3))}
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="c1", group=2, strides=[2, 2], pads=[1, 0, 0, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="r1"),
        helper.make_node("Conv", ["r1", "w2"], ["dw"], name="dw", group=6, pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["dw"], ["mp"], name="mp", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["mp"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "b3"], ["fc"], name="fc", transB=1),
        helper.make_node("MatMul", ["fc", "b4"], ["y"]),
    ]
    return save(tmp_path, nodes, [1, 4, 8, 8], "y", [1, 3], inits), inits


def test_reads_layers_shapes_and_weights(tmp_path):
    path, inits = small_net(tmp_path)
    wl, weights = read_onnx(path)
    assert [(l.name, l.kind) for l in wl.layers] == [
        ("c1", "conv"), ("dw", "depthwise"), ("mp", "maxpool"), ("gap", "avgpool"), ("fc", "linear"),
        ("matmul_7", "linear")]
    c1, dw, mp, gap, fc, mm = wl.layers
    assert (c1.C, c1.H, c1.W, c1.K, c1.R, c1.S, c1.groups, c1.stride_h) == (4, 8, 8, 6, 3, 3, 2, 2)
    assert (c1.pad_top, c1.pad_left, c1.pad_bottom, c1.pad_right, c1.P, c1.Q) == (1, 0, 0, 1, 4, 4)
    assert (dw.groups, dw.K, dw.P) == (6, 6, 4) and (mp.P, gap.R, gap.S, gap.P) == (2, 2, 2, 1)
    assert (fc.C, fc.K, fc.N, mm.C, mm.K) == (6, 10, 1, 10, 3)
    assert wl.macs == 6 * 16 * 18 + 6 * 16 * 9 + 60 + 30 and wl.source == "ONNX model net.onnx (from tests)"
    w1 = inits["w1"].astype(np.float32)
    for g in range(2):
        for n in range(3):
            for c in range(2):
                for r in range(3):
                    for s in range(3):
                        assert weights["c1"][g, (c * 3 + r) * 3 + s, n] == w1[g * 3 + n, c, r, s]
    assert weights["dw"].shape == (6, 9, 1)
    assert np.array_equal(weights["fc"][0], inits["b3"].astype(np.float32).T)
    assert np.array_equal(weights["matmul_7"][0], inits["b4"].astype(np.float32))
    assert set(weights) == {"c1", "dw", "fc", "matmul_7"}


def test_conv_weights_reproduce_the_onnx_convolution(tmp_path):
    """im2col(x) in (c, r, s) order times the (g, Kred, Nout) weights equals ONNX's own Conv."""
    from onnx.reference import ReferenceEvaluator

    path, _ = small_net(tmp_path)
    wl, weights = read_onnx(path)
    layer = wl.layers[0]
    x = np.random.default_rng(1).normal(size=(1, 4, 8, 8)).astype(np.float32)
    model = onnx.load(str(path))
    del model.graph.node[1:]
    model.graph.output[0].name = "c1"
    del model.graph.output[0].type.tensor_type.shape.dim[:]
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0]
    padded = np.pad(x[0], ((0, 0), (layer.pad_top, layer.pad_bottom), (layer.pad_left, layer.pad_right)))
    cg = layer.C // layer.groups
    for g in range(layer.groups):
        for p in range(layer.P):
            for q in range(layer.Q):
                patch = padded[g * cg:(g + 1) * cg, 2 * p:2 * p + 3, 2 * q:2 * q + 3].reshape(-1)
                got = patch.astype(np.float64) @ weights["c1"][g]
                np.testing.assert_allclose(got, expected[0, g * 3:(g + 1) * 3, p, q], rtol=1e-5, atol=1e-5)


def test_load_workload_and_simulate(tmp_path):
    path, _ = small_net(tmp_path)
    wl = accelsim.load_workload(path)
    assert len(wl) == 6
    r = accelsim.simulate(ROOT / "hwconfigs/systolic_32x32.yaml", wl)
    assert r.summary["macs"] == wl.macs


def test_same_auto_pad(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="c", strides=[2, 2], auto_pad="SAME_UPPER")]
    path = save(tmp_path, nodes, [1, 1, 7, 7], "y", None, {"w": np.ones((2, 1, 4, 4))})
    layer = accelsim.load_workload(path).layers[0]
    # out 4 = ceil(7/2): total padding (4-1)*2 + 4 - 7 = 3, the extra one at the end
    assert (layer.pad_top, layer.pad_bottom, layer.P, layer.Q) == (1, 2, 4, 4)


@pytest.mark.parametrize("node,inits,match", [
    (helper.make_node("Conv", ["x", "w"], ["y"], name="c", dilations=[2, 2]), {"w": np.ones((2, 1, 3, 3))},
     r"node 'c' \(Conv\): dilations \[2, 2\] are not supported"),
    (helper.make_node("Einsum", ["x", "w"], ["y"], name="es", equation="nchw,kc->nkhw"), {"w": np.ones((2, 1))},
     r"node 'es' \(Einsum\): Einsum with a weight initialiser is not supported"),
    (helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="ct"), {"w": np.ones((1, 2, 3, 3))},
     r"node 'ct' \(ConvTranspose\): unsupported operator ConvTranspose; supported: Conv, Gemm"),
])
def test_rejections_name_the_node(tmp_path, node, inits, match):
    path = save(tmp_path, [node], [1, 1, 8, 8], "y", None, inits)
    with pytest.raises(WorkloadError, match=match):
        accelsim.load_workload(path)


def test_unreadable_file(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\x00not a model")
    with pytest.raises(WorkloadError, match="not a readable ONNX model|no Conv"):
        accelsim.load_workload(path)
    with pytest.raises(WorkloadError, match="file not found"):
        accelsim.load_workload(tmp_path / "missing.onnx")


def test_missing_extra_says_how_to_install(tmp_path, monkeypatch):
    path, _ = small_net(tmp_path)
    monkeypatch.setitem(sys.modules, "onnx", None)     # makes `import onnx` raise ImportError
    with pytest.raises(InputError, match=r"needs the optional extra: pip install 'accelsim\[onnx\]'"):
        accelsim.load_workload(path)


def test_compress_uses_the_initialisers(tmp_path, capsys):
    path, _ = small_net(tmp_path)
    wl, weights = read_onnx(path)
    out = tmp_path / "q"
    assert main(["compress", str(path), "-o", str(out), "--compression", "[{scheme: quantize, bits: 4}]"]) == 0
    assert "onnx" in capsys.readouterr().out
    text = (tmp_path / "q.yaml").read_text()
    assert text.count("weights: onnx") == 4 and text.count("quantize(bits=4, per_channel=False)") == 4
    with np.load(tmp_path / "q.npz") as npz:
        q = npz["fc::codes"] * npz["fc::scale"]
    # the codes quantise the model's own Gemm weights (B^T): 4-bit, error within half a step
    assert np.abs(q[0] - weights["fc"][0]).max() <= np.abs(weights["fc"]).max() / 7 / 2 + 1e-12
    assert accelsim.load_workload(tmp_path / "q.yaml").macs == wl.macs
    # no blocks: a plain conversion, with the initialisers in the .npz for a later --weights
    assert main(["compress", str(path), "-o", str(tmp_path / "plain"), "-q"]) == 0
    with np.load(tmp_path / "plain.npz") as npz:
        assert sorted(npz.files) == sorted(weights) and np.array_equal(npz["c1"], weights["c1"])
    assert main(["compress", str(tmp_path / "plain.yaml"), "-o", str(tmp_path / "again"), "-q",
                 "--weights", str(tmp_path / "plain.npz"), "--compression", "{scheme: cluster, k: 4}"]) == 0
    assert (tmp_path / "again.yaml").read_text().count("weights: file") == 4
