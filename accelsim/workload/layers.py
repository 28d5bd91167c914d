"""Layers as plain frozen data, in one normalised convolution form.

Every layer kind maps onto N, C, H, W (input), K (outputs), R, S (filter), strides,
padding and groups, so mapping code has one shape to reason about:
- linear(in, out)  -> 1x1 conv on a 1x1 input with C=in, K=out (M = batch)
- gemm(M, K, N)    -> 1x1 conv on an M x 1 input with C=K, K=N (SCALE-Sim's GEMM form)
- depthwise        -> conv with groups = C
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accelsim.errors import WorkloadError

COMPUTE_KINDS = ("conv", "depthwise", "linear", "gemm")
POOL_KINDS = ("maxpool", "avgpool")
KINDS = COMPUTE_KINDS + POOL_KINDS


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
    def gemm(self) -> tuple[int, int, int]:
        """(M, K, N) of one group's matrix product: M outputs x K reduction x N filters."""
        return self.N * self.P * self.Q, self.R * self.S * (self.C // self.groups), self.K // self.groups

    @property
    def macs(self) -> int:
        if self.is_pool:
            return 0
        m, k, n = self.gemm
        return self.groups * m * k * n

    @property
    def pool_ops(self) -> int:
        return self.N * self.C * self.P * self.Q * self.R * self.S if self.is_pool else 0

    @property
    def weight_count(self) -> int:
        if self.is_pool:
            return 0
        _, k, n = self.gemm
        return self.groups * k * n

    @property
    def ifmap_count(self) -> int:
        return self.N * self.C * self.H * self.W

    @property
    def ofmap_count(self) -> int:
        return self.N * self.K * self.P * self.Q

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
                bad(name, f"must be an integer, got {value!r}")
            if value <= 0:
                bad(name, f"must be > 0, got {value}")
        for name in ("pad_top", "pad_bottom", "pad_left", "pad_right"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad("padding", f"must be a non-negative integer, got {value!r}")
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
        return self


def _bytes(bits: int) -> int:
    return -(-bits // 8)


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
