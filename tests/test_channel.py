"""Exact event logs for links and channels."""

from __future__ import annotations

import simpy
import pytest

from accelsim.engine import Channel, Link


def test_link_serialises_fifo_and_adds_pipelined_latency():
    env = simpy.Environment()
    link = Link(env, "l", bytes_per_cycle=4, latency_cycles=10)
    log = []

    def sender(name, nbytes, at):
        yield env.timeout(at)
        yield from link.transfer(nbytes)
        log.append((name, env.now))

    env.process(sender("a", 8, 0))   # 2 cycles on the wire, arrives at 2 + 10
    env.process(sender("b", 6, 0))   # queued behind a: wire until 3.5 -> 4, arrives 14
    env.process(sender("c", 4, 20))  # idle link: 20 + 1 + 10
    env.run()
    assert log == [("a", 12), ("b", 14), ("c", 31)]
    assert link.bytes == 18 and link.transfers == 3
    assert link.busy_cycles == 18 / 4


def test_link_keeps_fractional_time_exact():
    """100 transfers of 3 bytes at 2 B/cycle take exactly 150 cycles, as one of 300 would."""
    env = simpy.Environment()
    link = Link(env, "l", bytes_per_cycle=2)

    def many():
        for _ in range(100):
            yield from link.transfer(3)

    env.process(many())
    env.run()
    assert env.now == 150


def test_unlimited_link_costs_only_latency():
    env = simpy.Environment()
    link = Link(env, "l", bytes_per_cycle=None, latency_cycles=5)
    done = []

    def go():
        yield from link.transfer(10**9)
        done.append(env.now)

    env.process(go())
    env.run()
    assert done == [5]


def test_channel_back_pressure_blocks_the_producer():
    env = simpy.Environment()
    ch = Channel(env, "c", Link(env, "l", bytes_per_cycle=None), capacity_bytes=10)
    log = []

    def producer():
        for i in range(3):
            yield from ch.send(i, 6)       # 6 + 6 > 10: the second waits for a release
            log.append(("sent", i, env.now))

    def consumer():
        for _ in range(3):
            item = yield ch.get()
            log.append(("got", item, env.now))
            yield env.timeout(7)
            ch.release(6)

    env.process(producer())
    env.process(consumer())
    env.run()
    assert log == [("sent", 0, 0), ("got", 0, 0), ("sent", 1, 7), ("got", 1, 7),
                   ("sent", 2, 14), ("got", 2, 14)]


def test_channel_delivers_in_order_after_latency():
    env = simpy.Environment()
    ch = Channel(env, "c", Link(env, "l", bytes_per_cycle=1, latency_cycles=3))
    got = []

    def producer():
        for i, size in enumerate([2, 1, 4]):
            yield from ch.send(i, size)

    def consumer():
        for _ in range(3):
            item = yield ch.get()
            got.append((item, env.now))

    env.process(producer())
    env.process(consumer())
    env.run()
    # wire ends at 2, 3, 7; each arrives 3 cycles later
    assert got == [(0, 5), (1, 6), (2, 10)]


def test_item_larger_than_channel_takes_the_whole_channel():
    env = simpy.Environment()
    ch = Channel(env, "c", Link(env, "l", None), capacity_bytes=4)
    assert ch.room(100) == 4 and ch.room(3) == 3


@pytest.mark.parametrize("kwargs", [dict(bytes_per_cycle=0), dict(bytes_per_cycle=-1), dict(bytes_per_cycle=1, latency_cycles=-1)])
def test_link_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        Link(simpy.Environment(), "l", **kwargs)
