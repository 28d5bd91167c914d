"""accelsim: cycle-level simulator of DNN accelerators.

Public API: `load_hardware`, `load_workload`, `simulate`, `Result`, the error types, and the
subpackages `sweep`, `regress`, `trace` and `plots`. Imports are lazy so that `accelsim.kernels`
can be used without pulling in SimPy or pandas; `dir(accelsim)` lists the lazy names too, so
tab completion offers them.

    import accelsim
    hw = accelsim.load_hardware("hwconfigs/systolic_32x32.yaml", {"compute.rows": 64})
    result = accelsim.simulate(hw, "workloads/lenet5.yaml")
    result.layers, result.components, result.summary
"""

from accelsim.errors import ConfigError, InputError, MappingError, WorkloadError

__version__ = "0.1.0"

# name -> (module, attribute); attribute None: the name is the submodule itself
_LAZY = {
    "load_hardware": ("accelsim.config", "load_hardware"),
    "load_workload": ("accelsim.workload", "load_workload"),
    "simulate": ("accelsim.simulator", "simulate"),
    "Result": ("accelsim.stats.result", "Result"),
    "sweep": ("accelsim.sweep", None),
    "regress": ("accelsim.regress", None),
    "trace": ("accelsim.trace", None),
    "plots": ("accelsim.plots", None),
}

__all__ = ["ConfigError", "InputError", "MappingError", "WorkloadError", "__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = importlib.import_module(module)
        return value if attr is None else getattr(value, attr)
    raise AttributeError(f"module 'accelsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
