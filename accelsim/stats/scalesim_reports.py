"""SCALE-Sim 3.0.0's report files from a `memory.model: scalesim` result (`--format scalesim`).

COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv and, for sparse chips,
SPARSE_REPORT.csv, with SCALE-Sim's header lines, column order, ", " separators, trailing commas
and number styles (cycle stamps as floats, counts as integers), one row per SCALE-Sim layer (a
depthwise layer once per channel), so scripts written against SCALE-Sim's outputs keep working.
Each file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path

from accelsim.errors import InputError

COMPUTE = ("LayerID, Total Cycles (incl. prefetch), Total Cycles, Stall Cycles, Overall Util %, "
           "Mapping Efficiency %, Compute Util %,")
DETAIL = ("LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, "
          "SRAM Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, "
          "SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start "
          "Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, "
          "DRAM OFMAP Writes,")
SPARSE = ("LayerID, Sparsity Representation, Original Filter Storage, New Storage (Filter+Metadata), "
          "Filter Metadata Storage, Avg FILTER Metadata SRAM BW, ")


def _bandwidth_header(sparse: bool) -> str:
    sram = "Avg IFMAP SRAM BW, Avg FILTER SRAM BW, " + ("Avg FILTER Metadata SRAM BW, " if sparse else "")
    return "LayerID, " + sram + "Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,"


def _stamp(value) -> str:
    return f"{float(value)!r}"


def _number(value, as_float: bool) -> str:
    return repr(float(value)) if as_float else str(int(value))


def _rows(layers):
    out = []
    for _, row in layers.iterrows():
        if row["unit"] != "pe_array":
            continue  # pooling: SCALE-Sim has no such layer
        out += [row] * int(row["scalesim_copies"])
    return out


def write_scalesim_reports(result, directory: str | Path) -> list[Path]:
    """Write SCALE-Sim's reports for `result` into `directory` (each atomically); return the paths.
    (`accelsim run --format scalesim` writes them with the rest of the result set instead.)"""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in scalesim_report_files(result).items():
        path = directory / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        written.append(path)
    return written


def scalesim_report_files(result) -> dict[str, bytes]:
    """SCALE-Sim's report files for `result`: name -> contents."""
    layers = result.layers
    if "scalesim_total_cycles" not in layers:
        raise InputError("needs memory.model: scalesim (a .cfg's default)", "--format scalesim")
    rows = _rows(layers)
    sparse = "scalesim_sparse_representation" in layers and bool(result.summary.get("scalesim_sparsity"))
    compute, bandwidth, detail, sparse_lines = [COMPUTE], [_bandwidth_header(sparse)], [DETAIL], [SPARSE]
    for lid, row in enumerate(rows):
        total = int(row["scalesim_total_cycles"])
        compute.append(", ".join([str(lid), str(int(row["scalesim_total_cycles_incl_prefetch"])), str(total),
                                  str(int(row["scalesim_stall_cycles"])), repr(float(row["scalesim_overall_util"])),
                                  repr(float(row["scalesim_mapping_efficiency"])),
                                  repr(float(row["scalesim_compute_util"]))]) + ",")
        sram = [row["scalesim_ifmap_sram_reads"], row["scalesim_filter_sram_reads"], row["scalesim_ofmap_sram_writes"]]
        dram = [(row[f"scalesim_{b}_dram_start"], row[f"scalesim_{b}_dram_stop"], row[f"scalesim_{b}_dram_words"])
                for b in ("ifmap", "filter", "ofmap")]
        sram_bw = [s / total for s in sram]
        if sparse:
            sram_bw.insert(2, row["scalesim_metadata_words"] / total)
        dram_bw = [words / (stop - start + 1) for start, stop, words in dram]
        bandwidth.append(", ".join([str(lid)] + [repr(float(v)) for v in sram_bw + dram_bw]) + ",")
        cells = [str(lid)]
        for i, b in enumerate(("ifmap", "filter", "ofmap")):
            count = sram[i]
            cells += [_stamp(row[f"scalesim_{b}_sram_start"]), _stamp(row[f"scalesim_{b}_sram_stop"]),
                      repr(count) if isinstance(count, float) else str(int(count))]
        for start, stop, words in dram:
            cells += [_stamp(start), _stamp(stop), str(int(words))]
        detail.append(", ".join(cells) + ",")
        if sparse:
            ellpack = row["scalesim_sparse_representation"] == "ellpack_block"  # floats there, ints in csr/csc
            sparse_lines.append(", ".join([str(lid), row["scalesim_sparse_representation"],
                                           str(int(row["scalesim_original_filter_words"])),
                                           _number(row["scalesim_new_filter_words"], ellpack),
                                           _number(row["scalesim_metadata_words"], ellpack),
                                           repr(float(row["scalesim_metadata_words"] / total))]) + ",")
    files = {"COMPUTE_REPORT.csv": compute, "BANDWIDTH_REPORT.csv": bandwidth, "DETAILED_ACCESS_REPORT.csv": detail}
    if sparse:
        files["SPARSE_REPORT.csv"] = sparse_lines
    return {name: ("\n".join(lines) + "\n").encode() for name, lines in files.items()}
