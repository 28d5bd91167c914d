"""The base of every config model: frozen, unknown keys rejected, defaults validated, and
strict about what a number is.

- Strict types: `true` is not 1, `0` is not false, `1.0` is not an integer, and a string is
  not a number (YAML 1.2 floats such as `1e3` are numbers already: config/yamlio.py).
- Every float is finite: `.inf` and `.nan` are refused.
- Every number has a physical upper bound, chosen by its unit suffix (`clock_mhz`,
  `capacity_kib`, ...) or, for plain counts, a generic one. The bound is applied to every
  field of every subclass, so a field added later gets it by being named with its unit.
  A field that declares its own `le`/`lt` keeps its own bound. Sizes and rates also have a
  smallest nonzero value (less than one byte is not a buffer).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

# (name pattern, largest value, why). First match wins; each reason says what is beyond it.
BOUNDS: list[tuple[str, float, str]] = [
    (r"(^|_)(rows|cols)$", 2**16, "longer than any array edge (TPU v1: 256 PEs; crossbars: 1,024 cells)"),
    (r"_mhz$", 1e5, "100 GHz is beyond any chip clock"),
    (r"_kib$", 2**26, "64 GiB is beyond any on-chip memory (Cerebras WSE-3: 44 GB of SRAM)"),
    (r"(_pj$|_pj_|^energy_pj)", 1e9, "1 mJ for one action is beyond any circuit"),
    (r"_mw$", 1e6, "1 kW is beyond any chip's power"),
    (r"_mm2$", 1e5, "larger than a 300 mm wafer (70,686 mm2)"),
    (r"_um2$", 1e11, "larger than a 300 mm wafer (7e10 um2)"),
    (r"_ns$", 1e9, "one operation taking over a second"),
    (r"_gb_per_s$", 1e6, "1 PB/s is beyond any memory interface"),
    (r"_s$", 1e10, "over 300 years (retention specs are 10 years, 3.2e8 s)"),
    (r"_ua$", 1e6, "1 A through one cell or wire"),
    (r"_ohm$", 1e12, "beyond any memory cell's resistance"),
    (r"_gsps$", 1e3, "a trillion conversions per second per ADC"),
    (r"bytes_per_cycle$", 2**30, "1 GiB per cycle is beyond any port"),
    (r"_bits$", 2**16, "wider than any word, bus or link"),
    (r"_words$", 2**24, "larger than any scratchpad"),
    (r"_cycles$", 2**32, "over four billion cycles for one step"),
    (r"_f2$", 1e4, "larger than any memory cell"),
    (r"", 2**20, "more than a million: beyond any chip's count of units"),
]
# (name pattern, smallest value other than 0 and None, why): below these, rates and sizes
# round to zero where cycles are counted (a channel keeps its rate to 2^-20 bytes per cycle).
LOWER: list[tuple[str, float, str]] = [
    (r"_kib$", 2**-10, "less than one byte"),
    (r"bytes_per_cycle$", 2**-20, "less than one byte per million cycles"),
    (r"_gb_per_s$", 1e-3, "below 1 MB/s"),
    (r"_gsps$", 1e-9, "below one conversion per second"),
    (r"_mhz$", 1e-3, "below 1 kHz"),
]
_COMPILED = [(re.compile(pattern), limit, why) for pattern, limit, why in BOUNDS]
_LOWER = [(re.compile(pattern), low, why) for pattern, low, why in LOWER]


def bound_for(name: str) -> tuple[float, str]:
    """The upper bound of a field called `name`, and why."""
    return next((limit, why) for pattern, limit, why in _COMPILED if pattern.search(name))


def lower_bound_for(name: str) -> tuple[float, str] | None:
    """The smallest nonzero value of a field called `name`, and why (None: no such bound)."""
    return next(((low, why) for pattern, low, why in _LOWER if pattern.search(name)), None)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Bound:
    """A field's physical bounds, as a validator whose message gives the reason. The upper
    bound is skipped (`limit` None) where the field declares its own; zero passes the lower
    bound (fields meaning "off" at 0 say so with their own `gt`/`ge`)."""

    def __init__(self, limit: float | None, why: str, low: tuple[float, str] | None = None):
        self.limit, self.why, self.low = limit, why, low

    def __call__(self, value: Any) -> Any:
        if not _number(value):
            return value
        if self.limit is not None and value > self.limit:
            shown = f"{self.limit:,}" if isinstance(self.limit, int) else f"{self.limit:g}"
            raise ValueError(f"must be at most {shown}: {self.why}")
        if self.low is not None and 0 < value < self.low[0]:
            raise ValueError(f"must be at least {self.low[0]:g}: {self.low[1]}")
        return value


def _has_own_bound(metadata: list) -> bool:
    return any(hasattr(m, "le") or hasattr(m, "lt") for m in metadata)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True,
                              allow_inf_nan=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _numpy_scalars(cls, data: Any) -> Any:
        """numpy scalars (from a script's np.arange, a frame's column) count as the Python number
        they hold; strict mode would refuse np.int64(64) as an integer."""
        if isinstance(data, dict) and any(hasattr(v, "dtype") and hasattr(v, "item") for v in data.values()):
            return {k: v.item() if hasattr(v, "dtype") and hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v
                    for k, v in data.items()}
        return data

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for name, field in cls.model_fields.items():
            if any(isinstance(getattr(m, "func", None), _Bound) for m in field.metadata):
                continue  # inherited, already bounded
            if not _is_numeric(field.annotation):
                continue
            limit, why = bound_for(name)
            field.metadata.append(AfterValidator(_Bound(None if _has_own_bound(field.metadata) else limit, why,
                                                        lower_bound_for(name))))
            changed = True
        if changed and cls.__pydantic_complete__:
            cls.model_rebuild(force=True)


def _is_numeric(annotation) -> bool:
    import typing

    if annotation in (int, float):
        return True
    return any(_is_numeric(arg) for arg in typing.get_args(annotation))
