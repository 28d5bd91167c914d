"""The layer-chain pass: each layer's input must be what its producer outputs.

A native workload lists layers in execution order; by default a layer's producer is the layer
before it, or the one its `input:` names (shortcut convs read the block's input). Each layer
kind says what shape it reads and writes; a kind this pass does not know (or a layer fed by
one) is skipped, so new kinds are unchecked until they add their rules to `READS`/`WRITES`.
A workload that is a hand-made list of unrelated layers sets `chain: false`.
"""

from __future__ import annotations

from typing import Callable

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Layer

Shape = tuple[int, int, int]  # channels, height, width of one input (batch aside)


def _spatial_in(layer: Layer) -> dict[str, int]:
    return {"C": layer.C, "H": layer.H, "W": layer.W}


def _spatial_out(layer: Layer) -> Shape:
    return layer.K, layer.P, layer.Q


def _linear_reads(layer: Layer, produced: Shape) -> str | None:
    """A linear layer reads the producer's output flattened (7x7x512 -> 25088 features)."""
    c, h, w = produced
    if layer.C != c * h * w:
        return f"in_features {layer.C} != {c * h * w} values output by"
    return None


def _spatial_reads(user_names: dict[str, str]) -> Callable[[Layer, Shape], str | None]:
    def reads(layer: Layer, produced: Shape) -> str | None:
        for (name, value), out in zip(_spatial_in(layer).items(), produced):
            if value != out:
                what = {"C": "channels", "H": "rows", "W": "columns"}[name]
                return f"{user_names.get(name, name)} = {value}, but {out} {what} are output by"
        return None
    return reads


# kind -> check of a layer's input against its producer's output (a reason, or None if it fits)
READS: dict[str, Callable[[Layer, Shape], str | None]] = {
    "conv": _spatial_reads({}), "depthwise": _spatial_reads({}), "maxpool": _spatial_reads({}),
    "avgpool": _spatial_reads({}), "linear": _linear_reads,
}
# kind -> the (C, H, W) it outputs
WRITES: dict[str, Callable[[Layer], Shape]] = {
    "conv": _spatial_out, "depthwise": _spatial_out, "maxpool": _spatial_out, "avgpool": _spatial_out,
    "linear": lambda layer: (layer.K, 1, 1),
}


def label(index: int, layer: Layer) -> str:
    return f"layers[{index}] ({layer.name})"


def check_chain(layers: list[Layer] | tuple[Layer, ...], inputs: dict[str, str] | None = None,
                source: str | None = None) -> None:
    """Raise WorkloadError naming both layers if a layer's input does not match its producer's output.

    `inputs` maps a layer name to the name of the layer it reads (default: the previous layer).
    """
    inputs = inputs or {}
    index = {layer.name: i for i, layer in enumerate(layers)}
    for i, layer in enumerate(layers):
        given = inputs.get(layer.name)
        if given is not None:
            if given not in index or index[given] >= i:
                raise WorkloadError(f"no earlier layer is named {given!r}", source, f"{label(i, layer)}.input")
            j = index[given]
        elif i == 0:
            continue
        else:
            j = i - 1
        producer = layers[j]
        reads, writes = READS.get(layer.kind), WRITES.get(producer.kind)
        if reads is None or writes is None:
            continue  # a kind this pass does not know: unchecked
        problem = reads(layer, writes(producer))
        if problem:
            hint = "" if given else "; name another producer with `input:`, or set `chain: false` for unrelated layers"
            raise WorkloadError(f"{problem} its producer {label(j, producer)}{hint}", source, label(i, layer))


def unchained_by(overrides, raw: dict) -> dict:
    """`raw` with `chain: false` if `overrides` change a layer (a what-if on one layer's shape
    is the user's explicit edit, not a broken file), unless they set `chain` themselves."""
    keys = [str(k) for k in (overrides or {})]
    if any(k.split(".")[0] == "layers" for k in keys) and "chain" not in keys and isinstance(raw, dict):
        return {**raw, "chain": False}
    return raw
