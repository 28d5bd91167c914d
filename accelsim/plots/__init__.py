"""Plots of runs and sweeps, as matplotlib Figures (`accelsim plot` writes PNG and SVG, PDF on
request). Matplotlib is the optional `plot` extra, imported only when plotting; figures are drawn
on the Agg canvas directly, so the process-wide pyplot backend is never touched.

    import accelsim
    from accelsim import plots
    result = accelsim.simulate("hwconfigs/isaac.yaml", "workloads/lenet5.yaml")
    fig = plots.plot_timeline(result)            # a Figure: show it in a notebook, or
    plots.save(fig, "plots", "timeline")         # write plots/timeline.png and .svg

Run plots take a `Result` (or `plots.load_run(directory)`): plot_layers, plot_energy_breakdown,
plot_utilization, plot_timeline, plot_roofline, plot_dram, plot_compare(a, b). Sweep plots take
the points frame: plot_sweep, plot_pareto.
"""

from accelsim.plots.base import FORMATS, save
from accelsim.plots.cli import KINDS, add_parser, cmd_plot, load_results, load_run
from accelsim.plots.run import (plot_compare, plot_dram, plot_energy_breakdown, plot_layers, plot_roofline,
                                plot_timeline, plot_utilization, roofline_points)
from accelsim.plots.sweep import metric, pareto_mask, plot_pareto, plot_sweep

__all__ = ["FORMATS", "KINDS", "add_parser", "cmd_plot", "load_results", "load_run", "metric", "pareto_mask",
           "plot_compare", "plot_dram", "plot_energy_breakdown", "plot_layers", "plot_pareto", "plot_roofline",
           "plot_sweep", "plot_timeline", "plot_utilization", "roofline_points", "save"]
