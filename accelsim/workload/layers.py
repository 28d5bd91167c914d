"""Layers as plain frozen data, in one normalised convolution form.

Every layer kind maps onto N, C, H, W (input), K (outputs), R, S (filter), strides,
padding and groups, so mapping code has one shape to reason about:
- linear(in, out)  -> 1x1 conv on a 1x1 input with C=in, K=out (M = batch)
- gemm(M, K, N)    -> 1x1 conv on an M x 1 input with C=K, K=N (SCALE-Sim's GEMM form)
- depthwise        -> conv with groups = C
- matmul(M, K, N)  -> like gemm, but both operands are activations: the "weights" (K x N per
                      group) are an earlier layer's output, so nothing is stored or compressed
                      and both operands have act_bits (docs/transformers.md)
- vector           -> C elements in each of H rows (N batch): `ops_per_element` operations of
                      `op` per element, no MACs (softmax, norms, activations, residual adds)
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from typing import Any

from accelsim.errors import WorkloadError, shown

COMPUTE_KINDS = ("conv", "depthwise", "linear", "gemm", "matmul")
POOL_KINDS = ("maxpool", "avgpool")
KINDS = COMPUTE_KINDS + POOL_KINDS + ("vector",)

# Vector operations: (operations per element, input tensors read per element). An operation is
# one elementwise arithmetic step as an ONNX export decomposes it; exp, erf, sigmoid, rsqrt
# count as one each (a lookup/polynomial unit's one pass). Per-row reductions' final scalar
# work (one rsqrt or reciprocal per row) is left out. See docs/transformers.md.
VECTOR_OPS = {
    "softmax": (5, 1),    # max, subtract, exp, sum, multiply by the reciprocal of the sum
    "layernorm": (8, 1),  # mean (add); variance (sub, mul, add); normalise (sub, mul), gamma mul, beta add
    "rmsnorm": (4, 1),    # square, sum, multiply by rsqrt(mean + eps), gamma mul
    "gelu": (5, 1),       # x/sqrt2, erf, +1, *x, *0.5
    "gelu_tanh": (8, 1),  # x^3 (1, a power unit), *0.044715, +x, *sqrt(2/pi), tanh, +1, *x, *0.5
    "silu": (2, 1),       # sigmoid, mul
    "swiglu": (3, 2),     # silu(gate) * up: sigmoid, mul, mul
    "rope": (3, 1),       # x*cos + rotate_half(x)*sin (the sign folded into the sin table)
    "sigmoid": (1, 1),
    "tanh": (1, 1),
    "mean": (1, 1),       # a mean over the last axis alone (its sum)
    "add": (1, 2),        # residual add
    "mul": (1, 2),        # a gate (silu(gate) x up) or a squeeze-excitation scale
    "sub": (1, 2),
    "div": (1, 2),
}

# Largest size of any one dimension (channels, pixels, features, tokens, batch): far beyond
# any network, and small enough that products of a few stay exact in int64 and in memory.
MAX_DIM = 2**24
MAX_WORK = 2**60  # MACs, pooling ops or tensor elements of one layer


def check_dim(value: int) -> int:
    if value > MAX_DIM:
        raise ValueError(f"must be at most {MAX_DIM:,} (2^24): beyond any network's layer sizes")
    return value


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str
    C: int
    H: int
    W: int
    K: int
    R: int = 1
    S: int = 1
    N: int = 1
    stride_h: int = 1
    stride_w: int = 1
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0
    groups: int = 1
    weight_bits: int = 8
    act_bits: int = 8
    compression: tuple = field(default=(), compare=True)
    op: str = ""                 # vector layers: the operation
    ops_per_element: int = 0     # vector layers: operations per element
    inputs: int = 1              # vector layers: input tensors read per element
    nm_sparsity: tuple[int, int] | None = None  # N nonzero weights in every M (SCALE-Sim's Sparsity column)
    kv_read: int = 0             # matmul: elements of its second operand read from the KV cache
    kv_write: int = 0            # elements of the output appended to the KV cache (decode)

    # --- derived geometry -------------------------------------------------------------
    @property
    def P(self) -> int:
        """Output height."""
        return (self.H + self.pad_top + self.pad_bottom - self.R) // self.stride_h + 1

    @property
    def Q(self) -> int:
        """Output width."""
        return (self.W + self.pad_left + self.pad_right - self.S) // self.stride_w + 1

    @property
    def is_pool(self) -> bool:
        return self.kind in POOL_KINDS

    @property
    def is_vector(self) -> bool:
        return self.kind == "vector"

    @property
    def dynamic(self) -> bool:
        """Both operands are activations (no stored weights)."""
        return self.kind == "matmul"

    @property
    def has_weights(self) -> bool:
        """Stored weights exist (what compression and functional mode work on)."""
        return self.kind in COMPUTE_KINDS and not self.dynamic

    @property
    def gemm(self) -> tuple[int, int, int]:
        """(M, K, N) of one group's matrix product: M outputs x K reduction x N filters."""
        return self.N * self.P * self.Q, self.R * self.S * (self.C // self.groups), self.K // self.groups

    @property
    def macs(self) -> int:
        if self.is_pool or self.is_vector:
            return 0
        m, k, n = self.gemm
        return self.groups * m * k * n

    @property
    def pool_ops(self) -> int:
        return self.N * self.C * self.P * self.Q * self.R * self.S if self.is_pool else 0

    @property
    def vector_ops(self) -> int:
        """Operations of a vector unit: pooling's compares/adds, or a vector layer's ops."""
        if self.is_vector:
            return self.N * self.H * self.C * self.ops_per_element
        return self.pool_ops

    @property
    def elements(self) -> int:
        """A vector layer's elements (all rows, all batch items)."""
        return self.N * self.H * self.W * self.C

    @property
    def weight_count(self) -> int:
        """Stored weights; for a matmul, the elements of its second (dynamic) operand."""
        if self.is_pool or self.is_vector:
            return 0
        _, k, n = self.gemm
        return self.groups * k * n

    @property
    def ifmap_count(self) -> int:
        return self.N * self.C * self.H * self.W * (self.inputs if self.is_vector else 1)

    @property
    def ofmap_count(self) -> int:
        return self.N * self.K * self.P * self.Q

    @property
    def kv_read_bytes(self) -> int:
        return self.kv_read * _bytes(self.act_bits)

    @property
    def kv_write_bytes(self) -> int:
        return self.kv_write * _bytes(self.act_bits)

    @property
    def weight_bytes(self) -> int:
        return self.weight_count * _bytes(self.weight_bits)

    @property
    def ifmap_bytes(self) -> int:
        return self.ifmap_count * _bytes(self.act_bits)

    @property
    def ofmap_bytes(self) -> int:
        return self.ofmap_count * _bytes(self.act_bits)

    def check(self, source: str | None = None, key: str | None = None) -> "Layer":
        """Raise WorkloadError if the layer cannot exist; return self."""
        where = key or f"layer {self.name!r}"

        def bad(field_name: str, reason: str):
            raise WorkloadError(reason, source, f"{where}.{field_name}")

        if self.kind not in KINDS:
            bad("type", f"unknown layer type {self.kind!r}; known: {', '.join(KINDS)}")
        for name in ("N", "C", "H", "W", "K", "R", "S", "stride_h", "stride_w", "groups", "weight_bits", "act_bits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                bad(name, f"must be an integer, got {shown(value)}")
            if value <= 0:
                bad(name, f"must be > 0, got {value}")
            if value > MAX_DIM:
                bad(name, f"must be at most {MAX_DIM:,} (2^24): beyond any network's layer sizes")
        for name in ("pad_top", "pad_bottom", "pad_left", "pad_right"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DIM:
                bad("padding", f"must be an integer in [0, {MAX_DIM:,}], got {shown(value)}")
        if self.weight_bits > 32 or self.act_bits > 32:
            bad("weight_bits" if self.weight_bits > 32 else "act_bits", "at most 32 bits are supported")
        if self.R > self.H + self.pad_top + self.pad_bottom:
            bad("R", f"filter height {self.R} is larger than the padded input height "
                     f"{self.H + self.pad_top + self.pad_bottom}")
        if self.S > self.W + self.pad_left + self.pad_right:
            bad("S", f"filter width {self.S} is larger than the padded input width "
                     f"{self.W + self.pad_left + self.pad_right}")
        if self.C % self.groups or self.K % self.groups:
            bad("groups", f"groups ({self.groups}) must divide both C ({self.C}) and K ({self.K})")
        if self.is_pool and self.K != self.C:
            bad("K", "a pooling layer has K == C")
        work = max(self.macs, self.pool_ops, self.ifmap_count, self.ofmap_count, self.weight_count)
        if work >= MAX_WORK:  # counts are int64 downstream: past this they overflow, not just run long
            raise WorkloadError(f"{work:.3g} operations or elements in one layer; at most {MAX_WORK:.3g} (2^60)",
                                source, where)
        if self.is_vector:
            if self.K != self.C or self.R != 1 or self.S != 1 or self.W != 1:
                bad("elements", "a vector layer maps C elements per row to C outputs")
            if not self.op:
                bad("op", "a vector layer names its operation")
            for name in ("ops_per_element", "inputs"):
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    bad(name, f"must be a positive integer, got {value!r}")
        for name in ("kv_read", "kv_write"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad(name, f"must be a non-negative integer, got {value!r}")
        if self.kv_read > self.weight_count or self.kv_write > self.ofmap_count:
            bad("kv_read" if self.kv_read > self.weight_count else "kv_write",
                "the KV cache traffic exceeds the operand it belongs to")
        if self.dynamic and self.weight_bits != self.act_bits:
            bad("weight_bits", "a matmul's second operand is an activation: weight_bits must equal act_bits")
        return self


def _bytes(bits: int) -> int:
    return -(-bits // 8)


_fields_but_name = operator.attrgetter(*(f.name for f in fields(Layer) if f.name != "name"))


def shape_key(layer: Layer) -> tuple | None:
    """Every field of `layer` but its name, as a dict key: what its checks and its mapping
    depend on (a name only labels). None when a field holds a list (a compression step's
    parameters), which cannot be a key."""
    values = _fields_but_name(layer)
    key = (values, tuple(map(type, values)))  # True == 1 == 1.0, but their checks differ
    try:
        hash(key)
    except TypeError:
        return None
    return key


@dataclass(frozen=True)
class Workload:
    name: str
    layers: tuple[Layer, ...]
    source: str = ""
    path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    def __len__(self) -> int:
        return len(self.layers)
