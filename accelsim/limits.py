"""Refusing, up front, work whose tables or tensors cannot fit in memory.

A layer with 2^60 folds in fine fidelity, or functional tensors of a layer with 2^40 weights,
would otherwise end in a MemoryError traceback (or the machine swapping) long after the run
began. The budget is the memory the OS reports available when the check runs.
"""

from __future__ import annotations

import os

from accelsim.errors import MappingError


def available_bytes() -> int:
    """Physical memory available now (all of it where the OS does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return 1 << 62


def require_memory(nbytes: int, what: str, layer: str, source: str | None = None, hint: str = "") -> None:
    """Raise MappingError (one line, exit status 2) if `nbytes` exceed the available memory."""
    budget = available_bytes()
    if nbytes > budget:
        raise MappingError(f"{what}: ~{nbytes / 2**30:,.3g} GiB, more than the {budget / 2**30:.3g} GiB "
                           f"of memory available{'; ' + hint if hint else ''}", source, f"layer {layer!r}")
