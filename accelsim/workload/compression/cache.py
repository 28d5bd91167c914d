"""On-disk cache of run-time compression results (`accelsim cache clear` empties it).

Compressing a layer's synthetic weights (ERA-BS's bit-flip search, clustering, ...) costs
seconds per network, in every new process. Each layer's result is a small record: its
HardwareStats and the state of the run's compression Generator after the layer (the layers
draw in turn from one stream, so a hit must leave the stream exactly where a miss would).

The key is a SHA-256 of the layer (shape, bits and transform settings; its name excluded),
the chip's crossbar geometry, the seed, the Generator's state before the layer and the
accelsim version: any change to what the result depends on misses. Entries are JSON files
written to a temporary name and renamed into place (atomic: two processes writing one
entry both write the same bytes, and a reader sees a whole file or none); a file that
cannot be read is treated as a miss.

Where: $ACCELSIM_CACHE_DIR if set, else the platform's cache directory ($XDG_CACHE_HOME or
~/.cache on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) + /accelsim.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

ENV_DIR = "ACCELSIM_CACHE_DIR"
KIND = "compression"


def cache_dir() -> Path:
    """The root of accelsim's cache (not created here)."""
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        base = home / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    return base / "accelsim"


def layer_key(layer, geometry, seed: int, rng_state: dict) -> str:
    from accelsim import __version__

    shape = dataclasses.replace(layer, name="")
    text = repr((__version__, shape, geometry, seed, rng_state))
    return hashlib.sha256(text.encode()).hexdigest()


def load(key: str):
    """(HardwareStats or None, Generator state after the layer), or None on a miss."""
    from accelsim.workload.compression.result import HardwareStats

    path = cache_dir() / KIND / f"{key}.json"
    try:
        record = json.loads(path.read_text())
        hw = record["hw"]
        if hw is not None and set(hw) != set(HardwareStats.__dataclass_fields__):
            return None     # written before the statistics gained or lost a field
        stats = None if hw is None else HardwareStats(**hw)
        return stats, record["rng_state"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, stats, rng_state: dict) -> None:
    """Write one entry atomically; a cache that cannot be written is skipped, not an error."""
    folder = cache_dir() / KIND
    record = {"hw": None if stats is None else stats.as_dict(), "rng_state": rng_state}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f)
            os.replace(tmp, folder / f"{key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def clear() -> int:
    """Remove every cached entry; returns how many were removed."""
    folder = cache_dir() / KIND
    removed = 0
    for path in [*folder.glob("*.json"), *folder.glob("*.weights.npz")] if folder.is_dir() else ():
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def add_parser(sub) -> None:
    p = sub.add_parser("cache", help="manage the on-disk cache of compression results",
                       description=f"The cache lives in {cache_dir()} (set ${ENV_DIR} to move it).")
    action = p.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    clear_p = action.add_parser("clear", help="remove every cached compression result")
    clear_p.set_defaults(func=_cmd_clear)
    where = action.add_parser("dir", help="print the cache directory")
    where.set_defaults(func=lambda args: print(cache_dir()) or 0)


def _cmd_clear(args) -> int:
    n = clear()
    print(f"removed {n} cached compression result{'s' if n != 1 else ''} from {cache_dir() / KIND}")
    return 0
