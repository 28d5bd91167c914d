"""Digits networks quantised to n-bit integers and run through a simulated crossbar.

Quantisation (post-training, calibrated on the training set):
- weights: symmetric per layer, w_q = round(w / s_w), s_w = max|w| / (2^(b-1) - 1);
- activations: unsigned, a_q = clip(round(a / s_a), 0, 2^b - 1); pixels use s_a = 1/(2^b - 1),
  a hidden layer's s_a is its largest (post-ReLU) output on the training set / (2^b - 1);
- biases stay real and are added digitally, as is the rescaling acc * s_in * s_w; max
  pooling runs on the integer activations (it commutes with the monotone quantiser).

Every layer's integer product goes through `Datapath.mvm` (`kernels.crossbar_mvm` with a
config's DAC, cell, array and ADC parameters). Stored-weight faults act on the *cell
words* the crossbar holds -- w + 2^(b-1) (offset encoding) or |w| in the +/- columns
(differential) -- through `kernels.inject_bit_flips` (a rate per bit) or
`kernels.stochastic_write` (the words written over the array's previous contents, taken
as uniformly random bits, one pulse per bit: short pulses leave old bits behind).

Sweeps average `trials` draws with common random numbers: trial t uses the Generator
`default_rng([seed, t])` at every grid point, so a bit that flips at rate r also flips at
every larger rate, and a bit that switches with p also switches with every larger p.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from accelsim.kernels import crossbar_mvm, inject_bit_flips, stochastic_write
from accelsim.ml.nets import Conv, Net, Pool, accuracy, forward, im2col, maxpool


@dataclass(frozen=True)
class Datapath:
    """What `crossbar_mvm` needs from a crossbar chip; `adc_bits=None` is an ideal ADC."""

    dac_bits: int = 1
    cell_bits: int = 2
    rows: int = 128
    cols: int = 128
    adc_bits: int | None = None
    encoding: str = "offset"

    @classmethod
    def from_hardware(cls, hw, **overrides) -> "Datapath":
        ima = hw.compute.tile.ima
        # ISAAC's weight flipping halves the column sums: one ADC bit (as in accelsim.functional)
        fields = dict(dac_bits=ima.dac.bits, cell_bits=ima.crossbar.cell_bits, rows=ima.crossbar.rows,
                      cols=ima.crossbar.cols, adc_bits=ima.adc.bits + int(ima.adc.flip_encoding),
                      encoding=ima.crossbar.weight_encoding)
        return cls(**{**fields, **overrides})

    def mvm(self, x: np.ndarray, w: np.ndarray, bits: int) -> np.ndarray:
        return crossbar_mvm(x, w, input_bits=bits, weight_bits=bits, dac_bits=self.dac_bits,
                            cell_bits=self.cell_bits, rows=self.rows, cols=self.cols, adc_bits=self.adc_bits,
                            weight_encoding=self.encoding)


@dataclass(frozen=True)
class QuantNet:
    net: Net                      # structure and (real) biases
    weights: tuple                # int64 weight matrix per compute layer
    w_scales: tuple
    act_scales: tuple             # input scale of each compute layer, then nothing
    out_scales: tuple             # output activation scale of each hidden compute layer
    bits: int


def quantise(net: Net, x_calib: np.ndarray, bits: int = 8) -> QuantNet:
    top_w, top_a = (1 << (bits - 1)) - 1, (1 << bits) - 1
    layers = net.compute
    w_scales = tuple(float(np.abs(layer.w).max()) / top_w for layer in layers)
    weights = tuple(np.rint(layer.w / s).astype(np.int64) for layer, s in zip(layers, w_scales))
    _, caches = forward(net, x_calib, keep=True)
    outs = [out for layer, (_, _, out) in zip(net.layers, caches) if not isinstance(layer, Pool)]
    out_scales = tuple(max(float(o.max()), 1e-12) / top_a for o in outs[:-1])
    return QuantNet(net, weights, w_scales, (1.0 / top_a,) + out_scales, out_scales, bits)


def infer(q: QuantNet, x: np.ndarray, datapath: Datapath | None = None, weights=None) -> np.ndarray:
    """Logits of the integer network; `datapath=None` multiplies exactly; `weights` overrides
    the stored integer weights (e.g. faulted ones)."""
    top = (1 << q.bits) - 1
    weights = q.weights if weights is None else weights
    a = np.clip(np.rint(x / q.act_scales[0]), 0, top).astype(np.int64)
    i = 0
    for layer in q.net.layers:
        if isinstance(layer, Pool):
            a = maxpool(a, layer.size)
            continue
        src = im2col(a, layer.k, layer.pad) if isinstance(layer, Conv) else a.reshape(len(a), -1)
        flat = src.reshape(-1, src.shape[-1])
        acc = flat @ weights[i] if datapath is None else datapath.mvm(flat, weights[i], q.bits)
        z = acc * (q.act_scales[i] * q.w_scales[i]) + layer.b
        if isinstance(layer, Conv):
            z = z.reshape(src.shape[:-1] + (-1,)).transpose(0, 3, 1, 2)
        if i == len(weights) - 1:
            return z
        a = np.clip(np.rint(np.maximum(z, 0.0) / q.out_scales[i]), 0, top).astype(np.int64)
        i += 1
    raise ValueError("network has no compute layer")


# --- stored-weight faults ----------------------------------------------------------------------

def _to_cells(w: np.ndarray, bits: int, encoding: str) -> tuple[list[np.ndarray], int]:
    if encoding == "differential":
        return [np.maximum(w, 0), np.maximum(-w, 0)], bits - 1
    return [w + (1 << (bits - 1))], bits


def _from_cells(words: list[np.ndarray], bits: int, encoding: str) -> np.ndarray:
    if encoding == "differential":
        return words[0] - words[1]
    return words[0] - (1 << (bits - 1))


def flip_weights(q: QuantNet, encoding: str, rate: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Each stored cell bit flipped with probability `rate` (draws: layer, then side). The dense
    sampler: with one seed, a bit that flips at one rate flips at every larger rate."""
    out = []
    for w in q.weights:
        words, nb = _to_cells(w, q.bits, encoding)
        flipped = [inject_bit_flips(u, bits=nb, rate=rate, rng=rng, method="dense") for u in words]
        out.append(_from_cells(flipped, q.bits, encoding))
    return out


def write_weights(q: QuantNet, encoding: str, p_switch: float, rng: np.random.Generator) -> list[np.ndarray]:
    """The weights as stored after one unverified write over random previous contents."""
    out = []
    for w in q.weights:
        words, nb = _to_cells(w, q.bits, encoding)
        stored = []
        for u in words:
            old = rng.integers(0, 1 << nb, size=u.shape)
            stored.append(stochastic_write(old, u, bits=nb, p_switch=p_switch, rng=rng)[0])
        out.append(_from_cells(stored, q.bits, encoding))
    return out


# --- sweeps ---------------------------------------------------------------------------------------

def adc_sweep(q: QuantNet, x, y, datapath: Datapath, adc_bits) -> list[float]:
    """Accuracy at each ADC resolution (deterministic: no draws)."""
    return [accuracy(infer(q, x, replace(datapath, adc_bits=int(a))), y) for a in adc_bits]


def flip_sweep(q: QuantNet, x, y, datapath: Datapath, rates, *, trials: int = 5, seed: int = 0) -> np.ndarray:
    """(len(rates), trials) accuracies; trial t draws from default_rng([seed, t]) at every rate."""
    return np.array([[accuracy(infer(q, x, datapath, flip_weights(q, datapath.encoding, r,
                                                                  np.random.default_rng([seed, t]))), y)
                      for t in range(trials)] for r in rates])


def write_sweep(q: QuantNet, x, y, datapath: Datapath, p_switches, *, trials: int = 5, seed: int = 0) -> np.ndarray:
    """(len(p_switches), trials) accuracies after one unverified write with each p_switch."""
    return np.array([[accuracy(infer(q, x, datapath, write_weights(q, datapath.encoding, p,
                                                                   np.random.default_rng([seed, t]))), y)
                      for t in range(trials)] for p in p_switches])
