"""KV-cache traffic of an ONNX decode export: which layers read the cache and which append to it.

A decode step exported with its cache takes the past keys and values as graph inputs and
returns the grown cache: `present = Concat(past, new)`, a graph output. The attention
matmuls read `present` (through reshapes, transposes and a grouped-query Expand), and the
new entries come from the K and V projections (through RoPE's element-wise nodes). So:

- a *cache concat* is a Concat of several inputs, one of which is a graph input (through
  pass-through nodes) and whose result is returned as a graph output (through them too);
- a matmul whose second operand comes from a cache concat reads its past entries from the
  cache: `kv_read` = the past input's elements (once, however many query heads share them);
- each other input of a cache concat is appended: `kv_write` += its elements, on the nearest
  matrix layer it is computed from (the K or V projection).

This is the `transformer:` block's decode model (docs/transformers.md) read off a graph.
"""

from __future__ import annotations

import math

# nodes that move or re-view a tensor without computing on it
PASS = frozenset({"Identity", "Cast", "Transpose", "Reshape", "Squeeze", "Unsqueeze", "Expand", "Tile", "Flatten"})
MATRIX = frozenset({"Gemm", "MatMul", "Einsum", "Conv"})


def kv_cache_traffic(graph, shapes: dict, layer_nodes: set[int]) -> dict[int, dict[str, int]]:
    """{node index: {"kv_read": elements, "kv_write": elements}} for the layers that touch the
    cache; `layer_nodes` are the indices of the nodes that became matrix layers."""
    inits = {t.name for t in graph.initializer}
    inputs = {t.name for t in graph.input} - inits
    outputs = {t.name for t in graph.output}
    index = {id(node): i for i, node in enumerate(graph.node)}
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for tensor in node.input:
            consumers.setdefault(tensor, []).append(node)

    def passed(node) -> bool:
        return node.op_type in PASS or (node.op_type == "Concat" and len(node.input) == 1)

    def source(tensor: str) -> str:
        """Where `tensor` comes from before pass-through nodes."""
        for _ in range(16):
            node = producers.get(tensor)
            if node is None or not passed(node):
                return tensor
            tensor = node.input[0]
        return tensor

    def returned(tensor: str) -> bool:
        frontier = [tensor]
        for _ in range(16):
            if any(t in outputs for t in frontier):
                return True
            frontier = [out for t in frontier for n in consumers.get(t, ()) if passed(n) for out in n.output]
        return False

    def elements(tensor: str) -> int:
        dims = shapes.get(tensor)
        return math.prod(d or 1 for d in dims) if dims else 0

    past: dict[str, int] = {}  # cache concat output -> past elements
    traffic: dict[int, dict[str, int]] = {}
    for node in graph.node:
        if node.op_type != "Concat" or len(node.input) < 2 or not returned(node.output[0]):
            continue
        old = [t for t in node.input if source(t) in inputs]
        if not old:
            continue
        past[node.output[0]] = sum(elements(t) for t in old)
        for tensor in node.input:
            writer = None if tensor in old else _nearest_layer(tensor, producers, index, layer_nodes, elements)
            if writer is not None:
                counts = traffic.setdefault(writer, {"kv_read": 0, "kv_write": 0})
                counts["kv_write"] += elements(tensor)
    for i, node in enumerate(graph.node):
        if i in layer_nodes and node.op_type in ("MatMul", "Einsum") and len(node.input) > 1:
            read = past.get(source(node.input[1]))
            if read:
                traffic.setdefault(i, {"kv_read": 0, "kv_write": 0})["kv_read"] += read
    return traffic


def _nearest_layer(tensor: str, producers: dict, index: dict, layer_nodes: set[int], elements) -> int | None:
    """The closest matrix layer `tensor` is computed from, breadth first along the inputs of as
    many elements as it has (so RoPE's k * cos + rotate(k) * sin leads to k, not to the cos
    table, which is broadcast over the heads)."""
    size = elements(tensor)
    frontier, seen = [tensor], set()
    for _ in range(32):
        nodes = [producers[t] for t in frontier if t in producers and t not in seen]
        seen.update(frontier)
        for node in nodes:
            if node.op_type in MATRIX and index[id(node)] in layer_nodes:
                return index[id(node)]
        frontier = [t for node in nodes for t in node.input if elements(t) == size]
        if not frontier:
            return None
    return None
