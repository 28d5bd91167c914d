"""Translate a SCALE-Sim 3.0.0 `.cfg` file into the native config (as a plain dict).

Every key SCALE-Sim reads is either honoured or named on stderr (a `Notice`) with the
reason it has no effect; a key or section close to a known one is refused with a
did-you-mean. Numbers are parsed strictly: ASCII digits only, no `0.5` for an integer key,
no `inf`, and sizes beyond any chip are refused, each naming the `[section] key` and the
value as written.
"""

from __future__ import annotations

import configparser
import difflib
import re
from pathlib import Path

from accelsim.errors import ConfigError, notice

# The keys SCALE-Sim 3.0.0 reads (scale_config.read_conf_file), as it spells them.
KEYS = {
    "general": ["run_name"],
    "architecture_presets": ["ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB",
                             "IfmapOffset", "FilterOffset", "OfmapOffset", "Dataflow", "Bandwidth",
                             "ReadRequestBuffer", "WriteRequestBuffer", "MemoryBanks"],
    "layout": ["IfmapCustomLayout", "FilterCustomLayout", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum",
               "IfmapSRAMBankPort", "FilterSRAMBankBandwidth", "FilterSRAMBankNum", "FilterSRAMBankPort"],
    "sparsity": ["SparsitySupport", "SparseRep", "OptimizedMapping", "BlockSize", "RandomNumberGeneratorSeed",
                 "NonZeroElems"],
    "run_presets": ["InterfaceBandwidth", "UseRamulatorTrace"],
    "network_presets": ["TopologyCsvLoc"],
}
_SPELLING = {key.lower(): key for keys in KEYS.values() for key in keys}
REQUIRED = ["ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "Dataflow"]

# Upper bounds: far past any real chip, low enough that every count stays exact.
MAX_ARRAY = 65536            # PEs per side
MAX_SRAM_KB = 1 << 20        # 1 GiB per buffer
MAX_WORDS_PER_CYCLE = 1 << 20
MAX_OTHER = (1 << 63) - 1
_DIGITS = re.compile(r"[0-9]{1,30}")  # longer: out of any range, and int() refuses >4300 digits
SPARSE_REPS = ("ellpack_block", "csr", "csc")


class _Cfg:
    """The parsed file with the section/key spelling the user wrote, for messages."""

    def __init__(self, text: str, source: str):
        self.source = source
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # keep the user's spelling; lookups below are case-insensitive
        try:
            parser.read_string(text.lstrip("\ufeff"), source=source)
        except configparser.Error as exc:
            first = str(getattr(exc, "message", exc)).strip().splitlines()[0]
            raise ConfigError(f"malformed SCALE-Sim config: {first[:200]}", source) from None
        self.values: dict[tuple[str, str], tuple[str, str, str]] = {}  # (section, key) -> (section, key, raw)
        self.sections = {s.lower(): s for s in parser.sections()}
        for section in parser.sections():
            known = section.lower() in KEYS
            if not known:
                close = difflib.get_close_matches(section.lower(), list(KEYS), n=1, cutoff=0.8)
                if close:
                    raise ConfigError(f"unknown section (did you mean [{close[0]}]?)", source, f"[{section}]")
                notice(f"{source}: [{section}] has no effect: SCALE-Sim 3.0.0 does not read this section")
                continue
            valid = [k.lower() for k in KEYS[section.lower()]]
            for key, raw in parser.items(section):
                if key.lower() not in valid:
                    close = difflib.get_close_matches(key.lower(), valid, n=1, cutoff=0.8)
                    if close:
                        raise ConfigError(f"unknown key (did you mean {_SPELLING[close[0]]!r}?)",
                                          source, f"[{section}] {key}")
                    notice(f"{source}: [{section}] {key} has no effect: SCALE-Sim 3.0.0 does not read it")
                    continue
                self.values[(section.lower(), key.lower())] = (section, key, raw.strip())

    def has(self, section: str, key: str) -> bool:
        return (section, key.lower()) in self.values

    def where(self, section: str, key: str) -> str:
        sec, k, _ = self.values.get((section, key.lower()), (section, key, ""))
        return f"[{sec}] {k}"

    def raw(self, section: str, key: str, default: str | None = None) -> str:
        if (section, key.lower()) not in self.values:
            if default is None:
                if section not in self.sections:
                    raise ConfigError("missing section", self.source, f"[{section}]")
                raise ConfigError("missing key", self.source, f"[{section}] {key}")
            return default
        return self.values[(section, key.lower())][2]

    def integer(self, section: str, key: str, high: int, default: str | None = None, low: int = 1) -> int:
        raw = self.raw(section, key, default)
        where = self.where(section, key)
        if not _DIGITS.fullmatch(raw):
            raise ConfigError(f"expected a whole number (digits 0-9), got {raw[:40]!r}", self.source, where)
        value = int(raw)
        if not low <= value <= high:
            raise ConfigError(f"{raw[:40]} is out of range: expected {low} to {high:,}", self.source, where)
        return value

    def boolean(self, section: str, key: str, default: str = "false") -> bool:
        raw = self.raw(section, key, default)
        value = configparser.ConfigParser.BOOLEAN_STATES.get(raw.lower())
        if value is None:
            raise ConfigError(f"expected true or false, got {raw[:40]!r}", self.source, self.where(section, key))
        return value

    def word(self, section: str, key: str, choices: tuple[str, ...], default: str | None = None,
             lower: bool = True) -> str:
        raw = self.raw(section, key, default)
        value = raw.lower() if lower else raw.upper()
        if value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {raw[:40]!r}", self.source,
                              self.where(section, key))
        return value


def translate_scalesim_cfg(text: str, source: str) -> dict:
    cfg = _Cfg(text, source)
    arch = "architecture_presets"
    for key in REQUIRED:
        cfg.raw(arch, key)
    rows = cfg.integer(arch, "ArrayHeight", MAX_ARRAY)
    cols = cfg.integer(arch, "ArrayWidth", MAX_ARRAY)
    sizes = {op: cfg.integer(arch, f"{op.capitalize()}SramSzkB", MAX_SRAM_KB) for op in ("ifmap", "filter", "ofmap")}
    dataflow = cfg.word(arch, "Dataflow", ("os", "ws", "is"))
    mode = cfg.word("run_presets", "InterfaceBandwidth", ("CALC", "USER"), "CALC", lower=False)
    unused: list[tuple[str, str]] = []  # (where, why)

    bandwidths = [b.strip() for b in cfg.raw(arch, "Bandwidth", "").split(",")] if cfg.has(arch, "Bandwidth") else []
    bank_bw = {}
    for op in ("ifmap", "filter"):
        key = f"{op.capitalize()}SRAMBankBandwidth"
        bank_bw[op] = cfg.integer("layout", key, MAX_WORDS_PER_CYCLE, "10") if cfg.has("layout", key) else None
    if mode == "USER":
        if not bandwidths:
            raise ConfigError("missing key (InterfaceBandwidth: USER needs it)", source, f"[{arch}] Bandwidth")
        for i, b in enumerate(bandwidths):
            if not _DIGITS.fullmatch(b) or not 1 <= int(b) <= MAX_WORDS_PER_CYCLE:
                raise ConfigError(f"expected whole numbers 1 to {MAX_WORDS_PER_CYCLE:,} (words per cycle), "
                                  f"got {b[:40]!r}", source, cfg.where(arch, "Bandwidth"))
        ofmap_bw = int(bandwidths[0])
        if len(bandwidths) > 1:
            unused.append((cfg.where(arch, "Bandwidth"), "values after the first: SCALE-Sim reads only the first"))
        for op in ("ifmap", "filter"):
            if bank_bw[op] is None:  # SCALE-Sim would crash; use Bandwidth, as its v2 did
                bank_bw[op] = ofmap_bw
        dram = {"bandwidth_bytes_per_cycle": float(ofmap_bw), "latency_ns": 0.0,
                "ifmap_bandwidth_bytes_per_cycle": float(bank_bw["ifmap"]),
                "filter_bandwidth_bytes_per_cycle": float(bank_bw["filter"])}
    else:
        dram = {"bandwidth_bytes_per_cycle": "unlimited", "latency_ns": 0.0}
        for key in ("Bandwidth",):
            if cfg.has(arch, key):
                unused.append((cfg.where(arch, key), "read only with InterfaceBandwidth: USER"))
        for op in ("Ifmap", "Filter"):
            if cfg.has("layout", f"{op}SRAMBankBandwidth"):
                unused.append((cfg.where("layout", f"{op}SRAMBankBandwidth"),
                               "SCALE-Sim uses it as the DRAM bandwidth only with InterfaceBandwidth: USER"))

    for key in ("IfmapOffset", "FilterOffset", "OfmapOffset"):
        if cfg.has(arch, key):
            cfg.integer(arch, key, MAX_OTHER, low=0)
            unused.append((cfg.where(arch, key), "an address offset; SCALE-Sim uses it only to label trace addresses"))
    for key in ("ReadRequestBuffer", "WriteRequestBuffer"):
        if cfg.has(arch, key):
            cfg.integer(arch, key, MAX_OTHER, low=0)
            unused.append((cfg.where(arch, key), "SCALE-Sim uses it only for Ramulator traces"))
    if cfg.has(arch, "MemoryBanks"):
        unused.append((cfg.where(arch, "MemoryBanks"), "SCALE-Sim 3.0.0 does not read it"))
    custom = {op: cfg.boolean("layout", f"{op}CustomLayout") for op in ("Ifmap", "Filter")}
    for op in ("Ifmap", "Filter"):
        bank_keys = [k for k in (f"{op}SRAMBankNum", f"{op}SRAMBankPort") if cfg.has("layout", k)]
        for key in bank_keys:
            cfg.integer("layout", key, MAX_OTHER)
        if custom[op]:
            for key in [f"{op}CustomLayout"] + bank_keys:
                unused.append((cfg.where("layout", key), "custom SRAM layouts (SCALE-Sim's -l file) are not modelled: "
                                                         "their bank conflicts add no stalls here"))
        else:
            for key in bank_keys:
                unused.append((cfg.where("layout", key), f"used only with {op}CustomLayout: True, as in SCALE-Sim"))
    if cfg.boolean("run_presets", "UseRamulatorTrace"):
        unused.append((cfg.where("run_presets", "UseRamulatorTrace"),
                       "Ramulator DRAM traces are not modelled; SCALE-Sim's own DRAM model is used"))
    if cfg.has("network_presets", "TopologyCsvLoc"):
        unused.append((cfg.where("network_presets", "TopologyCsvLoc"), "the topology is the command's argument"))

    sparsity = _sparsity(cfg, rows, unused)
    grouped: dict[str, list[str]] = {}
    for where, why in unused:
        grouped.setdefault(why, []).append(where)
    for why, wheres in grouped.items():
        verb = "has" if len(wheres) == 1 else "have"
        notice(f"{source}: {', '.join(wheres)} {verb} no effect: {why}")

    name = cfg.raw("general", "run_name", Path(source).stem) or Path(source).stem
    sram = {op: {"capacity_kib": sizes[op], "double_buffered": True} for op in sizes}
    compute = {"type": "systolic", "rows": rows, "cols": cols, "dataflow": dataflow}
    if sparsity:
        compute["sparsity"] = sparsity
    return {
        "name": name,
        "description": f"translated from SCALE-Sim config {Path(source).name}",
        "source": "SCALE-Sim 3.0.0 .cfg (1-byte words; SRAM sizes in KiB)",
        "clock_mhz": 1000.0,
        "execution": "layer_by_layer",
        "compute": compute,
        "memory": {
            "model": "scalesim",
            "ifmap_sram": sram["ifmap"],
            "filter_sram": sram["filter"],
            "ofmap_sram": sram["ofmap"],
            "dram": dram,
        },
    }


def _sparsity(cfg: _Cfg, rows: int, unused: list) -> dict | None:
    """The [sparsity] section: None when SparsitySupport is off (the other keys then unused)."""
    sec = "sparsity"
    keys = [k for k in ("SparseRep", "OptimizedMapping", "BlockSize", "RandomNumberGeneratorSeed", "NonZeroElems")
            if cfg.has(sec, k)]
    if not cfg.boolean(sec, "SparsitySupport"):
        for key in keys:
            unused.append((cfg.where(sec, key), "read only with SparsitySupport: true"))
        return None
    rep = cfg.word(sec, "SparseRep", SPARSE_REPS, "ellpack_block")
    optimized = cfg.boolean(sec, "OptimizedMapping")
    out = {"representation": rep, "optimized_mapping": optimized}
    if cfg.has(sec, "RandomNumberGeneratorSeed"):
        out["seed"] = cfg.integer(sec, "RandomNumberGeneratorSeed", 2**32 - 1, low=0)
    if optimized:
        out["block_size"] = cfg.integer(sec, "BlockSize", rows)
    elif cfg.has(sec, "BlockSize"):
        cfg.integer(sec, "BlockSize", MAX_OTHER)
        unused.append((cfg.where(sec, "BlockSize"), "read only with OptimizedMapping: true; "
                                                    "the topology's N:M column sets the blocks"))
    if cfg.has(sec, "RandomNumberGeneratorSeed") and not optimized:
        unused.append((cfg.where(sec, "RandomNumberGeneratorSeed"), "read only with OptimizedMapping: true"))
    if cfg.has(sec, "NonZeroElems"):
        unused.append((cfg.where(sec, "NonZeroElems"), "SCALE-Sim 3.0.0 does not read it; "
                                                       "the topology's N:M column sets it"))
    return out
