"""Workloads: layers, file formats, and mapping onto hardware (pure functions)."""

from accelsim.workload.formats import WORKLOAD_SUFFIXES, load_workload
from accelsim.workload.layers import Layer, Workload

__all__ = ["WORKLOAD_SUFFIXES", "Layer", "Workload", "load_workload"]
