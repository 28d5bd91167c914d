"""Crossbar accounting stays consistent under compaction and skipping (issue 11, item 4).

Each test failed before its fix: ADC conversions and sample-and-holds ignored the compacted
array factor; input-register traffic used the dense column blocks while the DACs were
compacted; the replication allocator ranked layers without their skipped input slices.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import accelsim
from accelsim.workload import Layer
from accelsim.workload.compression import Geometry, compress
from accelsim.workload.compression.result import HardwareStats
from accelsim.workload.mapping.allocate import allocate
from accelsim.workload.mapping.crossbar import map_crossbar
from tests.conftest import ROOT

# 256 reduction rows (2 row blocks of 128) x 64 filters
FC = Layer(name="fc", kind="linear", C=256, H=1, W=1, K=64, weight_bits=16, act_bits=16)


def _hw(name, **overrides):
    return accelsim.load_hardware(ROOT / "hwconfigs" / name, overrides)


def _row_pruned_stats():
    """16-bit codes on 2-bit cells, the second row block all zero: half the arrays are free."""
    w = np.random.default_rng(0).normal(size=(1, 256, 64))
    w[:, 128:] = 0.0
    return compress(w, [{"scheme": "quantize", "bits": 16}], geometry=Geometry(128, 128, 2)).hw


def test_row_pruned_layer_converts_only_its_occupied_arrays():
    stats = _row_pruned_stats()
    assert (stats.crossbars_dense, stats.crossbars_compressed) == (8, 4)
    assert stats.converted_column_fraction == 0.5 and stats.freed_bit_columns == 0.5
    hw = _hw("pim_prune.yaml", **{"compute.weight_bits": 16, "compute.input_bits": 16})
    dense, packed = map_crossbar(FC, hw), map_crossbar(FC, hw, stats)
    assert packed.crossbars == dense.crossbars // 2
    for action in ("adc", "sample_hold", "ima_shift_add"):
        assert packed.per_vector[action] == dense.per_vector[action] / 2
    # rows pruned across every row block free arrays but no whole column segment:
    # the conversions still fall with the arrays (the fallback for stats without the packing)
    rows_only = HardwareStats(weight_bits=16, crossbars_dense=8, crossbars_compressed=4)
    assert map_crossbar(FC, hw, rows_only).per_vector["adc"] == dense.per_vector["adc"] / 2


def test_input_register_traffic_follows_the_driven_rows():
    stats = _row_pruned_stats()
    assert stats.driven_row_fraction == 0.5
    hw = _hw("pim_prune.yaml", **{"compute.weight_bits": 16, "compute.input_bits": 16})
    dense, packed = map_crossbar(FC, hw), map_crossbar(FC, hw, stats)
    # 256 rows x 2 B x 4 column blocks (16 filters of 8 cells per array), then half of them
    assert dense.per_vector["input_register"] == 256 * 2 * 4
    assert packed.per_vector["input_register"] == dense.per_vector["input_register"] / 2
    # one register read per row driven per vector, whatever the slices: DACs / slices
    assert packed.per_vector["input_register"] == packed.per_vector["dac"] / packed.slices * 2


def test_allocator_ranks_layers_by_the_time_their_units_take():
    hw = _hw("era_bs.yaml", **{"compute.tiles": 1})           # 96 crossbars
    layer = Layer(name="a", kind="linear", C=128, H=1, W=1, K=16, N=4096)   # one crossbar each
    plans = [map_crossbar(layer, hw, None, 0.75), map_crossbar(dataclasses.replace(layer, name="b"), hw, None, 0.0)]
    alloc = allocate(plans, hw)
    a, b = alloc.replicas
    assert a + b == 96
    # the unit of `a` skips 3/4 of its reads: it needs a quarter of b's copies for the same pace
    assert (a, b) == (20, 76)   # ranked without the skip: (48, 48)
    slowest = max(p.vectors * p.vector_cycles(r) for p, r in zip(plans, alloc.replicas))
    assert slowest == pytest.approx(plans[1].vectors * plans[1].vector_cycles(76))

