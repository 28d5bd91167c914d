"""Expand a spec's axes into points: grid or seeded random sampling, minus constrained-out points.

A point is one simulation: one workload and one value per axis. Points are numbered in a fixed
order (workload by workload, then the grid in row-major order, first axis outermost), so every
executor and every rerun sees the same list.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelsim.errors import ConfigError, shown
from accelsim.sweep.expr import ExprError, lookup
from accelsim.sweep.spec import AxisSpec, SweepSpec

MAX_AXIS_VALUES = 100_000
MAX_ENUMERATED = 200_000  # larger grids: random sampling only, by rejection


@dataclass(frozen=True)
class Point:
    index: int
    workload: str              # label of the workload in the spec
    values: dict[str, Any]     # axis -> value, in the spec's axis order


def axis_values(axis: AxisSpec, source: str = "", key: str = "") -> list:
    if axis.values is not None:
        return list(axis.values)
    if axis.range is not None:
        r = axis.range
        count = _count(lambda: (r.stop - r.start) / r.step, source, key)
        exact = all(isinstance(v, int) for v in (r.start, r.stop, r.step))
        return [r.start + i * r.step if exact else _tidy(r.start + i * r.step) for i in range(count)]
    g = axis.logrange
    assert g is not None
    try:
        if g.num is not None:
            _check_count(g.num, source, key)
            raw = [g.start * (g.stop / g.start) ** (i / (g.num - 1)) for i in range(g.num)]
        else:
            count = _count(lambda: math.log(g.stop / g.start) / math.log(g.factor), source, key)
            raw = [g.start * g.factor**i for i in range(count)]
        if not all(math.isfinite(v) for v in raw):
            raise OverflowError
    except (OverflowError, ZeroDivisionError):
        raise ConfigError("the values overflow a float; use a smaller range", source, key) from None
    integer = g.integer
    if integer is None:
        integer = all(isinstance(v, int) for v in (g.start, g.stop)) and not isinstance(g.factor, float)
    if integer:
        return list(dict.fromkeys(int(round(v)) for v in raw))  # rounding can merge neighbours
    return [_tidy(v) for v in raw]


def _tidy(value: float) -> float:
    """0.30000000000000004 -> 0.3: values become config entries and table columns."""
    return float(f"{value:.12g}")


def _count(steps, source: str, key: str) -> int:
    """How many values a range has: floor(steps()) + 1, with absurd ranges refused, not crashed."""
    try:
        steps_value = steps()
    except (OverflowError, ZeroDivisionError):
        steps_value = math.inf
    if not math.isfinite(steps_value) or steps_value > MAX_AXIS_VALUES:
        raise ConfigError(f"more than {MAX_AXIS_VALUES} values; at most {MAX_AXIS_VALUES} per axis", source, key)
    count = math.floor(steps_value + 1e-9) + 1
    _check_count(count, source, key)
    return count


def _check_count(count: int, source: str, key: str) -> None:
    if count < 1:
        raise ConfigError("the range is empty", source, key)
    if count > MAX_AXIS_VALUES:
        raise ConfigError(f"{count} values; at most {MAX_AXIS_VALUES} per axis", source, key)


def expand(spec: SweepSpec) -> tuple[list[Point], int]:
    """The points to run, and how many the constraints skipped."""
    names = list(spec.axes)
    values = [axis_values(spec.axes[n], spec.source, f"axes.{n}") for n in names]
    total = math.prod(len(v) for v in values)
    keep = _Keeper(spec, names)
    labels = list(spec.workloads)

    def combo(index: int) -> tuple:
        out = []
        for vals in reversed(values):
            index, i = divmod(index, len(vals))
            out.append(vals[i])
        return tuple(reversed(out))

    if spec.sampling.method == "grid":
        if total > MAX_ENUMERATED:
            raise ConfigError(f"the grid has {total:,} points; sample it with `sampling: {{method: random, "
                              f"points: N}}`", spec.source, "axes")
        combos = list(itertools.product(*values))
    else:
        combos = _sample(spec, [len(v) for v in values], combo, lambda c: any(keep(c, w) for w in labels))
    points, skipped = [], 0
    for label in labels:
        for c in combos:
            if keep(c, label):
                points.append(Point(len(points), label, dict(zip(names, c))))
            else:
                skipped += 1
    return points, skipped


def _sample(spec: SweepSpec, sizes: list[int], combo, valid) -> list[tuple]:
    """`points` distinct valid combinations, drawn with the spec's seed, in grid order."""
    wanted = spec.sampling.points or 0
    total = math.prod(sizes)
    rng = np.random.default_rng(spec.sampling.seed)
    if total <= MAX_ENUMERATED:
        pool = [i for i in range(total) if valid(combo(i))]
        chosen = rng.choice(len(pool), size=min(wanted, len(pool)), replace=False) if pool else []
        return [combo(pool[i]) for i in sorted(chosen)]
    chosen_set: set[int] = set()
    for _ in range(100 * wanted):  # rejection sampling: the grid is too large to list
        i = int(rng.integers(total)) if total < 2**63 else _draw(rng, sizes)
        if i not in chosen_set and valid(combo(i)):
            chosen_set.add(i)
            if len(chosen_set) == wanted:
                break
    return [combo(i) for i in sorted(chosen_set)]


def _draw(rng, sizes: list[int]) -> int:
    """A uniform grid index for grids past int64: one digit per axis, first axis outermost."""
    index = 0
    for size in sizes:
        index = index * size + int(rng.integers(size))
    return index


class _Keeper:
    """Evaluates the constraints for one combination and workload.

    Names resolve to axis values, `workload` to the workload's label, anything else to the
    base hardware config (looked up once: axes are the only thing that varies)."""

    def __init__(self, spec: SweepSpec, names: list[str]):
        self.spec, self.names = spec, names
        self.base = {n: lookup(spec.hardware_raw, n) for c in spec.constraints for n in c.names
                     if n not in spec.axes and n != "workload"}

    def __call__(self, combo: tuple, workload: str) -> bool:
        if not self.spec.constraints:
            return True
        env = {**self.base, **dict(zip(self.names, combo)), "workload": workload}
        for i, constraint in enumerate(self.spec.constraints):
            try:
                ok = constraint(env)
            except ExprError as exc:
                where = ", ".join(f"{k}={shown(v, 30)}" for k, v in env.items())
                raise ConfigError(f"{exc} (at {where})", self.spec.source, f"constraints.{i}") from None
            if not ok:
                return False
        return True
