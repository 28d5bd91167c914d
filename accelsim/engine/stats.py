"""Declared statistics: every counter has a name, a unit and a description."""

from __future__ import annotations

from array import array
from dataclasses import dataclass


@dataclass(frozen=True)
class Stat:
    name: str
    unit: str
    description: str


class _Cell:
    """One statistic's values as arrays: by layer slot, with which slots were counted and in
    what order (a 100,000-layer run counts ~1.8 M values: ~17 bytes each here, ~60 in dicts)."""

    __slots__ = ("values", "seen", "order")

    def __init__(self) -> None:
        self.values = array("d")
        self.seen = bytearray()
        self.order = array("q")  # slots, in the order first counted

    def grow(self, slots: int) -> None:
        size = len(self.values)
        more = max(slots, size + size // 8 + 64) - size  # an eighth ahead, as lists grow: rarely called
        self.values.frombytes(bytes(8 * more))
        self.seen.extend(bytes(more))


class StatsRegistry:
    """Counters keyed by (component, stat, layer). A stat must be declared before use.

    Each (component, stat) keeps its values in arrays indexed by a layer's slot (`layers`:
    slot -> layer, None for chip-wide counts), so a stat's per-layer values, and all rows in
    declaration order, come without scanning every counter. Values are sums of floats added
    in the order counted: ``0.0 + v1 + v2 ...``, the same bits as a dict of running sums.
    """

    def __init__(self) -> None:
        self.declared: dict[str, dict[str, Stat]] = {}
        self._cells: dict[tuple[str, str], _Cell] = {}
        self._slots: dict[str | None, int] = {}
        self.layers: list[str | None] = []

    def declare(self, component: str, stats: tuple[Stat, ...]) -> None:
        self.declared.setdefault(component, {}).update({s.name: s for s in stats})

    def _cell(self, component: str, stat: str) -> _Cell:
        cell = self._cells.get((component, stat))
        if cell is None:
            if stat not in self.declared.get(component, ()):
                raise KeyError(f"{component}: statistic {stat!r} was not declared")
            cell = self._cells[(component, stat)] = _Cell()
        return cell

    def _slot(self, layer: str | None) -> int:
        slot = self._slots.get(layer)
        if slot is None:
            slot = self._slots[layer] = len(self.layers)
            self.layers.append(layer)
        return slot

    def add(self, component: str, stat: str, value: float, layer: str | None = None) -> None:
        self._add(self._cells.get((component, stat)) or self._cell(component, stat), self._slot(layer), value)

    def add_many(self, component: str, layer: str | None, counts: dict[str, float]) -> None:
        """Several of one component's stats for one layer at once (a batch of jobs)."""
        slot = self._slot(layer)
        cells = self._cells
        for stat, value in counts.items():
            self._add(cells.get((component, stat)) or self._cell(component, stat), slot, value)

    def _add(self, cell: _Cell, slot: int, value: float) -> None:
        try:
            counted = cell.seen[slot]
        except IndexError:  # a layer past the arrays' end
            cell.grow(len(self.layers))
            counted = 0
        if counted:
            cell.values[slot] += value
        else:
            cell.seen[slot] = 1
            cell.order.append(slot)
            cell.values[slot] = 0.0 + value

    def _items(self, cell: _Cell):
        layers, values = self.layers, cell.values
        return ((layers[slot], values[slot]) for slot in cell.order)

    @property
    def values(self) -> dict[tuple[str, str, str | None], float]:
        return {(c, s, layer): v for (c, s), cell in self._cells.items() for layer, v in self._items(cell)}

    def total(self, component: str, stat: str) -> float:
        cell = self._cells.get((component, stat))
        return sum(v for _, v in self._items(cell)) if cell else 0

    def by_layer(self, component: str, stat: str) -> dict[str | None, float]:
        cell = self._cells.get((component, stat))
        return dict(self._items(cell)) if cell else {}

    def cells(self):
        """(component, stat, unit, slots, values) per counted statistic, in declaration order:
        the slots (indexes into `layers`) in the order first counted, as an array('q'), and
        their values as an array('d')."""
        for component, stats in self.declared.items():
            for name, stat in stats.items():
                cell = self._cells.get((component, name))
                if cell:
                    yield component, name, stat.unit, cell.order, array("d", map(cell.values.__getitem__, cell.order))

    def rows(self):
        """(component, stat, unit, layer, value) rows, in declaration order."""
        for component, stats in self.declared.items():
            for name, stat in stats.items():
                cell = self._cells.get((component, name))
                for layer, value in self._items(cell) if cell else ():
                    yield component, name, stat.unit, layer, value
