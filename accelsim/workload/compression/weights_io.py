"""Read real weights for `accelsim compress --weights FILE.npz` (arrays keyed by layer name)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from accelsim.errors import WorkloadError
from accelsim.workload.compression.output import NPZ_SEPARATOR
from accelsim.workload.compression.pipeline import gemm_weights
from accelsim.workload.layers import Workload


def read_weights(path: str | Path, workload: Workload) -> dict[str, np.ndarray]:
    """Layer name -> (groups, Kred, Nout) float64. Keys with `::` (codes, scales of a previous
    `accelsim compress` output) are ignored; any other key must name a layer with weights."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files if NPZ_SEPARATOR not in key}
    except FileNotFoundError:
        raise WorkloadError("file not found", str(path)) from None
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise WorkloadError(f"not a readable .npz: {exc}", str(path)) from None
    layers = {layer.name: layer for layer in workload.layers if layer.has_weights}
    out = {}
    for key, array in arrays.items():
        if key not in layers:
            raise WorkloadError(f"no layer with weights is named {key!r}; layers: {', '.join(layers)}",
                                str(path), key)
        out[key] = gemm_weights(layers[key], array, str(path))
    return out
