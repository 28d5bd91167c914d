"""Pick the mapper for a chip's compute fabric."""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig
from accelsim.workload.layers import Workload
from accelsim.workload.mapping.plan import LayerPlan
from accelsim.workload.mapping.row_stationary import map_row_stationary
from accelsim.workload.mapping.systolic import map_systolic


def map_workload(workload: Workload, hw: HardwareConfig) -> list[LayerPlan]:
    """Plans for a PE-array chip: SCALE-Sim's systolic timing, or Eyeriss's row-stationary."""
    mapper = map_row_stationary if hw.compute.dataflow == "rs" else map_systolic
    return [mapper(layer, hw) for layer in workload.layers]
