"""Energy = sum over actions of count x energy per action + leakage x time, per component.

A pass over the statistics a run counted; nothing here runs during simulation.
"""

from __future__ import annotations

from collections import defaultdict

from accelsim.energy.table import Entry


def price(stat_rows, table: list[Entry], seconds: float, layer_seconds: dict[str, float]):
    """Return ({component: dynamic pJ}, {component: leakage pJ}, {layer: pJ}, {(component, layer): pJ}).

    Leakage is charged over the whole run and shared among layers by their durations.
    """
    rates = {(e.component, s): e.pj_per_unit for e in table for s in e.stats}
    dynamic: defaultdict[str, float] = defaultdict(float)
    per_layer: defaultdict[str, float] = defaultdict(float)
    per_cell: defaultdict[tuple[str, str], float] = defaultdict(float)
    for component, stat, _unit, layer, value in stat_rows:
        pj = rates.get((component, stat))
        if pj is None:
            continue
        energy = value * pj
        dynamic[component] += energy
        if layer is not None:
            per_layer[layer] += energy
            per_cell[(component, layer)] += energy
    leakage = defaultdict(float)
    for entry in table:
        leakage[entry.component] += entry.leakage_mw * 1e9 * seconds  # mW x s = mJ = 1e9 pJ
    total_layer_s = sum(layer_seconds.values())
    total_leak = sum(leakage.values())
    for layer, secs in layer_seconds.items():
        if total_layer_s:
            per_layer[layer] += total_leak * secs / total_layer_s
    return dict(dynamic), dict(leakage), dict(per_layer), dict(per_cell)


def area_by_component(table: list[Entry]) -> dict[str, float]:
    area: defaultdict[str, float] = defaultdict(float)
    for entry in table:
        area[entry.component] += entry.area_mm2
    return dict(area)
