"""Run a suite's pairs, compare per-layer statistics with the goldens, and report what moved."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from accelsim.regress.suite import Pair, load_suite
from accelsim.stats.writers import atomic_write_text

TOTAL = "(total)"  # the golden's last row: the run's summary (catches drain, not just layers)


@dataclass
class Change:
    layer: str
    stat: str
    golden: float | None      # None: the layer or statistic is new
    now: float | None         # None: the layer or statistic is gone
    tolerance: str
    beyond: bool
    kind: str = "value"       # or "new" / "gone": a layer or statistic appeared or disappeared


@dataclass
class PairReport:
    pair: Pair
    compared: int = 0
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing_golden: bool = False
    updated: bool = False

    @property
    def moved(self) -> bool:
        return self.missing_golden or any(c.beyond for c in self.changes)


@dataclass
class Report:
    pairs: list[PairReport]
    update: bool = False

    @property
    def ok(self) -> bool:
        return self.update or not any(p.moved for p in self.pairs)

    def text(self, verbose: bool = False, update_flag: str = "--update") -> str:
        """The report; `update_flag` is the option that rewrites goldens where this runs
        (`--update` for `accelsim regress`, `--accelsim-update` under pytest)."""
        lines = []
        for p in self.pairs:
            lines += _pair_text(p, verbose, update_flag)
        missing = sum(p.missing_golden for p in self.pairs)
        moved = sum(p.moved for p in self.pairs) - missing
        if self.update:
            changed = sum(p.updated for p in self.pairs)
            lines.append(f"regress: {len(self.pairs)} pairs; rewrote {changed} golden file(s)")
        else:
            lines.append(f"regress: {len(self.pairs)} pairs, {moved} moved beyond tolerance, "
                         + (f"{missing} without a golden file, " if missing else "")
                         + f"{len(self.pairs) - moved - missing} within")
        return "\n".join(lines)


def golden_frame(pair: Pair) -> pd.DataFrame:
    """Simulate the pair; per-layer statistics plus a total row, as stored in golden files."""
    from accelsim.config import load_hardware
    from accelsim.simulator import simulate

    hardware = load_hardware(pair.hardware, pair.overrides or None)
    result = simulate(hardware, pair.workload, seed=pair.seed, fidelity=pair.fidelity)
    layers = result.layers
    stats = [s for s in pair.stats if s in layers.columns]
    frame = layers[["layer", *stats]].copy()
    total = {"layer": TOTAL, **{s: result.summary.get(s, layers[s].sum()) for s in stats}}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def check(directory: str | Path, *, update: bool = False, only: str | None = None, progress=None) -> Report:
    """Run every pair of `directory/regress.yaml` (or just the pair named `only`);
    with `update`, rewrite the goldens that differ. `progress(name)` is called as each pair ends."""
    reports = []
    for pair in load_suite(directory):
        if only is not None and pair.name != only:
            continue
        now = golden_frame(pair)
        report = compare(pair, _read_golden(pair.golden), now)
        if update and (report.missing_golden or report.changes or report.notes):
            atomic_write_text(pair.golden, now.to_csv(index=False))
            report.updated = True
        reports.append(report)
        if progress is not None:
            progress(pair.name)
    return Report(reports, update=update)


def _read_golden(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, dtype={"layer": str}) if path.is_file() else None


def compare(pair: Pair, golden: pd.DataFrame | None, now: pd.DataFrame) -> PairReport:
    report = PairReport(pair)
    if golden is None:
        report.missing_golden = True
        return report
    g, n = golden.set_index("layer"), now.set_index("layer")
    for stat in [c for c in n.columns if c not in g.columns]:
        report.notes.append(f"{stat} is not in the golden file (run with {{update}} to record it)")
    for stat in [c for c in g.columns if c not in n.columns]:
        report.changes.append(Change("*", stat, None, None, "", beyond=True, kind="gone"))
    for layer in [x for x in g.index if x not in n.index]:
        report.changes.append(Change(str(layer), "(layer)", None, None, "", beyond=True, kind="gone"))
    for layer in [x for x in n.index if x not in g.index]:
        report.changes.append(Change(str(layer), "(layer)", None, None, "", beyond=True, kind="new"))
    stats = [c for c in g.columns if c in n.columns]
    tolerances = {s: pair.tolerance(s, pd.api.types.is_integer_dtype(n[s]) and pd.api.types.is_integer_dtype(g[s]))
                  for s in stats}
    for layer in [x for x in g.index if x in n.index]:
        for stat in stats:
            tolerance = tolerances[stat]
            old, new = float(g.at[layer, stat]), float(n.at[layer, stat])
            report.compared += 1
            if old == new or (math.isnan(old) and math.isnan(new)):
                continue
            beyond = math.isnan(old) != math.isnan(new) or not tolerance.allows(old, new)
            report.changes.append(Change(str(layer), stat, old, new, str(tolerance), beyond))
    return report


def _pair_text(p: PairReport, verbose: bool, update_flag: str) -> list[str]:
    name = p.pair.name
    if p.missing_golden:
        if p.updated:
            return [f"{'WROTE':<7}  {name}: created {p.pair.golden}"]
        return [f"{'MISSING':<7}  {name}: no golden file {p.pair.golden} (run with {update_flag} to create it)"]
    beyond = [c for c in p.changes if c.beyond]
    shown = p.changes if (verbose or p.updated or beyond) else []
    status = "UPDATED" if p.updated else ("MOVED" if beyond else "ok")
    head = f"{status:<7}  {name}: {p.compared} values compared"
    if p.changes:
        head += f", {len(p.changes)} changed, {len(beyond)} beyond tolerance"
    lines = [head]
    lines += [f"         note: {note.format(update=update_flag)}" for note in p.notes if verbose or p.updated or beyond]
    if shown:
        rows = [("layer", "stat", "golden", "now", "Δ", "Δ%", "tolerance", "")]
        rows += [(c.layer, c.stat, _num(c.golden), _num(c.now), _delta(c), _percent(c), c.tolerance,
                  "beyond" if c.beyond else "") for c in shown]
        lines += ["    " + line for line in _align(rows, left={0, 1, 6, 7})]
    return lines


def _align(rows: list[tuple[str, ...]], left: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in
                      enumerate(zip(row, widths))).rstrip() for row in rows]


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.6g}"


def _delta(c: Change) -> str:
    if c.kind != "value":
        return c.kind
    d = c.now - c.golden
    return f"{int(d):+,}" if float(d).is_integer() else f"{d:+.6g}"


def _percent(c: Change) -> str:
    if c.kind != "value" or c.golden == 0 or math.isnan(c.golden) or math.isnan(c.now):
        return ""
    percent = 100 * (c.now - c.golden) / abs(c.golden)
    # three significant digits, never in exponent form (+4.1e+03% reads badly): +4,100%
    return f"{percent:+.3g}%" if abs(percent) < 1000 else f"{round(percent, -int(math.log10(abs(percent))) + 2):+,.0f}%"
