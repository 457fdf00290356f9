"""A tiny expression language in which every criterion is written once.

A criterion's logic is a tree of the nodes below. The tree compiles two ways:

* to Python closures (:func:`compile_python`) that evaluate one case, used by ``evaluate``;
* to Polars expressions (:func:`relocard.core.rules.bulk.compile_polars`) that evaluate a whole
  table, used for simulations and nightly runs.

There is no second, hand-written copy of any rule: both paths read the same tree. Parameters
(:class:`Param`) are inlined at compile time from one policy snapshot, so a compiled rule is
specific to the parameters in force.

Logic is three-valued (Kleene), as in SQL and in Polars: a missing fact is ``None``, comparisons
and arithmetic with ``None`` give ``None``, ``False and None`` is ``False`` and ``True or None``
is ``True``. A criterion whose condition comes out ``None`` is *unknown*, never silently false.

Exceptions follow Catala's default logic: a :class:`Default` has a base value and exception
rules, each answering to one kind of accepted exception, with an applicability condition and a
priority. The applicable rule with the highest priority wins; priorities within one default are
distinct, so two rules can never conflict at run time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from relocard.core.rules.errors import RulesError


class Expr:
    """Base of every node; the operators build bigger trees (``==`` stays structural)."""

    __slots__ = ()

    def __add__(self, other: Expr | int) -> Expr:
        return Arith("+", self, _wrap(other))

    def __sub__(self, other: Expr | int) -> Expr:
        return Arith("-", self, _wrap(other))

    def __mul__(self, other: Expr | int) -> Expr:
        return Arith("*", self, _wrap(other))

    def __and__(self, other: Expr) -> Expr:
        return All((self, other))

    def __or__(self, other: Expr) -> Expr:
        return Any_((self, other))

    def __invert__(self) -> Expr:
        return Not(self)

    def ge(self, other: Expr | int) -> Expr:
        return Compare(">=", self, _wrap(other))

    def gt(self, other: Expr | int) -> Expr:
        return Compare(">", self, _wrap(other))

    def le(self, other: Expr | int) -> Expr:
        return Compare("<=", self, _wrap(other))

    def lt(self, other: Expr | int) -> Expr:
        return Compare("<", self, _wrap(other))

    def eq(self, other: Expr | int | str) -> Expr:
        return Compare("==", self, _wrap(other))

    def is_in(self, collection: Expr) -> Expr:
        return IsIn(self, collection)

    def lookup(self, table: Mapping[str, int]) -> Expr:
        return Lookup(self, tuple(table.items()))

    def ceil_div(self, other: Expr | int) -> Expr:
        return Arith("ceildiv", self, _wrap(other))


def _wrap(value: Expr | int | str) -> Expr:
    return value if isinstance(value, Expr) else Const(value)


@dataclass(frozen=True, slots=True)
class Field(Expr):
    """A fact: a column of the table, a key of :meth:`Facts.row`."""

    name: str


@dataclass(frozen=True, slots=True)
class Param(Expr):
    """A policy parameter, replaced by its value in force when the rule is compiled."""

    name: str


@dataclass(frozen=True, slots=True)
class Const(Expr):
    """A literal: a number, a string, or a frozenset for membership tests."""

    value: Any


@dataclass(frozen=True, slots=True)
class Value(Expr):
    """A named intermediate value of the same criterion (Catala's scope variable)."""

    name: str


@dataclass(frozen=True, slots=True)
class Arith(Expr):
    """``+``, ``-``, ``*`` or ``ceildiv`` (integer division rounding up)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    """``>=``, ``>``, ``<=``, ``<`` or ``==``; ``None`` on either side gives ``None``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class All(Expr):
    """Kleene conjunction: ``False`` wins over ``None``, ``None`` over ``True``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Any_(Expr):
    """Kleene disjunction: ``True`` wins over ``None``, ``None`` over ``False``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not(Expr):
    item: Expr


@dataclass(frozen=True, slots=True)
class IsIn(Expr):
    """Membership of a scalar in a set (a parameter or a constant frozenset)."""

    item: Expr
    collection: Expr


@dataclass(frozen=True, slots=True)
class Lookup(Expr):
    """Map a string to a number through a closed table (e.g. a CEFR level to its rank)."""

    item: Expr
    table: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Minimum(Expr):
    """The smaller of two values; ``None`` if either is."""

    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Numerator(Expr):
    """The numerator of a fraction parameter: ratios are compared in exact integers."""

    item: Expr


@dataclass(frozen=True, slots=True)
class Denominator(Expr):
    item: Expr


@dataclass(frozen=True, slots=True)
class Element(Expr):
    """A field of the current element inside :class:`AnyElement`'s predicate."""

    name: str


@dataclass(frozen=True, slots=True)
class AnyElement(Expr):
    """Whether some element of a list fact satisfies ``predicate`` (``None`` if the list is).

    An element whose predicate is ``None`` does not count, as in Polars' ``list.any``.
    """

    items: Field
    predicate: Expr


@dataclass(frozen=True, slots=True)
class ExceptionInput(Expr):
    """An attribute of the accepted exceptions of one kind (summed over them), else ``None``.

    In a table, it is the column ``<kind>_<attribute>`` (e.g. ``force_majeure_absence_days``).
    """

    kind: str
    attribute: str

    @property
    def column(self) -> str:
        return f"{self.kind}_{self.attribute}"


@dataclass(frozen=True, slots=True)
class ExceptionRule:
    """One exception to a :class:`Default`: when an accepted exception of ``kind`` exists and
    ``when`` holds (``None`` counts as not holding), the value becomes ``value``.

    ``marker`` names the attribute whose table column (``<kind>_<marker>``) is non-null exactly
    when a row has an accepted exception of this kind.
    """

    kind: str
    priority: int
    marker: str
    value: Expr
    when: Expr | None = None

    @property
    def marker_column(self) -> str:
        return f"{self.kind}_{self.marker}"


@dataclass(frozen=True, slots=True)
class Default(Expr):
    """A base value overridden by the applicable exception rule of highest priority."""

    name: str
    base: Expr
    exceptions: tuple[ExceptionRule, ...]

    def __post_init__(self) -> None:
        priorities = [rule.priority for rule in self.exceptions]
        if len(set(priorities)) != len(priorities):
            raise RulesError(
                f"default {self.name!r}: two exception rules share a priority; give each a "
                "distinct priority so that the rule which wins is never in doubt"
            )

    @property
    def by_priority(self) -> tuple[ExceptionRule, ...]:
        return tuple(sorted(self.exceptions, key=lambda r: -r.priority))


# --- walking trees -------------------------------------------------------------------------


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node (exception rules included)."""
    match expr:
        case Arith(_, a, b) | Compare(_, a, b) | Minimum(a, b):
            return (a, b)
        case All(items) | Any_(items):
            return items
        case Not(x) | Numerator(x) | Denominator(x) | Lookup(x, _):
            return (x,)
        case IsIn(x, c):
            return (x, c)
        case AnyElement(items, predicate):
            return (items, predicate)
        case Default(_, base, rules):
            out: list[Expr] = [base]
            for rule in rules:
                out.append(rule.value)
                if rule.when is not None:
                    out.append(rule.when)
            return tuple(out)
        case _:
            return ()


def walk(expr: Expr) -> list[Expr]:
    """Every node of a tree, depth first."""
    out = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


# --- the Python compiler -------------------------------------------------------------------


class Env:
    """What one case's compiled rule reads and records.

    ``exceptions`` maps a kind to its summed attributes (``{"days": 30}``); ``applied`` collects
    ``(default name, rule, base value, new value)`` for every exception that changed a value.
    """

    __slots__ = ("applied", "exceptions", "row", "values")

    def __init__(self, row: Mapping[str, Any], exceptions: Mapping[str, Mapping[str, Any]]):
        self.row = row
        self.exceptions = exceptions
        self.values: dict[str, Any] = {}
        self.applied: list[tuple[str, ExceptionRule, Any, Any]] = []


type Compiled = Callable[[Env], Any]
type ElementCompiled = Callable[[Env, Mapping[str, Any]], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


def _ceildiv(a: Any, b: Any) -> Any:
    return -((-a) // b)


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "ceildiv": _ceildiv,
}


def param_value(params: Mapping[str, Any], name: str) -> Any:
    try:
        return params[name]
    except KeyError:
        raise RulesError(f"parameter {name!r} is used by a rule but not in the policy") from None


def compile_python(expr: Expr, params: Mapping[str, Any]) -> Compiled:
    """Compile a tree into a closure over one case's :class:`Env` (parameters inlined)."""
    fn = _compile(expr, params)
    return lambda env: fn(env, None)


def _compile(expr: Expr, params: Mapping[str, Any]) -> ElementCompiled:
    # Closures rather than an interpreter loop: a single explain stays well under a millisecond.
    match expr:
        case Field(name):
            return lambda env, el: env.row[name]
        case Element(name):
            return lambda env, el: el[name]
        case Param(name):
            value = _python_constant(param_value(params, name))
            return lambda env, el: value
        case Const(value):
            return lambda env, el: value
        case Value(name):
            return lambda env, el: env.values[name]
        case ExceptionInput(kind, attribute):

            def exception_input(env: Env, el: Any) -> Any:
                found = env.exceptions.get(kind)
                return None if found is None else found.get(attribute)

            return exception_input
        case Arith(op, a, b):
            fa, fb, f = _compile(a, params), _compile(b, params), _ARITH[op]

            def arith(env: Env, el: Any) -> Any:
                x = fa(env, el)
                if x is None:
                    return None
                y = fb(env, el)
                return None if y is None else f(x, y)

            return arith
        case Compare(op, a, b):
            fa, fb, f = _compile(a, params), _compile(b, params), _COMPARE[op]

            def compare(env: Env, el: Any) -> bool | None:
                x = fa(env, el)
                if x is None:
                    return None
                y = fb(env, el)
                return None if y is None else f(x, y)

            return compare
        case Minimum(a, b):
            fa, fb = _compile(a, params), _compile(b, params)

            def minimum(env: Env, el: Any) -> Any:
                x, y = fa(env, el), fb(env, el)
                return None if x is None or y is None else min(x, y)

            return minimum
        case All(items):
            fs = [_compile(x, params) for x in items]

            def all_(env: Env, el: Any) -> bool | None:
                unknown = False
                for f in fs:
                    v = f(env, el)
                    if v is False:
                        return False
                    if v is None:
                        unknown = True
                return None if unknown else True

            return all_
        case Any_(items):
            fs = [_compile(x, params) for x in items]

            def any_(env: Env, el: Any) -> bool | None:
                unknown = False
                for f in fs:
                    v = f(env, el)
                    if v is True:
                        return True
                    if v is None:
                        unknown = True
                return None if unknown else False

            return any_
        case Not(x):
            fx = _compile(x, params)

            def not_(env: Env, el: Any) -> bool | None:
                v = fx(env, el)
                return None if v is None else not v

            return not_
        case IsIn(x, collection):
            fx, fc = _compile(x, params), _compile(collection, params)

            def is_in(env: Env, el: Any) -> bool | None:
                v = fx(env, el)
                return None if v is None else v in fc(env, el)

            return is_in
        case Lookup(x, table):
            fx, mapping = _compile(x, params), dict(table)

            def lookup(env: Env, el: Any) -> Any:
                v = fx(env, el)
                return None if v is None else mapping.get(v)

            return lookup
        case Numerator(x) | Denominator(x):
            fraction = _fraction(x, params)
            part = fraction.numerator if isinstance(expr, Numerator) else fraction.denominator
            return lambda env, el: part
        case AnyElement(Field(name), predicate):
            fp = _compile(predicate, params)

            def any_element(env: Env, el: Any) -> bool | None:
                items = env.row[name]
                if items is None:
                    return None
                return any(fp(env, item) is True for item in items)

            return any_element
        case Default(name, base, _):
            fbase = _compile(base, params)
            rules = [
                (
                    rule,
                    rule.kind,
                    _compile(rule.value, params),
                    None if rule.when is None else _compile(rule.when, params),
                )
                for rule in expr.by_priority
            ]

            def default(env: Env, el: Any) -> Any:
                base_value = fbase(env, el)
                for rule, kind, fvalue, fwhen in rules:
                    if kind in env.exceptions and (fwhen is None or fwhen(env, el) is True):
                        value = fvalue(env, el)
                        env.applied.append((name, rule, base_value, value))
                        return value
                return base_value

            return default
    raise RulesError(f"cannot compile {expr!r}")


def _python_constant(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return frozenset(value)
    return value


def _fraction(expr: Expr, params: Mapping[str, Any]) -> Fraction:
    if isinstance(expr, Param):
        value = param_value(params, expr.name)
    elif isinstance(expr, Const):
        value = expr.value
    else:
        raise RulesError("Numerator and Denominator take a parameter or a constant")
    if not isinstance(value, Fraction | int | Decimal):
        raise RulesError(f"{expr!r} is not a fraction")
    return Fraction(value)
