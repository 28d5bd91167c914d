"""Row-level bookkeeping between crossbar layers: which output rows a job produces, which
producer rows its windows need, and which rows a consumer may free. Pure, except `Rows`,
which lets SimPy processes wait for a count of arrived rows."""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass

from accelsim.workload.mapping.crossbar import CrossbarLayerPlan

FAST_JOBS_PER_LAYER = 256


@dataclass(slots=True)
class RowJob:
    toward: int    # the job works on output rows < toward (its inputs must cover them)
    done: int      # output rows complete once the job ends
    vectors: int
    first: bool
    last: bool


class Rows:
    """Rows of a layer's output that have arrived at the consumer; processes wait on a count.
    A producer that knows when its rows arrive can book them instead (`book`, `ready_at`)."""

    def __init__(self, env, total: int):
        self.env, self.total, self.count = env, total, 0
        self.waiters: list[tuple[int, object]] = []
        self.cycles: list[int] = []  # booked arrivals after the count: cycle, and rows in all by then
        self.booked: list[int] = []

    def book(self, arrivals: list[tuple[int, int]], now: int) -> None:
        """(cycle, rows) deliveries in cycle order: those due by `now` are counted in, the rest booked."""
        for cycle, n in arrivals:
            if cycle <= now:
                self.add(n)
            else:
                self.cycles.append(cycle)
                self.booked.append((self.booked[-1] if self.booked else self.count) + n)

    def ready_at(self, n: int) -> int | None:
        """The cycle by which `n` rows are in (0: they are), or None if not all are booked yet."""
        if n <= self.count:
            return 0
        i = bisect_left(self.booked, n)
        return self.cycles[i] if i < len(self.cycles) else None

    def add(self, n: int) -> None:
        self.count += n
        ready = [w for w in self.waiters if w[0] <= self.count]
        self.waiters = [w for w in self.waiters if w[0] > self.count]
        for _, event in ready:
            event.succeed()

    def wait(self, n: int):
        event = self.env.event()
        if n <= self.count:
            event.succeed()
        else:
            self.waiters.append((n, event))
        return event


def row_jobs(plan: CrossbarLayerPlan, fidelity: str) -> list[RowJob]:
    rows, per_row = plan.rows_out, plan.vectors // max(plan.rows_out, 1)
    if fidelity == "fine" and plan.unit == "crossbars":
        # one input vector per job; a row is complete with its last vector
        return [RowJob(r + 1, r + 1 if v == per_row - 1 else r, 1, r == 0 and v == 0,
                       r == rows - 1 and v == per_row - 1) for r in range(rows) for v in range(per_row)]
    chunk = 1 if fidelity == "fine" else max(1, math.ceil(rows / FAST_JOBS_PER_LAYER))
    return [RowJob(min(a + chunk, rows), min(a + chunk, rows), (min(a + chunk, rows) - a) * per_row, a == 0,
                   a + chunk >= rows) for a in range(0, rows, chunk)]


def chained(per: float, counts: list[int]) -> float:
    """sum(per * c for c in counts) added left to right from 0.0, as one add per job makes it."""
    total = sum(counts)
    if float(per).is_integer() and abs(per) * total < 2**53:
        return float(per * total)  # every partial sum is an exact integer
    acc = 0.0
    for c in counts:
        acc += per * c
    return acc


def needed_rows(consumer: CrossbarLayerPlan, producer_rows: int, out_rows: int) -> int:
    """Producer rows that must have arrived before the consumer can finish `out_rows` rows."""
    layer = consumer.layer
    if out_rows <= 0:
        return 0
    last = out_rows - 1
    batch, y = divmod(last, layer.P)
    top = min(layer.H - 1, y * layer.stride_h + layer.R - 1 - layer.pad_top)
    in_rows = batch * layer.H + top + 1
    # Shapes may differ from the producer's (shortcut branches): match rows proportionally.
    return min(producer_rows, math.ceil(in_rows * producer_rows / (layer.N * layer.H)))


def freeable_rows(consumer: CrossbarLayerPlan, producer_rows: int, done_rows: int) -> int:
    """Producer rows the consumer no longer needs after finishing `done_rows` rows."""
    layer = consumer.layer
    if done_rows >= consumer.rows_out:
        return producer_rows
    batch, y = divmod(done_rows, layer.P)
    low = batch * layer.H + max(0, y * layer.stride_h - layer.pad_top)
    return min(producer_rows, low * producer_rows // (layer.N * layer.H))
