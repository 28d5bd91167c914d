"""Stochastic MRAM writes, drawn in closed form.

A word of b bits over random old data needs each bit switched with probability 1/2. A
pulse switches a bit with probability p (devices.mtj.p_switch); with verify, failed bits
are repulsed up to m times. Per bit, pulses G ~ Geometric(p) capped at m; per word,
attempts A = max over its switching bits, with

    P(A <= a) = ((1 + 1 - q^a) / 2)^b,  q = 1 - p,   P(A = 0) = 2^-b,

and failed bits per word F ~ Binomial(b, q^m / 2). Totals over n words are drawn as
multinomial counts over these exact distributions: the cost does not grow with n, and
the same Generator state gives the same draw. (Bit and word totals are drawn from their
exact marginals, independently.)

NAND-SPIN: every group of a word is erased (SOT, deterministic), then its 1 bits are
programmed one pulse at a time with the same retry law; the groups of a word sit on
separate strips and are erased and programmed in parallel, so a word takes one erase plus
its share of program pulses per group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.config.mram import Mram
from accelsim.engine import Component, Link, Stat


@dataclass(frozen=True)
class WriteOutcome:
    words: int
    bank_ns: float          # total bank-occupancy time of the writes
    attempts: int           # word write attempts (pulse + verify each)
    bit_pulses: int         # bits driven, summed over pulses
    erases: int             # NAND-SPIN group erases
    verify_reads: int       # word reads for verification
    failed_bits: int        # bits still wrong after the last pulse
    corrected: int          # words ECC repaired (one failed bit)
    uncorrected: int        # words with two or more failed bits


def switch_probability(tech: Mram) -> float:
    from accelsim.devices.mtj import MTJParams, p_switch

    params = MTJParams(delta=tech.delta, ic0_ua=tech.ic0_ua, tau_d_ns=tech.tau_d_ns)
    return float(p_switch(tech.write_current_ua, tech.write_pulse_ns, params))


def sample_writes(rng: np.random.Generator, words: int, tech: Mram, p: float, nand_spin: bool) -> WriteOutcome:
    if words <= 0:
        return WriteOutcome(0, 0.0, 0, 0, 0, 0, 0, 0, 0)
    b = tech.word_bits + tech.check_bits
    m = tech.max_attempts if tech.verify else 1
    q = 1.0 - p
    # bits to switch (NAND-SPIN: the 1s to program after the erase), then each one's pulses
    switching = int(rng.binomial(words * b, 0.5))
    pulses_pmf = np.append(q ** np.arange(m) * p, q**m)          # succeed on pulse 1..m, or fail
    counts = rng.multinomial(switching, pulses_pmf / pulses_pmf.sum())
    bit_pulses = int(np.dot(np.arange(1, m + 1), counts[:m]) + m * counts[m])
    failed = int(counts[m])
    # word attempts: P(A <= a) for a = 0..m (A = m also when bits are still failing)
    cdf = ((2.0 - q ** np.arange(m + 1)) / 2.0) ** b
    cdf[-1] = 1.0
    word_counts = rng.multinomial(words, np.diff(np.concatenate(([0.0], cdf))))
    attempts = int(np.dot(np.arange(m + 1), word_counts))
    # ECC: failed bits per word ~ Binomial(b, q^m / 2)
    corrected = uncorrected = 0
    if tech.ecc == "secded" and failed:
        f = q**m / 2.0
        p0, p1 = (1 - f) ** b, b * f * (1 - f) ** (b - 1)
        _, corrected, uncorrected = (int(x) for x in rng.multinomial(words, [p0, p1, max(0.0, 1 - p0 - p1)]))
    verify_reads = attempts if tech.verify else 0
    if nand_spin:
        per_word = -(-b // tech.group_bits)
        groups = words * per_word
        bank_ns = (words * tech.erase_ns + bit_pulses / per_word * tech.write_pulse_ns
                   + verify_reads * tech.read_latency_ns)
        return WriteOutcome(words, bank_ns, attempts, bit_pulses, groups, verify_reads, failed, corrected, uncorrected)
    per_attempt = tech.write_pulse_ns + (tech.read_latency_ns if tech.verify else 0.0)
    return WriteOutcome(words, attempts * per_attempt, attempts, bit_pulses, 0, verify_reads, failed,
                        corrected, uncorrected)


MRAM_STATS = (
    Stat("write_attempts", "attempts", "MRAM word write attempts (pulse, and verify when enabled)"),
    Stat("write_bit_pulses", "bit-pulses", "MRAM bits driven, summed over pulses"),
    Stat("erases", "erases", "NAND-SPIN group erases"),
    Stat("verify_reads", "reads", "MRAM verify reads"),
    Stat("write_failed_bits", "bits", "bits still wrong after the last pulse"),
    Stat("ecc_corrected", "words", "words SECDED corrected"),
    Stat("ecc_uncorrected", "words", "words with two or more failed bits"),
    Stat("write_port_ns", "ns", "bank time spent writing"),
    Stat("read_port_ns", "ns", "bank time spent reading"),
)


class MramWriter:
    """The banks of an MRAM buffer, working in parallel: writes occupy them for their words'
    pulses, reads for a read latency per word, in arrival order: a read queued behind writes
    to the banks waits (bank conflicts). Counts into `component`, which must declare MRAM_STATS."""

    def __init__(self, component: Component, tech: Mram, technology: str, banks: int):
        self.component, self.tech = component, tech
        self.nand_spin = technology == "nand_spin"
        self.p = switch_probability(tech)
        ns_per_cycle = 1000.0 / component.ctx.clock_mhz
        # the port's "bytes" are picoseconds of bank time
        self.port = Link(component.env, f"{component.name}.write", banks * ns_per_cycle * 1000)
        self.word_bytes = tech.word_bits // 8 or 1

    def write(self, nbytes: int, layer: str):
        """Generator: occupy the port for `nbytes` worth of stochastic word writes."""
        words = -(-int(nbytes) // self.word_bytes) if nbytes else 0
        out = sample_writes(self.component.ctx.rng, words, self.tech, self.p, self.nand_spin)
        count = self.component.count
        for stat, value in (("write_attempts", out.attempts), ("write_bit_pulses", out.bit_pulses),
                            ("erases", out.erases), ("verify_reads", out.verify_reads),
                            ("write_failed_bits", out.failed_bits), ("ecc_corrected", out.corrected),
                            ("ecc_uncorrected", out.uncorrected), ("write_port_ns", out.bank_ns)):
            count(stat, value, layer)
        yield from self.port.transfer(int(round(out.bank_ns * 1000)))

    def book_reads(self, nbytes: int, layer: str) -> int:
        """Queue the reads of `nbytes` on the banks; the cycle they are done."""
        words = -(-int(nbytes) // self.word_bytes) if nbytes else 0
        self.component.count("read_port_ns", words * self.tech.read_latency_ns, layer)
        return self.port.book(int(round(words * self.tech.read_latency_ns * 1000)))
