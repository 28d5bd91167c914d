"""MRAM buffers: stochastic writes with verify, in the timeline and in the energy."""

from __future__ import annotations

import numpy as np
import pytest

import accelsim
from accelsim.components.mram import sample_writes, switch_probability
from accelsim.config.mram import Mram, preset
from accelsim.workload import Layer, Workload
from tests.conftest import ROOT

BASE = ROOT / "hwconfigs" / "systolic_32x32.yaml"


def _tech(**kw) -> Mram:
    return Mram(**{**preset("stt_mram"), **kw})


def test_long_pulses_write_like_ideal_memory():
    tech = _tech(write_pulse_ns=200.0)  # thermal regime, 200 tau: P_switch = 1
    p = switch_probability(tech)
    assert p == 1.0
    out = sample_writes(np.random.default_rng(1), 10_000, tech, p, nand_spin=False)
    # every word with a bit to switch takes exactly one pulse; each such bit one pulse
    assert out.failed_bits == 0 and out.verify_reads == out.attempts
    assert out.words - out.attempts <= 1  # a word needs no pulse with probability 2^-64
    assert out.bank_ns == out.attempts * (200.0 + tech.read_latency_ns)


def test_verify_attempts_follow_the_geometric_law():
    """One-bit words: attempts = min(Geometric(p), m) for the half of words that must switch."""
    tech = _tech(word_bits=1, write_pulse_ns=2.0, write_current_ua=60.0, max_attempts=6)
    p = switch_probability(tech)
    assert 0.3 < p < 0.9
    n = 200_000
    out = sample_writes(np.random.default_rng(7), n, tech, p, nand_spin=False)
    q, m = 1 - p, 6
    expected_attempts = n / 2 * sum(q**a for a in range(m))        # E[min(G, m)] = sum_{a<m} q^a
    expected_failed = n / 2 * q**m
    # binomial-scale tolerances (5 sigma) at this fixed seed
    assert abs(out.attempts - expected_attempts) < 5 * np.sqrt(n * 2.0)
    assert abs(out.failed_bits - expected_failed) < 5 * np.sqrt(expected_failed) + 1
    # one bit per word: bit-pulses follow the same law (drawn independently of word attempts)
    assert abs(out.bit_pulses - expected_attempts) < 5 * np.sqrt(n * 2.0)


def test_same_seed_same_draws():
    tech = _tech()
    p = switch_probability(tech)
    a = sample_writes(np.random.default_rng(3), 5000, tech, p, nand_spin=True)
    b = sample_writes(np.random.default_rng(3), 5000, tech, p, nand_spin=True)
    assert a == b


def test_secded_adds_check_bits_and_counts_corrections():
    tech = _tech(ecc="secded", verify=False, write_pulse_ns=6.0)
    assert tech.check_bits == 8  # 64 data bits: 7 Hamming + 1 parity
    p = switch_probability(tech)
    out = sample_writes(np.random.default_rng(0), 100_000, tech, p, nand_spin=False)
    assert out.failed_bits > 0 and out.corrected > out.uncorrected > 0


def _run(tech: str, **over):
    overrides = {f"memory.{b}_sram.technology": tech for b in ("ifmap", "filter", "ofmap")}
    overrides.update(over)
    wl = Workload("w", (Layer(name="c", kind="conv", C=16, H=16, W=16, K=32, R=3, S=3),))
    return accelsim.simulate(accelsim.load_hardware(BASE, overrides), wl, seed=5)


def test_write_energy_is_pulses_times_pulse_energy():
    r = _run("stt_mram")
    comp = r.components.set_index(["component", "stat"])["value"]
    m = accelsim.load_hardware(BASE, {"memory.ifmap_sram.technology": "stt_mram"}).memory.ifmap_sram.mram
    read_byte = 8 * m.read_energy_pj_per_bit
    expect = (comp[("ifmap_sram", "write_bit_pulses")] * m.write_energy_pj_per_bit
              + comp[("ifmap_sram", "verify_reads")] * m.word_bits * m.read_energy_pj_per_bit
              + comp[("ifmap_sram", "read_bytes")] * read_byte)
    assert comp[("ifmap_sram", "energy_pj")] == pytest.approx(expect, rel=1e-12)


def test_mram_writes_cost_cycles_and_seeds_repeat():
    sram, stt = _run("sram"), _run("stt_mram")
    assert stt.summary["cycles"] > sram.summary["cycles"]
    assert stt.summary["stall_ifmap_mram_write"] + stt.summary["stall_filter_mram_write"] > 0
    assert _run("stt_mram").summary == stt.summary
    # more banks write in parallel
    fast = _run("stt_mram", **{f"memory.{b}_sram.banks": 16 for b in ("ifmap", "filter", "ofmap")})
    assert fast.summary["cycles"] < stt.summary["cycles"]


def test_mram_block_needs_an_mram_technology():
    with pytest.raises(accelsim.ConfigError, match="needs technology"):
        accelsim.load_hardware(BASE, {"memory.ifmap_sram.mram": preset("stt_mram")})


def test_mram_tile_buffers_on_a_crossbar_chip():
    from accelsim.energy import energy_table

    isaac = ROOT / "hwconfigs" / "isaac.yaml"
    wl = ROOT / "workloads" / "toy3.yaml"
    edram = accelsim.simulate(isaac, wl)
    hw = accelsim.load_hardware(isaac, {"compute.tile.buffer.technology": "stt_mram"})
    stt = accelsim.simulate(hw, wl, seed=2)
    comp = stt.components.set_index(["component", "stat"])["value"]
    assert comp[("tile_buffer", "write_bit_pulses")] > 0
    assert stt.summary["cycles"] >= edram.summary["cycles"]
    # energy of the MRAM buffer = its priced counts, nothing else
    expect = sum(comp.get(("tile_buffer", s), 0) * e.pj_per_unit
                 for e in energy_table(hw) if e.component == "tile_buffer" for s in e.stats)
    assert comp[("tile_buffer", "energy_pj")] == pytest.approx(expect, rel=1e-12)


def test_crossbar_mram_tile_buffers_agree_across_fidelities():
    # Only the writes of arriving rows occupy the banks (reads do not queue on them: with
    # first-come banks, a per-vector read stuck behind a whole row's write made `fine` up to
    # 22 % slower than `fast` on ResNet-18). The bank time bounds the pipeline interval.
    isaac = ROOT / "hwconfigs" / "isaac.yaml"
    wl = ROOT / "workloads" / "lenet5.yaml"
    hw = accelsim.load_hardware(isaac, {"compute.tile.buffer.technology": "stt_mram"})
    fine = accelsim.simulate(hw, wl, fidelity="fine", seed=2)
    fast = accelsim.simulate(hw, wl, fidelity="fast", seed=2)
    assert abs(fine.summary["cycles"] - fast.summary["cycles"]) <= 0.005 * fine.summary["cycles"]
    for run in (fine, fast):
        comp = run.components.set_index(["component", "stat"])["value"]
        lay = run.layers
        # mram_bank_cycles: each layer's bank time spread over its banks (2 per tile here), so
        # at most the total bank time in cycles
        assert lay["mram_bank_cycles"].sum() > 0
        assert lay["mram_bank_cycles"].sum() * 1000 / 1200 <= comp[("tile_buffer", "write_port_ns")] + len(lay)
        assert run.summary["pipeline_interval_cycles"] >= int(lay["mram_bank_cycles"].max())


def test_presets_ship_with_the_package():
    """Read at run time: pyproject.toml's package-data must list them for wheel installs."""
    import tomllib

    from accelsim.config.mram import PRESETS

    assert PRESETS.is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["accelsim"]
    relative = PRESETS.relative_to(ROOT / "accelsim").as_posix()
    import fnmatch

    assert any(fnmatch.fnmatch(relative, pattern) for pattern in data)


def test_reads_and_writes_conflict_on_shared_banks():
    few = _run("stt_mram")
    many = _run("stt_mram", **{f"memory.{b}_sram.banks": 64 for b in ("ifmap", "filter", "ofmap")})
    assert few.summary["stall_mram_bank"] > 0
    assert many.summary["stall_mram_bank"] < few.summary["stall_mram_bank"]
    comp = few.components.set_index(["component", "stat"])["value"]
    # the banks carried both: every read of the array was booked on them
    m = accelsim.load_hardware(BASE, {"memory.ifmap_sram.technology": "stt_mram"}).memory.ifmap_sram.mram
    words = -(-few.layers["ifmap_sram_reads"].sum() // (m.word_bits // 8))
    assert comp[("ifmap_sram", "read_port_ns")] == pytest.approx(words * m.read_latency_ns, rel=0.01)
