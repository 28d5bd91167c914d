"""The controller: turns mapped layers (plans) into the job stream the components consume."""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.workload.mapping.plan import LayerPlan

# fast fidelity: about this many jobs per layer; first and last fold stay single jobs so a
# layer's start-up and tail are timed as finely as in `fine`.
FAST_JOBS_PER_LAYER = 256


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

    def share(self, total: int) -> int:
        return _share(total, self.plan.folds, self.start, self.end)


def fold_runs(folds: int, fidelity: str, max_chunk: int | None = None,
              max_jobs: int = FAST_JOBS_PER_LAYER) -> list[tuple[int, int]]:
    """[start, end) fold ranges, one per job."""
    if fidelity == "fine" or folds <= max_jobs:
        return [(i, i + 1) for i in range(folds)]
    middle = folds - 2
    chunk = -(-middle // (max_jobs - 2))
    if max_chunk is not None:
        chunk = max(1, min(chunk, max_chunk))
    runs = [(0, 1)]
    runs += [(a, min(a + chunk, folds - 1)) for a in range(1, folds - 1, chunk)]
    runs.append((folds - 1, folds))
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


def jobs_for(index: int, plan: LayerPlan, fidelity: str, buffer_bytes: dict[str, int] | None = None) -> list[Job]:
    """The jobs of one layer; `buffer_bytes` (stream -> buffer capacity) bounds fast jobs."""
    per_group = plan.folds // plan.groups
    jobs = []
    runs = fold_runs(plan.folds, fidelity, max_chunk(plan, buffer_bytes))
    for a, b in runs:
        group_ends = b // per_group - a // per_group  # groups whose last fold is in [a, b)
        jobs.append(Job(
            layer=index, name=plan.layer.name, unit=plan.unit, folds=b - a,
            cycles=(b - a) * plan.fold_cycles - group_ends * plan.end_adjust,
            sram_stall=_share(plan.sram_stall_cycles, plan.folds, a, b),
            ifmap_bytes=_share(plan.dram_read_bytes.get("ifmap", 0), plan.folds, a, b),
            filter_bytes=_share(plan.dram_read_bytes.get("filter", 0), plan.folds, a, b),
            ofmap_read_bytes=_share(plan.dram_read_bytes.get("ofmap", 0), plan.folds, a, b),
            ofmap_bytes=_share(plan.dram_write_bytes.get("ofmap", 0), plan.folds, a, b),
            first=a == 0, last=b == plan.folds, plan=plan, start=a, end=b,
        ))
    return jobs
