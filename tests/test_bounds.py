"""Numbers in configs: strict types, finite floats, physical upper bounds with the reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

import accelsim
from accelsim.config.base import BOUNDS, Model, bound_for
from accelsim.config.schema import HardwareConfig
from accelsim.errors import ConfigError, WorkloadError
from tests.conftest import ROOT

SYSTOLIC = ROOT / "hwconfigs" / "systolic_32x32.yaml"
ISAAC = ROOT / "hwconfigs" / "isaac.yaml"


@pytest.mark.parametrize("key,value,reason", [
    ("clock_mhz", float("inf"), "finite"),
    ("clock_mhz", float("nan"), "finite"),
    ("clock_mhz", 2**63, "beyond any chip clock"),
    ("memory.ifmap_sram.capacity_kib", 1e18, "beyond any on-chip memory"),
    ("memory.ifmap_sram.capacity_kib", True, "valid number"),
    ("memory.ifmap_sram.banks", True, "valid integer"),
    ("memory.ifmap_sram.double_buffered", 0, "valid boolean"),
    ("memory.ifmap_sram.read_energy_pj_per_byte", float("inf"), "finite"),
    ("memory.dram.energy_pj_per_byte", 1e300, "1 mJ"),
    ("memory.dram.bandwidth_bytes_per_cycle", float("inf"), "finite"),
    ("compute.rows", True, "valid integer"),
    ("compute.rows", 32.0, "valid integer"),
    ("compute.rows", "32", "valid integer"),
    ("compute.cols", 2**20, "array edge"),
    ("compute.mac_energy_pj", float("-inf"), "finite"),
    ("memory.ifmap_sram.capacity_kib", 1e-6, "less than one byte"),
    ("memory.dram.bandwidth_bytes_per_cycle", 1e-300, "one byte per million cycles"),
    ("memory.ifmap_sram.bandwidth_bytes_per_cycle", 1e-9, "one byte per million cycles"),
    ("clock_mhz", 1e-300, "below 1 kHz"),
])
def test_systolic_numbers_are_strict_finite_and_bounded(key, value, reason):
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(SYSTOLIC, {key: value})
    assert info.value.key == key
    assert reason in info.value.reason


@pytest.mark.parametrize("key,value,reason", [
    ("compute.tiles", 2**40, "beyond any chip's count"),
    ("compute.tile.ima.crossbar.rows", 2**17, "array edge"),
    ("compute.tile.ima.crossbar.read_latency_ns", float("inf"), "finite"),
    ("compute.tile.ima.crossbar.r_off_ohm", 1e300, "resistance"),
    ("compute.tile.buffer.capacity_kib", 1e12, "on-chip memory"),
    ("compute.offchip.bandwidth_gb_per_s", 1e9, "memory interface"),
    ("compute.zero_slice_skipping", 1, "valid boolean"),
])
def test_crossbar_numbers_are_strict_finite_and_bounded(key, value, reason):
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(ISAAC, {key: value})
    assert info.value.key == key
    assert reason in info.value.reason


def test_exponent_floats_are_numbers(tmp_yaml):
    text = SYSTOLIC.read_text().replace("clock_mhz: ", "clock_mhz: 1.0e3 #", 1)
    assert accelsim.load_hardware(tmp_yaml(text)).clock_mhz == 1000.0


def test_every_numeric_field_of_every_model_is_bounded():
    """Fields added later inherit a bound by their unit suffix (or the generic count bound)."""
    from accelsim.config.base import _Bound

    def models(model, seen):
        if model in seen:
            return
        seen.add(model)
        for field in model.model_fields.values():
            for sub in _submodels(field.annotation):
                models(sub, seen)

    seen: set = set()
    models(HardwareConfig, seen)
    unbounded = []
    for model in seen:
        for name, field in model.model_fields.items():
            if not _numeric(field.annotation):
                continue
            ours = [m.func for m in field.metadata if isinstance(getattr(m, "func", None), _Bound)]
            own = any(hasattr(m, "le") or hasattr(m, "lt") for m in field.metadata)
            if len(ours) != 1 or not (own or ours[0].limit is not None):
                unbounded.append(f"{model.__name__}.{name}")
    assert len(seen) > 10 and not unbounded


def _submodels(annotation):
    import typing

    if isinstance(annotation, type) and issubclass(annotation, Model):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _submodels(arg)]


def _numeric(annotation):
    import typing

    return annotation in (int, float) or any(_numeric(a) for a in typing.get_args(annotation))


def test_a_new_field_inherits_its_bound_by_unit():
    from pydantic import Field, ValidationError

    class Probe(Model):
        standby_mw: float = Field(default=1.0, ge=0, description="a field added later")
        lanes: int = Field(default=1, gt=0, description="a count")

    assert Probe(standby_mw=5.0).standby_mw == 5.0
    with pytest.raises(ValidationError, match="1 kW"):
        Probe(standby_mw=1e7)
    with pytest.raises(ValidationError, match="a million"):
        Probe(lanes=2**21)
    with pytest.raises(ValidationError, match="finite"):
        Probe(standby_mw=float("nan"))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([p for p, _, _ in BOUNDS if p]), st.floats(allow_nan=False, allow_infinity=False))
def test_bound_property(suffix_pattern, value):
    """A value passes the bound exactly when it is <= the bound of its field's name."""
    from accelsim.config.base import _Bound

    name = {"(^|_)(rows|cols)$": "rows", "(_pj$|_pj_|^energy_pj)": "energy_pj_per_action"}.get(
        suffix_pattern, "x" + suffix_pattern.strip("^$").replace("\\", ""))
    limit, why = bound_for(name)
    assert why
    check = _Bound(limit, why)
    if value <= limit:
        assert check(value) == value
    else:
        with pytest.raises(ValueError, match="at most"):
            check(value)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_clock_property(value):
    """Any integer clock is either a valid config or one ConfigError naming clock_mhz."""
    try:
        hw = accelsim.load_hardware(SYSTOLIC, {"clock_mhz": value})
    except ConfigError as exc:
        assert exc.key == "clock_mhz" and len(exc.message) < 400
        assert value <= 0 or value > 1e5
    else:
        assert 0 < hw.clock_mhz <= 1e5


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["C", "H", "W", "K"]), st.integers(min_value=-(2**70), max_value=2**70))
def test_layer_dim_property(tmp_path_factory, dim, value):
    path = tmp_path_factory.mktemp("wl") / "w.yaml"
    layer = {"name": "c1", "type": "conv", "C": 3, "H": 8, "W": 8, "K": 4, "R": 1, "S": 1, dim: value}
    path.write_text(json.dumps({"name": "w", "layers": [layer]}))
    try:
        workload = accelsim.load_workload(path)
    except WorkloadError as exc:
        assert exc.key.startswith("layers[0] (c1).") and len(exc.message) < 400
        assert value <= 0 or value > 2**24
    else:
        assert getattr(workload.layers[0], dim) == value


def test_infinite_energy_never_reaches_json(tmp_path):
    from accelsim.stats.writers import to_json

    text = to_json({"a": float("inf"), "b": [float("nan"), 1.5]})
    assert json.loads(text) == {"a": None, "b": [None, 1.5]}


def test_numpy_scalars_count_as_python_numbers():
    import numpy as np

    hw = accelsim.load_hardware(SYSTOLIC, {"compute.rows": np.int64(16), "clock_mhz": np.float64(500.0)})
    assert hw.compute.rows == 16 and type(hw.compute.rows) is int and hw.clock_mhz == 500.0
    with pytest.raises(ConfigError, match="valid integer"):
        accelsim.load_hardware(SYSTOLIC, {"compute.rows": np.bool_(True)})
