"""NAND-SPIN approximate on-chip training: program pulse 3 ns vs 1 ns, the switching as the rounding.

Reproduces the experiment of Hou, Shi, Wang, Wang, "Approximate computation based on NAND-SPIN
MRAM for CNN on-chip training", NANOARCH 2022 (3 ns -> 1 ns programming: > 67 % speedup, nearly
70 % energy saving, < 1 % accuracy loss) with accelsim's models: the digits CNN trained with its
weights in NAND-SPIN strips (accelsim.ml.spin_training), where each update pulse's current is
set so that the MTJ's switching probability is the stochastic rounding of the update. Prints the
device operating points, the 3 ns / 1 ns comparison (and the optional master copy), and writes
training_nand_spin.png under --out (default docs/img). `--task cifar-shaped` runs the same
experiment on a CIFAR-shaped synthetic task (3 x 32 x 32, 10 classes: accelsim.ml.data) with the
same CNN widened to its input (no master copy, no plot). See docs/training.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from accelsim.devices.mtj import current_for_p_switch
from accelsim.ml.data import cifar_shaped, load_split
from accelsim.ml.spin_training import SpinTraining, train_cnn_in_nand_spin

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = {"time": "> 67 %", "energy": "≈ 70 %", "accuracy": "< 1 % loss"}


def run(split, cfg: SpinTraining, seeds: list[int], epochs: int) -> pd.DataFrame:
    """Per-epoch means over seeds."""
    frames = [train_cnn_in_nand_spin(split, cfg, epochs=epochs, seed=s) for s in seeds]
    return pd.concat(frames).groupby("epoch").mean()


def compare(base: pd.DataFrame, other: pd.DataFrame) -> dict:
    return {
        "time": 1 - other["write_ns"].sum() / base["write_ns"].sum(),
        "ratio": base["write_ns"].sum() / other["write_ns"].sum(),
        "energy": 1 - other["energy_pj"].sum() / base["energy_pj"].sum(),
        "accuracy": other["accuracy"].iloc[-1] - base["accuracy"].iloc[-1],
    }


def experiment(seeds: int = 3, epochs: int = 10, banks: int = 16, split=None) -> dict[str, pd.DataFrame]:
    split = load_split(0) if split is None else split
    s = list(range(seeds))
    return {"3 ns": run(split, SpinTraining.from_preset(pulse_ns=3.0, banks=banks), s, epochs),
            "1 ns": run(split, SpinTraining.from_preset(pulse_ns=1.0, banks=banks), s, epochs)}


def device_table(cfg: SpinTraining) -> list[str]:
    q = np.array([0.05, 0.2, 0.5, 0.9])
    lines = ["| pulse | p_switch at the largest current | current for p = 0.05 / 0.2 / 0.5 / 0.9 (uA) | "
             "energy per pulse at p = 0.2 (fJ) |", "|---|---|---|---|"]
    for t in (3.0, 1.0):
        i = current_for_p_switch(q, t, cfg.mtj, max_ua=cfg.max_current_ua)
        lines.append(f"| {t:g} ns | {cfg.p_cap(t):.10f} | {' / '.join(f'{x:.1f}' for x in i)} | "
                     f"{1e3 * float(cfg.pulse_pj(i[1], t)):.1f} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="directory for the PNG")
    ap.add_argument("--seeds", type=int, default=3, help="training runs averaged (seeds 0..n-1)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--banks", type=int, default=16, help="banks writing words in parallel")
    ap.add_argument("--task", choices=("digits", "cifar-shaped"), default="digits")
    args = ap.parse_args()
    t0 = time.perf_counter()
    cifar = args.task == "cifar-shaped"
    split = cifar_shaped(0) if cifar else load_split(0)
    runs = experiment(args.seeds, args.epochs, args.banks, split)
    if not cifar:
        runs["1 ns + master copy"] = run(split, SpinTraining.from_preset(pulse_ns=1.0, banks=args.banks,
                                                                         master_copy=True),
                                         list(range(args.seeds)), args.epochs)
    cfg = SpinTraining.from_preset()
    net = ("CIFAR-shaped synthetic task, CNN conv3x3 3->8, pool, conv3x3 8->16, pool, dense 1024->10" if cifar
           else "digits CNN (conv3x3 1->8, pool, conv3x3 8->16, pool, dense 64->10)")
    print(f"{net}, weights in NAND-SPIN strips (8-bit main word + two 8-MTJ accumulators, reclaim "
          f"{'on' if cfg.reclaim else 'off'}), {args.epochs} epochs, SGD lr 0.1, batch 32, "
          f"{args.banks} banks, mean of {args.seeds} seeds")
    print(f"Ic0 {cfg.ic0_ua:g} uA, Delta {cfg.delta:g}, tau_D {cfg.tau_d_ns:g} ns, largest current "
          f"{cfg.max_current_ua:g} uA; main strip written with {cfg.main_pulse_ns:g} ns pulses\n")
    print("\n".join(device_table(cfg)) + "\n")
    print("| run | test accuracy (%) | write phase (us) | write energy (nJ) | of which folds (nJ) | update pulses "
          "| main-strip pulses | reclaims | folds | mean current (uA) | mean p_switch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, df in runs.items():
        print(f"| {name} | {100 * df['accuracy'].iloc[-1]:.1f} | {df['write_ns'].sum() / 1e3:.1f} | "
              f"{df['energy_pj'].sum() / 1e3:.1f} | {df['fold_pj'].sum() / 1e3:.1f} | {df['pulses'].sum():.0f} | "
              f"{df['main_pulses'].sum():.0f} | {df['reclaims'].sum():.0f} | "
              f"{df['folds'].sum():.0f} | {df['mean_current_ua'].mean():.1f} | {df['mean_p_switch'].mean():.3f} |")
    c = compare(runs["3 ns"], runs["1 ns"])
    print("\n| 3 ns -> 1 ns | accelsim | published (NANOARCH 2022) |")
    print("|---|---|---|")
    print(f"| write-phase time saved | {100 * c['time']:.1f} % ({c['ratio']:.2f}x faster) | {PUBLISHED['time']} |")
    print(f"| write energy saved | {100 * c['energy']:.1f} % | {PUBLISHED['energy']} |")
    print(f"| accuracy change | {100 * c['accuracy']:+.1f} points | {PUBLISHED['accuracy']} |")
    if cifar:
        print(f"\n{time.perf_counter() - t0:.1f} s")
        return
    path = plot(runs, args.out)
    print(f"\nwrote {path}; {time.perf_counter() - t0:.1f} s")


def plot(runs: dict, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for name, df in runs.items():
        axes[0].plot(df.index, 100 * df["accuracy"], "o-", label=name)
        axes[1].plot(df.index, df["write_ns"] / 1e3, "o-", label=name)
        axes[2].plot(df.index, df["energy_pj"] / 1e3, "o-", label=name)
    axes[0].set(xlabel="epoch", ylabel="test accuracy (%)", title="CNN trained in NAND-SPIN", ylim=(0, 100))
    axes[1].set(xlabel="epoch", ylabel="write phase per epoch (us)", title="write-phase time", ylim=(0, None))
    axes[2].set(xlabel="epoch", ylabel="write energy per epoch (nJ)", title="write energy", ylim=(0, None))
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "training_nand_spin.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
