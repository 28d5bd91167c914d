"""Static shapes for exported ONNX graphs: shape inference, plus folding of the small shape
computations (Shape -> Gather -> Concat -> Reshape ...) that the TorchScript exporter emits and
`onnx.shape_inference` cannot see through. Tensors of up to FOLD_ELEMENTS values whose inputs
are all known are computed with onnx's reference operators and become initialisers; inference
then runs again, until nothing more folds.
"""

from __future__ import annotations

import numpy as np

FOLD_ELEMENTS = 4096
ROUNDS = 8


def static_shapes(model, onnx):
    """The model with shapes inferred (folded where needed), and tensor name -> dims (None: unknown)."""
    model = onnx.shape_inference.infer_shapes(model, data_prop=True)
    for _ in range(ROUNDS):
        shapes = _shapes(model)
        if all(None not in s for s in shapes.values()):
            break
        folded = _fold(model, shapes, onnx)
        if folded is None:
            break
        model = onnx.shape_inference.infer_shapes(folded, data_prop=True)
    return model, _shapes(model)


def _shapes(model) -> dict[str, tuple]:
    graph = model.graph
    shapes = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        if not info.type.HasField("tensor_type") or not info.type.tensor_type.HasField("shape"):
            continue
        dims = info.type.tensor_type.shape.dim
        shapes[info.name] = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)
    for t in graph.initializer:
        shapes[t.name] = tuple(t.dims)
    return shapes


def _fold(model, shapes, onnx):
    """A copy with every foldable node replaced by initialisers, or None if none folds."""
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    known = {t.name: numpy_helper.to_array(t) for t in graph.initializer if int(np.prod(t.dims)) <= FOLD_ELEMENTS}
    initial = set(known)
    drop = []
    for node in graph.node:
        if node.domain not in ("", "ai.onnx") or not node.output:
            continue
        value = None
        if node.op_type == "Shape" and None not in shapes.get(node.input[0], (None,)):
            dims = np.array(shapes[node.input[0]], dtype=np.int64)
            start, end = _attr(node, "start", 0), _attr(node, "end", None)
            value = [dims[start:end]]
        elif node.op_type == "Size" and None not in shapes.get(node.input[0], (None,)):
            value = [np.array(int(np.prod(shapes[node.input[0]])), dtype=np.int64)]
        elif all(not i or i in known for i in node.input) and node.op_type not in ("RandomNormal", "RandomUniform",
                                                                                  "RandomNormalLike", "Multinomial"):
            try:
                with np.errstate(all="ignore"):  # e.g. T5's log of a zero relative position: inf, as at run time
                    value = ReferenceEvaluator(node).run(None, {i: known[i] for i in node.input if i})
            except Exception:  # an operator the reference runtime lacks: leave it to inference
                value = None
        if value is None or any(np.asarray(v).size > FOLD_ELEMENTS for v in value):
            continue
        for name, v in zip(node.output, value):
            known[name] = np.asarray(v)
        drop.append(node)
    if not drop:
        return None
    dropped = {id(n) for n in drop}
    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.node[:]
    out.graph.node.extend(n for n in graph.node if id(n) not in dropped)
    del out.graph.value_info[:]
    outputs = {o for n in drop for o in n.output}
    out.graph.initializer.extend(numpy_helper.from_array(known[name], name) for name in outputs
                                 if name not in initial)
    return out


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return a.i
    return default
