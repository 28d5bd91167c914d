"""Energy and area: per-action tables from the config, and the pricing pass over run statistics."""

from accelsim.energy.pricing import area_by_component, price
from accelsim.energy.table import Entry, energy_table

__all__ = ["Entry", "area_by_component", "energy_table", "price"]
