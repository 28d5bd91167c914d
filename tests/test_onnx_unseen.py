"""Exports the importer was not written against (tests/data/onnx/make_unseen.py, made on the side):
other architectures (DistilBERT, Mistral, Qwen2, Phi-3, T5 encoder, BART, Swin, DeiT), a decode step with
the KV cache as inputs, opsets 11 to 23, dynamic axes, fp16 weights. MACs equal a per-layer count from the configs written here, both
exports give the same layers, and every function is one vector layer."""

from __future__ import annotations

import pytest

import accelsim
from tests.conftest import DATA, ROOT

pytest.importorskip("onnx")
from accelsim.errors import WorkloadError  # noqa: E402
from accelsim.workload.formats.onnx import read_onnx  # noqa: E402

ONNX = DATA / "onnx"


def attention(s, d, heads, hd, kv=None, t=None, windows=1):
    """q, k, v, o projections and both attention products; k/v over t tokens (cross-attention);
    `windows` independent windows of s tokens each (Swin)."""
    kv, t = kv or heads, t or s
    n = windows
    return n * (s * d * heads * hd + 2 * t * d * kv * hd + 2 * heads * s * t * hd + s * heads * hd * d)


def mlp(s, d, ff, gated=False):
    return (3 if gated else 2) * s * d * ff


def softmax_elements(s, heads, t=None, windows=1):
    return windows * heads * s * (t or s)


# name: (exports, MACs, {op: vector layers}, softmax elements, residual-add elements)
SWIN_1 = dict(s=16, d=16, heads=2, hd=8, windows=16)   # 16 x 16 tokens in 4 x 4 windows, embed 16
SWIN_2 = dict(s=16, d=32, heads=4, hd=8, windows=4)    # after patch merging: 8 x 8 tokens, dim 32
UNSEEN = {
    "distilbert_tiny": (("legacy_op11", "dynamo_op23"),
                        attention(16, 64, 4, 16) + mlp(16, 64, 128),
                        {"layernorm": 3, "softmax": 1, "add": 2, "gelu": 1},
                        softmax_elements(16, 4), 2 * 16 * 64),
    "mistral_tiny_fp16": (("legacy_op17", "dynamo_op18"),   # head_dim 32 != 64 / 4 heads; GQA 4 / 2
                          attention(12, 64, 4, 32, kv=2) + mlp(12, 64, 96, gated=True),
                          {"rmsnorm": 3, "rope": 2, "softmax": 1, "add": 2, "silu": 1, "mul": 1},
                          softmax_elements(12, 4), 2 * 12 * 64),
    "qwen2_tiny_dynamic": (("legacy_op17", "dynamo_op18"),  # sequence given as dims.sequence = 10
                           attention(10, 48, 6, 8, kv=2) + mlp(10, 48, 80, gated=True),
                           {"rmsnorm": 3, "rope": 2, "softmax": 1, "add": 2, "silu": 1, "mul": 1},
                           softmax_elements(10, 6), 2 * 10 * 48),
    "t5enc_tiny": (("legacy_op14", "dynamo_op18"),          # 4 heads of 8: inner 32 != d_model 64; ReLU
                   attention(16, 64, 4, 8) + mlp(16, 64, 128),
                   {"rmsnorm": 3, "softmax": 1, "add": 2},
                   softmax_elements(16, 4), 2 * 16 * 64),
    "bart_tiny": (("legacy_op17", "dynamo_op18"),           # encoder 16 tokens; decoder 8, cross-attends 16
                  attention(16, 32, 4, 8) + mlp(16, 32, 64)
                  + attention(8, 32, 4, 8) + attention(8, 32, 4, 8, t=16) + mlp(8, 32, 64),
                  {"layernorm": 7, "softmax": 3, "add": 5, "gelu": 2},
                  softmax_elements(16, 4) + softmax_elements(8, 4) + softmax_elements(8, 4, t=16),
                  2 * 16 * 32 + 3 * 8 * 32),
    "swin_tiny": (("legacy_op17", "dynamo_op18"),
                  16 * 16 * 3 * 2 * 2 * 16                                 # patch embedding, 2 x 2 patches
                  + 2 * (attention(**SWIN_1) + mlp(256, 16, 32))           # stage 1, two blocks
                  + 64 * (4 * 16) * 32                                     # patch merging 4 d -> 2 d
                  + 2 * (attention(**SWIN_2) + mlp(64, 32, 64)),           # stage 2
                  {"layernorm": 11, "softmax": 4, "add": 8, "gelu": 4},
                  2 * softmax_elements(16, 2, windows=16) + 2 * softmax_elements(16, 4, windows=4),
                  2 * 2 * 256 * 16 + 2 * 2 * 64 * 32),
    "phi3_tiny": (("legacy_op17", "dynamo_op18"),          # fused qkv and gate/up: the gate multiply of two
                  attention(12, 64, 4, 16, kv=2) + mlp(12, 64, 96, gated=True),  # halves of one MatMul counts
                  {"rmsnorm": 3, "rope": 2, "softmax": 1, "add": 2, "silu": 1, "mul": 1},
                  softmax_elements(12, 4), 2 * 12 * 64),
    "llama_decode_kvcache": (("legacy_op17", "dynamo_op18"),  # 1 new token, 12 cached K/V as inputs, GQA 4 / 2
                             64 * 64 + 2 * 64 * 2 * 16 + 2 * 4 * 1 * 13 * 16 + 64 * 64 + mlp(1, 64, 128, gated=True),
                             {"rmsnorm": 3, "rope": 2, "softmax": 1, "add": 2, "silu": 1, "mul": 1},
                             softmax_elements(1, 4, t=13), 2 * 64),
    "deit_tiny": (("legacy_op17", "dynamo_op18"),           # 16 patches + class + distillation tokens
                  16 * 3 * 8 * 8 * 64 + attention(18, 64, 4, 16) + mlp(18, 64, 128),
                  {"layernorm": 3, "softmax": 1, "add": 2, "gelu": 1},
                  softmax_elements(18, 4), 2 * 18 * 64),
}
DIMS = {"qwen2_tiny_dynamic": {"sequence": 10}}


def _read(model, export, dims=None):
    return read_onnx(ONNX / f"{model}_{export}.onnx", DIMS.get(model) if dims is None else dims)[0]


def _signature(wl):
    return [(l.kind, l.op, l.N, l.C, l.H, l.K, l.groups, l.macs, l.vector_ops) for l in wl.layers]


@pytest.mark.parametrize("model", sorted(UNSEEN))
def test_unseen_exports_import_with_the_independent_counts(model):
    exports, macs, ops, softmax, adds = UNSEEN[model]
    first, second = (_read(model, e) for e in exports)
    assert _signature(first) == _signature(second)
    assert first.macs == macs
    vector = [l for l in first.layers if l.is_vector]
    assert {op: [l.op for l in vector].count(op) for op in ops} == ops and len(vector) == sum(ops.values())
    assert sum(l.elements for l in vector if l.op == "softmax") == softmax
    assert sum(l.elements for l in vector if l.op == "add") == adds


@pytest.mark.parametrize("model", ["qwen2_tiny_dynamic", "swin_tiny", "bart_tiny"])
@pytest.mark.parametrize("hw", ["systolic_32x32", "isaac"])
def test_unseen_exports_run_on_a_systolic_chip_and_on_isaac(model, hw):
    path = ONNX / f"{model}_{UNSEEN[model][0][1]}.onnx"
    overrides = {f"dims.{k}": v for k, v in DIMS.get(model, {}).items()}
    r = accelsim.simulate(ROOT / "hwconfigs" / f"{hw}.yaml", accelsim.load_workload(path, overrides))
    assert r.summary["macs"] == UNSEEN[model][1]
    matmuls = r.layers[r.layers["type"] == "matmul"]
    assert set(matmuls["unit"]) == ({"pe_array"} if hw.startswith("systolic") else {"crossbars"})


def test_dynamic_axes_take_their_sizes_from_dims():
    """The sequence axis is dynamic in both exports: its size is given; the batch defaults to 1."""
    for export in UNSEEN["qwen2_tiny_dynamic"][0]:
        wl = _read("qwen2_tiny_dynamic", export, {"sequence": 32, "batch": 2})
        assert wl.macs == 2 * (attention(32, 48, 6, 8, kv=2) + mlp(32, 48, 80, gated=True))
        with pytest.raises(WorkloadError) as err:
            _read("qwen2_tiny_dynamic", export, {})
        assert err.value.key == "dims.sequence" and "axis 1 is dynamic ('sequence')" in err.value.reason
        with pytest.raises(WorkloadError, match="no input has a dynamic axis 'seq'; dynamic axes: batch, sequence"):
            _read("qwen2_tiny_dynamic", export, {"sequence": 8, "seq": 8})


def test_cli_sets_a_dynamic_axis(tmp_path):
    import subprocess
    import sys

    path = ONNX / "qwen2_tiny_dynamic_dynamo_op18.onnx"
    run = [sys.executable, "-m", "accelsim", "run", "hwconfigs/systolic_32x32.yaml", str(path), "-q",
           "-o", str(tmp_path / "out")]
    proc = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--set workload.dims.sequence=" in proc.stderr
    proc = subprocess.run(run + ["--set", "workload.dims.sequence=10"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(run + ["--set", "workload.layers.q.K=3"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert proc.returncode == 2 and "only dims.<axis> overrides" in proc.stderr


def test_a_sweep_axis_sets_a_dynamic_axis(tmp_path):
    """`workload.dims.<axis>` sweeps an ONNX model's dynamic axis; each point's MACs follow it.
    The axis must be one of every workload's dynamic axes, and every workload must be ONNX."""
    from accelsim.errors import ConfigError
    from accelsim.sweep.run import run_sweep
    from accelsim.sweep.spec import load_spec

    model = ONNX / "qwen2_tiny_dynamic_dynamo_op18.onnx"
    spec = tmp_path / "spec.yaml"

    def write(axis: str, workload=model):
        spec.write_text(f"name: seq\nhardware: {ROOT / 'hwconfigs' / 'systolic_32x32.yaml'}\n"
                        f"workloads: [{workload}]\naxes:\n  {axis}: [8, 16]\n")

    write("workload.dims.sequence")
    frame = run_sweep(spec, tmp_path / "out", progress=False, jobs=1).points
    assert dict(zip(frame["workload.dims.sequence"], frame["macs"])) == {
        s: attention(s, 48, 6, 8, kv=2) + mlp(s, 48, 80, gated=True) for s in (8, 16)}
    write("workload.dims.seq")
    with pytest.raises(ConfigError, match="has no dynamic input axis 'seq'; its dynamic axes: batch, sequence") as err:
        load_spec(spec)
    assert err.value.key == "axes.workload.dims.seq"
    write("workload.dims.sequence", ROOT / "workloads" / "lenet5.yaml")
    with pytest.raises(ConfigError, match="workload.dims axes need ONNX workloads, not lenet5"):
        load_spec(spec)


def test_a_decode_export_reads_and_appends_the_kv_cache():
    """The cache inputs (12 past tokens x 2 K/V heads x head_dim 16) are read by the two attention
    matmuls, and the new token's K and V are appended by the k and v projections: the `transformer:`
    block's decode model, from either exporter; crossbar chips move those bytes over their link."""
    past, new = 12 * 2 * 16, 1 * 2 * 16
    for export in UNSEEN["llama_decode_kvcache"][0]:
        wl = _read("llama_decode_kvcache", export)
        touched = [(layer.kind, layer.kv_read, layer.kv_write) for layer in wl.layers if layer.kv_read or layer.kv_write]
        assert touched == [("linear", 0, new), ("linear", 0, new), ("matmul", past, 0), ("matmul", past, 0)]
        r = accelsim.simulate(ROOT / "hwconfigs" / "systolic_32x32.yaml", wl)
        assert (r.summary["kv_cache_read_bytes"], r.summary["kv_cache_write_bytes"]) == (2 * past, 2 * new)
        r = accelsim.simulate(ROOT / "hwconfigs" / "mram_crossbar.yaml", wl)
        assert r.layers["stall_kv_cache"].sum() > 0
    for model in ("llama_tiny", "gpt2_tiny"):  # no cache inputs: nothing is cache traffic
        wl = accelsim.load_workload(ONNX / f"{model}_dynamo.onnx")
        assert not any(layer.kv_read or layer.kv_write for layer in wl.layers)
