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
and which does not feed a Softmax through elementwise nodes alone. Known limitation: a fused
gate/up projection split in two (one MatMul for both) gives the gate multiply one root, so it
is counted inside the activation.
"""

from __future__ import annotations

BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div"}
SIZES_ONLY = frozenset({"Shape", "Size"})


def combining_nodes(graph, inits, boundary: set[str]) -> dict[int, str]:
    """Node index -> vector op, for the binary nodes that combine two data streams."""
    data = {i.name for i in graph.input if i.name not in inits}
    roots: dict[str, frozenset] = {name: frozenset((name,)) for name in data}
    producer: dict[str, int] = {}
    for index, node in enumerate(graph.node):
        ins = [t for t in node.input if t in data]
        for out in node.output:
            producer[out] = index
        if not ins or node.op_type in SIZES_ONLY:
            continue
        joined = roots[ins[0]] if len(ins) == 1 else frozenset().union(*(roots[t] for t in ins))
        for out in node.output:
            data.add(out)
            roots[out] = frozenset((out,)) if out in boundary else joined
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
