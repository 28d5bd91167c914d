"""Zero skipping in time on a row-stationary PE array: a pass over the plan's fold service times.

A chip with `zero_skipping` (compute.zero_skipping: true) does not spend cycles on pruned
weights: a PE streams only the non-skippable weights of each filter row it holds. A filter
row (S weights of one filter and one channel) is cut into blocks of `skip_granularity`
weights; a block is skipped only if all its weights are zero, and a kept block costs its full
size (its zero weights still take their cycles).

Per pass (one fold of the plan) each PE works through p x q filter rows, each slid over Q
output columns, so its time is Q x (kept weights of its p q rows). PEs of one PE set's row
share one filter row, so a pass has sets x r distinct work units; the array advances in
lockstep, so the pass lasts as long as its slowest unit:

    fold_cycles = ceil(Q x E[max over sets x r units of sum of p q row costs])

That maximum over units is the load-balancing loss (E[max] / E[mean] > 1). The row cost is a
distribution built from the layer's measured density d: weights of a filter row are taken as
independently nonzero with probability d (exact for unstructured magnitude pruning of i.i.d.
weights, the synthetic workloads; clustered zeros of a trained network raise the spread and
so the loss). A block of g weights is kept with probability 1 - (1 - d)^g.
Fast and fine fidelity both cut jobs from the adjusted plan, so they agree.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from accelsim.workload.mapping.plan import LayerPlan
from accelsim.workload.mapping.row_stationary import rs_geometry


def row_cost_pmf(S: int, density: float, granularity: int) -> np.ndarray:
    """pmf[c] = P(a filter row of S weights costs c cycles per output column)."""
    pmf = np.zeros(1)
    pmf[0] = 1.0
    for start in range(0, S, granularity):
        size = min(granularity, S - start)
        keep = 1.0 - (1.0 - density) ** size
        block = np.zeros(size + 1)
        block[0], block[size] = 1.0 - keep, keep
        pmf = np.convolve(pmf, block)
    return pmf


def expected_max(pmf: np.ndarray, units: int) -> float:
    """E[max of `units` independent draws] of a variable on 0..len(pmf)-1 with that pmf."""
    cdf = np.minimum(np.cumsum(pmf), 1.0)
    below = np.concatenate(([0.0], cdf[:-1]))
    return float(np.sum(np.arange(len(pmf)) * (cdf**units - below**units)))


def skip_zeros(plan: LayerPlan, density: float, hw) -> LayerPlan:
    """The plan with each pass's service time cut to its slowest PE's kept weights."""
    array = hw.compute
    layer = plan.layer
    if plan.unit != "pe_array" or density >= 1.0:
        return plan
    g = rs_geometry(layer, array.rows, array.cols, array.filter_spad_words, array.ifmap_spad_words,
                    array.psum_spad_words)
    row = row_cost_pmf(layer.S, density, array.skip_granularity)
    pe = np.ones(1)
    for _ in range(g["p"] * g["q"]):
        pe = np.convolve(pe, row)
    units = g["sets"] * g["r"]
    fold = max(1, math.ceil(layer.Q * expected_max(pe, units) - 1e-9))
    return dataclasses.replace(plan, fold_cycles=min(fold, plan.fold_cycles), time_density=density)
