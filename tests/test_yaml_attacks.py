"""The YAML reader under attack: every odd document ends in one bounded InputError, quickly."""

from __future__ import annotations

import time

import pytest
import yaml

import accelsim
from accelsim.config.yamlio import MAX_DEPTH, _PyUniqueKeyLoader, _UniqueKeyLoader, parse_yaml
from accelsim.errors import ConfigError, InputError, MAX_PART_CHARS, MAX_REASON_CHARS, shown
from tests.conftest import HWCONFIGS, ROOT, WORKLOADS

LOADERS = [pytest.param(_UniqueKeyLoader, id="c"), pytest.param(_PyUniqueKeyLoader, id="python")]


def _laughs(levels: int = 9, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_c_loader_is_used_when_pyyaml_has_it():
    if getattr(yaml, "__with_libyaml__", False):
        assert issubclass(_UniqueKeyLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text,reason", [
    ("[" * 10_000 + "]" * 10_000, "nest"),
    ("".join(" " * i + "a:\n" for i in range(3000)), "nest"),
    ("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5), f"at most {MAX_DEPTH}"),
    ("a: " + "9" * 5000 + "\n", "digits"),
    ("? [a, b]\n: 1\n", "a key must be a plain value, not a list"),
    ("? {a: 1}\n: 1\n", "a key must be a plain value, not a dict"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("b: &b {a: 1}\nx: {<<: *b, a: 2, a: 3}\n", "duplicate key 'a'"),
    (_laughs(), "billion laughs"),
    ("&a [*a]\n", "contains itself"),
    ("a: &a {b: *a}\n", "contains itself"),
    ("a: !!python/object/apply:os.system [ls]\n", "could not determine a constructor"),
])
def test_bad_yaml_is_one_bounded_input_error(loader, text, reason):
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        parse_yaml(text, "f.yaml", loader=loader)
    assert time.perf_counter() - started < 60  # a hang guard, not a speed test
    message = info.value.message
    assert reason in message and "\n" not in message and len(message) < 600


@pytest.mark.parametrize("loader", LOADERS)
def test_merge_key_is_standard_yaml(loader):
    text = "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\ny: {<<: [*b, {c: 4}]}\n"
    data = parse_yaml(text, "f", loader=loader)
    assert data["x"] == {"a": 1, "b": 3}
    assert data["y"] == {"a": 1, "b": 2, "c": 4}


def test_merge_key_in_a_workload(tmp_yaml):
    path = tmp_yaml("name: m\nlayers:\n  - &c {name: c1, type: conv, C: 4, H: 8, W: 8, K: 4, R: 3, S: 3, padding: 1}\n"
                    "  - {<<: *c, name: c2}\n", "wl.yaml")
    workload = accelsim.load_workload(path)
    assert [layer.name for layer in workload.layers] == ["c1", "c2"]
    assert workload.layers[0].C == workload.layers[1].C == 4


@pytest.mark.parametrize("path", HWCONFIGS + WORKLOADS, ids=lambda p: p.name)
def test_c_and_python_loaders_agree_on_shipped_files(path):
    text = path.read_text()
    assert parse_yaml(text, str(path)) == parse_yaml(text, str(path), loader=_PyUniqueKeyLoader)


def test_bom_is_not_part_of_the_text(tmp_path):
    src = ROOT / "hwconfigs" / "systolic_32x32.yaml"
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    assert accelsim.load_hardware(path) == accelsim.load_hardware(src)


def test_huge_and_endless_files_are_refused(tmp_path, monkeypatch):
    import accelsim.config.yamlio as yamlio

    monkeypatch.setattr(yamlio, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 1000)
    with pytest.raises(ConfigError, match="too large"):
        accelsim.load_hardware(path)
    with pytest.raises(ConfigError, match="too large"):
        accelsim.load_hardware("/dev/zero")


def test_messages_echo_a_bounded_part_of_the_input(tmp_yaml):
    text = (ROOT / "hwconfigs" / "systolic_32x32.yaml").read_text()
    hw = accelsim.load_hardware(ROOT / "hwconfigs" / "systolic_32x32.yaml")
    path = tmp_yaml(text.replace(f"clock_mhz: {hw.clock_mhz:g}", "clock_mhz: " + "x" * 200_000, 1))
    with pytest.raises(ConfigError) as info:
        accelsim.load_hardware(path)
    assert info.value.key == "clock_mhz" and len(info.value.message) < 600


def test_error_parts_are_clipped():
    err = InputError("r" * 10_000 + "\nsecond line", "s" * 10_000, "k" * 10_000)
    assert len(err.message) <= MAX_REASON_CHARS + 2 * MAX_PART_CHARS + 4 and "\n" not in err.message
    assert len(shown("x" * 10**6)) <= 60
    assert "bits" in shown(10**4000)
    shared = ["lol"]
    for _ in range(40):
        shared = [shared] * 10
    started = time.perf_counter()
    assert len(shown(shared)) <= 60 and time.perf_counter() - started < 30  # hang guard


def test_control_characters_are_escaped_not_echoed():
    err = InputError("unknown section [l\x1dyout] \x1b[31m", "f.cfg", "k\u2028x")
    assert err.message.isprintable() and len(err.message.splitlines()) == 1
    assert "\\x1d" in err.message and "\\x1b" in err.message


def test_large_documents_without_aliases_read_and_alias_growth_is_what_counts(monkeypatch):
    """The node bound is on what aliases add: a document of more literal values than the bound
    reads (a 100,000-layer workload has 1.1 million), a few aliases over them are fine, and
    laughs are refused however small the text. (The bound is lowered 1,000x to keep this fast.)"""
    from accelsim.config import yamlio

    monkeypatch.setattr(yamlio, "MAX_NODES", 1000)
    rows = "".join(f"  - {{name: g{i}, type: gemm, M: 64, K: 64, N: 64}}\n" for i in range(100))
    data = parse_yaml(f"layers:\n{rows}", "big.yaml")  # 1,103 values
    assert len(data["layers"]) == 100 and data["layers"][-1] == {"name": "g99", "type": "gemm", "M": 64, "K": 64, "N": 64}
    shared = parse_yaml("d: &d {M: 64, K: 64}\nlayers:\n" + "".join(f"  - {{<<: *d, name: g{i}}}\n" for i in range(100)),
                        "shared.yaml")  # aliases add 400 values
    assert shared["layers"][99] == {"M": 64, "K": 64, "name": "g99"}
    for loader in (_UniqueKeyLoader, _PyUniqueKeyLoader):
        with pytest.raises(InputError, match="billion laughs"):
            parse_yaml(_laughs(levels=4, width=10), "laughs.yaml", loader=loader)  # 10^4 values from 40 written
