"""Records every job on every component as a span, for Chrome/Perfetto traces."""

from __future__ import annotations


class Tracer:
    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.spans: list[tuple[str, str, str, int, int]] = []  # component, name, layer, start, end

    def span(self, component: str, name: str, layer: str, start: int, end: int) -> None:
        if self.enabled and end > start:
            self.spans.append((component, name, layer, start, end))
