"""The one place Numba options live.

Every compiled kernel in `accelsim.kernels` is decorated with `@njit` from this
module, so changing caching or GIL behaviour is a one-line edit here.

Why these options:
- `cache=True`: compiled machine code is written next to the sources
  (``__pycache__``) so a fresh process does not pay the JIT cost again.
- `nogil=True`: kernels release the GIL, so a threaded simulator can overlap them.
- no `fastmath`: kernels must be bit-identical to the numpy oracles in
  ``tests/naive.py``; reassociation, FMA contraction or approximate division
  would break that.
- no `parallel=True`: the workqueue threading layer aborts when two Python threads
  launch parallel kernels at once, and the heavy lifting (partial sums) already
  runs in multi-threaded BLAS. Kernels are serial and thread-safe.

Kernels only do exact-by-IEEE arithmetic (+, -, *, /, floor, compares, integer
bit operations). Transcendental functions (exp, log) are evaluated with numpy in
the wrappers, because numba's libm and numpy's SIMD implementations differ in the
last ulp and the outputs would then depend on which side computed them.
"""

from __future__ import annotations

from typing import Any, Callable

import numba

NJIT: dict[str, Any] = dict(cache=True, nogil=True)


def njit(**overrides: Any) -> Callable[[Callable], Callable]:
    """`numba.njit` with the project-wide options (`NJIT`), optionally overridden."""
    return numba.njit(**{**NJIT, **overrides})


__all__ = ["NJIT", "njit"]
