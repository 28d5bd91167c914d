"""Native workload YAML: a name, a citing source, defaults, and a list of layers."""

from __future__ import annotations

import dataclasses
from typing import Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator
from typing_extensions import Annotated

from accelsim.config.loader import clean_loc, error_from_validation
from accelsim.config.yamlio import parse_yaml
from accelsim.errors import WorkloadError
from accelsim.gcpause import gc_paused
from accelsim.workload.chain import check_chain
from accelsim.workload.compression.spec import check_compression
from accelsim.workload.formats.transformer import TransformerSpec, transformer_layers
from accelsim.workload.layers import VECTOR_OPS, Layer, Workload, check_dim

Pos = Annotated[StrictInt, Field(gt=0), AfterValidator(check_dim)]
NonNeg = Annotated[StrictInt, Field(ge=0), AfterValidator(check_dim)]
Pair = Union[Pos, Annotated[list[Pos], Field(min_length=2, max_length=2)]]
Padding = Union[NonNeg, Annotated[list[NonNeg], Field(min_length=2, max_length=4)]]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    name: str = Field(min_length=1, description="unique layer name")
    batch: Pos | None = Field(default=None, description="batch size N (default from `defaults`)")
    weight_bits: Pos | None = Field(default=None, description="bits per weight")
    act_bits: Pos | None = Field(default=None, description="bits per activation")
    compression: list[dict] | dict | None = Field(default=None, description="compression transforms")
    input: str | None = Field(default=None, min_length=1,
                              description="the layer whose output this layer reads (default: the previous one)")


class _Spatial(_Spec):
    C: Pos = Field(description="input channels")
    H: Pos = Field(description="input height (unpadded)")
    W: Pos = Field(description="input width (unpadded)")
    R: Pos = Field(description="filter height")
    S: Pos = Field(description="filter width")
    stride: Pair = Field(default=1, description="stride, or [stride_h, stride_w]")
    padding: Padding = Field(default=0, description="padding, [ph, pw] or [top, bottom, left, right]")


class ConvSpec(_Spatial):
    type: Literal["conv"]
    K: Pos = Field(description="output channels")
    groups: Pos = Field(default=1, description="channel groups")


class DepthwiseSpec(_Spatial):
    type: Literal["depthwise"]
    K: Pos | None = Field(default=None, description="output channels (default C: multiplier 1)")


class PoolSpec(_Spatial):
    type: Literal["maxpool", "avgpool"]


class LinearSpec(_Spec):
    type: Literal["linear"]
    in_features: Pos = Field(description="input features")
    out_features: Pos = Field(description="output features")
    kv_write: NonNeg = Field(default=0, description="output elements appended to the KV cache (decode's k, v)")


class GemmSpec(_Spec):
    type: Literal["gemm"]
    M: Pos = Field(description="rows of the output (and of the left operand)")
    K: Pos = Field(description="reduction length")
    N: Pos = Field(description="columns of the output (number of filters)")
    groups: Pos = Field(default=1, description="independent GEMMs of this shape (e.g. attention heads)")


class MatmulSpec(_Spec):
    type: Literal["matmul"]
    M: Pos = Field(description="rows of the output (and of the left operand)")
    K: Pos = Field(description="reduction length")
    N: Pos = Field(description="columns of the output and of the right operand")
    groups: Pos = Field(default=1, description="independent products (e.g. heads); each batch item has its own")
    kv_read: NonNeg = Field(default=0, description="elements of the right operand read from the KV cache (decode)")


class VectorSpec(_Spec):
    type: Literal["vector"]
    op: str = Field(min_length=1, description=f"operation: {', '.join(VECTOR_OPS)}, or any name with ops_per_element")
    elements: Pos = Field(description="elements per batch item")
    rows: Pos = Field(default=1, description="rows the elements are laid out in (e.g. tokens); divides elements")
    ops_per_element: Pos | None = Field(default=None, description="operations per element (default: the op's)")
    inputs: Pos | None = Field(default=None, description="input tensors read per element (default: the op's, else 1)")


LayerSpec = Annotated[
    Union[ConvSpec, DepthwiseSpec, PoolSpec, LinearSpec, GemmSpec, MatmulSpec, VectorSpec],
    Field(discriminator="type")
]


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)
    batch: Pos = Field(default=1, description="batch size N")
    weight_bits: Pos = Field(default=8, description="bits per weight")
    act_bits: Pos = Field(default=8, description="bits per activation")
    compression: list[dict] | dict | None = Field(default=None, description="network-wide compression")


class WorkloadFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)
    name: str = Field(min_length=1, description="network name")
    source: str = Field(default="", description="where the layer shapes come from")
    description: str = Field(default="", description="one line on the network")
    defaults: Defaults = Field(default_factory=Defaults, description="applied to every layer")
    transformer: TransformerSpec | None = Field(
        default=None, description="a transformer stack whose layers come first (formats/transformer.py)")
    layers: list[LayerSpec] = Field(default_factory=list, description="the layers, in execution order")
    chain: bool = Field(default=True, description="check each layer's input against its producer's output "
                                                  "(false: a hand-made list of unrelated layers)")

    @model_validator(mode="after")
    def _some_layers(self):
        if not self.layers and self.transformer is None:
            raise ValueError("give `layers`, a `transformer` block, or both")
        return self


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _padding(value) -> tuple[int, int, int, int]:
    if isinstance(value, int):
        return value, value, value, value
    if len(value) == 2:
        return value[0], value[0], value[1], value[1]
    if len(value) == 4:
        return tuple(value)  # type: ignore[return-value]
    raise ValueError("padding takes 1, 2 or 4 values")


def _compression(value) -> tuple:
    if value is None:
        return ()
    items = [value] if isinstance(value, dict) else value
    return tuple(tuple(sorted(item.items())) for item in items)


def spec_to_layer(spec, defaults: Defaults) -> Layer:
    common = dict(
        name=spec.name,
        N=spec.batch or defaults.batch,
        weight_bits=spec.weight_bits or defaults.weight_bits,
        act_bits=spec.act_bits or defaults.act_bits,
        compression=_compression(spec.compression if spec.compression is not None else defaults.compression),
    )
    if isinstance(spec, LinearSpec):
        return Layer(kind="linear", C=spec.in_features, H=1, W=1, K=spec.out_features, kv_write=spec.kv_write,
                     **common)
    if isinstance(spec, MatmulSpec):  # the right operand is an activation: act_bits, never compressed
        groups = spec.groups * common.pop("N")
        common.update(weight_bits=common["act_bits"], compression=())
        return Layer(kind="matmul", C=spec.K * groups, H=spec.M, W=1, K=spec.N * groups, groups=groups,
                     kv_read=spec.kv_read, **common)
    if isinstance(spec, VectorSpec):
        return vector_layer(spec.name, spec.op, spec.elements, spec.rows, common["N"], common["act_bits"],
                            spec.ops_per_element, spec.inputs)
    if isinstance(spec, GemmSpec):
        return Layer(kind="gemm", C=spec.K * spec.groups, H=spec.M, W=1, K=spec.N * spec.groups,
                     groups=spec.groups, **common)
    sh, sw = _pair(spec.stride)
    top, bottom, left, right = _padding(spec.padding)
    geometry = dict(C=spec.C, H=spec.H, W=spec.W, R=spec.R, S=spec.S, stride_h=sh, stride_w=sw,
                    pad_top=top, pad_bottom=bottom, pad_left=left, pad_right=right)
    if isinstance(spec, ConvSpec):
        return Layer(kind="conv", K=spec.K, groups=spec.groups, **geometry, **common)
    if isinstance(spec, DepthwiseSpec):
        return Layer(kind="depthwise", K=spec.K or spec.C, groups=spec.C, **geometry, **common)
    return Layer(kind=spec.type, K=spec.C, **geometry, **common)


def vector_layer(name: str, op: str, elements: int, rows: int = 1, batch: int = 1, act_bits: int = 8,
                 ops_per_element: int | None = None, inputs: int | None = None) -> Layer:
    """A vector layer; a known op supplies its operations per element and inputs."""
    known = VECTOR_OPS.get(op)
    if ops_per_element is None and known is None:
        raise WorkloadError(f"unknown vector op {op!r} needs ops_per_element (known: {', '.join(VECTOR_OPS)})",
                            None, f"layer {name!r}.ops_per_element")
    if elements % rows:
        raise WorkloadError(f"rows ({rows}) must divide elements ({elements})", None, f"layer {name!r}.rows")
    return Layer(name=name, kind="vector", C=elements // rows, H=rows, W=1, K=elements // rows, N=batch,
                 act_bits=act_bits, weight_bits=act_bits, op=op,
                 ops_per_element=ops_per_element or known[0], inputs=inputs or (known[1] if known else 1))


def parse_native(text: str, source: str) -> Workload:
    with gc_paused():
        return parse_native_dict(parse_yaml(text, source, WorkloadError), source)


def parse_native_dict(raw, source: str) -> Workload:
    """Validate an already-parsed native workload (e.g. a file's dict with sweep overrides applied)."""
    with gc_paused():  # specs and Layers all survive the pass (gcpause.py)
        return _validate(raw, source)


def _validate(raw, source: str) -> Workload:
    if not isinstance(raw, dict):
        raise WorkloadError("expected a mapping with `name` and `layers` at the top level", source)
    try:
        spec = WorkloadFile.model_validate(raw)
    except ValidationError as exc:
        raise _located(exc, raw, source) from None
    layers, seen = [], set()
    if spec.transformer is not None:
        d = spec.defaults
        for layer in transformer_layers(spec.transformer, d.weight_bits, d.act_bits, d.batch):
            layer = layer.check(source, f"transformer ({layer.name})")
            if d.compression is not None and layer.has_weights:
                layer = dataclasses.replace(layer, compression=_compression(d.compression))
                check_compression(layer.compression, source, f"transformer ({layer.name})")
            layers.append(layer)
            seen.add(layer.name)
    made: dict = {}  # a spec's fields but its name -> the checked Layer they made
    for i, layer_spec in enumerate(spec.layers):
        key = f"layers[{i}] ({layer_spec.name})"
        if layer_spec.name in seen:
            raise WorkloadError(f"duplicate layer name {layer_spec.name!r}", source, f"{key}.name")
        seen.add(layer_spec.name)
        shape = _spec_key(layer_spec)
        layer = made.get(shape) if shape is not None else None
        if layer is not None:  # a repeated layer (an LLM's blocks): the same Layer, renamed, and checked already
            layer = _renamed(layer, layer_spec.name)
        else:
            try:
                layer = spec_to_layer(layer_spec, spec.defaults)
            except WorkloadError as exc:
                raise WorkloadError(exc.reason, source, f"{key}.{exc.key.rsplit('.', 1)[-1]}") from None
            layer.check(source, key)
            if shape is not None:
                made[shape] = layer
        layers.append(layer)
        check_compression(layer.compression, source, key)  # per-scheme keys: compression/spec.py
    inputs = {s.name: s.input for s in spec.layers if s.input is not None}
    if spec.chain:  # a pass of its own (workload/chain.py), over the listed layers: a transformer block's are built
        check_chain(layers[len(layers) - len(spec.layers):], inputs, source)
    return Workload(name=spec.name, layers=tuple(layers), source=spec.source, path=source,
                    meta={"chain": spec.chain, "inputs": inputs, "listed": len(spec.layers)})


def _spec_key(spec) -> tuple | None:
    """A layer spec's kind and every field but its name (with their types), or None when one
    holds a list or dict (stride pairs, compression steps): what its Layer is made of."""
    fields = spec.__dict__
    if next(iter(fields)) != "name":  # it comes first (_Spec's first field)
        return None
    values = tuple(fields.values())[1:]
    key = (type(spec), values, tuple(map(type, values)))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _renamed(layer: Layer, name: str) -> Layer:
    """`dataclasses.replace(layer, name=name)` without re-running the 25-field frozen __init__."""
    renamed = object.__new__(Layer)
    renamed.__dict__.update(layer.__dict__, name=name)
    return renamed


def _located(exc: ValidationError, raw: dict, source: str) -> WorkloadError:
    """Name the failing layer by index and name, e.g. `layers[3] (conv2).R`."""
    err = error_from_validation(exc, WorkloadFile, source, WorkloadError)
    loc = exc.errors(include_url=False)[0]["loc"]
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        index = loc[1]
        entry = raw.get("layers", [])[index] if isinstance(raw.get("layers"), list) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        rest = clean_loc(loc[2:], frozenset(_LAYER_TAGS))
        key = f"layers[{index}]" + (f" ({name})" if name else "") + "".join(f".{p}" for p in rest)
        reason = err.reason
        if "does not match any of the expected tags" in reason or "Unable to extract tag" in reason:
            reason = f"unknown layer type; known: {', '.join(sorted(_LAYER_TAGS))}"
        elif reason == "unknown key" or reason.startswith("unknown key;"):
            reason = "unknown key"
        return WorkloadError(reason, source, key)
    return err


_LAYER_TAGS = {"conv", "depthwise", "linear", "gemm", "matmul", "vector", "maxpool", "avgpool"}
