"""Chrome/Perfetto traces of a run: one track per component, every job a span, plus a track
of layer spans; on systolic chips a `dram` track (each transfer on the DRAM link) and counter
tracks of buffer occupancy and DRAM bandwidth; on pipelined chips flow arrows from each layer
to its consumer. Load the JSON in https://ui.perfetto.dev or chrome://tracing.

Format: the Trace Event Format's JSON object form, `{"traceEvents": [...]}`: `"ph": "M"`
metadata naming the process and each track (thread), `"ph": "X"` complete events with `ts`
and `dur` in microseconds (cycles / clock MHz) and the cycle counts in `args`, `"ph": "C"`
counter samples, `"ph": "s"`/`"f"` flow events.
`accelsim trace HW WORKLOAD -o trace.json [--layer ...] [--component ...] [--start/--end]`.
"""

from __future__ import annotations

import argparse
import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Iterable

LAYER_TRACK = "layers"
PID = 1


def chrome_trace(result, *, layers: Iterable[str] = (), components: Iterable[str] = (),
                 start: int | None = None, end: int | None = None) -> dict:
    """The trace of `result` (from `simulate(..., trace=True)`) as a JSON-able dict.

    Filters keep big runs small: `layers` and `components` are names or glob patterns (a span
    is kept if it matches any; the layer track is the component `layers`); `start`/`end` keep
    spans overlapping the cycle window [start, end).
    """
    layers, components = list(layers), list(components)
    summary = result.summary
    mhz = float(summary["clock_mhz"])

    def keep(component: str, layer: str, a: int, b: int) -> bool:
        return ((not layers or any(fnmatchcase(layer, p) for p in layers))
                and (not components or any(fnmatchcase(component, p) for p in components))
                and (start is None or b > start) and (end is None or a < end))

    spans = [(LAYER_TRACK, "layer", row["layer"], int(row["start_cycle"]), int(row["end_cycle"]), _numbers(row))
             for row in result.layers.to_dict(orient="records")]
    spans += [(c, name, layer, a, b, {}) for c, name, layer, a, b in result.trace]
    spans = [s for s in spans if keep(s[0], s[2], s[3], s[4])]
    order = list(dict.fromkeys([LAYER_TRACK, *(s[0] for s in result.trace)]))
    spans.sort(key=lambda s: (order.index(s[0]), s[3], s[4]))
    tracks = _lanes(spans)
    title = f"accelsim: {summary.get('hardware', '?')} / {summary.get('workload', '?')}"
    events: list[dict] = [{"ph": "M", "pid": PID, "tid": 0, "name": "process_name", "args": {"name": title}}]
    for tid, name in enumerate(dict.fromkeys(tracks), start=1):
        events.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_name", "args": {"name": name}})
        events.append({"ph": "M", "pid": PID, "tid": tid, "name": "thread_sort_index", "args": {"sort_index": tid}})
    tids = {name: tid for tid, name in enumerate(dict.fromkeys(tracks), start=1)}
    for (component, name, layer, a, b, extra), track in zip(spans, tracks):
        events.append({"ph": "X", "pid": PID, "tid": tids[track], "name": layer, "cat": name,
                       "ts": a / mhz, "dur": (b - a) / mhz,
                       "args": {"component": component, "layer": layer, "job": name, "start_cycle": a,
                                "end_cycle": b, "cycles": b - a, **extra}})
    if summary.get("execution") == "pipelined":
        layer_spans = [(s, tids[t]) for s, t in zip(spans, tracks) if s[0] == LAYER_TRACK]
        events += _flows(layer_spans, mhz)
    counters = dict(getattr(result, "counters", None) or {})
    bandwidth = _dram_bandwidth([s for s in result.trace if s[0] == "dram"], summary)
    if bandwidth:
        counters["dram bandwidth (GB/s)"] = bandwidth
    for track, samples in counters.items():
        if components and not any(fnmatchcase(track.split(" ")[0], p) for p in components):
            continue
        kept = [(c, v) for c, v in samples if (end is None or c < end)]
        if start is not None:  # the value in force at the window's start, then the changes after it
            before = [(c, v) for c, v in kept if c <= start]
            kept = ([(start, before[-1][1])] if before else []) + [(c, v) for c, v in kept if c > start]
        key = track[track.rfind("(") + 1:-1] if track.endswith(")") else "value"
        events += [{"ph": "C", "pid": PID, "name": track, "ts": c / mhz, "args": {key: v}} for c, v in kept]
    return {"traceEvents": events, "displayTimeUnit": "ns",
            "otherData": {k: summary[k] for k in ("hardware", "workload", "clock_mhz", "cycles", "fidelity",
                                                  "seed", "accelsim_version") if k in summary}}


def _flows(layer_spans: list[tuple], mhz: float) -> list[dict]:
    """Flow arrows from each layer to the next one in the chain (its consumer), for pipelined
    chips where they run at once: from inside the producer's span to the consumer's start."""
    events = []
    for i, ((producer, p_tid), (consumer, c_tid)) in enumerate(zip(layer_spans, layer_spans[1:]), start=1):
        p_start, p_end, c_start = producer[3], producer[4], consumer[3]
        at = min(max(c_start, p_start), p_end - 1) if p_end - p_start > 1 else p_start
        common = {"pid": PID, "name": f"{producer[2]} -> {consumer[2]}", "cat": "dataflow", "id": i}
        events.append({"ph": "s", "tid": p_tid, "ts": at / mhz, **common})
        events.append({"ph": "f", "bp": "e", "tid": c_tid, "ts": c_start / mhz, **common})
    return events


def _dram_bandwidth(spans: list[tuple], summary: dict, bins: int = 256) -> list[tuple[int, float]]:
    """DRAM bandwidth over time (GB/s, averaged over `bins` equal windows of the run): the link
    moves data at its full rate while a transfer is on it."""
    peak, cycles = summary.get("dram_gb_per_s"), int(summary.get("cycles", 0))
    if not spans or not peak or cycles <= 0:
        return []
    width = max(1, -(-cycles // bins))
    busy = [0] * (-(-cycles // width) + 1)
    for _component, _name, _layer, a, b in spans:
        for k in range(a // width, (b - 1) // width + 1):
            busy[k] += min(b, (k + 1) * width) - max(a, k * width)
    return [(k * width, round(peak * min(1.0, used / width), 6)) for k, used in enumerate(busy)]


def _lanes(spans: list[tuple]) -> list[str]:
    """The track of each span (sorted by component, then start): a component's spans that
    overlap (e.g. pipelined transfers) go to extra tracks `name (2)`, ..., since spans on one
    track must not overlap."""
    ends: dict[str, list[int]] = {}
    out = []
    for component, _name, _layer, a, b, _extra in spans:
        lanes = ends.setdefault(component, [])
        lane = next((i for i, end in enumerate(lanes) if end <= a), len(lanes))
        if lane == len(lanes):
            lanes.append(b)
        lanes[lane] = b
        out.append(component if lane == 0 else f"{component} ({lane + 1})")
    return out


def _numbers(row: dict) -> dict:
    """A layer span's args: the layer's numeric statistics (whatever columns the run has)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, bool) or key in ("start_cycle", "end_cycle", "cycles"):
            continue
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, (int, float)) and value == value:  # drops NaN, which JSON cannot hold
            out[key] = value
    return out


def write_trace(path: str | Path, trace: dict) -> None:
    from accelsim.stats.writers import atomic_write_text

    atomic_write_text(path, json.dumps(trace, separators=(",", ":")) + "\n")


def add_parser(sub) -> None:
    p = sub.add_parser("trace", help="write a Chrome/Perfetto trace of a run",
                       description="Simulate and write every job on every component as a Perfetto-loadable trace.")
    p.add_argument("hardware", help="hardware config (.yaml, or a SCALE-Sim .cfg)")
    p.add_argument("workload", help="workload (.yaml, or a SCALE-Sim topology .csv)")
    p.add_argument("-o", "--output", type=Path, required=True, help="trace file to write (JSON)")
    p.add_argument("--layer", action="append", default=[], metavar="NAME", help="keep only this layer (glob; repeatable)")
    p.add_argument("--component", action="append", default=[], metavar="NAME",
                   help=f"keep only this component track (glob; repeatable; the layer track is '{LAYER_TRACK}')")
    from accelsim.cli import SET_HELP, integer_arg, seed_arg

    p.add_argument("--start", type=integer_arg(0), metavar="CYCLE", help="keep spans ending after this cycle")
    p.add_argument("--end", type=integer_arg(0), metavar="CYCLE", help="keep spans starting before this cycle")
    p.add_argument("--fidelity", choices=["fine", "fast"], help="override the config's fidelity (fine: a span per fold)")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the run's random generator (default 0)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help=SET_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_trace)


def _check_matches(flag: str, patterns: list[str], names: list[str], what: str) -> None:
    """An empty trace says nothing: refuse patterns that match no name, and list the names."""
    from accelsim.errors import InputError, clip

    missing = [p for p in patterns if not any(fnmatchcase(n, p) for n in names)]
    if missing and not any(fnmatchcase(n, p) for n in names for p in patterns):
        raise InputError(f"no {what[:-1]} matches {clip(', '.join(missing), 100)}; "
                         f"{what}: {clip(', '.join(names), 300)}", flag)


def cmd_trace(args: argparse.Namespace) -> int:
    from accelsim.cli import _overrides
    from accelsim.config import load_hardware
    from accelsim.errors import InputError
    from accelsim.simulator import simulate

    if args.start is not None and args.end is not None and args.end <= args.start:
        raise InputError(f"must be greater than --start ({args.start}), got {args.end}", "--end")
    from accelsim.stats.writers import check_output

    check_output(args.output, "-o", directory=False)
    from accelsim.workload import load_workload

    hw_over, wl_over = _overrides(args.set, workload=True)
    hw = load_hardware(args.hardware, hw_over)
    from accelsim.progress import status

    workload = load_workload(args.workload, wl_over)
    with status(f"accelsim: tracing {workload.name} on {hw.name}", enabled=not args.quiet):
        result = simulate(hw, workload, seed=args.seed, fidelity=args.fidelity, trace=True)
    trace = chrome_trace(result, layers=args.layer, components=args.component, start=args.start, end=args.end)
    _check_matches("--layer", args.layer, list(result.layers["layer"]), "layers")
    _check_matches("--component", args.component,
                   list(dict.fromkeys([LAYER_TRACK, *(span[0] for span in result.trace)])), "components")
    write_trace(args.output, trace)
    if not args.quiet:
        events = trace["traceEvents"]
        spans = sum(e["ph"] == "X" for e in events)
        tracks = sum(e["name"] == "thread_name" for e in events)
        print(f"wrote {args.output}: {spans} spans on {tracks} tracks over {result.cycles:,} cycles; "
              "open it in https://ui.perfetto.dev")
    return 0
