"""scripts/seeds_pim.py: a workload baked with one weight distribution is the raw one's statistics."""

import importlib.util

import accelsim
from accelsim.workload.compression.effect import workload_stats

from tests.conftest import ROOT


def _seeds_pim():
    spec = importlib.util.spec_from_file_location("seeds_pim", ROOT / "scripts" / "seeds_pim.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_baked_normal_weights_carry_the_statistics_a_run_draws(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELSIM_CACHE_DIR", str(tmp_path))
    sp = _seeds_pim()
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    raw = sp.compressed("lenet5", sp.erabs_steps(), "raw")
    baked = sp.baked("lenet5", sp.erabs_steps(), "baked", ROOT / "hwconfigs" / "era_bs.yaml", "normal")
    drawn, carried = workload_stats(raw, hw, 0, cache=False), workload_stats(baked, hw, 0, cache=False)
    assert sum(s is not None for s in drawn) >= 3
    assert drawn == carried
    laplace = sp.baked("lenet5", sp.erabs_steps(), "laplace", ROOT / "hwconfigs" / "era_bs.yaml", "laplace")
    assert workload_stats(laplace, hw, 0, cache=False) != drawn
