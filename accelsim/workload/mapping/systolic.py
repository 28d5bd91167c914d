"""Systolic-array mapping with SCALE-Sim 3.0.0's compute timing.

For a GEMM of M outputs x K reduction x N filters on an R x C array:

| df | spatial rows Sr | spatial cols Sc | temporal T | cycles per fold |
|----|-----------------|-----------------|------------|-----------------|
| os | M               | N               | K          | T + R + C - 2   |
| ws | K               | N               | M          | 2R + C + T - 2  |
| is | K               | M               | N          | 2R + C + T - 2  |

folds = ceil(Sr/R) * ceil(Sc/C), one after another; a layer takes folds * per_fold - 1
cycles (SCALE-Sim counts to the index of the last output row). Grouped layers run
their groups back to back, each as its own GEMM (SCALE-Sim's depthwise expansion).

Fold order: column folds outer, row folds inner. DRAM traffic per operand is its
unique bytes once if it stays resident in its buffer, else once per outer pass.
"""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig
from accelsim.workload.layers import Layer
from accelsim.workload.mapping.nm_sparsity import effective_k
from accelsim.workload.mapping.plan import LayerPlan


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def systolic_fold_geometry(m: int, k: int, n: int, rows: int, cols: int, dataflow: str):
    """(Sr, Sc, T, row_folds, col_folds, cycles_per_fold) for one GEMM."""
    if dataflow == "os":
        sr, sc, t = m, n, k
        per_fold = t + rows + cols - 2
    elif dataflow == "ws":
        sr, sc, t = k, n, m
        per_fold = 2 * rows + cols + t - 2
    elif dataflow == "is":
        sr, sc, t = k, m, n
        per_fold = 2 * rows + cols + t - 2
    else:
        raise ValueError(f"unknown dataflow {dataflow!r}")
    return sr, sc, t, _ceil(sr, rows), _ceil(sc, cols), per_fold


def map_systolic(layer: Layer, hw: HardwareConfig) -> LayerPlan:
    array = hw.compute
    if layer.is_pool:
        return _map_pool(layer, hw)
    if layer.is_vector:
        return map_vector(layer, hw)
    rows, cols, df = array.rows, array.cols, array.dataflow
    m, k, n = layer.gemm
    dense_k = k
    k = effective_k(k, layer.nm_sparsity, array.sparsity)  # N:M sparsity folds over the kept rows
    g = layer.groups
    sr, sc, t, row_folds, col_folds, per_fold = systolic_fold_geometry(m, k, n, rows, cols, df)
    folds = row_folds * col_folds

    # Words moved between buffers and array, per group (see module docstring).
    streamed_rows = t * sr * col_folds      # the operand entering from the left, every fold
    if df == "os":
        reads = {"ifmap": streamed_rows, "filter": t * sc * row_folds}
        writes = sc * sr
    elif df == "ws":
        reads = {"ifmap": streamed_rows, "filter": sr * sc}
        writes = t * sc * row_folds
    else:
        reads = {"ifmap": sr * sc, "filter": streamed_rows}
        writes = t * sc * row_folds

    wb, ab = _bytes(layer.weight_bits), _bytes(layer.act_bits)
    ifmap_b, filter_b, ofmap_b = layer.ifmap_bytes // g, layer.weight_bytes // g * k // dense_k, layer.ofmap_bytes // g
    mem = hw.memory
    usable = {name: _usable(getattr(mem, f"{name}_sram")) for name in ("ifmap", "filter", "ofmap")}

    # One fold's resident working set per buffer (bytes), for prefetch depth.
    fold_bytes = {
        "ifmap": min(ifmap_b, (min(sr, rows) * (t if df != "is" else 1) if df != "is" else min(sr, rows) * min(sc, cols)) * ab),
        "filter": min(filter_b, (min(sr, rows) * min(sc, cols) if df != "is" else min(sr, rows) * t) * wb),
        "ofmap": min(ofmap_b, (min(sr, rows) * min(sc, cols) if df == "os" else t * min(sc, cols)) * ab),
    }
    passes = {
        "ifmap": 1 if df == "is" or ifmap_b <= usable["ifmap"] else col_folds,
        "filter": 1 if df != "is" or filter_b <= usable["filter"] else col_folds,
    }
    # ws/is accumulate partial sums over row folds; an output slice that does not fit spills.
    if df == "os" or row_folds == 1:
        ofmap_passes = 1
    else:
        slice_b = (t if df == "ws" else min(sc, cols)) * (min(sc, cols) if df == "ws" else t) * ab
        ofmap_passes = 1 if slice_b <= usable["ofmap"] else 2 * row_folds - 1
    spill_reads = (ofmap_passes - 1) // 2 * ofmap_b

    # Port bandwidth: a fold whose buffer traffic exceeds the port stretches.
    stall, cause = 0, ""
    traffic = {"ifmap": reads["ifmap"] * ab, "filter": reads["filter"] * wb, "ofmap": writes * ab}
    for name, total in traffic.items():
        bw = getattr(mem, f"{name}_sram").bandwidth_bytes_per_cycle
        if bw is None:
            continue
        need = _ceil(int(total * g), 1) / bw - (folds * per_fold - 1) * g
        if need > stall:
            stall, cause = int(-(-need // 1)), f"{name}_sram"

    used = _used_pes(sr, sc, rows, cols)
    return LayerPlan(
        layer=layer, unit="pe_array", folds=folds * g, fold_cycles=per_fold, groups=g, end_adjust=1,
        sram_stall_cycles=stall, sram_stall_cause=cause,
        dram_read_bytes={"ifmap": ifmap_b * passes["ifmap"] * g, "filter": filter_b * passes["filter"] * g,
                         "ofmap": spill_reads * g},
        dram_write_bytes={"ofmap": ofmap_b * (ofmap_passes + 1) // 2 * g},
        sram_reads={"ifmap": reads["ifmap"] * g, "filter": reads["filter"] * g},
        sram_writes={"ofmap": writes * g},
        fold_bytes=fold_bytes, used_pes=used * g, pes=rows * cols, density=k / dense_k,
    )


def _used_pes(sr: int, sc: int, rows: int, cols: int) -> int:
    """Sum over folds of PEs mapped (for SCALE-Sim's mapping efficiency)."""
    return sr * sc  # each (row, col) element lands on exactly one PE in exactly one fold


def _map_pool(layer: Layer, hw: HardwareConfig) -> LayerPlan:
    """Pooling on the vector unit: each lane reduces one output's R*S window."""
    lanes = hw.compute.vector_lanes or hw.compute.cols
    outputs = layer.N * layer.C * layer.P * layer.Q
    folds = _ceil(outputs, lanes)
    ab = _bytes(layer.act_bits)
    return LayerPlan(
        layer=layer, unit="vector", folds=folds, fold_cycles=layer.R * layer.S, groups=1, end_adjust=0,
        dram_read_bytes={"ifmap": layer.ifmap_bytes, "filter": 0, "ofmap": 0},
        dram_write_bytes={"ofmap": layer.ofmap_bytes},
        sram_reads={"ifmap": layer.pool_ops, "filter": 0}, sram_writes={"ofmap": outputs},
        fold_bytes={"ifmap": min(layer.ifmap_bytes, lanes * layer.R * layer.S * ab), "filter": 0,
                    "ofmap": min(layer.ofmap_bytes, lanes * ab)},
        used_pes=0, pes=1,
    )


def map_vector(layer: Layer, hw: HardwareConfig) -> LayerPlan:
    """A vector layer on the vector unit: `lanes` elements at a time, each taking
    ops_per_element x vector_cycles_per_op cycles; its inputs stream in from DRAM and its
    outputs stream back, like any layer's."""
    array = hw.compute
    lanes = array.vector_lanes or array.cols
    elements = layer.elements
    ab = _bytes(layer.act_bits)
    return LayerPlan(
        layer=layer, unit="vector", folds=_ceil(elements, lanes),
        fold_cycles=layer.ops_per_element * array.vector_cycles_per_op, groups=1, end_adjust=0,
        dram_read_bytes={"ifmap": layer.ifmap_bytes, "filter": 0, "ofmap": 0},
        dram_write_bytes={"ofmap": layer.ofmap_bytes},
        sram_reads={"ifmap": layer.ifmap_count, "filter": 0}, sram_writes={"ofmap": elements},
        fold_bytes={"ifmap": min(layer.ifmap_bytes, lanes * layer.inputs * ab), "filter": 0,
                    "ofmap": min(layer.ofmap_bytes, lanes * ab)},
        used_pes=0, pes=1,
    )


def _usable(sram) -> int:
    return sram.capacity_bytes // 2 if sram.double_buffered else sram.capacity_bytes


def _bytes(bits: int) -> int:
    return -(-bits // 8)
