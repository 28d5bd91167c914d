"""A crossbar PIM chip as SimPy processes: one unit per layer (the IMAs holding its
weights, all replicas), routers carrying outputs to the next layer's tiles, and an
off-chip link bringing inputs in and results out.

A unit works through its layer's output rows in order. Before a job it waits until the
producer has delivered the input rows the job's windows need (`stall_input`) and for
room in its output channel (`stall_output`: the consumer's buffer is full — back-pressure).
Its busy time is exact: vectors x reads per vector x read time / replicas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from accelsim.components.mram import MRAM_STATS, MramWriter
from accelsim.components.systolic import b_operand
from accelsim.components.rows import (FAST_JOBS_PER_LAYER, Rows, RowJob, chained, freeable_rows, needed_rows,
                                      row_jobs)
from accelsim.config.schema import HardwareConfig
from accelsim.energy.table import adc_stat
from accelsim.engine import Channel, Component, Link, SimContext, Stat
from accelsim.workload import Workload
from accelsim.workload.mapping.allocate import Allocation, allocate
from accelsim.workload.mapping.crossbar import CrossbarLayerPlan, map_crossbar
from accelsim.workload.mapping.dynamic import rewrite_cycles

# per-vector action -> (component, statistic)
ACTIONS = {
    "crossbar": ("crossbar", "reads"), "dac": ("dac", "conversions"), "sample_hold": ("sample_hold", "samples"),
    "adc": ("adc", "conversions"), "ima_shift_add": ("ima_shift_add", "adds"),
    "input_register": ("input_register", "bytes"), "output_register": ("output_register", "bytes"),
    "tile_buffer_read": ("tile_buffer", "read_bytes"), "tile_buffer_write": ("tile_buffer", "write_bytes"),
    "bus": ("bus", "bytes"), "tile_shift_add": ("tile_shift_add", "adds"), "sigmoid": ("sigmoid", "ops"),
    "tile_output_register": ("tile_output_register", "bytes"), "maxpool": ("maxpool", "ops"),
    "vector": ("vector_unit", "ops"), "matmul_unit": ("matmul_unit", "macs"),
}
UNITS = {"reads": "reads", "conversions": "conversions", "samples": "samples", "adds": "adds", "bytes": "B",
         "read_bytes": "B", "write_bytes": "B", "ops": "ops", "flit_hops": "flit-hops", "cell_writes": "cells",
         "macs": "MAC"}
UNITS.update({adc_stat(b): "conversions" for b in range(1, 17)})


class Block(Component):
    """A hardware block that only counts actions (the units and links drive it)."""

    def __init__(self, ctx: SimContext, name: str, stats: list[str], extra: tuple = ()):
        self.STATS = tuple(Stat(s, UNITS[s], f"{name} {s.replace('_', ' ')}") for s in stats) + extra
        super().__init__(ctx, name)


def row_bytes(plan: CrossbarLayerPlan) -> int:
    """Bytes of one output row (one batch element's row of every channel)."""
    return plan.layer.Q * plan.layer.K * -(-plan.input_bits // 8)


def kv_bytes(plan: CrossbarLayerPlan, elements: int) -> int:
    """KV-cache bytes at the precision the layer runs at."""
    return elements * -(-plan.input_bits // 8)


class LayerUnit(Component):
    """The IMAs holding one layer (every replica), or the pooling units of its tiles."""

    STATS = (
        Stat("busy_cycles", "cycles", "cycles computing"),
        Stat("program_cycles", "cycles", "cycles writing crossbars (a dynamic operand; time-multiplexing)"),
        Stat("vectors", "vectors", "input vectors processed"),
        Stat("macs", "MAC", "multiply-accumulates"),
        Stat("stall_input", "cycles", "cycles waiting for input rows"),
        Stat("stall_output", "cycles", "cycles waiting for room in the consumer's buffer"),
        Stat("stall_tile_bus", "cycles", "cycles waiting for the tile buffer's bus to carry the inputs"),
        Stat("stall_weight_load", "cycles", "time-multiplexed: cycles bringing the layer's weights on chip"),
        Stat("stall_kv_cache", "cycles", "cycles moving KV-cache entries over the off-chip link"),
    )

    def __init__(self, ctx: SimContext, hw: HardwareConfig, alloc: Allocation, index: int,
                 plan: CrossbarLayerPlan, jobs: list[RowJob]):
        super().__init__(ctx, "units")
        self.plan, self.jobs, self.index = plan, jobs, index
        passes = max(alloc.passes[index], 1)
        if plan.unit in ("pool", "vector"):
            per_row = plan.vectors // plan.rows_out
            rate = Fraction(per_row * max(alloc.tiles[index], 1), plan.pool_cycles_per_row)
            latency = 0
        elif plan.unit == "matmul_unit":
            rate, latency = Fraction(plan.digital_rate).limit_denominator(1 << 30), 0
        else:
            slices = plan.slices * (1 - Fraction(plan.skip_fraction).limit_denominator(1 << 20))
            rate = alloc.replicas[index] / (slices * plan.read_cycles * passes) if slices else Fraction(10**9)
            latency = plan.read_cycles  # the last read's conversion and shift-and-add drain
        # The buses from its tiles' buffers to their IMAs, side by side, carry every vector's
        # inputs and serve only this layer (a tile shared with a neighbouring layer lends
        # each its whole bus: an optimistic bound), so they cap the unit's rate.
        bus = Fraction(hw.compute.tile.buffer.bus_bits * max(alloc.tiles[index], 1), 8)
        per_vector = Fraction(plan.per_vector.get("bus", 0)).limit_denominator(1 << 20)
        self.bus_cycles = plan.vectors * per_vector / bus  # per input
        self.crossbar_share = Fraction(1)  # of the unit's busy time, the rest waits on the bus
        if per_vector and bus / per_vector < rate:
            self.crossbar_share = (bus / per_vector) / rate
            rate = bus / per_vector
        self.server = Link(ctx.env, f"unit{index}", rate, latency)
        self.program_cycles = self.cell_writes = self.weight_load_bytes = 0
        if plan.unit == "crossbars" and (plan.layer.dynamic or alloc.reprogram):
            # the dynamic operand is written into the cells before use, every inference, and so
            # is every time-multiplexed layer: every copy (mapping/dynamic.py, rewrite_cycles)
            copies = alloc.replicas[index]
            self.program_cycles = rewrite_cycles(plan, hw, copies, alloc.tiles[index], passes)
            self.cell_writes = plan.layer.weight_count * plan.cells_per_weight * copies
            if not plan.layer.dynamic:  # the weights come from off chip first (once; the copies are on chip)
                self.weight_load_bytes = plan.layer.weight_count * -(-plan.weight_bits // 8)
        self.start = self.end = 0
        self.done = ctx.env.event()
        self.needs: list[int] = []  # producer rows each job needs (set by the chip)
        # the counts every job adds in proportion to its vectors, summed once (rows.chained)
        counts = [job.vectors for job in jobs]
        per = [("units", "vectors", 1), ("units", "macs", plan.macs // plan.vectors if plan.vectors else 0)]
        per += [(*ACTIONS[action], n) for action, n in plan.per_vector.items()]
        if "adc" in plan.per_vector:  # priced by the resolution they are made at
            per.append(("adc", adc_stat(plan.adc_bits), plan.per_vector["adc"]))
        self.totals = [(component, stat, chained(n, counts)) for component, stat, n in per]
        self.offchip: Link | None = None  # set by the chip: the KV cache crosses it

    def run(self, source: "Stream", outbox: "Stream", deliver, after=None, fast=False, express=None):
        """Work through the jobs. Per-job counts are summed here in job order and added once
        (each cell opened where its first per-job add was: same keys, order and bits).

        `fast`: the layers run one after another, on SRAM tile buffers, untraced. Nothing
        else then books this unit's server or its consumer's router ports, and nobody looks
        at its output rows until it is done. So `express` (chip.book_delivery; not the last
        layer, whose results leave over the shared off-chip link) books each delivery at once,
        and when the unit is done its rows are counted in or booked to arrive
        (`Rows.ready_at`); a job whose inputs are there or booked does not wait on an event,
        and once every job's are, the rest of the layer is its server bookings in order, one
        timeout for them all: the cycles `deliver` processes and per-job waits give."""
        env, plan, stats, name = self.env, self.plan, self.ctx.stats, self.plan.layer.name
        if after is not None:
            yield after
        jobs, needs, share, server, rows = self.jobs, self.needs, self.crossbar_share, self.server, source.rows
        stall_in = stall_out = busy_sum = bus_sum = 0.0
        rows_done = freed = 0
        pending: list[tuple[int, int]] = []  # express: (arrival cycle, rows) of booked deliveries
        for k, job in enumerate(jobs):
            if express is not None and k and rows.ready_at(needs[-1]) is not None:
                if k == 1:
                    self.count("stall_input", 0.0, name)
                cycle = now = int(env.now)
                for j in range(k, len(jobs)):
                    job = jobs[j]
                    start = max(cycle, rows.ready_at(needs[j]))
                    stall_in += start - cycle
                    done = server.book(job.vectors, at=start)
                    busy = float(done - start) if share == 1 else float((done - start) * share)
                    busy_sum += busy
                    bus_sum += done - start - busy
                    if job.done > rows_done:
                        new_rows = job.done - rows_done
                        pending.append((express(self.index, new_rows * outbox.row_bytes, done + server.latency),
                                        new_rows))
                    rows_done, cycle = job.done, done
                if cycle > now:
                    yield env.timeout(cycle - now)
                break
            t0 = int(env.now)
            ready = rows.ready_at(needs[k]) if fast else None
            if ready is None:
                yield rows.wait(needs[k])
            elif job.first or ready > t0:  # a first job waits as a satisfied wait would
                yield env.timeout(max(ready - t0, 0))
            t1 = int(env.now)
            if job.first:
                self.start = t1
                if self.weight_load_bytes:
                    yield from self.offchip.serialize(self.weight_load_bytes)
                    stats.add("offchip", "bytes", self.weight_load_bytes, name)
                    self.count("stall_weight_load", int(env.now) - t1, name)
                if plan.layer.kv_read:  # the earlier tokens' K or V come in from the cache in DRAM
                    t_kv = int(env.now)
                    yield from self.offchip.serialize(kv_bytes(plan, plan.layer.kv_read))
                    stats.add("offchip", "bytes", kv_bytes(plan, plan.layer.kv_read), name)
                    self.count("stall_kv_cache", int(env.now) - t_kv, name)
                if self.program_cycles:
                    yield env.timeout(self.program_cycles)
                    self.count("program_cycles", self.program_cycles, name)
                    stats.add("crossbar", "cell_writes", self.cell_writes, name)
            else:
                if k == 1:
                    self.count("stall_input", 0.0, name)
                stall_in += t1 - t0
            new_rows = job.done - rows_done
            nbytes = new_rows * outbox.row_bytes
            t2 = int(env.now)
            if nbytes and outbox.channel.capacity is not None:
                yield from outbox.channel.reserve(nbytes)
            t3 = int(env.now)
            if not k:
                self.count("stall_output", 0.0, name)
            stall_out += t3 - t2
            arrival = yield from server.serialize(job.vectors)
            spent = int(env.now) - t3
            busy = float(spent) if share == 1 else float(spent * share)  # a bus-bound unit waits the rest
            busy_sum += busy
            bus_sum += spent - busy
            if not k:
                self.count("busy_cycles", 0.0, name)
                self.count("stall_tile_bus", 0.0, name)
                for component, stat, _ in self.totals:
                    stats.add(component, stat, 0.0, name)
            self.ctx.tracer.span(f"crossbars:{name}", plan.unit, name, t3, int(env.now))
            if new_rows:
                if express is None:
                    env.process(deliver(self.index, outbox, new_rows, nbytes, arrival))
                else:
                    pending.append((express(self.index, nbytes, arrival), new_rows))
            rows_done = job.done
            if source.channel.capacity is not None:
                free = freeable_rows(plan, source.total, job.done)
                if free > freed:
                    source.channel.release((free - freed) * source.row_bytes)
                    freed = free
        if len(jobs) > 1:
            self.count("stall_input", stall_in, name)
        if jobs:
            for stat, value in (("stall_output", stall_out), ("busy_cycles", busy_sum), ("stall_tile_bus", bus_sum)):
                self.count(stat, value, name)
            for component, stat, total in self.totals:
                stats.add(component, stat, total, name)
        if plan.layer.kv_write:  # the new tokens' K or V go out to the cache
            t_kv = int(env.now)
            yield from self.offchip.serialize(kv_bytes(plan, plan.layer.kv_write))
            stats.add("offchip", "bytes", kv_bytes(plan, plan.layer.kv_write), name)
            self.count("stall_kv_cache", int(env.now) - t_kv, name)
        self.end = int(env.now)
        if pending:
            outbox.rows.book(pending, self.end)
        self.done.succeed()


@dataclass
class Stream:
    """One layer's output on its way to the next: rows arrived, and the buffer they occupy."""

    rows: Rows
    total: int
    row_bytes: int
    channel: Channel


class CrossbarChip:
    family = "crossbar"

    def __init__(self, ctx: SimContext, hw: HardwareConfig):
        self.ctx, self.hw = ctx, hw
        self.alloc: Allocation | None = None
        chip = hw.compute
        self.peak_macs_per_cycle = _peak_macs_per_cycle(hw)
        env = ctx.env
        tile = chip.tile
        self.blocks = [Block(ctx, name, stats) for name, stats in [
            ("crossbar", ["reads", "cell_writes"]), ("dac", ["conversions"]), ("sample_hold", ["samples"]),
            ("adc", ["conversions", *(adc_stat(b) for b in range(1, tile.ima.adc.bits + 1))]),
            ("ima_shift_add", ["adds"]), ("input_register", ["bytes"]),
            ("output_register", ["bytes"]), ("bus", ["bytes"]),
            ("router", ["flit_hops"]), ("sigmoid", ["ops"]), ("tile_shift_add", ["adds"]), ("maxpool", ["ops"]),
            ("tile_output_register", ["bytes"]), ("offchip", ["bytes"]),
            ("vector_unit", ["ops"]), ("matmul_unit", ["macs"]),
        ]]
        buffer = tile.buffer
        self.tile_buffer = Block(ctx, "tile_buffer", ["read_bytes", "write_bytes"], MRAM_STATS if buffer.is_mram else ())
        self.writers: dict[int, MramWriter] = {}
        # Rows for layer j enter its tiles through their router ports, flit_bits per cycle
        # each: one link per layer, as wide as the tiles it spans (a tile shared with the
        # neighbouring layer at a boundary lends each its whole port: an optimistic bound).
        self.ports: dict[int, Link] = {}
        cycles_per_s = hw.clock_mhz * 1e6
        self.offchip = Link(env, "offchip", chip.offchip.bandwidth_gb_per_s * 1e9 / cycles_per_s,
                            ctx.cycles(chip.offchip.latency_ns))
        self.buffer_bytes = int(tile.buffer.capacity_kib * 1024)
        self.hop_cycles = tile.router.hop_latency_cycles
        self.flit_bytes = tile.router.flit_bits / 8
        self.units: list[LayerUnit] = []

    def _stream(self, rows_total: int, row_bytes: int, consumer: CrossbarLayerPlan | None, tiles: int) -> Stream:
        if consumer is None or self.hw.execution == "layer_by_layer" or self.alloc.reprogram or barrier(consumer):
            capacity = None  # results leave the chip, or wait whole for a layer that runs later
        else:
            # A buffer holds at least the rows one consumer job must see at once.
            window = needed_rows(consumer, rows_total, min(consumer.rows_out, 2)) + 1
            capacity = max(tiles * self.buffer_bytes, window * row_bytes, 1)
        return Stream(Rows(self.ctx.env, rows_total), rows_total, row_bytes,
                      Channel(self.ctx.env, "buffer", self.offchip, capacity))

    def deliver(self, index: int, outbox: Stream, rows: int, nbytes: int, ready: int):
        """Carry a unit's finished rows to the consumer (router hops) or off chip."""
        env = self.ctx.env
        if ready > env.now:
            yield env.timeout(ready - int(env.now))
        last = index == len(self.units) - 1
        if last:
            arrival = yield from self.offchip.serialize(nbytes)
            self.ctx.stats.add("offchip", "bytes", nbytes, self.units[index].plan.layer.name)
        elif self.alloc.hops[index + 1] == 0:  # into a pooling unit on the same tiles: no router
            arrival = int(env.now)
        else:
            hops = self.alloc.hops[index + 1]
            arrival = (yield from self._port(index + 1).serialize(nbytes)) + hops * self.hop_cycles
            self.ctx.stats.add("router", "flit_hops", math.ceil(nbytes / self.flit_bytes) * hops,
                               self.units[index].plan.layer.name)
        if arrival > env.now:
            yield env.timeout(arrival - int(env.now))
        if not last:
            yield from self._write(index + 1, nbytes, self.units[index].plan.layer.name)
        outbox.rows.add(rows)

    def book_delivery(self, index: int, nbytes: int, ready: int) -> int:
        """`deliver`'s bookings without a process, for an inner layer of a sequential chip on
        SRAM tile buffers: its consumer's router ports carry only its rows, in job order, so
        each transfer is booked now for the cycle `deliver` would book it at. Returns the
        cycle the rows arrive."""
        hops = self.alloc.hops[index + 1]
        arrival = ready
        if hops:
            arrival = self._port(index + 1).book(nbytes, at=ready) + hops * self.hop_cycles
            self.ctx.stats.add("router", "flit_hops", math.ceil(nbytes / self.flit_bytes) * hops,
                               self.units[index].plan.layer.name)
        return arrival

    def _port(self, consumer: int) -> Link:
        """The router ports into layer `consumer`'s tiles, side by side."""
        if consumer not in self.ports:
            tiles = max(self.alloc.tiles[consumer], 1)
            self.ports[consumer] = Link(self.ctx.env, f"ports{consumer}", self.flit_bytes * tiles)
        return self.ports[consumer]

    def _write(self, consumer: int, nbytes: int, layer: str):
        """Rows landing in an MRAM tile buffer are written word by word, stochastically."""
        buffer = self.hw.compute.tile.buffer
        if not buffer.is_mram:
            return
        if consumer not in self.writers:
            banks = buffer.banks * max(self.alloc.tiles[consumer], 1)
            self.writers[consumer] = MramWriter(self.tile_buffer, buffer.mram, buffer.technology, banks)
        yield from self.writers[consumer].write(nbytes, layer)

    def feed_input(self, stream: Stream, plan: CrossbarLayerPlan, fidelity: str):
        """Stream the input feature map in over the off-chip link, row by row."""
        env = self.ctx.env
        chunk = 1 if fidelity == "fine" else max(1, math.ceil(stream.total / FAST_JOBS_PER_LAYER))
        for a in range(0, stream.total, chunk):
            rows = min(chunk, stream.total - a)
            nbytes = rows * stream.row_bytes
            yield from stream.channel.reserve(nbytes)
            arrival = yield from self.offchip.serialize(nbytes)
            self.ctx.stats.add("offchip", "bytes", nbytes, plan.layer.name)
            env.process(self._arrive(stream, rows, nbytes, arrival, plan.layer.name))

    def _arrive(self, stream: Stream, rows: int, nbytes: int, arrival: int, layer: str):
        if arrival > self.ctx.env.now:
            yield self.ctx.env.timeout(arrival - int(self.ctx.env.now))
        yield from self._write(0, nbytes, layer)
        stream.rows.add(rows)

    def map(self, workload: Workload, stats=None, skip=None) -> list[CrossbarLayerPlan]:
        """The mapping pass: one plan per layer (compression `stats`, zero-slice `skip`
        shares), and their allocation onto the chip's tiles."""
        stats = stats or [None] * len(workload.layers)
        skip = skip or {}
        plans = [map_crossbar(layer, self.hw, s, skip.get(layer.name, 0.0))
                 for layer, s in zip(workload.layers, stats)]
        self.alloc = allocate(plans, self.hw, workload.path)
        return plans

    def run(self, plans: list[CrossbarLayerPlan]) -> tuple[list[dict], int]:
        """The run pass: one row per layer and the final cycle."""
        spans, end = self._run(plans, self.hw.fidelity)
        return self._rows(plans, spans), end

    def _rows(self, plans: list[CrossbarLayerPlan], spans) -> list[dict]:
        stats = self.ctx.stats
        writes = stats.by_layer("crossbar", "cell_writes")
        per = {s: stats.by_layer("units", s)
               for s in ("busy_cycles", "program_cycles", "stall_input", "stall_output", "stall_tile_bus",
                         "stall_weight_load", "stall_kv_cache")}
        reads = stats.by_layer("crossbar", "reads")
        conversions = stats.by_layer("adc", "conversions")
        rows = []
        for i, plan in enumerate(plans):
            name = plan.layer.name
            start, end = spans[i]
            busy = round(per["busy_cycles"].get(name, 0))
            program = int(per["program_cycles"].get(name, 0))
            stall_in, stall_out = int(per["stall_input"].get(name, 0)), int(per["stall_output"].get(name, 0))
            bus = round(per["stall_tile_bus"].get(name, 0))
            load, kv = int(per["stall_weight_load"].get(name, 0)), int(per["stall_kv_cache"].get(name, 0))
            cycles = end - start
            rows.append({
                "layer": name, "type": plan.layer.kind, "unit": plan.unit, "b_operand": b_operand(plan.layer),
                "macs": plan.macs,
                "executed_macs": plan.macs * (1 - plan.skip_fraction),  # skipped slices do no work
                "vectors": plan.vectors, "compute_cycles": busy + program,
                "stall_cycles": cycles - busy - program, "cycles": cycles, "start_cycle": start, "end_cycle": end,
                "utilization": plan.macs * (1 - plan.skip_fraction) / (cycles * self.peak_macs_per_cycle)
                if cycles else 0.0,
                "stall_input": stall_in, "stall_output": stall_out, "stall_tile_bus": bus,
                "stall_weight_load": load, "stall_kv_cache": kv,
                "stall_pipeline": cycles - busy - program - stall_in - stall_out - bus - load - kv,
                "program_cycles": program, "cell_writes": int(writes.get(name, 0)),
                "kv_cache_read_bytes": kv_bytes(plan, plan.layer.kv_read),
                "kv_cache_write_bytes": kv_bytes(plan, plan.layer.kv_write),
                # how long the layer's tile buses, and MRAM banks (writing its arriving rows),
                # were busy: a pipeline cannot accept inputs faster than these either
                "tile_bus_cycles": math.ceil(self.units[i].bus_cycles),
                "mram_bank_cycles": math.ceil(self.writers[i].port.busy_cycles) if i in self.writers else 0,
                "crossbars": plan.crossbars, "replicas": self.alloc.replicas[i],
                "reads_per_input": plan.slices, "read_ns": plan.read_ns, "adc_bits": plan.adc_bits,
                "crossbar_reads": int(reads.get(name, 0)), "adc_conversions": int(conversions.get(name, 0)),
            })
        return rows

    def summary_extras(self, layers) -> dict:
        # A pipeline accepts a new input every `interval` cycles: the time of its busiest
        # resource per input -- a layer's crossbars, tile buses, MRAM banks or router ports,
        # or the off-chip link.
        # Ties go to the crossbars (listed first): max() keeps the first of equals.
        candidates = [(0, "nothing")]
        for what, column in (("crossbars", "compute_cycles"), ("tile buses", "tile_bus_cycles"),
                             ("MRAM banks", "mram_bank_cycles")):
            candidates += [(int(c), f"{name} {what}") for name, c in zip(layers["layer"], layers[column])]
        candidates += [(math.ceil(link.busy_cycles), f"{self.units[i].plan.layer.name} router ports")
                       for i, link in self.ports.items()]
        candidates.append((math.ceil(self.offchip.busy_cycles), "off-chip link"))
        interval, bound = max(candidates, key=lambda c: c[0])
        batch = max(self.units[0].plan.layer.N, 1) if self.units else 1
        hz = self.hw.clock_mhz * 1e6
        return {"pipeline_interval_cycles": interval, "pipeline_bound_by": bound,
                "pipelined_inferences_per_s": batch * hz / interval
                if interval and self.hw.execution == "pipelined" and not self.alloc.reprogram else None,
                "crossbars_used": self.alloc.crossbars_used, "crossbars_total": self.alloc.crossbars_total,
                "crossbar_reads": int(layers["crossbar_reads"].sum()),
                "adc_conversions": int(layers["adc_conversions"].sum()),
                "time_multiplexed": self.alloc.reprogram,
                "kv_cache_read_bytes": int(layers["kv_cache_read_bytes"].sum()),
                "kv_cache_write_bytes": int(layers["kv_cache_write_bytes"].sum()),
                "endurance_inferences": self._endurance()}

    def _endurance(self) -> float | None:
        """Inferences until the most-written cell reaches its endurance: each layer written per
        inference (dynamic operands; every layer when time-multiplexed) rewrites its cells once
        per pass, and time-multiplexed layers all share the same cells. None: nothing rewritten."""
        written = [u for u in self.units if u.cell_writes]
        if not written:
            return None
        per_cell = (sum(max(self.alloc.passes[u.index], 1) for u in written) if self.alloc.reprogram
                    else max(max(self.alloc.passes[u.index], 1) for u in written))
        return self.hw.compute.tile.ima.crossbar.endurance / per_cell

    def _run(self, plans: list[CrossbarLayerPlan], fidelity: str):
        env = self.ctx.env
        hw = self.hw
        first = plans[0].layer
        in_bytes = -(-plans[0].input_bits // 8)
        source = self._stream(first.N * first.H, first.W * first.C * in_bytes, plans[0], self.alloc.tiles[0])
        env.process(self.feed_input(source, plans[0], fidelity))
        sequential = hw.execution == "layer_by_layer" or self.alloc.reprogram
        # book_delivery's conditions: layers run one after another, no MRAM tile buffer draws
        # at arrival, no trace (the last layer's results leave over the shared off-chip link)
        fast = sequential and not hw.compute.tile.buffer.is_mram and not self.ctx.tracer.enabled
        shapes: dict[tuple, tuple] = {}  # jobs and their input needs, shared by same-shape layers
        after = None
        for i, plan in enumerate(plans):
            layer = plan.layer
            key = (plan.unit, plan.rows_out, plan.vectors, layer.N, layer.H, layer.P, layer.R, layer.stride_h,
                   layer.pad_top, source.total)
            if key not in shapes:
                jobs = row_jobs(plan, fidelity)
                shapes[key] = jobs, [needed_rows(plan, source.total, job.toward) for job in jobs]
            unit = LayerUnit(self.ctx, hw, self.alloc, i, plan, shapes[key][0])
            unit.needs = shapes[key][1]
            unit.offchip = self.offchip
            self.units.append(unit)
            consumer = plans[i + 1] if i + 1 < len(plans) else None
            outbox = self._stream(plan.rows_out, row_bytes(plan), consumer,
                                  self.alloc.tiles[i + 1] if consumer else 1)
            env.process(unit.run(source, outbox, self.deliver, after if sequential or barrier(plan) else None,
                                 fast, self.book_delivery if fast and consumer else None))
            after = unit.done
            source = outbox
        env.run()
        return [(u.start, u.end) for u in self.units], int(env.now)


def barrier(plan: CrossbarLayerPlan) -> bool:
    """A matmul on cells starts when its producer is done: its operand must be written whole first."""
    return plan.unit == "crossbars" and plan.layer.dynamic


def peak_probe(hw: HardwareConfig) -> CrossbarLayerPlan:
    """The plan of one full crossbar at the chip's native precision: the peak's yardstick."""
    from accelsim.workload.layers import Layer

    xbar = hw.compute.tile.ima.crossbar
    native = hw.model_copy(update={"compute": hw.compute.model_copy(update={"precision": "chip"})})
    probe = Layer(name="peak", kind="gemm", C=xbar.rows, H=1, W=1, K=xbar.cols,
                  act_bits=hw.compute.input_bits, weight_bits=hw.compute.weight_bits)
    return map_crossbar(probe, native)


def _peak_macs_per_cycle(hw: HardwareConfig) -> float:
    """MACs per cycle with every crossbar busy at the native precision."""
    plan = peak_probe(hw)
    per_crossbar = plan.layer.C * plan.weights_per_crossbar / (plan.slices * plan.read_cycles)
    return per_crossbar * hw.compute.crossbars
