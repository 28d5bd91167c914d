"""Render the config schema as Markdown (docs/config-reference.md is generated from this)."""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from accelsim.config.schema import HardwareConfig


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += [m for m in _models(arg) if m not in found]
    return found


def _type_name(annotation) -> str:
    text = str(annotation).replace("typing.", "")
    for prefix in ("<class '", "'>"):
        text = text.replace(prefix, "")
    return text.replace("accelsim.config.schema.", "")


def render(root: type[BaseModel] = HardwareConfig) -> str:
    lines = ["# Hardware config reference", "",
             "Generated from `accelsim/config/schema.py` by `python -m accelsim.config.reference`;",
             "a test keeps it in step. Units are in the field names.", ""]
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel], path: str) -> None:
        if model in seen:
            return
        seen.append(model)
        title = f"`{path}`" if path else "top level"
        lines.extend([f"## {title} ({model.__name__})", "", (model.__doc__ or "").strip().split("\n")[0], "",
                      "| key | type | default | description |", "|---|---|---|---|"])
        nested = []
        for name, info in model.model_fields.items():
            default = "required" if info.default is PydanticUndefined and info.default_factory is None else repr(info.default)
            lines.append(f"| `{name}` | `{_type_name(info.annotation)}` | {default} | {info.description or ''} |")
            nested += [(m, f"{path}.{name}" if path else name) for m in _models(info.annotation)]
        lines.append("")
        for sub, sub_path in nested:
            visit(sub, sub_path)

    visit(root, "")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
