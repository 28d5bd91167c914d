"""Repeated layer shapes are mapped once: each layer still gets a plan equal to mapping it
alone, naming its own layer."""

from accelsim.config import load_hardware
from accelsim.workload import Layer, Workload
from accelsim.workload.mapping.dispatch import map_workload
from accelsim.workload.mapping.row_stationary import map_row_stationary
from accelsim.workload.mapping.systolic import map_systolic


def _layers():
    return [Layer(name=f"g{i}", kind="gemm", C=64 + 32 * (i % 2), H=64, W=1, K=64) for i in range(6)] + [
        Layer(name="c", kind="conv", C=3, H=32, W=32, K=8, R=3, S=3),
        Layer(name="c2", kind="conv", C=3, H=32, W=32, K=8, R=3, S=3),
        Layer(name="p", kind="maxpool", C=8, H=30, W=30, K=8, R=2, S=2, stride_h=2, stride_w=2),
        Layer(name="q", kind="conv", C=3, H=32, W=32, K=8, R=3, S=3, compression=(("bits", [4, 8]),))]


def test_repeated_shapes_get_the_plans_of_mapping_each_layer_alone():
    for path, mapper in (("hwconfigs/systolic_32x32.yaml", map_systolic), ("hwconfigs/eyeriss.yaml", map_row_stationary)):
        hw = load_hardware(path)
        layers = _layers()
        plans = map_workload(Workload(name="w", layers=tuple(layers)), hw)
        assert [p.layer for p in plans] == layers
        assert all(p.layer is layer for p, layer in zip(plans, layers))
        assert plans == [mapper(layer, hw) for layer in layers]
        assert plans[2].sram_reads is plans[0].sram_reads  # shared, not copied


def test_a_shape_key_tells_types_apart_and_skips_unhashable_layers():
    from accelsim.workload.layers import shape_key

    a = Layer(name="a", kind="gemm", C=64, H=64, W=1, K=64)
    assert shape_key(a) == shape_key(Layer(name="b", kind="gemm", C=64, H=64, W=1, K=64))
    assert shape_key(a) != shape_key(Layer(name="a", kind="gemm", C=64.0, H=64, W=1, K=64))
    assert shape_key(a) != shape_key(Layer(name="a", kind="gemm", C=64, H=64, W=1, K=64, N=True))
    assert shape_key(Layer(name="q", kind="gemm", C=64, H=64, W=1, K=64, compression=(("bits", [4]),))) is None


def test_every_layer_of_a_repeated_shape_is_named_in_its_own_error(tmp_path):
    import pytest

    from accelsim.errors import WorkloadError
    from accelsim.workload import load_workload

    path = tmp_path / "w.yaml"
    path.write_text("name: w\nchain: false\nlayers:\n"
                    "  - {name: a, type: conv, C: 3, H: 8, W: 8, R: 3, S: 3, K: 4}\n"
                    "  - {name: b, type: conv, C: 3, H: 8, W: 8, R: 3, S: 3, K: 4}\n"
                    "  - {name: c, type: conv, C: 3, H: 2, W: 8, R: 3, S: 3, K: 4}\n")
    with pytest.raises(WorkloadError) as err:
        load_workload(path)
    assert "layers[2] (c).R" in str(err.value)


def test_repeated_layer_specs_make_the_layers_each_spec_makes_alone(tmp_path):
    from dataclasses import fields

    from accelsim.config.yamlio import parse_yaml
    from accelsim.workload import load_workload
    from accelsim.workload.formats.native import WorkloadFile, spec_to_layer

    text = ("name: w\nchain: false\ndefaults: {batch: 2}\nlayers:\n"
            + "".join(f"  - {{name: g{i}, type: gemm, M: 64, K: {64 * (1 + i % 2)}, N: 64}}\n" for i in range(6))
            + "  - {name: c1, type: conv, C: 3, H: 8, W: 8, R: 3, S: 3, K: 4, stride: [1, 1]}\n"
            + "  - {name: c2, type: conv, C: 3, H: 8, W: 8, R: 3, S: 3, K: 4, stride: [1, 1]}\n"
            + "  - {name: d1, type: depthwise, C: 3, H: 8, W: 8, R: 3, S: 3}\n"
            + "  - {name: d2, type: depthwise, C: 3, H: 8, W: 8, R: 3, S: 3, batch: 1}\n"
            + "  - {name: v1, type: vector, op: softmax, elements: 64}\n"
            + "  - {name: v2, type: vector, op: softmax, elements: 64, act_bits: 16}\n")
    path = tmp_path / "w.yaml"
    path.write_text(text)
    spec = WorkloadFile.model_validate(parse_yaml(text, "w"))
    alone = [spec_to_layer(s, spec.defaults) for s in spec.layers]
    layers = load_workload(path).layers
    assert list(layers) == alone
    for got, want in zip(layers, alone):
        assert [type(getattr(got, f.name)) for f in fields(got)] == [type(getattr(want, f.name)) for f in fields(want)]
