"""ONNX models (optional extra `onnx`): layers from the MAC-carrying nodes, vector layers from the
nonlinearities, and the weight initialisers returned for `accelsim compress`.

- Conv (2-D, any groups; group == C is depthwise): strides, pads and auto_pad are read;
  dilations other than 1 are rejected. Weights (K, C/g, R, S) become (g, R*S*C/g, K/g),
  reduction order (c, r, s).
- Gemm (transA = 0; transB either way; alpha folded into the weights) and MatMul whose second
  operand is an initialiser become `linear` layers; leading dimensions of the activation
  operand become the batch N.
- MatMul of two activations (attention's Q.K^T and scores.V) and two-operand Einsum become
  `matmul` layers: broadcast batch dimensions are the groups.
- MaxPool / AveragePool (dilations 1, ceil_mode 0 or 1), GlobalAveragePool / GlobalMaxPool, and
  ReduceMean over H x W of a 4-D tensor, which is global average pooling.
- Vector layers (docs/transformers.md), counted by the function computed, not by node, so that
  both PyTorch exporters give the same list:
  - one per function, at its anchor node: Softmax, LayerNormalization (or a layernorm written
    out: ReduceMean, x - mean, ...), RMS norms (ReduceMean over the last axis of a Pow: rmsnorm;
    of anything else: mean), GELU (Gelu, Erf, or the tanh form's Tanh), SiLU (Sigmoid, Silu),
    RoPE (rotate_half's Neg, on half the elements); each sized by its tensor;
  - one per binary elementwise node that combines two different data streams (residual adds, a
    gated MLP's multiply, a squeeze-excitation scale; onnx_elementwise.py says how).
- Every other operator without MACs (MAC_FREE: elementwise arithmetic inside a function or with
  a constant operand, casts, comparisons and logic, shape and indexing operators) is skipped: the
  exporters disagree on how many of them a model has (bias adds, scale multiplies and masks are
  emitted differently). An operator with MACs that is not supported is named in one error line.
Shapes come from `onnx.shape_inference`; every layer needs a fully known input shape. Dynamic axes
of the inputs take their sizes from `dims` (by axis name; an unnamed or unset leading axis, the
batch, counts as 1). External-data models load from beside the .onnx file. Biases are
ignored (no MACs). Bit widths are the native defaults (8-bit weights and activations).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from accelsim.errors import InputError, WorkloadError
from accelsim.workload.formats.onnx_elementwise import combining_nodes
from accelsim.workload.formats.onnx_kvcache import kv_cache_traffic
from accelsim.workload.formats.onnx_shapes import static_shapes
from accelsim.workload.layers import Layer, Workload

MAC_FREE = frozenset({
    # elementwise arithmetic and activations
    "Relu", "LeakyRelu", "PRelu", "Tanh", "Clip", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu",
    "Softplus", "Softsign", "Mish", "ThresholdedRelu", "Add", "Sub", "Mul", "Div", "Sqrt", "Pow", "Neg",
    "Abs", "Exp", "Log", "Reciprocal", "Mod", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan",
    "Min", "Max", "Mean", "Sum", "BitShift", "IsNaN", "IsInf", "Erf",
    # normalisation and softmax variants without anchors
    "BatchNormalization", "InstanceNormalization", "GroupNormalization", "LRN", "LogSoftmax", "Hardmax",
    "Dropout", "Identity",
    # comparisons and logic
    "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Not", "Xor", "Where",
    # casts, shapes, indexing, generators
    "Cast", "CastLike", "Shape", "Size", "Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose",
    "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "Scatter", "ScatterElements",
    "ScatterND", "Expand", "Tile", "Pad", "Range", "Trilu", "CumSum", "NonZero", "OneHot", "TopK",
    "ArgMax", "ArgMin", "Constant", "ConstantOfShape", "EyeLike", "DepthToSpace", "SpaceToDepth",
    "Resize", "Upsample", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
    "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ReduceMean",
})
LAYERS = ("Conv", "Gemm", "MatMul", "Einsum", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool")
VECTORS = {"Softmax": "softmax", "LayerNormalization": "layernorm", "SimplifiedLayerNormalization": "rmsnorm",
           "RMSNormalization": "rmsnorm", "Gelu": "gelu", "Erf": "gelu", "Tanh": "gelu", "Sigmoid": "silu",
           "Silu": "silu", "Neg": "rope", "ReduceMean": "rmsnorm"}


def _onnx(source: str):
    try:
        import onnx
        from onnx import numpy_helper, shape_inference  # noqa: F401
    except ImportError:
        raise InputError("needs the optional extra: pip install 'accelsim[onnx]'", source) from None
    return onnx


def load_onnx(path: str | Path, dims: dict[str, int] | None = None) -> Workload:
    return read_onnx(path, dims)[0]


def read_onnx(path: str | Path, dims: dict[str, int] | None = None) -> tuple[Workload, dict[str, np.ndarray]]:
    """The model's layers, and layer name -> weights shaped (groups, Kred, Nout), float64.
    `dims` gives the sizes of named dynamic axes (dynamic_axes / dynamic_shapes exports)."""
    path = Path(path)
    source = str(path)
    onnx = _onnx(source)
    if not path.is_file():
        raise WorkloadError("file not found", source)
    try:
        model = onnx.load(source)  # external data (weights beside the file) load with it
    except Exception as exc:  # protobuf decode errors have no common base
        raise WorkloadError(f"not a readable ONNX model: {exc}", source) from None
    bind_dynamic_axes(model, dims or {}, source)
    try:
        model, shapes = static_shapes(model, onnx)
    except Exception as exc:  # protobuf decode errors and inference failures have no common base
        raise WorkloadError(f"not a readable ONNX model: {exc}", source) from None
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    consts = {out: node for node in graph.node if node.op_type == "Constant" for out in node.output}
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for tensor in node.input:
            consumers.setdefault(tensor, []).append(node)
    found: dict[int, tuple[Layer, np.ndarray | None]] = {}
    graph_maps = (shapes, inits, consts, (producers, consumers), onnx)
    readers = {}
    for index, node in enumerate(graph.node):
        op = node.op_type
        reader = readers[index] = _Node(node, node.name or f"{op.lower()}_{index}", source, *graph_maps)
        if op not in LAYERS and op not in VECTORS:
            if op not in MAC_FREE:
                reader.fail(f"unsupported operator {op}; supported: {', '.join(LAYERS)} (operators without "
                            f"MACs are skipped or become vector layers)")
            continue
        layer, w = reader.vector() if op in VECTORS else getattr(reader, op.lower())()
        if layer is not None:
            found[index] = layer, w
    boundary = {out for i, (layer, _) in found.items() if not layer.is_vector for out in graph.node[i].output}
    constant = lambda tensor: small_integers(tensor, inits, consts, onnx)  # noqa: E731
    for index, op in combining_nodes(graph, inits, boundary, shapes, constant).items():
        found[index] = readers[index].combining(op), None
    matrices = {i for i, (layer, _) in found.items() if not layer.is_vector and not layer.is_pool}
    cache = kv_cache_traffic(graph, shapes, matrices)  # a decode export's KV-cache reads and appends
    layers: list[Layer] = []
    weights: dict[str, np.ndarray] = {}
    names: set[str] = set()
    for index in sorted(found):
        layer, w = found[index]
        name = readers[index].name
        while name in names:
            name += "_"
        names.add(name)
        kv = cache.get(index, {})
        layer = dataclasses.replace(layer, name=name, kv_read=min(kv.get("kv_read", 0), layer.weight_count),
                                    kv_write=min(kv.get("kv_write", 0), layer.ofmap_count))
        layers.append(layer.check(source, f"node {name!r}"))
        if w is not None:
            weights[name] = w
    if not any(layer.macs or layer.is_pool for layer in layers):
        raise WorkloadError("no Conv, Gemm, MatMul, Einsum or pooling nodes", source)
    producer = f" (from {model.producer_name} {model.producer_version})".replace(" )", ")") \
        if model.producer_name else ""
    wl = Workload(name=path.stem, layers=tuple(layers), source=f"ONNX model {path.name}{producer}", path=source)
    return wl, weights


def small_integers(name: str, inits: dict, consts: dict, onnx) -> list[int] | None:
    """The integers of a small tensor given as an initialiser or a Constant node, else None."""
    if name in inits:
        array = onnx.numpy_helper.to_array(inits[name])
    elif name in consts:
        array = onnx.numpy_helper.to_array(onnx.helper.get_attribute_value(consts[name].attribute[0]))
    else:
        return None
    if array.size > 64 or not np.issubdtype(array.dtype, np.integer):
        return None
    return [int(v) for v in array.ravel()]


def _dynamic_dims(model):
    """(tensor, axis, dim, name) of each dynamic axis of the graph inputs (not initializers)."""
    inits = {t.name for t in model.graph.initializer}
    for tensor in model.graph.input:
        if tensor.name in inits or not tensor.type.tensor_type.HasField("shape"):
            continue
        for axis, dim in enumerate(tensor.type.tensor_type.shape.dim):
            if not (dim.HasField("dim_value") and dim.dim_value > 0):
                yield tensor, axis, dim, dim.dim_param or f"{tensor.name}_{axis}"


def dynamic_axes(path: str | Path) -> list[str]:
    """The names of a model's dynamic input axes (what `dims` may set), read without its weights."""
    source = str(path)
    onnx = _onnx(source)
    try:
        model = onnx.load(source, load_external_data=False)
    except Exception as exc:  # protobuf decode errors have no common base
        raise WorkloadError(f"not a readable ONNX model: {exc}", source) from None
    return list(dict.fromkeys(name for *_, name in _dynamic_dims(model)))


def bind_dynamic_axes(model, dims: dict[str, int], source: str) -> None:
    """Give each dynamic axis of the graph inputs its size: from `dims` by the axis' name, or 1
    for an unnamed leading (batch) axis; any other dynamic axis must be given."""
    dynamic = {}
    for tensor, axis, dim, name in list(_dynamic_dims(model)):
        dynamic[name] = None
        if name in dims:
            dim.dim_value = dims[name]
        elif axis == 0:
            dim.dim_value = 1  # batch: one item, as for any unknown batch dimension
        else:
            raise WorkloadError(f"input {tensor.name!r} axis {axis} is dynamic ({name!r}): give its size, e.g. "
                                f"--set workload.dims.{name}=128", source, f"dims.{name}")
    for name in dims:
        if name not in dynamic:
            raise WorkloadError(f"no input has a dynamic axis {name!r}; dynamic axes: "
                                f"{', '.join(dynamic) or 'none'}", source, f"dims.{name}")


class _Node:
    """Reads one node into a Layer (+ weights). Methods are named after the lowercase op type."""

    def __init__(self, node, name: str, source: str, shapes: dict, inits: dict, consts: dict, producers: tuple,
                 onnx):
        self.node, self.name, self.source, self.shapes, self.inits = node, name, source, shapes, inits
        self.consts, (self.producers, self.consumer_map), self.onnx = consts, producers, onnx
        self.attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    def fail(self, reason: str):
        raise WorkloadError(reason, self.source, f"node {self.name!r} ({self.node.op_type})")

    def shape(self, tensor: str, rank: int | None = None) -> tuple[int, ...]:
        dims = self.shapes.get(tensor)
        if dims is None or any(d is None or d <= 0 for d in dims[1:]) or (rank and len(dims) != rank):
            self.fail(f"needs a known {f'{rank}-D ' if rank else ''}shape for {tensor!r} "
                      f"(shape inference gave {dims})")
        return tuple(d or 1 for d in dims)   # an unknown batch dimension counts as 1

    def is_weight(self, i: int) -> bool:
        return len(self.node.input) > i and self.node.input[i] in self.inits

    def weight(self, i: int) -> np.ndarray:
        if not self.is_weight(i):
            self.fail("only weights stored as initialisers are supported (not a computed tensor)")
        array = self.onnx.numpy_helper.to_array(self.inits[self.node.input[i]])
        return np.asarray(array, dtype=np.float64)

    def constant(self, i: int):
        """A small integer input (axes) given as an initialiser or a Constant node, else None."""
        if len(self.node.input) <= i or not self.node.input[i]:
            return None
        return small_integers(self.node.input[i], self.inits, self.consts, self.onnx)

    def window(self, kernel: tuple[int, int], hw: tuple[int, int]) -> dict:
        """strides and pads (auto_pad resolved; ceil_mode as extra bottom/right padding, so the
        floor formula of `Layer` gives ONNX's ceil output size); dilations must be 1."""
        dilations = list(self.attrs.get("dilations", [1, 1]))
        if any(d != 1 for d in dilations):
            self.fail(f"dilations {dilations} are not supported (only 1)")
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
        if self.attrs.get("ceil_mode", 0):
            for i in range(2):
                span = hw[i] + pads[i] + pads[i + 2] - kernel[i]
                out = -(-span // strides[i]) + 1
                if (out - 1) * strides[i] >= hw[i] + pads[i]:  # the last window must start inside
                    out -= 1
                pads[i + 2] = max(pads[i + 2], (out - 1) * strides[i] + kernel[i] - hw[i] - pads[i])
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
        if self.is_weight(0):
            self.fail("only activation x weight products are supported (the initialiser must come second)")
        a = self.shape(self.node.input[0])
        if len(a) < 2:
            self.fail(f"needs an activation of rank >= 2, got shape {a}")
        if self.is_weight(1):
            return self._linear(int(np.prod(a[:-1])), a[-1], self.weight(1))
        b = self.shape(self.node.input[1])
        if len(b) < 2 or b[-2] != a[-1]:
            self.fail(f"operands of shapes {a} and {b} do not multiply")
        if len(b) == 2:  # one right operand shared by every row: all rows are one product
            return self._matmul(int(np.prod(a[:-1])), a[-1], b[-1], 1), None
        batch = np.broadcast_shapes(a[:-2], b[:-2])
        return self._matmul(a[-2], a[-1], b[-1], int(np.prod(batch))), None

    def einsum(self):
        equation = self.attrs.get("equation", b"")
        equation = (equation.decode() if isinstance(equation, bytes) else equation).replace(" ", "")
        if "->" not in equation or "." in equation or len(self.node.input) != 2:
            self.fail(f"only explicit two-operand einsum equations are supported, got {equation!r}")
        if self.is_weight(0) or self.is_weight(1):
            self.fail("Einsum with a weight initialiser is not supported (use MatMul)")
        ins, out = equation.split("->")
        left, right = ins.split(",")
        sizes = {}
        for letters, tensor in ((left, self.node.input[0]), (right, self.node.input[1])):
            dims = self.shape(tensor, len(letters))
            for letter, d in zip(letters, dims):
                sizes[letter] = max(sizes.get(letter, 1), d)
        a, b, o = set(left), set(right), set(out)
        if (a - b - o) or (b - a - o):
            self.fail(f"{equation!r} sums an index of one operand alone; not supported")
        size = lambda letters: int(np.prod([sizes[x] for x in letters])) if letters else 1  # noqa: E731
        groups, m, n, k = size(a & b & o), size((a & o) - b), size((b & o) - a), size((a & b) - o)
        return self._matmul(m, k, n, groups), None

    def _matmul(self, m: int, k: int, n: int, groups: int) -> Layer:
        return Layer(name=self.name, kind="matmul", N=1, C=k * groups, H=m, W=1, K=n * groups, groups=groups)

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

    def vector(self):
        """A vector layer from an anchor node (module doc); ReduceMean over H x W is a pool."""
        op, node = VECTORS[self.node.op_type], self.node
        dims = self.shape(node.output[0])
        if node.op_type == "ReduceMean":
            dims = self.shape(node.input[0])
            axes = self.attrs.get("axes") or self.constant(1) or list(range(len(dims)))
            axes = sorted(a % len(dims) for a in axes)
            if len(dims) == 4 and axes == [2, 3]:
                return self._pool("avgpool", None)
            if axes != [len(dims) - 1]:
                return None, None  # a reduction elsewhere: skipped like the other reductions
            x, mean = node.input[0], node.output[0]
            if any(n.op_type == "Sub" and list(n.input) == [x, mean] for n in self.consumers(mean)):
                op = "layernorm"  # x - mean(x): a layernorm written out (no LayerNormalization before opset 17)
            elif self.traces_to(x, "Pow", 1):
                centred = self.producers.get(self.producers[x].input[0])
                if centred is not None and centred.op_type == "Sub" and self.traces_to(centred.input[1], "ReduceMean", 1):
                    return None, None  # that layernorm's variance, counted with it
                op = "rmsnorm"
            else:
                op = "mean"
        elif node.op_type == "Tanh":  # GPT-2's gelu_new: tanh(c (x + 0.044715 x^3))
            op = "gelu_tanh" if self.traces_to(node.input[0], "Pow", 4) else "tanh"
        elif node.op_type == "Sigmoid":  # SiLU: x * sigmoid(x)
            silu = any(n.op_type == "Mul" and node.input[0] in n.input for n in self.consumers(node.output[0]))
            op = "silu" if silu else "sigmoid"
        elif node.op_type == "Neg":  # RoPE's rotate_half negates the second half of each head
            if not self.traces_to(node.input[0], "Slice", 1):
                return None, None
            dims = dims[:-1] + (2 * dims[-1],)
        return self._vector(op, dims), None

    def combining(self, op: str) -> Layer:
        """A binary elementwise node that combines two data streams (onnx_elementwise)."""
        return self._vector(op, self.shape(self.node.output[0]))

    def _vector(self, op: str, dims: tuple[int, ...]) -> Layer:
        from accelsim.workload.formats.native import vector_layer

        rows = int(np.prod(dims[:-1])) if len(dims) > 1 else 1
        return vector_layer(self.name, op, rows * dims[-1], rows)

    def traces_to(self, tensor: str, op_type: str, depth: int) -> bool:
        """Whether `tensor` is computed from an `op_type` node within `depth` producers."""
        frontier = [tensor]
        for _ in range(depth):
            nodes = [self.producers[t] for t in frontier if t in self.producers]
            if any(n.op_type == op_type for n in nodes):
                return True
            frontier = [t for n in nodes for t in n.input]
        return False

    def consumers(self, tensor: str):
        return self.consumer_map.get(tensor, [])
