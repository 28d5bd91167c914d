"""NAND-SPIN approximate on-chip training: program pulse 3 ns vs 1 ns, every write priced.

Reproduces the experiment of Hou, Shi, Wang, Wang, "Approximate computation based on
NAND-SPIN MRAM for CNN on-chip training", NANOARCH 2022 (3 ns -> 1 ns programming: > 67 %
speedup, nearly 70 % energy saving, < 1 % accuracy loss) with accelsim's models: the digits
MLP trained with its weights in NAND-SPIN words (accelsim.ml.training), once with a 3 ns
program pulse, once with 1 ns (no verify: approximate writes) and once with 1 ns + verify.
Prints the measured figures next to the published ones, a sweep over the program current,
and writes training_nand_spin.png under --out (default docs/img). See docs/training.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from accelsim.ml.data import load_split
from accelsim.ml.training import NandSpinWrites, train_in_mram

ROOT = Path(__file__).resolve().parent.parent
CURRENTS_UA = [105.0, 120.0, 130.0, 140.0, 150.0, 160.0]
PUBLISHED = {"time": "> 67 %", "energy": "≈ 70 %", "accuracy": "< 1 % loss"}


def run(split, cfg: NandSpinWrites, seeds: list[int], epochs: int) -> pd.DataFrame:
    """Per-epoch means over seeds."""
    frames = [train_in_mram(split, cfg, epochs=epochs, seed=s) for s in seeds]
    return pd.concat(frames).groupby("epoch").mean()


def compare(base: pd.DataFrame, other: pd.DataFrame) -> dict:
    return {
        "time": 1 - other["write_ns"].sum() / base["write_ns"].sum(),
        "ratio": base["write_ns"].sum() / other["write_ns"].sum(),
        "energy": 1 - other["energy_pj"].sum() / base["energy_pj"].sum(),
        "accuracy": other["accuracy"].iloc[-1] - base["accuracy"].iloc[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="directory for the PNG")
    ap.add_argument("--seeds", type=int, default=3, help="training runs averaged (seeds 0..n-1)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--banks", type=int, default=16, help="banks writing words in parallel")
    ap.add_argument("--current", type=float, default=NandSpinWrites().current_ua, help="program current, uA")
    args = ap.parse_args()
    t0 = time.perf_counter()
    split = load_split(0)
    seeds = list(range(args.seeds))

    def cfg(pulse: float, verify: bool = False, current: float = args.current) -> NandSpinWrites:
        return NandSpinWrites.from_preset(pulse_ns=pulse, verify=verify, current_ua=current, banks=args.banks)

    runs = {"3 ns": run(split, cfg(3.0), seeds, args.epochs),
            "1 ns": run(split, cfg(1.0), seeds, args.epochs),
            "1 ns + verify": run(split, cfg(1.0, True), seeds, args.epochs)}
    c3, c1 = cfg(3.0), cfg(1.0)
    print(f"digits MLP 64-32-10, 8-bit sign-magnitude words in NAND-SPIN ({c1.group_bits}-bit groups), "
          f"{args.epochs} epochs, SGD lr 0.1, batch 32, {args.banks} banks, mean of {args.seeds} seeds")
    print(f"program current {args.current:g} uA, Ic0 {c1.ic0_ua:g} uA, Delta {c1.delta:g}: "
          f"p_switch(3 ns) = 1 - {1 - c3.p_switch:.2g}, p_switch(1 ns) = {c1.p_switch:.4f}; "
          f"{c3.program_pj:.3f} / {c1.program_pj:.3f} pJ per bit-pulse; erase {c1.erase_ns:g} ns, "
          f"{c1.erase_pj:g} pJ per group\n")
    print("| run | test accuracy (%) | write phase (us) | write energy (nJ) | groups written | failed bits |")
    print("|---|---|---|---|---|---|")
    for name, df in runs.items():
        print(f"| {name} | {100 * df['accuracy'].iloc[-1]:.1f} | {df['write_ns'].sum() / 1e3:.1f} | "
              f"{df['energy_pj'].sum() / 1e3:.1f} | {df['groups_written'].sum():.0f} | {df['failed_bits'].sum():.0f} |")
    base = runs["3 ns"]
    approx, verified = compare(base, runs["1 ns"]), compare(base, runs["1 ns + verify"])
    print("\n| 3 ns -> 1 ns | accelsim, no verify | accelsim, verify | published (NANOARCH 2022) |")
    print("|---|---|---|---|")
    print(f"| write-phase time saved | {100 * approx['time']:.1f} % ({approx['ratio']:.2f}x faster) | "
          f"{100 * verified['time']:.1f} % ({verified['ratio']:.2f}x) | {PUBLISHED['time']} |")
    print(f"| write energy saved | {100 * approx['energy']:.1f} % | {100 * verified['energy']:.1f} % | "
          f"{PUBLISHED['energy']} |")
    print(f"| accuracy change | {100 * approx['accuracy']:+.1f} points | {100 * verified['accuracy']:+.1f} points | "
          f"{PUBLISHED['accuracy']} |")

    sweep = []
    for current in CURRENTS_UA:
        b, a = run(split, cfg(3.0, current=current), seeds, args.epochs), run(split, cfg(1.0, current=current),
                                                                                  seeds, args.epochs)
        sweep.append({"current_ua": current, "p_1ns": cfg(1.0, current=current).p_switch, **compare(b, a)})
    print("\nprogram current sweep, 3 ns -> 1 ns without verify:\n")
    print("| current (uA) | p_switch(1 ns) | time saved | energy saved | accuracy change (points) |")
    print("|---|---|---|---|---|")
    for r in sweep:
        print(f"| {r['current_ua']:g} | {r['p_1ns']:.4f} | {100 * r['time']:.1f} % | {100 * r['energy']:.1f} % | "
              f"{100 * r['accuracy']:+.1f} |")
    path = plot(runs, sweep, args.out)
    print(f"\nwrote {path}; {time.perf_counter() - t0:.1f} s")


def plot(runs: dict, sweep: list[dict], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    styles = {"3 ns": "o-", "1 ns": "s-", "1 ns + verify": "x--"}   # verify retraces 3 ns exactly
    for name, df in runs.items():
        axes[0].plot(df.index, 100 * df["accuracy"], styles.get(name, "o-"), label=name)
        axes[1].plot(df.index, df["write_ns"] / 1e3, styles.get(name, "o-"), label=name)
    axes[0].set(xlabel="epoch", ylabel="test accuracy (%)", title="training with weights in NAND-SPIN", ylim=(0, 100))
    axes[1].set(xlabel="epoch", ylabel="write phase per epoch (us)", title="write-phase time", ylim=(0, None))
    p = [1 - r["p_1ns"] for r in sweep]
    axes[2].semilogx(p, [100 * r["accuracy"] for r in sweep], "o-", label="accuracy change (points)")
    axes[2].semilogx(p, [100 * r["time"] for r in sweep], "s--", label="write time saved (%)")
    axes[2].semilogx(p, [100 * r["energy"] for r in sweep], "^--", label="write energy saved (%)")
    axes[2].axhline(-1, color="grey", lw=0.8, ls=":")
    axes[2].set(xlabel="write error rate of a 1 ns pulse (1 - p_switch)", title="3 ns -> 1 ns vs program current")
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
