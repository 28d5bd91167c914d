"""ONNX models (optional extra `onnx`): layers from Conv, Gemm, MatMul and pooling nodes, with
the weight initialisers returned for `accelsim compress`.

- Conv (2-D, any groups; group == C is depthwise): strides, pads and auto_pad are read;
  dilations other than 1 are rejected. Weights (K, C/g, R, S) become (g, R*S*C/g, K/g),
  reduction order (c, r, s).
- Gemm (transA = 0; transB either way; alpha folded into the weights) and MatMul whose second
  operand is an initialiser become `linear` layers; leading dimensions of the activation
  operand become the batch N. MatMul of two activations is rejected.
- MaxPool / AveragePool (ceil_mode 0, dilations 1), GlobalAveragePool / GlobalMaxPool.
- Elementwise, normalisation and shape operators (SKIPPED) have no MACs and are skipped, as in
  the native format. Anything else is rejected, naming the node.
Shapes come from `onnx.shape_inference`; every layer needs a fully known input shape (an unknown
batch dimension counts as 1). Biases are ignored (no MACs). Bit widths are the native defaults
(8-bit weights and activations).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from accelsim.errors import InputError, WorkloadError
from accelsim.workload.layers import Layer, Workload

SKIPPED = frozenset({
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "Elu", "Selu", "Gelu",
    "Erf", "Softmax", "LogSoftmax", "Add", "Sub", "Mul", "Div", "Sqrt", "Pow", "Neg", "Abs", "Exp",
    "BatchNormalization", "LayerNormalization", "InstanceNormalization", "LRN", "Dropout", "Identity",
    "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Gather", "Shape",
    "Constant", "ConstantOfShape", "Cast", "ReduceMean", "Pad", "Where", "Equal", "Expand",
})
SUPPORTED = ("Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool")


def _onnx(source: str):
    try:
        import onnx
        from onnx import numpy_helper, shape_inference  # noqa: F401
    except ImportError:
        raise InputError("needs the optional extra: pip install 'accelsim[onnx]'", source) from None
    return onnx


def load_onnx(path: str | Path) -> Workload:
    return read_onnx(path)[0]


def read_onnx(path: str | Path) -> tuple[Workload, dict[str, np.ndarray]]:
    """The model's layers, and layer name -> weights shaped (groups, Kred, Nout), float64."""
    path = Path(path)
    source = str(path)
    onnx = _onnx(source)
    if not path.is_file():
        raise WorkloadError("file not found", source)
    try:
        model = onnx.shape_inference.infer_shapes(onnx.load(source))
    except Exception as exc:  # protobuf decode errors and inference failures have no common base
        raise WorkloadError(f"not a readable ONNX model: {exc}", source) from None
    graph = model.graph
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    layers: list[Layer] = []
    weights: dict[str, np.ndarray] = {}
    names: set[str] = set()
    for index, node in enumerate(graph.node):
        if node.op_type in SKIPPED:
            continue
        name = node.name or f"{node.op_type.lower()}_{index}"
        while name in names:
            name += "_"
        names.add(name)
        reader = _Node(node, name, source, shapes, inits, onnx)
        if node.op_type not in SUPPORTED:
            reader.fail(f"unsupported operator {node.op_type}; supported: {', '.join(SUPPORTED)} "
                        f"(elementwise and shape operators are skipped)")
        layer, w = getattr(reader, node.op_type.lower())()
        layers.append(layer.check(source, f"node {name!r}"))
        if w is not None:
            weights[name] = w
    if not layers:
        raise WorkloadError("no Conv, Gemm, MatMul or pooling nodes", source)
    producer = f" (from {model.producer_name} {model.producer_version})".replace(" )", ")") \
        if model.producer_name else ""
    wl = Workload(name=path.stem, layers=tuple(layers), source=f"ONNX model {path.name}{producer}", path=source)
    return wl, weights


class _Node:
    """Reads one node into a Layer (+ weights). Methods are named after the lowercase op type."""

    def __init__(self, node, name: str, source: str, shapes: dict, inits: dict, onnx):
        self.node, self.name, self.source, self.shapes, self.inits = node, name, source, shapes, inits
        self.attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def fail(self, reason: str):
        raise WorkloadError(reason, self.source, f"node {self.name!r} ({self.node.op_type})")

    def shape(self, tensor: str, rank: int | None = None) -> tuple[int, ...]:
        dims = self.shapes.get(tensor)
        if dims is None or any(d is None or d <= 0 for d in dims[1:]) or (rank and len(dims) != rank):
            self.fail(f"needs a known {f'{rank}-D ' if rank else ''}shape for {tensor!r} "
                      f"(shape inference gave {dims})")
        return tuple(d or 1 for d in dims)   # an unknown batch dimension counts as 1

    def weight(self, i: int) -> np.ndarray:
        if len(self.node.input) <= i or self.node.input[i] not in self.inits:
            self.fail("only weights stored as initialisers are supported (not a computed tensor)")
        return np.asarray(self.inits[self.node.input[i]], dtype=np.float64)

    def window(self, kernel: tuple[int, int], hw: tuple[int, int]) -> dict:
        """strides and pads (auto_pad resolved); dilations must be 1."""
        dilations = list(self.attrs.get("dilations", [1, 1]))
        if any(d != 1 for d in dilations):
            self.fail(f"dilations {dilations} are not supported (only 1)")
        if self.attrs.get("ceil_mode", 0):
            self.fail("ceil_mode = 1 is not supported")
        strides = list(self.attrs.get("strides", [1, 1]))
        pads = list(self.attrs.get("pads", [0, 0, 0, 0]))
        auto = self.attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = [0, 0, 0, 0]
            for i in range(2):
                total = max((math.ceil(hw[i] / strides[i]) - 1) * strides[i] + kernel[i] - hw[i], 0)
                small, large = total // 2, total - total // 2
                pads[i], pads[i + 2] = (small, large) if auto == "SAME_UPPER" else (large, small)
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        if len(strides) != 2 or len(pads) != 4:
            self.fail("only 2-D windows are supported")
        return dict(stride_h=strides[0], stride_w=strides[1], pad_top=pads[0], pad_left=pads[1],
                    pad_bottom=pads[2], pad_right=pads[3])

    def conv(self):
        n, c, h, w = self.shape(self.node.input[0], 4)
        kernel = self.weight(1)
        if kernel.ndim != 4:
            self.fail(f"only 2-D convolutions are supported (weights of shape {kernel.shape})")
        k, cg, r, s = kernel.shape
        groups = int(self.attrs.get("group", 1))
        if cg * groups != c:
            self.fail(f"weights {kernel.shape} with group={groups} do not fit {c} input channels")
        kind = "depthwise" if groups == c and groups > 1 else "conv"
        layer = Layer(name=self.name, kind=kind, N=n, C=c, H=h, W=w, K=k, R=r, S=s, groups=groups,
                      **self.window((r, s), (h, w)))
        gemm = kernel.reshape(groups, k // groups, cg * r * s).transpose(0, 2, 1)
        return layer, np.ascontiguousarray(gemm)

    def gemm(self):
        if self.attrs.get("transA", 0):
            self.fail("transA = 1 is not supported")
        m, kin = self.shape(self.node.input[0], 2)
        b = self.weight(1)
        b = b.T if self.attrs.get("transB", 0) else b
        return self._linear(m, kin, b * float(self.attrs.get("alpha", 1.0)))

    def matmul(self):
        if self.node.input[0] in self.inits:
            self.fail("only activation x weight products are supported (the initialiser must come second)")
        if self.node.input[1] not in self.inits:
            self.fail("MatMul of two activations is not supported; only weights from initialisers")
        dims = self.shape(self.node.input[0])
        if len(dims) < 2:
            self.fail(f"needs an activation of rank >= 2, got shape {dims}")
        return self._linear(int(np.prod(dims[:-1])), dims[-1], self.weight(1))

    def _linear(self, m: int, kin: int, b: np.ndarray):
        if b.ndim != 2 or b.shape[0] != kin:
            self.fail(f"weights of shape {b.shape} do not fit {kin} input features")
        layer = Layer(name=self.name, kind="linear", N=m, C=kin, H=1, W=1, K=b.shape[1])
        return layer, np.ascontiguousarray(b[None])

    def _pool(self, kind: str, kernel: tuple[int, int] | None):
        n, c, h, w = self.shape(self.node.input[0], 4)
        if kernel is None:
            return Layer(name=self.name, kind=kind, N=n, C=c, H=h, W=w, K=c, R=h, S=w), None
        kernel = tuple(self.attrs.get("kernel_shape", ()))
        if len(kernel) != 2:
            self.fail(f"only 2-D pooling is supported (kernel_shape {list(kernel)})")
        return Layer(name=self.name, kind=kind, N=n, C=c, H=h, W=w, K=c, R=kernel[0], S=kernel[1],
                     **self.window(kernel, (h, w))), None

    def maxpool(self):
        return self._pool("maxpool", ())

    def averagepool(self):
        return self._pool("avgpool", ())

    def globalaveragepool(self):
        return self._pool("avgpool", None)

    def globalmaxpool(self):
        return self._pool("maxpool", None)
