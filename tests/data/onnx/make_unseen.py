"""Export models the importer was not written against: other architectures, opsets, dynamic
axes, fp16 weights. Run on the side like make_exports.py (same venv; torch is never a dependency):

    python tests/data/onnx/make_unseen.py            # all, or name a few

Random weights from seeded configs written here; nothing is downloaded. Each entry says how it
is exported: `legacy` (TorchScript exporter) or `dynamo` (torch.export-based), the opset, and
dynamic axes or fp16 where the entry asks for them; files are `<name>_<exporter>_op<opset>.onnx`. tests/test_onnx_unseen.py counts their
MACs from the configs with its own formula (it keeps its own copy of the numbers).
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_exports import HERE, Wrapped  # noqa: E402

V = 128  # vocabulary

UNSEEN = {
    # DistilBERT at opset 11 (no LayerNormalization operator before 17: the legacy exporter writes it
    # out; ReduceMean's axes an attribute) and at opset 23 (a Gelu operator)
    "distilbert_tiny": dict(kind="distilbert", export=[("legacy", 11), ("dynamo", 23)], seq=16,
                            cfg=dict(dim=64, n_layers=1, n_heads=4, hidden_dim=128, vocab_size=V,
                                     max_position_embeddings=64)),
    # Mistral: grouped-query attention with head_dim 32 != hidden / heads, fp16 weights
    "mistral_tiny_fp16": dict(kind="mistral", export=[("dynamo", 18), ("legacy", 17)], seq=12, fp16=True,
                              cfg=dict(hidden_size=64, num_hidden_layers=1, num_attention_heads=4,
                                       num_key_value_heads=2, head_dim=32, intermediate_size=96,
                                       vocab_size=V, max_position_embeddings=64, sliding_window=None)),
    # Qwen2: q/k/v biases, 6 heads of 8 over 2 K/V heads; dynamic batch and sequence axes
    "qwen2_tiny_dynamic": dict(kind="qwen2", export=[("legacy", 17), ("dynamo", 18)], seq=10, dynamic=True,
                               cfg=dict(hidden_size=48, num_hidden_layers=1, num_attention_heads=6,
                                        num_key_value_heads=2, intermediate_size=80, vocab_size=V,
                                        max_position_embeddings=64)),
    # T5 encoder: RMS-style norm without bias, relative position bias, ReLU MLP, 4 heads of 8 (32 != d_model)
    "t5enc_tiny": dict(kind="t5", export=[("legacy", 14), ("dynamo", 18)], seq=16,
                       cfg=dict(d_model=64, d_kv=8, num_heads=4, d_ff=128, num_layers=1, vocab_size=V,
                                feed_forward_proj="relu")),
    # BART: encoder (16 tokens) and decoder (8 tokens) with cross-attention to the encoder's output
    "bart_tiny": dict(kind="bart", export=[("legacy", 17), ("dynamo", 18)], seq=16, dec=8,
                      cfg=dict(d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=4,
                               decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64,
                               vocab_size=V, max_position_embeddings=64)),
    # Swin: windowed attention with relative position bias, shifted windows, patch merging
    "swin_tiny": dict(kind="swin", export=[("dynamo", 18), ("legacy", 17)],
                      cfg=dict(image_size=32, patch_size=2, num_channels=3, embed_dim=16, depths=[2, 2],
                               num_heads=[2, 4], window_size=4, mlp_ratio=2.0)),
    # Phi-3: fused qkv and gate/up projections (one MatMul each, then split), GQA 4 / 2
    "phi3_tiny": dict(kind="phi3", export=[("legacy", 17), ("dynamo", 18)], seq=12,
                      cfg=dict(hidden_size=64, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
                               intermediate_size=96, vocab_size=V, max_position_embeddings=64,
                               pad_token_id=0)),
    # LLaMA decode step with the KV cache as inputs: one new token against 12 cached (GQA 4 / 2)
    "llama_decode_kvcache": dict(kind="llama_decode", export=[("legacy", 17), ("dynamo", 18)], past=12,
                                 cfg=dict(hidden_size=64, num_hidden_layers=1, num_attention_heads=4,
                                          num_key_value_heads=2, intermediate_size=128, vocab_size=V,
                                          max_position_embeddings=64)),
    # DeiT: ViT with a distillation token (patches + 2 tokens), dynamic batch axis
    "deit_tiny": dict(kind="deit", export=[("legacy", 17), ("dynamo", 18)], dynamic=True,
                      cfg=dict(hidden_size=64, num_hidden_layers=1, num_attention_heads=4, intermediate_size=128,
                               image_size=32, patch_size=8, num_channels=3)),
}


class TwoInputs(torch.nn.Module):
    """Encoder-decoder: input_ids and decoder_input_ids, the decoder's last hidden state out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, d):
        return self.model(input_ids=x, attention_mask=torch.ones_like(x), decoder_input_ids=d,
                          return_dict=False)[0]


class DecodeStep(torch.nn.Module):
    """One decode step: the new token's ids and the cached K and V in, its hidden state and the
    grown K and V out (one block)."""

    def __init__(self, model, config):
        super().__init__()
        self.model, self.config = model, config

    def forward(self, x, k0, v0):
        import transformers as tf

        cache = tf.DynamicCache(config=self.config)
        cache.update(k0, v0, 0)
        out = self.model(input_ids=x, past_key_values=cache, use_cache=True, return_dict=True)
        layer = out.past_key_values.layers[0]
        return out.last_hidden_state, layer.keys, layer.values


def build(name: str):
    import transformers as tf

    entry = UNSEEN[name]
    kind, cfg = entry["kind"], entry["cfg"]
    torch.manual_seed(0)
    ids = lambda n: torch.randint(0, V, (1, n))  # noqa: E731
    image = lambda c: torch.randn(1, c["num_channels"], c["image_size"], c["image_size"])  # noqa: E731
    if kind == "distilbert":
        model, args = tf.DistilBertModel(tf.DistilBertConfig(**cfg, attn_implementation="eager")), (ids(entry["seq"]),)
    elif kind == "mistral":
        model, args = tf.MistralModel(tf.MistralConfig(**cfg, attn_implementation="eager")), (ids(entry["seq"]),)
    elif kind == "phi3":
        model, args = tf.Phi3Model(tf.Phi3Config(**cfg, attn_implementation="eager")), (ids(entry["seq"]),)
    elif kind == "qwen2":
        model, args = tf.Qwen2Model(tf.Qwen2Config(**cfg, attn_implementation="eager")), (ids(entry["seq"]),)
    elif kind == "t5":
        model, args = tf.T5EncoderModel(tf.T5Config(**cfg, attn_implementation="eager")), (ids(entry["seq"]),)
    elif kind == "bart":
        model = tf.BartModel(tf.BartConfig(**cfg, attn_implementation="eager"))
        args = (ids(entry["seq"]), ids(entry["dec"]))
    elif kind == "llama_decode":
        config = tf.LlamaConfig(**cfg, attn_implementation="eager")
        kv, hd = cfg["num_key_value_heads"], cfg["hidden_size"] // cfg["num_attention_heads"]
        past = lambda: torch.randn(1, kv, entry["past"], hd)  # noqa: E731
        return DecodeStep(tf.LlamaModel(config).eval(), config).eval(), (ids(1), past(), past())
    elif kind == "swin":
        model, args = tf.SwinModel(tf.SwinConfig(**cfg, attn_implementation="eager"), add_pooling_layer=False), (image(cfg),)
    else:
        model, args = tf.DeiTModel(tf.DeiTConfig(**cfg, attn_implementation="eager"), add_pooling_layer=False), (image(cfg),)
    model.config.use_cache = False
    if entry.get("fp16"):
        model = model.half()
    wrapped = TwoInputs(model) if kind == "bart" else Wrapped(model)
    return wrapped.eval(), args


def export(name: str):
    entry = UNSEEN[name]
    model, args = build(name)
    names = (["x", "k0", "v0"] if len(args) == 3 else ["x", "d"])[:len(args)]
    for exporter, opset in entry["export"]:
        path = str(HERE / f"{name}_{exporter}_op{opset}.onnx")
        with torch.no_grad():
            if exporter == "legacy":
                axes = {n: {0: "batch", 1: "sequence"} if args[0].dtype == torch.long else {0: "batch"}
                        for n in names} if entry.get("dynamic") else None
                torch.onnx.export(model, args, path, dynamo=False, opset_version=opset, input_names=names,
                                  output_names=["y"], dynamic_axes=axes)
            else:
                shapes = None
                if entry.get("dynamic"):
                    batch, seq = torch.export.Dim("batch", max=64), torch.export.Dim("sequence", max=64)
                    shapes = ({0: batch, 1: seq} if args[0].dtype == torch.long else {0: batch},)
                torch.onnx.export(model, args, dynamo=True, opset_version=opset, optimize=True,
                                  dynamic_shapes=shapes).save(path)
        print(name, exporter, opset, "exported", Path(path).stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    for name in sys.argv[1:] or UNSEEN:
        export(name)
