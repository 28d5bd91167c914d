"""Crossbar chips: ISAAC's published figures, mapping counts by hand, exact small timelines,
energy bookkeeping, and configs that must be refused."""

from __future__ import annotations

import copy

import pytest

import accelsim
from accelsim.config.yamlio import read_yaml
from accelsim.errors import ConfigError, MappingError
from accelsim.figures import hardware_figures
from accelsim.workload import Layer, Workload
from accelsim.workload.mapping.crossbar import map_crossbar
from tests.conftest import ROOT

ISAAC = ROOT / "hwconfigs" / "isaac.yaml"


def test_isaac_table_one_and_table_four():
    f = hardware_figures(accelsim.load_hardware(ISAAC))
    assert f["tile_power_mw"] == pytest.approx(330, rel=0.01)
    assert f["tile_area_mm2"] == pytest.approx(0.372, rel=0.01)
    assert f["power_w"] == pytest.approx(65.8, rel=0.01)
    assert f["area_mm2"] == pytest.approx(85.4, rel=0.01)
    assert f["adc_share_of_tile_power"] == pytest.approx(0.58, abs=0.005)
    assert f["adc_share_of_tile_area"] == pytest.approx(0.31, abs=0.005)
    assert f["peak_gops_per_mm2"] == pytest.approx(478.95, rel=0.03)
    assert f["peak_gops_per_w"] == pytest.approx(627.5, rel=0.03)
    assert (f["reads_per_input"], f["read_ns"]) == (16, 100)
    assert f["crossbars"] == 168 * 12 * 8


def test_isaac_run_shows_sixteen_reads_of_100ns_per_input():
    r = accelsim.simulate(ISAAC, ROOT / "workloads" / "toy3.yaml")
    assert set(r.layers["reads_per_input"]) == {16}
    assert set(r.layers["read_ns"]) == {100.0}
    # 16 reads x 100 ns at 1.2 GHz: an input vector keeps a crossbar busy 1920 cycles
    one = r.layers.iloc[-1]  # toy_fc: one vector on one replica
    assert one["compute_cycles"] == 16 * 120


@pytest.mark.parametrize("layer,expect", [
    # conv 3x3x64 -> 128: K = 576 rows -> 5 row blocks; 16-bit weights over 8 cells -> 16 per
    # crossbar -> 8 column blocks; 40 crossbars; per input vector 16 slices x 40 reads,
    # 16 x 5 x 128 x 8 conversions, 16 x 576 x 8 DAC drives.
    (Layer(name="c", kind="conv", C=64, H=30, W=30, K=128, R=3, S=3, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1),
     dict(row_blocks=5, col_blocks=8, crossbars=40, vectors=900, crossbar=640, adc=81920, dac=73728)),
    # fc 512 -> 1000: 4 row blocks x 63 column blocks
    (Layer(name="fc", kind="linear", C=512, H=1, W=1, K=1000),
     dict(row_blocks=4, col_blocks=63, crossbars=252, vectors=1, crossbar=16 * 252, adc=16 * 4 * 1000 * 8,
          dac=16 * 512 * 63)),
    # depthwise 3x3 over 32 channels: 32 groups of one 9-row, 1-weight crossbar
    (Layer(name="dw", kind="depthwise", C=32, H=8, W=8, K=32, R=3, S=3, groups=32),
     dict(row_blocks=1, col_blocks=1, crossbars=32, vectors=36, crossbar=16 * 32, adc=16 * 32 * 8, dac=16 * 32 * 9)),
])
def test_mapping_counts_by_hand(layer, expect):
    plan = map_crossbar(layer, accelsim.load_hardware(ISAAC))
    got = dict(row_blocks=plan.row_blocks, col_blocks=plan.col_blocks, crossbars=plan.crossbars,
               vectors=plan.vectors, crossbar=plan.per_vector["crossbar"], adc=plan.per_vector["adc"],
               dac=plan.per_vector["dac"])
    assert got == expect
    r = accelsim.simulate(ISAAC, Workload("w", (layer,)))
    row = r.layers.iloc[0]
    assert row["crossbar_reads"] == expect["vectors"] * expect["crossbar"]
    assert row["adc_conversions"] == expect["vectors"] * expect["adc"]


def test_encoding_and_layer_precision_change_the_slicing():
    raw = read_yaml(ISAAC)
    raw["compute"]["precision"] = "layer"
    raw["compute"]["tile"]["ima"]["crossbar"]["weight_encoding"] = "differential"
    hw = accelsim.load_hardware(raw)
    plan = map_crossbar(Layer(name="l", kind="linear", C=256, H=1, W=1, K=100, weight_bits=8, act_bits=8), hw)
    # 8-bit weights over 2-bit cells = 4 cells, x2 differential = 8 columns -> 16 weights per crossbar
    assert (plan.cells_per_weight, plan.weights_per_crossbar, plan.slices) == (8, 16, 8)
    assert (plan.row_blocks, plan.col_blocks) == (2, 7)


def _tiny(execution):
    """1 tile, 1 IMA, 4 crossbars of 4x4 2-bit cells; 4-bit weights (2 per crossbar); 2-bit
    inputs over 1-bit DACs (2 reads of 10 cycles per vector); no replication; wide links."""
    block = {"capacity_kib": 1}
    return {"name": "tiny", "clock_mhz": 1000, "execution": execution, "fidelity": "fine",
            "compute": {"type": "crossbar", "tiles": 1, "input_bits": 2, "weight_bits": 4, "replicate": False,
                        "tile": {"imas": 1,
                                 "ima": {"crossbars": 4,
                                         "crossbar": {"rows": 4, "cols": 4, "cell_bits": 2, "device": "reram",
                                                      "read_latency_ns": 10},
                                         "adc": {"bits": 6, "sample_rate_gsps": 1.0}, "dac": {"bits": 1},
                                         "input_register": block, "output_register": block},
                                 "buffer": {"capacity_kib": 64, "bus_bits": 256},
                                 "router": {"flit_bits": 1024, "hop_latency_cycles": 0},
                                 "output_register": block},
                        "offchip": {"bandwidth_gb_per_s": 1000}}}


TWO_GEMMS = Workload("two", (Layer(name="a", kind="gemm", C=4, H=3, W=1, K=2),
                             Layer(name="b", kind="gemm", C=2, H=3, W=1, K=2)))


def test_pipelined_timeline_by_hand():
    # Inputs arrive at cycle 1. Layer a: 20 cycles per row (2 reads x 10), rows done at 21,
    # 41, 61; each reaches b 10 cycles later (last conversion) + 1 cycle on the router: 32,
    # 52, 72. Layer b runs 32-52, 52-72, 72-92; its last row leaves the chip at 92+10+1.
    r = accelsim.simulate(_tiny("pipelined"), TWO_GEMMS)
    a, b = r.layers.iloc[0], r.layers.iloc[1]
    assert (a.start_cycle, a.end_cycle, a.compute_cycles, a.stall_cycles) == (1, 61, 60, 0)
    assert (b.start_cycle, b.end_cycle, b.compute_cycles, b.stall_cycles) == (32, 92, 60, 0)
    assert r.summary["cycles"] == 103


def test_layer_by_layer_timeline_by_hand():
    # b may start only when a has finished (61): 61-81, 81-101, 101-121; out at 121+10+1.
    r = accelsim.simulate(_tiny("layer_by_layer"), TWO_GEMMS)
    a, b = r.layers.iloc[0], r.layers.iloc[1]
    assert (a.start_cycle, a.end_cycle) == (1, 61)
    assert (b.start_cycle, b.end_cycle, b.stall_cycles) == (61, 121, 0)
    assert r.summary["cycles"] == 132


def test_tile_bus_timeline_by_hand():
    # A 1-bit bus carries 1/8 byte per cycle. Layer a's row vector (4 one-byte inputs) takes
    # 32 cycles on it against 20 of crossbar reads, so each job ends 12 cycles late: rows
    # ready at 33, 65, 97, and reach b 10 + 1 cycles later (44, 76, 108). b's 2-byte
    # vectors take 16 bus cycles, under its 20 of reads: b runs 44-64, 76-96, 108-128 and
    # its last row leaves the chip at 128 + 10 + 1.
    cfg = _tiny("pipelined")
    cfg["compute"]["tile"]["buffer"]["bus_bits"] = 1
    r = accelsim.simulate(cfg, TWO_GEMMS)
    a, b = r.layers.iloc[0], r.layers.iloc[1]
    assert (a.start_cycle, a.end_cycle, a.compute_cycles, a.stall_tile_bus, a.stall_cycles) == (1, 97, 60, 36, 36)
    assert (b.start_cycle, b.end_cycle, b.compute_cycles, b.stall_tile_bus, b.stall_input) == (44, 128, 60, 0, 24)
    assert (a.tile_bus_cycles, b.tile_bus_cycles) == (96, 48)
    assert r.summary["cycles"] == 139
    # the pipeline takes a new input every 96 cycles: layer a's bus, not its 60 of reads
    assert r.summary["pipeline_interval_cycles"] == 96


def test_pooling_takes_no_router_hop_and_router_ports_bound_the_pipeline():
    from accelsim.workload.mapping.allocate import allocate

    hw = accelsim.load_hardware(ISAAC)
    wl = accelsim.load_workload(ROOT / "workloads" / "lenet5.yaml")
    plans = [map_crossbar(layer, hw) for layer in wl.layers]
    hops = allocate(plans, hw).hops
    assert [h for h, layer in zip(hops, wl.layers) if layer.is_pool] == [0, 0]
    assert all(h >= 1 for h, layer in zip(hops, wl.layers) if not layer.is_pool)
    # 1-bit flits: the ports into a layer's tiles, not its crossbars, set the pipeline's pace
    thin = accelsim.simulate(accelsim.load_hardware(ISAAC, {"compute.tile.router.flit_bits": 1}), wl)
    s, lay = thin.summary, thin.layers
    busiest_layer = int(lay[["compute_cycles", "tile_bus_cycles", "mram_bank_cycles"]].max(axis=1).max())
    assert s["pipeline_interval_cycles"] > busiest_layer
    assert s["pipeline_bound_by"].endswith("router ports")
    assert s["pipelined_inferences_per_s"] == pytest.approx(1.2e9 / s["pipeline_interval_cycles"])
    wide = accelsim.simulate(ISAAC, wl)
    assert wide.summary["pipeline_interval_cycles"] == int(wide.layers["compute_cycles"].max())
    assert wide.summary["pipeline_bound_by"] == "conv1 crossbars"


def test_fast_equals_fine_on_crossbars():
    hw = accelsim.load_hardware(ISAAC)
    wl = ROOT / "workloads" / "resnet18.yaml"
    fine = accelsim.simulate(hw, wl, fidelity="fine")
    fast = accelsim.simulate(hw, wl, fidelity="fast")
    assert abs(fine.summary["cycles"] - fast.summary["cycles"]) <= 0.005 * fine.summary["cycles"]
    assert fine.summary["crossbar_reads"] == fast.summary["crossbar_reads"]


@pytest.mark.parametrize("hw,overrides", [
    ("neurosim_reram", {}),  # 784 replicas: a vector every 0.1 cycle, bus-bound in places
    ("isaac", {"compute.tile.buffer.bus_bits": 8}),  # bus-bound layers
    ("isaac", {"compute.tile.router.flit_bits": 1}),  # router-port-bound
    ("isaac", {"compute.tile.buffer.technology": "stt_mram"}),  # stochastic tile-buffer writes
])
def test_fast_equals_fine_when_buses_ports_or_banks_bind(hw, overrides):
    # Per-vector jobs (fine) must not lose fractional cycles that per-row jobs (fast) keep.
    cfg = accelsim.load_hardware(ROOT / "hwconfigs" / f"{hw}.yaml", overrides)
    wl = ROOT / "workloads" / "lenet5.yaml"
    fine = accelsim.simulate(cfg, wl, fidelity="fine").summary
    fast = accelsim.simulate(cfg, wl, fidelity="fast").summary
    assert abs(fine["cycles"] - fast["cycles"]) <= 0.005 * fine["cycles"]
    assert fine["pipeline_interval_cycles"] == fast["pipeline_interval_cycles"]


@pytest.mark.parametrize("hw,wl", [(ISAAC, "resnet18"), (ROOT / "hwconfigs" / "systolic_32x32.yaml", "resnet18"),
                                   (ROOT / "hwconfigs" / "sac.yaml", "alexnet_sac"),
                                   (ROOT / "hwconfigs" / "era_bs.yaml", "toy3")])
def test_energy_is_counts_times_table_plus_leakage(hw, wl):
    from accelsim.energy import energy_table

    r = accelsim.simulate(hw, ROOT / "workloads" / f"{wl}.yaml")
    comp = r.components.set_index(["component", "stat"])["value"]
    seconds = r.summary["seconds"]
    expected: dict[str, float] = {}
    for e in energy_table(accelsim.load_hardware(hw)):
        counted = sum(comp.get((e.component, s), 0.0) for s in e.stats)
        expected[e.component] = expected.get(e.component, 0.0) + counted * e.pj_per_unit + e.leakage_mw * 1e9 * seconds
    for component, pj in expected.items():
        assert comp[(component, "energy_pj")] == pytest.approx(pj, rel=1e-12, abs=1e-3)  # to the fJ
    assert r.summary["energy_pj"] == pytest.approx(sum(expected.values()), rel=1e-12)
    assert r.layers["energy_pj"].sum() == pytest.approx(r.summary["energy_pj"], rel=1e-9)


def test_adc_too_coarse_for_lossless_conversion():
    raw = read_yaml(ISAAC)
    raw["compute"]["tile"]["ima"]["adc"]["flip_encoding"] = False  # 9 bits needed, 8 present
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(raw)
    assert info.value.key == "compute.tile.ima" and "9 bits needed" in info.value.reason


def test_network_that_does_not_fit(tmp_path):
    raw = read_yaml(ISAAC)
    raw["compute"]["tiles"] = 4
    with pytest.raises(MappingError, match="needs .* crossbars .* has 384"):
        accelsim.simulate(raw, ROOT / "workloads" / "resnet18.yaml")
    allowed = copy.deepcopy(raw)
    allowed["compute"]["allow_reprogramming"] = True
    r = accelsim.simulate(allowed, ROOT / "workloads" / "resnet18.yaml")
    assert r.summary["time_multiplexed"] and r.layers["program_cycles"].sum() > 0
    comp = r.components.set_index(["component", "stat"])["value"]
    assert comp[("crossbar", "cell_writes")] > 0
