"""The sweep's tidy tables, built from stored records in point order.

`points`: one row per point: point, key, workload, one column per axis, status, error, then
every summary field. `layers`: one row per point x layer: point, key, workload, the axes, then
every column of the run's layer table. Columns are taken from the records, never listed here,
so new statistics appear in sweeps without changes.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from accelsim.sweep.expand import Point
from accelsim.sweep.store import KEY_CHARS

ID_COLUMNS = ("point", "key", "workload")


def build_tables(points: list[Point], keys: list[str], records: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    point_rows, layer_rows = [], []
    for point, key in zip(points, keys):
        record = records[key]
        ids = {"point": point.index, "key": key[:KEY_CHARS], "workload": point.workload, **point.values}
        summary = record.get("summary") or {}
        point_rows.append({**ids, "status": record["status"], "error": record.get("error"),
                           **{k: v for k, v in summary.items() if k not in ids}})
        if record["status"] == "ok":
            layers = record["layers"]
            for values in layers["data"]:
                row = dict(ids)
                row.update((c, v) for c, v in zip(layers["columns"], values) if c not in ids)
                layer_rows.append(row)
    head = [*ID_COLUMNS, *(points[0].values if points else ())]
    points_df = _frame(point_rows, head + ["status", "error"])
    # text even when no point failed (all missing): readers and Parquet see one type every time
    points_df["error"] = points_df["error"].astype("string")
    return points_df, _frame(layer_rows, head)


def _frame(rows: list[dict], head: list[str]) -> pd.DataFrame:
    columns = list(dict.fromkeys([*head, *(c for row in rows for c in row)]))
    return pd.DataFrame({c: _column([row.get(c) for row in rows]) for c in columns}, columns=columns)


def _column(values: list) -> pd.Series:
    """A typed column from Python values where None means missing: integers stay integers
    (nullable Int64 when some are missing); an axis mixing numbers and words becomes text."""
    present = [v for v in values if v is not None]
    kinds = {_kind(v) for v in present}
    if not present:
        return pd.Series(values, dtype=object)
    if kinds == {"bool"}:
        return pd.Series(values, dtype="boolean" if len(present) < len(values) else bool)
    if kinds == {"int"}:
        return pd.Series(values, dtype="Int64" if len(present) < len(values) else "int64")
    if kinds <= {"int", "float"}:
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kinds == {"str"}:
        return pd.Series(values)
    return pd.Series([None if v is None else _text(v) for v in values])


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int) and not -2**63 <= value < 2**63:
        return "other"  # an int64 column cannot hold it: text
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else "other"


def _text(value) -> str:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
