"""The native format's `transformer:` block: a decoder or encoder stack from a few numbers.

Per block (prefix `l<i>.`), for B batch items of S tokens attending to T keys:

    norm1   vector  rmsnorm | layernorm, d per token
    q, k, v linear  d -> heads x hd, d -> kv_heads x hd (twice)         hd = d_model / heads
    rope    vector  (heads + kv_heads) x hd per token                   (rope: true)
    qk      matmul  groups B x kv_heads, M = S x heads/kv_heads, K = hd, N = T
    softmax vector  T per row, B x heads x S rows
    av      matmul  groups B x kv_heads, M = S x heads/kv_heads, K = T, N = hd
    o       linear  heads x hd -> d
    res1    vector  add, d per token
    norm2   vector
    gate, up linear d -> d_ff (gated MLP), act vector swiglu;  or up, act (gelu | ...), down
    down    linear  d_ff -> d
    res2    vector  add

then a final norm, and an `lm_head` linear d -> vocab over the step's tokens if `vocab` is
given. Grouped-query attention folds the heads that share a K/V head into M, so each K/V head
is one group whose operand is read once (MACs equal heads x S x hd x T either way).

Phases: `prefill` runs S = seq_len tokens against T = context (default seq_len) keys.
`decode` runs S = seq_len new tokens (usually 1) against T = context + S keys: the K and V of
the `context` earlier tokens are read from the KV cache in DRAM every step (`kv_read`
elements on qk and av), and the new tokens' K and V are appended to it (`kv_write` on k and v).
Residency policy: the cache lives in DRAM; nothing of it stays on chip between steps or
layers (a 7B model's cache at 2,048 tokens is 1 GiB at 16 bits, far beyond any buffer).
See docs/transformers.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator
from typing_extensions import Annotated

from accelsim.workload.layers import Layer

Pos = Annotated[StrictInt, Field(gt=0)]
NonNeg = Annotated[StrictInt, Field(ge=0)]


class Patches(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    image: Pos = Field(description="input image side, pixels")
    patch: Pos = Field(description="patch side, pixels (the embedding conv's kernel and stride)")
    channels: Pos = Field(default=3, description="image channels")
    cls_token: StrictBool = Field(default=True, description="a class token is prepended")


class TransformerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    d_model: Pos = Field(description="hidden size")
    layers: Pos = Field(description="blocks")
    heads: Pos = Field(description="attention (query) heads")
    kv_heads: Pos | None = Field(default=None, description="key/value heads (grouped-query attention); default heads")
    d_ff: Pos = Field(description="MLP hidden size")
    gated_mlp: StrictBool = Field(default=False, description="gate and up projections (SwiGLU), as in LLaMA")
    activation: Literal["gelu", "gelu_tanh", "silu", "relu"] = Field(
        default="gelu", description="MLP activation (gated: silu makes swiglu)")
    norm: Literal["layernorm", "rmsnorm"] = Field(default="layernorm", description="normalisation")
    rope: StrictBool = Field(default=False, description="rotary position embedding on q and k")
    seq_len: Pos = Field(description="tokens processed this step (prefill: the prompt; decode: usually 1)")
    phase: Literal["prefill", "decode"] = Field(default="prefill", description="prefill or one decode step")
    context: NonNeg | None = Field(
        default=None, description="prefill: keys attended (default seq_len); decode: tokens already in the KV cache")
    batch: Pos | None = Field(default=None, description="sequences processed together (default: defaults.batch)")
    vocab: Pos | None = Field(default=None, description="vocabulary: adds the lm_head projection")
    patches: Patches | None = Field(default=None, description="ViT: a patch-embedding conv makes the tokens")

    @model_validator(mode="after")
    def _shape(self):
        kv = self.kv_heads or self.heads
        if self.d_model % self.heads:
            raise ValueError(f"heads ({self.heads}) must divide d_model ({self.d_model})")
        if self.heads % kv:
            raise ValueError(f"kv_heads ({kv}) must divide heads ({self.heads})")
        if self.phase == "decode" and self.context is None:
            raise ValueError("phase decode needs context: the tokens already in the KV cache")
        if self.patches is not None and self.patches.image % self.patches.patch:
            raise ValueError("patches.patch must divide patches.image")
        return self


def _bytes(bits: int) -> int:
    return -(-bits // 8)


def transformer_layers(spec: TransformerSpec, weight_bits: int = 8, act_bits: int = 8, batch: int = 1) -> list[Layer]:
    from accelsim.workload.formats.native import vector_layer

    d, h = spec.d_model, spec.heads
    kv = spec.kv_heads or h
    hd, rep = d // h, h // kv
    b = spec.batch or batch
    s = spec.seq_len
    layers: list[Layer] = []
    if spec.patches is not None:
        p = spec.patches
        side = p.image // p.patch
        s = side * side + p.cls_token
        layers.append(Layer(name="patch_embed", kind="conv", N=b, C=p.channels, H=p.image, W=p.image, K=d,
                            R=p.patch, S=p.patch, stride_h=p.patch, stride_w=p.patch,
                            weight_bits=weight_bits, act_bits=act_bits))
    if spec.phase == "decode":
        past = spec.context
        t = past + s
    else:
        past, t = 0, spec.context or s
    tokens = b * s

    def linear(name, cin, cout, **extra):
        return Layer(name=name, kind="linear", N=tokens, C=cin, H=1, W=1, K=cout,
                     weight_bits=weight_bits, act_bits=act_bits, **extra)

    def matmul(name, m, k, n, **extra):
        g = b * kv
        return Layer(name=name, kind="matmul", N=1, C=k * g, H=m, W=1, K=n * g, groups=g,
                     weight_bits=act_bits, act_bits=act_bits, **extra)

    def vector(name, op, per_row, rows=tokens):
        return vector_layer(name, op, per_row * rows, rows, 1, act_bits)

    written = s * kv * hd * b  # the new tokens' K (or V), appended to the cache in decode
    for i in range(spec.layers):
        x = f"l{i}."
        layers.append(vector(x + "norm1", spec.norm, d))
        layers.append(linear(x + "q", d, h * hd))
        layers.append(linear(x + "k", d, kv * hd, kv_write=written if spec.phase == "decode" else 0))
        layers.append(linear(x + "v", d, kv * hd, kv_write=written if spec.phase == "decode" else 0))
        if spec.rope:
            layers.append(vector(x + "rope", "rope", (h + kv) * hd))
        cached = past * kv * hd * b  # K (or V) of the earlier tokens, read from the cache
        layers.append(matmul(x + "qk", s * rep, hd, t, kv_read=cached))
        layers.append(vector(x + "softmax", "softmax", t, b * h * s))
        layers.append(matmul(x + "av", s * rep, t, hd, kv_read=cached))
        layers.append(linear(x + "o", h * hd, d))
        layers.append(vector(x + "res1", "add", d))
        layers.append(vector(x + "norm2", spec.norm, d))
        if spec.gated_mlp:
            layers.append(linear(x + "gate", d, spec.d_ff))
            layers.append(linear(x + "up", d, spec.d_ff))
            act = "swiglu" if spec.activation == "silu" else spec.activation
            layers.append(vector(x + "act", act, spec.d_ff) if act == "swiglu" else
                          vector_layer(x + "act", act, spec.d_ff * tokens, tokens, 1, act_bits,
                                       *_act_ops(act, gated=True)))
        else:
            layers.append(linear(x + "up", d, spec.d_ff))
            layers.append(vector_layer(x + "act", spec.activation, spec.d_ff * tokens, tokens, 1, act_bits,
                                       *_act_ops(spec.activation, gated=False)))
        layers.append(linear(x + "down", spec.d_ff, d))
        layers.append(vector(x + "res2", "add", d))
    layers.append(vector("norm_final", spec.norm, d))
    if spec.vocab:
        layers.append(linear("lm_head", d, spec.vocab))
    return layers


def _act_ops(act: str, gated: bool) -> tuple[int | None, int | None]:
    """(ops per element, inputs) overrides: relu is one compare; a gate multiplies once more."""
    from accelsim.workload.layers import VECTOR_OPS

    ops, inputs = VECTOR_OPS.get(act, (1, 1))
    return (ops + 1, 2) if gated else (ops, inputs)
