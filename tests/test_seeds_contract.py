"""scripts/reproduce_seeds.py's `--json FILE` contract: one object per comparison, fixed keys."""

import importlib.util
import json

import pytest

from tests.conftest import ROOT


def _seeds():
    spec = importlib.util.spec_from_file_location("reproduce_seeds", ROOT / "scripts" / "reproduce_seeds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_json_rows_have_exactly_the_contract_keys(tmp_path):
    seeds = _seeds()
    rows = [seeds.row("a_vs_b_energy_eff", "A", "energy efficiency", 43, "up to", 3.5, "x", "resnet18", "why"),
            seeds.row("c_saved", "C", "time saved", None, "not reported", 12.5, "%", "mlp", "why not")]
    out = tmp_path / "seeds.json"
    seeds.write_json(rows, out)
    back = json.loads(out.read_text())
    assert [list(r) for r in back] == [list(seeds.KEYS)] * 2
    assert list(seeds.KEYS) == ["id", "seed", "metric", "published", "published_kind", "accelsim", "unit",
                                "network", "note"]
    assert back[0]["published"] == 43.0 and back[0]["accelsim"] == 3.5 and back[1]["published"] is None
    assert seeds._shown(43.0, "up to", "x") == "up to 43x" and seeds._shown(67.0, "more than", "%") == "> 67 %" and seeds._shown(3.21249, "range", "x") == "3.21x"


@pytest.mark.parametrize("published, kind", [(5, "roughly"), (None, "up to"), (5, "not reported")])
def test_row_refuses_a_kind_outside_the_contract(published, kind):
    with pytest.raises(ValueError):
        _seeds().row("x", "X", "m", published, kind, 1.0, "x", "n", "note")
