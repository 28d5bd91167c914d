"""Progress on long CLI work, on stderr and only on a terminal (pipes and logs stay clean):
an elapsed-time line for one long call (a run, a trace, a compression), or a bar (tqdm) for a
known number of steps (the pairs of a regression suite). `-q` silences both."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

AFTER_S = 1.0  # work shorter than this shows nothing


def _terminal(stream) -> bool:
    return bool(getattr(stream, "isatty", None)) and stream.isatty()


@contextmanager
def status(message: str, enabled: bool = True, after_s: float = AFTER_S, stream=None):
    """While the block runs past `after_s`, show `message (N s)` on one line, cleared at the end."""
    stream = sys.stderr if stream is None else stream
    if not enabled or not _terminal(stream):
        yield
        return
    stop = threading.Event()

    def show():
        start = time.monotonic()
        if stop.wait(after_s):
            return
        width = 0
        while True:
            line = f"\r{message} ({time.monotonic() - start:.0f} s)"
            width = max(width, len(line))
            stream.write(line)
            stream.flush()
            if stop.wait(0.5):
                break
        stream.write("\r" + " " * width + "\r")
        stream.flush()

    thread = threading.Thread(target=show, name="accelsim-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def bar(total: int, description: str, enabled: bool = True, stream=None):
    """A tqdm bar over `total` steps on stderr when it is a terminal; a no-op object otherwise."""
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    return tqdm(total=total, desc=description, disable=not (enabled and _terminal(stream)), file=stream,
                unit="pair", leave=False)
