#!/usr/bin/env python3
"""Where should attention run on a crossbar chip? One BERT-base encoder layer (sequence 128,
8-bit) on ISAAC's ReRAM crossbars, on the STT-MRAM crossbar chip, and on a digital matmul unit
beside ISAAC's crossbars. Q.K^T and scores.V multiply two activations: on cells, the dynamic
operand (K^T, V) must be written into the crossbars first, every inference.

Prints, per placement, the two attention matmuls' write and compute time, their write and other
energy, and how many inferences the cells survive; writes docs/img/attention_placement.png.
Every number comes from the shipped configs (cited in them); the overrides are stated here:
ISAAC runs at the layer's 8 bits (precision: layer) so all compute the same products; on cells
the operand gets the copies that repay their write in time (the default), or one copy
(replicate_dynamic: false, the least write energy); the digital unit is 1,024 MACs/cycle (a
32 x 32 array) at the default 0.23 pJ/MAC (45 nm).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ATTENTION = ("l0.qk", "l0.av")
PLACEMENTS = [
    ("ISAAC ReRAM cells", "isaac", {"compute.precision": "layer"}),
    ("ISAAC, one copy", "isaac", {"compute.precision": "layer", "compute.replicate_dynamic": False}),
    ("STT-MRAM cells", "mram_crossbar", {}),
    ("digital unit (ISAAC)", "isaac", {"compute.precision": "layer",
                                        "compute.matmul_unit": {"macs_per_cycle": 1024}}),
]


def bert_layer():
    from accelsim.workload.formats.native import parse_native_dict

    return parse_native_dict({"name": "bert_base_layer0", "transformer": {
        "d_model": 768, "layers": 1, "heads": 12, "d_ff": 3072, "activation": "gelu", "norm": "layernorm",
        "seq_len": 128}}, "bert_base layer 0")


def measure() -> list[dict]:
    import accelsim

    wl = bert_layer()
    rows = []
    for label, chip, over in PLACEMENTS:
        hw = accelsim.load_hardware(ROOT / "hwconfigs" / f"{chip}.yaml", over)
        r = accelsim.simulate(hw, wl)
        att = r.layers.set_index("layer").loc[list(ATTENTION)]
        xbar = hw.compute.tile.ima.crossbar
        us = 1e6 / (hw.clock_mhz * 1e6)
        write_pj = float(att["cell_writes"].sum() * xbar.write_energy_pj_per_cell)
        rows.append({
            "placement": label, "unit": ", ".join(sorted(set(att["unit"]))),
            "write_us": float(att["program_cycles"].sum() * us),
            "compute_us": float((att["compute_cycles"] - att["program_cycles"]).sum() * us),
            "write_nj": write_pj / 1e3, "other_nj": (float(att["energy_pj"].sum()) - write_pj) / 1e3,
            "cell_writes": int(att["cell_writes"].sum()), "copies": int(att["replicas"].max()),
            "lifetime": r.summary["endurance_inferences"],
            "layer_us": float(r.summary["seconds"] * 1e6),
        })
    return rows


def plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_e) = plt.subplots(1, 2, figsize=(12, 4.8))
    def label(r):
        if r["lifetime"] is None:
            return f"{r['placement']}\nno cell wear"
        copies = f"{r['copies']} cop{'y' if r['copies'] == 1 else 'ies'}"
        return f"{r['placement']}\n{copies}, wears out\nafter {r['lifetime']:.0e} inferences"

    labels = [label(r) for r in rows]
    x = range(len(rows))
    for ax, (low, high, unit, title) in (
            (ax_t, ("write_us", "compute_us", "us", "Q.K^T + scores.V time")),
            (ax_e, ("write_nj", "other_nj", "nJ", "Q.K^T + scores.V energy"))):
        ax.bar(x, [r[low] for r in rows], color="#c44e52", label="writing the operand into cells")
        ax.bar(x, [r[high] for r in rows], bottom=[r[low] for r in rows], color="#4c72b0", label="computing")
        ax.margins(y=0.15)
        ax.set_xticks(list(x), labels, fontsize=7)
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        for i, r in enumerate(rows):
            ax.text(i, r[low] + r[high], f"{r[low] + r[high]:.3g}", ha="center", va="bottom", fontsize=8)
    handles, names = ax_t.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=8)
    fig.suptitle("Attention of one BERT-base layer (seq 128, 8-bit): where the dynamic operand goes", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "attention_placement.png")
    args = parser.parse_args()
    rows = measure()
    print(f"{'placement':<22}{'runs on':<13}{'copies':>7}{'write us':>10}{'compute us':>11}{'write nJ':>10}"
          f"{'other nJ':>10}{'cell writes':>13}{'lifetime (inferences)':>23}{'layer us':>10}")
    for r in rows:
        life = "-" if r["lifetime"] is None else f"{r['lifetime']:.0e}"
        print(f"{r['placement']:<22}{r['unit']:<13}{r['copies']:>7}{r['write_us']:>10.3f}{r['compute_us']:>11.3f}"
              f"{r['write_nj']:>10.1f}{r['other_nj']:>10.1f}{r['cell_writes']:>13,}{life:>23}{r['layer_us']:>10.1f}")
    plot(rows, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
