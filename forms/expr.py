"""A small, safe expression language for catalog conditions, calculations and rules.

Expressions are parsed with `ast` and evaluated by walking an allow-listed tree;
nothing is ever passed to `eval`. Parsing happens once, when the catalog loads,
so a bad expression is a catalog error, not a surprise at the window.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from forms.errors import ExpressionError
from forms.idnumber import InvalidIdNumber, age_on, parse

Value = Any

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_MAX_LENGTH = 500
_MAX_DEPTH = 40  # evaluation recurses per level; real conditions are a handful deep


def _num(value: Value) -> Value:
    """Numbers compute as Decimal so money never picks up binary-float cents."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _as_date(value: Value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            try:
                return parse(value).birth_date
            except InvalidIdNumber:
                return None
    return None


def _rows(group: Value) -> list[Mapping[str, Value]]:
    return [r for r in group if isinstance(r, Mapping)] if isinstance(group, list) else []


def _fn_len(x: Value) -> Value:
    return None if x is None else len(x)


def _fn_count(group: Value) -> int:
    return len(_rows(group))


def _fn_sum_of(group: Value, field: str) -> Decimal:
    total = Decimal(0)
    for row in _rows(group):
        v = _num(row.get(field))
        if isinstance(v, Decimal):
            total += v
    return total


def _fn_count_where(group: Value, field: str, value: Value) -> int:
    return sum(1 for row in _rows(group) if row.get(field) == value)


def _fn_age_of(x: Value, today: date) -> Value:
    born = _as_date(x)
    return None if born is None else age_on(born, today)


def _fn_years_since(x: Value, today: date) -> Value:
    return _fn_age_of(x, today)


def _fn_days_between(a: Value, b: Value) -> Value:
    da, db = _as_date(a), _as_date(b)
    return None if da is None or db is None else (db - da).days


def _fn_round(x: Value, n: Value = 0) -> Value:
    x = _num(x)
    if not isinstance(x, Decimal):
        return None
    return x.quantize(Decimal(1).scaleb(-int(n)), rounding=ROUND_HALF_UP)  # 四舍五入, as offices round


def _fn_min(*args: Value) -> Value:
    vals = [_num(a) for a in args if a is not None]
    return min(vals) if vals else None


def _fn_max(*args: Value) -> Value:
    vals = [_num(a) for a in args if a is not None]
    return max(vals) if vals else None


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "len": _fn_len,
    "count": _fn_count,
    "sum_of": _fn_sum_of,
    "count_where": _fn_count_where,
    "age_of": _fn_age_of,
    "years_since": _fn_years_since,
    "days_between": _fn_days_between,
    "round": _fn_round,
    "min": _fn_min,
    "max": _fn_max,
}
_NEEDS_TODAY = {"age_of", "years_since"}


@dataclass(frozen=True)
class Scope:
    """What names mean while evaluating: fields (innermost row first), the applicant, today."""

    layers: Sequence[Mapping[str, Value]]
    applicant: Mapping[str, Value]
    today: date

    def lookup(self, name: str) -> Value:
        if name == "today":
            return self.today
        for layer in self.layers:
            if name in layer:
                return _blank_to_none(layer[name])
        return None

    def inner(self, row: Mapping[str, Value]) -> Scope:
        return Scope([row, *self.layers], self.applicant, self.today)


def _blank_to_none(v: Value) -> Value:
    if v == "" or v == []:
        return None
    return v


class Expression:
    """A parsed, checked expression. `names` lists the field names it reads, `applicant_keys`
    the `applicant.<key>`s."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tree = _parse(source)
        self.names = frozenset(
            n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)
        ) - set(FUNCTIONS) - {"applicant", "today", "None", "True", "False"}
        # _check allows attributes only on `applicant`, so these are the applicant keys it reads.
        self.applicant_keys = frozenset(
            n.attr for n in ast.walk(self.tree) if isinstance(n, ast.Attribute)
        )

    def evaluate(self, scope: Scope) -> Value:
        return _Eval(scope).visit(self.tree.body)

    def truthy(self, scope: Scope) -> bool:
        try:
            return bool(self.evaluate(scope))
        except (TypeError, ArithmeticError, ValueError):
            # A condition over half-filled data (a text where a number belongs) is simply not met.
            return False

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


@lru_cache(maxsize=2048)
def _parse(source: str) -> ast.Expression:
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"expression longer than {_MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in {source!r}: {exc.msg}") from None
    _check(tree)
    return tree


_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.Compare, ast.BinOp, ast.IfExp, ast.Call, ast.Name, ast.Load, ast.Constant,
    ast.List, ast.Tuple, ast.Attribute, ast.In, ast.NotIn, *_COMPARE, *_ARITH,
)


def _depth(node: ast.AST) -> int:
    depth, level = 0, [node]
    while level:
        depth += 1
        level = [child for n in level for child in ast.iter_child_nodes(n)]
    return depth


def _check(tree: ast.AST) -> None:
    if _depth(tree) > _MAX_DEPTH:
        raise ExpressionError(f"expression nested deeper than {_MAX_DEPTH} levels")
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in catalog expressions")
        if isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id == "applicant"
        ):
            raise ExpressionError("only applicant.<key> attribute access is allowed")
        name = node.id if isinstance(node, ast.Name) else (
            node.attr if isinstance(node, ast.Attribute) else ""
        )
        if name.startswith("_"):
            raise ExpressionError(f"name {name!r} is not allowed (no names starting with _)")
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
                raise ExpressionError(f"unknown function in {ast.unparse(node)!r}")
            if node.keywords:
                raise ExpressionError("keyword arguments are not allowed")
        if isinstance(node, ast.Name) and node.id == "applicant":
            continue
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, (str, int, float, bool, type(None))
        ):
            raise ExpressionError(f"constant {node.value!r} is not allowed")


class _Eval:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def visit(self, node: ast.AST) -> Value:
        method = getattr(self, "visit_" + type(node).__name__)
        return method(node)

    def visit_Constant(self, node: ast.Constant) -> Value:
        return _num(node.value) if isinstance(node.value, (int, float)) else node.value

    def visit_Name(self, node: ast.Name) -> Value:
        return self.scope.lookup(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> Value:
        return _blank_to_none(self.scope.applicant.get(node.attr))

    def visit_List(self, node: ast.List) -> Value:
        return [self.visit(e) for e in node.elts]

    visit_Tuple = visit_List

    def visit_BoolOp(self, node: ast.BoolOp) -> Value:
        if isinstance(node.op, ast.And):
            result: Value = True
            for value in node.values:
                result = self.visit(value)
                if not result:
                    return result
            return result
        result = False
        for value in node.values:
            result = self.visit(value)
            if result:
                return result
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not operand
        operand = _num(operand)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else operand

    def visit_BinOp(self, node: ast.BinOp) -> Value:
        left, right = _num(self.visit(node.left)), _num(self.visit(node.right))
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _ARITH[type(node.op)](left, right)

    def visit_IfExp(self, node: ast.IfExp) -> Value:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def visit_Compare(self, node: ast.Compare) -> Value:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            if not self._compare(op, left, right):
                return False
            left = right
        return True

    def _compare(self, op: ast.cmpop, left: Value, right: Value) -> bool:
        if isinstance(op, (ast.In, ast.NotIn)):
            if right is None:
                found = False
            elif isinstance(right, (list, tuple, str)):
                if isinstance(right, str) and not isinstance(left, str):
                    found = False
                else:
                    found = (left in right) if isinstance(right, str) else any(
                        _num(left) == _num(r) for r in right
                    )
            else:
                found = False
            return found if isinstance(op, ast.In) else not found
        if isinstance(op, (ast.Eq, ast.NotEq)):
            equal = (left is None and right is None) or (
                left is not None and right is not None and _num(left) == _num(right)
            )
            return equal if isinstance(op, ast.Eq) else not equal
        if left is None or right is None:
            return False
        left, right = _num(left), _num(right)
        if isinstance(left, date) or isinstance(right, date):
            left, right = _as_date(left), _as_date(right)
            if left is None or right is None:
                return False
        return _COMPARE[type(op)](left, right)

    def visit_Call(self, node: ast.Call) -> Value:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        if name in _NEEDS_TODAY:
            args.append(self.scope.today)
        return FUNCTIONS[name](*args)


def render_message(template: str, scope: Scope) -> str:
    """Fill `{applicant.age}` / `{field}` placeholders in a rule message."""
    out: list[str] = []
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            out.append(template[i:])
            break
        end = template.find("}", start)
        if end < 0:
            out.append(template[i:])
            break
        out.append(template[i:start])
        key = template[start + 1 : end].strip()
        value = (
            scope.applicant.get(key.split(".", 1)[1]) if key.startswith("applicant.")
            else scope.lookup(key)
        )
        out.append("" if value is None else str(value))
        i = end + 1
    return "".join(out)
