"""Static power: clock tree, control and leakage declared per mm2 or per chip, charged over the run."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.energy import energy_table
from tests.conftest import ROOT

EYERISS = ROOT / "hwconfigs" / "eyeriss.yaml"
TOY = ROOT / "workloads" / "toy3.yaml"


def _stat(result, component, stat):
    c = result.components.set_index(["component", "stat"])["value"]
    return float(c.get((component, stat), 0.0))


def test_static_power_is_area_times_density_and_charged_over_the_run():
    hw = accelsim.load_hardware(EYERISS, {"static_power": {"clock_mw_per_mm2": 3.0, "control_mw_per_mm2": 0.5,
                                                            "leakage_mw_per_mm2": 0.25, "control_mw": 2.0}})
    dense = [e for e in energy_table(hw) if e.component not in ("clock_tree", "control", "static_leakage")]
    area = sum(e.area_mm2 for e in dense)                    # 168 x 0.047 + 2.2 + 2.2 mm2
    assert area == pytest.approx(168 * 0.047 + 4.4)
    power = {e.component: e.leakage_mw for e in energy_table(hw) if not e.stats}
    assert power == pytest.approx({"clock_tree": 3.0 * area, "control": 0.5 * area + 2.0,
                                   "static_leakage": 0.25 * area})
    bare = accelsim.load_hardware(EYERISS, {"static_power": None})
    base, r = accelsim.simulate(bare, TOY), accelsim.simulate(hw, TOY)
    seconds = r.summary["seconds"]
    assert seconds == base.summary["seconds"]                # static power moves energy, not time
    for name, mw in power.items():
        assert _stat(r, name, "leakage_energy_pj") == pytest.approx(mw * 1e9 * seconds, rel=1e-12)
    extra = sum(power.values()) * 1e9 * seconds
    assert r.summary["energy_pj"] == pytest.approx(base.summary["energy_pj"] + extra, rel=1e-12)
    assert r.summary["area_mm2"] == pytest.approx(base.summary["area_mm2"])   # no area of its own
    assert r.layers["energy_pj"].sum() == pytest.approx(r.summary["energy_pj"], rel=1e-9)


def test_declared_area_overrides_the_component_area():
    hw = accelsim.load_hardware(EYERISS, {"static_power": {"area_mm2": 12.25, "clock_mw_per_mm2": 2.0}})
    power = {e.component: e.leakage_mw for e in energy_table(hw) if not e.stats}
    assert power["clock_tree"] == pytest.approx(24.5)


def test_negative_density_is_rejected():
    with pytest.raises(accelsim.ConfigError):
        accelsim.load_hardware(EYERISS, {"static_power": {"clock_mw_per_mm2": -1.0}})


def test_shipped_clock_network_is_the_jssc_breakdown():
    # JSSC 2017 Fig. 16 clock-network shares of CONV1 and CONV5 times Table V's measured power
    cited = (0.329 * 332 + 0.450 * 236) / 2
    eyeriss, sac = accelsim.load_hardware(EYERISS), accelsim.load_hardware(ROOT / "hwconfigs" / "sac.yaml")
    assert eyeriss.static_power.clock_mw == pytest.approx(cited, abs=0.05)
    assert sac.static_power == eyeriss.static_power             # same array and clock on both chips
    r = accelsim.simulate(EYERISS, TOY)
    assert _stat(r, "clock_tree", "leakage_energy_pj") == pytest.approx(107.7 * 1e9 * r.summary["seconds"], rel=1e-12)
