"""Every shipped config and workload loads and simulates, with the invariants that hold for all."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import accelsim
from tests.conftest import HWCONFIGS, ROOT, WORKLOADS

# MACs at batch defaults, from the layer shapes (checked against the papers' totals in workloads/README.md)
EXPECTED_MACS = {
    "resnet18": 1_814_073_344,       # equals SCALE-Sim's ResNet-18 reference run
    "resnet18_pruned": 1_814_073_344,  # resnet18's shapes with a compression block (dense count)
    "resnet18_erabs": 1_814_073_344,
    "resnet50": 3_857_973_248,
    "mobilenetv1": 568_740_352,      # Howard et al. 2017: 569 M mult-adds
    "alexnet": 2_897_627_264,        # batch 4; CONV part 2,663,139,456 = Eyeriss's 2.66 G per batch
    "vgg16": 15_470_264_320,
    "bert_base": 11_173_625_856,     # unchanged from the earlier all-gemm form: attention is matmul now
    "gpt2": 145_824_153_600,         # tests/test_transformer_block.py derives these four from the papers' shapes
    "vit_b16": 17_563_828_224,
    "llama2_7b_prefill": 14_630_806_093_824,
    "llama2_7b_decode": 7_144_210_432,
    "toy3": 1_917_328,               # equals SCALE-Sim's toy3 reference run
    "lenet5": 416_520,
    "alexnet_sac": 2_897_627_264,   # alexnet.yaml's layers with a prune + cluster block
    "resnet20_cifar": 40_551_040,    # He et al. 2016, CIFAR-10 n = 3 (0.27 M weights)
    "resnet18_cifar": 555_422_720,   # CIFAR-10 ResNet-18 (3x3 stem, no max pool)
    "vgg16_cifar": 313_201_664,      # configuration D convs at 32x32, fc 512 -> 10
}


def test_every_shipped_workload_is_listed():
    assert {p.stem for p in WORKLOADS} == set(EXPECTED_MACS)


@pytest.mark.parametrize("path", WORKLOADS, ids=[p.stem for p in WORKLOADS])
def test_workload_loads_with_expected_macs_and_cites_a_source(path):
    wl = accelsim.load_workload(path)
    assert wl.macs == EXPECTED_MACS[path.stem]
    assert wl.source.strip()


@pytest.mark.parametrize("path", HWCONFIGS, ids=[p.stem for p in HWCONFIGS])
def test_config_loads_and_cites_a_source(path):
    hw = accelsim.load_hardware(path)
    assert hw.source.strip() and hw.name == path.stem


def _crossbars_needed(hw, workload) -> int:
    """Crossbars a network needs, counted independently of the mapper."""
    chip = hw.compute
    xbar = chip.tile.ima.crossbar
    total = 0
    for layer in workload.layers:
        if layer.is_pool or layer.is_vector or (layer.dynamic and not chip.dynamic_on_cells):
            continue
        bits = (chip.input_bits if layer.dynamic else chip.weight_bits) if chip.precision == "chip" \
            else layer.weight_bits
        cells = -(-bits // xbar.cell_bits) * (2 if xbar.weight_encoding == "differential" else 1)
        k, n = layer.R * layer.S * layer.C // layer.groups, layer.K // layer.groups
        total += layer.groups * -(-k // xbar.rows) * -(-n // (xbar.cols // cells))
    return total


# Transformers take seconds to minutes per run: in the default suite BERT runs on one chip of each
# family here, and every transformer on a chip of each family in test_transformer_block.py
# (test_shipped_transformers_on_every_chip_family); the whole matrix only under -m slow.
LARGE = {"gpt2", "vit_b16", "llama2_7b_prefill", "llama2_7b_decode"}
QUICK_FOR_BERT = {"systolic_32x32", "eyeriss", "isaac", "mram_crossbar"}


def _pairs():
    for wl in WORKLOADS:
        for hw in HWCONFIGS:
            slow = wl.stem in LARGE or (wl.stem == "bert_base" and hw.stem not in QUICK_FOR_BERT)
            yield pytest.param(hw, wl, id=f"{wl.stem}-{hw.stem}", marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize("hw, wl", list(_pairs()))
def test_simulates_with_consistent_books(hw, wl):
    workload = accelsim.load_workload(wl)
    config = accelsim.load_hardware(hw)
    crossbar = config.compute.type == "crossbar"
    if crossbar and _crossbars_needed(config, workload) > config.compute.crossbars:
        with pytest.raises(accelsim.MappingError, match="crossbars"):
            accelsim.simulate(config, workload)
        config = accelsim.load_hardware(config, {"compute.allow_reprogramming": True})
    r = accelsim.simulate(config, workload)
    layers = r.layers
    assert list(layers["layer"]) == [layer.name for layer in workload.layers]
    assert (layers["cycles"] == layers["compute_cycles"] + layers["stall_cycles"]).all()
    assert (layers["cycles"] > 0).all()
    if config.execution == "layer_by_layer" and not crossbar:
        assert (layers["start_cycle"].iloc[1:].values == layers["end_cycle"].iloc[:-1].values).all()
    else:  # layers may overlap, but each starts no earlier than its producer
        assert (layers["start_cycle"].diff().iloc[1:] >= 0).all()
    assert layers["macs"].sum() == workload.macs == r.summary["macs"]
    assert 0 < r.summary["utilization"] <= 1
    assert r.summary["cycles"] >= layers["end_cycle"].max()
    assert r.summary["energy_pj"] > 0 and r.summary["area_mm2"] > 0
    comp = r.components.set_index(["component", "stat"])["value"]
    if crossbar:
        assert comp[("units", "macs")] == workload.macs
    else:  # MACs that spent energy + those zero gating skipped = what the (pruned) layers ran
        shared = comp.get(("pe_array", "shared_adds"), 0)  # weight sharing turns MACs into adds
        executed = (shared or comp[("pe_array", "macs")]) + comp[("pe_array", "gated_macs")]
        assert executed == layers["executed_macs"].sum() <= workload.macs
        if not any(layer.compression for layer in workload.layers):
            assert executed == workload.macs


def test_cli_run_writes_the_three_files(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "accelsim", "run", "hwconfigs/systolic_32x32.yaml",
                           "workloads/toy3.yaml", "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "toy_conv2" in proc.stdout and "cycles" in proc.stdout
    layers = pd.read_csv(out / "layers.csv")
    assert list(layers["layer"]) == ["toy_conv1", "toy_conv2", "toy_fc"]
    for col in ("layer", "compute_cycles", "stall_cycles", "cycles", "macs", "utilization"):
        assert col in layers.columns
    summary = json.loads((out / "summary.json").read_text())
    direct = accelsim.simulate(ROOT / "hwconfigs/systolic_32x32.yaml", ROOT / "workloads/toy3.yaml")
    assert summary["cycles"] == direct.summary["cycles"] == layers["end_cycle"].iloc[-1] + summary["drain_cycles"]
    assert pd.read_csv(out / "components.csv").columns.tolist() == ["component", "stat", "unit", "value"]
    assert not list(out.glob(".*.tmp"))


def test_cli_check_json():
    proc = subprocess.run([sys.executable, "-m", "accelsim", "check", "hwconfigs/systolic_32x32.yaml", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0
    figures = json.loads(proc.stdout)
    assert figures["peak_macs_per_s"] == 32 * 32 * 1e9
    assert figures["buffer_total_kib"] == 192
    assert figures["dram_bandwidth_gb_per_s"] == 16.0


def test_scalesim_cfg_accepted_wherever_a_config_is():
    proc = subprocess.run([sys.executable, "-m", "accelsim", "check",
                           "tests/data/scalesim/toy3_32x32_os/cfg_32x32_os.cfg", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0
    figures = json.loads(proc.stdout)
    assert figures["array"] == "32x32" and figures["dataflow"] == "os" and figures["dram_bandwidth_gb_per_s"] is None
