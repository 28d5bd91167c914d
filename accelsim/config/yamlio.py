"""The one YAML reader: safe loading, with every parse failure turned into an `InputError`.

libyaml's C parser (`CSafeLoader`) when PyYAML has it, the pure-Python one otherwise; both
reject duplicate keys, accept the merge key `<<: *anchor`, and refuse documents that are too
big, too deep, or that expand to too many nodes through aliases ("billion laughs").

A document of plain mappings, sequences and untagged scalars (every workload and config in
the repository but those using anchors) is built straight from the parser's events
(`from_events`); anything else, and every error, goes through PyYAML's composed node graph
(`composed`). tests/test_yaml_events.py checks that both give the same values and errors.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from accelsim.errors import InputError, shown
from accelsim.gcpause import gc_paused

MAX_BYTES = 64 * 1024 * 1024     # no config, workload or spec comes near this
MAX_NODES = 1_000_000            # added by alias expansion; each node costs validation time downstream
_CAP = 2**62                     # expansion counts stop growing here (a 10^100-node document)
MAX_DEPTH = 100                  # real inputs nest a handful of levels; validation and copies recurse

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Memo:
    """The implicit tag of a plain scalar memoised by its text: without path resolvers (none are
    added here) `resolve` is a function of (value, implicit), and a workload repeats the same
    keys and sizes on every layer; the regex scan per scalar is most of the C parser's time."""

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        memo = self.__dict__.setdefault("_tags", {})
        key = (value, implicit)
        tag = memo.get(key)
        if tag is None:
            tag = memo[key] = super().resolve(kind, value, implicit)
        return tag


class _UniqueKeyLoader(_Memo, _Base):  # type: ignore[misc,valid-type]
    """Safe loader that rejects duplicate keys instead of silently keeping the last."""


class _PyUniqueKeyLoader(_Memo, yaml.SafeLoader):
    """The pure-Python twin (tests compare the two)."""


def _construct_mapping(loader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:  # merged keys may be overridden by explicit ones
            continue
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a plain value, not a {type(key).__name__}",
                key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {shown(key)}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


# YAML 1.1 (PyYAML) reads `1e3` and `1.0e3` as strings; YAML 1.2 and every user read them as
# numbers. Configs are strictly typed, so they must arrive as floats.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$")

for _loader in (_UniqueKeyLoader, _PyUniqueKeyLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT, list("-+0123456789."))


def measure(root, limit: int = _CAP) -> tuple[int, int, int]:
    """(nodes, depth, distinct nodes) of the document once every alias is expanded, counted
    without expanding (each distinct node once, memoised); the node count stops past `limit`.
    A node that contains itself (`&a [*a]`) would expand forever: it raises RecursionError."""
    size: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:  # iterative post-order: deep documents must not exhaust the Python stack
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in open_nodes:
                raise RecursionError("a node contains itself through an alias")
            open_nodes.add(id(node))
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise RecursionError("a node contains itself through an alias")
                if id(child) not in size:
                    stack.append((child, False))
            continue
        open_nodes.discard(id(node))
        measured = [size.get(id(c), (0, 0)) for c in children]
        size[id(node)] = (min(limit + 1, 1 + sum(n for n, _ in measured)), 1 + max((d for _, d in measured), default=0))
    return (*size[id(root)], len(size))


def depth_of(root) -> int:
    """The nesting depth of a document without aliases (each node is reached once)."""
    deepest = 1
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.value if isinstance(node, yaml.SequenceNode) else \
            [n for pair in node.value for n in pair]
        for child in children:
            if isinstance(child, yaml.CollectionNode):
                stack.append((child, depth + 1))
            elif depth + 1 > deepest:
                deepest = depth + 1
    return deepest


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def parse_yaml(text: str, source: str, error: type[InputError] = InputError, loader=_UniqueKeyLoader):
    with gc_paused():  # a big document's nodes and values all live until the end (gcpause.py)
        return _parse(text, source, error, loader)


def _parse(text: str, source: str, error: type[InputError], loader):
    if len(text) > MAX_BYTES:
        raise error(f"too large for a YAML input ({len(text):,} characters; at most {MAX_BYTES:,})", source)
    if "&" not in text and "*" not in text:  # no anchor nor alias: perhaps the plain subset
        value = from_events(loader, text)
        if value is not COMPOSE:
            return value
    return composed(text, source, error, loader)


def composed(text: str, source: str, error: type[InputError] = InputError, loader=_UniqueKeyLoader):
    """The document through PyYAML's node graph: bounded, then built (any YAML, any error)."""
    try:
        reader = loader(text)
        try:
            node = reader.get_single_node()
            if node is None:
                return None
            # without an alias (each needs a '*') the document is as large as its text, which is
            # bounded; with them, what they add is counted before anything is built
            if "*" in text:
                nodes, depth, distinct = measure(node)
                if nodes - distinct > MAX_NODES:
                    raise error(f"expands to more than {MAX_NODES:,} values through aliases (a 'billion laughs' "
                                "document?); refused", source)
            else:
                depth = depth_of(node) if isinstance(node, yaml.CollectionNode) else 1
            if depth > MAX_DEPTH:
                raise error(f"nested {depth} levels deep; at most {MAX_DEPTH}", source)
            return reader.construct_document(node)
        finally:
            reader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise error(f"malformed YAML: {where}{problem}", source) from None
    except RecursionError as exc:
        reason = str(exc) if "alias" in str(exc) else "nested too deeply"
        raise error(f"malformed YAML: {reason}", source) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        reason = str(exc).split(";")[0].split("\n")[0]
        raise error(f"malformed YAML: {reason}", source) from None
    except TypeError as exc:
        raise error(f"malformed YAML: {exc}", source) from None


COMPOSE = object()  # from_events' answer for a document outside its subset
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MISSING = object()
_STR = "tag:yaml.org,2002:str"  # its constructor returns the text itself


def from_events(loader, text: str):
    """The document built straight from the parser's events, without composing its node graph
    first (at 100,000 layers that graph is ~1.2 M nodes and their marks, ~0.5 GB at its peak),
    or COMPOSE when it holds anything but mappings, sequences and untagged scalars of the safe
    kinds, or when it is malformed, too deep, or has a duplicate key: the composed path then
    reads it and gives its value or its error. Each distinct (tag, text) of a scalar is built
    once (equal scalars share one immutable object); typing is the loader's own resolver."""
    try:
        reader = loader(text)
    except Exception:
        return COMPOSE
    try:
        return _build(reader)
    except Exception:  # whatever went wrong, the composed path says it properly
        return COMPOSE
    finally:
        reader.dispose()


class _Compose(Exception):
    """Raised inside `_build`: the document leaves the events' subset."""


def _build(reader):
    get, resolve, construct = reader.get_event, reader.resolve, reader.construct_object
    built: dict = {}
    Scalar, MapStart, SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    MapEnd, SeqEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent

    def scalar(event):
        if event.anchor is not None:
            raise _Compose
        key = (event.tag, event.value, event.implicit)  # all a scalar's value depends on here
        value = built.get(key, _MISSING)
        if value is _MISSING:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag not in _PLAIN_TAGS:  # merge keys, '=', explicit tags
                raise _Compose
            value = built[key] = event.value if tag == _STR else construct(yaml.ScalarNode(tag, event.value))
        return value

    def node(event, depth: int):
        """The value starting with `event`, at nesting level `depth` (the document is level 1)."""
        kind = type(event)
        if depth > MAX_DEPTH:
            raise _Compose
        if kind is Scalar:
            return scalar(event)
        if kind is not MapStart and kind is not SeqStart or event.anchor is not None or event.tag not in (None, "!"):
            raise _Compose  # an alias, a tagged collection
        if kind is SeqStart:
            items = []
            while True:
                event = get()
                if type(event) is SeqEnd:
                    return items
                items.append(node(event, depth + 1))
        mapping = {}
        while True:
            event = get()
            kind = type(event)
            if kind is MapEnd:
                return mapping
            if kind is not Scalar:  # a list or mapping as a key (a key's depth is its value's, checked below)
                raise _Compose
            key = scalar(event)
            if key in mapping:  # a duplicate key: the composed path names it, with its line
                raise _Compose
            mapping[key] = node(get(), depth + 1)

    get()  # StreamStartEvent
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent or event.tags or reader.yaml_path_resolvers:
        return COMPOSE
    try:
        value = node(get(), 1)
    except _Compose:
        return COMPOSE
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        return COMPOSE  # several documents: refused by the composed path
    return value


def read_text(path: str | Path, error: type[InputError] = InputError) -> str:
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # bounded: /dev/zero or a 10 GB file must not hang
    except FileNotFoundError:
        raise error("file not found", str(path)) from None
    except IsADirectoryError:
        raise error("is a directory, expected a file", str(path)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if len(data) > MAX_BYTES:
        raise error(f"too large: more than {MAX_BYTES // 2**20} MiB", str(path))
    try:
        return data.decode("utf-8-sig")  # a BOM (Windows editors) is not part of the text
    except UnicodeDecodeError as exc:
        raise error(f"cannot read: not UTF-8 text (byte {exc.start})", str(path)) from None


def read_yaml(path: str | Path, error: type[InputError] = InputError):
    return parse_yaml(read_text(path, error), str(path), error)


def dump_yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
