"""The results table without pandas (stats/table.py) gives pandas' own text, byte for byte,
or steps aside; and a run that only prints or writes CSV never imports pandas."""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys

import pandas as pd
import pytest

from accelsim.stats.table import Table

from tests.conftest import ROOT

PERCENT = {"utilization": lambda v: f"{100 * v:6.2f}%"}


def _float(rng: random.Random) -> float:
    if rng.random() < 0.4:
        return struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
    return rng.choice([0.0, -0.0, 1e16, 1e-7, 1.5, math.nan, math.inf, -math.inf, 0.1 + 0.2, 5e-324, 2.0**53,
                       99999999999999999.0])


def _records(rng: random.Random) -> list[dict]:
    names = ["a", "conv1", "x" * 70, "l9.q", "A B", "b,c", 'q"x', "new\nline", "", " sp", "é"]
    return [{"layer": rng.choice(names), "macs": rng.choice([0, 1, -3, 10 ** rng.randint(0, 18), 2**62]),
             "cycles": rng.randint(0, 10 ** rng.randint(1, 12)),
             "utilization": rng.choice([0, 0.0, 0.5, 1.0, 1.23456, 123.4, 1e-9, 2 / 3]),
             "energy": rng.choice([_float(rng), rng.randint(-10**15, 10**15)])}
            for _ in range(rng.randint(1, 6))]


@pytest.mark.parametrize("seed", range(4))
def test_csv_and_table_text_equal_pandas(seed):
    rng = random.Random(seed)
    plain = 0
    for _ in range(400):
        records = _records(rng)
        table = Table([dict(r) for r in records])
        frame = pd.DataFrame(records)
        pd.testing.assert_frame_equal(table.frame(), frame, check_exact=True)
        text = table.to_csv()
        if text is not None:
            plain += 1
            assert text == frame.to_csv(index=False), records
        cols = ["layer", "macs", "cycles", "utilization"]
        shown = table.to_string(cols, PERCENT)
        if shown is not None:
            frame["utilization"] = (100 * frame["utilization"]).map(lambda v: f"{v:6.2f}%")  # as Result did
            assert shown == frame[cols].to_string(index=False), records
    assert plain > 300  # the plain path is the common one


def test_added_columns_and_odd_tables_match_the_frame():
    table = Table([{"layer": "a", "n": 1}, {"layer": "b", "n": 2}])
    table.added["energy_pj"] = [0.5, 1.0]
    assert table.columns == ["layer", "n", "energy_pj"]
    pd.testing.assert_frame_equal(table.frame(), pd.DataFrame({"layer": ["a", "b"], "n": [1, 2], "energy_pj": [0.5, 1.0]}))
    assert int(table["n"].sum()) == 3 and table.get("missing") is None
    ragged = Table([{"layer": "a", "n": 1}, {"layer": "b"}])  # a missing key: pandas' NaN, so pandas decides
    assert not ragged.plain() and ragged.to_csv() is None and ragged.to_string(["layer"]) is None
    flags = Table([{"ok": True}])
    assert flags.to_csv() is None
    shuffled = [{"layer": "a", "n": 1}, {"n": 2, "layer": "b"}]  # same keys, another order: still columns
    pd.testing.assert_frame_equal(Table([dict(r) for r in shuffled]).frame(), pd.DataFrame(shuffled))
    assert Table(shuffled).column("n") == [1, 2] and len(Table([{}, {}])) == 2
    pd.testing.assert_frame_equal(Table([{}, {}]).frame(), pd.DataFrame([{}, {}]))
    empty = Table([], names=["component", "stat", "unit", "value"])
    assert list(empty.frame().columns) == ["component", "stat", "unit", "value"] and empty.to_csv() is None


def test_a_run_that_prints_and_writes_csv_does_not_import_pandas(tmp_path):
    code = ("import sys; from accelsim.cli import main; "
            f"rc = main(['run', {str(ROOT / 'hwconfigs' / 'systolic_32x32.yaml')!r}, "
            f"{str(ROOT / 'workloads' / 'lenet5.yaml')!r}, '-o', {str(tmp_path / 'out')!r}]); "
            "print('pandas' in sys.modules, 'pyarrow' in sys.modules, rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.splitlines()[-1] == "False False 0", out.stderr
    written = pd.read_csv(tmp_path / "out" / "layers.csv")
    assert len(written) == 7 and "energy_pj" in written.columns
