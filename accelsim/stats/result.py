"""The `Result` of a simulation: tidy frames of layers and components, and a summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Result:
    layers: pd.DataFrame
    components: pd.DataFrame
    summary: dict
    trace: list = field(default_factory=list, repr=False)

    @property
    def cycles(self) -> int:
        return int(self.summary["cycles"])

    def write(self, out_dir, formats=("csv", "json")):
        from accelsim.stats.writers import write_result

        return write_result(self, out_dir, formats)

    def layer_table(self) -> str:
        """The per-layer table the CLI prints."""
        cols = ["layer", "type", "macs", "compute_cycles", "stall_cycles", "cycles", "utilization"]
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
