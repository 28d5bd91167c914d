"""Device physics (pure numpy, no numba): MTJ switching/retention/energy (`mtj`),
NAND-SPIN write cost (`nand_spin`), ReRAM conductance levels (`reram`) and ADC
cost scaling (`adc`). Formulas and sources: docs/numerics.md.
"""

from accelsim.devices import adc, mtj, nand_spin, reram

__all__ = ["adc", "mtj", "nand_spin", "reram"]
