"""What every plot shares: an Agg figure (pyplot's global backend is never touched), saving as
PNG/SVG/PDF with text kept as text, a palette that does not repeat, and readable units."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from accelsim.errors import InputError

FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png", "svg")
DEFAULT_DPI = 120
MINOR_SHARE = 0.01  # parts below this share of the total are drawn together as "other"


def figure(rows: int, cols: int, width: float = 5.0, height: float = 3.6, **kwargs):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise InputError("needs the optional extra: pip install 'accelsim[plot]'", "matplotlib") from None
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False, **kwargs)


def save(fig, out_dir: str | Path, stem: str, formats=DEFAULT_FORMATS, dpi: int = DEFAULT_DPI) -> list[Path]:
    """Write `fig` as `<stem>.<format>` under `out_dir` (atomically); SVG text stays text, and
    SVG/PDF carry no date, so files are diffable."""
    import matplotlib

    from accelsim.stats.writers import atomic_write_bytes

    written = []
    for fmt in formats:
        buffer = io.BytesIO()
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
        with matplotlib.rc_context({"svg.hashsalt": "accelsim", "svg.fonttype": "none", "pdf.fonttype": 42}):
            fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
        path = Path(out_dir) / f"{stem}.{fmt}"
        atomic_write_bytes(path, buffer.getvalue())
        written.append(path)
    return written


def colours(n: int) -> list:
    """n distinct colours: tab10 up to 10, tab20 (then tab20b) beyond, never repeating within 40."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    pool = [colormaps["tab20"](i) for i in range(20)] + [colormaps["tab20b"](i) for i in range(20)]
    return [pool[i % len(pool)] for i in range(n)]


def group_minor(series: dict[str, np.ndarray], share: float = MINOR_SHARE, most: int = 12) -> dict[str, np.ndarray]:
    """The parts, largest first, with those under `share` of the total (or beyond the `most`
    largest) summed into one `other (k parts)`."""
    totals = {name: float(np.sum(values)) for name, values in series.items()}
    grand = sum(totals.values())
    order = sorted(series, key=lambda name: -totals[name])
    keep = [n for i, n in enumerate(order) if totals[n] >= share * grand and i < most - 1] or order[:1]
    minor = [n for n in order if n not in keep]
    if len(minor) == 1:
        keep, minor = keep + minor, []
    out = {name: series[name] for name in keep}
    if minor:
        out[f"other ({len(minor)} parts)"] = np.sum([series[n] for n in minor], axis=0)
    return out


def _scale(value: float, steps: list[tuple[str, float]]) -> tuple[str, float]:
    unit, factor = steps[0]
    for name, f in steps:
        if abs(value) >= f:
            unit, factor = name, f
    return unit, factor


def energy_unit(max_pj: float) -> tuple[str, float]:
    """The unit to show energies of at most `max_pj` in, and pJ per that unit."""
    return _scale(max_pj, [("pJ", 1.0), ("nJ", 1e3), ("µJ", 1e6), ("mJ", 1e9), ("J", 1e12)])


def bytes_unit(max_bytes: float) -> tuple[str, float]:
    return _scale(max_bytes, [("B", 1.0), ("KiB", 2.0 ** 10), ("MiB", 2.0 ** 20), ("GiB", 2.0 ** 30)])


def time_unit(max_us: float) -> tuple[str, float]:
    """The unit for times of at most `max_us` microseconds, and µs per that unit."""
    return _scale(max_us, [("ns", 1e-3), ("µs", 1.0), ("ms", 1e3), ("s", 1e6)])


def label(name: str) -> str:
    return name.replace("energy_pj_", "").replace("stall_", "").replace("_", " ")


def layer_axis(ax, names) -> None:
    ax.set_xticks(np.arange(len(names)), [str(n) for n in names], rotation=90, fontsize=7)
    ax.set_xlim(-0.6, len(names) - 0.4)
