"""`accelsim compress WORKLOAD -o OUT`: apply each layer's compression block, write OUT.yaml
(a native workload carrying the statistics) and OUT.npz (compressed weights and codes)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("compress", help="apply each layer's compression block; write OUT.yaml and OUT.npz",
                       description="Compress a workload's weights as its layers' `compression:` blocks say "
                                   "(docs/compression.md). Real weights from --weights (or an ONNX model's "
                                   "initialisers), else seeded synthetic ones.")
    p.add_argument("workload", help="workload (.yaml, .csv, or .onnx with the onnx extra)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output stem: writes OUT.yaml and OUT.npz")
    from accelsim.cli import seed_arg

    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the synthetic weights (default 0)")
    p.add_argument("--weights", type=Path, help=".npz of weights keyed by layer name, shaped (groups, Kred, Nout) "
                                                "or (K, C/groups, R, S)")
    p.add_argument("--geometry", metavar="ROWS,COLS,CELL_BITS",
                   help="crossbar geometry for crossbar-aware schemes and statistics, e.g. 128,128,1")
    p.add_argument("--compression", metavar="YAML",
                   help="a compression block for every weighted layer without one, e.g. "
                        "'[{scheme: prune, sparsity: 0.5}, {scheme: quantize, bits: 8}]' (handy for ONNX models)")
    p.add_argument("--distribution", choices=["normal", "laplace", "uniform"], default="normal",
                   help="synthetic weight distribution (default normal, He scale)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_compress)


def cmd_compress(args: argparse.Namespace) -> int:
    import numpy as np

    from accelsim.workload.compression.output import write_compressed
    from accelsim.workload.compression.pipeline import compress_workload
    from accelsim.workload.compression.result import Geometry
    from accelsim.workload.compression.weights_io import read_weights
    from accelsim.workload.formats import load_workload

    geometry = Geometry.parse(args.geometry) if args.geometry else None
    label = "file"
    if Path(args.workload).suffix.lower() == ".onnx":
        from accelsim.workload.formats.onnx import read_onnx

        workload, weights = read_onnx(args.workload)
        label = "onnx"
    else:
        workload, weights = load_workload(args.workload), {}
    if args.weights:
        weights, label = read_weights(args.weights, workload), "file"
    if args.compression:
        workload = with_default_block(workload, args.compression)
    rng = np.random.default_rng(args.seed)
    from accelsim.progress import status

    with status(f"accelsim: compressing {workload.name}", enabled=not args.quiet):
        results = compress_workload(workload, weights, geometry, rng, label, args.distribution)
    header = (f"Written by `accelsim compress` from {args.workload} (seed {args.seed}"
              f"{f', weights {args.weights}' if args.weights else ''}"
              f"{f', geometry {args.geometry}' if args.geometry else ''}).\n"
              "Each compressed layer's `compression:` block records its statistics (docs/compression.md);\n"
              "the layer shapes are the input's. Compressed weights and codes are in the .npz of the same stem.")
    yaml_path, npz_path = write_compressed(args.output, workload, results, header, weights)
    if not args.quiet:
        print(layer_table(workload, results))
        print(f"\nwrote {yaml_path}, {npz_path}")
    return 0


def with_default_block(workload, text: str):
    """`workload` with the block `text` on every weighted layer that has none."""
    import dataclasses

    from accelsim.config.yamlio import parse_yaml
    from accelsim.errors import WorkloadError
    from accelsim.workload.compression.spec import parse_steps

    raw = parse_yaml(text, "--compression", WorkloadError)
    steps = parse_steps(raw, "--compression", "compression")
    block = tuple(tuple(sorted(step.model_dump(exclude_none=True).items())) for step in steps)
    layers = tuple(layer if layer.compression or not layer.has_weights else dataclasses.replace(layer, compression=block)
                   for layer in workload.layers)
    return dataclasses.replace(workload, layers=layers)


def layer_table(workload, results) -> str:
    from accelsim.devices.adc import column_sum_bits

    head = ("layer", "weights", "transforms", "ratio", "bits", "density", "rel_l2", "max_abs", "freed_bitcols",
            "crossbars", "adc_bits")
    rows = []
    dense_bits = stored = 0
    for layer in workload.layers:
        if layer.name not in results:
            continue
        r, label = results[layer.name]
        hw = r.hw
        dense_bits += 32 * r.weights.size
        stored += hw.stored_bits
        xbars = f"{hw.crossbars_dense}->{hw.crossbars_compressed}" if r.geometry else "-"
        if hw.capped_crossbars is not None and hw.capped_crossbars != hw.crossbars_compressed:
            xbars += f" ({hw.capped_crossbars} capped)"   # what an adc_resolution: column_sums chip maps
        # bits an ADC needs for the largest column sum with 1-bit input slices (devices/adc.py),
        # in the packing a column_sums chip maps (capped), and in the free one if that needs more
        adc = "-"
        if hw.max_column_sum is not None:
            free = column_sum_bits(hw.max_column_sum)
            capped = column_sum_bits(hw.capped_max_column_sum) if hw.capped_max_column_sum is not None else free
            adc = str(capped) if capped == free else f"{capped} ({free} free)"
        rows.append((layer.name, label, r.scheme, f"{r.ratio:.2f}x", str(hw.weight_bits), f"{hw.density:.3f}",
                     f"{r.error['rel_l2']:.4f}", f"{r.error['max_abs']:.3g}", f"{hw.freed_bit_columns:.3f}", xbars, adc))
    if not rows:
        return "no layer has a compression block; the output equals the input"
    rows.append(("total", "", "", f"{dense_bits / stored:.2f}x", "", "", "", "", "", "", ""))
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in (head, *rows)]
    return "\n".join(lines)
