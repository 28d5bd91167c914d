"""scikit-learn's bundled digits (1,797 8x8 images, 16 grey levels): a seeded split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray  # (n, 1, 8, 8) float64 in [0, 1]
    y_train: np.ndarray  # (n,) int64 labels 0..9
    x_test: np.ndarray
    y_test: np.ndarray


def load_split(seed: int = 0, test: int = 500) -> Split:
    """Pixels scaled to [0, 1] (grey level / 16); a permutation from `seed` picks the test set.

    The dataset ships with scikit-learn (no download).
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images / 16.0).reshape(-1, 1, 8, 8)
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    te, tr = order[:test], order[test:]
    return Split(x[tr], y[tr], x[te], y[te])
