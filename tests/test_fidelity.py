"""fast vs fine fidelity: identical with no shared resource, within 0.5 % with one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.workload import Layer, Workload


@st.composite
def layers(draw):
    kind = draw(st.sampled_from(["conv", "depthwise", "gemm"]))
    if kind == "gemm":
        return Layer(name="l", kind="gemm", C=draw(st.integers(1, 1500)), H=draw(st.integers(1, 800)), W=1,
                     K=draw(st.integers(1, 600)))
    c = draw(st.integers(1, 96))
    h = draw(st.integers(3, 40))
    r = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 2))
    if kind == "depthwise":
        return Layer(name="l", kind="depthwise", C=c, H=h, W=h, K=c, R=r, S=r, groups=c,
                     stride_h=stride, stride_w=stride, pad_top=r // 2, pad_bottom=r // 2, pad_left=r // 2, pad_right=r // 2)
    return Layer(name="l", kind="conv", C=c, H=h, W=h, K=draw(st.integers(1, 200)), R=r, S=r,
                 stride_h=stride, stride_w=stride)


def _hw(df, rows, cols, bandwidth, latency_ns, kib):
    return {"name": "t", "clock_mhz": 1000,
            "compute": {"type": "systolic", "rows": rows, "cols": cols, "dataflow": df},
            "memory": {"ifmap_sram": {"capacity_kib": kib}, "filter_sram": {"capacity_kib": kib},
                       "ofmap_sram": {"capacity_kib": kib},
                       "dram": {"bandwidth_bytes_per_cycle": bandwidth, "latency_ns": latency_ns}}}


def _both(hw, wl):
    fine = accelsim.simulate(hw, wl, fidelity="fine")
    fast = accelsim.simulate(hw, wl, fidelity="fast")
    return fine, fast


settings.register_profile("fidelity", max_examples=40, deadline=None)


@settings(max_examples=40, deadline=None)
@given(layer=layers(), df=st.sampled_from(["os", "ws", "is"]), rows=st.integers(4, 64), cols=st.integers(4, 64))
def test_identical_when_nothing_is_shared(layer, df, rows, cols):
    wl = Workload("w", (layer, layer.__class__(**{**layer.__dict__, "name": "l2"})))
    fine, fast = _both(_hw(df, rows, cols, "unlimited", 0, 64), wl)
    assert fine.layers["cycles"].tolist() == fast.layers["cycles"].tolist()
    assert fine.summary["cycles"] == fast.summary["cycles"]
    assert fine.layers["stall_cycles"].sum() == 0 == fast.layers["stall_cycles"].sum()


@settings(max_examples=40, deadline=None)
@given(layer=layers(), df=st.sampled_from(["os", "ws", "is"]), rows=st.integers(4, 64), cols=st.integers(4, 64),
       bandwidth=st.sampled_from([0.5, 1, 3, 8, 32]), latency=st.sampled_from([0, 50, 200]),
       kib=st.sampled_from([2, 16, 64]))
def test_within_half_a_percent_with_shared_dram(layer, df, rows, cols, bandwidth, latency, kib):
    wl = Workload("w", (layer, layer.__class__(**{**layer.__dict__, "name": "l2"})))
    fine, fast = _both(_hw(df, rows, cols, bandwidth, latency, kib), wl)
    a, b = fine.summary["cycles"], fast.summary["cycles"]
    assert abs(a - b) <= 0.005 * a
    # traffic and work are the same whatever the job size
    for key in ("macs", "compute_cycles", "dram_read_bytes", "dram_write_bytes"):
        assert fine.summary[key] == fast.summary[key]


def test_same_seed_same_bits():
    hw = _hw("ws", 16, 16, 4, 100, 16)
    wl = Workload("w", (Layer(name="l", kind="conv", C=32, H=20, W=20, K=64, R=3, S=3),))
    a = accelsim.simulate(hw, wl, seed=7)
    b = accelsim.simulate(hw, wl, seed=7)
    assert a.layers.equals(b.layers) and a.components.equals(b.components) and a.summary == b.summary


def _paced(layer, hw) -> bool:
    from accelsim.components.controller import needs_pacing
    from accelsim.workload.mapping import map_workload

    config = accelsim.load_hardware(hw)
    buffers = {s: getattr(config.memory, f"{s}_sram").capacity_bytes for s in ("ifmap", "filter", "ofmap")}
    return needs_pacing(map_workload(Workload("w", (layer,)), config)[0], "fast", buffers)


@settings(max_examples=8, deadline=None)
@given(m=st.integers(200, 1400), k=st.integers(300, 1500), n=st.integers(100, 400),
       df=st.sampled_from(["os", "ws", "is"]), rows=st.integers(8, 32), cols=st.integers(8, 32),
       bandwidth=st.sampled_from([1, 8, 32]), latency=st.sampled_from([0, 200]), kib=st.sampled_from([2, 16]))
def test_big_fold_layers_are_batched_and_stay_within_half_a_percent(m, k, n, df, rows, cols, bandwidth, latency, kib):
    """Layers whose folds overflow quarter-buffer jobs: fast batches them anyway (a bounded
    job count) and paces the batches at fine's steady-state fold period."""
    from hypothesis import assume

    layer = Layer(name="l", kind="gemm", C=k, H=m, W=1, K=n)
    hw = _hw(df, rows, cols, bandwidth, latency, kib)
    assume(_paced(layer, hw))
    wl = Workload("w", (layer, Layer(**{**layer.__dict__, "name": "l2"})))
    fine, fast = _both(hw, wl)
    a, b = fine.summary["cycles"], fast.summary["cycles"]
    assert abs(a - b) <= 0.005 * a
    for key in ("macs", "compute_cycles", "dram_read_bytes", "dram_write_bytes"):
        assert fine.summary[key] == fast.summary[key]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(m=st.integers(1, 64), k=st.integers(500, 1400), n=st.integers(500, 1400),
       df=st.sampled_from(["os", "ws", "is"]), rows=st.integers(16, 32), cols=st.integers(16, 32),
       bandwidth=st.sampled_from([0.5, 3, 8, 32]), latency=st.sampled_from([0, 50, 200]), kib=st.sampled_from([2, 16]))
def test_streamed_weight_layers_are_batched_and_stay_within_half_a_percent(m, k, n, df, rows, cols, bandwidth,
                                                                           latency, kib):
    """Layers that stream many buffers' worth of weights (an LLM's decode step: few tokens,
    big matrices): quarter-buffer jobs would grow with the bytes, so fast batches and paces
    them all the same."""
    from hypothesis import assume

    layer = Layer(name="l", kind="gemm", C=k, H=m, W=1, K=n)
    hw = _hw(df, rows, cols, bandwidth, latency, kib)
    assume(_paced(layer, hw))
    fine, fast = _both(hw, Workload("w", (layer, Layer(**{**layer.__dict__, "name": "l2"}))))
    a, b = fine.summary["cycles"], fast.summary["cycles"]
    assert abs(a - b) <= 0.005 * a
    for key in ("macs", "compute_cycles", "dram_read_bytes", "dram_write_bytes"):
        assert fine.summary[key] == fast.summary[key]


# Counterexamples found by random runs of the property test above, each pinned with what
# went wrong: (m, k, n, dataflow, rows, cols, bytes/cycle, latency ns, KiB).
PINNED = [
    # a fold loads about as long as it computes: batches waited for all their bytes before
    # computing (fast 7.3 % over fine: 306,228 vs 285,340 cycles)
    (513, 304, 105, "ws", 8, 8, 8, 200, 16),
    # fine's fold period drifts by 0.4 % over its first 500 folds (a 58-fold ifmap window
    # settling against a 2-fold filter window): a period fitted on 64 folds was 0.53 % off
    (225, 326, 328, "is", 19, 8, 32, 200, 16),
    # folds larger than the buffers: a batch's filter bytes queued behind all its ifmap bytes
    # on the link, so its first fold started late (0.72 % with the batches streamed)
    (562, 1427, 399, "os", 10, 25, 8, 0, 2),
    # write-back behind two batches of prefetched operands held the ofmap room: +0.34 %
    (54, 2350, 2581, "os", 7, 25, 8, 50, 2),
    # free-running single folds at a layer's ends settled into another mode of fine's
    # fold-by-fold timing than fine's own (-0.52 % with 8 of them at each end, tail unpaced)
    (534, 1000, 117, "ws", 28, 8, 32, 200, 2),
    # partial sums read and written back per fold: a batch's outputs drained only after it,
    # so the batches after a big one waited on ofmap room (+1.29 %)
    (643, 1164, 114, "is", 15, 32, 8, 200, 2),
    # a loader with nothing left of its batch went on at once while the other operand still
    # loaded the batch's rest: its next batch's bytes went on the link ahead of it (+1.0 %)
    (739, 484, 266, "is", 35, 38, 1, 200, 64),
]


# Two paced-layer gaps, each once a strict xfail (docs/timing-model.md, "Two gaps, closed").
# (1) m=1: the ifmap is 0 or 1 byte a fold (a decode step's single token), found by a
#     60-example run of the streamed-weight property test (seed 2): fine 96,686, fast 97,187
#     (+0.52 %). (2) 272 folds of one 256-byte ifmap fold each, an eighth of the buffer, found
#     by the shared-DRAM property test: fine 39,058, fast 39,359 (+0.77 %; fast's batches
#     stalled 186 cycles on the ifmap stream in the layer's second copy). Two causes: a
#     streamed batch's item, put at once, overtook the earlier jobs' items still on their way,
#     so the array started the layer's first fold ~100 cycles before its bytes arrived; and a
#     loader whose batch had nothing left to load still waited for the batch to start before
#     loading the next job, so the tail's single folds arrived a latency late. Now fast is
#     96,688 and 39,060 cycles. (3) Found by a random harness after that fix: a batch's rest,
#     booked once its first folds had left, queued behind the other loader's next batch
#     (+0.51 %, now +0.35 %).
GAPS = [(1, 500, 500, "ws", 16, 16, 8, 200, 2), (67, 65, 61, "os", 4, 4, 8, 200, 2),
        (128, 1006, 329, "ws", 55, 24, 32, 0, 16)]


@pytest.mark.parametrize("m, k, n, df, rows, cols, bandwidth, latency, kib", GAPS + PINNED[:1])
def test_a_paced_layers_first_folds_end_as_in_fine(m, k, n, df, rows, cols, bandwidth, latency, kib):
    """A paced layer's first EDGE_FOLDS folds are single jobs, loaded as fine loads them: they
    end on the same cycles, whatever batches stream behind them (a batch's item, put at once,
    used to overtake theirs, and the first fold started before its bytes had arrived)."""
    from accelsim.components.controller import EDGE_FOLDS
    from accelsim.engine import SimContext
    from accelsim.engine.chip import build_chip

    layer = Layer(name="l", kind="gemm", C=k, H=m, W=1, K=n)
    ends = {}
    for fidelity in ("fine", "fast"):
        hw = accelsim.load_hardware(_hw(df, rows, cols, bandwidth, latency, kib), {"fidelity": fidelity})
        chip = build_chip(SimContext(clock_mhz=hw.clock_mhz), hw)
        ends[fidelity] = []
        chip.run(chip.map(Workload("w", (layer,))), job_ends=ends[fidelity])
    assert ends["fast"][:EDGE_FOLDS] == ends["fine"][:EDGE_FOLDS]


@pytest.mark.parametrize("m, k, n, df, rows, cols, bandwidth, latency, kib", GAPS + PINNED)
def test_pinned_paced_layers_within_half_a_percent(m, k, n, df, rows, cols, bandwidth, latency, kib):
    layer = Layer(name="l", kind="gemm", C=k, H=m, W=1, K=n)
    hw = _hw(df, rows, cols, bandwidth, latency, kib)
    assert _paced(layer, hw)
    fine, fast = _both(hw, Workload("w", (layer, Layer(**{**layer.__dict__, "name": "l2"}))))
    a, b = fine.summary["cycles"], fast.summary["cycles"]
    assert abs(a - b) <= 0.005 * a
    for key in ("macs", "compute_cycles", "dram_read_bytes", "dram_write_bytes"):
        assert fine.summary[key] == fast.summary[key]


def test_big_fold_layer_costs_a_bounded_number_of_jobs():
    from accelsim.components.controller import PACED_JOBS_PER_LAYER, fold_runs

    for folds in (513, 10_000, 2**22, 2**62):
        runs = fold_runs(folds, "fast", None, PACED_JOBS_PER_LAYER, 8)
        assert runs[0] == (0, 1) and runs[-1] == (folds - 1, folds)
        assert all(a[1] == b[0] and b[1] > b[0] for a, b in zip(runs, runs[1:]))
        assert len(runs) <= PACED_JOBS_PER_LAYER + 2 * 64


def test_gemm_of_2_pow_60_folds_runs_fast_and_is_refused_fine():
    """A layer far past memory in fine fidelity is refused up front, with one clear error."""
    import pytest

    from accelsim.errors import MappingError

    hw = _hw("ws", 32, 32, 16, 100, 64)
    wl = Workload("w", (Layer(name="g", kind="gemm", C=2**63, H=64, W=1, K=64),))
    assert accelsim.simulate(hw, wl).summary["macs"] == 2**63 * 64 * 64
    with pytest.raises(MappingError, match="layer 'g': a table of .* fine-fidelity jobs.*use fidelity fast"):
        accelsim.simulate(hw, wl, fidelity="fine")
    with pytest.raises(MappingError, match="layer 'g': functional mode"):
        accelsim.simulate(hw, wl, functional=True)
