"""On-disk cache of run-time compression results and of the data pass's input statistics
(`accelsim cache clear` empties it).

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

The data pass of a zero-slice-skipping chip (`simulator.measure`: each layer's share of
all-zero input slices, from sampled inputs) costs seconds too, plus the import of the
functional datapath. Its entry is one record per run, keyed on the whole hardware config, the
workload's layers (names included: the record is by layer name), the seed, the number of
sampled vectors, the accelsim version and the source of the modules that compute it
(`DATA_SOURCES`), so an edited datapath misses rather than replays an old figure.

Size: at most $ACCELSIM_CACHE_MAX_MB MiB (default 2,048; 0 = unbounded). A run that wrote
entries evicts the least recently used (by modification time; a hit refreshes it) past that.

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
ENV_MAX_MB = "ACCELSIM_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048  # a functional run of a big network keeps its weights (8 B each when float)
KIND = "compression"
DATA_KIND = "data"
KINDS = (KIND, DATA_KIND)
DATA_SOURCES = ("functional.py", "kernels/slicing.py", "workload/mapping/crossbar.py")


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


def data_key(hw, layers, seed: int, vectors: int) -> str:
    """The data pass's key (module doc)."""
    from accelsim import __version__

    root = Path(__file__).resolve().parents[2]
    sources = hashlib.sha256(b"".join((root / name).read_bytes() for name in DATA_SOURCES)).hexdigest()
    text = repr((__version__, sources, hw.model_dump_json(), tuple(layers), seed, vectors))
    return hashlib.sha256(text.encode()).hexdigest()


def load(key: str):
    """(HardwareStats or None, Generator state after the layer), or None on a miss."""
    from accelsim.workload.compression.result import HardwareStats

    record = read_entry(KIND, key)
    try:
        hw = record["hw"]
        if hw is not None and set(hw) != set(HardwareStats.__dataclass_fields__):
            return None     # written before the statistics gained or lost a field
        stats = None if hw is None else HardwareStats(**hw)
        return stats, record["rng_state"]
    except (KeyError, TypeError):
        return None


def store(key: str, stats, rng_state: dict) -> None:
    write_entry(KIND, key, {"hw": None if stats is None else stats.as_dict(), "rng_state": rng_state})


def read_entry(kind: str, key: str):
    """The JSON record stored under `key`, or None (missing or unreadable: a miss)."""
    path = cache_dir() / kind / f"{key}.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    touch(path)
    return record


def write_entry(kind: str, key: str, record) -> None:
    """Write one entry atomically; a cache that cannot be written is skipped, not an error."""
    write_file(cache_dir() / kind / f"{key}.json", lambda f: f.write(json.dumps(record).encode()))


def write_file(path: Path, write) -> None:
    """`write(binary file)` into a temporary name beside `path`, then renamed into place: a
    reader sees a whole file or none. A cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


def touch(path: Path) -> None:
    """Mark an entry used (its mtime), so `bound` evicts the least recently used first."""
    try:
        os.utime(path)
    except OSError:
        pass


def max_bytes() -> int:
    """The cache's size bound: $ACCELSIM_CACHE_MAX_MB (MiB; 0 = unbounded), else DEFAULT_MAX_MB."""
    given = os.environ.get(ENV_MAX_MB, "").strip()
    try:
        mb = float(given) if given else DEFAULT_MAX_MB
    except ValueError:
        mb = DEFAULT_MAX_MB  # a cache setting must not stop a run
    return int(mb * 2**20) if mb > 0 and mb == mb else 0


def bound(limit: int | None = None) -> int:
    """Evict the least recently used entries until the cache holds at most `limit` bytes
    (default `max_bytes()`); returns how many files were removed. Run after a pass writes."""
    limit = max_bytes() if limit is None else limit
    if not limit:
        return 0
    files = []
    for kind in KINDS:
        folder = cache_dir() / kind
        for path in [*folder.glob("*.json"), *folder.glob("*.weights.npz")] if folder.is_dir() else ():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            files.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= limit:
            break
        path.unlink(missing_ok=True)  # another process may have taken it first
        total -= size
        removed += 1
    return removed


def clear(kinds: tuple[str, ...] = KINDS) -> int:
    """Remove every cached entry (of `kinds`); returns how many were removed."""
    removed = 0
    for kind in kinds:
        folder = cache_dir() / kind
        for path in [*folder.glob("*.json"), *folder.glob("*.weights.npz")] if folder.is_dir() else ():
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def add_parser(sub) -> None:
    p = sub.add_parser("cache", help="manage the on-disk cache of compression results and data-pass statistics",
                       description=f"The cache lives in {cache_dir()} (set ${ENV_DIR} to move it).")
    action = p.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    clear_p = action.add_parser("clear", help="remove every cached compression result and data-pass statistic")
    clear_p.set_defaults(func=_cmd_clear)
    where = action.add_parser("dir", help="print the cache directory")
    where.set_defaults(func=lambda args: print(cache_dir()) or 0)
    info = action.add_parser("info", help="print the cache's entries, size and size bound")
    info.set_defaults(func=_cmd_info)


def _cmd_clear(args) -> int:
    n, m = clear((KIND,)), clear((DATA_KIND,))
    print(f"removed {n} cached compression result{'s' if n != 1 else ''} and {m} data-pass record{'s' if m != 1 else ''} "
          f"from {cache_dir()}")
    return 0


def _cmd_info(args) -> int:
    sizes = [p.stat().st_size for kind in KINDS if (cache_dir() / kind).is_dir()
             for p in (cache_dir() / kind).iterdir() if not p.name.startswith(".tmp-")]
    limit = max_bytes()
    print(f"{cache_dir()}: {len(sizes):,} files, {sum(sizes) / 2**20:,.1f} MiB; bound "
          + (f"{limit / 2**20:,.0f} MiB" if limit else "none") + f" (${ENV_MAX_MB})")
    return 0
