"""Report writers. Every file is written to a temporary name and renamed into place, so a
reader (or an interrupted run) never sees half a file; a run's (or a sweep's) files are
written as a set, with a manifest renamed into place last (see `write_set`)."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from accelsim.errors import InputError

MANIFEST = "manifest.json"
_STAGING = ".staging-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the pid in the name lets a later writer tell a killed writer's leftovers from a live one's
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_set(out_dir: str | Path, files: dict[str, bytes], manifest: str = MANIFEST,
              meta: dict | None = None) -> list[Path]:
    """Write `files` (name -> bytes) under `out_dir` as one set, then `manifest` last.

    Files are staged in a temporary directory inside `out_dir`, the old manifest is removed,
    the files are renamed into place, and the manifest (their sizes and SHA-256, plus `meta`)
    is written last. A reader that finds the manifest, and files matching it, has a complete
    set; a run killed part-way leaves no manifest (or the old one, whose hashes no longer
    match). Staging left by a killed writer is removed by the next write.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=f"{_STAGING}{os.getpid()}-"))
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(staging / name, 0o666 & ~_umask())
        (out / manifest).unlink(missing_ok=True)  # until it is back, the set reads as incomplete
        for name in files:
            os.replace(staging / name, out / name)
        listing = {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                   for name, data in files.items()}
        atomic_write_text(out / manifest, to_json({**(meta or {}), "files": listing}))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / name for name in files] + [out / manifest]


def complete_set(out_dir: str | Path, manifest: str = MANIFEST) -> bool:
    """True if `out_dir` holds a manifest and every file it lists, byte for byte."""
    out = Path(out_dir)
    try:
        listing = json.loads((out / manifest).read_text(encoding="utf-8"))["files"]
        return all(hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]
                   for name, entry in listing.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def remove_stale_temporaries(folder: Path) -> None:
    """Remove temporaries (`.<name>.<pid>.<random>.tmp`, `.staging-<pid>-*`) whose writer is dead."""
    for path in list(folder.glob(".*.tmp")) + list(folder.glob(f"{_STAGING}*")):
        pid = _pid_of(path.name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _pid_of(name: str) -> int | None:
    if name.startswith(_STAGING):
        field = name[len(_STAGING):].split("-")[0]
    else:
        parts = name.split(".")  # "", name..., pid, random, "tmp"
        field = parts[-3] if len(parts) >= 5 else ""
    return int(field) if field.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def check_output(path: str | Path, flag: str, *, directory: bool = True) -> None:
    """Refuse, before any simulation, an output that cannot be written: a directory path that
    is a file or lies under one, or a place this process may not write (read-only, no access)."""
    path = Path(path)
    if directory and path.exists() and not path.is_dir():
        raise InputError("exists and is not a directory", flag, str(path))
    if not directory and path.is_dir():
        raise InputError("is a directory, expected a file name", flag, str(path))
    parent = path if directory else path.parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"lies under {existing}, which is a file", flag, str(path))
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=f".accelsim-probe.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"cannot write in {existing}: {exc.strerror or exc}", flag, str(path)) from None


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None  # JSON has no Infinity or NaN
    return value


def to_json(value) -> str:
    return json.dumps(_plain(value), indent=2, sort_keys=False, allow_nan=False) + "\n"


def frame_bytes(frame, kind: str, units: dict | None = None) -> bytes:
    """`frame` as CSV or Parquet bytes (Parquet with the columns' units: `write_parquet`)."""
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    import io

    buffer = io.BytesIO()
    write_parquet(frame, buffer, units)
    return buffer.getvalue()


def write_parquet(frame, sink, units: dict | None = None) -> None:
    """`frame` as Parquet with its columns' units in the file metadata (key `accelsim.units`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from accelsim.stats.units import units_of

    table = pa.Table.from_pandas(frame, preserve_index=False)
    units = units_of(frame.columns) if units is None else units
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"accelsim.units": json.dumps(units).encode()})
    pq.write_table(table, sink)


def write_result(result, out_dir: str | Path, formats: tuple[str, ...] = ("csv", "json"),
                 extra: dict[str, bytes] | None = None) -> list[Path]:
    """Write layers/components (CSV, optionally Parquet), summary.json and any `extra` files
    (name -> bytes, e.g. SCALE-Sim's reports) under `out_dir`, as one set with `manifest.json` last."""
    from accelsim import __version__
    from accelsim.stats.units import units_of

    files = {}
    for name in ("layers", "components"):
        table = result.table(name)  # CSV from the plain values when exact: no pandas import
        text = table.to_csv() if table is not None and "parquet" not in formats else None
        if text is not None:
            if "csv" in formats:
                files[f"{name}.csv"] = text.encode("utf-8")
            continue
        frame = getattr(result, name)
        units = units_of(frame.columns) if name == "layers" else {"value": "the row's `unit`"}
        for kind in ("csv", "parquet"):
            if kind in formats:
                files[f"{name}.{kind}"] = frame_bytes(frame, kind, units)
    # the units of the summary's keys and of the layer columns (one name, one unit)
    summary = {**result.summary, "units": units_of([*result.summary, *result.columns])}
    files["summary.json"] = to_json(summary).encode("utf-8")
    files.update(extra or {})
    return write_set(out_dir, files, meta={"accelsim_version": __version__})
