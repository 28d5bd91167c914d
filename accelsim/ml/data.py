"""Training data without downloads: scikit-learn's bundled digits (1,797 8x8 images, 16 grey
levels) as a seeded split, and a seeded CIFAR-shaped synthetic task (3 x 32 x 32, 10 classes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray  # (n, C, H, W) float64 in [0, 1]: (n, 1, 8, 8) digits, (n, 3, 32, 32) synthetic
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


def cifar_shaped(seed: int = 0, train: int = 2000, test: int = 500, noise: float = 0.7) -> Split:
    """A CIFAR-shaped synthetic task (no download): 10 classes of 3 x 32 x 32 images in [0, 1].

    Each class is a smooth template (per channel, a sum of three random low-frequency 2-D
    cosines); an image is its class template shifted by up to 3 pixels each way (circularly),
    with per-image contrast in [0.6, 1.4] and Gaussian pixel noise of `noise`. Everything comes
    from `default_rng(seed)`. It has CIFAR-10's tensor shapes and class count, not its statistics.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    templates = np.zeros((10, 3, 32, 32))
    for k in range(10):
        for c in range(3):
            for _ in range(3):
                fy, fx = rng.integers(0, 4, size=2)
                phase = rng.uniform(0, 2 * np.pi)
                templates[k, c] += np.cos(2 * np.pi * (fy * yy + fx * xx) / 32 + phase)
    templates = 0.5 + templates / (2 * np.abs(templates).max())
    n = train + test
    y = rng.integers(0, 10, size=n)
    shifts = rng.integers(-3, 4, size=(n, 2))
    contrast = rng.uniform(0.6, 1.4, size=(n, 1, 1, 1))
    x = np.stack([np.roll(templates[k], (int(dy), int(dx)), axis=(1, 2)) for k, (dy, dx) in zip(y, shifts)])
    x = np.clip(0.5 + contrast * (x - 0.5) + rng.normal(0.0, noise, size=x.shape), 0.0, 1.0)
    return Split(x[:train], y[:train].astype(np.int64), x[train:], y[train:].astype(np.int64))
