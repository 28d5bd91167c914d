"""An MLP and a small CNN in plain numpy: forward, backward, Adam, seeded training.

Layers: `Conv` (3x3, stride 1, 'same' padding; weight (C*R*S, K) with rows ordered
(c, r, s), i.e. im2col order), `Pool` (2x2 max), `Dense` (weight (K, N)). Every compute
layer but the last is followed by ReLU. All randomness (init, batch order) comes from the
Generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


@dataclass
class Dense:
    w: np.ndarray
    b: np.ndarray


@dataclass
class Conv:
    w: np.ndarray  # (C * k * k, K), rows in (c, r, s) order
    b: np.ndarray
    k: int = 3

    @property
    def pad(self) -> int:
        return self.k // 2


@dataclass
class Pool:
    size: int = 2


@dataclass
class Net:
    name: str
    layers: list = field(default_factory=list)

    @property
    def compute(self) -> list:
        return [layer for layer in self.layers if not isinstance(layer, Pool)]


def _he(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def mlp(rng: np.random.Generator, hidden: int = 32) -> Net:
    """64-hidden-10 MLP."""
    return Net("mlp", [Dense(_he(rng, 64, (64, hidden)), np.zeros(hidden)),
                       Dense(_he(rng, hidden, (hidden, 10)), np.zeros(10))])


def cnn(rng: np.random.Generator, c1: int = 8, c2: int = 16, channels: int = 1, size: int = 8) -> Net:
    """conv3x3(channels->c1) pool conv3x3(c1->c2) pool dense(c2*(size/4)^2 -> 10); the defaults
    are the 8x8 digits' net, channels=3, size=32 a CIFAR-shaped one."""
    flat = c2 * (size // 4) ** 2
    return Net("cnn", [Conv(_he(rng, 9 * channels, (9 * channels, c1)), np.zeros(c1)), Pool(),
                       Conv(_he(rng, 9 * c1, (9 * c1, c2)), np.zeros(c2)), Pool(),
                       Dense(_he(rng, flat, (flat, 10)), np.zeros(10))])


# --- building blocks (also used by the integer datapath) ------------------------------------

def im2col(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """(B, C, H, W) -> (B, H, W, C*k*k) patches of a stride-1 'same' conv, (c, r, s) order."""
    b, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(xp, (k, k), axis=(2, 3))            # (B, C, H, W, k, k)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(b, h, w, c * k * k)


def col2im(dcols: np.ndarray, shape: tuple[int, ...], k: int, pad: int) -> np.ndarray:
    b, c, h, w = shape
    d = dcols.reshape(b, h, w, c, k, k)
    dxp = np.zeros((b, c, h + 2 * pad, w + 2 * pad))
    for i in range(k):
        for j in range(k):
            dxp[:, :, i:i + h, j:j + w] += d[..., i, j].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + h, pad:pad + w]


def maxpool(x: np.ndarray, size: int = 2) -> np.ndarray:
    b, c, h, w = x.shape
    return x.reshape(b, c, h // size, size, w // size, size).max(axis=(3, 5))


# --- float forward / backward ----------------------------------------------------------------

def forward(net: Net, x: np.ndarray, keep: bool = False):
    """Logits (and, if `keep`, one cache per layer: its input and output, for backward)."""
    caches = []
    a = x
    last = net.compute[-1]
    for layer in net.layers:
        if isinstance(layer, Pool):
            out = maxpool(a, layer.size)
            caches.append((a, a.shape, out))
            a = out
            continue
        if isinstance(layer, Conv):
            src = im2col(a, layer.k, layer.pad)
            z = (src @ layer.w + layer.b).transpose(0, 3, 1, 2)
        else:
            src = a.reshape(len(a), -1)
            z = src @ layer.w + layer.b
        out = z if layer is last else np.maximum(z, 0.0)
        caches.append((src, a.shape, out))
        a = out
    return (a, caches) if keep else a


def backward(net: Net, caches: list, dlogits: np.ndarray) -> list:
    """Gradients [(dw, db) per compute layer, in order]."""
    grads = []
    d = dlogits
    last, first = net.compute[-1], net.layers[0]
    for layer, (src, shape, out) in zip(reversed(net.layers), reversed(caches)):
        if isinstance(layer, Pool):
            up = np.repeat(np.repeat(out, layer.size, axis=2), layer.size, axis=3)
            dup = np.repeat(np.repeat(d, layer.size, axis=2), layer.size, axis=3)
            d = dup * (src == up)  # ties share the gradient (after ReLU they are zeros, masked anyway)
            continue
        if layer is not last:
            d = d * (out > 0)
        if isinstance(layer, Conv):
            dz = d.transpose(0, 2, 3, 1).reshape(-1, layer.w.shape[1])
            grads.append((src.reshape(-1, layer.w.shape[0]).T @ dz, dz.sum(axis=0)))
            if layer is not first:   # the input's gradient is not needed
                # a contiguous w.T: OpenBLAS on a transposed operand ran ~1000x slower here
                d = col2im(dz @ np.ascontiguousarray(layer.w.T), shape, layer.k, layer.pad)
        else:
            grads.append((src.T @ d, d.sum(axis=0)))
            if layer is not first:
                d = (d @ np.ascontiguousarray(layer.w.T)).reshape(shape)
    return grads[::-1]


def softmax_xent(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -float(np.log(p[np.arange(n), y] + 1e-12).mean())
    p[np.arange(n), y] -= 1.0
    return loss, p / n


class Adam:
    def __init__(self, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.t, self.m, self.v = 0, {}, {}

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            m = self.m[i] = self.b1 * self.m.get(i, 0.0) + (1 - self.b1) * g
            v = self.v[i] = self.b2 * self.v.get(i, 0.0) + (1 - self.b2) * g * g
            mh, vh = m / (1 - self.b1**self.t), v / (1 - self.b2**self.t)
            p -= self.lr * mh / (np.sqrt(vh) + self.eps)


def train(net: Net, x: np.ndarray, y: np.ndarray, rng: np.random.Generator, *,
          epochs: int = 20, lr: float = 1e-2, batch: int = 32) -> Net:
    """Adam on softmax cross-entropy; batch order from `rng`. Updates `net` in place."""
    opt = Adam(lr)
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for i in range(0, len(y), batch):
            idx = order[i:i + batch]
            logits, caches = forward(net, x[idx], keep=True)
            _, dlogits = softmax_xent(logits, y[idx])
            grads = backward(net, caches, dlogits)
            params = [p for layer in net.compute for p in (layer.w, layer.b)]
            opt.step(params, [g for pair in grads for g in pair])
    return net


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == y).mean())
