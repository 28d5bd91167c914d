"""Export the tiny transformer test models to ONNX with both PyTorch exporters.

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


def main(names):
    for name in names or CONFIGS:
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
