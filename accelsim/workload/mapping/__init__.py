"""Mapping: layer x hardware -> a plan of folds, cycles and traffic. Pure; no SimPy."""

from accelsim.workload.mapping.dispatch import map_workload
from accelsim.workload.mapping.plan import LayerPlan
from accelsim.workload.mapping.systolic import map_systolic, systolic_fold_geometry

__all__ = ["LayerPlan", "map_systolic", "map_workload", "systolic_fold_geometry"]
