"""ReRAM conductance variation applied to stored cell levels, and the MVM that uses them.

Model (from `accelsim.devices.reram`): level l has conductance G_off + l ΔG; a cell's
effective level is (G' - G_off) / ΔG with, per cell, z ~ N(0, 1):
- "lognormal": G' = G exp(σ z)                     -> l m + r (m - 1),  m = exp(σ z)
- "gaussian":  G' = max(G + σ (G_on - G_off) z, 0)  -> max(l + σ (L - 1) z, -r)
where r = G_off / ΔG and L = 2^cell_bits. σ = 0 gives m = 1 exactly, hence l exactly.

Draw order: ``z = rng.standard_normal(levels.shape)`` (C order). For
`crossbar_mvm_variation` the levels are the (sides, S_w, K, N) array of
`slice_weights`, i.e. positive-part columns first, then weight slices LSB first,
then rows, then logical columns. exp(σ z) is evaluated with numpy in the wrapper
(numba's exp differs from numpy's in the last ulp), the kernel only multiplies and adds.
"""

from __future__ import annotations

import numpy as np

from accelsim.devices import reram
from accelsim.kernels._checks import check_bits, check_rng
from accelsim.kernels._numba import njit
from accelsim.kernels.crossbar import CrossbarSpec, CrossbarStats, _check_operands, crossbar_mvm_levels, slice_weights


@njit()
def _lognormal(levels, m, r, out):
    for i in range(levels.shape[0]):
        out[i] = levels[i] * m[i] + r * (m[i] - 1.0)


@njit()
def _gaussian(levels, z, scale, floor, out):
    for i in range(levels.shape[0]):
        out[i] = max(levels[i] + scale * z[i], floor)


def _conductances(g_on_s: float | None, g_off_s: float | None) -> tuple[float, float]:
    g_on = reram.NEUROSIM_V13.g_on_s if g_on_s is None else float(g_on_s)
    g_off = reram.NEUROSIM_V13.g_off_s if g_off_s is None else float(g_off_s)
    if not 0 <= g_off < g_on:
        raise ValueError(f"need 0 <= g_off_s < g_on_s, got {g_off}, {g_on}")
    return g_on, g_off


def apply_level_variation(
    levels: np.ndarray,
    z: np.ndarray,
    *,
    cell_bits: int,
    sigma: float,
    model: str = "lognormal",
    g_on_s: float | None = None,
    g_off_s: float | None = None,
) -> np.ndarray:
    """Effective (float64) levels of cells at integer `levels` given standard normals `z`.

    Conductances default to NeuroSim V1.3 (R_on 6 kΩ, R_off 900 kΩ).
    """
    cb = check_bits("cell_bits", cell_bits, 1, 8)
    if model not in reram.VARIATION_MODELS:
        raise ValueError(f"model must be one of {reram.VARIATION_MODELS}, got {model!r}")
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    g_on, g_off = _conductances(g_on_s, g_off_s)
    lv = np.asarray(levels)
    if lv.dtype == np.bool_ or not np.issubdtype(lv.dtype, np.integer):
        raise ValueError(f"levels must be an integer array, got dtype {lv.dtype}")
    if lv.size and (lv.min() < 0 or lv.max() > (1 << cb) - 1):
        raise ValueError(f"levels must be in [0, {(1 << cb) - 1}] for cell_bits={cb}")
    zz = np.asarray(z, dtype=np.float64)
    if zz.shape != lv.shape:
        raise ValueError(f"z must have the shape of levels {lv.shape}, got {zz.shape}")
    r = reram.off_offset_levels(cb, g_on, g_off)
    flat = np.ascontiguousarray(lv.reshape(-1), dtype=np.float64)
    out = np.empty(flat.size, dtype=np.float64)
    if model == "lognormal":
        _lognormal(flat, np.ascontiguousarray(np.exp(sigma * zz).reshape(-1)), r, out)
    else:
        _gaussian(flat, np.ascontiguousarray(zz.reshape(-1)), sigma * ((1 << cb) - 1), -r, out)
    return out.reshape(lv.shape)


def perturb_levels(
    levels: np.ndarray,
    *,
    cell_bits: int,
    sigma: float,
    rng: np.random.Generator,
    model: str = "lognormal",
    g_on_s: float | None = None,
    g_off_s: float | None = None,
) -> np.ndarray:
    """`apply_level_variation` with ``z = rng.standard_normal(levels.shape)``."""
    z = check_rng(rng).standard_normal(np.shape(levels))
    return apply_level_variation(levels, z, cell_bits=cell_bits, sigma=sigma, model=model, g_on_s=g_on_s, g_off_s=g_off_s)


def crossbar_mvm_variation(
    x: np.ndarray,
    w: np.ndarray,
    *,
    sigma: float,
    rng: np.random.Generator,
    model: str = "lognormal",
    g_on_s: float | None = None,
    g_off_s: float | None = None,
    return_stats: bool = False,
    **crossbar: object,
) -> np.ndarray | tuple[np.ndarray, CrossbarStats]:
    """`crossbar_mvm` with every stored cell perturbed once (one programming of the array).

    `crossbar` takes the keyword arguments of `crossbar_mvm` (input_bits, weight_bits,
    dac_bits, cell_bits, rows, cols, adc_bits, full_scale, input_signed, weight_signed,
    weight_encoding). σ = 0 reproduces `crossbar_mvm` bit for bit.
    """
    spec = CrossbarSpec(**crossbar)  # type: ignore[arg-type]
    x2, wa = _check_operands(x, w, spec)
    levels = perturb_levels(
        slice_weights(wa, spec), cell_bits=spec.cell_bits, sigma=sigma, rng=rng,
        model=model, g_on_s=g_on_s, g_off_s=g_off_s,
    )
    res = crossbar_mvm_levels(x2, levels, spec, return_stats=return_stats)
    if np.ndim(x) == 1:
        return (res[0].reshape(-1), res[1]) if return_stats else res.reshape(-1)
    return res


__all__ = ["apply_level_variation", "crossbar_mvm_variation", "perturb_levels"]
