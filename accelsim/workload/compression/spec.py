"""The `compression:` block of a workload layer: one pydantic model per scheme (unknown keys
rejected), validated when a native workload loads, plus the `compressed` form that
`accelsim compress` writes (the statistics of an already-compressed layer).

Light on purpose: the native loader imports this module, so it must not import the formats.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, TypeAdapter, \
    ValidationError, model_validator
from typing_extensions import Annotated

from accelsim.errors import WorkloadError, shown
from accelsim.workload.compression.result import Geometry, HardwareStats

Fraction = Annotated[StrictFloat, Field(ge=0, lt=1)]
Pos = Annotated[StrictInt, Field(gt=0)]


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    def params(self) -> dict[str, Any]:
        """Keyword arguments of the transform function."""
        return self.model_dump(exclude={"scheme", "rows", "cols", "cell_bits"})


class _Crossbar(_Step):
    rows: Pos | None = Field(default=None, description="crossbar rows (overrides --geometry)")
    cols: Pos | None = Field(default=None, description="crossbar columns")
    cell_bits: Annotated[StrictInt, Field(gt=0, le=8)] | None = Field(default=None, description="bits per cell")

    @model_validator(mode="after")
    def _all_or_none(self):
        given = [v is not None for v in (self.rows, self.cols)]
        if any(given) and not all(given):
            raise ValueError("give both rows and cols (and optionally cell_bits)")
        if self.cell_bits is not None and not any(given):
            raise ValueError("cell_bits needs rows and cols")
        return self

    def geometry(self) -> Geometry | None:
        return None if self.rows is None else Geometry(self.rows, self.cols, self.cell_bits or 1)


class PruneSpec(_Step):
    scheme: Literal["prune"]
    sparsity: Fraction = Field(description="fraction of weights zeroed (smallest |w|)")


class StructuredPruneSpec(_Step):
    scheme: Literal["structured_prune"]
    target: Literal["filters", "channels"] = Field(default="filters", description="what is removed")
    ratio: Fraction = Field(description="fraction of filters/channels removed")
    norm: Literal["l1", "l2"] = Field(default="l1", description="ranking norm")


class XbarPruneSpec(_Crossbar):
    scheme: Literal["xbar_prune"]
    target: Literal["rows", "cols"] = Field(default="rows", description="crossbar rows or columns")
    ratio: Fraction = Field(description="fraction of row/column segments zeroed")
    norm: Literal["l1", "l2"] = Field(default="l2", description="ranking norm")


class QuantizeSpec(_Step):
    scheme: Literal["quantize"]
    bits: Annotated[StrictInt, Field(ge=2, le=16)] = Field(default=8, description="code bits, sign included")
    per_channel: StrictBool = Field(default=False, description="one scale per filter instead of per layer")


class Pow2Spec(_Step):
    scheme: Literal["pow2"]
    terms: Annotated[StrictInt, Field(ge=1, le=24)] = Field(default=2, description="powers of two per weight")
    exponents: Annotated[StrictInt, Field(ge=1, le=24)] = Field(default=7, description="exponents in the range")
    max_exp: StrictInt | None = Field(default=None, description="largest exponent (default floor(log2 max|w|))")


class BitflipSpec(_Crossbar):
    scheme: Literal["bitflip"]
    max_rel_error: Annotated[StrictFloat, Field(ge=0)] | None = Field(default=None, description="L2 budget vs input")
    max_abs_error: Annotated[StrictFloat, Field(ge=0)] | None = Field(default=None, description="per-weight budget")
    max_column_ones: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="cap on the sum of cell levels down a crossbar column (sets the ADC bits)")

    @model_validator(mode="after")
    def _budget(self):
        if self.max_rel_error is None and self.max_abs_error is None and self.max_column_ones is None:
            raise ValueError("give max_rel_error or max_abs_error (or both), or max_column_ones")
        return self


class BinaryBucketSpec(_Step):
    scheme: Literal["binary_bucket"]
    eps: Annotated[StrictFloat, Field(gt=0)] | None = Field(default=None, description="absolute error bound")
    rel_eps: Annotated[StrictFloat, Field(gt=0)] | None = Field(default=None, description="error bound / alpha")
    remap: StrictBool = Field(default=False, description="take the layer mean out before the sign (remapping)")
    coding: Literal["fixed", "huffman"] = Field(default="fixed", description="bucket ids at a fixed width, or Huffman")

    @model_validator(mode="after")
    def _one(self):
        if (self.eps is None) == (self.rel_eps is None):
            raise ValueError("give exactly one of eps and rel_eps")
        return self


class ClusterSpec(_Step):
    scheme: Literal["cluster"]
    k: Annotated[StrictInt, Field(ge=2, le=65536)] = Field(default=16, description="shared values")
    max_sweeps: Annotated[StrictInt, Field(ge=0)] | None = Field(default=None, description="refinement sweeps (default k)")


class CompressedSpec(_Step):
    """Written by `accelsim compress`: the layer is already compressed; these are its statistics."""

    scheme: Literal["compressed"]
    transforms: str = Field(description="what was applied, e.g. prune(sparsity=0.5) + quantize(bits=8)")
    weights: Literal["file", "synthetic", "onnx"] = Field(description="where the input weights came from")
    rows: Pos | None = None
    cols: Pos | None = None
    cell_bits: Pos | None = None
    ratio: Annotated[StrictFloat, Field(gt=0)]
    max_abs: Annotated[StrictFloat, Field(ge=0)]
    rmse: Annotated[StrictFloat, Field(ge=0)]
    rel_l2: Annotated[StrictFloat, Field(ge=0)]
    storage: Literal["dense", "compact", "sparse", "bitcolumn", "relative", "huffman"]
    weight_bits: Pos
    density: Annotated[StrictFloat, Field(ge=0, le=1)]
    kept_filters: Annotated[StrictFloat, Field(ge=0, le=1)]
    kept_channels: Annotated[StrictFloat, Field(ge=0, le=1)]
    freed_row_fraction: Annotated[StrictFloat, Field(ge=0, le=1)]
    freed_col_fraction: Annotated[StrictFloat, Field(ge=0, le=1)]
    freed_bit_columns: Annotated[StrictFloat, Field(ge=0, le=1)]
    crossbars_dense: Annotated[StrictInt, Field(ge=0)]
    crossbars_compressed: Annotated[StrictInt, Field(ge=0)]
    stored_bits: Annotated[StrictInt, Field(ge=0)]
    decode_ops_per_weight: Annotated[StrictFloat, Field(ge=0)]
    decode_bits_per_weight: Annotated[StrictFloat, Field(ge=0)]
    terms_per_weight: Annotated[StrictFloat, Field(ge=0)]
    converted_column_fraction: Annotated[StrictFloat, Field(ge=0, le=1)] | None = None
    driven_row_fraction: Annotated[StrictFloat, Field(ge=0, le=1)] | None = None
    max_column_sum: Annotated[StrictInt, Field(ge=0)] | None = None
    capped_crossbars: Annotated[StrictInt, Field(ge=0)] | None = None
    capped_converted_column_fraction: Annotated[StrictFloat, Field(ge=0, le=1)] | None = None
    capped_driven_row_fraction: Annotated[StrictFloat, Field(ge=0, le=1)] | None = None
    capped_max_column_sum: Annotated[StrictInt, Field(ge=0)] | None = None

    def stats(self) -> HardwareStats:
        return HardwareStats(**{name: getattr(self, name) for name in HardwareStats.__dataclass_fields__})


TRANSFORM_SPECS = {m.model_fields["scheme"].annotation.__args__[0]: m for m in (
    PruneSpec, StructuredPruneSpec, XbarPruneSpec, QuantizeSpec, Pow2Spec, BitflipSpec, BinaryBucketSpec,
    ClusterSpec)}
SPECS = {**TRANSFORM_SPECS, "compressed": CompressedSpec}
StepSpec = Annotated[Union[tuple(SPECS.values())], Field(discriminator="scheme")]
_ADAPTER = TypeAdapter(StepSpec, config=ConfigDict(defer_build=True))  # built on first use: imports stay cheap


def parse_step(item, source: str | None = None, key: str = "compression[0]") -> _Step:
    """One transform (a dict, a sorted item tuple, or a spec) as its typed spec."""
    if isinstance(item, _Step):
        return item
    raw = dict(item) if isinstance(item, (tuple, list)) else item
    if not isinstance(raw, dict):
        raise WorkloadError(f"expected a mapping with a `scheme`, got {shown(item)}", source, key)
    scheme = raw.get("scheme")
    if not isinstance(scheme, str) or scheme not in SPECS:  # a mapping or list here is unhashable
        what = "missing `scheme`" if scheme is None else f"unknown compression scheme {shown(scheme)}"
        raise WorkloadError(f"{what}; known: {', '.join(SPECS)}", source, f"{key}.scheme")
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])   # typos first
        loc = [str(p) for p in first["loc"][1:]]          # drop the discriminator tag
        where = ".".join([key, *loc])
        if first["type"] == "extra_forbidden":
            valid = ", ".join(SPECS[scheme].model_fields)
            return _raise(f"unknown key; valid keys for {scheme}: {valid}", source, where)
        if first["type"] == "missing":
            return _raise("required key is missing", source, where)
        message = first["msg"].removeprefix("Value error, ")
        if loc and "input" in first:
            message += f" (got {shown(first['input'])})"
        return _raise(message, source, where)


def _raise(reason: str, source: str | None, key: str):
    raise WorkloadError(reason, source, key)


def parse_steps(compression, source: str | None = None, key: str = "compression") -> list[_Step]:
    """A layer's whole compression block (tuple of item tuples, list of dicts, or one dict)."""
    items = [compression] if isinstance(compression, dict) else list(compression or ())
    for j, item in enumerate(items):
        if len(items) > 1 and _scheme(item) == "compressed":
            raise WorkloadError("a `compressed` block stands alone (it records a finished compression)", source,
                                f"{key}[{j}].scheme")
    return [parse_step(item, source, f"{key}[{j}]") for j, item in enumerate(items)]


def _scheme(item):
    if isinstance(item, _Step):
        return item.scheme
    if isinstance(item, (tuple, list)):
        item = dict(item)
    return item.get("scheme") if isinstance(item, dict) else None


def check_compression(compression, source: str | None, key: str) -> None:
    """Loader hook: raise WorkloadError naming `<key>.compression[j].<field>` if invalid."""
    if compression:
        parse_steps(compression, source, f"{key}.compression")


def compressed_stats(layer) -> HardwareStats | None:
    """The HardwareStats recorded in a layer's `compressed` block, or None if it has none."""
    steps = parse_steps(layer.compression, None, f"layer {layer.name!r}.compression")
    return steps[0].stats() if len(steps) == 1 and isinstance(steps[0], CompressedSpec) else None
