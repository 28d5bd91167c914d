"""Numerical kernels: bit-accurate integer MAC, bit-sliced crossbar MVM with ADC,
fault injection, stochastic MTJ writes and ReRAM conductance variation.

Each public wrapper validates its inputs (``ValueError`` with a clear message),
allocates outputs and calls a private ``@njit`` kernel (options in `_numba`).
Randomness only ever comes from a caller's ``numpy.random.Generator`` (or from
pre-drawn arrays via the ``apply_*`` variants); each module documents its draw order.
"""

from accelsim.kernels.crossbar import (
    ENCODINGS,
    CrossbarSpec,
    CrossbarStats,
    crossbar_mvm,
    crossbar_mvm_levels,
    slice_inputs,
    slice_weights,
)
from accelsim.kernels.faults import (
    apply_bit_flips,
    apply_sparse_bit_flips,
    flip_gaps,
    inject_bit_flips,
    stuck_at_masks,
)
from accelsim.kernels.mac import exact_matmul, int_matmul
from accelsim.kernels.variation import apply_level_variation, crossbar_mvm_variation, perturb_levels
from accelsim.kernels.writes import apply_stochastic_write, stochastic_write

__all__ = [
    "ENCODINGS",
    "CrossbarSpec",
    "CrossbarStats",
    "apply_bit_flips",
    "apply_level_variation",
    "apply_sparse_bit_flips",
    "apply_stochastic_write",
    "crossbar_mvm",
    "crossbar_mvm_levels",
    "crossbar_mvm_variation",
    "exact_matmul",
    "flip_gaps",
    "inject_bit_flips",
    "int_matmul",
    "perturb_levels",
    "slice_inputs",
    "slice_weights",
    "stochastic_write",
    "stuck_at_masks",
]
