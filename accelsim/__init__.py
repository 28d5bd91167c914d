"""accelsim: cycle-level simulator of DNN accelerators.

Public API: `load_hardware`, `load_workload`, `simulate`, `Result`, and the error types.
Imports are lazy so that `accelsim.kernels` can be used without pulling in SimPy or pandas.
"""

from accelsim.errors import ConfigError, InputError, MappingError, WorkloadError

__version__ = "0.1.0"

_LAZY = {
    "load_hardware": ("accelsim.config", "load_hardware"),
    "load_workload": ("accelsim.workload", "load_workload"),
    "simulate": ("accelsim.simulator", "simulate"),
    "Result": ("accelsim.stats.result", "Result"),
}

__all__ = ["ConfigError", "InputError", "MappingError", "WorkloadError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
