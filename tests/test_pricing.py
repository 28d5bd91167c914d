"""The pricing pass, a statistic at a time on arrays, against the row-by-row sums it replaced:
the same bits for every total, every layer and every component's per-layer energy."""

import random
from collections import defaultdict

import pytest

from accelsim.energy.pricing import price
from accelsim.energy.table import Entry
from accelsim.engine.stats import Stat, StatsRegistry


def _row_by_row(stat_rows, table, seconds, layer_seconds):
    """The pass as it was: one row (component, stat, unit, layer, value) at a time."""
    rates = {(e.component, s): e.pj_per_unit for e in table for s in e.stats}
    dynamic, per_layer, per_cell = defaultdict(float), defaultdict(float), defaultdict(float)
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
        leakage[entry.component] += entry.leakage_mw * 1e9 * seconds
    total_layer_s, total_leak = sum(layer_seconds.values()), sum(leakage.values())
    for layer, secs in layer_seconds.items():
        if total_layer_s:
            per_layer[layer] += total_leak * secs / total_layer_s
    return dict(dynamic), dict(leakage), dict(per_layer), dict(per_cell)


def _value(rng):
    return rng.choice([rng.random() * 10 ** rng.randint(-8, 12), rng.randint(0, 2**40), 0, 0.1, 1e300])


@pytest.mark.parametrize("seed", range(40))
def test_pricing_by_statistic_has_the_bits_of_pricing_by_row(seed):
    rng = random.Random(seed)
    components = [f"c{i}" for i in range(rng.randint(1, 4))]
    stats = {c: [f"s{j}" for j in range(rng.randint(1, 5))] for c in components}
    registry = StatsRegistry()
    for c in components:
        registry.declare(c, tuple(Stat(s, "u", "") for s in stats[c]))
    names = [f"l{i}" for i in range(rng.randint(1, 30))]
    counted = names + ["unlisted", None]  # a layer the table does not list; chip-wide counts
    for _ in range(rng.randint(0, 300)):
        c = rng.choice(components)
        if rng.random() < 0.5:
            registry.add(c, rng.choice(stats[c]), _value(rng), rng.choice(counted))
        else:
            registry.add_many(c, rng.choice(counted), {s: _value(rng) for s in rng.sample(stats[c], 1)})
    table = [Entry(c, tuple(s for s in stats[c] if rng.random() < 0.7), rng.choice([0.5, 3, 1e-3, 7.25]),
                   rng.choice([0.0, 1.5]), 0.0, 0.0) for c in components[: rng.randint(1, len(components))]]
    rows = names + (rng.sample(names, 2) if len(names) > 2 and rng.random() < 0.3 else [])  # repeated names
    layer_seconds = dict(zip(rows, (rng.choice([0.0, rng.random()]) for _ in rows)))
    seconds = rng.random()

    dynamic, leakage, per_layer, per_component = price(list(registry.cells()), registry.layers, table, seconds,
                                                       layer_seconds)
    old_dynamic, old_leakage, old_layer, old_cell = _row_by_row(list(registry.rows()), table, seconds, layer_seconds)
    assert dynamic == old_dynamic and leakage == old_leakage
    assert per_layer == [old_layer.get(n, 0.0) for n in layer_seconds]
    assert set(per_component) == {c for c, _ in old_cell}
    for c, values in per_component.items():
        assert values == [old_cell.get((c, n), 0.0) for n in layer_seconds]


class _DictRegistry:
    """The registry as it was: {(component, stat): {layer: running sum}}."""

    def __init__(self):
        self.cells = {}

    def add(self, component, stat, value, layer=None):
        cell = self.cells.setdefault((component, stat), {})
        cell[layer] = cell.get(layer, 0.0) + value


@pytest.mark.parametrize("seed", range(20))
def test_the_registry_arrays_hold_the_running_sums_a_dict_would(seed):
    rng = random.Random(seed)
    registry, oracle = StatsRegistry(), _DictRegistry()
    stats = ("a", "b", "c")
    for component in ("x", "y"):
        registry.declare(component, tuple(Stat(s, "u", "") for s in stats))
    layers = [f"l{i}" for i in range(rng.randint(1, 60))] + [None]
    for _ in range(rng.randint(1, 800)):
        component, stat, layer, value = rng.choice("xy"), rng.choice(stats), rng.choice(layers), _value(rng)
        if rng.random() < 0.5:
            registry.add(component, stat, value, layer)
        else:
            registry.add_many(component, layer, {stat: value})
        oracle.add(component, stat, value, layer)
    for (component, stat), cell in oracle.cells.items():
        assert registry.by_layer(component, stat) == cell and list(registry.by_layer(component, stat)) == list(cell)
        assert registry.total(component, stat) == sum(cell.values())
    assert registry.values == {(c, s, layer): v for (c, s), cell in oracle.cells.items() for layer, v in cell.items()}
    assert list(registry.rows()) == [(c, s, "u", layer, v) for c in "xy" for s in stats
                                     for layer, v in oracle.cells.get((c, s), {}).items()]
    assert registry.by_layer("x", "zzz") == {} and registry.total("x", "zzz") == 0
    with pytest.raises(KeyError):
        registry.add("x", "undeclared", 1.0, "l0")
