"""From a point to a simulation task, its content hash, and (in a worker) its record.

A point's key is the sha256 of the canonical JSON of what decides its result: the resolved
hardware config, the parsed workload, the seed, the fidelity and the accelsim version. The
same key means the same result, so a stored record is reused instead of recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim import __version__
from accelsim.config.loader import apply_overrides, validate
from accelsim.config.schema import HardwareConfig
from accelsim.errors import ConfigError, InputError, WorkloadError
from accelsim.stats.writers import _plain
from accelsim.sweep.expand import Point
from accelsim.sweep.spec import WORKLOAD_PREFIX, SweepSpec, workload_dict
from accelsim.workload import Workload, load_workload
from accelsim.workload.formats.native import parse_native_dict

# Fields that describe a config but cannot change a result: left out of the key.
_NOT_HASHED = {"description", "source"}


@dataclass(frozen=True)
class Task:
    """What a worker needs to simulate one point (picklable, sent to processes and Dask)."""

    key: str
    hardware: HardwareConfig
    workload: Workload
    seed: int


def canonical_hash(value: Any) -> str:
    text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Resolver:
    """Turns points into tasks (or into error records, for points whose inputs are invalid).

    Parsed workloads are cached: most points share their workload and differ in hardware."""

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self._workloads: dict[str, tuple[Workload | None, Any]] = {}

    def resolve(self, point: Point) -> tuple[str, Task | None, dict | None]:
        """(key, task, None) for a runnable point; (key, None, error record) otherwise."""
        spec = self.spec
        hw_over = {k: v for k, v in point.values.items() if not k.startswith(WORKLOAD_PREFIX)}
        wl_over = {k[len(WORKLOAD_PREFIX):]: v for k, v in point.values.items() if k.startswith(WORKLOAD_PREFIX)}
        workload, wl_identity = self._workload(point.workload, wl_over)
        hardware, hw_identity = None, {"overrides": hw_over}
        error = wl_identity.get("error") if workload is None else None
        try:
            raw = apply_overrides(spec.hardware_raw, hw_over, str(spec.hardware), ConfigError)
            if spec.fidelity is not None:
                raw["fidelity"] = spec.fidelity
            hardware = validate(HardwareConfig, raw, str(spec.hardware), ConfigError)
            hw_identity = hardware.model_dump(mode="json", exclude=_NOT_HASHED)
        except ConfigError as exc:
            error = error or exc.message
            hw_identity["error"] = exc.message
        key = canonical_hash({"hardware": hw_identity, "workload": wl_identity, "seed": spec.seed,
                              "fidelity": spec.fidelity, "accelsim": __version__})
        if error is not None:
            return key, None, {"key": key, "status": "error", "error": error}
        return key, Task(key, hardware, workload, spec.seed), None

    def _workload(self, label: str, overrides: dict) -> tuple[Workload | None, dict]:
        cache_key = label + json.dumps(_plain(overrides), sort_keys=True, default=str)
        if cache_key not in self._workloads:
            self._workloads[cache_key] = _load_workload(self.spec.workloads[label], overrides)
        return self._workloads[cache_key]


def _load_workload(path: Path, overrides: dict) -> tuple[Workload | None, dict]:
    try:
        if overrides and path.suffix.lower() == ".onnx":  # only dims.<axis> (checked with the spec)
            workload = load_workload(path, overrides)
        elif overrides:
            from accelsim.workload.chain import unchained_by

            raw = apply_overrides(workload_dict(path), overrides, str(path), WorkloadError)
            workload = parse_native_dict(unchained_by(overrides, raw), str(path))
        else:
            workload = load_workload(path)
    except InputError as exc:
        return None, {"error": exc.message, "overrides": overrides}
    # hashed once here, not per point: a sweep has many points per workload
    identity = {"sha256": canonical_hash({"name": workload.name,
                                          "layers": [dataclasses.asdict(layer) for layer in workload.layers]})}
    return workload, identity


def run_point(task: Task) -> dict:
    """Simulate one point; never raises for a failing point (its error is the record)."""
    from accelsim.simulator import simulate

    try:
        result = simulate(task.hardware, task.workload, seed=task.seed)
    except InputError as exc:
        return {"key": task.key, "status": "error", "error": exc.message}
    except Exception as exc:  # a bug in one point must not stop the sweep; keep the traceback
        return {"key": task.key, "status": "error", "error": f"internal error: {type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()}
    return _plain({"key": task.key, "status": "ok", "error": None, "summary": result.summary,
                   "layers": layer_rows(result)})


def layer_rows(result) -> dict:
    """`result.layers` as {columns, data}, what pandas' ``to_dict(orient="split")`` gives, built
    from the plain table when it is one: a worker then never imports pandas (~0.4 s each)."""
    table = result.table("layers")
    if table is not None and table.plain():
        columns = table.columns
        cells = [[float(v) for v in table.column(c)] if table.kind(c) == "float" else table.column(c)
                 for c in columns]
        return {"columns": columns, "data": [list(row) for row in zip(*cells)]}
    layers = result.layers.to_dict(orient="split", index=False)
    return {"columns": layers["columns"], "data": layers["data"]}


def run_points(tasks: list[Task]) -> list[dict]:
    """A batch of points: one Dask task for several points amortises the per-task overhead."""
    return [run_point(task) for task in tasks]


def warm_up() -> None:
    """Import the simulator in a worker before the first point arrives."""
    import accelsim.simulator  # noqa: F401
