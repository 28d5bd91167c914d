"""Design-space sweeps: a spec of axes over a base config, run resumably on a pool or Dask.

`run_sweep(spec, out_dir, jobs=..., dask=...)` is the entry point; `accelsim sweep` wraps it.
Imports are lazy so that building the CLI parser stays cheap.
"""

_LAZY = {
    "run_sweep": ("accelsim.sweep.run", "run_sweep"),
    "SweepOutcome": ("accelsim.sweep.run", "SweepOutcome"),
    "load_spec": ("accelsim.sweep.spec", "load_spec"),
    "expand": ("accelsim.sweep.expand", "expand"),
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'accelsim.sweep' has no attribute {name!r}")
