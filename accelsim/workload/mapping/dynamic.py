"""Crossbar chips' digital units: vector layers on the tiles' vector lanes, and matmuls of two
activations on a declared matmul unit. Pure, like the crossbar mapper whose plans they share.

- vector: a layer's row (one token's C elements) takes ceil(C x ops x cycles_per_op / lanes)
  cycles on one tile's vector units; the layer runs on its producer's tiles, all at once.
- matmul_unit: one row of the left operand (all groups) is K x N x groups MACs; the unit does
  macs_per_cycle. The right operand is read from the tile buffers once per layer.

Matmuls that stay on the crossbars (no unit, or matmul_placement: cells) are mapped by
`map_crossbar` like any layer, with their operand written into cells before use, every
inference; time-multiplexed layers are rewritten the same way. `rewrite_cycles` is what that
write takes (components/crossbar.py charges it, allocate.py weighs it against the compute time
a copy saves), `rewritten_time` a layer's time with its write.
"""

from __future__ import annotations

import math

import numpy as np

from accelsim.config.schema import HardwareConfig
from accelsim.workload.layers import Layer


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def map_digital(layer: Layer, hw: HardwareConfig, in_bits: int, w_bits: int, plan_type):
    chip = hw.compute
    in_bytes = _ceil(in_bits, 8)
    common = dict(layer=layer, input_bits=in_bits, weight_bits=w_bits, cells_per_weight=0,
                  weights_per_crossbar=0, row_blocks=0, col_blocks=0, crossbars=0, slices=0, read_cycles=0,
                  read_ns=0.0, rows_out=layer.N * layer.P)
    if layer.is_vector:
        unit = chip.tile.vector
        per_row = _ceil(layer.C * layer.ops_per_element * unit.cycles_per_op, unit.count * unit.lanes)
        return plan_type(
            unit="vector", vectors=layer.N * layer.H, pool_cycles_per_row=per_row,
            per_vector={"vector": layer.C * layer.ops_per_element,
                        "tile_buffer_read": layer.C * layer.inputs * in_bytes,
                        "tile_buffer_write": layer.C * in_bytes}, **common)
    m, k, n = layer.gemm
    g = layer.groups
    macs = g * k * n
    return plan_type(
        unit="matmul_unit", vectors=m, digital_rate=chip.matmul_unit.macs_per_cycle / macs,
        per_vector={"matmul_unit": macs,
                    "tile_buffer_read": g * k * in_bytes + g * k * n * in_bytes / m,  # a row; B once per layer
                    "tile_buffer_write": g * n * in_bytes}, **common)


def rewrite_cycles(plan, hw: HardwareConfig, copies, tiles, passes: int = 1):
    """Cycles to write a layer's operand (or weights) into `copies` copies of its crossbars:
    each crossbar programs its used rows one at a time, all crossbars at once (`passes` times
    when the layer is larger than the chip), after the bytes of every copy have crossed the
    buses of the `tiles` tiles it spans. Works elementwise on arrays of copies and tiles."""
    xbar, chip = hw.compute.tile.ima.crossbar, hw.compute
    rows = min(plan.layer.gemm[1], xbar.rows)
    write = passes * rows * math.ceil(xbar.write_latency_ns * hw.clock_mhz / 1000.0 - 1e-9)
    bits = plan.layer.weight_count * _ceil(plan.weight_bits, 8) * 8 * np.asarray(copies, dtype=np.int64)
    carry = -(-bits // (chip.tile.buffer.bus_bits * np.maximum(np.asarray(tiles, dtype=np.int64), 1)))
    out = np.maximum(write, carry)
    return int(out) if out.ndim == 0 else out


def rewritten_time(plan, hw: HardwareConfig, copies, passes: int = 1):
    """A rewritten layer's cycles per inference with `copies` copies (an int or an array): the
    write, then its vectors at the copies' pace; the copies fill whole tiles in order."""
    copies = np.asarray(copies, dtype=np.int64)
    per_tile = hw.compute.tile.ima.crossbars * hw.compute.tile.imas
    tiles = np.minimum(-(-plan.crossbars * copies // per_tile), hw.compute.tiles)
    compute = plan.vectors * plan.slices * (1 - plan.skip_fraction) * plan.read_cycles * passes / copies
    return rewrite_cycles(plan, hw, copies, tiles, passes) + compute
