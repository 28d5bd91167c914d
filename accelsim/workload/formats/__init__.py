"""Workload file formats: native YAML and SCALE-Sim topology CSV (ONNX is an optional extra)."""

from __future__ import annotations

from pathlib import Path

from accelsim.config.yamlio import read_text
from accelsim.errors import WorkloadError
from accelsim.workload.formats.native import parse_native
from accelsim.workload.formats.scalesim_csv import parse_scalesim_csv
from accelsim.workload.layers import Workload

WORKLOAD_SUFFIXES = (".yaml", ".yml", ".csv")


def load_workload(path: str | Path, *, topology_form: str | None = None) -> Workload:
    """Read a workload file; the format follows the file's suffix.

    `topology_form` ('conv' or 'gemm') says how to read a SCALE-Sim topology CSV whose header
    does not say it clearly (SCALE-Sim's `-i`); it wins over the header when given.
    """
    if isinstance(path, Workload):
        return path
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".onnx":  # optional extra, imported only when used
        from accelsim.workload.formats.onnx import load_onnx
        return load_onnx(path)
    if suffix not in WORKLOAD_SUFFIXES:
        raise WorkloadError(
            f"unknown workload format {suffix or '(none)'}; expected one of {', '.join(WORKLOAD_SUFFIXES)}",
            str(path))
    text = read_text(path, WorkloadError)
    if suffix == ".csv":
        return parse_scalesim_csv(text, str(path), name=path.stem, form=topology_form)
    return parse_native(text, str(path))
