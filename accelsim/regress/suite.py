"""A regression suite: `DIR/regress.yaml` lists (hardware, workload) pairs; each has a golden
CSV `DIR/<hw-stem>__<wl-stem>.csv` of per-layer statistics.

```yaml
tolerances: {cycles: 0, energy_pj: {rel: 1.0e-6}}   # optional defaults for every pair
stats: [dram_read_bytes]                             # optional extra statistics to compare
pairs:
  - {hardware: ../../hwconfigs/systolic_32x32.yaml, workload: ../../workloads/toy3.yaml}
  - hardware: ../../hwconfigs/tpu_v1_like.yaml
    workload: ../../workloads/lenet5.yaml
    fidelity: fine                 # optional, as `accelsim run --fidelity`
    seed: 0                        # optional
    set: {compute.rows: 128}       # optional config overrides, as `accelsim run --set`
    name: tpu_lenet_fine           # optional golden file stem
    tolerances: {cycles: {abs: 2}} # optional, per statistic: a number (absolute) or {abs, rel}
```
Paths are relative to regress.yaml.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from typing_extensions import Annotated

from accelsim.config.loader import load_model
from accelsim.errors import ConfigError

SUITE_FILE = "regress.yaml"
# Compared whenever the run reports them; cycle counts must match exactly by default.
DEFAULT_STATS = ("cycles", "compute_cycles", "stall_cycles", "energy_pj")
DEFAULT_TOLERANCES = {"cycles": 0.0, "compute_cycles": 0.0, "stall_cycles": 0.0, "energy_pj": {"rel": 1e-6}}
FLOAT_REL = 1e-9  # statistics with no tolerance given: integers exact, floats to this relative error


class Tolerance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    abs: float = Field(default=0.0, ge=0, description="allowed absolute difference")
    rel: float = Field(default=0.0, ge=0, description="allowed difference relative to the golden value")

    def allows(self, golden: float, now: float) -> bool:
        diff = abs(now - golden)
        return diff <= self.abs or diff <= self.rel * abs(golden)

    def __str__(self) -> str:
        parts = [f"±{self.abs:g}" if self.abs else "", f"±{100 * self.rel:g}%" if self.rel else ""]
        return " or ".join(p for p in parts if p) or "exact"


def _tolerances(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: {"abs": v} if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                for k, v in value.items()}
    return value


# A tolerance may be written as a plain number: an absolute difference.
Tolerances = Annotated[dict[str, Tolerance], BeforeValidator(_tolerances)]


class PairSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hardware: str = Field(min_length=1, description="hardware config, relative to regress.yaml")
    workload: str = Field(min_length=1, description="workload, relative to regress.yaml")
    fidelity: Literal["fine", "fast"] | None = Field(default=None, description="override the config's fidelity")
    seed: int = Field(default=0, description="simulation seed")
    set: dict[str, Any] = Field(default_factory=dict, description="config overrides (dotted key paths)")
    name: str | None = Field(default=None, min_length=1, description="golden file stem")
    tolerances: Tolerances = Field(default_factory=dict, description="per statistic")


class SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    tolerances: Tolerances = Field(default_factory=dict, description="defaults for every pair")
    stats: list[str] = Field(default_factory=list, description="statistics compared besides the defaults")
    pairs: list[PairSpec] = Field(min_length=1, description="the (hardware, workload) pairs")


@dataclass(frozen=True)
class Pair:
    name: str
    hardware: Path
    workload: Path
    fidelity: str | None
    seed: int
    overrides: dict
    tolerances: dict[str, Tolerance]
    stats: tuple[str, ...]
    golden: Path

    def tolerance(self, stat: str, is_int: bool) -> Tolerance:
        if stat in self.tolerances:
            return self.tolerances[stat]
        return Tolerance() if is_int else Tolerance(rel=FLOAT_REL)


def load_suite(directory: str | Path) -> list[Pair]:
    directory = Path(directory)
    path = directory / SUITE_FILE
    source = str(path)
    suite = load_model(path, SuiteFile, "`pairs`")
    defaults = {k: Tolerance.model_validate(v) for k, v in _tolerances(DEFAULT_TOLERANCES).items()}
    stats = tuple(dict.fromkeys([*DEFAULT_STATS, *suite.stats]))
    pairs: dict[str, Pair] = {}
    for i, spec in enumerate(suite.pairs):
        hardware = Path(os.path.normpath(directory / spec.hardware))
        workload = Path(os.path.normpath(directory / spec.workload))
        for key, file in (("hardware", hardware), ("workload", workload)):
            if not file.is_file():
                raise ConfigError(f"file not found: {file}", source, f"pairs.{i}.{key}")
        name = spec.name or f"{hardware.stem}__{workload.stem}" + (f"__{spec.fidelity}" if spec.fidelity else "")
        if name in pairs:
            raise ConfigError(f"two pairs share the golden name {name!r}; give one a `name`", source, f"pairs.{i}")
        pairs[name] = Pair(name=name, hardware=hardware, workload=workload, fidelity=spec.fidelity, seed=spec.seed,
                           overrides=dict(spec.set), tolerances={**defaults, **suite.tolerances, **spec.tolerances},
                           stats=stats, golden=directory / f"{name}.csv")
    return list(pairs.values())
