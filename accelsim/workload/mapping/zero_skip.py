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

Zero activations (compute.activation_skipping, the data pass's measured share of zero inputs,
1 - d_a): a PE streams its ifmap row of W = (Q - 1) U + S inputs per channel, cut into blocks of
`activation_skip_granularity`; an all-zero block is skipped, a kept one costs its full size. Each
kept input then meets the kept weights of its p filter rows, Q S / W taps of each on average (an
interior input of a stride-1 row meets all S), so a PE's cost is

    sum over its q channels of (Q / W) x A x B,   A ~ kept inputs of the row, B = sum of p row costs

(exact in expectation; with no zero activations A = W and it is the weights-only cost). Every PE
then has its own inputs, so all r x e x sets PEs of a pass are units of the maximum (taken as
independent: PEs that share an ifmap row on a diagonal are correlated, which this ignores and
which overstates the loss a little). Eyeriss itself only gates zero activations (energy, not
time: compute.activation_gating); the skipping chips are the compressed-domain PEs of Eyeriss v2
and SCNN-style designs.
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


def product_pmf(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """pmf of A x B for independent A, B on 0..len-1."""
    out = np.zeros((len(a) - 1) * (len(b) - 1) + 1)
    values = np.multiply.outer(np.arange(len(a)), np.arange(len(b)))
    np.add.at(out, values.ravel(), np.multiply.outer(a, b).ravel())
    return out


def sum_pmf(pmf: np.ndarray, n: int) -> np.ndarray:
    """pmf of the sum of n independent draws (FFT for long supports; clipped at the round-off)."""
    if n == 1 or len(pmf) * n < 4096:
        out = np.ones(1)
        for _ in range(n):
            out = np.convolve(out, pmf)
        return out
    size = (len(pmf) - 1) * n + 1
    out = np.fft.irfft(np.fft.rfft(pmf, size) ** n, size)
    out = np.clip(out, 0.0, None)
    return out / out.sum()


def skip_zeros(plan: LayerPlan, density: float, hw, act_density: float = 1.0) -> LayerPlan:
    """The plan with each pass's service time cut to its slowest PE's kept weights (and kept
    activations, when `act_density` < 1: the share of nonzero inputs)."""
    array = hw.compute
    layer = plan.layer
    if plan.unit != "pe_array" or (density >= 1.0 and act_density >= 1.0):
        return plan
    g = rs_geometry(layer, array.rows, array.cols, array.filter_spad_words, array.ifmap_spad_words,
                    array.psum_spad_words)
    row = row_cost_pmf(layer.S, min(density, 1.0), array.skip_granularity)
    if act_density >= 1.0:
        pe = sum_pmf(row, g["p"] * g["q"])
        fold = layer.Q * expected_max(pe, g["sets"] * g["r"])
    else:
        width = (layer.Q - 1) * layer.stride_w + layer.S
        inputs = row_cost_pmf(width, act_density, array.activation_skip_granularity)
        channel = product_pmf(inputs, sum_pmf(row, g["p"]))
        pe = sum_pmf(channel, g["q"])
        fold = layer.Q / width * expected_max(pe, g["used_pes"])
    fold = max(1, math.ceil(fold - 1e-9))
    return dataclasses.replace(plan, fold_cycles=min(fold, plan.fold_cycles),
                               time_density=min(density, 1.0) * min(act_density, 1.0))
