"""Energy = sum over actions of count x energy per action + leakage x time, per component.

A pass over the statistics a run counted; nothing here runs during simulation. It works a
statistic at a time on numpy arrays (a 100,000-layer run counts ~1.8 M values), adding in
the order the counts were made, so every sum has the bits of adding them one by one.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from accelsim.energy.table import Entry


def price(cells, layers: list, table: list[Entry], seconds: float, layer_seconds: dict[str, float]):
    """Return ({component: dynamic pJ}, {component: leakage pJ}, per-layer pJ, {component: per-layer pJ}).

    `cells`: (component, stat, unit, slots, values) per counted statistic and `layers` (slot ->
    layer, None for chip-wide counts), as `StatsRegistry.cells()` and `.layers` give them.
    The per-layer figures are lists in the order of `layer_seconds`; the last dict holds the
    components with energy counted per layer (any layer, listed or not). Leakage is charged
    over the whole run and shared among layers by their durations.
    """
    rates = {(e.component, s): e.pj_per_unit for e in table for s in e.stats}
    slot = {name: i for i, name in enumerate(layer_seconds)}
    # a counted layer's slot -> its position in `layer_seconds`; -1: not listed, -2: chip-wide
    position = np.array([slot.get(layer, -1) if layer is not None else -2 for layer in layers], dtype=np.int64)
    per_layer = np.zeros(len(slot))
    per_component: dict[str, np.ndarray] = {}
    dynamic: defaultdict[str, float] = defaultdict(float)
    with np.errstate(all="ignore"):  # an overflow gives inf, as Python's float arithmetic does, silently
        for component, stat, _unit, slots, values in cells:
            _price_stat(rates.get((component, stat)), component, position[np.frombuffer(slots, dtype=np.int64)],
                        values, len(slot), dynamic, per_layer, per_component)
        leakage = _leakage(table, seconds)
        total_layer_s = sum(layer_seconds.values())
        total_leak = sum(leakage.values())
        if total_layer_s:
            per_layer += total_leak * np.array(list(layer_seconds.values()), dtype=np.float64) / total_layer_s
    return dict(dynamic), leakage, per_layer.tolist(), {c: s.tolist() for c, s in per_component.items()}


def _price_stat(pj, component: str, index: np.ndarray, values, listed: int, dynamic: dict,
                per_layer: np.ndarray, per_component: dict) -> None:
    """Add one statistic's energy (count x `pj`) to its component's total and the per-layer sums
    (`index`: each value's position among the `listed` layers, or -1, or -2 for chip-wide)."""
    if pj is None:
        return
    energy = np.frombuffer(values, dtype=np.float64) * float(pj)
    total = dynamic[component]
    for value in energy.tolist():  # one by one: numpy's pairwise sum would round differently
        total += value
    dynamic[component] = total
    if (index == -2).all():  # chip-wide counts only
        return
    sums = per_component.setdefault(component, np.zeros(listed))
    mine = index >= 0
    index, energy = index[mine], energy[mine]
    per_layer[index] += energy  # a statistic counts each layer once: no index repeats
    sums[index] += energy


def _leakage(table: list[Entry], seconds: float) -> dict[str, float]:
    leakage: defaultdict[str, float] = defaultdict(float)
    for entry in table:
        leakage[entry.component] += entry.leakage_mw * 1e9 * seconds  # mW x s = mJ = 1e9 pJ
    return dict(leakage)


def area_by_component(table: list[Entry]) -> dict[str, float]:
    area: defaultdict[str, float] = defaultdict(float)
    for entry in table:
        area[entry.component] += entry.area_mm2
    return dict(area)
