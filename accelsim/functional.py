"""Functional mode: real (or seeded synthetic) integer tensors through the chip's datapath.

For every compute layer, a bounded sample of input vectors (`vectors`, default 256 per
group) is multiplied by the layer's weights the way the configured hardware does it, and
compared with the exact integer product:

- crossbar chips: `kernels.crossbar_mvm` with the chip's rows, cols, cell bits, DAC bits,
  ADC bits and weight encoding at the precision the timing model uses (`precision: chip`
  or `layer`). ISAAC's weight flipping (`adc.flip_encoding`) halves every column sum, so
  it is modelled as one more ADC bit: exact when the ADC is lossless, approximate below.
  (No crossbar config has a variation setting yet, so `crossbar_mvm_variation` is unused.)
- compressed layers (`stats`, `compressed` from `compression.effect.workload_compression`, the
  same seeded compression the timing run prices): their integer codes run (or their weights
  quantised to the datapath's bits when the codes are not linear); with `adc_resolution:
  column_sums` a layer converts at the mapping's `adc_bits` with an LSB of one column unit, on
  the layout's sign-magnitude cell model (differential columns) -- `converter`.
- matmul layers (two activations): on crossbar cells through the same kernel (the second
  operand drawn like signed weights at the activations' bits, no retention faults: just
  written), on the digital matmul unit as exact integer MACs, or on a systolic chip's PEs.
  Pooling and vector layers get a row with datapath `reference` and no errors: not bit-modelled.
- systolic chips: `kernels.int_matmul` through a 32-bit wrapping accumulator
  (`SYSTOLIC_ACC_BITS`; the config has no accumulator field) -- exact unless it overflows.

Per layer: `max_abs_error`, `rmse`, `snr_db` (10 log10 of sum(exact^2) / sum(error^2);
inf when exact) and `zero_slice_fraction`: the share of (vector, row block, input slice)
crossbar reads whose input slice is all zero -- what a `zero_slice_skipping` chip does not
spend a read on (NaN on systolic chips).

MRAM cell reliability (crossbar `device` stt_mram / sot_mram / nand_spin with `retention_s` or
`read_current_ua` set): every stored cell bit flips with probability
    p = 1 - (1 - p_ret) (1 - p_rd)^n_reads   (= p_ret + n_reads p_rd to first order),
p_ret = mtj.retention_failure_prob(retention_s, delta), p_rd = mtj.read_disturb_prob(
read_current_ua, read_pulse, delta, ic0_ua) (0 when read_current_ua = 0), and n_reads = V x S_in:
the crossbar reads of one sampled group, each of which drives every cell of the array holding
it (an upper bound: rows with a zero input carry no read current). All flips are applied to
the cell levels (`slice_weights`, `cell_bits` per cell) before the MVM -- the run sees the
end-of-run state -- with `inject_bit_flips` from the layer's own fault stream
default_rng([root, layer, 2]), so weights and inputs draw exactly as without faults; errors
are against the exact product of the unfaulted weights. `injected_bit_flips` counts the cell
bits that flipped (0 when nothing is injected, and on systolic chips).

Tensors (`.npz` or a mapping) are keyed `<layer>.weight` -- (Kred, Nout) for one group,
(groups, Kred, Nout), or the conv weight (K, C/groups, R, S) -- and optionally
`<layer>.input` -- (vectors, Kred), (groups, vectors, Kred) or the (N, C, H, W) input
feature map (patches are cut at sampled output positions, Kred ordered (c, r, s) like the
conv weight). Integer dtypes only (quantise first); inputs with negative values are
applied as signed (two's complement slices).

Crossbar-aware activation pruning (ERA-BS's dynamic activation sparsity; chip field
`activation_prune_ones` N > 0, unsigned inputs): in every (vector, row block of `rows` inputs,
input slice) a slice that carries at most N nonzero DAC levels is pruned -- those bits of those
inputs are zeroed -- so the slice is all zero and skipped like a naturally zero one. Done on the
sampled inputs before the datapath; `pruned_slice_fraction` is the share of reads pruned (part of
`zero_slice_fraction`), `activation_rel_error` = ||x - x_pruned|| / ||x|| over the sample, and the
datapath's errors include the pruning's.

Synthetic tensors, drawn from `rng` layer by layer in workload order (weights, then inputs;
positions sampled from a given feature map also come from `rng`):
- weights: round(N(0, (2^(b-1)/4)^2)) clipped to +-(2^(b-1) - 1) (symmetric quantisation);
- inputs (post-ReLU, unsigned): 0 with probability 1/2, else ceil(|N(0, (2^b/8)^2)|)
  clipped to [1, 2^b - 1] -- a quantiser calibrated at 4 sigma of the non-zero values, so
  the top input slices are mostly zero, as in real ReLU networks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from accelsim.config.schema import HardwareConfig
from accelsim.errors import InputError
from accelsim.devices import mtj
from accelsim.kernels import (CrossbarSpec, crossbar_mvm, crossbar_mvm_levels, exact_matmul, inject_bit_flips,
                              int_matmul, slice_inputs, slice_weights)
from accelsim.workload import Layer, Workload
from accelsim.workload.compression.output import NPZ_SEPARATOR

DEFAULT_VECTORS = 256
SYSTOLIC_ACC_BITS = 32
COLUMNS = ["layer", "functional_vectors", "max_abs_error", "rmse", "snr_db", "zero_slice_fraction",
           "injected_bit_flips", "pruned_slice_fraction", "activation_rel_error"]
# functional_weights: synthetic, tensors, compressed or dynamic (a matmul's second operand);
# functional_datapath: crossbar, matmul_unit, systolic, or reference (not bit-modelled)
TEXT_COLUMNS = ["functional_weights", "functional_datapath"]


def run_functional(
    hw: HardwareConfig,
    workload: Workload,
    rng: np.random.Generator,
    tensors: str | Path | Mapping[str, Any] | None = None,
    vectors: int = DEFAULT_VECTORS,
    stats: Sequence | None = None,
    compressed: Sequence | None = None,
) -> pd.DataFrame:
    """One row per layer: errors against exact integer math and the zero-slice fraction of
    every matrix product (weights or, for a matmul, two activations); pooling and vector layers
    get a row with datapath `reference` and no errors (not bit-modelled). See the module doc
    for tensors and the synthetic draw.
    `stats` / `compressed`: per layer, the compression HardwareStats the mapping uses and the
    CompressedWeights they measure (`compression.effect.workload_compression`); a layer with a
    result runs its compressed weights, and its ADC converts at the resolution the mapping gives it."""
    if isinstance(vectors, bool) or not isinstance(vectors, (int, np.integer)) or vectors < 1:
        raise InputError(f"must be a positive integer, got {vectors!r}", "functional_vectors")
    source, given, baked = _load_tensors(tensors, workload)
    root = int(rng.integers(1 << 62))
    rows = []
    for i, layer in enumerate(workload.layers):
        if layer.is_pool or layer.is_vector:   # in reference precision: no datapath error modelled
            rows.append({"layer": layer.name, "functional_vectors": 0, "injected_bit_flips": 0,
                         "functional_datapath": "reference"})
            continue
        in_bits, w_bits = _precision(layer, hw)
        _require_tensors(layer, int(vectors), source if tensors is not None else workload.path)
        # each layer's weights and inputs have their own streams: the inputs alone can be
        # redrawn (zero_slice_fractions) and come out the same
        given_w = given.get(f"{layer.name}.weight")
        result = compressed[i] if compressed is not None else None
        if given_w is None and result is not None:
            w = _compressed_weights(layer, result.codes, result.weights, w_bits, workload.path)
            origin = "compressed"
        elif given_w is None and layer.name in baked:   # from the .npz `accelsim compress` wrote
            w = _compressed_weights(layer, *baked[layer.name], w_bits, source)
            if w.shape != (layer.groups, *layer.gemm[1:]):
                raise InputError(f"compressed weights of shape {w.shape}; expected {(layer.groups, *layer.gemm[1:])}",
                                 source, layer.name)
            origin = "compressed" if layer.compression else "tensors"
        else:   # a matmul's second operand (an activation) is drawn like signed weights at its bits
            w = _weights(layer, given_w, w_bits, np.random.default_rng([root, i, 0]), source)
            origin = "tensors" if given_w is not None else "dynamic" if layer.dynamic else "synthetic"
        conversion = converter(hw, layer, stats[i] if stats is not None else None)
        datapath = _datapath(hw, layer)
        x = _inputs(layer, given.get(f"{layer.name}.input"), in_bits, int(vectors),
                    np.random.default_rng([root, i, 1]), source)
        pruning = {"pruned_slice_fraction": 0.0, "activation_rel_error": 0.0}
        if hw.compute.type == "crossbar" and hw.compute.zero_slice_skipping and hw.compute.activation_prune_ones:
            x, counts = prune_activations(hw, x, in_bits)
            pruning = {k: counts[k] for k in pruning}
        try:
            # own stream: other draws unchanged; a matmul's operand was just written (no retention)
            faults = None if layer.dynamic else np.random.default_rng([root, i, 2])
            rows.append({"layer": layer.name, **_compare(hw, x, w, in_bits, w_bits, faults, conversion, datapath),
                         **pruning, "functional_weights": origin, "functional_datapath": datapath})
        except ValueError as exc:  # what the kernels cannot represent, e.g. > 16-bit operands
            raise InputError(f"functional mode: {exc}", source, f"layer {layer.name!r}") from None
    return pd.DataFrame(rows, columns=COLUMNS + TEXT_COLUMNS)


def _datapath(hw: HardwareConfig, layer: Layer) -> str:
    """Where a matrix product runs: the crossbars (weights, or a matmul's operand written into
    cells), the digital matmul unit (a matmul placed there), or a systolic chip's PEs."""
    if hw.compute.type != "crossbar":
        return "systolic"
    return "matmul_unit" if layer.dynamic and not hw.compute.dynamic_on_cells else "crossbar"


def converter(hw: HardwareConfig, layer: Layer, stats=None) -> tuple[int, float | None, str] | None:
    """(ADC bits, full scale or None for the whole column range, weight encoding) of a crossbar
    layer's conversions, as the mapping has them: at adc.bits (+1 for ISAAC's weight flipping)
    over the whole column range, or -- `adc_resolution: column_sums` with the layer's measured
    largest column sum -- at the bits that sum needs (the mapping's `adc_bits`) with an LSB of one
    column unit (full scale 2^bits - 1: exact up to that sum, clipping above), on the layout's
    cell model: sign-magnitude codes whose positive and negative weights are summed apart
    (`compression.layout.cell_levels`), i.e. differential columns. None on other chips."""
    if hw.compute.type != "crossbar":
        return None
    ima = hw.compute.tile.ima
    flip = int(ima.adc.flip_encoding)
    column_sums = hw.compute.adc_resolution == "column_sums"
    if column_sums and stats is not None and stats.packing(capped=True)[3] is not None:   # what the mapping reads
        from accelsim.workload.mapping.crossbar import map_crossbar

        bits = map_crossbar(layer, hw, stats).adc_bits + flip
        return bits, float((1 << bits) - 1), "differential"
    return ima.adc.bits + flip, None, ima.crossbar.weight_encoding


def _compressed_weights(layer: Layer, codes, weights, bits: int, source) -> np.ndarray:
    """(groups, Kred, Nout) integers of a compressed layer at the datapath's `bits`: its integer
    `codes` when they are linear (weights == codes * scale: the bit planes the crossbar stores;
    None otherwise), else its `weights` quantised symmetrically to `bits` (max |w| -> 2^(bits-1) - 1;
    zeros stay 0)."""
    top = (1 << (bits - 1)) - 1
    if codes is not None:
        codes = np.asarray(codes, dtype=np.int64)
        peak = int(np.abs(codes).max()) if codes.size else 0
        if peak > top:
            raise InputError(f"functional mode: its compressed codes need {peak.bit_length() + 1} bits, more than "
                             f"the datapath's {bits}-bit weights", source, f"layer {layer.name!r}")
        return codes
    w = np.asarray(weights, dtype=np.float64)
    peak = float(np.abs(w).max()) if w.size else 0.0
    return np.zeros(w.shape, dtype=np.int64) if peak == 0 else np.rint(w / peak * top).astype(np.int64)


def _require_tensors(layer: Layer, vectors: int, source: str) -> None:
    """Refuse up front a layer whose sampled tensors (int64 weights and inputs, and about as
    much again in kernel scratch) cannot fit in memory."""
    from accelsim.limits import require_memory

    m, k, n = layer.gemm
    g = layer.groups
    require_memory(2 * 8 * g * k * (n + min(vectors, m)), "functional mode: its weight and input tensors",
                   layer.name, source)


def zero_slice_fractions(hw: HardwareConfig, workload: Workload, rng: np.random.Generator,
                         tensors=None, vectors: int = DEFAULT_VECTORS) -> dict[str, float]:
    """Per compute layer of a crossbar chip, the share of (vector, row block, input slice)
    reads whose input slice is all zero (after activation pruning): what `run_functional`
    reports, from the same input draws, without running the datapath (the inputs alone decide it)."""
    frame = input_slices(hw, workload, rng, tensors, vectors)
    return dict(zip(frame["layer"], frame["zero_slice_fraction"]))


def input_slices(hw: HardwareConfig, workload: Workload, rng: np.random.Generator,
                 tensors=None, vectors: int = DEFAULT_VECTORS) -> pd.DataFrame:
    """Per compute layer: zero_slice_fraction, pruned_slice_fraction and activation_rel_error
    of the sampled inputs (module doc), from the draws `run_functional` makes."""
    source, given, _ = _load_tensors(tensors, workload)
    root = int(rng.integers(1 << 62))
    chip = hw.compute
    rows = []
    for i, layer in enumerate(workload.layers):
        if layer.is_pool or layer.is_vector:  # not bit-modelled: run_functional has no slices for them
            continue
        in_bits, _ = _precision(layer, hw)
        _require_tensors(layer, int(vectors), source if tensors is not None else workload.path)
        layer_rng = np.random.default_rng([root, i, 1])
        given_x = given.get(f"{layer.name}.input")
        if given_x is None and not (chip.activation_prune_ones and chip.zero_slice_skipping):
            zero, total = _synthetic_zero_slices(layer, in_bits, int(vectors), layer_rng,
                                                 chip.tile.ima.crossbar.rows, chip.tile.ima.dac.bits)
            counts = {"zero_slice_fraction": zero / total if total else 0.0, "pruned_slice_fraction": 0.0,
                      "activation_rel_error": 0.0}
        else:
            _, counts = prune_activations(hw, _inputs(layer, given_x, in_bits, int(vectors), layer_rng, source),
                                          in_bits)
        rows.append({"layer": layer.name, **counts})
    return pd.DataFrame(rows, columns=["layer", "zero_slice_fraction", "pruned_slice_fraction",
                                       "activation_rel_error"])


def _synthetic_zero_slices(layer: Layer, bits: int, vectors: int, rng: np.random.Generator, rows: int,
                           dac_bits: int, chunk: int = 1 << 20) -> tuple[int, int]:
    """(all-zero, all) (vector, row block, input slice) reads of `_inputs`' synthetic draw, as
    `prune_activations` counts them without pruning, in bounded memory: the same draws in chunks
    (the normals first, kept as small integers, then the keep draws), and a block's slice is
    zero when the OR of its inputs has none of its bits."""
    m, k, _ = layer.gemm
    n = layer.groups * min(vectors, m) * k
    top = (1 << bits) - 1
    mags = np.empty(n, np.uint8 if bits <= 8 else np.uint16 if bits <= 16 else np.int64)
    step = max(1, chunk // k) * k  # whole vectors
    buf = np.empty(min(step, n))
    for a in range(0, n, step):
        part = buf[:min(step, n - a)]
        rng.standard_normal(out=part)
        part *= 2.0**bits / 8  # normal(0, s) is 0 + s * z
        np.clip(np.ceil(np.abs(part, out=part), out=part), 1, top, out=part)
        mags[a:a + len(part)] = part
    starts = np.arange(0, k, rows)
    level = (1 << dac_bits) - 1
    slices = -(-bits // dac_bits)
    zero = 0
    for a in range(0, n, step):
        part = buf[:min(step, n - a)]
        x = (mags[a:a + len(part)] * (rng.random(out=part) < 0.5)).reshape(-1, k)  # kept, else 0
        ors = np.bitwise_or.reduceat(x, starts, axis=1)
        zero += sum(int(np.count_nonzero(((ors >> (s * dac_bits)) & level) == 0)) for s in range(slices))
    return zero, n // k * len(starts) * slices


def prune_activations(hw: HardwareConfig, x: np.ndarray, in_bits: int) -> tuple[np.ndarray, dict]:
    """(pruned x, counts) for (groups, V, K) inputs on a crossbar chip: slices of a row block with
    at most `activation_prune_ones` nonzero DAC levels are zeroed (module doc); counts give the
    zero (natural + pruned) and pruned shares of (vector, row block, slice) reads and the error."""
    chip = hw.compute
    rows, d = chip.tile.ima.crossbar.rows, chip.tile.ima.dac.bits
    limit = chip.activation_prune_ones if chip.zero_slice_skipping else 0
    signed = bool(x.size and x.min() < 0)
    spec = CrossbarSpec(input_bits=in_bits, weight_bits=2, dac_bits=d, cell_bits=1, rows=rows, cols=2,
                        input_signed=signed)
    n_slices = spec.input_slices
    g, v, k = x.shape
    blocks = -(-k // rows)
    padded = np.zeros((g, v, blocks * rows), dtype=np.int64)
    padded[..., :k] = x
    blocked = padded.reshape(g, v, blocks, rows)
    total = g * v * blocks * n_slices
    if signed:   # two's complement slices: count them as the kernel does; no pruning
        zero = sum(int((slice_inputs(xg, spec).reshape(n_slices, v, blocks, rows).max(axis=3) == 0).sum())
                   for xg in padded)
        return x, {"zero_slice_fraction": zero / total if total else 0.0, "pruned_slice_fraction": 0.0,
                   "activation_rel_error": 0.0}
    zero = pruned = 0
    top = (1 << d) - 1
    for s in range(n_slices):
        level = (blocked >> (s * d)) & top
        carried = np.count_nonzero(level, axis=3)                       # (g, v, blocks)
        zero += int(np.count_nonzero(carried == 0))
        cut = (carried > 0) & (carried <= limit)
        if cut.any():
            pruned += int(np.count_nonzero(cut))
            blocked = np.where(cut[..., None], blocked & ~(top << (s * d)), blocked)
    out = blocked.reshape(g, v, blocks * rows)[..., :k]
    diff = (x - out).astype(np.float64).ravel()
    ref = x.astype(np.float64).ravel()
    norm = float(np.sqrt(ref @ ref))
    return out, {"zero_slice_fraction": (zero + pruned) / total if total else 0.0,
                 "pruned_slice_fraction": pruned / total if total else 0.0,
                 "activation_rel_error": float(np.sqrt(diff @ diff)) / norm if norm else 0.0}


def add_functional(result, hw: HardwareConfig, workload: Workload, rng: np.random.Generator,
                   tensors=None, vectors: int = DEFAULT_VECTORS, frame: pd.DataFrame | None = None) -> None:
    """Merge `run_functional`'s columns (or a `frame` it already gave) into `result.layers` by
    layer name (layers in reference precision: NaN errors) and add the worst-layer figures over
    the modelled layers to `result.summary`."""
    if frame is None:
        frame = run_functional(hw, workload, rng, tensors, vectors)
    frame = frame.set_index("layer")
    modelled = frame[frame["functional_datapath"] != "reference"]
    for col in COLUMNS[1:]:
        result.layers[col] = result.layers["layer"].map(frame[col]).astype(float)
    for col in TEXT_COLUMNS:
        if col in frame:
            result.layers[col] = result.layers["layer"].map(frame[col])
    result.summary.update({
        "functional_vectors": int(vectors),
        "functional_max_abs_error": float(modelled["max_abs_error"].max()) if len(modelled) else 0.0,
        "functional_max_rmse": float(modelled["rmse"].max()) if len(modelled) else 0.0,
        # None (JSON null) when every layer is exact: summary.json stays standard JSON
        "functional_min_snr_db": _finite(modelled["snr_db"].min()) if len(modelled) else None,
    })


def _finite(value) -> float | None:
    return float(value) if np.isfinite(value) else None


def _precision(layer: Layer, hw: HardwareConfig) -> tuple[int, int]:
    if hw.compute.type == "crossbar":
        from accelsim.workload.mapping.crossbar import precision

        return precision(layer, hw)
    return layer.act_bits, layer.weight_bits


# --- tensors ---------------------------------------------------------------------------------

def _load_tensors(tensors, workload: Workload) -> tuple[str, dict[str, np.ndarray], dict[str, tuple]]:
    """(source, {<layer>.weight / <layer>.input: array}, {layer: (linear codes or None, weights)}):
    the last from an `accelsim compress` .npz (compressed weights under the layer's name, codes
    and scale under `<layer>::codes` / `<layer>::scale`; its other `::` entries are not needed)."""
    if tensors is None:
        return "tensors", {}, {}
    if isinstance(tensors, (str, Path)):
        source = str(tensors)
        try:
            with np.load(tensors, allow_pickle=False) as npz:
                given = {k: npz[k] for k in npz.files}
        except FileNotFoundError:
            raise InputError("no such file", source) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"not a readable .npz file ({exc})", source) from None
    else:
        source, given = "tensors", {str(k): np.asarray(v) for k, v in tensors.items()}
    names = {layer.name for layer in workload.layers if layer.has_weights or layer.dynamic}
    stored = {layer.name for layer in workload.layers if layer.has_weights}
    parts: dict[str, dict[str, np.ndarray]] = {}
    for key in list(given):
        name, sep, part = key.partition(NPZ_SEPARATOR)
        if (sep or key in names) and name in stored:
            parts.setdefault(name, {})[part if sep else "weights"] = given.pop(key)
    for key in given:
        name, _, kind = key.rpartition(".")
        if name not in names or kind not in ("weight", "input"):
            raise InputError("expected <layer>.weight or <layer>.input for a compute layer of "
                             f"workload {workload.name!r}", source, key)
    baked = {}
    for name, got in parts.items():
        linear = "codes" in got and "scale" in got
        if not linear and "weights" not in got:
            raise InputError("compressed entries without the layer's weights or codes and scale", source,
                             f"{name}{NPZ_SEPARATOR}...")
        codes = _integers(got["codes"], 32, True, source, f"{name}{NPZ_SEPARATOR}codes") if linear else None
        weights = None if linear else np.asarray(got["weights"], dtype=np.float64)
        if weights is not None and not np.all(np.isfinite(weights)):
            raise InputError("compressed weights must be finite", source, name)
        baked[name] = (codes, weights)
    return source, given, baked


def _integers(arr: np.ndarray, bits: int, signed: bool, source: str, key: str) -> np.ndarray:
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"must hold integers (quantise first), got dtype {arr.dtype}", source, key)
    a = arr.astype(np.int64)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if a.size and (a.min() < lo or a.max() > hi):
        raise InputError(f"values must fit {bits}-bit {'signed' if signed else 'unsigned'} [{lo}, {hi}], "
                         f"got [{a.min()}, {a.max()}]", source, key)
    return a


def _weights(layer: Layer, given, bits: int, rng: np.random.Generator, source: str) -> np.ndarray:
    """(groups, Kred, Nout) signed weights."""
    _, k, n = layer.gemm
    g = layer.groups
    if given is None:
        top = (1 << (bits - 1)) - 1
        w = np.rint(rng.normal(0.0, 2.0 ** (bits - 1) / 4, size=(g, k, n)))
        return np.clip(w, -top, top).astype(np.int64)
    key = f"{layer.name}.weight"
    w = _integers(given, bits, True, source, key)
    conv = (layer.K, layer.C // g, layer.R, layer.S)
    if w.shape == (k, n) and g == 1:
        return w[None]
    if w.shape == (g, k, n):
        return w
    if w.shape == conv:
        return w.reshape(g, n, k).transpose(0, 2, 1)
    single = f"{(k, n)}, " if g == 1 else ""
    raise InputError(f"shape {w.shape}; expected {single}{(g, k, n)} or the conv weight {conv}", source, key)


def _inputs(layer: Layer, given, bits: int, vectors: int, rng: np.random.Generator, source: str) -> np.ndarray:
    """(groups, V, Kred) input vectors, V = min(vectors, output pixels)."""
    m, k, _ = layer.gemm
    g = layer.groups
    if given is None:
        v = min(vectors, m)
        mag = np.ceil(np.abs(rng.normal(0.0, 2.0**bits / 8, size=(g, v, k))))
        keep = rng.random((g, v, k)) < 0.5
        return np.where(keep, np.clip(mag, 1, (1 << bits) - 1), 0).astype(np.int64)
    key = f"{layer.name}.input"
    signed = bool(np.issubdtype(given.dtype, np.integer) and given.size and given.min() < 0)
    x = _integers(given, bits, signed, source, key)
    fmap = (layer.N, layer.C, layer.H, layer.W)
    if x.ndim == 2 and g == 1 and x.shape[1] == k:
        x = x[None]
    if x.ndim == 3 and x.shape[0] == g and x.shape[2] == k:
        pick = np.sort(rng.choice(x.shape[1], size=min(vectors, x.shape[1]), replace=False))
        return x[:, pick]
    if x.shape == fmap:
        pick = np.sort(rng.choice(m, size=min(vectors, m), replace=False))
        return _patches(layer, x, pick)
    single = f"(vectors, {k}), " if g == 1 else ""
    raise InputError(f"shape {x.shape}; expected {single}({g}, vectors, {k}) or the feature map {fmap}",
                     source, key)


def _patches(layer: Layer, fmap: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """im2col at output positions `pick` (indices into N x P x Q): (groups, V, C/g * R * S)."""
    padded = np.pad(fmap, ((0, 0), (0, 0), (layer.pad_top, layer.pad_bottom), (layer.pad_left, layer.pad_right)))
    n, rest = np.divmod(pick, layer.P * layer.Q)
    p, q = np.divmod(rest, layer.Q)
    r, s = np.arange(layer.R), np.arange(layer.S)
    rows = (p * layer.stride_h)[:, None, None, None] + r[None, None, :, None]
    cols = (q * layer.stride_w)[:, None, None, None] + s[None, None, None, :]
    c = np.arange(layer.C)[None, :, None, None]
    patches = padded[n[:, None, None, None], c, rows, cols]          # (V, C, R, S)
    g = layer.groups
    return patches.reshape(len(pick), g, -1).transpose(1, 0, 2).copy()


# --- the datapath ----------------------------------------------------------------------------

def _compare(hw: HardwareConfig, x: np.ndarray, w: np.ndarray, in_bits: int, w_bits: int,
             faults: np.random.Generator | None = None, conversion=None, datapath: str | None = None) -> dict:
    signed_in = bool(x.size and x.min() < 0)
    datapath = datapath or ("crossbar" if hw.compute.type == "crossbar" else "systolic")
    err_sq = ref_sq = 0.0
    max_err = 0.0
    zero = reads = flips = 0
    for xg, wg in zip(x, w):
        if datapath == "matmul_unit":  # digital integer MACs; the unit declares no accumulator width
            y = exact_matmul(xg, wg)
        elif datapath == "crossbar":
            y, stats, n_flip = _crossbar(hw, xg, wg, in_bits, w_bits, signed_in, faults, conversion)
            zero, reads, flips = zero + stats.skippable_reads, reads + stats.reads, flips + n_flip
            if stats.exact and not n_flip:  # every column converted losslessly: y is x @ w, error 0
                ref = y.ravel()
                ref_sq += float(np.dot(ref, ref))
                continue
        else:
            y = _systolic(xg, wg, in_bits, w_bits, signed_in)
        exact = exact_matmul(xg, wg)
        err = np.asarray(y, dtype=np.float64) - exact
        err_sq += float(np.dot(err.ravel(), err.ravel()))
        ref = exact.astype(np.float64).ravel()
        ref_sq += float(np.dot(ref, ref))
        max_err = max(max_err, float(np.abs(err).max()) if err.size else 0.0)
    count = max(x.shape[0] * x.shape[1] * w.shape[2], 1)
    if err_sq == 0.0:
        snr = float("inf")
    else:
        snr = 10.0 * np.log10(ref_sq / err_sq) if ref_sq > 0 else float("-inf")
    return {
        "functional_vectors": x.shape[1],
        "max_abs_error": max_err,
        "rmse": float(np.sqrt(err_sq / count)),
        "snr_db": float(snr),
        "zero_slice_fraction": zero / reads if reads else float("nan"),
        "injected_bit_flips": flips,
    }


def _crossbar(hw, x, w, in_bits, w_bits, signed_in, faults=None, conversion=None):
    """(y, stats, flipped cell bits) for one group; `conversion` as `converter` gives it."""
    ima = hw.compute.tile.ima
    xbar = ima.crossbar
    adc_bits, full_scale, encoding = conversion or (ima.adc.bits + int(ima.adc.flip_encoding), None,
                                                    xbar.weight_encoding)
    kw = dict(input_bits=in_bits, weight_bits=w_bits, dac_bits=ima.dac.bits, cell_bits=xbar.cell_bits,
              rows=xbar.rows, cols=xbar.cols, adc_bits=adc_bits, full_scale=full_scale,
              input_signed=signed_in, weight_signed=True, weight_encoding=encoding)
    if faults is None or not xbar.reliability_faults:  # the fault-free path, unchanged
        return (*crossbar_mvm(x, w, return_stats=True, **kw), 0)
    spec = CrossbarSpec(**kw)
    levels = slice_weights(w, spec)  # (sides, S_w, K, N) cell levels: the stored bits
    p = cell_flip_prob(xbar, reads=x.shape[0] * spec.input_slices)
    hit = inject_bit_flips(levels, bits=xbar.cell_bits, rate=p, rng=faults)
    y, stats = crossbar_mvm_levels(x, hit.astype(np.float64), spec, return_stats=True)
    return y, stats, int(np.bitwise_count(levels ^ hit).sum())


def cell_flip_prob(xbar, reads: int) -> float:
    """Probability a stored MRAM cell bit has flipped after `retention_s` and `reads` reads:
    1 - (1 - p_ret)(1 - p_rd)^reads (module doc)."""
    p_ret = float(mtj.retention_failure_prob(xbar.retention_s, xbar.delta))
    p_rd = 0.0
    if xbar.read_current_ua > 0:
        p_rd = float(mtj.read_disturb_prob(xbar.read_current_ua, xbar.read_pulse, delta=xbar.delta,
                                           ic0_ua=xbar.ic0_ua))
    with np.errstate(divide="ignore"):  # p_ret or p_rd == 1: log1p(-1) = -inf, p = 1
        keep = np.log1p(-p_ret) + reads * np.log1p(-p_rd)
    return float(min(1.0, -np.expm1(keep)))


def _systolic(x, w, in_bits, w_bits, signed_in) -> np.ndarray:
    # PEs multiply signed operands: an unsigned b-bit activation is a signed (b+1)-bit one.
    if signed_in or in_bits < 16:
        xb = in_bits if signed_in else in_bits + 1
        return int_matmul(x, w, x_bits=xb, w_bits=w_bits, acc_bits=SYSTOLIC_ACC_BITS)
    # 16-bit unsigned activations exceed the kernel's 16-bit operands: split the bytes; the
    # wrapping accumulator is modular, so wrap(hi * 2^8 + lo) is the same register value.
    hi = int_matmul(x >> 8, w, x_bits=9, w_bits=w_bits, acc_bits=SYSTOLIC_ACC_BITS)
    lo = int_matmul(x & 0xFF, w, x_bits=9, w_bits=w_bits, acc_bits=SYSTOLIC_ACC_BITS)
    half = 1 << (SYSTOLIC_ACC_BITS - 1)
    return ((hi * 256 + lo + half) % (1 << SYSTOLIC_ACC_BITS)) - half
