"""Export the tiny transformer test models, and three small CNN blocks, to ONNX with both
PyTorch exporters.

Run on the side, in a venv that has torch (never a dependency of accelsim or its tests):

    python3 -m venv /tmp/venv-torch && . /tmp/venv-torch/bin/activate
    pip install torch==2.13.0 onnx onnxscript transformers
    python tests/data/onnx/make_exports.py

Models are built from configs written here, with seeded random weights: nothing is downloaded.
Each is exported twice, `<name>_legacy.onnx` (TorchScript exporter, opset 17) and
`<name>_dynamo.onnx` (torch.export-based exporter, opset 18). CONFIGS is what the tests'
independent MAC formula reads (tests/test_onnx_transformers.py keeps its own copy).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
SEQ = 16

CONFIGS = {
    "bert_tiny": dict(kind="bert", hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=128, vocab_size=128, max_position_embeddings=64),
    "gpt2_tiny": dict(kind="gpt2", n_embd=64, n_layer=2, n_head=4, vocab_size=128, n_positions=64),
    "llama_tiny": dict(kind="llama", hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, intermediate_size=128, vocab_size=128,
                       max_position_embeddings=64),
    "vit_tiny": dict(kind="vit", hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=128, image_size=32, patch_size=8, num_channels=3),
}


def build(name: str):
    import transformers as tf

    cfg = dict(CONFIGS[name])
    kind = cfg.pop("kind")
    torch.manual_seed(0)
    if kind == "bert":
        model = tf.BertModel(tf.BertConfig(**cfg, attn_implementation="eager"), add_pooling_layer=False)
        args = (torch.randint(0, cfg["vocab_size"], (1, SEQ)),)
    elif kind == "gpt2":
        model = tf.GPT2Model(tf.GPT2Config(**cfg, attn_implementation="eager"))
        args = (torch.randint(0, cfg["vocab_size"], (1, SEQ)),)
    elif kind == "llama":
        model = tf.LlamaModel(tf.LlamaConfig(**cfg, attn_implementation="eager"))
        args = (torch.randint(0, cfg["vocab_size"], (1, SEQ)),)
    else:
        model = tf.ViTModel(tf.ViTConfig(**cfg, attn_implementation="eager"), add_pooling_layer=False)
        args = (torch.randn(1, cfg["num_channels"], cfg["image_size"], cfg["image_size"]),)
    model.config.use_cache = False
    return model.eval(), args


class Wrapped(torch.nn.Module):
    """Only the last hidden state: a plain tensor output for both exporters."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        if x.dtype == torch.long:  # an explicit all-ones mask: the legacy exporter cannot trace
            # transformers' packed-sequence detection (aten::diff)
            return self.model(x, attention_mask=torch.ones_like(x), return_dict=False)[0]
        return self.model(x, return_dict=False)[0]


# --- CNN blocks the CNN importer must keep exact: ceil_mode pooling (SqueezeNet's Fire), SiLU and a
# ReduceMean squeeze-excitation (EfficientNet's MBConv), a residual add (ResNet). Their MACs are
# counted by forward hooks at export time (hook_macs) and kept in tests/test_onnx_transformers.py.
from torch import nn  # noqa: E402

class Fire(nn.Module):
    def __init__(s, cin, sq, ex):
        super().__init__(); s.sq = nn.Conv2d(cin, sq, 1); s.e1 = nn.Conv2d(sq, ex, 1); s.e3 = nn.Conv2d(sq, ex, 3, padding=1)
    def forward(s, x):
        x = torch.relu(s.sq(x)); return torch.cat([torch.relu(s.e1(x)), torch.relu(s.e3(x))], 1)

class Squeeze(nn.Module):
    def __init__(s):
        super().__init__()
        s.f = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
                            Fire(32, 8, 16), nn.MaxPool2d(3, 2, ceil_mode=True), Fire(32, 8, 16),
                            nn.Conv2d(32, 10, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
    def forward(s, x): return torch.flatten(s.f(x), 1)

class MB(nn.Module):
    def __init__(s, c, e):
        super().__init__()
        s.exp = nn.Conv2d(c, c * e, 1); s.bn = nn.BatchNorm2d(c * e); s.dw = nn.Conv2d(c * e, c * e, 3, padding=1, groups=c * e)
        s.se1 = nn.Conv2d(c * e, 4, 1); s.se2 = nn.Conv2d(4, c * e, 1); s.proj = nn.Conv2d(c * e, c, 1)
    def forward(s, x):
        y = nn.functional.silu(s.bn(s.exp(x))); y = nn.functional.silu(s.dw(y))
        w = y.mean((2, 3), keepdim=True); w = torch.sigmoid(s.se2(nn.functional.silu(s.se1(w))))
        return x + s.proj(y * w)

class Eff(nn.Module):
    def __init__(s):
        super().__init__(); s.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1); s.b = MB(16, 4); s.b2 = MB(16, 6)
        s.pool = nn.AdaptiveAvgPool2d(1); s.fc = nn.Linear(16, 10)
    def forward(s, x):
        x = nn.functional.silu(s.stem(x)); x = s.b2(s.b(x)); return s.fc(torch.flatten(s.pool(x), 1))

class Res(nn.Module):
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(3, 16, 7, 2, 3); s.p = nn.MaxPool2d(3, 2, 1)
        s.a = nn.Conv2d(16, 16, 3, padding=1); s.b = nn.Conv2d(16, 16, 3, padding=1); s.fc = nn.Linear(16, 10)
    def forward(s, x):
        x = s.p(torch.relu(s.c1(x))); x = torch.relu(x + s.b(torch.relu(s.a(x))))
        return s.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

def hook_macs(model, x):
    total = [0]
    def h(m, i, o):
        if isinstance(m, nn.Conv2d): total[0] += o.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, nn.Linear): total[0] += o.numel() * m.in_features
    hs = [m.register_forward_hook(h) for m in model.modules()]
    with torch.no_grad(): model(x)
    for x_ in hs: x_.remove()
    return total[0]


CNNS = {"squeeze_tiny": (Squeeze, 57), "mbconv_tiny": (Eff, 32), "resblock_tiny": (Res, 32)}


def main(names):
    for name, (cls, side) in CNNS.items():
        if names and name not in names:
            continue
        torch.manual_seed(0)
        model, x = cls().eval(), torch.randn(1, 3, side, side)
        torch.onnx.export(model, (x,), str(HERE / f"{name}_legacy.onnx"), dynamo=False, opset_version=17)
        torch.onnx.export(model, (x,), dynamo=True, opset_version=18).save(str(HERE / f"{name}_dynamo.onnx"))
        print(name, "exported;", hook_macs(model, x), "MACs by forward hooks")
    for name in (n for n in names or CONFIGS if n in CONFIGS):
        model, args = build(name)
        wrapped = Wrapped(model).eval()
        with torch.no_grad():
            torch.onnx.export(wrapped, args, str(HERE / f"{name}_legacy.onnx"), dynamo=False, opset_version=17,
                              input_names=["x"], output_names=["y"])
            program = torch.onnx.export(wrapped, args, dynamo=True, opset_version=18, optimize=True)
            program.save(str(HERE / f"{name}_dynamo.onnx"))
        print(name, "exported")
    (HERE / "configs.json").write_text(json.dumps({"seq": SEQ, "models": CONFIGS}, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
