"""The layer-chain check: each layer's input matches its producer's output."""

from __future__ import annotations

import pytest

import accelsim
from accelsim.errors import WorkloadError
from accelsim.workload.chain import READS, WRITES, check_chain
from tests.conftest import WORKLOADS

HEAD = "name: w\nlayers:\n"
C1 = "  - {name: c1, type: conv, C: 3, H: 8, W: 8, K: 4, R: 3, S: 3, padding: 1}\n"


@pytest.mark.parametrize("path", WORKLOADS, ids=lambda p: p.name)
def test_every_shipped_workload_chains(path):
    workload = accelsim.load_workload(path)  # the loader runs the check on the listed layers
    listed = workload.layers[len(workload.layers) - workload.meta["listed"]:]
    assert workload.meta["chain"] is True
    check_chain(listed, workload.meta.get("inputs"), str(path))


@pytest.mark.parametrize("line,key,reason", [
    ("  - {name: c2, type: conv, C: 5, H: 8, W: 8, K: 4, R: 3, S: 3}\n", "layers[1] (c2)",
     "C = 5, but 4 channels are output by its producer layers[0] (c1)"),
    ("  - {name: c2, type: conv, C: 4, H: 9, W: 8, K: 4, R: 3, S: 3}\n", "layers[1] (c2)", "H = 9, but 8 rows"),
    ("  - {name: p, type: maxpool, C: 4, H: 8, W: 7, R: 2, S: 2, stride: 2}\n", "layers[1] (p)", "W = 7, but 8 columns"),
    ("  - {name: fc, type: linear, in_features: 255, out_features: 10}\n", "layers[1] (fc)",
     "in_features 255 != 256 values output by its producer layers[0] (c1)"),
    ("  - {name: c2, input: nosuch, type: conv, C: 4, H: 8, W: 8, K: 4, R: 3, S: 3}\n", "layers[1] (c2).input",
     "no earlier layer is named 'nosuch'"),
])
def test_a_broken_chain_names_both_layers(tmp_yaml, line, key, reason):
    path = tmp_yaml(HEAD + C1 + line, "w.yaml")
    with pytest.raises(WorkloadError) as info:
        accelsim.load_workload(path)
    assert info.value.key == key and reason in info.value.reason


def test_input_names_another_producer_and_chain_false_opts_out(tmp_yaml):
    c2 = "  - {name: c2, type: conv, C: 4, H: 8, W: 8, K: 6, R: 3, S: 3, padding: 1}\n"
    short = "  - {name: sc, type: conv, C: 4, H: 8, W: 8, K: 6, R: 1, S: 1}\n"
    with pytest.raises(WorkloadError, match="C = 4, but 6 channels"):
        accelsim.load_workload(tmp_yaml(HEAD + C1 + c2 + short, "a.yaml"))
    fixed = short.replace("{name: sc,", "{name: sc, input: c1,")
    assert len(accelsim.load_workload(tmp_yaml(HEAD + C1 + c2 + fixed, "b.yaml"))) == 3
    loose = "chain: false\n" + HEAD + C1 + "  - {name: c2, type: conv, C: 5, H: 8, W: 8, K: 4, R: 3, S: 3}\n"
    assert len(accelsim.load_workload(tmp_yaml(loose, "c.yaml"))) == 2


def test_unknown_kinds_are_skipped():
    from dataclasses import replace

    workload = accelsim.load_workload(WORKLOADS[0])
    layers = list(workload.layers)
    odd = replace(layers[1], kind="futurekind", C=layers[1].C + 1)
    assert "futurekind" not in READS and "futurekind" not in WRITES
    check_chain([layers[0], odd, replace(layers[2], C=layers[2].C + 7)], {}, "x")


def test_compress_keeps_the_chain(tmp_path):
    from accelsim.cli import main
    from tests.conftest import ROOT

    out = tmp_path / "r18"
    assert main(["compress", str(ROOT / "workloads" / "resnet18_pruned.yaml"), "-o", str(out), "-q"]) == 0
    loaded = accelsim.load_workload(out.with_suffix(".yaml"))
    assert loaded.meta["inputs"]["l2_0_down"] == "l1_1_conv2"


def test_a_layer_override_is_an_explicit_edit_not_a_broken_chain():
    from tests.conftest import ROOT

    lenet = ROOT / "workloads" / "lenet5.yaml"
    assert accelsim.load_workload(lenet, {"layers.conv1.K": 32}).layers[0].K == 32
    with pytest.raises(WorkloadError, match="C = 6, but 32 channels"):
        accelsim.load_workload(lenet, {"layers.conv1.K": 32, "chain": True})


@pytest.mark.parametrize("layer", [
    "{name: g, type: gemm, M: 16777216, K: 16777216, N: 16777216}",
    "{name: p, type: maxpool, C: 16777216, H: 16777216, W: 16777216, R: 2, S: 2}",
])
def test_a_layer_whose_counts_overflow_int64_is_refused(tmp_yaml, layer):
    path = tmp_yaml(f"name: w\nlayers:\n  - {layer}\n", "w.yaml")
    with pytest.raises(WorkloadError, match="at most 1.15e[+]18 [(]2\\^60[)]"):
        accelsim.load_workload(path)
