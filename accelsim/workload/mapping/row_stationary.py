"""Eyeriss's row-stationary (RS) dataflow on a PE array (Chen et al., ISCA 2016; JSSC 2017).

A 2-D convolution is split into 1-D row convolutions: a PE holds one filter row and slides it
over one ifmap row, producing one psum row: S x Q MACs, one per cycle. A *PE set* of R x e PEs
(filter rows x output rows, e <= array width) computes e output rows of one (filter, channel)
pair; psums flow up the columns. The array holds floor(rows/R) x floor(cols/e) sets, and each
PE interleaves p filters and q channels from its scratchpads:

    q = max(1, floor(ifmap_spad / S)),  p = max(1, min(K, floor(filter_spad / (q S)), psum_spad))

A pass runs every set on p filters x q channels: p q S Q cycles. The layer needs
N x ceil(P/e) x ceil(K/p) x ceil(C/q) set-jobs, spread over the sets.
Layers with R > array rows are folded over filter rows (each fold a set of array-rows rows).
Fully connected layers are 1 x 1 convolutions on a 1 x 1 map.

Buffer traffic (words): the ifmap is read from the global buffer once per filter block
(ceil(K/(p x sets)) passes), filters once per strip of e output rows, psums written once
per channel block. DRAM: each tensor once when it fits its buffer, else once per reuse pass.
"""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig
from accelsim.workload.layers import Layer
from accelsim.workload.mapping.plan import LayerPlan


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def rs_geometry(layer: Layer, rows: int, cols: int, filter_spad: int, ifmap_spad: int, psum_spad: int) -> dict:
    c = layer.C // layer.groups
    k = layer.K // layer.groups
    r_fold = _ceil(layer.R, rows)            # filter rows folded over the array height
    r = _ceil(layer.R, r_fold)
    e = min(layer.P, cols)
    sets = (rows // r) * (cols // e)
    q = max(1, min(c, ifmap_spad // layer.S))
    p = max(1, min(k, filter_spad // (q * layer.S), psum_spad))
    jobs = layer.N * _ceil(layer.P, e) * _ceil(k, p) * _ceil(c, q) * r_fold * layer.groups
    passes = _ceil(jobs, sets)
    return dict(r=r, e=e, sets=sets, p=p, q=q, r_fold=r_fold, passes=passes,
                pass_cycles=p * q * layer.S * layer.Q, used_pes=r * e * sets)


def map_row_stationary(layer: Layer, hw: HardwareConfig) -> LayerPlan:
    from accelsim.workload.mapping.systolic import _map_pool, _usable, map_vector

    array = hw.compute
    if layer.is_pool:
        return _map_pool(layer, hw)
    if layer.is_vector:
        return map_vector(layer, hw)
    g = rs_geometry(layer, array.rows, array.cols, array.filter_spad_words, array.ifmap_spad_words,
                    array.psum_spad_words)
    k_blocks = _ceil(layer.K // layer.groups, g["p"] * max(1, g["sets"] // max(1, array.cols // g["e"])))
    strips = _ceil(layer.P, g["e"])
    c_blocks = _ceil(layer.C // layer.groups, g["q"])
    mem = hw.memory
    fits = {name: size <= _usable(getattr(mem, f"{name}_sram"))
            for name, size in (("ifmap", layer.ifmap_bytes), ("filter", layer.weight_bytes))}
    return LayerPlan(
        layer=layer, unit="pe_array", folds=g["passes"], fold_cycles=g["pass_cycles"], groups=1, end_adjust=0,
        dram_read_bytes={"ifmap": layer.ifmap_bytes * (1 if fits["ifmap"] else k_blocks),
                         "filter": layer.weight_bytes * (1 if fits["filter"] else strips), "ofmap": 0},
        dram_write_bytes={"ofmap": layer.ofmap_bytes},
        sram_reads={"ifmap": layer.ifmap_count * k_blocks, "filter": layer.weight_count * strips},
        sram_writes={"ofmap": layer.ofmap_count * c_blocks},
        fold_bytes={}, used_pes=g["used_pes"] * g["passes"], pes=array.rows * array.cols,
    )
