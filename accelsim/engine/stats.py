"""Declared statistics: every counter has a name, a unit and a description."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Stat:
    name: str
    unit: str
    description: str


class StatsRegistry:
    """Counters keyed by (component, stat, layer). A stat must be declared before use."""

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, Stat]] = {}
        self.values: defaultdict[tuple[str, str, str | None], float] = defaultdict(float)

    def declare(self, component: str, stats: tuple[Stat, ...]) -> None:
        self.declared.setdefault(component, {}).update({s.name: s for s in stats})

    def add(self, component: str, stat: str, value: float, layer: str | None = None) -> None:
        if stat not in self.declared.get(component, ()):
            raise KeyError(f"{component}: statistic {stat!r} was not declared")
        self.values[(component, stat, layer)] += value

    def total(self, component: str, stat: str) -> float:
        return sum(v for (c, s, _), v in self.values.items() if c == component and s == stat)

    def by_layer(self, component: str, stat: str) -> dict[str | None, float]:
        return {layer: v for (c, s, layer), v in self.values.items() if c == component and s == stat}

    def rows(self):
        """(component, stat, unit, layer, value) rows, in declaration order."""
        for component, stats in self.declared.items():
            for name, stat in stats.items():
                for (c, s, layer), value in self.values.items():
                    if c == component and s == name:
                        yield component, name, stat.unit, layer, value
