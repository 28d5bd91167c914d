"""SCALE-Sim topology CSVs, read the way SCALE-Sim reads them: by column position.

SCALE-Sim skips the header line and takes conv vs GEMM from its `-i` flag. accelsim takes
the form from the header where it is clear (`IFMAP Height...` or `..., M, N, K`, any case,
with SCALE-Sim's own `IFMAP Width, IFMAP Width` typo) and from `form=` (the CLI's
`--conv`/`--gemm`) where it is not; `form=` always wins, as `-i` does.

Columns by position:
- conv: name, IFMAP height, IFMAP width, filter height, filter width, channels, filters,
  stride (both directions), then an optional `N:M` weight sparsity;
- GEMM: name, M, N, K, then an optional `N:M` sparsity. SCALE-Sim runs it as an M x K
  ifmap, a 1 x K filter, N filters: output M x N, reduction K.

SCALE-Sim computes ofmap = ceil((H - F + S) / S) with no padding. accelsim's floor form
agrees when (H - F) is a multiple of S; otherwise one extra row/column of bottom/right
padding of S - 1 reproduces SCALE-Sim's ceil exactly.
A layer whose name contains `DP` is SCALE-Sim's depthwise convolution: one filter per channel.
Columns past the sparsity one (SCALE-Sim's `Batch Size`, notes) have no effect in SCALE-Sim
either; a notice names them.
"""

from __future__ import annotations

import dataclasses
import re

from accelsim.errors import WorkloadError, notice
from accelsim.workload.layers import Layer, Workload

CONV_NAMES = ("ifmap height", "ifmap width", "filter height", "filter width", "channels", "num filter", "strides")
GEMM_NAMES = ("m", "n", "k")
FORMS = ("conv", "gemm")
_DIGITS = re.compile(r"[0-9]{1,30}")  # longer: out of any range, and int() refuses >4300 digits
_RATIO = re.compile(r"([0-9]{1,30}):([0-9]{1,30})")
# Sizes past this are no layer SCALE-Sim or accelsim could run; refusing them here keeps
# the mapping's integer arithmetic bounded (issue 16).
MAX_SIZE = 2**31 - 1


def _clean(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


def detect_form(header: list[str]) -> str | None:
    """'conv' or 'gemm' when the header says so clearly, else None."""
    names = [_clean(h).lower() for h in header]
    if len(names) >= 4 and tuple(names[1:4]) == GEMM_NAMES:
        return "gemm"
    if len(names) >= 8 and names[1].startswith("ifmap") and names[2].startswith("ifmap") \
            and names[3].startswith("filter") and names[7].startswith("stride"):
        return "conv"
    return None


def parse_scalesim_csv(text: str, source: str, name: str, weight_bits: int = 8, act_bits: int = 8,
                       form: str | None = None) -> Workload:
    text = text.lstrip("\ufeff")
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise WorkloadError("empty topology file", source)
    header_no, header_line = lines[0]
    if "," not in header_line and "\t" in header_line:
        raise WorkloadError("tab-separated; SCALE-Sim topologies are comma-separated", source, f"line {header_no}")
    header = header_line.split(",")
    found = detect_form(header)
    if form is not None and form not in FORMS:
        raise WorkloadError(f"unknown topology form {form!r}; expected conv or gemm", source)
    form = form or found
    if form is None:
        raise WorkloadError(
            "unrecognised header: expected SCALE-Sim's conv form (Layer name, IFMAP Height, ...) "
            "or GEMM form (Layer, M, N, K); pass --conv or --gemm to say which (SCALE-Sim's -i)",
            source, f"line {header_no}")
    width = 8 if form == "conv" else 4
    names = [_clean(h) for h in header]
    labels = names[:width] + [""] * (width - len(names[:width]))
    labels = [label or f"column {i + 1}" for i, label in enumerate(labels)]
    sparse_label = names[width].lower() if len(names) > width else ""
    ignored = [h for i, h in enumerate(names[width:], start=width)
               if h and not (i == width and sparse_label.startswith("sparsity"))]
    if ignored:
        notice(f"{source}: column(s) {', '.join(repr(h[:40]) for h in ignored[:5])} have no effect "
               "(SCALE-Sim reads only the layer columns and an N:M sparsity column)")
    layers, sparsity = [], {}
    for lineno, line in lines[1:]:
        row = [_clean(c) for c in line.split(",")]
        while row and row[-1] == "":
            row.pop()  # SCALE-Sim's trailing comma
        if not row or not any(row):
            continue  # blank spacer rows (",,,,") in SCALE-Sim's own files
        where = f"line {lineno}"
        if len(row) < width:
            raise WorkloadError(f"expected {width} fields, got {len(row)}", source, where)
        values = [_size(cell, label, source, where) for cell, label in zip(row[1:width], labels[1:width])]
        layer_name = row[0]
        if not layer_name:
            raise WorkloadError("empty layer name", source, where)
        ratio = row[width] if len(row) > width else ""
        nm = None
        if _RATIO.fullmatch(ratio) or (ratio and sparse_label.startswith("sparsity")):
            nm = _ratio(ratio, source, where)
            if nm[0] != nm[1]:
                sparsity[layer_name] = nm
        build = _conv_layer if form == "conv" else _gemm_layer
        layer = build(layer_name, values, weight_bits, act_bits)
        if nm is not None:
            layer = dataclasses.replace(layer, nm_sparsity=nm)
        layers.append(layer.check(source, f"{where} ({layer_name})"))
    if not layers:
        raise WorkloadError("no layers", source)
    meta = {"scalesim_form": form}
    if sparsity:
        meta["nm_sparsity"] = sparsity
    return Workload(name=name, layers=tuple(layers), source=f"SCALE-Sim topology {source}", path=source, meta=meta)


def _size(cell: str, column: str, source: str, where: str) -> int:
    """A positive size in plain ASCII digits (no signs, decimals, exponents or other scripts)."""
    if not _DIGITS.fullmatch(cell):
        raise WorkloadError(f"{column}: expected a whole number in digits 0-9, got {cell[:40]!r}", source, where)
    value = int(cell)
    if value > MAX_SIZE:
        raise WorkloadError(f"{column}: {cell[:40]} is larger than any layer size accelsim accepts "
                            f"({MAX_SIZE})", source, where)
    return value


def _ratio(cell: str, source: str, where: str) -> tuple[int, int]:
    match = _RATIO.fullmatch(cell)
    if not match:
        raise WorkloadError(f"Sparsity: expected N:M (e.g. 2:4), got {cell[:40]!r}", source, where)
    n, m = int(match.group(1)), int(match.group(2))
    if not 0 < n <= m or m > 1024:
        raise WorkloadError(f"Sparsity: {cell} needs 0 < N <= M <= 1024", source, where)
    return n, m


def _gemm_layer(name, values, weight_bits, act_bits) -> Layer:
    m, n, k = values
    return Layer(name=name, kind="gemm", C=k, H=m, W=1, K=n, weight_bits=weight_bits, act_bits=act_bits)


def _conv_layer(name, values, weight_bits, act_bits) -> Layer:
    h, w, fh, fw, channels, filters, stride = values
    extra_h = stride - 1 if stride > 0 and (h - fh) % stride else 0
    extra_w = stride - 1 if stride > 0 and (w - fw) % stride else 0
    geometry = dict(H=h, W=w, R=fh, S=fw, stride_h=stride, stride_w=stride,
                    pad_bottom=extra_h, pad_right=extra_w, weight_bits=weight_bits, act_bits=act_bits)
    if "DP" in name:
        return Layer(name=name, kind="depthwise", C=channels, K=channels * filters, groups=channels, **geometry)
    return Layer(name=name, kind="conv", C=channels, K=filters, **geometry)
