"""A systolic chip: DRAM, three operand buffers and the PE array, as SimPy processes.

    DRAM ──link──► ifmap buffer ─┐
    DRAM ──link──► filter buffer ─┼─► PE array ──► ofmap buffer ──link──► DRAM
                                  (vector unit for pooling shares the array's slot)

Loaders prefetch jobs' operands as far ahead as buffer room allows; the array waits for
both operands and for room in the ofmap buffer, and each wait is a stall with its cause.
"""

from __future__ import annotations

import math
from operator import attrgetter

from accelsim.components.controller import Job, Pace, jobs_for, needs_pacing, probe_folds, probe_plan
from accelsim.components.mram import MRAM_STATS, MramWriter
from accelsim.config.schema import HardwareConfig, Sram
from accelsim.engine import Channel, Component, Link, SimContext, Stat
from accelsim.workload import Workload
from accelsim.workload.mapping import map_workload

# Folds in the fine probe that gives a paced layer its timeline (`_pace`): fine's fold period
# can beat by ~1 % over tens of folds and drift over hundreds (a deep operand window settling
# against a shallow one on the shared link), so the probe is long and followed fold by fold.
PROBE_FOLDS = 512
STALL_CAUSES = ("ifmap_dram", "filter_dram", "ofmap_dram", "ifmap_sram", "filter_sram", "ofmap_sram",
                "ifmap_mram_write", "filter_mram_write", "mram_bank", "filter_decode")
STALL_COLUMNS = tuple(f"stall_{c}" for c in STALL_CAUSES)  # one key string shared by every row


class Dram(Component):
    STATS = (
        Stat("read_bytes", "B", "bytes read from DRAM"),
        Stat("write_bytes", "B", "bytes written to DRAM"),
    )

    def __init__(self, ctx: SimContext, hw: HardwareConfig):
        super().__init__(ctx, "dram")
        bw = hw.memory.dram.bandwidth_bytes_per_cycle
        self.link = Link(ctx.env, "dram", None if bw == "unlimited" else float(bw), ctx.cycles(hw.memory.dram.latency_ns))
        self.link_shape = (self.link.bytes_per_cycle, self.link.latency)


class OperandBuffer(Component):
    """An input buffer with its prefetch engine (the producer side of its channel)."""

    STATS = (
        Stat("write_bytes", "B", "bytes written into the buffer from DRAM"),
        Stat("read_bytes", "B", "bytes read by the array"),
    )

    def __init__(self, ctx: SimContext, name: str, operand: str, sram: Sram, dram: Dram):
        if sram.is_mram:
            self.STATS = self.STATS + MRAM_STATS
        super().__init__(ctx, name)
        self.operand = operand
        self.sram = sram
        self.capacity = sram.capacity_bytes
        self._half = sram.capacity_bytes // 2 if sram.double_buffered else None
        self.channel = Channel(ctx.env, name, dram.link, sram.capacity_bytes)
        self.array = None  # the PEArray it feeds (set by the array)
        self.writer = MramWriter(self, sram.mram, sram.technology, sram.banks) if sram.is_mram else None

    def hold(self, nbytes: int) -> int:
        # Double buffering: a job holds at most half, so the next can fill the other half.
        # Without it a job holds the whole buffer: fetch and compute never overlap.
        half = self._half
        return self.capacity if half is None else (nbytes if nbytes < half else half)

    def run(self, jobs: list[Job]):
        env, channel, writer, array = self.env, self.channel, self.writer, self.array
        link = channel.link
        latency, capacity, half = link.latency, self.capacity, self._half
        action, size = f"read {self.operand}", attrgetter(f"{self.operand}_bytes")
        trace = self.ctx.tracer.enabled
        ahead = writer is None and not trace  # may wait for the next job's room at once (below)
        written = 0  # this layer's bytes so far, counted once per layer
        direct = self._direct(jobs, size)
        count = len(jobs)
        for i, job in enumerate(jobs, 1):
            nbytes = size(job)
            start = env.now
            label = (action, job.name) if trace else None
            if job.streams and writer is None:
                yield from self._stream(job, nbytes, label)
            else:
                hold = capacity if half is None else (nbytes if nbytes < half else half)
                if not channel.grab(hold):
                    yield from channel.reserve(hold)
                done = link.book(nbytes, label)
                if ahead and i < count and array.busy_until > done and not jobs[i].streams and \
                        not channel.fits(self.hold(size(jobs[i]))):
                    # the next job's room is freed only as the array's job ends, after these bytes
                    # have left: wait for that room at once, not first for them (a wake-up fewer)
                    channel.put_at(job, done + latency, direct[i - 1])
                else:
                    if done > env.now:
                        yield env.timeout(done - env.now)
                    if writer is None:
                        channel.put_at(job, done + latency, direct[i - 1])
                    else:
                        env.process(self._commit(job, nbytes, done + latency))
            if trace:
                self.span("fill", job.name, start, env.now)
            written += nbytes
            if job.last:
                self.count("write_bytes", written, job.name)
                written = 0

    def _direct(self, jobs: list[Job], size) -> list[bool]:
        """Per job: may its delivery wake the array directly (`Channel.put_at`)? Not if a
        later streamed batch, put as soon as it has room (`_stream`), could be put while the
        job's bytes are still on their way: the array, waiting, takes the first item put.
        Safe when the bytes the loader sends in between take longer than the latency."""
        link = self.channel.link
        direct, between = [True] * len(jobs), None  # bytes sent before the next streamed batch
        for i in range(len(jobs) - 1, -1, -1):
            job = jobs[i]
            if job.streams:
                between = 0
                continue
            direct[i] = between is None or link.outlasts(between, link.latency + 1)
            if between is not None:
                between += size(job)
        return direct

    def streams(self, job: Job) -> bool:
        """A paced batch, loaded by `_stream` (MRAM buffers load a batch whole: `_commit`)."""
        return job.streams and self.writer is None

    def _first(self, job: Job, nbytes: int) -> tuple[int, int]:
        """(folds, bytes) of a paced batch that load before it starts: as many folds as fine
        has in flight before the batch starts (the buffer's window of folds less one)."""
        total = job.plan.dram_read_bytes.get(self.operand, 0)
        window = self.capacity // max(1, self.hold(job.head(total)))
        folds = max(1, min(window - 1, job.folds))
        return folds, (job.head(total, folds) if nbytes else 0)

    def _loads_at_start(self, job: Job) -> bool:
        """Whether this loader has bytes of a streamed batch left to book as it starts."""
        nbytes = getattr(job, f"{self.operand}_bytes")
        return self.streams(job) and nbytes > self._first(job, nbytes)[1]

    def _stream(self, job: Job, nbytes: int, label):
        """A paced batch: its first folds (`_first`) load as soon as they have room, and the
        array takes the batch at once; the rest loads when the batch starts, as fine loads
        them while it computes. Double-buffered, the first folds' room is free again as the
        batch starts (fine frees it fold by fold while the batch computes, for the next
        batch's first folds); otherwise the batch holds the buffer to its end. A loader with
        nothing left to load goes on to its next job at once (fine has it in flight while the
        batch computes), unless the other operand still loads this batch's rest as it starts:
        fine's two loaders take turns on the link fold by fold, so the next job's bytes must
        not go on the link as one lump ahead of that rest."""
        env, link = self.env, self.channel.link
        folds, head = self._first(job, nbytes)
        double = self.sram.double_buffered
        room = min(head, self.sram.capacity_bytes) if double else self.hold(nbytes)
        yield from self.channel.reserve(room)
        start, done = link.book_span(head, label)
        if job.started is None:
            job.started = env.event()
        if job.spans is None:
            job.spans = {}
        if nbytes:
            job.spans[self.operand] = [start, done + link.latency, folds, done + link.latency]
        # the array takes the batch at once, but not before the jobs ahead of it (their
        # items may still be on their way: it takes items in order)
        self.channel.put_behind(job)
        if nbytes > head:
            # the rest goes on the link as the batch starts, behind the first folds' bytes
            # even if they are still leaving (nothing else is booked in between)
            yield job.started
            if double:
                self.channel.release(room)
            done = link.book(nbytes - head, label)
            job.spans[self.operand][3] = done + link.latency
        elif double and self._behind_other(job):
            if done > env.now:
                yield env.timeout(done - int(env.now))
            yield job.started
            yield env.timeout(0)  # (after the other loader, woken by the same start, booked its rest)
            self.channel.release(room)
        elif double:
            self._release_on(job.started, room)
        if done > env.now:
            yield env.timeout(done - int(env.now))

    def _behind_other(self, job: Job) -> bool:
        """Whether the other operand books the rest of streamed batch `job` as it starts."""
        other = self.array.filter if self is self.array.ifmap else self.array.ifmap
        return other._loads_at_start(job)

    def _release_on(self, started, room: int) -> None:
        """Free a streamed batch's first folds' room as the batch starts."""
        if started.processed:
            self.channel.release(room)
        else:
            started.callbacks.append(lambda _: self.channel.release(room))

    def _commit(self, job: Job, nbytes: int, arrival: int):
        """Write arrived data into MRAM; the job is ready when its words have switched."""
        if arrival > self.env.now:
            yield self.env.timeout(arrival - int(self.env.now))
        yield from self.writer.write(nbytes, job.name)
        setattr(job, f"{self.operand}_write_delay", int(self.env.now) - arrival)
        self.channel.put(job)


class OfmapBuffer(Component):
    STATS = (
        Stat("read_bytes", "B", "bytes drained to DRAM"),
        Stat("write_bytes", "B", "bytes written by the array, and partial sums read back from DRAM"),
    )

    def __init__(self, ctx: SimContext, sram: Sram, dram: Dram):
        if sram.is_mram:
            self.STATS = self.STATS + MRAM_STATS
        super().__init__(ctx, "ofmap_sram")
        self.sram = sram
        self.dram = dram
        self.writer = MramWriter(self, sram.mram, sram.technology, sram.banks) if sram.is_mram else None
        self.channel = Channel(ctx.env, "ofmap_sram", dram.link, sram.capacity_bytes)
        self.capacity = sram.capacity_bytes
        self._half = sram.capacity_bytes // 2 if sram.double_buffered else None
        self.done = ctx.env.event()
        self.array = None  # the PEArray it drains (set by the array)

    def hold(self, job: Job) -> int:
        nbytes, half = job.ofmap_bytes + job.ofmap_read_bytes, self._half
        return self.capacity if half is None else (nbytes if nbytes < half else half)

    def run(self, total_jobs: int):
        env, channel, link, writer = self.env, self.channel, self.dram.link, self.writer
        trace = self.ctx.tracer.enabled
        last_arrival = 0
        drained = read_back = 0  # this layer's bytes so far, counted once per layer
        for _ in range(total_jobs):
            job = channel.poll()
            if job is None:
                job = yield channel.get()
            if job.ofmap_ready > env.now:  # a streamed batch: its first fold's outputs
                yield env.timeout(job.ofmap_ready - env.now)
            if writer is not None:  # the array's outputs are written into MRAM, then read out
                ab = job.plan.word_bytes[0]
                yield from writer.write(job.share(job.plan.sram_writes.get("ofmap", 0)) * ab, job.name)
                done = writer.book_reads(job.ofmap_bytes, job.name)
                if done > env.now:
                    yield env.timeout(done - env.now)
            if job.ofmap_read_bytes:
                yield from link.serialize(job.ofmap_read_bytes, ("read partial sums", job.name) if trace else None)
                read_back += job.ofmap_read_bytes
            start = env.now
            done = link.book(job.ofmap_bytes, ("write ofmap", job.name) if trace else None)
            # the array puts its next job only as its current one ends: if that is after this
            # write has left, wait for that job at once (one wake-up fewer)
            if done > env.now and (trace or self.array.busy_until <= done or channel.ready()):
                yield env.timeout(done - env.now)
            arrival = done + link.latency
            if trace:
                self.span("drain", job.name, start, env.now)
            # The latency is pipelined: the next write starts while this one is in flight.
            if not job.streams:  # (a streamed batch's room is freed as it ends)
                self._release_at(job, arrival)
            if arrival > last_arrival:
                last_arrival = arrival
            drained += job.ofmap_bytes
            if job.last:
                if read_back:
                    self.count("write_bytes", read_back, job.name)
                self.count("read_bytes", drained, job.name)
                drained = read_back = 0
        if last_arrival > env.now:
            yield env.timeout(last_arrival - env.now)
        self.done.succeed(env.now)

    def _release_at(self, job: Job, arrival: int) -> None:
        self.channel.release_at(self.hold(job), arrival)


class VectorUnit(Component):
    STATS = (Stat("vector_ops", "ops", "pooling compares/adds and vector layers' operations"),)

    def __init__(self, ctx: SimContext):
        super().__init__(ctx, "vector_unit")


class PEArray(Component):
    STATS = (
        Stat("busy_cycles", "cycles", "cycles computing (including port-bandwidth stretch)"),
        Stat("compute_cycles", "cycles", "cycles of SCALE-Sim-timed compute"),
        Stat("macs", "MAC", "multiply-accumulates that spent energy"),
        Stat("gated_macs", "MAC", "multiply-accumulates skipped by zero gating"),
        Stat("act_gated_macs", "MAC", "of those, gated on a zero activation (their ifmap and psum accesses spend)"),
        Stat("shared_adds", "adds", "weight sharing: activations accumulated per centroid"),
        Stat("decode_ops", "ops", "weight-decoder operations"),
        Stat("folds", "folds", "folds executed"),
        *(Stat(f"stall_{c}", "cycles", f"cycles waiting on {c.replace('_', ' ')}") for c in STALL_CAUSES),
    )

    def __init__(self, ctx: SimContext, ifmap: OperandBuffer, filt: OperandBuffer, ofmap: OfmapBuffer,
                 sram_stall_causes: dict[int, str], pace_causes: dict[int, str] | None = None,
                 job_ends: list | None = None):
        super().__init__(ctx, "pe_array")
        self.ifmap, self.filter, self.ofmap = ifmap, filt, ofmap
        self.vector = VectorUnit(ctx)
        self.sram_stall_causes = sram_stall_causes
        self.pace_causes = pace_causes or {}
        self.layer_spans: dict[int, tuple[int, int]] = {}
        self.job_ends = job_ends  # a probe: every job's end cycle
        self.busy_until = 0  # the end of the job computing now (the buffers read it: see their `run`)
        ifmap.array = filt.array = ofmap.array = self

    def run(self, jobs: list[Job]):
        env = self.env
        ifmap, filt, ofmap = self.ifmap, self.filter, self.ofmap
        take_i, take_f, room_o = ifmap.channel, filt.channel, ofmap.channel
        latency = ofmap.dram.link.latency
        mram = ifmap.writer is not None or filt.writer is not None
        trace, job_ends = self.ctx.tracer.enabled, self.job_ends
        layer_start = pace_origin = 0
        # Counts are summed per layer and handed to the registry once per layer. Per-job shares
        # of a plan's totals telescope, so those are taken whole at a layer's last job; only
        # rounded ones (MACs at a density below 1) are summed job by job.
        mine: dict[str, int] = {}
        wait_i = wait_f = wait_o = busy = compute = 0
        whole = True

        def add(counts: dict[str, int], stat: str, value: int) -> None:
            counts[stat] = counts.get(stat, 0) + value

        for job in jobs:
            plan = job.plan
            t0 = env.now
            if job.first:
                layer_start = t0
                whole = plan.density == 1.0 and plan.act_density == 1.0 and plan.macs < 1 << 53
            if take_i.poll() is None:
                yield take_i.get()
            t1 = env.now
            if take_f.poll() is None:
                yield take_f.get()
            t2 = env.now
            hold = ofmap.hold(job)
            if not room_o.grab(hold):
                yield from room_o.reserve(hold)
            t3 = env.now
            service = job.cycles + job.sram_stall
            streams = job.streams
            if streams:
                # A batch's first folds' operands arrived over their link time; seen as evenly
                # spread, its first fold computes from the first of them; its other operands
                # load from now (`OperandBuffer._stream`). Its outputs drain from its first fold on.
                spans = job.spans.values() if job.spans else ()
                begin = t3
                if spans:
                    start = min(span[0] for span in spans)
                    heads = max(span[1] for span in spans) - latency
                    begin = max(t3, start + -(-(heads - start) // min(span[2] for span in spans)) + latency)
                if job.started is not None:  # (MRAM buffers load a batch whole: `_commit`)
                    job.started.succeed()
                job.ofmap_ready = begin + service // job.folds
                room_o.put(job)
            # MRAM buffers: the job's reads share the banks with writes queued before them
            reads_done = t3
            if mram:
                ab, wb = plan.word_bytes
                for buffer, words, width in ((ifmap, plan.sram_reads.get("ifmap", 0), ab),
                                             (filt, plan.sram_reads.get("filter", 0), wb)):
                    if buffer.writer is not None:
                        reads_done = max(reads_done, buffer.writer.book_reads(job.share(words) * width, job.name))
            self.busy_until = t3 + service
            yield env.timeout(service)
            if mram and reads_done > env.now:
                bank = reads_done - env.now
                yield env.timeout(bank)
                add(mine, "stall_mram_bank", bank)
                service += bank
            if streams:  # the folds compute one after another: the last one on the last bytes
                last = max((span[3] for span in job.spans.values()), default=0) if job.spans else 0
                finish = max(begin + service, last + service // job.folds)
                if finish > env.now:
                    wait = finish - env.now
                    yield env.timeout(wait)
                    cause = max(job.spans, key=lambda o: job.spans[o][3]) if job.spans else "ifmap"
                    add(mine, f"stall_{cause}_dram", wait)
            if job.pace_origin:
                pace_origin = t0
            if job.pace and pace_origin + job.pace > env.now:  # a paced batch: fine's timeline
                wait = pace_origin + job.pace - env.now
                yield env.timeout(wait)
                add(mine, f"stall_{self.pace_causes[job.layer]}", wait)
            if streams:
                for buffer in (ifmap, filt):  # (a streamed batch double-buffered: freed as it started)
                    if not (buffer.streams(job) and buffer.sram.double_buffered):
                        buffer.channel.release(buffer.hold(getattr(job, f"{buffer.operand}_bytes")))
                # its outputs drained while it computed: the room is free again
                room_o.release(hold)
            else:
                take_i.release(ifmap.hold(job.ifmap_bytes))
                take_f.release(filt.hold(job.filter_bytes))
                room_o.put(job)
            if mram:  # waiting on an operand: the part its MRAM write port added is its own cause
                port_i, port_f = min(t1 - t0, job.ifmap_write_delay), min(t2 - t1, job.filter_write_delay)
                if port_i:
                    add(mine, "stall_ifmap_mram_write", port_i)
                if port_f:
                    add(mine, "stall_filter_mram_write", port_f)
                wait_i += t1 - t0 - port_i
                wait_f += t2 - t1 - port_f
            else:
                wait_i += t1 - t0
                wait_f += t2 - t1
            wait_o += t3 - t2
            if job.sram_stall:
                add(mine, f"stall_{self.sram_stall_causes[job.layer]}", job.sram_stall)
            if not whole:
                executed = job.share(plan.macs)
                weighted = round(executed * plan.density)
                active = round(weighted * plan.act_density)
                if plan.act_gate_only:  # Eyeriss's data gating: no MAC, no filter read; ifmap and psums still move
                    add(mine, "act_gated_macs", weighted - active)
                if plan.shared_k:
                    # each output: its active inputs added into k centroid bins, then k multiplies
                    add(mine, "shared_adds", active)
                    add(mine, "macs", job.share(plan.layer.ofmap_count * plan.shared_k))
                else:
                    add(mine, "macs", active)
                add(mine, "gated_macs", executed - active)
            busy += service
            compute += job.cycles
            if trace:
                self.span(job.unit, job.name, t3, t3 + service)
            if job_ends is not None:
                job_ends.append(env.now)
            if job.last:
                self.layer_spans[job.layer] = (layer_start, env.now)
                self._count_layer(job, plan, mine, whole, wait_i, wait_f, wait_o, busy, compute)
                wait_i = wait_f = wait_o = busy = compute = 0

    def _count_layer(self, job: Job, plan, mine: dict, whole: bool, wait_i: int, wait_f: int, wait_o: int,
                     busy: int, compute: int) -> None:
        """Hand a layer's counts to the registry (`whole`: its MACs are its plan's)."""
        counts = {"stall_ifmap_dram": wait_i, "stall_filter_dram": wait_f, "stall_ofmap_dram": wait_o,
                  "decode_ops": plan.decode_ops, "busy_cycles": busy, "compute_cycles": compute, "folds": plan.folds}
        if whole:
            if plan.act_gate_only:
                counts["act_gated_macs"] = 0
            counts["gated_macs"] = 0
            if plan.shared_k:
                counts["shared_adds"] = plan.macs
                counts["macs"] = plan.layer.ofmap_count * plan.shared_k
            else:
                counts["macs"] = plan.macs
        for stat, value in counts.items():
            mine[stat] = mine.get(stat, 0) + value
        ab, wb = plan.word_bytes
        stats = self.ctx.stats
        stats.add_many(self.name, job.name, mine)
        mine.clear()
        stats.add(self.ifmap.name, "read_bytes", plan.sram_reads.get("ifmap", 0) * ab, job.name)
        stats.add(self.filter.name, "read_bytes", plan.sram_reads.get("filter", 0) * wb, job.name)
        stats.add(self.ofmap.name, "write_bytes", plan.sram_writes.get("ofmap", 0) * ab, job.name)
        stats.add(self.vector.name, "vector_ops", plan.layer.vector_ops, job.name)


def _timing_key(plan) -> tuple:
    """What a plan's fine timing depends on (not its layer's name)."""
    return (plan.unit, plan.folds, plan.fold_cycles, plan.groups, plan.end_adjust, plan.sram_stall_cycles,
            plan.word_bytes, *(tuple(sorted(d.items())) for d in (plan.dram_read_bytes, plan.dram_write_bytes,
                                                                   plan.sram_reads, plan.sram_writes)))


def b_operand(layer) -> str:
    """Where a layer's second operand comes from: stored weights, or activations (matmul)."""
    return "activations" if layer.dynamic else ("weights" if layer.has_weights else "none")


class SystolicChip:
    """Wires the components of a systolic chip and runs a workload on it."""

    family = "systolic"

    def __init__(self, ctx: SimContext, hw: HardwareConfig):
        self.ctx, self.hw = ctx, hw
        mem = hw.memory
        self.dram = Dram(ctx, hw)
        self.ifmap = OperandBuffer(ctx, "ifmap_sram", "ifmap", mem.ifmap_sram, self.dram)
        self.filter = OperandBuffer(ctx, "filter_sram", "filter", mem.filter_sram, self.dram)
        self.ofmap = OfmapBuffer(ctx, mem.ofmap_sram, self.dram)
        self.array: PEArray | None = None
        self.source: str | None = None  # the workload's file, for error messages
        self.buffer_bytes = {"ifmap": mem.ifmap_sram.capacity_bytes, "filter": mem.filter_sram.capacity_bytes,
                             "ofmap": mem.ofmap_sram.capacity_bytes}
        self.peak_macs_per_cycle = hw.compute.rows * hw.compute.cols
        if ctx.tracer.enabled:
            _trace_memory(ctx, self.dram.link, (self.ifmap, self.filter, self.ofmap))

    def map(self, workload: Workload, stats=None, skip=None) -> list:
        """The mapping pass: one plan per layer (`skip`: each layer's share of zero input
        activations, from the data pass, for chips that gate or skip them)."""
        self.source = workload.path
        return map_workload(workload, self.hw, stats, skip)

    def run(self, plans, fidelity: str | None = None, job_ends: list | None = None) -> tuple[list[dict], int]:
        """The run pass: cut plans into jobs, run them; one row per layer and the final cycle.
        (`fidelity` overrides the config's; `job_ends` collects each job's end cycle.)"""
        fidelity, buffers = fidelity or self.hw.fidelity, self.buffer_bytes
        # an ideal DRAM link (no bandwidth limit, no latency) and SRAM buffers share nothing
        # between jobs: cycles do not depend on how folds are batched
        ideal = self.dram.link_shape == (None, 0) and not any(b.writer for b in (self.ifmap, self.filter, self.ofmap))
        probes: dict = {}  # repeated layers (an LLM's blocks) share their probes
        paced = {} if ideal else {i: self._pace(p, probes) for i, p in enumerate(plans)
                                  if needs_pacing(p, fidelity, buffers)}
        jobs = [job for i, plan in enumerate(plans)
                for job in jobs_for(i, plan, fidelity, buffers, paced.get(i, (None,))[0], source=self.source, ideal=ideal)]
        causes = {i: p.sram_stall_cause for i, p in enumerate(plans) if p.sram_stall_cause}
        self.array = PEArray(self.ctx, self.ifmap, self.filter, self.ofmap, causes,
                             {i: cause for i, (_, cause) in paced.items()}, job_ends)
        env = self.ctx.env
        env.process(self.ifmap.run(jobs))
        env.process(self.filter.run(jobs))
        env.process(self.ofmap.run(len(jobs)))
        env.process(self.array.run(jobs))
        env.run()
        del jobs  # (their memory goes to the rows)
        for plan in plans:  # a layer's DRAM traffic is the sum over its jobs: its plan's totals
            self.dram.count("read_bytes", sum(plan.dram_read_bytes.get(s, 0) for s in ("ifmap", "filter", "ofmap")),
                            plan.layer.name)
            self.dram.count("write_bytes", plan.dram_write_bytes.get("ofmap", 0), plan.layer.name)
        return self._rows(plans), int(self.ofmap.done.value)

    def _pace(self, plan, cache: dict) -> tuple[Pace, str]:
        """(fine timeline, main stall cause) of `plan`'s folds: a fine probe of its first
        PROBE_FOLDS folds (whole groups if a group is shorter; the whole layer if shorter
        still) on a fresh chip. `cache` keeps the answers by the probe's timing inputs."""
        probe = probe_plan(plan, min(plan.folds, probe_folds(plan, PROBE_FOLDS)))
        key = _timing_key(probe)
        if key not in cache:
            ends: list[int] = []
            rows, _ = SystolicChip(SimContext(clock_mhz=self.hw.clock_mhz, seed=self.ctx.seed), self.hw).run(
                [probe], fidelity="fine", job_ends=ends)
            cache[key] = Pace.from_probe(ends), max(STALL_CAUSES, key=lambda c: rows[0][f"stall_{c}"])
        return cache[key]

    def _rows(self, plans) -> list[dict]:
        stats = self.ctx.stats
        stalls = [stats.by_layer("pe_array", column) for column in STALL_COLUMNS]
        rows = []
        for i, plan in enumerate(plans):
            layer = plan.layer
            start, end = self.array.layer_spans[i]
            cycles = end - start
            stall = [int(by_layer.get(layer.name, 0)) for by_layer in stalls]
            on_array = plan.unit == "pe_array"
            rows.append({
                "layer": layer.name, "type": layer.kind, "unit": plan.unit, "b_operand": b_operand(layer),
                "macs": plan.workload_macs, "executed_macs": layer.macs, "folds": plan.folds,
                "compute_cycles": plan.compute_cycles, "stall_cycles": sum(stall),
                "cycles": cycles, "start_cycle": start, "end_cycle": end,
                "utilization": layer.macs * plan.time_density / (cycles * plan.pes) if cycles and on_array else 0.0,
                "timed_macs": round(layer.macs * plan.time_density),
                "mapping_efficiency": plan.used_pes / (plan.folds * plan.pes) if on_array else 0.0,
                **dict(zip(STALL_COLUMNS, stall)),
                "ifmap_sram_reads": plan.sram_reads.get("ifmap", 0),
                "filter_sram_reads": plan.sram_reads.get("filter", 0),
                "ofmap_sram_writes": plan.sram_writes.get("ofmap", 0),
                "dram_read_bytes": sum(plan.dram_read_bytes.values()),
                "dram_write_bytes": sum(plan.dram_write_bytes.values()),
                # of those, the KV cache's (decode): earlier tokens' K/V read, new ones appended
                "kv_cache_read_bytes": layer.kv_read_bytes, "kv_cache_write_bytes": layer.kv_write_bytes,
            })
        return rows

    def summary_extras(self, layers) -> dict:
        return {
            "dram_read_bytes": int(layers["dram_read_bytes"].sum()),
            "dram_write_bytes": int(layers["dram_write_bytes"].sum()),
            "kv_cache_read_bytes": int(layers["kv_cache_read_bytes"].sum()),
            "kv_cache_write_bytes": int(layers["kv_cache_write_bytes"].sum()),
            "sram_reads": int(layers["ifmap_sram_reads"].sum() + layers["filter_sram_reads"].sum()),
            "sram_writes": int(layers["ofmap_sram_writes"].sum()),
        }


def _trace_memory(ctx: SimContext, link: Link, buffers) -> None:
    """Tracing only: each DRAM transfer a span on a `dram` track (the link carries one at a
    time, so they never overlap), and each buffer's occupancy as a counter track."""
    tracer = ctx.tracer

    def booked(start, end, nbytes, label):
        if label is not None:
            tracer.span("dram", label[0], label[1], math.ceil(start), math.ceil(end))

    link.on_book = booked
    for buffer in buffers:
        track = f"{buffer.name} occupancy (B)"
        buffer.channel.on_level = lambda cycle, level, track=track: tracer.counter(track, cycle, level)
