"""Translate a SCALE-Sim 3.0.0 `.cfg` file into the native config (as a plain dict)."""

from __future__ import annotations

import configparser
from pathlib import Path

from accelsim.errors import ConfigError

# SCALE-Sim words are 1 byte; sizes are in kB of such words.
_REQUIRED = {
    "architecture_presets": ["arrayheight", "arraywidth", "ifmapsramszkb", "filtersramszkb", "ofmapsramszkb", "dataflow"],
}


def translate_scalesim_cfg(text: str, source: str) -> dict:
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise ConfigError(f"malformed SCALE-Sim config: {exc.message if hasattr(exc, 'message') else exc}", source)
    for section, keys in _REQUIRED.items():
        if not parser.has_section(section):
            raise ConfigError("missing section", source, f"[{section}]")
        for key in keys:
            if not parser.has_option(section, key):
                raise ConfigError("missing key", source, f"[{section}] {key}")
    arch = parser["architecture_presets"]

    def integer(key: str) -> int:
        raw = arch[key].strip()
        try:
            return int(float(raw))
        except ValueError:
            raise ConfigError(f"expected a number, got {raw!r}", source, f"[architecture_presets] {key}") from None

    name = parser.get("general", "run_name", fallback=Path(source).stem).strip()
    mode = parser.get("run_presets", "interfacebandwidth", fallback="CALC").strip().upper()
    if mode == "CALC":
        dram_bw: float | str = "unlimited"
    elif mode == "USER":
        raw = arch.get("bandwidth", "").split(",")[0].strip()
        try:
            dram_bw = float(raw)
        except ValueError:
            raise ConfigError(f"expected a number, got {raw!r}", source, "[architecture_presets] Bandwidth") from None
    else:
        raise ConfigError(f"expected CALC or USER, got {mode!r}", source, "[run_presets] InterfaceBandwidth")

    def sram(key: str) -> dict:
        return {"capacity_kib": integer(key), "double_buffered": True}

    return {
        "name": name,
        "description": f"translated from SCALE-Sim config {Path(source).name}",
        "source": "SCALE-Sim 3.0.0 .cfg (1-byte words; SRAM sizes in KiB)",
        "clock_mhz": 1000.0,
        "execution": "layer_by_layer",
        "compute": {
            "type": "systolic",
            "rows": integer("arrayheight"),
            "cols": integer("arraywidth"),
            "dataflow": arch["dataflow"].strip().lower(),
        },
        "memory": {
            "ifmap_sram": sram("ifmapsramszkb"),
            "filter_sram": sram("filtersramszkb"),
            "ofmap_sram": sram("ofmapsramszkb"),
            "dram": {"bandwidth_bytes_per_cycle": dram_bw, "latency_ns": 0.0},
        },
    }
