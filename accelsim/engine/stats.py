"""Declared statistics: every counter has a name, a unit and a description."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stat:
    name: str
    unit: str
    description: str


class StatsRegistry:
    """Counters keyed by (component, stat, layer). A stat must be declared before use.

    Kept as {(component, stat): {layer: value}}, so a stat's per-layer values, and all rows
    in declaration order, come without scanning every counter (10,000-layer workloads).
    """

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, Stat]] = {}
        self._cells: dict[tuple[str, str], dict[str | None, float]] = {}

    def declare(self, component: str, stats: tuple[Stat, ...]) -> None:
        self.declared.setdefault(component, {}).update({s.name: s for s in stats})

    def _cell(self, component: str, stat: str) -> dict[str | None, float]:
        cell = self._cells.get((component, stat))
        if cell is None:
            if stat not in self.declared.get(component, ()):
                raise KeyError(f"{component}: statistic {stat!r} was not declared")
            cell = self._cells[(component, stat)] = {}
        return cell

    def add(self, component: str, stat: str, value: float, layer: str | None = None) -> None:
        cell = self._cell(component, stat)
        cell[layer] = cell.get(layer, 0.0) + value

    def add_many(self, component: str, layer: str | None, counts: dict[str, float]) -> None:
        """Several of one component's stats for one layer at once (a batch of jobs)."""
        for stat, value in counts.items():
            cell = self._cell(component, stat)
            cell[layer] = cell.get(layer, 0.0) + value

    @property
    def values(self) -> dict[tuple[str, str, str | None], float]:
        return {(c, s, layer): v for (c, s), cell in self._cells.items() for layer, v in cell.items()}

    def total(self, component: str, stat: str) -> float:
        return sum(self._cells.get((component, stat), {}).values())

    def by_layer(self, component: str, stat: str) -> dict[str | None, float]:
        return dict(self._cells.get((component, stat), {}))

    def cells(self):
        """(component, stat, unit, layers, values) per counted statistic, in declaration order:
        the layers (None: not a layer's) in the order first counted, and their values."""
        for component, stats in self.declared.items():
            for name, stat in stats.items():
                cell = self._cells.get((component, name))
                if cell:
                    yield component, name, stat.unit, list(cell), list(cell.values())

    def rows(self):
        """(component, stat, unit, layer, value) rows, in declaration order."""
        for component, stats in self.declared.items():
            for name, stat in stats.items():
                for layer, value in self._cells.get((component, name), {}).items():
                    yield component, name, stat.unit, layer, value
