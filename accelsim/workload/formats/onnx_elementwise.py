"""Which elementwise ONNX nodes are vector layers of their own, counted by what they compute.

The two PyTorch exporters decompose the same function into different numbers of nodes (a
bias add inside or outside a Gemm, a scale folded into a constant or applied as a Div, a mask
as Where or as Add), so counting nodes would make the two exports differ. What does not differ
is which *tensors* an operation combines. An elementwise binary node (Add, Sub, Mul, Div)
computes something of its own when it combines two different data streams, i.e. its inputs come
from different producing layers: a residual add (the stream + a projection's output), the gate
of a gated MLP (silu(gate) x up), a squeeze-excitation scale. Nodes whose inputs all come from
one tensor (x * sigmoid(x), x + 0.044715 x^3, x * rsqrt(mean(x^2)), q cos + rotate_half(q) sin)
are the inside of one function, counted once by its anchor (onnx.py's VECTORS). Nodes with a
constant operand (bias, scale, position embedding, eps) fold into their producer, as biases do.
Scaling and masking of attention scores fold into the softmax (docs/transformers.md).

- data tensors: computed from a graph input by value. Shape and Size carry only sizes, so
  masks and position ids made from `ones_like(x)` or `arange(len)` are constants, as are
  folded tensors (initialisers).
- roots of a data tensor: the layer outputs (Conv, Gemm, MatMul, pooling...) and graph inputs
  it is computed from through elementwise and shape nodes alone.

A combining node is a binary elementwise node whose two inputs are data with different roots,
and which does not feed a Softmax through elementwise nodes alone. The parts a Slice or Split
cuts from one tensor are roots of their own, so the two halves of a fused gate/up projection
(Phi-3) are two streams, until all parts meet again, as in RoPE's rotate_half or a roll.
"""

from __future__ import annotations

BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div"}
SIZES_ONLY = frozenset({"Shape", "Size"})


def combining_nodes(graph, inits, boundary: set[str], shapes: dict | None = None, constant=None) -> dict[int, str]:
    """Node index -> vector op, for the binary nodes that combine two data streams. With
    `shapes` and `constant` (a tensor's small integer value, or None), the parts a Slice or
    Split cuts from one tensor count as roots of their own (a fused gate/up projection's two
    halves are two streams) until all parts meet again (RoPE's rotate_half, a roll)."""
    data = {i.name for i in graph.input if i.name not in inits}
    roots: dict[str, frozenset] = {name: frozenset((name,)) for name in data}
    producer: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        ins = [t for t in node.input if t in data]
        for out in node.output:
            producer[out] = index
        if not ins or node.op_type in SIZES_ONLY:
            continue
        joined = roots[ins[0]] if len(ins) == 1 else _whole(frozenset().union(*(roots[t] for t in ins)), roots,
                                                             shapes)
        parts = _parts(node, shapes, constant) if shapes is not None and node.input[0] in data else None
        for k, out in enumerate(node.output):
            data.add(out)
            if out in boundary:
                roots[out] = frozenset((out,))
            elif parts is not None and k < len(parts):
                roots[out] = frozenset(((node.input[0], *parts[k]),))
            else:
                roots[out] = joined
    into_softmax = set()
    for node in graph.node:
        if node.op_type == "Softmax":
            stack = [node.input[0]]
            while stack:
                tensor = stack.pop()
                index = producer.get(tensor)
                if tensor in boundary or index is None or index in into_softmax:
                    continue
                into_softmax.add(index)
                stack.extend(t for t in graph.node[index].input if t in data)
    found = {}
    for index, node in enumerate(graph.node):
        if node.op_type not in BINARY or len(node.input) != 2 or index in into_softmax:
            continue
        a, b = node.input
        if a in data and b in data and roots[a] != roots[b]:
            found[index] = BINARY[node.op_type]
    return found


def _parts(node, shapes: dict, constant) -> list[tuple[int, int, int]] | None:
    """(axis, start, end) of each output of a Slice (step 1, one axis) or Split of its input."""
    dims = shapes.get(node.input[0])
    if node.op_type not in ("Slice", "Split") or not dims or any(not d for d in dims):
        return None
    attrs = {a.name: a for a in node.attribute}
    if node.op_type == "Slice":
        def arg(i, name):
            if name in attrs:  # opset < 10: attributes
                return list(attrs[name].ints)
            return constant(node.input[i]) if len(node.input) > i and node.input[i] else None
        starts, ends, axes, steps = arg(1, "starts"), arg(2, "ends"), arg(3, "axes"), arg(4, "steps")
        axes = axes if axes is not None else (list(range(len(starts))) if starts else None)
        if not starts or not ends or len(starts) != 1 or len(axes) != 1 or (steps and steps != [1]):
            return None
        axis = axes[0] % len(dims)
        n = dims[axis]
        clamp = lambda v: max(0, min(v + n if v < 0 else v, n))  # noqa: E731
        return [(axis, clamp(starts[0]), clamp(ends[0]))]
    axis = (attrs["axis"].i if "axis" in attrs else 0) % len(dims)
    n = dims[axis]
    sizes = list(attrs["split"].ints) if "split" in attrs else (
        constant(node.input[1]) if len(node.input) > 1 and node.input[1] else None)
    if sizes is None:  # equal parts (the last one smaller)
        count = len(node.output)
        step = -(-n // count)
        sizes = [min(step, n - i * step) for i in range(count)]
    if sum(sizes) != n:
        return None
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [(axis, a, a + size) for a, size in zip(starts, sizes)]


def _whole(tokens: frozenset, roots: dict, shapes: dict | None) -> frozenset:
    """Parts of one tensor that together cover it become that tensor's roots again."""
    parts = [t for t in tokens if isinstance(t, tuple)]
    if not parts or shapes is None:
        return tokens
    spans: dict[tuple, list] = {}
    for tensor, axis, start, end in parts:
        spans.setdefault((tensor, axis), []).append((start, end))
    out = set(tokens)
    for (tensor, axis), cut in spans.items():
        reach = 0
        for start, end in sorted(cut):
            if start > reach:
                break
            reach = max(reach, end)
        if reach >= shapes[tensor][axis]:
            out -= {(tensor, axis, a, b) for a, b in cut}
            out |= roots[tensor]
    return frozenset(out)
