#!/usr/bin/env python3
"""Weight and activation statistics of a CNN trained with accelsim's own trainer.

The bit-sparsity seeds (scripts/seeds_pim.py) run on synthetic weights and inputs: no trained
CIFAR or ImageNet network can be downloaded at run time. This script trains the project's
digits CNN (accelsim.ml.nets.cnn on scikit-learn's bundled 8x8 digits; seeded, no download)
and prints, per layer:
- the excess kurtosis of its weights at initialisation and after training, with the two
  synthetic choices for reference (He-normal: 0, Laplace: 3);
- the share of all-zero 1-bit input slices per 128-row crossbar block when its real inputs
  (test images through the trained layers, 8-bit, scaled to each layer's largest input) are
  read the way era_bs.yaml reads them (accelsim.functional.prune_activations), and what
  pruning slices with <= 1 or <= 4 ones adds (with the input error it costs).
Takes about a minute on one core.
"""

from __future__ import annotations

import argparse

import numpy as np

import accelsim
from accelsim.functional import prune_activations
from accelsim.ml.data import load_split
from accelsim.ml.nets import Pool, accuracy, cnn, forward, train

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def excess_kurtosis(w: np.ndarray) -> float:
    z = (w - w.mean()) / w.std()
    return float((z ** 4).mean() - 3.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--channels", type=int, nargs=2, default=(16, 32), metavar=("C1", "C2"))
    args = ap.parse_args()
    split = load_split(args.seed)
    rng = np.random.default_rng(args.seed)
    net = cnn(rng, *args.channels)
    init = [layer.w.copy() for layer in net.compute]
    train(net, split.x_train, split.y_train, rng, epochs=args.epochs)
    logits = forward(net, split.x_test)
    print(f"digits CNN {args.channels[0]}-{args.channels[1]}, {args.epochs} epochs, seed {args.seed}: "
          f"test accuracy {accuracy(logits, split.y_test):.3f}")
    print("layer  weights (fan-in x out)  excess kurtosis: init  trained   (He-normal 0, Laplace 3)")
    for i, (w0, layer) in enumerate(zip(init, net.compute)):
        print(f"{i:5d}  {str(layer.w.shape):>22}  {excess_kurtosis(w0):21.2f}  {excess_kurtosis(layer.w):7.2f}")
    print("\nlayer  zero input slices (era_bs reads)   pruned <= 1 one: +share, input error   <= 4 ones")
    _, caches = forward(net, split.x_test, keep=True)
    inputs = [src for layer, (src, _, _) in zip(net.layers, caches) if not isinstance(layer, Pool)]
    for i, src in enumerate(inputs):
        x = src.reshape(1, -1, src.shape[-1])
        q = np.rint(x / x.max() * 255).astype(np.int64)            # unsigned 8-bit, layer's max
        out = [prune_activations(accelsim.load_hardware(ROOT / "hwconfigs" / "era_bs.yaml", {
            "compute.activation_prune_ones": n}), q, 8)[1] for n in (0, 1, 4)]
        print(f"{i:5d}  {out[0]['zero_slice_fraction']:33.1%}   {out[1]['pruned_slice_fraction']:+14.1%}, "
              f"{out[1]['activation_rel_error']:.3f}   {out[2]['pruned_slice_fraction']:+6.1%}, "
              f"{out[2]['activation_rel_error']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
