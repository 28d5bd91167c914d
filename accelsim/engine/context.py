"""The simulation context: everything one run owns, passed in, never global."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from accelsim.engine.stats import StatsRegistry
from accelsim.engine.tracer import Tracer


class Environment(simpy.Environment):
    """A SimPy environment that can say how many events it scheduled (for speed reports)."""

    @property
    def events(self) -> int | None:
        # SimPy numbers every event it schedules with an itertools.count (`_eid`); reading
        # that costs nothing per event, unlike counting in an overridden step(). Once run()
        # has returned, every scheduled event was processed. None if SimPy changes this.
        text = repr(getattr(self, "_eid", None))
        return int(text[6:-1]) if text.startswith("count(") and text[6:-1].isdigit() else None


@dataclass
class SimContext:
    """One SimPy environment, its integer-cycle clock, a seeded Generator, stats and tracer."""

    clock_mhz: float
    seed: int = 0
    trace: bool = False
    env: Environment = field(default_factory=Environment)
    rng: np.random.Generator = field(init=False)
    stats: StatsRegistry = field(default_factory=StatsRegistry)
    tracer: Tracer = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.tracer = Tracer(enabled=self.trace)

    @property
    def now(self) -> int:
        return int(self.env.now)

    def cycles(self, ns: float) -> int:
        """Nanoseconds to whole cycles of the reference clock, rounding up (done once, at build)."""
        return math.ceil(ns * self.clock_mhz / 1000.0 - 1e-9)

    def seconds(self, cycles: float) -> float:
        return cycles / (self.clock_mhz * 1e6)
