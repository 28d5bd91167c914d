"""Records every job on every component as a span, and counter samples (e.g. a buffer's
occupancy), for Chrome/Perfetto traces."""

from __future__ import annotations


class Tracer:
    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.spans: list[tuple[str, str, str, int, int]] = []  # component, name, layer, start, end
        self.counters: dict[str, list[tuple[int, float]]] = {}  # track -> (cycle, value), in time order

    def span(self, component: str, name: str, layer: str, start: int, end: int) -> None:
        if self.enabled and end > start:
            self.spans.append((component, name, layer, start, end))

    def counter(self, track: str, cycle: int, value: float) -> None:
        """A counter's value from `cycle` on; a later sample at the same cycle replaces it."""
        if self.enabled:
            samples = self.counters.setdefault(track, [])
            if samples and samples[-1][0] == cycle:
                samples[-1] = (cycle, value)
            else:
                samples.append((cycle, value))
