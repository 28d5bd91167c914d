"""Compression transforms for DNN weights, and the statistics the hardware models consume.

Each transform takes weights shaped like a layer's GEMM matrix per group, `(groups, Kred, Nout)`
(or the `CompressionResult` of a previous transform, to chain) and returns a frozen
`CompressionResult`. See docs/compression.md for every scheme, what its ratio counts and the
exact definition of each `HardwareStats` field.
"""

from accelsim.workload.compression.bitflip import bitflip
from accelsim.workload.compression.bucket import binary_bucket
from accelsim.workload.compression.cluster import cluster
from accelsim.workload.compression.pipeline import (
    TRANSFORMS, compress, compress_layer, compress_workload, gemm_weights, synthetic_weights)
from accelsim.workload.compression.prune import prune, structured_prune, xbar_prune
from accelsim.workload.compression.quantize import pow2, quantize
from accelsim.workload.compression.result import CompressionResult, Geometry, HardwareStats, error_stats
from accelsim.workload.compression.spec import check_compression, compressed_stats, parse_steps

__all__ = [
    "TRANSFORMS", "CompressionResult", "Geometry", "HardwareStats", "binary_bucket", "bitflip",
    "check_compression", "cluster", "compress", "compress_layer", "compress_workload", "compressed_stats",
    "error_stats", "gemm_weights", "parse_steps", "pow2", "prune", "quantize", "structured_prune",
    "synthetic_weights", "xbar_prune",
]
