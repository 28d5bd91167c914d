"""A results table before it is a pandas frame: row dicts plus columns added after.

pandas and its pyarrow cost about 0.3-0.9 s at import, more than a ResNet-50 run takes, so
`simulate()` gathers its layers and components here and `Result` turns them into frames only
when a caller asks for one. The summary, the CLI's table and the CSV files are computed from
the plain values when that is exact: every column holds only str, only int, or int and float
(pandas' object, int64 and float64), with every row having every key. Anything else (missing
keys, bools, numpy scalars, names with surrounding blanks) goes through pandas, as before.
"""

from __future__ import annotations

import csv
import io


class Table:
    """`records` (dicts, one per row) and `added` (name -> one value per row), in that column
    order: what ``pd.DataFrame(records, columns=names)`` and then ``frame[name] = values`` would
    hold (`names`: the columns, when given). Records that all have the same keys (a run's rows
    always do) are kept as columns: one list per name, not one dict per row (100,000-layer
    workloads; the dicts are rebuilt only for a frame)."""

    def __init__(self, records: list[dict], added: dict[str, list] | None = None, names: list[str] | None = None):
        self.added = dict(added or {})
        self.names = names
        self._kinds: dict[str, tuple] = {}  # column -> (its values, their _kind), once known
        self._len = len(records)
        keys = records[0].keys() if records else None
        # uniform: every record has the same keys (in `names`' order); records never change in a table
        self._uniform = bool(records) and all(r.keys() == keys for r in records) and \
            (names is None or list(keys) == names)
        if self._uniform:
            self._columns = {k: [r[k] for r in records] for k in keys}
            self._records = None
        else:
            self._columns, self._records = None, records
        self._names: dict | None = None  # the records' columns, in order

    @property
    def columnar(self) -> bool:
        """The records are held as columns (they did not need to be kept)."""
        return self._columns is not None

    @property
    def records(self) -> list[dict]:
        if self._records is not None:
            return self._records
        names = list(self._columns)
        return [dict(zip(names, row)) for row in zip(*self._columns.values())] if names else [{} for _ in range(self._len)]

    def __len__(self) -> int:
        return self._len

    @property
    def columns(self) -> list[str]:
        names = self._record_columns()
        return [*names, *(c for c in self.added if c not in names)]

    def _record_columns(self) -> dict:
        if self._names is None:
            if self._columns is not None:
                self._names = dict.fromkeys(self._columns)
            else:
                self._names = dict.fromkeys(self.names if self.names is not None else
                                            (k for r in self._records for k in r))
        return self._names

    def __contains__(self, name: str) -> bool:
        return name in self.added or name in self._record_columns()

    def column(self, name: str) -> list:
        """The column's values: the table's own list (read it, do not change it)."""
        if name in self.added:
            return self.added[name]
        if self._columns is not None:
            return self._columns[name]
        return [r[name] for r in self._records]

    def __getitem__(self, name: str):
        """A column as a numpy array (int64, float64 or str), for `frame[name].sum()` callers."""
        import numpy as np

        if not self.plain():
            return self.frame()[name]
        return np.array(self.column(name)) if len(self) else np.array([], dtype=np.int64)

    def get(self, name: str, default=None):
        return self[name] if name in self else default

    def frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.records, columns=self.names)
        for name, values in self.added.items():
            frame[name] = values
        return frame

    def plain(self) -> bool:
        """True when every column maps exactly onto its frame's: see the module docstring."""
        return self._uniform and all(self.kind(c) is not None for c in self.columns)

    def kind(self, name: str) -> str | None:
        """"str", "int" or "float" (the pandas dtype the column gets), or None for anything else."""
        values = self.column(name)
        known = self._kinds.get(name)
        if known is None or known[0] is not values or known[1] != len(values):  # added columns may be replaced
            known = self._kinds[name] = (values, len(values), _kind(values))
        return known[2]

    def to_csv(self) -> str | None:
        """``frame.to_csv(index=False)``'s text, or None when not `plain()`."""
        if not self.plain():
            return None
        columns = self.columns
        cells = []
        for name in columns:
            values = self.column(name)
            cells.append([_float_text(v) for v in values] if self.kind(name) == "float" else
                         [str(v) for v in values])
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        writer.writerows(zip(*cells))
        return buffer.getvalue()

    def to_string(self, columns: list[str], formats: dict | None = None) -> str | None:
        """``frame[columns].to_string(index=False)``, with `formats`' columns mapped through
        their functions first (to texts no shorter than the header); None when not `plain()`,
        or for a float column or a text that is not plain ASCII without surrounding blanks
        (pandas' own number formats and padding rules then apply)."""
        if not self.plain() or any(c not in self for c in columns):
            return None
        formats = formats or {}
        texts = []
        for name in columns:
            values = self.column(name)
            if name in formats:
                values = [formats[name](v) for v in values]
                if not all(len(v) <= len(name) or _tidy(v) for v in values):
                    return None
            elif self.kind(name) == "float" or (self.kind(name) == "str" and not all(map(_tidy, values))):
                return None
            # pandas prefixes a number column's header with a blank (room for a sign)
            texts.append([" " + name if self.kind(name) == "int" and name not in formats else name,
                          *map(str, values)])
        widths = [max(map(len, col)) for col in texts]
        return "\n".join(" ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in zip(*texts))

def _kind(values: list) -> str | None:
    types = set(map(type, values))
    if types == {str}:
        return "str"
    if types == {int}:
        return "int" if -2**63 <= min(values) and max(values) < 2**63 else None
    if types <= {int, float}:
        return "float" if all(abs(v) < 2**53 for v in values if type(v) is int) else None
    return None


def _float_text(value: float) -> str:
    value = float(value)
    return "" if value != value else repr(value)


def _tidy(text: str) -> bool:
    return text.isascii() and text.isprintable() and text == text.strip() and text != ""
