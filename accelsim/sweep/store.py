"""The resumable result store: one JSON file per point, `DIR/points/<key>.json`.

Each record is written atomically (temporary file, fsync, rename) the moment its point
finishes, so a sweep that is interrupted or killed loses at most the points still running;
run again, it finds the stored keys and computes only the rest. A lock file keeps two sweeps
from writing into the same directory at once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from accelsim.errors import InputError
from accelsim.stats.writers import atomic_write_text

KEY_CHARS = 16  # of the sha256 hex digest: file names and the table's `key` column


class PointStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.dir = self.root / "points"
        self._lock = None

    def __enter__(self) -> "PointStore":
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.root / ".lock")
        self._remove_stale_temporaries()
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def path(self, key: str) -> Path:
        return self.dir / f"{key[:KEY_CHARS]}.json"

    def load(self, key: str) -> dict | None:
        """The stored record of `key`, or None if absent or unreadable (then it is recomputed)."""
        try:
            record = json.loads(self.path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("key") == key else None

    def save(self, record: dict) -> None:
        atomic_write_text(self.path(record["key"]), json.dumps(record, separators=(",", ":")) + "\n")

    def _remove_stale_temporaries(self) -> None:
        """A killed writer leaves `.<name>.<random>.tmp`; under the lock, none is in use."""
        for folder in (self.root, self.dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


def _lock(path: Path):
    handle = open(path, "a+")
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, one sweep per directory is then up to the user
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise InputError("another sweep is writing to this directory", str(path.parent)) from None
    os.set_inheritable(handle.fileno(), False)
    return handle
