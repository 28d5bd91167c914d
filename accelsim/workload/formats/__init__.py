"""Workload file formats: native YAML and SCALE-Sim topology CSV (ONNX is an optional extra)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

from accelsim.config.loader import apply_overrides
from accelsim.config.yamlio import parse_yaml, read_text
from accelsim.errors import WorkloadError, shown
from accelsim.workload.formats.native import parse_native, parse_native_dict
from accelsim.workload.formats.scalesim_csv import parse_scalesim_csv
from accelsim.workload.layers import MAX_DIM, Workload

WORKLOAD_SUFFIXES = (".yaml", ".yml", ".csv")


def load_workload(path: str | Path | Workload, overrides: Mapping[str, Any] | None = None, *,
                  topology_form: str | None = None) -> Workload:
    """Read a workload file; the format follows the file's suffix.

    `overrides` maps dotted key paths of a native YAML workload to values, applied before
    validation, as `load_hardware` does for configs: ``{"defaults.batch": 4}``, or a layer's
    key by layer name (or index), ``{"layers.conv1.K": 32, "layers.0.stride": 2}``.
    An ONNX model takes `{"dims.<axis>": size}` for its dynamic input axes.
    `topology_form` ('conv' or 'gemm') says how to read a SCALE-Sim topology CSV whose header
    does not say it clearly (SCALE-Sim's `-i`); it wins over the header when given.
    """
    if isinstance(path, Workload):
        if overrides:
            raise WorkloadError("overrides need a workload file, not a Workload object", path.name)
        return path
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".onnx":  # optional extra, imported only when used
        from accelsim.workload.formats.onnx import load_onnx
        return load_onnx(path, onnx_dims(overrides or {}, str(path)))
    if overrides and suffix not in (".yaml", ".yml"):
        raise WorkloadError(f"overrides need a native YAML workload, not {suffix or '(no suffix)'}", str(path))
    if suffix not in WORKLOAD_SUFFIXES:
        raise WorkloadError(
            f"unknown workload format {suffix or '(none)'}; expected one of {', '.join(WORKLOAD_SUFFIXES)}",
            str(path))
    text = read_text(path, WorkloadError)
    if suffix == ".csv":
        return parse_scalesim_csv(text, str(path), name=path.stem, form=topology_form)
    if overrides:
        raw = parse_yaml(text, str(path), WorkloadError)
        return parse_native_dict(apply_workload_overrides(raw, overrides, str(path)), str(path))
    return parse_native(text, str(path))


def onnx_dims(overrides: Mapping[str, Any], source: str) -> dict[str, int]:
    """An ONNX model takes one kind of override: `dims.<axis>`, the size of a dynamic input axis."""
    dims = {}
    for key, value in overrides.items():
        name = key[len("dims."):] if key.startswith("dims.") else ""
        if not name or "." in name:
            raise WorkloadError("an ONNX workload takes only dims.<axis> overrides (sizes of its dynamic axes)",
                                source, key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DIM:
            raise WorkloadError(f"must be an integer in [1, {MAX_DIM:,}], got {shown(value)}", source, key)
        dims[name] = value
    return dims


def apply_workload_overrides(raw: Any, overrides: Mapping[str, Any], source: str) -> dict:
    """Set dotted key paths in a native workload dict (a copy). `layers.<name>.<key>` finds the
    layer by its name (or, if no layer has that name, by its index in the list)."""
    if not isinstance(raw, dict):
        raise WorkloadError("expected a mapping with `name` and `layers` at the top level", source)
    raw = copy.deepcopy(raw)
    raw.setdefault("defaults", {})
    for key, value in overrides.items():
        parts = key.split(".")
        if parts[0] != "layers" or len(parts) < 3:
            raw = apply_overrides(raw, {key: value}, source, WorkloadError)
            continue
        layers = raw.get("layers") if isinstance(raw.get("layers"), list) else []
        names = [layer.get("name") if isinstance(layer, dict) else None for layer in layers]
        if parts[1] in names:
            index = names.index(parts[1])
        elif parts[1].isdigit() and int(parts[1]) < len(layers):
            index = int(parts[1])
        else:
            raise WorkloadError(f"no layer {parts[1]!r}; layers: {', '.join(map(str, names))}", source, key)
        layers[index] = apply_overrides(layers[index], {".".join(parts[2:]): value}, source, WorkloadError)
    from accelsim.workload.chain import unchained_by

    return unchained_by(overrides, raw)
