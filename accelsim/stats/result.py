"""The `Result` of a simulation: tidy frames of layers and components, and a summary."""

from __future__ import annotations

from accelsim.stats.table import Table


class Result:
    """What `simulate()` returns: two tidy frames, a summary dict and (if asked) the job trace.

    `layers` (one row per layer, in execution order; `units()` maps every column to its unit)
        layer, type, unit (the compute unit that ran it); macs, executed_macs (MAC);
        compute_cycles, stall_cycles, cycles, start_cycle, end_cycle (cycles of the chip
        clock); stall_<cause> (cycles, e.g. stall_ifmap_dram on systolic chips, stall_input /
        stall_pipeline on crossbar chips); utilization and mapping_efficiency (fractions, 0-1);
        *_sram_reads / *_sram_writes (elements); dram_read_bytes, dram_write_bytes (bytes);
        seconds (s); energy_pj and energy_pj_<component> (pJ).
    `components` (long form: component, stat, unit, value)
        every counted action per component (reads, conversions, busy_cycles ...), and per
        component dynamic_energy_pj, leakage_energy_pj, energy_pj (pJ) and area_mm2 (mm2).
    `summary` (one dict, also written as summary.json)
        hardware, workload, layers, fidelity, execution, seed, clock_mhz (MHz); cycles, seconds
        (s), compute_cycles, stall_cycles, stall_<cause>, drain_cycles; macs; utilization
        (fraction); gops (GOP/s); energy_pj (pJ), energy_j (J), power_w (W), edp_j_s (J s),
        area_mm2 (mm2), gops_per_w, gops_per_mm2; chip-specific extras (DRAM bytes on systolic
        chips, crossbars_used and pipeline figures on crossbar chips); accelsim_version.
    `trace`, `counters`
        with `simulate(..., trace=True)`: (component, job, layer, start_cycle, end_cycle) per
        job (on systolic chips also each DRAM transfer, component `dram`), and counter samples
        {track: [(cycle, value), ...]} (buffer occupancy in bytes);
        `accelsim.trace.chrome_trace(result)` turns them into a Perfetto trace.
    `layers` and `components` are built as pandas frames on first use; `columns` and
    `layer_table()` do not need them.
    """

    def __init__(self, layers, components, summary: dict, trace: list | None = None, counters: dict | None = None):
        # `layers` and `components`: frames, or `Table`s turned into frames on first use (pandas
        # is a large import that a run which only prints or writes CSV does not need)
        self._layers, self._components = layers, components
        self.summary = summary
        self.trace = [] if trace is None else trace
        self.counters = {} if counters is None else counters

    @property
    def layers(self):
        if isinstance(self._layers, Table):
            self._layers = self._layers.frame()
        return self._layers

    @layers.setter
    def layers(self, frame) -> None:
        self._layers = frame

    @property
    def components(self):
        if isinstance(self._components, Table):
            self._components = self._components.frame()
        return self._components

    @components.setter
    def components(self, frame) -> None:
        self._components = frame

    @property
    def columns(self) -> list[str]:
        """The `layers` columns (without building the frame)."""
        return self._layers.columns if isinstance(self._layers, Table) else list(self._layers.columns)

    def table(self, name: str) -> Table | None:
        """`layers` or `components` as a `Table` while no frame has been built, else None."""
        value = getattr(self, f"_{name}")
        return value if isinstance(value, Table) else None

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Result {s.get('hardware', '?')} / {s.get('workload', '?')}: {len(self._layers)} layers, "
                f"{int(s.get('cycles', 0)):,} cycles ({s.get('seconds', 0) * 1e3:.4g} ms), "
                f"{s.get('energy_pj', 0) / 1e6:.4g} uJ; frames layers {len(self._layers)}x{len(self.columns)}, "
                f"components {len(self._components)}x{len(_columns(self._components))}; "
                f"{len(s)} summary keys{f'; {len(self.trace):,} trace spans' if self.trace else ''}>")

    def _repr_html_(self) -> str:
        """Notebooks: the headline figures and the per-layer table, not the raw frames."""
        import html

        s = self.summary
        rows = [("cycles", f"{int(s.get('cycles', 0)):,} ({s.get('seconds', 0) * 1e3:.4g} ms at "
                           f"{s.get('clock_mhz', 0):g} MHz)"),
                ("stalls", f"{int(s.get('stall_cycles', 0)):,} cycles"),
                ("utilization", f"{100 * s.get('utilization', 0):.2f} %"),
                ("throughput", f"{s.get('gops', 0):.4g} GOPS"),
                ("energy", f"{s.get('energy_pj', 0) / 1e6:.4g} µJ ({s.get('power_w', 0):.4g} W)"),
                ("area", f"{s.get('area_mm2', 0):.4g} mm²")]
        head = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
                       for k, v in rows)
        title = html.escape(f"{s.get('hardware', '?')} / {s.get('workload', '?')} "
                            f"({s.get('execution', '?')}, {s.get('fidelity', '?')} fidelity, seed {s.get('seed', '?')})")
        cols = [c for c in ("layer", "type", "macs", "compute_cycles", "stall_cycles", "cycles", "utilization",
                            "energy_pj") if c in self.layers.columns]
        table = self.layers[cols].to_html(index=False, max_rows=30, float_format=lambda v: f"{v:.4g}")
        return (f"<div><b>accelsim Result</b>: {title}<table>{head}</table>{table}"
                f"<small>frames: result.layers ({len(self.layers)} rows), result.components "
                f"({len(self.components)} rows); result.summary ({len(s)} keys); units: result.units()</small></div>")

    def units(self) -> dict[str, str]:
        """The unit of every `layers` column and every numeric `summary` key (as in summary.json)."""
        from accelsim.stats.units import units_of

        return units_of([*self.columns, *self.summary])

    @property
    def cycles(self) -> int:
        return int(self.summary["cycles"])

    def write(self, out_dir, formats=("csv", "json"), extra=None):
        from accelsim.stats.writers import write_result

        return write_result(self, out_dir, formats, extra)

    def layer_table(self) -> str:
        """The per-layer table the CLI prints."""
        cols = ["layer", "type", "macs", "compute_cycles", "stall_cycles", "cycles", "utilization"]
        percent = lambda v: f"{100 * v:6.2f}%"  # noqa: E731 (the same text either way)
        if self.table("layers") is not None:
            text = self.table("layers").to_string(cols, {"utilization": percent})
            if text is not None:
                return text
        frame = self.layers[cols].copy()
        frame["utilization"] = (100 * frame["utilization"]).map(lambda v: f"{v:6.2f}%")
        return frame.to_string(index=False)

    def summary_text(self) -> str:
        s = self.summary
        stalls = "".join(f"; {k[6:]} {v:,}" for k, v in s.items()
                         if k.startswith("stall_") and k != "stall_cycles" and isinstance(v, int) and v)
        lines = [
            f"hardware      {s['hardware']} ({s['execution']}, {s['fidelity']} fidelity, seed {s['seed']})",
            f"workload      {s['workload']} ({s['layers']} layers)",
            f"cycles        {s['cycles']:,} ({s['seconds'] * 1e3:.4g} ms at {s['clock_mhz']:g} MHz)",
            f"compute       {s['compute_cycles']:,} cycles; stalls {s['stall_cycles']:,}{stalls}",
            f"MACs          {s['macs']:,} (utilization {100 * s['utilization']:.2f}% of peak, executed work)",
            f"throughput    {s['gops']:.4g} GOPS"
            + (f"; pipelined {s['pipelined_inferences_per_s']:.4g} inferences/s"
               f" (paced by {s['pipeline_bound_by']})" if s.get("pipelined_inferences_per_s") else ""),
            f"energy        {s['energy_pj'] / 1e6:.4g} uJ; average power {s['power_w']:.4g} W; "
            f"{s['gops_per_w']:.4g} GOPS/W",
            f"area          {s['area_mm2']:.4g} mm2; {s['gops_per_mm2']:.4g} GOPS/mm2",
        ]
        if "dram_read_bytes" in s:
            lines.append(f"DRAM          read {s['dram_read_bytes']:,} B, written {s['dram_write_bytes']:,} B")
        if "crossbars_used" in s:
            lines.append(f"crossbars     {s['crossbars_used']:,} of {s['crossbars_total']:,} used; "
                         f"{s['crossbar_reads']:,} reads, {s['adc_conversions']:,} ADC conversions"
                         + ("; time-multiplexed" if s.get("time_multiplexed") else ""))
        return "\n".join(lines)


def _columns(frame) -> list[str]:
    return frame.columns if isinstance(frame, Table) else list(frame.columns)
