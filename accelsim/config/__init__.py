"""Hardware configs: the typed schema, the one YAML loader, SCALE-Sim .cfg translation."""

from accelsim.config.loader import HW_SUFFIXES, apply_overrides, load_hardware, read_hardware_dict
from accelsim.config.schema import HardwareConfig

__all__ = ["HW_SUFFIXES", "HardwareConfig", "apply_overrides", "load_hardware", "read_hardware_dict"]
