"""Write a compressed workload: a native YAML whose layers carry `compressed` statistics blocks,
and an .npz of the compressed weights and codes."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Mapping

import numpy as np

from accelsim.config.yamlio import dump_yaml
from accelsim.errors import WorkloadError
from accelsim.stats.writers import atomic_write_bytes, atomic_write_text
from accelsim.workload.compression.pipeline import describe
from accelsim.workload.compression.result import CompressionResult
from accelsim.workload.layers import Layer, Workload

NPZ_SEPARATOR = "::"   # `name` holds a layer's compressed weights, `name::codes` etc. the rest


def _pair(a: int, b: int):
    return a if a == b else [a, b]


def _padding(layer: Layer):
    t, b, l, r = layer.pad_top, layer.pad_bottom, layer.pad_left, layer.pad_right
    if t == b == l == r:
        return t
    return [t, l] if (t == b and l == r) else [t, b, l, r]


def layer_to_native(layer: Layer) -> dict:
    """The native-format mapping of a layer (without batch/bits/compression)."""
    flat = layer.H == layer.W == layer.R == layer.S == 1 == layer.stride_h == layer.stride_w and \
        not (layer.pad_top or layer.pad_bottom or layer.pad_left or layer.pad_right)
    if layer.kind == "linear" and flat and layer.groups == 1:
        return {"name": layer.name, "type": "linear", "in_features": layer.C, "out_features": layer.K,
                **({"kv_write": layer.kv_write} if layer.kv_write else {})}
    if layer.kind == "gemm" and layer.W == layer.R == layer.S == 1 and layer.stride_h == layer.stride_w == 1 \
            and not (layer.pad_top or layer.pad_bottom or layer.pad_left or layer.pad_right):
        return {"name": layer.name, "type": "gemm", "M": layer.H, "K": layer.C // layer.groups,
                "N": layer.K // layer.groups, "groups": layer.groups}
    if layer.kind == "matmul":
        return {"name": layer.name, "type": "matmul", "M": layer.H, "K": layer.C // layer.groups,
                "N": layer.K // layer.groups, "groups": layer.groups,
                **({"kv_read": layer.kv_read} if layer.kv_read else {})}
    if layer.is_vector:
        return {"name": layer.name, "type": "vector", "op": layer.op, "elements": layer.H * layer.C,
                "rows": layer.H, "ops_per_element": layer.ops_per_element, "inputs": layer.inputs}
    out: dict = {"name": layer.name}
    spatial = {"C": layer.C, "H": layer.H, "W": layer.W, "R": layer.R, "S": layer.S,
               "stride": _pair(layer.stride_h, layer.stride_w), "padding": _padding(layer)}
    if layer.is_pool:
        return {**out, "type": layer.kind, **spatial}
    if layer.kind == "depthwise" and layer.groups == layer.C:
        return {**out, "type": "depthwise", **spatial, "K": layer.K}
    return {**out, "type": "conv", **spatial, "K": layer.K, "groups": layer.groups}


def compressed_block(result: CompressionResult, steps, label: str) -> dict:
    """The `compressed` block recording a layer's result (see CompressedSpec)."""
    block: dict = {"scheme": "compressed", "transforms": describe(steps), "weights": label}
    if result.geometry is not None:
        block.update(dataclasses.asdict(result.geometry))
    block.update({"ratio": float(result.ratio), **{k: float(v) for k, v in result.error.items()},
                  "storage": result.storage})
    for name, value in result.hw.as_dict().items():
        if value is None:
            continue  # not measured (e.g. column sums without integer codes)
        block[name] = int(value) if isinstance(value, (int, np.integer)) else float(value)
    return block


def render_workload(workload: Workload, name: str, blocks: Mapping[str, dict], header: str) -> str:
    first = workload.layers[0]
    defaults = {"batch": first.N, "weight_bits": first.weight_bits, "act_bits": first.act_bits}
    layers = []
    for layer in workload.layers:
        entry = layer_to_native(layer)
        for key, attr in (("batch", "N"), ("weight_bits", "weight_bits"), ("act_bits", "act_bits")):
            if getattr(layer, attr) != defaults[key]:
                entry[key] = getattr(layer, attr)
        if layer.name in workload.meta.get("inputs", {}):
            entry["input"] = workload.meta["inputs"][layer.name]
        if layer.name in blocks:
            entry["compression"] = [blocks[layer.name]]
        elif any(dict(item).get("scheme") == "compressed" for item in layer.compression):
            entry["compression"] = [dict(item) for item in layer.compression]   # compressed before: keep
        layers.append(entry)
    source = workload.source or f"{workload.path or workload.name}"
    doc = {"name": name, "source": source, "description": f"{workload.name} after accelsim compress",
           "defaults": defaults, "layers": layers}
    # chained only if every layer was checked where it came from (not a CSV, a hand-made list,
    # or a transformer block's generated layers, which are written out flat here)
    if workload.meta.get("chain") is not True or workload.meta.get("listed") != len(workload.layers):
        doc["chain"] = False
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + dump_yaml(doc)


def check_round_trip(text: str, workload: Workload, source: str) -> Workload:
    """The written YAML must load with the same layer shapes as the input workload."""
    from accelsim.workload.formats.native import parse_native

    loaded = parse_native(text, source)
    same = len(loaded.layers) == len(workload.layers) and all(
        dataclasses.replace(a, compression=()) == dataclasses.replace(b, compression=())
        for a, b in zip(loaded.layers, workload.layers))
    if not same:
        raise WorkloadError("cannot express this workload's layers in the native format unchanged", source)
    return loaded


def npz_bytes(results: Mapping[str, CompressionResult], originals: Mapping[str, np.ndarray] | None = None) -> bytes:
    """Compressed weights (float32) under each layer's name, codes/scale/tables under `name::...`;
    `originals` (given weights of layers left uncompressed) under their names, so the file can be
    passed back as --weights."""
    arrays: dict[str, np.ndarray] = {name: np.asarray(w, dtype=np.float32) for name, w in (originals or {}).items()
                                     if name not in results}
    for name, result in results.items():
        arrays[name] = result.weights.astype(np.float32)
        if result.codes is not None:
            low, high = int(result.codes.min()), int(result.codes.max())
            dtype = next(t for t in (np.int8, np.int16, np.int32, np.int64)
                         if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
            arrays[f"{name}{NPZ_SEPARATOR}codes"] = result.codes.astype(dtype)
        if result.scale is not None:
            arrays[f"{name}{NPZ_SEPARATOR}scale"] = np.asarray(result.scale, dtype=np.float64)
        for key, value in result.extras.items():
            arrays[f"{name}{NPZ_SEPARATOR}{key}"] = np.asarray(value)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)   # uncompressed: zlib on float weights costs seconds and saves little
    return buffer.getvalue()


def output_paths(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    if out.suffix.lower() in (".yaml", ".yml", ".npz"):
        out = out.with_suffix("")
    return out.with_name(out.name + ".yaml"), out.with_name(out.name + ".npz")


def write_compressed(out: str | Path, workload: Workload, results: Mapping[str, tuple[CompressionResult, str]],
                     header: str, originals: Mapping[str, np.ndarray] | None = None) -> tuple[Path, Path]:
    """Write OUT.yaml and OUT.npz (see npz_bytes); returns their paths."""
    yaml_path, npz_path = output_paths(out)
    blocks = {name: compressed_block(result, workload_layer(workload, name).compression, label)
              for name, (result, label) in results.items()}
    text = render_workload(workload, yaml_path.stem, blocks, header)
    check_round_trip(text, workload, str(yaml_path))
    atomic_write_bytes(npz_path, npz_bytes({name: r for name, (r, _) in results.items()}, originals))
    atomic_write_text(yaml_path, text)
    return yaml_path, npz_path


def workload_layer(workload: Workload, name: str) -> Layer:
    return next(layer for layer in workload.layers if layer.name == name)
