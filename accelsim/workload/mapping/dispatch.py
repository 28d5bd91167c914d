"""Pick the mapper for a chip's compute fabric."""

from __future__ import annotations

from accelsim.config.schema import HardwareConfig
from accelsim.workload.layers import Workload
from accelsim.workload.mapping.plan import LayerPlan
from accelsim.workload.mapping.systolic import map_systolic

MAPPERS = {"systolic": map_systolic}


def map_workload(workload: Workload, hw: HardwareConfig) -> list[LayerPlan]:
    mapper = MAPPERS[hw.compute.type]
    return [mapper(layer, hw) for layer in workload.layers]
