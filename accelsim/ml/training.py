"""On-chip training of the digits MLP with its weights in NAND-SPIN MRAM, every write priced.

Storage: every parameter (the bias is an extra weight row fed a constant 1) is a
`word_bits` sign-magnitude word, value = s * (+-magnitude), s = w_max / (2^(b-1) - 1).
A word occupies word_bits / group_bits NAND-SPIN groups (strips), which are written in
parallel. Sign-magnitude because a NAND-SPIN write erases a group to 0 and then programs
its 1 bits: a pulse that fails leaves a 0, which only shrinks a magnitude (or drops a
sign bit), |error| <= 2|w| -- in two's complement a lost sign bit would be a jump of 2^(b-1).

Each step: read the stored words, forward/backward in floating point (the digital
periphery), target = stored - lr * grad, stochastically rounded to the word grid
(round-to-nearest drops every update under half a level: 89 % instead of 93 % test
accuracy after 5 epochs at 8 bits), clipped to +-w_max. Read-before-write: only
groups whose target differs from what is stored are written. A group write is the SOT
erase (deterministic) then `kernels.stochastic_write` from all-zeros to the target with
the program pulse's p_switch (devices.mtj) for 0 -> 1; without verify every 1 bit gets one
pulse, with verify the failed bits are re-pulsed after a verify read, up to max_attempts.

Cost of a group write (`devices.nand_spin.nand_spin_write_cost` for the first pass, which
programs every 1 bit of the target once, serially):
    latency = erase_ns + pulses * program_ns (+ verify reads * read_ns)
    energy  = erase_pj + pulses * program_pj (+ verify reads * group_bits * read_pj_per_bit)
where pulses = the bit-pulses the write needed (= ones of the target without verify). A word
takes the longest of its groups. Words are interleaved over `banks` (word i in bank
i mod banks); banks write in parallel, so a step's write phase lasts as long as its busiest
bank's sum of word latencies. Program energy per bit-pulse = I^2 R t with R the write-path
resistance implied by the preset (0.2 pJ at 40.82 uA x 5 ns: R = 24.0 kOhm).

Randomness: `default_rng([seed, i])` streams -- 0 init, 1 batch order, 2 stochastic
rounding, 3 write outcomes -- with data-independent draw counts, so runs that differ only
in the pulse see the same initial weights, batches and rounding draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from accelsim.devices.mtj import MTJParams, p_switch, write_energy_pj
from accelsim.devices.nand_spin import nand_spin_write_cost
from accelsim.kernels import stochastic_write
from accelsim.ml.data import Split


def _path_ohm(pj: float, ua: float, ns: float) -> float:
    """Write-path resistance R with E = I^2 R t."""
    return pj * 1e-12 / ((ua * 1e-6) ** 2 * ns * 1e-9)


def _preset() -> dict:
    from accelsim.config.mram import preset

    return preset("nand_spin")


@dataclass(frozen=True)
class NandSpinWrites:
    """The program pulse and NAND-SPIN costs. Defaults: the `nand_spin` preset (`from_preset`
    reads it), except the program current and Ic0: Ic0 = 20 uA (bottom of the 20-100 uA
    range) and 105 uA, the current at which a 3 ns pulse is a reliable write (WER 1.2e-9 per
    bit, Sun model, Delta 60); 1 ns pulses then switch with p = 0.970 (docs/training.md)."""

    pulse_ns: float = 3.0
    current_ua: float = 105.0
    ic0_ua: float = 20.0
    delta: float = 60.0
    tau_d_ns: float = 1.0
    group_bits: int = 8
    erase_ns: float = 1.0
    erase_pj: float = 0.2
    read_ns: float = 2.0
    read_pj_per_bit: float = 0.021
    path_ohm: float = _path_ohm(0.2, 40.82, 5.0)   # preset: 0.2 pJ at 40.82 uA x 5 ns: 24.0 kOhm
    verify: bool = False
    max_attempts: int = 4
    banks: int = 16

    @classmethod
    def from_preset(cls, **overrides) -> "NandSpinWrites":
        p = _preset()
        path = _path_ohm(p["write_energy_pj_per_bit"], p["write_current_ua"], p["write_pulse_ns"])
        base = dict(delta=p["delta"], tau_d_ns=p.get("tau_d_ns", 1.0), group_bits=p["group_bits"],
                    erase_ns=p["erase_ns"], erase_pj=p["erase_energy_pj"], read_ns=p["read_latency_ns"],
                    read_pj_per_bit=p["read_energy_pj_per_bit"], path_ohm=path)
        return cls(**{**base, **overrides})

    @property
    def p_switch(self) -> float:
        params = MTJParams(delta=self.delta, ic0_ua=self.ic0_ua, tau_d_ns=self.tau_d_ns)
        return float(p_switch(self.current_ua, self.pulse_ns, params))

    @property
    def program_pj(self) -> float:
        return float(write_energy_pj(self.current_ua, self.pulse_ns, self.path_ohm))


def encode(values: np.ndarray, bits: int) -> np.ndarray:
    """Sign-magnitude words of integers in +-(2^(bits-1) - 1)."""
    return np.where(values < 0, (1 << (bits - 1)) | -values, values).astype(np.int64)


def decode(words: np.ndarray, bits: int) -> np.ndarray:
    mag = words & ((1 << (bits - 1)) - 1)
    return np.where(words >> (bits - 1) & 1, -mag, mag)


def write_words(stored: np.ndarray, target: np.ndarray, cfg: NandSpinWrites, word_bits: int,
                rng: np.random.Generator) -> tuple[np.ndarray, dict, np.ndarray]:
    """Write `target` words over `stored` (flat arrays); returns (new stored, totals, per-word
    latency_ns). Draws rng.random((groups, group_bits)) once, whatever changed."""
    gb = cfg.group_bits
    n_groups = word_bits // gb
    shifts = gb * np.arange(n_groups)
    old_g = (stored[:, None] >> shifts) & ((1 << gb) - 1)
    new_g = (target[:, None] >> shifts) & ((1 << gb) - 1)
    attempts_max = cfg.max_attempts if cfg.verify else 1
    got, attempts, pulses = stochastic_write(np.zeros_like(new_g), new_g, bits=gb, p_switch=(cfg.p_switch, 1.0),
                                             rng=rng, max_attempts=attempts_max, return_pulses=True)
    write = old_g != new_g
    lat, energy = nand_spin_write_cost(old_g, new_g, gb, erase_ns=cfg.erase_ns, erase_pj=cfg.erase_pj,
                                       program_ns=cfg.pulse_ns, program_pj_per_bit=cfg.program_pj)
    ones = sum((new_g >> b) & 1 for b in range(gb))
    retry = pulses - ones                      # extra pulses (verify only)
    verify_reads = attempts if cfg.verify else np.zeros_like(attempts)
    lat = lat + retry * cfg.pulse_ns + verify_reads * cfg.read_ns
    energy = energy + retry * cfg.program_pj + verify_reads * gb * cfg.read_pj_per_bit
    lat, energy = np.where(write, lat, 0.0), np.where(write, energy, 0.0)
    new_stored_g = np.where(write, got, old_g)
    new_stored = (new_stored_g << shifts).sum(axis=1)
    word_ns = lat.max(axis=1)                  # the groups of a word are on separate strips
    totals = {"groups_written": int(write.sum()), "energy_pj": float(energy.sum()),
              "bit_pulses": int(np.where(write, pulses, 0).sum()),
              "failed_bits": int(sum(((new_stored_g ^ new_g) >> b & 1).sum() for b in range(gb)))}
    return new_stored, totals, word_ns


def _forward(ws: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, list]:
    acts = [x]
    a = x
    for i, w in enumerate(ws):
        z = np.hstack([a, np.ones((len(a), 1))]) @ w
        a = z if i == len(ws) - 1 else np.maximum(z, 0.0)
        acts.append(a)
    return a, acts


def _grads(ws: list[np.ndarray], acts: list, y: np.ndarray) -> list[np.ndarray]:
    logits = acts[-1]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    d = p / len(y)
    grads = []
    for i in range(len(ws) - 1, -1, -1):
        a = np.hstack([acts[i], np.ones((len(acts[i]), 1))])
        grads.append(a.T @ d)
        if i:
            d = (d @ ws[i][:-1].T) * (acts[i] > 0)
    return grads[::-1]


def train_in_mram(split: Split, cfg: NandSpinWrites, *, hidden: int = 32, word_bits: int = 8, epochs: int = 5,
                  lr: float = 0.1, batch: int = 32, w_max: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Train a 64-hidden-10 MLP whose parameters live in NAND-SPIN words; one row per epoch:
    test accuracy, write-phase time and energy, groups written, bit-pulses, failed bits."""
    if word_bits % cfg.group_bits or word_bits < 2:
        raise ValueError(f"word_bits ({word_bits}) must be a multiple of group_bits ({cfg.group_bits})")
    rngs = [np.random.default_rng([seed, i]) for i in range(4)]
    top = (1 << (word_bits - 1)) - 1
    scale = w_max / top
    shapes = [(65, hidden), (hidden + 1, 10)]
    init = [np.vstack([rngs[0].normal(0, np.sqrt(2 / (k - 1)), (k - 1, n)), np.zeros((1, n))]) for k, n in shapes]
    # the initial weights are written exactly (before training; not part of the write phase)
    stored = [encode(np.clip(np.rint(w / scale), -top, top).astype(np.int64), word_bits).ravel() for w in init]
    x_train, x_test = split.x_train.reshape(len(split.x_train), -1), split.x_test.reshape(len(split.x_test), -1)
    rows = []
    for epoch in range(1, epochs + 1):
        totals = {"write_ns": 0.0, "energy_pj": 0.0, "groups_written": 0, "bit_pulses": 0, "failed_bits": 0}
        order = rngs[1].permutation(len(split.y_train))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            ws = [decode(s, word_bits).reshape(shape) * scale for s, shape in zip(stored, shapes)]
            _, acts = _forward(ws, x_train[idx])
            step_ns = np.zeros(cfg.banks)
            offset = 0
            for j, (w, g) in enumerate(zip(ws, _grads(ws, acts, split.y_train[idx]))):
                t = (w - lr * g).ravel() / scale
                q = np.floor(t) + (rngs[2].random(t.shape) < t - np.floor(t))   # stochastic rounding
                target = encode(np.clip(q, -top, top).astype(np.int64), word_bits)
                stored[j], tot, word_ns = write_words(stored[j], target, cfg, word_bits, rngs[3])
                banks = (offset + np.arange(len(target))) % cfg.banks
                step_ns += np.bincount(banks, weights=word_ns, minlength=cfg.banks)
                offset += len(target)
                for key in ("energy_pj", "groups_written", "bit_pulses", "failed_bits"):
                    totals[key] += tot[key]
            totals["write_ns"] += float(step_ns.max())
        ws = [decode(s, word_bits).reshape(shape) * scale for s, shape in zip(stored, shapes)]
        acc = float((_forward(ws, x_test)[0].argmax(axis=1) == split.y_test).mean())
        rows.append({"epoch": epoch, "accuracy": acc, **totals})
    return pd.DataFrame(rows)
