"""A small, safe expression language over named values (sweep constraints, plot metrics).

`compute.rows * compute.cols <= 4096 and compute.dataflow != 'is'` is parsed with `ast` and
evaluated by walking a whitelist of node types: numbers, strings, dotted names, arithmetic,
comparisons, `and`/`or`/`not`, `x if c else y`, tuples/lists of literals for `in`, and the
functions min, max, abs, log2. Nothing is ever passed to `eval`.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Callable, Mapping

from accelsim.errors import shown

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
_FUNCTIONS: dict[str, Callable] = {"min": min, "max": max, "abs": abs, "log2": math.log2}
_MAX_POWER = 1024  # keeps `2 ** 10 ** 10` from hanging a sweep
_MAX_RESULT_BITS = 1 << 16  # and `(2 ** 1024) ** 1024` too
MAX_TEXT = 2000  # characters; a constraint is one line


class ExprError(ValueError):
    """The text is not an expression of the language, or cannot be evaluated."""


class Expr:
    """A parsed expression; `names` are the dotted names it reads."""

    def __init__(self, text: str):
        self.text = text
        if not isinstance(text, str):
            raise ExprError(f"expected an expression as text, got {type(text).__name__}")
        if len(text) > MAX_TEXT:
            raise ExprError(f"longer than {MAX_TEXT} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExprError(f"not an expression: {exc.msg}") from None
        except (ValueError, RecursionError, MemoryError):  # null bytes; absurd nesting
            raise ExprError("not an expression: too deeply nested or not text") from None
        self._root = tree.body
        self.names: list[str] = []
        self._check(self._root)

    def _check(self, node: ast.AST) -> None:
        name = _dotted(node)
        if name is not None:
            if name in _FUNCTIONS:
                raise ExprError(f"{name} is a function; call it: {name}(...)")
            if name not in self.names:
                self.names.append(name)
            return
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool)):
                raise ExprError(f"unsupported literal {shown(node.value)}")
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left), self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for child in (node.left, *node.comparators):
                self._check(child)
        elif isinstance(node, ast.IfExp):
            for child in (node.test, node.body, node.orelse):
                self._check(child)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for child in node.elts:
                self._check(child)
        elif isinstance(node, ast.Call) and _dotted(node.func) in _FUNCTIONS and not node.keywords:
            for child in node.args:
                self._check(child)
        else:
            raise ExprError(f"{shown(ast.unparse(node))} is not allowed here; use names, numbers, strings, "
                            "arithmetic, comparisons, and/or/not, min/max/abs/log2")

    def __call__(self, values: Mapping[str, Any]) -> Any:
        try:
            return self._eval(self._root, values)
        except ExprError:
            raise
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise ExprError(f"cannot evaluate {shown(self.text)}: {exc}") from None
        except RecursionError:
            raise ExprError(f"cannot evaluate {shown(self.text)}: nested too deeply") from None

    def _eval(self, node: ast.AST, values: Mapping[str, Any]) -> Any:
        name = _dotted(node)
        if name is not None:
            if name not in values:
                raise ExprError(f"unknown name {shown(name)}")
            return values[name]
        ev = self._eval
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left, values), ev(node.right, values)
            if isinstance(node.op, ast.Pow) and abs(right) > _MAX_POWER:
                raise ExprError(f"exponent {shown(right)} is too large")
            if isinstance(node.op, ast.Mult) and (isinstance(left, str) or isinstance(right, str)):
                raise ExprError("strings cannot be multiplied")
            if isinstance(node.op, ast.Pow) and isinstance(left, int) and isinstance(right, int) \
                    and abs(left).bit_length() * abs(right) > _MAX_RESULT_BITS:
                raise ExprError(f"{shown(left)} ** {right} is too large")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand, values))
        if isinstance(node, ast.BoolOp):
            result = isinstance(node.op, ast.And)
            for value in node.values:
                result = ev(value, values)
                if bool(result) != isinstance(node.op, ast.And):
                    return result
            return result
        if isinstance(node, ast.Compare):
            left = ev(node.left, values)
            for op, comparator in zip(node.ops, node.comparators):
                right = ev(comparator, values)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return ev(node.body, values) if ev(node.test, values) else ev(node.orelse, values)
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(ev(child, values) for child in node.elts)
        assert isinstance(node, ast.Call)  # the only node left after _check
        return _FUNCTIONS[_dotted(node.func)](*(ev(arg, values) for arg in node.args))


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` as one name (config key paths are dotted), else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base is not None else None
    return None


def lookup(tree: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted key path in nested mappings; KeyError if absent."""
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node
