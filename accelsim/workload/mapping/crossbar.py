"""Crossbar mapping: a layer's weight matrix (R*S*C/groups x K/groups per group) onto arrays.

- Weights are sliced over ceil(weight_bits / cell_bits) cells of a row (twice that many
  columns with differential encoding); a crossbar holds floor(cols / cells) weights.
- The reduction dimension is cut into row blocks of the crossbar height.
- Inputs stream ceil(input_bits / dac_bits) slices: one crossbar read per slice.
- A read takes max(array read latency, used columns / (ADCs x rate)): sample-and-hold lets
  conversion of one read overlap the next read (ISAAC).
- Conversions are made at adc.bits, or (`adc_resolution: column_sums`, a compressed layer
  with measured column sums) at the bits its largest column sum needs, at most adc.bits;
  such a chip maps the packing that merges no rows past the in-place column sums (capped_*).

Counts are per *input vector* (one output pixel of one group, all output channels).
Pure: no SimPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.config.schema import HardwareConfig
from accelsim.devices.adc import column_sum_bits
from accelsim.workload.layers import Layer


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class CrossbarLayerPlan:
    layer: Layer
    unit: str                  # 'crossbars' or 'pool'
    input_bits: int
    weight_bits: int
    cells_per_weight: int      # columns one weight occupies (x2 when differential)
    weights_per_crossbar: int
    row_blocks: int
    col_blocks: int
    crossbars: int             # per replica, all groups
    slices: int                # crossbar reads per input vector
    read_cycles: int           # one read step, in reference-clock cycles
    read_ns: float
    vectors: int               # input vectors (output pixels x batch)
    rows_out: int              # output rows (the unit of inter-layer dependency)
    per_vector: dict           # action -> count per input vector
    pool_cycles_per_row: int = 0
    skip_fraction: float = 0.0  # input slices all zero and skipped (zero_slice_skipping)
    digital_rate: float = 0.0   # matmul_unit: input vectors per cycle (mapping/dynamic.py)
    adc_bits: int = 0           # resolution its conversions are made at (adc_resolution)

    @property
    def macs(self) -> int:
        return self.layer.macs

    def vector_cycles(self, replicas: int) -> float:
        """Cycles per input vector with `replicas` copies working in parallel."""
        return self.slices * (1 - self.skip_fraction) * self.read_cycles / replicas


def precision(layer: Layer, hw: HardwareConfig) -> tuple[int, int]:
    chip = hw.compute
    if chip.precision == "chip":  # a matmul's second operand is an activation
        return chip.input_bits, chip.input_bits if layer.dynamic else chip.weight_bits
    return layer.act_bits, layer.weight_bits


def map_crossbar(layer: Layer, hw: HardwareConfig, stats=None, skip: float = 0.0) -> CrossbarLayerPlan:
    """`stats`: the layer's compression HardwareStats (used when the chip has
    `compressed_mapping`); `skip`: its share of all-zero input slices (`zero_slice_skipping`)."""
    chip = hw.compute
    ima = chip.tile.ima
    xbar = ima.crossbar
    in_bits, w_bits = precision(layer, hw)
    cells = _ceil(w_bits, xbar.cell_bits) * (2 if xbar.weight_encoding == "differential" else 1)
    per_xbar = xbar.cols // cells
    ns_per_cycle = 1000.0 / hw.clock_mhz
    rows_out = layer.N * layer.P
    if layer.is_vector or (layer.dynamic and not chip.dynamic_on_cells):
        from accelsim.workload.mapping.dynamic import map_digital

        return map_digital(layer, hw, in_bits, w_bits, CrossbarLayerPlan)
    if layer.is_pool:
        lanes = chip.tile.maxpool.count * chip.tile.maxpool.lanes
        per_row = _ceil(layer.Q * layer.C * layer.R * layer.S, lanes)
        return CrossbarLayerPlan(
            layer=layer, unit="pool", input_bits=in_bits, weight_bits=w_bits, cells_per_weight=cells,
            weights_per_crossbar=per_xbar, row_blocks=0, col_blocks=0, crossbars=0, slices=0, read_cycles=0,
            read_ns=0.0, vectors=layer.N * layer.P * layer.Q, rows_out=rows_out,
            per_vector={"maxpool": layer.C * layer.R * layer.S,
                        "tile_buffer_read": layer.C * layer.R * layer.S * _ceil(in_bits, 8),
                        "tile_buffer_write": layer.C * _ceil(in_bits, 8)},
            pool_cycles_per_row=per_row)
    if per_xbar == 0:
        from accelsim.errors import MappingError

        raise MappingError(f"a {w_bits}-bit weight needs {cells} columns; the crossbar has {xbar.cols}",
                           None, f"layer {layer.name!r}")
    m, k, n = layer.gemm
    g = layer.groups
    row_blocks, col_blocks = _ceil(k, xbar.rows), _ceil(n, per_xbar)
    slices = _ceil(in_bits, ima.dac.bits)
    used_cols = min(xbar.cols, per_xbar * cells if n >= per_xbar else n * cells)
    convert_ns = used_cols / (ima.adc.per_crossbar * ima.adc.sample_rate_gsps)
    read_ns = max(xbar.read_latency_ns, convert_ns)
    read_cycles = math.ceil(read_ns / ns_per_cycle - 1e-9)
    crossbars = g * row_blocks * col_blocks
    arrays, columns, rows_driven = 1.0, 1.0, 1.0
    # a chip converting at what the column sums need maps the packing that keeps them capped
    packed, fraction, driven, max_sum = (stats.packing(chip.adc_resolution == "column_sums") if stats is not None
                                         else (0, None, None, None))
    if stats is not None and chip.compressed_mapping and stats.crossbars_dense:
        # only occupied arrays are read; each converts only its occupied cell columns and
        # drives only its occupied rows (the compacted packing's counts, docs/compression.md)
        arrays = packed / stats.crossbars_dense
        if fraction is not None:
            columns, rows_driven = fraction, driven
        else:  # stats without the packing's counts: no array converts more than its share
            columns, rows_driven = min(arrays, 1.0 - stats.freed_bit_columns), arrays
        crossbars = max(1, math.ceil(crossbars * arrays - 1e-9))
    adc_bits = ima.adc.bits
    if chip.adc_resolution == "column_sums" and max_sum is not None:
        adc_bits = min(adc_bits, column_sum_bits(max_sum, ima.dac.bits))
    keep = 1.0 - (skip if chip.zero_slice_skipping else 0.0)
    reads = slices * crossbars * keep
    conversions = slices * g * row_blocks * n * cells * columns * keep
    rows_read = g * k * col_blocks * rows_driven   # each occupied row of each column block
    in_bytes, out_bytes = _ceil(in_bits, 8), _ceil(chip.output_bits, 8)
    per_vector = {
        "crossbar": reads,
        "dac": slices * rows_read * keep,  # per slice
        "sample_hold": conversions,
        "adc": conversions,
        "ima_shift_add": conversions,
        "input_register": rows_read * in_bytes,
        "output_register": g * n * out_bytes * row_blocks,
        "tile_buffer_read": g * k * in_bytes,
        "tile_buffer_write": g * n * in_bytes,
        "bus": g * k * in_bytes,
        "tile_shift_add": g * n * max(row_blocks - 1, 0),  # merge row blocks' partial sums
        "sigmoid": g * n,
        "tile_output_register": g * n * in_bytes,
    }
    return CrossbarLayerPlan(
        layer=layer, unit="crossbars", input_bits=in_bits, weight_bits=w_bits, cells_per_weight=cells,
        weights_per_crossbar=per_xbar, row_blocks=row_blocks, col_blocks=col_blocks,
        crossbars=crossbars, slices=slices, read_cycles=read_cycles, read_ns=read_ns,
        vectors=m, rows_out=rows_out, per_vector=per_vector,
        skip_fraction=skip if chip.zero_slice_skipping else 0.0, adc_bits=adc_bits)


def adc_bits_needed(rows: int, dac_bits: int, cell_bits: int) -> int:
    """Bits to resolve a full column sum exactly: ceil(log2(rows (2^v - 1)(2^w - 1) + 1))."""
    return math.ceil(math.log2(rows * (2**dac_bits - 1) * (2**cell_bits - 1) + 1))
