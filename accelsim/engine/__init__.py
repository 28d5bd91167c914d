"""The discrete-event engine: context, links and channels, component base, chip builder."""

from accelsim.engine.channel import Channel, Link
from accelsim.engine.component import Component
from accelsim.engine.context import SimContext
from accelsim.engine.stats import Stat, StatsRegistry

__all__ = ["Channel", "Component", "Link", "SimContext", "Stat", "StatsRegistry"]
