"""Run a layer's compression block: the registry of transforms, chaining, and synthetic weights."""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.bitflip import bitflip
from accelsim.workload.compression.bucket import binary_bucket
from accelsim.workload.compression.cluster import cluster
from accelsim.workload.compression.layout import start
from accelsim.workload.compression.prune import prune, structured_prune, xbar_prune
from accelsim.workload.compression.quantize import pow2, quantize
from accelsim.workload.compression.result import CompressionResult, Geometry, as_matrix
from accelsim.workload.compression.spec import CompressedSpec, parse_steps
from accelsim.workload.layers import Layer

TRANSFORMS: dict[str, Callable[..., CompressionResult]] = {
    "prune": prune, "structured_prune": structured_prune, "xbar_prune": xbar_prune, "quantize": quantize,
    "pow2": pow2, "bitflip": bitflip, "binary_bucket": binary_bucket, "cluster": cluster,
}
DISTRIBUTIONS = ("normal", "laplace", "uniform")


def get_transform(name: str) -> Callable[..., CompressionResult]:
    if name not in TRANSFORMS:
        raise WorkloadError(f"unknown compression scheme {name!r}; known: {', '.join(TRANSFORMS)}",
                            "compression", "scheme")
    return TRANSFORMS[name]


def describe(steps: Iterable) -> str:
    """`prune(sparsity=0.5) + quantize(bits=8)`: the steps with the parameters given."""
    parts = []
    for step in parse_steps(steps if isinstance(steps, dict) else list(steps)):
        given = step.model_dump(exclude={"scheme"}, exclude_unset=True)
        parts.append(f"{step.scheme}({', '.join(f'{k}={v}' for k, v in given.items())})")
    return " + ".join(parts)


def chain_geometry(steps, geometry: Geometry | None, source: str | None = None,
                   key: str = "compression") -> Geometry | None:
    """Geometry a chain runs with: the steps' own rows/cols/cell_bits (which must agree) over `geometry`."""
    own = {(j, g) for j, step in enumerate(steps) if hasattr(step, "geometry") and (g := step.geometry())}
    distinct = {g for _, g in own}
    if len(distinct) > 1:
        raise WorkloadError("the transforms name different crossbar geometries", source,
                            f"{key}[{max(j for j, _ in own)}].rows")
    return distinct.pop() if distinct else geometry


def compress(weights, steps: Iterable, *, geometry: Geometry | None = None, kernel: int = 1,
             weight_bits: int = 32, source: str | None = None, key: str = "compression") -> CompressionResult:
    """Apply `steps` (dicts like {scheme: prune, sparsity: 0.5}, or specs) in order.
    `weight_bits` is the width unquantised weights are counted at; error is vs `weights`.
    A step's failure is reported as `<key>[j].<parameter>` in `source`."""
    steps = parse_steps(steps if isinstance(steps, dict) else list(steps), source, key)
    if any(isinstance(s, CompressedSpec) for s in steps):
        raise WorkloadError("this layer is already compressed (scheme: compressed)", source, f"{key}[0].scheme")
    result = start(weights, kernel=kernel, geometry=chain_geometry(steps, geometry, source, key),
                   weight_bits=weight_bits)
    for j, step in enumerate(steps):
        try:
            result = get_transform(step.scheme)(result, **step.params())
        except WorkloadError as exc:
            if exc.source not in ("compression", "geometry"):
                raise
            raise WorkloadError(exc.reason, source, f"{key}[{j}].{exc.key}") from None
    return result


def synthetic_weights(layer: Layer, rng: np.random.Generator, distribution: str = "normal",
                      scale: float | None = None) -> np.ndarray:
    """Seeded stand-in weights, shape (groups, Kred, Nout): zero-mean with standard deviation
    `scale` (default He: sqrt(2 / Kred)); laplace and uniform have the same variance."""
    if not layer.has_weights:
        raise WorkloadError(f"a {layer.kind} layer has no stored weights", None, f"layer {layer.name!r}")
    _, k, n = layer.gemm
    shape = (layer.groups, k, n)
    std = float(np.sqrt(2.0 / k)) if scale is None else float(scale)
    if distribution == "normal":
        return rng.normal(0.0, std, size=shape)
    if distribution == "laplace":
        return rng.laplace(0.0, std / np.sqrt(2.0), size=shape)
    if distribution == "uniform":
        half = std * np.sqrt(3.0)
        return rng.uniform(-half, half, size=shape)
    raise WorkloadError(f"unknown distribution {distribution!r}; use {', '.join(DISTRIBUTIONS)}", None,
                        "distribution")


def gemm_weights(layer: Layer, array, source: str = "weights") -> np.ndarray:
    """A layer's weights as (groups, Kred, Nout): accepts that shape, (Kred, Nout) for one group,
    or a framework conv kernel (K, C/groups, R, S) (reduction order c, r, s)."""
    array = np.asarray(array)
    g, (_, k, n) = layer.groups, layer.gemm
    if array.ndim == 4 and array.shape == (layer.K, layer.C // g, layer.R, layer.S):
        array = array.reshape(g, n, k).transpose(0, 2, 1)
    elif array.ndim == 2 and g == 1:
        array = array[None]
    if array.shape != (g, k, n):
        raise WorkloadError(f"weights of shape {array.shape} do not fit the layer: expected ({g}, {k}, {n}) "
                            f"(groups, R*S*C/groups, K/groups) or ({layer.K}, {layer.C // g}, {layer.R}, {layer.S})",
                            source, layer.name)
    return as_matrix(array, source)


def compress_layer(layer: Layer, weights=None, geometry: Geometry | None = None,
                   rng: np.random.Generator | None = None, source: str | None = None,
                   key: str | None = None, distribution: str = "normal") -> CompressionResult | None:
    """Apply `layer.compression` to `weights` (or synthetic ones drawn from `rng`).
    None for a pooling layer, a layer without a block, or one already `compressed`."""
    key = key or f"layer {layer.name!r}"
    steps = parse_steps(layer.compression, source, f"{key}.compression")
    if not layer.has_weights or not steps or isinstance(steps[0], CompressedSpec):
        return None
    geo = chain_geometry(steps, geometry, source, f"{key}.compression")
    if weights is None:
        if rng is None:
            raise WorkloadError("no weights and no random generator to draw synthetic ones", source, key)
        weights = synthetic_weights(layer, rng, distribution)
    matrix = gemm_weights(layer, weights)
    return compress(matrix, steps, geometry=geo, kernel=layer.R * layer.S, weight_bits=layer.weight_bits,
                    source=source, key=f"{key}.compression")


def compress_workload(workload, weights: Mapping[str, np.ndarray] | None = None,
                      geometry: Geometry | None = None, rng: np.random.Generator | None = None,
                      label: str = "file", distribution: str = "normal") -> dict[str, tuple[CompressionResult, str]]:
    """Every layer with a compression block: name -> (result, where its weights came from:
    `label` for given weights, "synthetic" for ones drawn from `rng`, in layer order)."""
    weights = weights or {}
    out = {}
    for i, layer in enumerate(workload.layers):
        given = weights.get(layer.name)
        result = compress_layer(layer, given, geometry, rng, workload.path, f"layers[{i}] ({layer.name})",
                                distribution)
        if result is not None:
            out[layer.name] = (result, "synthetic" if given is None else label)
    return out
