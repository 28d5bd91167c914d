"""Links and channels: they own latency, bandwidth and depth, not the processes at their ends.

A `Link` serialises transfers at a bandwidth and adds a fixed, pipelined latency. It keeps
its busy-until time exactly (as a fraction of a cycle), so a stream of small transfers
takes the same total time as one large one; each transfer ends at the next whole cycle.

A `Channel` is a link into a queue whose depth is a byte capacity: the producer reserves
room before it sends (a full channel blocks it: back-pressure) and the consumer releases
the room when it has finished with the item.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction

import simpy


class Link:
    def __init__(self, env: simpy.Environment, name: str, bytes_per_cycle: float | None, latency_cycles: int = 0):
        if bytes_per_cycle is not None and bytes_per_cycle <= 0:
            raise ValueError(f"{name}: bandwidth must be > 0")
        if latency_cycles < 0:
            raise ValueError(f"{name}: latency must be >= 0")
        self.env = env
        self.name = name
        # Exact rational time, no drift between fine and fast fidelity: the bandwidth is the
        # fraction p/q bytes per cycle, and time is kept in integer units of 1/p cycle (a
        # byte takes q units), which is the same arithmetic as fractions, ~1.3x cheaper.
        self.bytes_per_cycle = None if bytes_per_cycle is None else Fraction(bytes_per_cycle).limit_denominator(1 << 20)
        self._p, self._q = (1, 0) if bytes_per_cycle is None else self.bytes_per_cycle.as_integer_ratio()
        self.latency = latency_cycles
        self._busy_until = 0   # in units of 1/p cycle
        self._busy = 0
        self.bytes = 0
        self.transfers = 0
        # tracing: called as on_book(start, end, nbytes, label) per transfer (exact fractions)
        self.on_book = None

    @property
    def busy_until(self) -> Fraction:
        return Fraction(self._busy_until, self._p)

    @property
    def busy_cycles(self) -> Fraction:
        """Cycles the link spent transmitting."""
        return Fraction(self._busy, self._p)

    def outlasts(self, nbytes: int, cycles: int) -> bool:
        """Whether sending `nbytes` takes more than `cycles`, even on an idle link."""
        return bool(self._q) and nbytes * self._q > cycles * self._p

    def book(self, nbytes: int, label=None, at: int | None = None) -> int:
        """Queue `nbytes` behind what the link already carries, without waiting; returns the
        cycle the last byte leaves (for senders that overlap the transfer with other work).
        `label` names the transfer for a tracer. `at`: book as if now were that (later) cycle,
        for a link whose only sender knows its next transfers' times in advance."""
        self.bytes += nbytes
        self.transfers += 1
        now = int(self.env.now) if at is None else at
        if not self._q or nbytes == 0:
            return now
        p = self._p
        # A sender that resumes on the whole cycle after the link freed keeps the link's
        # fractional time: a link freed less than a cycle ago counts as still streaming.
        start = self._busy_until if now * p < self._busy_until + p else now * p
        duration = nbytes * self._q
        self._busy_until = end = start + duration
        self._busy += duration
        if self.on_book is not None:
            self.on_book(Fraction(start, p), Fraction(end, p), nbytes, label)
        return -(-end // p)

    def book_span(self, nbytes: int, label=None) -> tuple[int, int]:
        """`book`, returning (the cycle the transfer starts leaving, the cycle it has left)."""
        done = self.book(nbytes, label)
        if not self._q or nbytes == 0:
            return done, done
        return (self._busy_until - nbytes * self._q) // self._p, done

    def serialize(self, nbytes: int, label=None):
        """Generator: wait until `nbytes` have left the sender; returns the arrival cycle."""
        done = self.book(nbytes, label)
        if done > self.env.now:
            yield self.env.timeout(done - int(self.env.now))
        return done + self.latency

    def transfer(self, nbytes: int):
        """Generator: wait until `nbytes` have arrived at the far end."""
        arrival = yield from self.serialize(nbytes)
        if arrival > self.env.now:
            yield self.env.timeout(arrival - int(self.env.now))


class Channel:
    """A link into a byte-bounded queue.

    `send` reserves room (blocking while the channel is full), serialises the item over the
    link and delivers it after the link latency, in order; `get` (an event) or `take` (a
    generator) takes the next item; `release` frees its room once the consumer is done.

    Room and queue are kept here, not in SimPy resources: a reserve that fits and a take
    that finds an item go on at once, without an event, and waiters are woken in order.
    """

    def __init__(self, env: simpy.Environment, name: str, link: Link, capacity_bytes: int | None = None):
        if capacity_bytes is not None and capacity_bytes < 1:
            raise ValueError(f"{name}: capacity must be >= 1 byte")
        self.env = env
        self.name = name
        self.link = link
        self.capacity = capacity_bytes
        self.level = 0                  # bytes of room taken
        self._waiting = deque()         # (bytes, event) of reserves that did not fit, in order
        self._items = deque()           # delivered, not yet taken
        self._flight = deque()          # (cycle, item) on their way (`put_at`), in order of arrival
        self._takers = deque()          # events of takes that found nothing
        self._last = 0                  # the latest arrival of an item put so far (`put_at`)
        self.on_level = None  # tracing: called as on_level(cycle, bytes held) when the room taken changes

    def room(self, nbytes: int) -> int:
        """The bytes an item really holds: never more than the whole channel."""
        return nbytes if self.capacity is None else min(nbytes, self.capacity)

    def grab(self, nbytes: int) -> bool:
        """Take `nbytes` of room if that needs no wait (then True); else change nothing."""
        capacity = self.capacity
        if capacity is None or nbytes <= 0:
            return True
        amount = nbytes if nbytes < capacity else capacity
        if self._waiting or self.level + amount > capacity:
            return False
        self.level += amount
        if self.on_level is not None:
            self.on_level(int(self.env.now), self.level)
        return True

    def fits(self, nbytes: int) -> bool:
        """Whether `nbytes` of room could be taken now without waiting."""
        if self.capacity is None or nbytes <= 0:
            return True
        return not self._waiting and self.level + self.room(nbytes) <= self.capacity

    def reserve(self, nbytes: int):
        """Generator: wait for `nbytes` of room (callers that seldom wait try `grab` first)."""
        amount = self.room(nbytes)
        if self.capacity is None or amount <= 0:
            return
        if not self._waiting and self.level + amount <= self.capacity:
            self.level += amount
        else:
            event = self.env.event()
            self._waiting.append((amount, event))
            yield event
        if self.on_level is not None:
            self.on_level(int(self.env.now), self.level)

    def release(self, nbytes: int) -> None:
        capacity = self.capacity
        if capacity is None or nbytes <= 0:
            return
        self.level -= nbytes if nbytes < capacity else capacity
        waiting = self._waiting
        while waiting and self.level + waiting[0][0] <= capacity:
            amount, event = waiting.popleft()
            self.level += amount
            event.succeed()
        if self.on_level is not None:
            self.on_level(int(self.env.now), self.level)

    def release_at(self, nbytes: int, cycle: int) -> None:
        """`release(nbytes)` at `cycle` (one timeout, no process)."""
        if cycle <= self.env.now:
            self.release(nbytes)
        else:
            self.env.timeout(cycle - self.env.now).callbacks.append(lambda _: self.release(nbytes))

    def put(self, item) -> None:
        """Deliver `item` to the consumer now."""
        if self._takers:
            self._takers.popleft().succeed(item)
        else:
            self._items.append(item)

    def get(self) -> simpy.Event:
        """An event whose value is the next item."""
        event = self.env.event()
        if self._items:
            event.succeed(self._items.popleft())
        elif self._flight:
            cycle, item = self._flight.popleft()
            _succeed_in(event, item, cycle - self.env.now)
        else:
            self._takers.append(event)
        return event

    def ready(self) -> bool:
        """Whether an item has been put (it may still be on its way)."""
        return bool(self._items or self._flight)

    def poll(self):
        """The next item if one has arrived, else None (then wait on `get`)."""
        if self._items:
            return self._items.popleft()
        if self._flight and self._flight[0][0] <= self.env.now:
            return self._flight.popleft()[1]
        return None

    def take(self):
        """Generator: the next item, at once if one is there."""
        if self._items:
            return self._items.popleft()
        item = yield self.get()
        return item

    def send(self, item, nbytes: int, reserve: bool = True, label=None):
        """Generator: (reserve,) serialise, and schedule the delivery; returns on serialisation."""
        if reserve:
            yield from self.reserve(nbytes)
        arrival = yield from self.link.serialize(nbytes, label)
        self.put_at(item, arrival)

    def put_at(self, item, cycle: int, direct: bool = True) -> None:
        """Deliver `item` at `cycle`. A consumer waiting for it, or asking before it arrives,
        is woken then by one event, not a timeout and a wake-up. `direct=False` if an item put
        at once may overtake this one (a consumer waiting then takes the first to arrive)."""
        now = self.env.now
        if cycle > self._last:
            self._last = cycle
        if cycle <= now:
            self.put(item)
        elif not direct:
            self.env.timeout(cycle - now).callbacks.append(lambda _: self.put(item))
        elif self._takers and not self._flight:
            _succeed_in(self._takers.popleft(), item, cycle - now)
        else:
            self._flight.append((cycle, item))

    def put_behind(self, item) -> None:
        """Deliver `item` now, or, if items put before it are still on their way, as the
        last of them arrives: the consumer takes items in the order they were put."""
        self.put_at(item, self._last, direct=False)


def _succeed_in(event: simpy.Event, value, delay: int) -> None:
    """`event.succeed(value)`, `delay` cycles from now (as SimPy's own Timeout is scheduled)."""
    if delay <= 0:
        event.succeed(value)
        return
    event._ok, event._value = True, value
    event.env.schedule(event, delay=delay)
