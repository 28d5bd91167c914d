"""NAND-SPIN: MTJs sharing one heavy-metal strip, erased by SOT and programmed by STT.

Sources: Z. Wang et al., "High-density NAND-like spin transfer torque memory with
spin orbit torque erase operation", IEEE EDL 39(3), 2018; K. Shi et al.,
"Experimental demonstration of NAND-like spin-torque memory unit", IEEE EDL 42(4),
2021 (8 MTJs per strip).

Write of one group (`group_bits` MTJs on one strip):
1. erase: one SOT current pulse through the strip resets every MTJ of the group to 0;
2. program: a unidirectional STT pulse through each MTJ whose new bit is 1, at most
   `program_parallel` MTJs at a time.
Latency = erase_ns + ceil(ones / program_parallel) * program_ns;
energy  = erase_pj + ones * program_pj_per_bit.
With ``skip_erase=True`` a write that only sets bits (old & ~new == 0) skips the
erase and programs only the newly set bits (new & ~old); an unchanged word is free.

Defaults are assumptions chosen to sit inside the published claims, not measured
values: against the conventional STT-MRAM baseline `STT_BASELINE_PJ_PER_BIT`
(0.5 pJ/bit, the middle of the 0.2-1 pJ/bit STT range, every bit of an 8-bit word
written), a random 8-bit word (4 ones on average) costs 0.2 + 4 * 0.2 = 1.0 pJ, 4x
less (claim: 3-5x). Erase 1 ns is the top of the 0.3-1 ns SOT range; program 5 ns
the bottom of the 5-10 ns STT range. Cell area: 25 F²/bit against an assumed
75 F²/bit SOT-MRAM cell (two transistors per bit) is 3x smaller (claim: 2-4x at 28 nm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

STT_BASELINE_PJ_PER_BIT = 0.5
SOT_CELL_AREA_F2 = 75.0


@dataclass(frozen=True)
class NandSpinParams:
    group_bits: int = 8
    erase_ns: float = 1.0
    erase_pj: float = 0.2
    program_ns: float = 5.0
    program_pj_per_bit: float = 0.2
    program_parallel: int = 1
    cell_area_f2_per_bit: float = 25.0


DEFAULT = NandSpinParams()


def _popcount(a: np.ndarray, bits: int) -> np.ndarray:
    return sum(((a >> b) & 1) for b in range(bits))


def nand_spin_write_cost(
    old_word: ArrayLike,
    new_word: ArrayLike,
    group_bits: int = DEFAULT.group_bits,
    *,
    erase_ns: float = DEFAULT.erase_ns,
    erase_pj: float = DEFAULT.erase_pj,
    program_ns: float = DEFAULT.program_ns,
    program_pj_per_bit: float = DEFAULT.program_pj_per_bit,
    program_parallel: int = DEFAULT.program_parallel,
    skip_erase: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(latency_ns, energy_pj) of writing `new_word` over `old_word` in one NAND-SPIN group.

    Words are unsigned `group_bits`-wide bit patterns (arrays broadcast).
    """
    if not isinstance(group_bits, (int, np.integer)) or not 1 <= group_bits <= 62:
        raise ValueError(f"group_bits must be an integer in [1, 62], got {group_bits!r}")
    if not isinstance(program_parallel, (int, np.integer)) or program_parallel < 1:
        raise ValueError(f"program_parallel must be a positive integer, got {program_parallel!r}")
    if min(erase_ns, erase_pj, program_ns, program_pj_per_bit) < 0:
        raise ValueError("latencies and energies must be non-negative")
    o = np.asarray(old_word, dtype=np.int64)
    n = np.asarray(new_word, dtype=np.int64)
    top = (1 << group_bits) - 1
    for name, a in (("old_word", o), ("new_word", n)):
        if a.size and (a.min() < 0 or a.max() > top):
            raise ValueError(f"{name} must be unsigned {group_bits}-bit patterns in [0, {top}]")
    o, n = np.broadcast_arrays(o, n)
    erase = np.ones(o.shape, dtype=bool)
    to_program = n
    if skip_erase:
        only_sets = (o & ~n) == 0
        erase = ~only_sets
        to_program = np.where(only_sets, n & ~o, n)
    ones = _popcount(to_program, group_bits)
    steps = -(-ones // program_parallel)
    latency = np.where(erase, erase_ns, 0.0) + steps * program_ns
    energy = np.where(erase, erase_pj, 0.0) + ones * program_pj_per_bit
    return latency, energy


def stt_baseline_energy_pj(bits: int = 8, pj_per_bit: float = STT_BASELINE_PJ_PER_BIT) -> float:
    """Energy of the conventional STT-MRAM word write the defaults are compared with."""
    return bits * pj_per_bit


__all__ = [
    "DEFAULT", "NandSpinParams", "SOT_CELL_AREA_F2", "STT_BASELINE_PJ_PER_BIT",
    "nand_spin_write_cost", "stt_baseline_energy_pj",
]
