"""Sweep specs: parse and validate a spec YAML into a `SweepSpec` (errors name file and key).

A spec names a base hardware config, workloads, and axes (dotted key paths, into the hardware
config or, prefixed `workload.`, into native workload YAML) with their values, how to sample
the grid, and constraints that skip invalid points. See docs/sweeps-and-regression.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from accelsim.config.loader import apply_overrides, clean_loc, error_from_validation, load_model, read_hardware_dict
from accelsim.config.schema import HardwareConfig
from accelsim.config.yamlio import read_yaml
from accelsim.errors import ConfigError, WorkloadError
from accelsim.sweep.expr import Expr, ExprError, lookup

WORKLOAD_PREFIX = "workload."
DIMS_PREFIX = "workload.dims."  # an ONNX workload's dynamic axis sizes
MAX_SEED = 2**63 - 1       # seeds are stored in int64 table columns
MAX_POINTS = 200_000       # random sampling draws at most this many points (as a grid may hold)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RangeSpec(_Model):
    """Evenly spaced values from `start` to `stop` (included when it falls on a step)."""

    start: int | float = Field(description="first value")
    stop: int | float = Field(description="last value, at most")
    step: int | float = Field(gt=0, description="spacing")


class LogRangeSpec(_Model):
    """Geometrically spaced values: `num` of them from start to stop, or start * factor^i <= stop."""

    start: int | float = Field(gt=0, description="first value")
    stop: int | float = Field(gt=0, description="last value, at most")
    num: int | None = Field(default=None, ge=2, le=100_000, description="how many values, both ends included")
    factor: int | float | None = Field(default=None, gt=1, description="ratio between neighbours")
    integer: bool | None = Field(default=None, description="round to integers; default: when start and stop are")

    @model_validator(mode="after")
    def _one_spacing(self):
        if (self.num is None) == (self.factor is None):
            raise ValueError("give exactly one of num, factor")
        if self.stop < self.start:
            raise ValueError("stop must be >= start")
        return self


class AxisSpec(_Model):
    """One axis: exactly one of an explicit list, a range or a log range."""

    values: list[Any] | None = Field(default=None, min_length=1, description="explicit values")
    range: RangeSpec | None = Field(default=None, description="linear range")
    logrange: LogRangeSpec | None = Field(default=None, description="geometric range")

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("values", "range", "logrange") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of values, range, logrange")
        return self


class Sampling(_Model):
    method: Literal["grid", "random"] = Field(default="grid", description="every grid point, or a seeded sample")
    points: int | None = Field(default=None, gt=0, le=MAX_POINTS,
                               description="random: how many axis combinations to draw")
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="random: seed of the draw")

    @model_validator(mode="after")
    def _points_for_random(self):
        if self.method == "random" and self.points is None:
            raise ValueError("random sampling needs `points`")
        return self


class SpecFile(_Model):
    name: str | None = Field(default=None, min_length=1, description="sweep name (default: file stem)")
    description: str = Field(default="", description="one line on what the sweep explores")
    hardware: str = Field(min_length=1, description="base hardware config, relative to the spec file")
    workloads: list[str] = Field(min_length=1, description="workload files, relative to the spec file")
    seed: int = Field(default=0, ge=0, le=MAX_SEED, description="simulation seed of every point")
    fidelity: Literal["fine", "fast"] | None = Field(default=None, description="override the config's fidelity")
    axes: dict[str, Any] = Field(default_factory=dict, description="key path -> values")
    sampling: Sampling = Field(default_factory=Sampling, description="grid or random")
    constraints: list[str] = Field(default_factory=list, description="expressions every kept point satisfies")

    @field_validator("workloads", mode="before")
    @classmethod
    def _one_workload(cls, value):
        return [value] if isinstance(value, str) else value


class SweepSpec(BaseModel):
    """A validated spec with resolved paths, axes and compiled constraints."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str
    name: str
    description: str
    hardware: Path
    hardware_raw: dict
    workloads: dict[str, Path]          # label -> path
    seed: int
    fidelity: str | None
    axes: dict[str, AxisSpec]
    sampling: Sampling
    constraints: list[Expr]


def load_spec(path: str | Path) -> SweepSpec:
    path = Path(path)
    source = str(path)
    spec = load_model(path, SpecFile, "hardware, workloads and axes")
    base = path.parent
    hardware = Path(os.path.normpath(base / spec.hardware))
    if not _is_file(hardware):
        raise ConfigError(f"file not found: {hardware}", source, "hardware")
    hardware_raw = read_hardware_dict(hardware)
    workloads = _workload_labels([Path(os.path.normpath(base / w)) for w in spec.workloads], source)
    axes = {name: _axis(name, value, source) for name, value in spec.axes.items()}
    for name in axes:
        _check_axis_path(name, hardware_raw, workloads, source)
    constraints = [_constraint(i, text, axes, hardware_raw, source) for i, text in enumerate(spec.constraints)]
    return SweepSpec(source=source, name=spec.name or path.stem, description=spec.description,
                     hardware=hardware, hardware_raw=hardware_raw, workloads=workloads, seed=spec.seed,
                     fidelity=spec.fidelity, axes=axes, sampling=spec.sampling, constraints=constraints)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the filesystem, a NUL byte
        return False


def _workload_labels(paths: list[Path], source: str) -> dict[str, Path]:
    """Label workloads by file stem; by path when two stems clash."""
    stems = [p.stem for p in paths]
    out: dict[str, Path] = {}
    for i, p in enumerate(paths):
        label = p.stem if stems.count(p.stem) == 1 else str(p)
        if label in out:
            raise ConfigError(f"listed twice: {p}", source, f"workloads.{i}")
        if not _is_file(p):
            raise ConfigError(f"file not found: {p}", source, f"workloads.{i}")
        out[label] = p
    return out


def _axis(name: str, value: Any, source: str) -> AxisSpec:
    key = f"axes.{name}"
    if not _is_key_path(name):
        raise ConfigError("an axis is a dotted key path such as compute.rows", source, key)
    if isinstance(value, list):
        value = {"values": value}
    if not isinstance(value, dict):
        raise ConfigError("expected a list of values, or a mapping with one of values, range, logrange",
                          source, key)
    try:
        return AxisSpec.model_validate(value)
    except ValidationError as exc:
        err = error_from_validation(exc, AxisSpec, source, ConfigError)
        raise ConfigError(err.reason, source, f"{key}.{err.key}" if err.key else key) from None


def _is_key_path(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _check_axis_path(name: str, hardware_raw: dict, workloads: dict[str, Path], source: str) -> None:
    """Catch typos before running anything: the path's parents must exist, and the key must be
    one the schema knows (checked by validating the base file with the key set to a probe)."""
    key = f"axes.{name}"
    if name.startswith(DIMS_PREFIX):
        _check_dims_axis(name[len(DIMS_PREFIX):], workloads, source, key)
    elif name.startswith(WORKLOAD_PREFIX):
        from accelsim.workload.formats.native import WorkloadFile

        bad = [label for label, p in workloads.items() if p.suffix.lower() not in (".yaml", ".yml")]
        if bad:
            raise ConfigError(f"workload axes need native YAML workloads, not {', '.join(bad)}", source, key)
        for p in workloads.values():
            _probe(WorkloadFile, workload_dict(p), name[len(WORKLOAD_PREFIX):], source, key, str(p))
    else:
        _probe(HardwareConfig, hardware_raw, name, source, key, "the hardware config")


def _check_dims_axis(axis: str, workloads: dict[str, Path], source: str, key: str) -> None:
    """`workload.dims.<axis>`: the size of a dynamic input axis, which every workload (ONNX) must have."""
    from accelsim.workload.formats.onnx import dynamic_axes

    bad = [label for label, p in workloads.items() if p.suffix.lower() != ".onnx"]
    if bad:
        raise ConfigError(f"workload.dims axes need ONNX workloads, not {', '.join(bad)}", source, key)
    for label, p in workloads.items():
        names = dynamic_axes(p)  # an unreadable model is its own error, naming its file
        if axis not in names:
            raise ConfigError(f"{label} has no dynamic input axis {axis!r}; its dynamic axes: "
                              f"{', '.join(names) or 'none'}", source, key)


def _probe(model: type[BaseModel], raw: dict, path: str, source: str, key: str, what: str) -> None:
    try:
        probe = apply_overrides(raw, {path: None}, source, ConfigError)
    except ConfigError as exc:
        raise ConfigError(f"{exc.reason} ({exc.key}) in the base file", source, key) from None
    try:
        model.model_validate(probe)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] == "extra_forbidden" and ".".join(clean_loc(error["loc"])) == path:
                first = error_from_validation(exc, model, source, ConfigError)  # has the valid keys
                reason = first.reason if first.key == path else "unknown key"
                raise ConfigError(f"{reason} (in {what})", source, key) from None


def workload_dict(path: Path) -> dict:
    """A native workload file as a dict, with an (empty) `defaults` section to override into."""
    raw = read_yaml(path, WorkloadError)
    if not isinstance(raw, dict):
        raise WorkloadError("expected a mapping with `name` and `layers` at the top level", str(path))
    raw.setdefault("defaults", {})
    return raw


def _constraint(index: int, text: str, axes: dict[str, AxisSpec], hardware_raw: dict, source: str) -> Expr:
    key = f"constraints.{index}"
    try:
        expr = Expr(text)
    except ExprError as exc:
        raise ConfigError(str(exc), source, key) from None
    for name in expr.names:
        if name in axes or name == "workload":
            continue
        try:
            lookup(hardware_raw, name)
        except KeyError:
            raise ConfigError(f"unknown name {name!r}: not an axis, 'workload', or a key of the base config",
                              source, key) from None
    return expr
