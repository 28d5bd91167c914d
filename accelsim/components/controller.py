"""The controller: turns mapped layers (plans) into the job stream the components consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from accelsim.limits import require_memory
from accelsim.workload.mapping.plan import LayerPlan

# fast fidelity: about this many jobs per layer; first and last fold stay single jobs so a
# layer's start-up and tail are timed as finely as in `fine`. (256 before: 128 stayed within
# 0.25 % of fine on 160 random layers of more folds, and a sweep's run pass is ~20 % cheaper.)
FAST_JOBS_PER_LAYER = 128
# Quarter-buffer jobs may cut a layer finer, up to this many jobs; past it, it is paced.
PACE_PAST_JOBS = 256
# A layer that quarter-buffer jobs would cut into more than PACE_PAST_JOBS jobs keeps this
# many folds at each end as single jobs; its middle, about PACED_JOBS_PER_LAYER batches, streams
# and is paced by fine fidelity's timeline (`jobs_for`, `PEArray`).
EDGE_FOLDS = 4
PACED_JOBS_PER_LAYER = 32
# A job costs about this much memory while a run holds its table (measured: ~0.43 KB).
JOB_BYTES = 512


@dataclass(slots=True)
class Job:
    layer: int            # index of the layer in the workload
    name: str             # layer name
    unit: str             # 'pe_array' or 'vector'
    folds: int
    cycles: int           # compute cycles, SCALE-Sim convention at group ends
    sram_stall: int       # extra cycles when a buffer port is slower than the array edge
    ifmap_bytes: int      # DRAM -> ifmap buffer
    filter_bytes: int     # DRAM -> filter buffer
    ofmap_read_bytes: int  # partial sums read back from DRAM
    ofmap_bytes: int      # ofmap buffer -> DRAM
    first: bool
    last: bool
    plan: LayerPlan       # for action counts: a job does folds [start, end) of its plan
    start: int
    end: int
    ifmap_write_delay: int = 0   # cycles an MRAM buffer's write port held the job back
    filter_write_delay: int = 0
    pace: int = 0         # paced batch: ends no earlier than this many cycles after its layer's
    pace_origin: bool = False  # ...first paced batch began (this job is that one)
    # A paced batch streams (`PEArray`): per operand [first cycle on the link, arrival of its
    # first folds' bytes, how many folds those are, arrival of the last byte]; the event of
    # its start; the cycle its first fold's outputs start to drain.
    spans: dict | None = None
    started: object = None
    ofmap_ready: int = 0
    streams: bool = False  # a paced batch of more than one fold (it streams)

    def head(self, total: int, folds: int = 1) -> int:
        """The share of `total` of the job's first `folds` folds."""
        return _share(total, self.plan.folds, self.start, self.start + folds)

    def share(self, total: int) -> int:
        return _share(total, self.plan.folds, self.start, self.end)


def fold_runs(folds: int, fidelity: str, max_chunk: int | None = None,
              max_jobs: int = FAST_JOBS_PER_LAYER, edge: int = 1, grow=None) -> list[tuple[int, int]]:
    """[start, end) fold ranges, one per job: the first and last fold single, the middle cut
    into about `max_jobs` runs of at most `max_chunk` folds. With `edge` > 1, `edge` single
    folds at each end and runs that grow up to the middle's size (`grow(n)`: the run after
    one of n folds; default 2n) and halve after it, so a layer's start-up and tail are timed
    fold by fold."""
    if fidelity == "fine" or folds <= max(max_jobs, 4 * edge):
        return [(i, i + 1) for i in range(folds)]
    if edge == 1:
        middle = folds - 2
        chunk = -(-middle // (max_jobs - 2))
        if max_chunk is not None:
            chunk = max(1, min(chunk, max_chunk))
        sizes = [1] + [min(chunk, folds - 1 - a) for a in range(1, folds - 1, chunk)] + [1]
    else:
        chunk = -(-folds // max_jobs)
        ramp = [1] * edge
        grow = grow or (lambda n: 2 * n)
        while ramp[-1] < chunk and len(ramp) < max_jobs // 4:
            ramp.append(min(chunk, max(ramp[-1] + 1, grow(ramp[-1]))))
        middle = folds - 2 * sum(ramp)
        n = -(-middle // chunk)  # the middle in n runs of sizes that differ by at most one
        sizes = ramp + [_share(middle, n, i, i + 1) for i in range(n)] + ramp[::-1]
    runs, a = [], 0
    for n in sizes:
        runs.append((a, a + n))
        a += n
    return runs


def _share(total: int, folds: int, a: int, b: int) -> int:
    """Integer share of `total` for folds [a, b): shares of adjacent ranges add up exactly."""
    return total * b // folds - total * a // folds


def max_chunk(plan: LayerPlan, buffer_bytes: dict[str, int] | None) -> int | None:
    """Folds per fast job such that a job's DRAM bytes stay within a quarter of each buffer:
    the prefetch window then matches fine fidelity's to within a job."""
    if not buffer_bytes:
        return None
    limit = None
    streams = {"ifmap": plan.dram_read_bytes.get("ifmap", 0), "filter": plan.dram_read_bytes.get("filter", 0),
               "ofmap": plan.dram_write_bytes.get("ofmap", 0) + plan.dram_read_bytes.get("ofmap", 0)}
    for stream, total in streams.items():
        if total and stream in buffer_bytes:
            folds_fit = buffer_bytes[stream] * plan.folds // (4 * total)
            limit = folds_fit if limit is None else min(limit, folds_fit)
    return limit


def needs_pacing(plan: LayerPlan, fidelity: str, buffer_bytes: dict[str, int] | None) -> bool:
    """A fast layer batched past the quarter-buffer bound, and paced (`jobs_for`): one that
    quarter-buffer jobs would cut into more than PACE_PAST_JOBS jobs -- a single fold
    that overflows a quarter of a buffer, or a stream (weights of an LLM layer) of many
    buffers' worth. Its cost is then bounded by a constant, whatever its folds or bytes."""
    if fidelity != "fast" or plan.folds <= max(PACE_PAST_JOBS, 4 * EDGE_FOLDS):
        return False
    limit = max_chunk(plan, buffer_bytes)
    return limit is not None and (limit == 0 or -(-(plan.folds - 2) // limit) > PACE_PAST_JOBS - 2)


def probe_folds(plan: LayerPlan, folds: int) -> int:
    """At least `folds` folds, a whole number of the plan's groups when a group is shorter
    (so a probe's group ends fall as often as the layer's)."""
    per_group = plan.folds // plan.groups
    return folds if per_group >= folds else -(-folds // per_group) * per_group


def probe_plan(plan: LayerPlan, folds: int) -> LayerPlan:
    """The first `folds` folds of `plan` as a layer of their own: what a fine probe runs to
    measure the layer's steady-state fold period."""
    import dataclasses

    def part(d: dict) -> dict:
        return {k: _share(v, plan.folds, 0, folds) for k, v in d.items()}

    per_group = plan.folds // plan.groups
    groups = folds // per_group if folds % per_group == 0 else 1
    return dataclasses.replace(
        plan, folds=folds, groups=max(1, groups), sram_stall_cycles=_share(plan.sram_stall_cycles, plan.folds, 0, folds),
        dram_read_bytes=part(plan.dram_read_bytes), dram_write_bytes=part(plan.dram_write_bytes),
        sram_reads=part(plan.sram_reads), sram_writes=part(plan.sram_writes), decode_ops=_share(plan.decode_ops, plan.folds, 0, folds),
        used_pes=_share(plan.used_pes, plan.folds, 0, folds))


@dataclass(frozen=True)
class Pace:
    """Fine fidelity's timeline for a paced layer: `ends[f]`, the cycle its fold f ended in a
    fine probe of its first folds on a fresh chip, then `slope` (= num / den) cycles per fold
    (the probe's last stretch) past them. A probe's last EDGE_FOLDS folds end as a tail does,
    not as the same folds of a longer run, so the timeline leaves them out."""

    ends: tuple
    num: int
    den: int

    @classmethod
    def from_probe(cls, ends: list[int]) -> "Pace":
        kept = ends[:max(1, len(ends) - EDGE_FOLDS)]
        if len(kept) < 8:
            return cls(tuple(kept), kept[-1] - kept[0], max(1, len(kept) - 1))
        # slope between the mean ends of the kept folds' third and fourth quarters
        q = len(kept) // 4
        a, b = kept[len(kept) - 2 * q:len(kept) - q], kept[len(kept) - q:]
        return cls(tuple(kept), sum(b) - sum(a), q * q)

    @property
    def slope(self) -> Fraction:
        return Fraction(self.num, self.den)

    def at(self, folds: int) -> int:
        """When the layer's first `folds` folds have ended, from the start of its first."""
        n = len(self.ends)
        return self.ends[folds - 1] if folds <= n else self.ends[-1] + self.num * (folds - n) // self.den


def jobs_for(index: int, plan: LayerPlan, fidelity: str, buffer_bytes: dict[str, int] | None = None,
             pace: Pace | None = None, source: str | None = None, ideal: bool = False) -> list[Job]:
    """The jobs of one layer; `buffer_bytes` (stream -> buffer capacity) bounds fast jobs.

    `pace` (for a layer that `needs_pacing`): its batched jobs end no earlier than fine's
    timeline has their folds end (counted from the first batch's start) -- a schedule, so a
    late batch is not delayed further.
    `ideal` (no resource shared between jobs: an ideal DRAM link, SRAM buffers): a fast layer
    is its first fold, the rest but the last, and its last fold -- exact, as nothing waits."""
    if fidelity == "fine":
        require_memory(plan.folds * JOB_BYTES, f"a table of {plan.folds:,} fine-fidelity jobs", plan.layer.name, source,
                       "use fidelity fast")
    per_group = plan.folds // plan.groups
    jobs = []
    if ideal and fidelity == "fast":  # nothing shared: any batching is exact, so batch all
        runs = fold_runs(plan.folds, fidelity, None, max_jobs=3)
    elif pace is None:
        runs = fold_runs(plan.folds, fidelity, max_chunk(plan, buffer_bytes))
    else:
        runs = fold_runs(plan.folds, fidelity, None, PACED_JOBS_PER_LAYER, EDGE_FOLDS)
    paced_from = next((a for a, b in runs if b - a > 1), None) if pace is not None else None
    folds, name, unit, fold_cycles, adjust = plan.folds, plan.layer.name, plan.unit, plan.fold_cycles, plan.end_adjust
    reads, writes = plan.dram_read_bytes, plan.dram_write_bytes
    stall, ifmap, filt = plan.sram_stall_cycles, reads.get("ifmap", 0), reads.get("filter", 0)
    psum, ofmap = reads.get("ofmap", 0), writes.get("ofmap", 0)
    # each share is the difference of two floors (`_share`); keep the one at the run's start
    at_s = at_i = at_f = at_p = at_o = 0
    for a, b in runs:
        group_ends = b // per_group - a // per_group  # groups whose last fold is in [a, b)
        paced = paced_from is not None and a >= paced_from  # the batches and the tail after them
        to_s, to_i, to_f = stall * b // folds, ifmap * b // folds, filt * b // folds
        to_p, to_o = psum * b // folds, ofmap * b // folds
        job_pace = pace.at(b) - pace.at(paced_from) if paced else 0
        jobs.append(Job(index, name, unit, b - a, (b - a) * fold_cycles - group_ends * adjust,
                        to_s - at_s, to_i - at_i, to_f - at_f, to_p - at_p, to_o - at_o,
                        a == 0, b == folds, plan, a, b, pace=job_pace, pace_origin=paced and a == paced_from,
                        streams=job_pace > 0 and b - a > 1))
        at_s, at_i, at_f, at_p, at_o = to_s, to_i, to_f, to_p, to_o
    return jobs
