"""A systolic chip with SCALE-Sim 3.0.0's memory system (`memory.model: scalesim`).

Same array, buffers and compute timing as `SystolicChip`; the memory system is SCALE-Sim's:
three independent DRAM channels (ifmap and filter at their own bandwidths, ofmap at the main
one), double-buffered half-buffer prefetch, partial sums written out, and every layer on its
own (each starts with empty buffers and ends when its outputs have drained). The per-layer
figures come from an address-stream model of SCALE-Sim's buffers
(accelsim/kernels/scalesim_memory.py), so they equal SCALE-Sim's report cycle for cycle.

Words are one element (SCALE-Sim's 1-byte words for 8-bit layers); byte counts multiply by
the layer's word size. Pooling layers (which SCALE-Sim does not have) run on the vector unit
with the native closed form and no stalls. A depthwise layer is SCALE-Sim's one layer per
channel: all channels are alike, so one is simulated and its figures counted `groups` times.
"""

from __future__ import annotations

import numpy as np

from accelsim.components.systolic import STALL_CAUSES, PEArray, SystolicChip, b_operand
from accelsim.kernels.scalesim_layer import simulate_layer
from accelsim.workload.mapping.nm_sparsity import effective_k, kept_rows, rowwise_rows, storage
from accelsim.workload.mapping.scalesim_demand import ifmap_terms, operand_matrices, prefetch_orders

SCALESIM_COLUMNS = ("scalesim_copies", "scalesim_total_cycles", "scalesim_stall_cycles",
                    "scalesim_total_cycles_incl_prefetch",
                    *(f"scalesim_{b}_sram_{e}" for b in ("ifmap", "filter", "ofmap") for e in ("start", "stop")),
                    *(f"scalesim_{b}_dram_{e}" for b in ("ifmap", "filter", "ofmap") for e in ("start", "stop", "words")))


def scalesim_layer(layer, hw) -> dict:
    """SCALE-Sim's report figures for one group of `layer` on `hw` (per-layer isolation)."""
    array, mem = hw.compute, hw.memory
    ab, wb = -(-layer.act_bits // 8), -(-layer.weight_bits // 8)
    _, k, _ = layer.gemm
    n_filters = layer.K // layer.groups
    words = (layer.N * layer.H * layer.W * (layer.C // layer.groups), k * n_filters)
    filter_rows = fmat = None
    block = rowwise_block(layer, hw)
    if block:  # row-wise sparse ws: the packed filter, the ifmap in 2R-wide tiles of every column
        kept, k_sparse = None, None
        fmat = packed_filter(layer, hw)
    else:
        kept = kept_rows(k, layer.nm_sparsity, array.sparsity)
        k_sparse = effective_k(k, layer.nm_sparsity, array.sparsity)
        if kept is not None:
            filter_rows = np.concatenate([kept, np.full(k_sparse - kept.size, -1)]).astype(np.int64)
    terms = ifmap_terms(layer, kept, k_sparse)
    sizes = (mem.ifmap_sram.capacity_bytes // ab, mem.filter_sram.capacity_bytes // wb,
             mem.ofmap_sram.capacity_bytes // ab)
    dram = mem.dram
    if dram.bandwidth_bytes_per_cycle == "unlimited":  # SCALE-Sim's CALC mode
        bandwidths, prefetch = None, None
    else:
        main = dram.bandwidth_bytes_per_cycle
        ifmap_bw = dram.ifmap_bandwidth_bytes_per_cycle or main
        filter_bw = dram.filter_bandwidth_bytes_per_cycle or main
        bandwidths = (int(ifmap_bw) // ab or 1, int(filter_bw) // wb or 1, int(main) // ab or 1)
        prefetch = prefetch_orders(operand_matrices(layer, kept, k_sparse, fmat), array.rows, array.cols,
                                   array.dataflow)
    return simulate_layer(terms, n_filters, array.dataflow, array.rows, array.cols, sizes=sizes,
                          bandwidths=bandwidths, words=words, prefetch=prefetch,
                          stall_bug=mem.reproduce_stall_bug, filter_rows=filter_rows, filter_matrix=fmat,
                          rowwise=block)


def rowwise_block(layer, hw) -> int:
    """The block size of row-wise (OptimizedMapping) sparsity where SCALE-Sim maps it (ws), else 0."""
    sparsity = hw.compute.sparsity
    if sparsity is None or not sparsity.optimized_mapping or hw.compute.dataflow != "ws":
        return 0
    return sparsity.block_size


def packed_filter(layer, hw) -> np.ndarray:
    """Row-wise sparse filter addresses (K', N), -1 where padded: filter element (row, n) is n * K + row."""
    _, k, n = layer.gemm
    rows = rowwise_rows(k, n, hw.compute.sparsity)
    return np.where(rows >= 0, np.arange(n)[None, :] * k + rows, -1)


def report_figures(layer, hw, total_cycles: int) -> dict:
    """COMPUTE_REPORT utilisations and SCALE-Sim's SRAM counts for one group of `layer`."""
    array = hw.compute
    rows, cols, df = array.rows, array.cols, array.dataflow
    m, k, n = layer.gemm
    ks = effective_k(k, layer.nm_sparsity, array.sparsity)
    sr, sc, t = {"os": (m, n, ks), "ws": (ks, n, m), "is": (ks, m, n)}[df]
    rf, cf = -(-sr // rows), -(-sc // cols)
    folds = rf * cf
    pes = rows * cols
    per_fold = t + rows + cols - 2 if df == "os" else 2 * rows + 2 * cols + t - 3
    if df == "os":
        sram = (t * sr * cf, t * sc * rf, sr * sc + folds * (rows + cols))
    elif df == "ws":
        ifmap = t * sr * cf
        ratio = layer.nm_sparsity
        block = rowwise_block(layer, hw)
        if block:  # each fold's skewed 2R-wide tile: T + R - 1 rows of R blocks of B words
            ifmap = rf * cf * (t + rows - 1) * (-(-2 * rows // block)) * (block // 2) * block
        elif array.sparsity is not None and ratio:
            ifmap = ifmap * (ratio[1] / ratio[0])  # SCALE-Sim scales ws ifmap reads by M/N
        sram = (ifmap, sr * sc, t * sc * rf)
    else:
        sram = (sr * sc, t * sr * cf, t * sc * rf)
    # SCALE-Sim averages per-fold ratios in fold order; the same float operations give its digits
    mapping, compute = [], []
    # row-wise sparse ws: a fold's mapping efficiency counts the packed filter's real entries
    valid = (packed_filter(layer, hw) >= 0) if rowwise_block(layer, hw) else None
    for fc in range(cf):
        for fr in range(rf):
            used = min(rows, sr - fr * rows) * min(cols, sc - fc * cols)
            mapped = used if valid is None else int(valid[fr * rows:(fr + 1) * rows, fc * cols:(fc + 1) * cols].sum())
            mapping.append(mapped / pes)
            compute.append(used * t / (pes * per_fold))
    out = {
        "scalesim_overall_util": (m * k * n * 100) / (total_cycles * pes) if total_cycles else 0.0,
        "scalesim_mapping_efficiency": sum(mapping) / folds * 100,
        "scalesim_compute_util": sum(compute) / folds * 100,
        "scalesim_ifmap_sram_reads": sram[0], "scalesim_filter_sram_reads": sram[1],
        "scalesim_ofmap_sram_writes": sram[2],
    }
    if array.sparsity is not None:
        store = storage(k, n, layer.nm_sparsity, array.sparsity)
        out.update({"scalesim_sparse_representation": array.sparsity.representation,
                    "scalesim_original_filter_words": store["original"],
                    "scalesim_new_filter_words": store["new"], "scalesim_metadata_words": store["metadata"]})
    return out


class ScaleSimChip(SystolicChip):
    """`SystolicChip`'s components and mapping with SCALE-Sim's memory system in the run pass."""

    def run(self, plans) -> tuple[list[dict], int]:
        self.array = PEArray(self.ctx, self.ifmap, self.filter, self.ofmap, {})
        rows, now = [], 0
        for plan in plans:
            row = self._layer(plan, now)
            rows.append(row)
            now = row["end_cycle"]
        return rows, now

    def _layer(self, plan, start: int) -> dict:
        layer, name = plan.layer, plan.layer.name
        ab, wb = plan.word_bytes
        copies = plan.groups if plan.unit == "pe_array" else 1
        stall = dict.fromkeys(STALL_CAUSES, 0)
        extra = dict.fromkeys(SCALESIM_COLUMNS, 0)
        if plan.unit == "pe_array":
            one = scalesim_layer(layer, self.hw)
            cycles = one["total_cycles"] * copies
            for buffer, value in one["stall_by_buffer"].items():
                stall[f"{buffer}_dram"] = value * copies
            (i0, i1, iw), (f0, f1, fw), (o0, o1, ow) = one["dram"]
            reads = {"ifmap": iw * copies * ab, "filter": fw * copies * wb}
            writes = ow * copies * ab
            extra.update({
                "scalesim_copies": copies, "scalesim_total_cycles": one["total_cycles"],
                "scalesim_stall_cycles": one["stall_cycles"],
                "scalesim_total_cycles_incl_prefetch": one["total_cycles_incl_prefetch"],
                **{f"scalesim_{b}_sram_{e}": one["sram"][i][j] for i, b in enumerate(("ifmap", "filter", "ofmap"))
                   for j, e in enumerate(("start", "stop"))},
                **{f"scalesim_{b}_dram_{e}": one["dram"][i][j] for i, b in enumerate(("ifmap", "filter", "ofmap"))
                   for j, e in enumerate(("start", "stop", "words"))},
            })
            extra.update(report_figures(layer, self.hw, one["total_cycles"]))
            total_stall = one["stall_cycles"] * copies
            self._spans(name, start, one, copies)
        else:
            cycles = plan.compute_cycles
            reads = {"ifmap": plan.dram_read_bytes.get("ifmap", 0), "filter": 0}
            writes = plan.dram_write_bytes.get("ofmap", 0)
            total_stall = 0
        self._count(plan, cycles, stall, reads, writes)
        on_array = plan.unit == "pe_array"
        return {
            "layer": name, "type": layer.kind, "unit": plan.unit, "b_operand": b_operand(layer),
            "macs": plan.workload_macs, "executed_macs": layer.macs, "folds": plan.folds,
            "compute_cycles": plan.compute_cycles, "stall_cycles": total_stall,
            "cycles": cycles, "start_cycle": start, "end_cycle": start + cycles,
            "utilization": layer.macs / (cycles * plan.pes) if cycles and on_array else 0.0,
            "mapping_efficiency": plan.used_pes / (plan.folds * plan.pes) if on_array else 0.0,
            **{f"stall_{c}": v for c, v in stall.items()},
            "ifmap_sram_reads": plan.sram_reads.get("ifmap", 0),
            "filter_sram_reads": plan.sram_reads.get("filter", 0),
            "ofmap_sram_writes": plan.sram_writes.get("ofmap", 0),
            "dram_read_bytes": reads["ifmap"] + reads["filter"],
            "dram_write_bytes": writes,
            "dram_ifmap_read_bytes": reads["ifmap"], "dram_filter_read_bytes": reads["filter"],
            "kv_cache_read_bytes": layer.kv_read_bytes, "kv_cache_write_bytes": layer.kv_write_bytes,
            **extra,
        }

    def _spans(self, name: str, start: int, one: dict, copies: int) -> None:
        """Trace spans (`accelsim trace`) from SCALE-Sim's per-layer figures: the array computing
        and each SRAM's and DRAM channel's first-to-last access, once per copy (a depthwise
        layer's channels run one after another). A read channel's initial fill comes before the
        layer's cycle 0 (SCALE-Sim's free prefetch), so it overlaps the layer before."""
        if not self.ctx.tracer.enabled:
            return
        length = one["total_cycles"]
        for copy in range(copies):
            at = start + copy * length
            self.array.span("compute", name, at, at + length)
            for (first, last), buffer in zip(one["sram"], (self.ifmap, self.filter, self.ofmap)):
                buffer.span("access", name, at + first, at + last + 1)
            for (first, last, _), channel in zip(one["dram"], ("ifmap", "filter", "ofmap")):
                self.ctx.tracer.span(f"dram_{channel}", "write" if channel == "ofmap" else "read", name,
                                     max(at + first, 0), at + last + 1)

    def _count(self, plan, cycles: int, stall: dict, reads: dict, writes: int) -> None:
        """The same statistics the native run pass counts, for the energy pass."""
        name, array = plan.layer.name, self.array
        ab, wb = plan.word_bytes
        self.dram.count("read_bytes", reads["ifmap"] + reads["filter"], name)
        self.dram.count("write_bytes", writes, name)
        self.ifmap.count("write_bytes", reads["ifmap"], name)
        self.filter.count("write_bytes", reads["filter"], name)
        self.ofmap.count("read_bytes", writes, name)
        self.ifmap.count("read_bytes", plan.sram_reads.get("ifmap", 0) * ab, name)
        self.filter.count("read_bytes", plan.sram_reads.get("filter", 0) * wb, name)
        self.ofmap.count("write_bytes", plan.sram_writes.get("ofmap", 0) * ab, name)
        active = round(plan.macs * plan.density)
        array.count("macs", active, name)
        array.count("gated_macs", plan.macs - active, name)
        array.count("decode_ops", plan.decode_ops, name)
        array.vector.count("vector_ops", plan.layer.vector_ops, name)
        array.count("busy_cycles", cycles, name)
        array.count("compute_cycles", plan.compute_cycles, name)
        array.count("folds", plan.folds, name)
        for cause, value in stall.items():
            if value:
                array.count(f"stall_{cause}", value, name)

    def summary_extras(self, layers) -> dict:
        return {**super().summary_extras(layers), "memory_model": "scalesim",
                "scalesim_sparsity": self.hw.compute.sparsity is not None}
