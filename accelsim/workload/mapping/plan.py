"""The plan a mapper hands to the controller: what one layer asks of the hardware."""

from __future__ import annotations

from dataclasses import dataclass, field

from accelsim.workload.layers import Layer


@dataclass(frozen=True)
class LayerPlan:
    """One layer on one unit, as a sequence of identical folds.

    Folds come in `groups` runs of `folds // groups`; each run ends `end_adjust` cycles
    early (SCALE-Sim reports the index of the last output row, hence 1 for arrays).
    Traffic totals are spread evenly over the folds: the buffers prefetch ahead, so
    a layer's DRAM stream is its total bytes over its folds.
    """

    layer: Layer
    unit: str
    folds: int
    fold_cycles: int
    groups: int = 1
    end_adjust: int = 0
    sram_stall_cycles: int = 0
    sram_stall_cause: str = ""
    dram_read_bytes: dict = field(default_factory=dict)   # stream -> bytes
    dram_write_bytes: dict = field(default_factory=dict)  # stream -> bytes
    sram_reads: dict = field(default_factory=dict)        # buffer -> words
    sram_writes: dict = field(default_factory=dict)       # buffer -> words
    fold_bytes: dict = field(default_factory=dict)        # buffer -> bytes one fold needs resident
    used_pes: int = 0                                     # sum over folds of PEs in use
    pes: int = 1
    dense_layer: Layer | None = None                      # the workload's layer, if pruning shrank it
    density: float = 1.0                                  # nonzero weights (zero gating saves their MACs)
    decode_ops: int = 0                                   # weight-decoder operations (codec chips)
    shared_k: int = 0                                     # weight sharing: centroids per layer (0: off)
    time_density: float = 1.0                             # share of the MACs that take PE cycles (zero skipping)
    act_density: float = 1.0                              # nonzero activations (gating or skipping saves the rest)
    act_gate_only: bool = False                           # gated zero activations still read ifmap and psums

    @property
    def word_bytes(self) -> tuple[int, int]:
        """(activation, weight) bytes per word."""
        return -(-self.layer.act_bits // 8), -(-self.layer.weight_bits // 8)

    @property
    def compute_cycles(self) -> int:
        return self.folds * self.fold_cycles - self.groups * self.end_adjust

    @property
    def macs(self) -> int:
        """MACs executed."""
        return self.layer.macs

    @property
    def workload_macs(self) -> int:
        """The dense layer's MACs (what throughput is quoted in)."""
        return (self.dense_layer or self.layer).macs
