"""Check that accelsim reads SCALE-Sim's shipped topologies as SCALE-Sim 3.0.0 does.

    python scripts/check_scalesim_topologies.py TOPOLOGIES_DIR CENSUS.json

TOPOLOGIES_DIR is a SCALE-Sim repository's `topologies/` folder; CENSUS.json is what
SCALE-Sim itself made of each file, in both `-i` modes (tests/data/scalesim/topologies/,
made with the command in its README). For every file SCALE-Sim reads in the form its
header names, accelsim must give the same layer count (a `DP` layer counts once per
channel, as SCALE-Sim expands it) and the same MACs. Prints one line per file that differs
and a count; exit status 1 if any differs.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from accelsim.errors import InputError
from accelsim.workload import load_workload


def expected_form(path: Path) -> str:
    from accelsim.workload.formats.scalesim_csv import detect_form

    header = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()[0]
    return detect_form(header.split(",")) or "conv"


def check(root: Path, census: list[dict]) -> tuple[int, int, int, list[str]]:
    readable = matched = refused = 0
    problems = []
    for entry in census:
        path = root / entry["file"]
        form = expected_form(path)
        ref = entry[form]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wl = load_workload(path)
        except InputError as exc:
            wl = None
            if "layers" not in ref:
                refused += 1
                continue
            problems.append(f"{entry['file']}: SCALE-Sim reads it, accelsim refuses: {exc.message}")
            continue
        if "layers" not in ref:
            continue  # accelsim reads more than SCALE-Sim (e.g. rows without the trailing comma)
        readable += 1
        layers = sum(layer.groups if layer.kind == "depthwise" else 1 for layer in wl.layers)
        if (layers, wl.macs) == (ref["layers"], ref["macs"]):
            matched += 1
        else:
            problems.append(f"{entry['file']}: layers {layers} vs {ref['layers']}, MACs {wl.macs} vs {ref['macs']}")
    return readable, matched, refused, problems


def main(argv: list[str]) -> int:
    root, census = Path(argv[0]), json.loads(Path(argv[1]).read_text())
    readable, matched, refused, problems = check(root, census)
    for line in problems:
        print(line)
    print(f"{len(census)} files; SCALE-Sim reads {readable + sum(1 for p in problems if 'refuses' in p)}; "
          f"accelsim matches layers and MACs on {matched}; both refuse {refused}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
