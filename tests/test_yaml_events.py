"""The YAML reader's two paths agree: a document built straight from the parser's events
(`from_events`) equals the one built from PyYAML's composed node graph (`composed`), value
for value and type for type; anything outside the events' subset, and every error, is handed
to the composed path, so messages are the same too."""

import math
import random
from pathlib import Path

import pytest

from accelsim.config.yamlio import COMPOSE, _PyUniqueKeyLoader, _UniqueKeyLoader, composed, from_events, parse_yaml
from accelsim.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
LOADERS = [pytest.param(_UniqueKeyLoader, id="c"), pytest.param(_PyUniqueKeyLoader, id="python")]


def _same(a, b) -> bool:
    """Equal values of equal types, all the way down (NaN equal to NaN; dict order counts)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(k, j) for k, j in zip(a, b)) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _outcome(read, text, loader):
    try:
        return "value", read(text, "f.yaml", InputError, loader)
    except InputError as exc:
        return "error", str(exc)


def _agree(text, loader):
    fast, slow = _outcome(parse_yaml, text, loader), _outcome(composed, text, loader)
    assert fast[0] == slow[0], (text, fast, slow)
    assert _same(fast[1], slow[1]) if fast[0] == "value" else fast[1] == slow[1], (text, fast, slow)


SHIPPED = sorted(p for d in ("hwconfigs", "workloads", "tests/data", "tests/golden") for p in (ROOT / d).rglob("*.y*ml"))


@pytest.mark.parametrize("loader", LOADERS)
def test_every_shipped_yaml_file_reads_the_same_both_ways(loader):
    assert len(SHIPPED) > 30
    plain = 0
    for path in SHIPPED:
        text = path.read_text()
        _agree(text, loader)
        plain += from_events(loader, text) is not COMPOSE
    assert plain > len(SHIPPED) // 2  # most take the events' path


@pytest.mark.parametrize("loader", LOADERS)
def test_a_layers_list_takes_the_events_path(loader):
    text = "name: w\nlayers:\n" + "".join(f"  - {{name: g{i}, type: gemm, M: 64, K: 64, N: 64}}\n" for i in range(50))
    value = from_events(loader, text)
    assert value is not COMPOSE and _same(value, composed(text, "f", InputError, loader))


# scalars PyYAML types in YAML 1.1 ways, and the reader's own exponent floats
SCALARS = ["1", "-7", "0x1F", "017", "0o17", "0b101", "1_000", "1:30", "1e3", "1.5E-2", "+.5e1", "3.", ".inf",
           "-.Inf", ".nan", "yes", "No", "on", "OFF", "true", "~", "null", "", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
           "'1'", '"yes"', "'it''s'", '"\\u00e9"', "abc", "a b", "=", "<<", "!!str 1", "!!int '3'", "!!float 1",
           "!custom x", "!!binary aGk=", "12345678901234567890123", "9" * 5000, "|\n  block\n", ">\n  folded\n"]


def _random_doc(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice(SCALARS)
    if roll < 0.7:
        keys = [rng.choice(["a", "b", "c", "1", "1.0", "true", "<<", "? [x]", "'a'", "~"]) for _ in range(rng.randint(0, 4))]
        return "{" + ", ".join(f"{k}: {_random_doc(rng, depth + 1)}" for k in keys) + "}"
    return "[" + ", ".join(_random_doc(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"


def _random_text(rng: random.Random) -> str:
    doc = _random_doc(rng)
    if "\n" in doc and not doc.startswith(("|", ">")):
        doc = rng.choice(SCALARS[:20])
    return rng.choice(["", "--- ", "%YAML 1.1\n--- ", "%TAG !e! tag:e,2000:\n--- ", "# c\n"]) + doc + \
        rng.choice(["\n", "\n...\n", "\n---\nb\n", " #x\n", "", "\n}\n", "\n  bad: [\n"])


@pytest.mark.parametrize("loader", LOADERS)
def test_random_documents_read_the_same_both_ways(loader):
    rng = random.Random(7)
    plain = 0
    for _ in range(1500):
        text = _random_text(rng)
        _agree(text, loader)
        plain += from_events(loader, text) is not COMPOSE
    assert plain > 300  # both paths are exercised


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n", "{a: 1, a: 1}", "{1: a, 1.0: b}", "{true: a, 1: b}", "[1, [2, [3]]]\n", "? [a]\n: 1\n",
    "? {a: 1}\n: 1\n", "a: b: c\n", "a: [1, 2\n", "- a\nb: c\n", "--- 1\n--- 2\n", "", "---\n", "# only\n",
    "- " * 99 + "x\n", "- " * 100 + "x\n", "- " * 101 + "x\n", "[" * 100 + "]" * 100, "[" * 101 + "]" * 101,
    "a: !!set {x, y}\n", "a: !!omap [{x: 1}]\n", "<<: {a: 1}\n", "=: 1\n", "a: '1e3'\nb: 1e3\n", "\ufeffa: 1\n",
    "a:\n  - b: 1\n    c: [x, {d: e}]\n", "x: 9" + "9" * 5000 + "\n", "x: 2001-12-14\n", "a: &x 1\nb: *x\n",
    "! 12\n", "a: ! 12\n", "a: !!null ''\n", "? a\n", "{a, b}\n", "[a: 1, b]\n", "a: !!str\n", "[1, 2, 1]\n",
    "a: [1, 2]\nb: [1, 2]\n", "a: {x: 1}\nb: {x: 1}\n", "a: 1\n\t b: 2\n",
])
def test_edge_documents_read_the_same_both_ways(loader, text):
    _agree(text, loader)


@pytest.mark.parametrize("loader", LOADERS)
def test_equal_collections_are_separate_objects(loader):
    value = from_events(loader, "a: [1, {x: 2}]\nb: [1, {x: 2}]\n")
    assert value["a"] == value["b"] and value["a"] is not value["b"] and value["a"][1] is not value["b"][1]
