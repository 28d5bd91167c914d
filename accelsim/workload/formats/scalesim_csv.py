"""SCALE-Sim topology CSVs: the conv form and the `Layer, M, N, K` GEMM form.

SCALE-Sim computes ofmap = ceil((H - F + S) / S) with no padding. accelsim's floor form
agrees when (H - F) is a multiple of S; otherwise one extra row/column of bottom/right
padding of S - 1 reproduces SCALE-Sim's ceil exactly.
A layer whose name contains `DP` is SCALE-Sim's depthwise convolution: one filter per channel.
"""

from __future__ import annotations

import csv
import io

from accelsim.errors import WorkloadError
from accelsim.workload.layers import Layer, Workload

CONV_FIELDS = ["layer name", "ifmap height", "ifmap width", "filter height", "filter width",
               "channels", "num filter", "strides"]
GEMM_FIELDS = ["layer", "m", "n", "k"]


def parse_scalesim_csv(text: str, source: str, name: str, weight_bits: int = 8, act_bits: int = 8) -> Workload:
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise WorkloadError("empty topology file", source)
    header = [h.lower() for h in rows[0] if h]
    if header[:4] == GEMM_FIELDS:
        build, width = _gemm_layer, 4
    elif header[:8] == CONV_FIELDS:
        build, width = _conv_layer, 8
    else:
        raise WorkloadError(
            "unrecognised header: expected SCALE-Sim's conv form (Layer name, IFMAP Height, ...) "
            "or GEMM form (Layer, M, N, K)", source, "line 1")
    layers = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row[0]:
            continue  # SCALE-Sim's own files carry blank spacer rows
        if len([c for c in row[:width] if c != ""]) < width:
            raise WorkloadError(f"expected {width} fields, got {row[:width]}", source, f"line {lineno}")
        values = []
        for column, cell in zip(header[1:width], row[1:width]):
            try:
                values.append(int(cell))
            except ValueError:
                raise WorkloadError(f"{column}: expected an integer, got {cell!r}", source, f"line {lineno}") from None
        layer = build(row[0], values, weight_bits, act_bits)
        layers.append(layer.check(source, f"line {lineno} ({row[0]})"))
    if not layers:
        raise WorkloadError("no layers", source)
    return Workload(name=name, layers=tuple(layers), source=f"SCALE-Sim topology {source}", path=source)


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
