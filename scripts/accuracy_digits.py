"""Accuracy of an MLP and a CNN on scikit-learn's digits through simulated crossbars.

Trains both nets (numpy, seeded), quantises them to 8-bit integers and evaluates the held-out
500 images with every layer's integer MVM through `kernels.crossbar_mvm`:
1. vs ADC bits (3..10) on the NeuroSim-like ReRAM geometry (128x128, 2-bit cells, 1-bit DAC),
   with the config's offset encoding and with differential encoding;
2. vs bit-flip rate of the stored cells (1e-5..1e-1), same geometry, lossless 9-bit ADC;
3. vs write-pulse width (0.5..10 ns) of the weights written into STT-MRAM cells (the STT
   preset's 40.82 uA, Delta 60, Ic0 40 uA -> p_switch from devices.mtj) on the MRAM crossbar
   geometry (1-bit cells, lossless 8-bit ADC).
Sweeps 2 and 3 average `--trials` draws with common random numbers. Prints markdown tables
and writes accuracy_digits.png under --out (default docs/img). See docs/accuracy.md.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from accelsim import load_hardware
from accelsim.config.mram import preset
from accelsim.devices.adc import adc_bits_needed
from accelsim.devices.mtj import MTJParams, p_switch
from accelsim.ml import nets
from accelsim.ml.data import load_split
from accelsim.ml.digits import Datapath, adc_sweep, flip_sweep, infer, quantise, write_sweep

ROOT = Path(__file__).resolve().parent.parent
ADC_BITS = list(range(3, 11))
RATES = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
PULSES_NS = [0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0]


def train_nets(split, seed: int) -> dict:
    mlp = nets.train(nets.mlp(np.random.default_rng([seed, 10])), split.x_train, split.y_train,
                     np.random.default_rng([seed, 11]), epochs=20, lr=1e-2, batch=32)
    cnn = nets.train(nets.cnn(np.random.default_rng([seed, 20])), split.x_train, split.y_train,
                     np.random.default_rng([seed, 21]), epochs=15, lr=5e-3, batch=32)
    return {"MLP": mlp, "CNN": cnn}


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(values) -> list[str]:
    return [f"{100 * v:.1f}" for v in values]


def violations(values, increasing: bool, se=None) -> str:
    """Largest step against the expected direction, in points, and (with per-point standard
    errors) the same step in units of the standard error of the difference."""
    v = np.asarray(values)
    d = np.diff(v) if increasing else -np.diff(v)
    i = int(np.argmin(d))
    if d[i] >= 0:
        return "monotone"
    text = f"{-100 * d[i]:.2f} points"
    if se is not None:
        text += f" ({-d[i] / max(np.hypot(se[i], se[i + 1]), 1e-12):.1f} standard errors)"
    return text


def mean_se(acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return acc.mean(axis=1), acc.std(axis=1, ddof=1) / np.sqrt(acc.shape[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="directory for the PNG")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=20, help="draws averaged per point of sweeps 2 and 3")
    ap.add_argument("--bits", type=int, default=8, help="weight and activation bits")
    ap.add_argument("--hardware", type=Path, default=ROOT / "hwconfigs" / "neurosim_reram.yaml")
    ap.add_argument("--mram-hardware", type=Path, default=ROOT / "hwconfigs" / "mram_crossbar.yaml")
    args = ap.parse_args()
    t0 = time.perf_counter()

    split = load_split(args.seed)
    trained = train_nets(split, args.seed)
    reram = Datapath.from_hardware(load_hardware(args.hardware))
    lossless = replace(reram, adc_bits=adc_bits_needed(reram.rows, reram.dac_bits, reram.cell_bits))
    mram = Datapath.from_hardware(load_hardware(args.mram_hardware))
    stt = preset("stt_mram")
    mtj = MTJParams(delta=stt["delta"], ic0_ua=stt["ic0_ua"])
    p_pulse = [float(p_switch(stt["write_current_ua"], t, mtj)) for t in PULSES_NS]

    res = {}
    for name, net in trained.items():
        q = quantise(net, split.x_train, args.bits)
        x, y = split.x_test, split.y_test
        res[name] = {
            "float": nets.accuracy(nets.forward(net, x), y),
            "int": nets.accuracy(infer(q, x), y),
            "adc": adc_sweep(q, x, y, reram, ADC_BITS),
            "adc_diff": adc_sweep(q, x, y, replace(reram, encoding="differential"), ADC_BITS),
            "flip": flip_sweep(q, x, y, lossless, RATES, trials=args.trials, seed=args.seed),
            "write": write_sweep(q, x, y, mram, p_pulse, trials=args.trials, seed=args.seed),
        }

    print(f"digits: {len(split.y_train)} training / {len(split.y_test)} test images, seed {args.seed}, "
          f"{args.bits}-bit weights and activations, {args.trials} trials per point of sweeps 2-3\n")
    print(table(["net", "float", f"{args.bits}-bit integer, exact"],
                [[n, f"{100 * r['float']:.1f}", f"{100 * r['int']:.1f}"] for n, r in res.items()]))
    print(f"\n1. accuracy (%) vs ADC bits ({args.hardware.stem}: {reram.rows} rows, {reram.cell_bits}-bit cells, "
          f"{reram.dac_bits}-bit DAC; {lossless.adc_bits} bits are lossless)\n")
    rows = [[f"{n} {enc}"] + pct(r[key]) for n, r in res.items()
            for enc, key in (("offset", "adc"), ("differential", "adc_diff"))]
    print(table(["net, encoding"] + [str(b) for b in ADC_BITS], rows))
    for r in res.values():
        r["flip"], r["flip_se"] = mean_se(r["flip"])
        r["write"], r["write_se"] = mean_se(r["write"])
    print(f"\n2. accuracy (%) vs stored-bit flip rate ({lossless.adc_bits}-bit ADC; mean of {args.trials})\n")
    print(table(["net"] + [f"{r:g}" for r in RATES], [[n] + pct(r["flip"]) for n, r in res.items()]))
    print(f"\n3. accuracy (%) vs write pulse, weights written into STT-MRAM cells over random old data "
          f"({stt['write_current_ua']} uA, Delta {mtj.delta:g}, Ic0 {mtj.ic0_ua:g} uA; {mram.cell_bits}-bit cells, "
          f"{mram.adc_bits}-bit ADC; mean of {args.trials})\n")
    print(table(["", *[f"{t:g} ns" for t in PULSES_NS]],
                [["p_switch", *[f"{p:.3g}" for p in p_pulse]]] + [[n] + pct(r["write"]) for n, r in res.items()]))
    print("\nmonotonicity (largest step in the wrong direction):")
    for n, r in res.items():
        print(f"  {n}: ADC offset {violations(r['adc'], True)}; differential {violations(r['adc_diff'], True)}; "
              f"flips {violations(r['flip'], False, r['flip_se'])}; "
              f"pulse {violations(r['write'], True, r['write_se'])}")

    path = plot(res, p_pulse, args.out)
    print(f"\nwrote {path}; {time.perf_counter() - t0:.1f} s")


def plot(res: dict, p_pulse: list[float], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for name, r in res.items():
        axes[0].plot(ADC_BITS, 100 * np.array(r["adc"]), "o-", label=f"{name}, offset")
        axes[0].plot(ADC_BITS, 100 * np.array(r["adc_diff"]), "s--", label=f"{name}, differential")
        axes[1].semilogx(RATES, 100 * np.array(r["flip"]), "o-", label=name)
        axes[2].plot(PULSES_NS, 100 * np.array(r["write"]), "o-", label=name)
    axes[0].set(xlabel="ADC bits", ylabel="test accuracy (%)", title="ADC resolution (128 rows, 2-bit cells)")
    axes[1].set(xlabel="stored-bit flip rate", title="bit flips in stored weights")
    axes[2].set(xlabel="write pulse (ns)", title="weights written into STT-MRAM")
    ax2 = axes[2].twinx()
    ax2.plot(PULSES_NS, p_pulse, ":", color="grey")
    ax2.set_ylabel("p_switch per pulse", color="grey")
    for ax in axes:
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right" if ax is not axes[1] else "lower left")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "accuracy_digits.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
