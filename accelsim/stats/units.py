"""The unit of every result column and summary key, written with the results (summary.json's
`units`, the Parquet files' metadata) so a reader never has to guess.

Names carry their unit where they can (`_cycles`, `_bytes`, `_pj`, `_mm2`, `_w`); the rest are
listed here. Counts of data moved through the SRAMs (`*_sram_reads`, `*_sram_writes`) are in
elements (one operand word), not bytes; `utilization` and `mapping_efficiency` are fractions.
"""

from __future__ import annotations

from typing import Iterable

EXACT = {
    "cycles": "cycles", "macs": "MAC", "executed_macs": "MAC", "gops": "GOP/s", "peak_gops": "GOP/s",
    "dram_gb_per_s": "GB/s",
    "seconds": "s", "clock_mhz": "MHz", "energy_j": "J", "edp_j_s": "J*s",
    "gops_per_w": "GOP/s/W", "gops_per_mm2": "GOP/s/mm2", "read_ns": "ns",
    "utilization": "fraction", "mapping_efficiency": "fraction", "zero_slice_fraction": "fraction",
    "folds": "folds", "vectors": "input vectors", "functional_vectors": "input vectors",
    "crossbars": "crossbars", "crossbars_used": "crossbars", "crossbars_total": "crossbars",
    "replicas": "replicas", "reads_per_input": "crossbar reads per input vector",
    "crossbar_reads": "crossbar reads", "adc_conversions": "conversions",
    "sram_reads": "elements", "sram_writes": "elements", "layers": "layers", "seed": "",
    "pipelined_inferences_per_s": "inferences/s", "simpy_events": "events",
    "max_abs_error": "output LSB", "rmse": "output LSB", "snr_db": "dB", "injected_bit_flips": "bits",
    "adc_bits": "bits", "pruned_slice_fraction": "fraction", "activation_rel_error": "fraction",
    "activation_max_rel_error": "fraction",
}
SUFFIXES = (("_cycles", "cycles"), ("_cycle", "cycles"), ("_bytes", "B"), ("_pj", "pJ"), ("_mm2", "mm2"),
            ("_w", "W"), ("_ns", "ns"), ("_sram_reads", "elements"), ("_sram_writes", "elements"),
            # other counts of actions: the action is the unit (cell_writes: cell writes)
            ("_writes", "writes"), ("_reads", "reads"), ("_ops", "ops"), ("_conversions", "conversions"),
            ("_macs", "MAC"))
PREFIXES = (("stall_", "cycles"), ("energy_pj_", "pJ"))
NOT_NUMBERS = {"layer", "type", "unit", "hardware", "workload", "fidelity", "execution", "accelsim_version",
               "pipeline_bound_by", "time_multiplexed", "point", "key", "status", "error"}


def unit_of(name: str) -> str | None:
    """The unit of a result column or summary key; None for text columns or unknown names."""
    if name in NOT_NUMBERS:
        return None
    if name in EXACT:
        return EXACT[name]
    for prefix, unit in PREFIXES:
        if name.startswith(prefix):
            return unit
    for suffix, unit in SUFFIXES:
        if name.endswith(suffix):
            return unit
    return None


def units_of(names: Iterable[str]) -> dict[str, str]:
    """{name: unit} for the names that have one (in first-seen order)."""
    out = {}
    for name in names:
        unit = unit_of(str(name))
        if unit is not None:
            out.setdefault(str(name), unit)
    return out
