"""Timing regression: run listed (config, workload) pairs and compare per-layer statistics
with golden files at per-statistic tolerances. `accelsim regress DIR` and a pytest plugin
(`--accelsim-golden DIR`, fixture `accelsim_regress`) wrap `check`."""

_LAZY = {
    "check": ("accelsim.regress.compare", "check"),
    "Report": ("accelsim.regress.compare", "Report"),
    "load_suite": ("accelsim.regress.suite", "load_suite"),
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'accelsim.regress' has no attribute {name!r}")
