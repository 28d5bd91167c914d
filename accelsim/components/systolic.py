"""A systolic chip: DRAM, three operand buffers and the PE array, as SimPy processes.

    DRAM ──link──► ifmap buffer ─┐
    DRAM ──link──► filter buffer ─┼─► PE array ──► ofmap buffer ──link──► DRAM
                                  (vector unit for pooling shares the array's slot)

Loaders prefetch jobs' operands as far ahead as buffer room allows; the array waits for
both operands and for room in the ofmap buffer, and each wait is a stall with its cause.
"""

from __future__ import annotations

from accelsim.components.controller import Job
from accelsim.config.schema import HardwareConfig, Sram
from accelsim.engine import Channel, Component, Link, SimContext, Stat

STALL_CAUSES = ("ifmap_dram", "filter_dram", "ofmap_dram", "ifmap_sram", "filter_sram", "ofmap_sram")


class Dram(Component):
    STATS = (
        Stat("read_bytes", "B", "bytes read from DRAM"),
        Stat("write_bytes", "B", "bytes written to DRAM"),
    )

    def __init__(self, ctx: SimContext, hw: HardwareConfig):
        super().__init__(ctx, "dram")
        bw = hw.memory.dram.bandwidth_bytes_per_cycle
        self.link = Link(ctx.env, "dram", None if bw == "unlimited" else float(bw), ctx.cycles(hw.memory.dram.latency_ns))


class OperandBuffer(Component):
    """An input buffer with its prefetch engine (the producer side of its channel)."""

    STATS = (
        Stat("fill_bytes", "B", "bytes written into the buffer from DRAM"),
        Stat("reads", "words", "words read by the array"),
    )

    def __init__(self, ctx: SimContext, name: str, operand: str, sram: Sram, dram: Dram):
        super().__init__(ctx, name)
        self.operand = operand
        self.sram = sram
        self.channel = Channel(ctx.env, name, dram.link, sram.capacity_bytes)

    def hold(self, nbytes: int) -> int:
        # Double buffering: a job holds at most half, so the next can fill the other half.
        # Without it a job holds the whole buffer: fetch and compute never overlap.
        half = self.sram.capacity_bytes // 2
        return min(nbytes, half) if self.sram.double_buffered else self.sram.capacity_bytes

    def run(self, jobs: list[Job]):
        for job in jobs:
            nbytes = getattr(job, f"{self.operand}_bytes")
            yield from self.channel.reserve(self.hold(nbytes))
            yield from self.channel.send(job, nbytes, reserve=False)
            self.count("fill_bytes", nbytes, job.name)


class OfmapBuffer(Component):
    STATS = (
        Stat("drain_bytes", "B", "bytes written back to DRAM"),
        Stat("psum_read_bytes", "B", "partial sums read back from DRAM"),
        Stat("writes", "words", "words written by the array"),
    )

    def __init__(self, ctx: SimContext, sram: Sram, dram: Dram):
        super().__init__(ctx, "ofmap_sram")
        self.sram = sram
        self.dram = dram
        self.channel = Channel(ctx.env, "ofmap_sram", dram.link, sram.capacity_bytes)
        self.done = ctx.env.event()

    def hold(self, job: Job) -> int:
        nbytes = job.ofmap_bytes + job.ofmap_read_bytes
        half = self.sram.capacity_bytes // 2
        return min(nbytes, half) if self.sram.double_buffered else self.sram.capacity_bytes

    def run(self, total_jobs: int):
        last_arrival = 0
        for _ in range(total_jobs):
            job = yield self.channel.get()
            link = self.dram.link
            if job.ofmap_read_bytes:
                yield from link.serialize(job.ofmap_read_bytes)
                self.count("psum_read_bytes", job.ofmap_read_bytes, job.name)
            arrival = yield from link.serialize(job.ofmap_bytes)
            # The latency is pipelined: the next write starts while this one is in flight.
            self.env.process(self._release_at(job, arrival))
            last_arrival = max(last_arrival, arrival)
            self.count("drain_bytes", job.ofmap_bytes, job.name)
        if last_arrival > self.env.now:
            yield self.env.timeout(last_arrival - int(self.env.now))
        self.done.succeed(int(self.env.now))

    def _release_at(self, job: Job, arrival: int):
        if arrival > self.env.now:
            yield self.env.timeout(arrival - int(self.env.now))
        self.channel.release(self.hold(job))


class PEArray(Component):
    STATS = (
        Stat("busy_cycles", "cycles", "cycles computing (including port-bandwidth stretch)"),
        Stat("compute_cycles", "cycles", "cycles of SCALE-Sim-timed compute"),
        Stat("macs", "MAC", "multiply-accumulates"),
        Stat("vector_ops", "ops", "pooling operations on the vector unit"),
        Stat("folds", "folds", "folds executed"),
        *(Stat(f"stall_{c}", "cycles", f"cycles waiting on {c.replace('_', ' ')}") for c in STALL_CAUSES),
    )

    def __init__(self, ctx: SimContext, ifmap: OperandBuffer, filt: OperandBuffer, ofmap: OfmapBuffer,
                 sram_stall_causes: dict[int, str]):
        super().__init__(ctx, "pe_array")
        self.ifmap, self.filter, self.ofmap = ifmap, filt, ofmap
        self.sram_stall_causes = sram_stall_causes
        self.layer_spans: dict[int, tuple[int, int]] = {}

    def run(self, jobs: list[Job]):
        env = self.env
        layer_start = 0
        for job in jobs:
            t0 = int(env.now)
            if job.first:
                layer_start = t0
            yield self.ifmap.channel.get()
            t1 = int(env.now)
            yield self.filter.channel.get()
            t2 = int(env.now)
            yield from self.ofmap.channel.reserve(self.ofmap.hold(job))
            t3 = int(env.now)
            service = job.cycles + job.sram_stall
            yield env.timeout(service)
            self.ifmap.channel.release(self.ifmap.hold(job.ifmap_bytes))
            self.filter.channel.release(self.filter.hold(job.filter_bytes))
            self.ofmap.channel.queue.put(job)
            name = job.name
            self.count("stall_ifmap_dram", t1 - t0, name)
            self.count("stall_filter_dram", t2 - t1, name)
            self.count("stall_ofmap_dram", t3 - t2, name)
            if job.sram_stall:
                self.count(f"stall_{self.sram_stall_causes[job.layer]}", job.sram_stall, name)
            plan = job.plan
            self.ifmap.count("reads", job.share(plan.sram_reads.get("ifmap", 0)), name)
            self.filter.count("reads", job.share(plan.sram_reads.get("filter", 0)), name)
            self.ofmap.count("writes", job.share(plan.sram_writes.get("ofmap", 0)), name)
            self.count("macs", job.share(plan.macs), name)
            self.count("vector_ops", job.share(plan.layer.pool_ops), name)
            self.count("busy_cycles", service, name)
            self.count("compute_cycles", job.cycles, name)
            self.count("folds", job.folds, name)
            self.span(job.unit, name, t3, t3 + service)
            if job.last:
                self.layer_spans[job.layer] = (layer_start, int(env.now))


class SystolicChip:
    """Wires the components of a systolic chip and runs a list of layer plans."""

    family = "systolic"

    def __init__(self, ctx: SimContext, hw: HardwareConfig):
        self.ctx, self.hw = ctx, hw
        mem = hw.memory
        self.dram = Dram(ctx, hw)
        self.ifmap = OperandBuffer(ctx, "ifmap_sram", "ifmap", mem.ifmap_sram, self.dram)
        self.filter = OperandBuffer(ctx, "filter_sram", "filter", mem.filter_sram, self.dram)
        self.ofmap = OfmapBuffer(ctx, mem.ofmap_sram, self.dram)
        self.array: PEArray | None = None
        self.buffer_bytes = {"ifmap": mem.ifmap_sram.capacity_bytes, "filter": mem.filter_sram.capacity_bytes,
                             "ofmap": mem.ofmap_sram.capacity_bytes}

    @property
    def components(self) -> list[Component]:
        return [c for c in (self.array, self.ifmap, self.filter, self.ofmap, self.dram) if c is not None]

    def run(self, plans, jobs: list[Job]) -> tuple[dict[int, tuple[int, int]], int]:
        """Run to completion; return per-layer (start, end) cycles and the final drain cycle."""
        causes = {i: p.sram_stall_cause for i, p in enumerate(plans) if p.sram_stall_cause}
        self.array = PEArray(self.ctx, self.ifmap, self.filter, self.ofmap, causes)
        env = self.ctx.env
        env.process(self.ifmap.run(jobs))
        env.process(self.filter.run(jobs))
        env.process(self.ofmap.run(len(jobs)))
        env.process(self.array.run(jobs))
        env.run()
        link = self.dram.link
        self.dram.count("read_bytes", sum(j.ifmap_bytes + j.filter_bytes + j.ofmap_read_bytes for j in jobs))
        self.dram.count("write_bytes", sum(j.ofmap_bytes for j in jobs))
        assert link.bytes == sum(j.ifmap_bytes + j.filter_bytes + j.ofmap_read_bytes + j.ofmap_bytes for j in jobs)
        return self.array.layer_spans, int(self.ofmap.done.value)
