"""The on-disk compression cache: same results hit or miss, keyed on what results depend on,
atomic entries, safe for concurrent writers, `--no-cache` and `accelsim cache clear`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

import accelsim
from accelsim.workload import Layer, Workload
from accelsim.workload.compression import cache
from accelsim.workload.compression.effect import _stats, workload_stats

from tests.conftest import ROOT

STEPS = ((("exponents", 7), ("scheme", "pow2"), ("terms", 2)),
         (("cell_bits", 1), ("cols", 64), ("max_rel_error", 0.05), ("rows", 64), ("scheme", "bitflip")))


def _wl(*shapes) -> Workload:
    return Workload("w", tuple(Layer(name=f"l{i}", kind="conv", C=c, H=8, W=8, K=k, R=3, S=3, compression=STEPS)
                               for i, (c, k) in enumerate(shapes)))


def _fresh(wl, hw, seed=0, use_cache=True):
    _stats.cache_clear()  # the in-process memo would hide the disk
    return workload_stats(wl, hw, seed, use_cache)


def test_hit_equals_miss_and_keeps_the_stream(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = _wl((8, 16), (16, 8), (8, 8))
    cold = _fresh(wl, hw, use_cache=False)
    assert not (tmp_path / "compression").exists()
    first = _fresh(wl, hw)
    assert len(list((tmp_path / "compression").glob("*.json"))) == 3
    assert first == cold == _fresh(wl, hw)   # all hits
    # a different middle layer: the first still hits, the later ones redraw as without a cache
    other = _wl((8, 16), (16, 12), (8, 8))
    assert _fresh(other, hw) == _fresh(other, hw, use_cache=False)
    assert len(list((tmp_path / "compression").glob("*.json"))) == 5


def test_key_follows_seed_geometry_and_settings(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = _wl((8, 16))
    _fresh(wl, hw, seed=0)
    _fresh(wl, hw, seed=1)
    _fresh(wl, accelsim.load_hardware(hw, {"compute.tile.ima.crossbar.rows": 64}))
    loose = Workload("w", (Layer(**{**wl.layers[0].__dict__, "compression": STEPS[:1]}),))
    _fresh(loose, hw)
    assert len(list((tmp_path / "compression").glob("*.json"))) == 4
    renamed = Workload("w", (Layer(**{**wl.layers[0].__dict__, "name": "other"}),))
    _fresh(renamed, hw)  # the name is not part of the key
    assert len(list((tmp_path / "compression").glob("*.json"))) == 4


def test_unreadable_entry_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = _wl((8, 16))
    good = _fresh(wl, hw)
    (entry,) = (tmp_path / "compression").glob("*.json")
    entry.write_text('{"hw": {"density": ')  # a torn or foreign file
    assert _fresh(wl, hw) == good
    assert json.loads(entry.read_text())["hw"]["density"] == good[0].density  # rewritten whole


def test_entry_missing_a_statistic_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = _wl((8, 16))
    good = _fresh(wl, hw)
    (entry,) = (tmp_path / "compression").glob("*.json")
    record = json.loads(entry.read_text())
    del record["hw"]["capped_crossbars"]     # an entry from before the field existed
    record["hw"]["crossbars_compressed"] = 0
    entry.write_text(json.dumps(record))
    assert _fresh(wl, hw) == good


def _run_in_child(args) -> tuple:
    path, seed = args
    import os

    os.environ[cache.ENV_DIR] = path
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    return tuple(_fresh(_wl((8, 16), (16, 8)), hw, seed))


def test_two_processes_at_once(tmp_path):
    with ProcessPoolExecutor(2) as pool:
        a, b = pool.map(_run_in_child, [(str(tmp_path), 3)] * 2)
    assert a == b
    files = list((tmp_path / "compression").iterdir())
    assert len(files) == 2 and all(f.suffix == ".json" for f in files)  # no temporaries left


def test_cli_no_cache_and_clear(tmp_path):
    env = {**__import__("os").environ, cache.ENV_DIR: str(tmp_path)}
    wl = tmp_path / "wl.yaml"
    wl.write_text("name: w\nlayers:\n  - {name: c, type: conv, C: 8, H: 8, W: 8, K: 16, R: 3, S: 3,\n"
                  "     compression: [{scheme: pow2, terms: 2}]}\n")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "accelsim", *map(str, args)], capture_output=True, text=True,
                              env=env, cwd=tmp_path, timeout=300)

    hw = ROOT / "hwconfigs" / "era_bs.yaml"
    assert cli("run", hw, wl, "-q", "--no-cache").returncode == 0
    assert not (tmp_path / "compression").exists()
    assert cli("run", hw, wl, "-q").returncode == 0
    assert len(list((tmp_path / "compression").glob("*.json"))) == 1
    out = cli("cache", "clear")
    assert out.returncode == 0 and "removed 1 cached compression result " in out.stdout
    assert not list((tmp_path / "compression").glob("*.json"))
    assert cli("cache", "dir").stdout.strip() == str(tmp_path)


def test_data_pass_hit_equals_miss(tmp_path, monkeypatch):
    """The zero-slice data pass's statistics come back from the cache bit for bit (with
    activation pruning, so all three columns matter), keyed on the seed and the chip."""
    import accelsim.simulator as simulator

    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml", {"compute.activation_prune_ones": 1})
    wl = accelsim.load_workload(ROOT / "workloads" / "lenet5.yaml")
    cold = accelsim.simulate(hw, wl, cache=False)
    assert not (tmp_path / "data").exists()
    first = accelsim.simulate(hw, wl)
    assert len(list((tmp_path / "data").glob("*.json"))) == 1
    calls = []
    with monkeypatch.context() as patched:
        patched.setattr("accelsim.functional.input_slices", lambda *a: calls.append(a))
        hit = accelsim.simulate(hw, wl)
    assert not calls  # served from the cache
    for r in (first, hit):
        assert r.summary == cold.summary
        assert r.table("layers").to_csv() == cold.layers.to_csv(index=False)
    assert simulator.measure(hw, wl, 0, False, None, 256, cache=True).pruning["activation_rel_error"]["conv2"] > 0
    accelsim.simulate(hw, wl, seed=1)
    accelsim.simulate(accelsim.load_hardware(hw, {"compute.activation_prune_ones": 2}), wl)
    assert len(list((tmp_path / "data").glob("*.json"))) == 3
    assert cache.clear() == 3 + len(list((tmp_path / "compression").glob("*.json")))


def test_the_cache_is_bounded_least_recently_used_first(tmp_path, monkeypatch):
    """Past its bound the cache drops the entries used longest ago (a hit counts as a use);
    results are the same whether entries were evicted or not."""
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path))
    for i, age in enumerate((30, 10, 20)):  # entry 1 is the newest, entry 0 the oldest
        cache.write_entry(cache.KIND, f"e{i}", {"pad": "x" * 1000})
        os.utime(tmp_path / cache.KIND / f"e{i}.json", (1e9 - age, 1e9 - age))
    assert cache.read_entry(cache.KIND, "e0") is not None  # used now: the newest
    size = (tmp_path / cache.KIND / "e0.json").stat().st_size
    assert cache.bound(2 * size) == 1
    assert sorted(p.stem for p in (tmp_path / cache.KIND).glob("*.json")) == ["e0", "e1"]
    assert cache.bound(0) == 0  # 0: unbounded
    monkeypatch.setenv(cache.ENV_MAX_MB, "0.001")  # about one entry
    assert cache.max_bytes() == int(0.001 * 2**20)
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml")
    wl = _wl((8, 16), (16, 8), (8, 8))
    bounded = _fresh(wl, hw)
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.json")) <= cache.max_bytes()
    assert bounded == _fresh(wl, hw, use_cache=False) == _fresh(wl, hw)
    monkeypatch.setenv(cache.ENV_MAX_MB, "lots")
    assert cache.max_bytes() == cache.DEFAULT_MAX_MB * 2**20
