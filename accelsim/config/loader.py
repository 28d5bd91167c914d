"""Load and validate hardware configs (native YAML, SCALE-Sim .cfg, or a dict)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError

from accelsim.config.scalesim_cfg import translate_scalesim_cfg
from accelsim.config.schema import HardwareConfig
from accelsim.config.yamlio import read_text, parse_yaml
from accelsim.errors import ConfigError, shown

HW_SUFFIXES = (".yaml", ".yml", ".cfg")


def load_hardware(
    source: str | Path | Mapping[str, Any] | HardwareConfig,
    overrides: Mapping[str, Any] | None = None,
) -> HardwareConfig:
    """Read a hardware config from a path (YAML or SCALE-Sim .cfg), a mapping or a config.

    `overrides` maps dotted key paths to values, applied before validation: the validated way
    to derive a config, e.g. ``load_hardware(hw, {"compute.rows": 64, "clock_mhz": 500})``.
    A `HardwareConfig` given is validated again, since pydantic's ``model_copy(update=...)``
    skips validation (a ``clock_mhz=-5`` made that way is refused here).
    """
    if isinstance(source, HardwareConfig):
        raw, name = source.model_dump(mode="python"), source.name
    elif isinstance(source, Mapping):
        raw, name = copy.deepcopy(dict(source)), "<config>"
    else:
        raw, name = read_hardware_dict(source), str(source)
    if overrides:
        raw = apply_overrides(raw, overrides, name, ConfigError)
    return validate(HardwareConfig, raw, name, ConfigError)


def read_hardware_dict(path: str | Path) -> dict:
    path = Path(path)
    text = read_text(path, ConfigError)
    if path.suffix.lower() == ".cfg":
        return translate_scalesim_cfg(text, str(path))
    raw = parse_yaml(text, str(path), ConfigError)
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping of config keys at the top level", str(path))
    return raw


def apply_overrides(raw: dict, overrides: Mapping[str, Any], source: str, error=ConfigError) -> dict:
    """Set dotted key paths in a nested dict (a copy); the path's parents must exist."""
    raw = copy.deepcopy(raw)
    for path, value in overrides.items():
        node = raw
        parts = path.split(".")
        for i, part in enumerate(parts[:-1]):
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                raise error("no such section to override", source, ".".join(parts[: i + 1]))
            node = child
        node[parts[-1]] = value
    return raw


def load_model(path: str | Path, model: type[BaseModel], expected: str, error=ConfigError):
    """Read a YAML file whose top level is a mapping and validate it with `model`."""
    from accelsim.config.yamlio import read_yaml

    raw = read_yaml(path, error)
    if not isinstance(raw, dict):
        raise error(f"expected a mapping with {expected} at the top level", str(path))
    return validate(model, raw, str(path), error)


def validate(model: type[BaseModel], raw: Any, source: str, error=ConfigError):
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error_from_validation(exc, model, source, error) from None


def error_from_validation(exc: ValidationError, model: type[BaseModel], source: str, error=ConfigError):
    """The first validation problem as one clear message naming the key path."""
    first = exc.errors(include_url=False)[0]
    loc = clean_loc(first["loc"])
    key = ".".join(loc) or None
    kind = first["type"]
    if kind == "extra_forbidden":
        import difflib

        valid = _valid_keys(model, list(first["loc"])[:-1])
        close = difflib.get_close_matches(loc[-1], valid, n=1) if loc else []
        reason = "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
        if valid:
            reason += f"; valid keys here: {', '.join(valid)}"
        return error(reason, source, key)
    if kind == "missing":
        return error("required key is missing", source, key)
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if "input" in first and kind not in ("model_type", "dict_type") and not isinstance(first["input"], dict):
        message += f" (got {shown(first['input'])})"
    return error(message, source, key)


_MEMBER_LABELS = frozenset({"int", "float", "bool", "str", "none", "list", "dict"})


def clean_loc(loc, tags=frozenset({"systolic", "crossbar", "row_stationary"})) -> list[str]:
    """Drop what pydantic adds to a location for unions: discriminator values ('systolic',
    right after the union's key or list index; `crossbar` is also a real key further down)
    and member labels ('float', 'constrained-int', 'list[...]')."""
    out = []
    previous = None
    for part in loc:
        if not isinstance(part, str):  # list indices; also odd keys such as 1.5 or null
            out.append(str(part))
        elif part in tags and (previous is None or previous == "compute" or isinstance(previous, int)):
            pass
        elif part.isidentifier() and part not in _MEMBER_LABELS:
            out.append(part)
        previous = part
    return out


def _valid_keys(model: type[BaseModel], loc: list) -> list[str]:
    """The keys allowed at a location; a discriminator value in `loc` picks the union member."""
    current: Any = model
    candidates: list = []
    for part in loc:
        if isinstance(part, int):
            continue
        tagged = [m for m in candidates if _tag(m) == part]
        if tagged:
            current, candidates = tagged[0], []
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        candidates = _models_of(fields[part].annotation)
        current = candidates[0] if candidates else None
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _tag(model) -> str | None:
    import typing

    field = getattr(model, "model_fields", {}).get("type")
    args = typing.get_args(field.annotation) if field else ()
    return args[0] if len(args) == 1 else None


def _models_of(annotation) -> list:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_of(arg)
    return found
