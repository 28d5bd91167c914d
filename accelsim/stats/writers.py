"""Report writers. Every file is written to a temporary name and renamed into place, so a
reader (or an interrupted run) never sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def to_json(value) -> str:
    return json.dumps(_plain(value), indent=2, sort_keys=False) + "\n"


def write_parquet(frame, sink, units: dict | None = None) -> None:
    """`frame` as Parquet with its columns' units in the file metadata (key `accelsim.units`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from accelsim.stats.units import units_of

    table = pa.Table.from_pandas(frame, preserve_index=False)
    units = units_of(frame.columns) if units is None else units
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"accelsim.units": json.dumps(units).encode()})
    pq.write_table(table, sink)


def write_result(result, out_dir: str | Path, formats: tuple[str, ...] = ("csv", "json")) -> list[Path]:
    """Write layers/components (CSV, optionally Parquet) and summary.json under `out_dir`."""
    from accelsim.stats.units import units_of

    out = Path(out_dir)
    written = []
    for name in ("layers", "components"):
        frame = getattr(result, name)
        units = units_of(frame.columns) if name == "layers" else {"value": "the row's `unit`"}
        if "csv" in formats:
            path = out / f"{name}.csv"
            atomic_write_text(path, frame.to_csv(index=False))
            written.append(path)
        if "parquet" in formats:
            import io

            buffer = io.BytesIO()
            write_parquet(frame, buffer, units)
            path = out / f"{name}.parquet"
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
    path = out / "summary.json"
    # the units of the summary's keys and of the layer columns (one name, one unit)
    atomic_write_text(path, to_json({**result.summary, "units": units_of([*result.summary, *result.layers.columns])}))
    written.append(path)
    return written
