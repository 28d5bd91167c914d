"""On-chip CNN training in NAND-SPIN where the MTJ's switching probability *is* the rounding.

Hou, Shi, Wang, Wang (NANOARCH 2022) use the stochastic switching of NAND-SPIN MTJs as the
approximate weight update. This module builds that mechanism from accelsim's device physics
(docs/training.md has the derivations and the figures).

Layout of one weight (three NAND-SPIN strips; 8 MTJs each by default, Shi et al. EDL 2021's
8-MTJ unit):
- the *main* strip: a `group_bits`-bit two's-complement word (sign and MSBs), written only
  when an accumulator is folded into it, with the long `main_pulse_ns` pulse at the full
  program current (a reliable write);
- two *accumulator* strips, plus and minus; the stored weight is, in LSB units,
  main + popcount(plus) - popcount(minus). An update only ever *sets* a fresh (erased) MTJ
  of one accumulator: NAND-SPIN programming is unidirectional (Wang et al., EDL 2018), so an
  update needs no erase and never re-exposes the sign or the MSBs. (The pair is the
  G+/G- pair with occasional carry of Ambrogio et al., Nature 558, 2018, in binary MTJs.)

An update of u LSBs (u = -lr * grad / lsb, or master - stored with the master copy) is
m = ceil(|u| / p_cap) program pulses on the next m fresh MTJs of the accumulator of sign(u),
each at the current I that makes the pulse switch with probability q = |u| / m
(`devices.mtj.current_for_p_switch`), p_cap = p_switch(max_current, pulse). The expected
stored update is m * q * sign(u) = u exactly: the device does the stochastic rounding.
A pulse that does not switch leaves its MTJ 0: still erased, as good as fresh, but the
controller cannot know it without a read. When an accumulator has fewer than m MTJs not pulsed
since its last erase or read, the three strips are read (`reclaim`, default on): the read shows
which MTJs are still 0, and if the accumulator has m of them the update goes there with no
write at all (a *reclaim*: one read, no erase, no main-strip pulse; the MTJs are
interchangeable, so the model packs the strip's 1s to its low bits). Only when it has fewer
is the weight *folded*: the three strips read, write main + plus - minus (saturated to the word range) into
the main strip by `nand_spin_write_cost` semantics with `skip_erase` (only new 1s are
programmed if no bit must clear; else SOT erase and program every 1), and SOT-erase both
accumulators. More than `acc_mtjs` pulses in one step are capped there (q = p_cap): the
update is then under-applied and counted as `capped`.

Time: weights are interleaved over `banks` that write in parallel; within a bank one write
driver serves one strip at a time, so pulses are serial. In a fold, the accumulators'
SOT erase (through their own strips' transistors) overlaps the main strip's STT programming;
the read before it does not overlap anything. Energy: program pulse I^2 R t with the
write-path resistance of the `nand_spin` preset; erase and read energies from the preset.

Randomness: `default_rng([seed, i])` streams -- 0 init, 1 batch order, 2 accumulator
pulses, 3 main-strip pulses -- with data-independent draw counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from accelsim.devices.mtj import MTJParams, current_for_p_switch, p_switch
from accelsim.devices.nand_spin import nand_spin_write_cost
from accelsim.ml import nets
from accelsim.ml.data import Split


def _path_ohm(pj: float, ua: float, ns: float) -> float:
    """Write-path resistance R with E = I^2 R t."""
    return pj * 1e-12 / ((ua * 1e-6) ** 2 * ns * 1e-9)


@dataclass(frozen=True)
class SpinTraining:
    """Device and array parameters. Defaults: the `nand_spin` preset (`from_preset`) except the
    MTJ's Ic0 = 20 uA and the driver's largest current 105 uA, at which a 3 ns pulse is a
    reliable write (WER 1.2e-9; docs/training.md, "The program current")."""

    pulse_ns: float = 3.0            # accumulator program pulse (the one the experiment shortens)
    main_pulse_ns: float = 3.0       # main strip (sign and MSBs) program pulse
    max_current_ua: float = 105.0
    ic0_ua: float = 20.0
    delta: float = 60.0
    tau_d_ns: float = 1.0
    group_bits: int = 8              # MTJs per strip: the main word's width
    acc_mtjs: int = 8                # MTJs per accumulator strip
    erase_overlap: bool = True       # a fold's accumulator erase overlaps the main strip's programming
    reclaim: bool = True             # read before folding: reuse the MTJs that did not switch
    erase_ns: float = 1.0
    erase_pj: float = 0.2
    read_ns: float = 2.0
    read_pj_per_bit: float = 0.021
    path_ohm: float = _path_ohm(0.2, 40.82, 5.0)
    banks: int = 16
    master_copy: bool = False

    @classmethod
    def from_preset(cls, **overrides) -> "SpinTraining":
        from accelsim.config.mram import preset

        p = preset("nand_spin")
        base = dict(delta=p["delta"], tau_d_ns=p.get("tau_d_ns", 1.0), group_bits=p["group_bits"],
                    erase_ns=p["erase_ns"], erase_pj=p["erase_energy_pj"], read_ns=p["read_latency_ns"],
                    read_pj_per_bit=p["read_energy_pj_per_bit"],
                    path_ohm=_path_ohm(p["write_energy_pj_per_bit"], p["write_current_ua"], p["write_pulse_ns"]))
        return cls(**{**base, **overrides})

    @property
    def mtj(self) -> MTJParams:
        return MTJParams(delta=self.delta, ic0_ua=self.ic0_ua, tau_d_ns=self.tau_d_ns)

    def p_cap(self, pulse_ns: float | None = None) -> float:
        """Switching probability of a pulse at the largest current."""
        return float(p_switch(self.max_current_ua, self.pulse_ns if pulse_ns is None else pulse_ns, self.mtj))

    def pulse_pj(self, current_ua, pulse_ns: float) -> np.ndarray:
        return (np.asarray(current_ua) * 1e-6) ** 2 * self.path_ohm * pulse_ns * 1e-9 * 1e12


@dataclass
class Strips:
    """The NAND-SPIN state of a flat array of weights: main word bits, accumulator bits, and how
    many MTJs of each accumulator have been pulsed since its last erase."""

    main: np.ndarray        # int64 bit patterns, two's complement
    plus: np.ndarray
    minus: np.ndarray
    plus_used: np.ndarray
    minus_used: np.ndarray

    @classmethod
    def fresh(cls, values: np.ndarray, bits: int) -> "Strips":
        n = values.size
        zeros = np.zeros(n, dtype=np.int64)
        return cls(values.astype(np.int64) & ((1 << bits) - 1), zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())

    def value(self, bits: int, acc_mtjs: int | None = None) -> np.ndarray:
        """Stored weight in LSB units: main + popcount(plus) - popcount(minus)."""
        acc = bits if acc_mtjs is None else acc_mtjs
        main = np.where(self.main >> (bits - 1) & 1, self.main - (1 << bits), self.main)
        return main + _popcount(self.plus, acc) - _popcount(self.minus, acc)


def _popcount(a: np.ndarray, bits: int) -> np.ndarray:
    return sum((a >> b) & 1 for b in range(bits))


def write_update(st: Strips, u: np.ndarray, cfg: SpinTraining, rng_acc: np.random.Generator,
                 rng_main: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Apply updates `u` (LSB units, flat) to `st` in place; returns (totals, per-weight latency ns).
    Draws rng_acc.random((n, acc_mtjs)) and rng_main.random((n, group_bits)) once."""
    gb, acc = cfg.group_bits, cfg.acc_mtjs
    n = u.size
    acc_draw, main_draw = rng_acc.random((n, acc)), rng_main.random((n, gb))
    p_cap = cfg.p_cap()
    mag = np.abs(u)
    want = np.ceil(mag / p_cap - 1e-12).astype(np.int64)
    m = np.minimum(want, acc)
    q = np.where(m > 0, np.minimum(mag / np.maximum(m, 1), p_cap), 0.0)
    up = u > 0
    used = np.where(up, st.plus_used, st.minus_used)
    fold = (m > 0) & (used + m > acc)
    lat = np.zeros(n)
    energy = 0.0
    reclaimed = np.zeros(n, dtype=bool)
    if cfg.reclaim and fold.any():
        # the read shows the accumulator's 1s; its 0s take pulses again
        ones = np.where(up, _popcount(st.plus, acc), _popcount(st.minus, acc))
        reclaimed = fold & (ones + m <= acc)
        if reclaimed.any():
            packed = (np.int64(1) << ones) - 1
            st.plus = np.where(reclaimed & up, packed, st.plus)
            st.minus = np.where(reclaimed & ~up, packed, st.minus)
            st.plus_used = np.where(reclaimed & up, ones, st.plus_used)
            st.minus_used = np.where(reclaimed & ~up, ones, st.minus_used)
            used = np.where(reclaimed, ones, used)
            lat[reclaimed] = cfg.read_ns
            energy += reclaimed.sum() * (gb + 2 * acc) * cfg.read_pj_per_bit
            fold = fold & ~reclaimed
    main_pulses = 0
    saturated = 0
    if fold.any():
        lo, hi = -(1 << (gb - 1)), (1 << (gb - 1)) - 1
        total = st.value(gb, acc)[fold]
        new_val = np.clip(total, lo, hi)
        saturated = int(np.count_nonzero(new_val != total))
        old_w, new_w = st.main[fold], new_val & ((1 << gb) - 1)
        main_pj = float(cfg.pulse_pj(cfg.max_current_ua, cfg.main_pulse_ns))
        w_lat, w_pj = nand_spin_write_cost(old_w, new_w, gb, erase_ns=cfg.erase_ns, erase_pj=cfg.erase_pj,
                                           program_ns=cfg.main_pulse_ns, program_pj_per_bit=main_pj, skip_erase=True)
        only_sets = (old_w & ~new_w) == 0
        to_set = np.where(only_sets, new_w & ~old_w, new_w)
        p_main = cfg.p_cap(cfg.main_pulse_ns)
        ok = (main_draw[fold] < p_main).astype(np.int64) << np.arange(gb)
        got = np.bitwise_or.reduce(ok, axis=1) & to_set
        st.main[fold] = np.where(only_sets, old_w, 0) | got
        main_pulses = int(_popcount(to_set, gb).sum())
        # read the three strips, then main write || SOT erase of both accumulators
        lat[fold] = cfg.read_ns + (np.maximum(w_lat, cfg.erase_ns) if cfg.erase_overlap else w_lat + cfg.erase_ns)
        energy += float(w_pj.sum()) + fold.sum() * (2 * cfg.erase_pj + (gb + 2 * acc) * cfg.read_pj_per_bit)
        for arr in (st.plus, st.minus, st.plus_used, st.minus_used):
            arr[fold] = 0
        used = np.where(fold, 0, used)
    current = current_for_p_switch(q, cfg.pulse_ns, cfg.mtj, max_ua=cfg.max_current_ua)
    p_real = p_switch(current, cfg.pulse_ns, cfg.mtj)
    set_bits = np.zeros(n, dtype=np.int64)
    for j in range(acc):
        hit = (j < m) & (acc_draw[:, j] < p_real)
        set_bits |= hit.astype(np.int64) << np.minimum(used + j, acc - 1)
    st.plus |= np.where(up, set_bits, 0)
    st.minus |= np.where(up, 0, set_bits)
    st.plus_used += np.where(up, m, 0)
    st.minus_used += np.where(up, 0, m)
    pulses = int(m.sum())
    fold_pj = energy
    energy += float((m * cfg.pulse_pj(current, cfg.pulse_ns)).sum())
    lat += m * cfg.pulse_ns
    pulsed = m > 0
    totals = {"energy_pj": energy, "fold_pj": fold_pj, "pulses": pulses, "main_pulses": main_pulses,
              "folds": int(fold.sum()), "reclaims": int(reclaimed.sum()),
              "capped": int(np.count_nonzero(want > acc)), "saturated": saturated,
              "current_ua_sum": float((m * current).sum()), "p_sum": float((m * p_real).sum()),
              "weights_pulsed": int(pulsed.sum())}
    return totals, lat


def _params(net: nets.Net) -> list[np.ndarray]:
    return [p for layer in net.compute for p in (layer.w, layer.b)]


def train_cnn_in_nand_spin(split: Split, cfg: SpinTraining, *, epochs: int = 10, lr: float = 0.1,
                           batch: int = 32, w_max: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Train `nets.cnn` shaped for the split's images (the digits, or the CIFAR-shaped task) with plain SGD, its weights and biases stored in NAND-SPIN;
    one row per epoch: test accuracy, write-phase time and energy, pulses, folds, mean current."""
    bits = cfg.group_bits
    rngs = [np.random.default_rng([seed, i]) for i in range(4)]
    lsb = w_max / ((1 << (bits - 1)) - 1)
    net = nets.cnn(rngs[0], channels=split.x_train.shape[1], size=split.x_train.shape[2])
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    params = _params(net)
    shapes = [p.shape for p in params]
    strips = [Strips.fresh(np.clip(np.rint(p / lsb), lo, hi).astype(np.int64).ravel(), bits) for p in params]
    master = [p.ravel().copy() for p in params] if cfg.master_copy else None

    def load() -> None:
        for p, s, shape in zip(params, strips, shapes):
            p[...] = (s.value(bits, cfg.acc_mtjs) * lsb).reshape(shape)

    keys = ("energy_pj", "fold_pj", "pulses", "main_pulses", "folds", "reclaims", "capped", "saturated", "current_ua_sum", "p_sum",
            "weights_pulsed")
    rows = []
    for epoch in range(1, epochs + 1):
        totals = dict.fromkeys(keys, 0.0) | {"write_ns": 0.0}
        order = rngs[1].permutation(len(split.y_train))
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            load()
            logits, caches = nets.forward(net, split.x_train[idx], keep=True)
            _, dlogits = nets.softmax_xent(logits, split.y_train[idx])
            grads = [g for pair in nets.backward(net, caches, dlogits) for g in pair]
            step_ns = np.zeros(cfg.banks)
            offset = 0
            for j, (s, g) in enumerate(zip(strips, grads)):
                if master is not None:
                    master[j] -= lr * g.ravel()
                    u = master[j] / lsb - s.value(bits, cfg.acc_mtjs)
                else:
                    u = -lr * g.ravel() / lsb
                tot, lat = write_update(s, u, cfg, rngs[2], rngs[3])
                step_ns += np.bincount((offset + np.arange(u.size)) % cfg.banks, weights=lat, minlength=cfg.banks)
                offset += u.size
                for key in keys:
                    totals[key] += tot[key]
            totals["write_ns"] += float(step_ns.max())
        load()
        acc = nets.accuracy(nets.forward(net, split.x_test), split.y_test)
        rows.append({"epoch": epoch, "accuracy": acc, **totals})
    df = pd.DataFrame(rows)
    df["mean_current_ua"] = df["current_ua_sum"] / df["pulses"].clip(lower=1)
    df["mean_p_switch"] = df["p_sum"] / df["pulses"].clip(lower=1)
    return df.drop(columns=["current_ua_sum", "p_sum"])
