"""Component base: a named SimPy process with declared statistics."""

from __future__ import annotations

from accelsim.engine.context import SimContext
from accelsim.engine.stats import Stat


class Component:
    STATS: tuple[Stat, ...] = ()

    def __init__(self, ctx: SimContext, name: str):
        self.ctx = ctx
        self.env = ctx.env
        self.name = name
        ctx.stats.declare(name, self.STATS)

    def count(self, stat: str, value: float, layer: str | None = None) -> None:
        self.ctx.stats.add(self.name, stat, value, layer)

    def span(self, name: str, layer: str, start: int, end: int) -> None:
        self.ctx.tracer.span(self.name, name, layer, start, end)
