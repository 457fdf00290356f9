"""The expression layer: both compilers give the same three-valued answers, node by node."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.rules import RulesError
from relocard.core.rules.bulk import compile_polars
from relocard.core.rules.expr import (
    AnyElement,
    Const,
    Default,
    Denominator,
    Element,
    Env,
    ExceptionInput,
    ExceptionRule,
    Expr,
    Field,
    Minimum,
    Numerator,
    Param,
    compile_python,
    walk,
)

TRIVALENT = [True, False, None]


def both(
    expr: Expr,
    rows: list[dict[str, Any]],
    params: dict[str, Any] | None = None,
    exceptions: list[dict[str, Any]] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Evaluate ``expr`` on every row with the Python and the Polars compiler."""
    params = params or {}
    exceptions = exceptions or [{} for _ in rows]
    fn = compile_python(expr, params)
    py = []
    for row, exc in zip(rows, exceptions, strict=True):
        totals = {"fm": {"days": exc["fm_days"]}} if exc.get("fm_days") is not None else {}
        py.append(fn(Env(row, totals)))
    schema: dict[str, Any] = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        sample = next((v for v in values if v is not None), None)
        schema[name] = (
            pl.Boolean
            if isinstance(sample, bool)
            else pl.Int64
            if isinstance(sample, int)
            else None
        )
    frame = pl.DataFrame(rows, schema_overrides={k: v for k, v in schema.items() if v})
    if any(e.get("fm_days") is not None for e in exceptions):
        frame = frame.with_columns(
            pl.Series("fm_days", [e.get("fm_days") for e in exceptions], dtype=pl.Int64)
        )
    out = frame.select(compile_polars(expr, params, {}, frozenset(frame.columns)).alias("x"))
    return py, out["x"].to_list()


def test_kleene_and_or_not_agree_with_the_truth_tables() -> None:
    rows = [{"a": a, "b": b} for a, b in itertools.product(TRIVALENT, TRIVALENT)]
    a, b = Field("a"), Field("b")
    py_and, pl_and = both(a & b, rows)
    py_or, pl_or = both(a | b, rows)
    py_not, pl_not = both(~a, rows)
    expected_and = [True, False, None, False, False, False, None, False, None]
    expected_or = [True, True, True, True, False, None, True, None, None]
    assert py_and == pl_and == expected_and
    assert py_or == pl_or == expected_or
    assert py_not == pl_not == [False, False, False, True, True, True, None, None, None]


@given(
    st.lists(
        st.tuples(st.none() | st.integers(-50, 50), st.none() | st.integers(-50, 50)),
        min_size=1,
        max_size=20,
    )
)
def test_arithmetic_and_comparisons_agree(pairs: list[tuple[int | None, int | None]]) -> None:
    rows = [{"x": x, "y": y} for x, y in pairs]
    x, y = Field("x"), Field("y")
    for expr in (
        x + y, x - y, x * y, x.ge(y), x.gt(y), x.le(y), x.lt(y), x.eq(y), Minimum(x, y),
        (x * 3).ge(y * 2), (x * 4).ceil_div(3),
    ):  # fmt: skip
        py, pol = both(expr, rows)
        assert py == pol, expr


def test_ceil_div_rounds_up() -> None:
    rows = [{"x": v} for v in (0, 1, 3, 4, 365, 366)]
    py, pol = both((Field("x") * 3).ceil_div(4), rows)
    assert py == pol == [0, 1, 3, 3, 274, 275]


def test_membership_and_lookup_propagate_unknowns() -> None:
    rows = [{"s": v} for v in ("B1", "A2", "C2", None)]
    expr = Field("s").is_in(Param("ok")) | Field("s").lookup(
        {"A1": 1, "A2": 2, "B1": 3, "C2": 6}
    ).ge(5)
    py, pol = both(expr, rows, {"ok": frozenset({"B1"})})
    assert py == pol == [True, False, True, None]


def test_any_element_ignores_unknown_elements_and_keeps_unknown_lists() -> None:
    rows = [{"l": v} for v in ([{"v": 1}, {"v": 5}], [{"v": 1}], [], None)]
    frame_rows = rows
    py, pol = both(AnyElement(Field("l"), Element("v").ge(3)), frame_rows)
    assert py == pol == [True, False, False, None]


def test_fractions_compare_in_exact_integers() -> None:
    share = Param("share")
    expr = (Field("present") * Denominator(share)).ge(Field("days") * Numerator(share))
    rows = [{"present": p, "days": 365} for p in (273, 274)]
    py, pol = both(expr, rows, {"share": Fraction(3, 4)})
    assert py == pol == [False, True]


def test_decimal_parameters_compare_with_decimal_columns() -> None:
    fn = compile_python(Field("m").ge(Param("k") * Param("n")), {"k": Decimal("1000.50"), "n": 12})
    assert fn(Env({"m": Decimal("12006.00")}, {})) is True
    assert fn(Env({"m": Decimal("12005.99")}, {})) is False


def test_the_exception_of_highest_applicable_priority_wins() -> None:
    value = Default(
        "counted",
        base=Field("x"),
        exceptions=(
            ExceptionRule(
                "fm", priority=1, marker="days", value=Field("x") + ExceptionInput("fm", "days")
            ),
            ExceptionRule(
                "fm", priority=5, marker="days", value=Const(100), when=Field("x").ge(50)
            ),
        ),
    )
    rows = [{"x": 10}, {"x": 60}, {"x": 60}, {"x": None}]
    exceptions = [{"fm_days": 3}, {"fm_days": 3}, {}, {"fm_days": 3}]
    py, pol = both(value, rows, exceptions=exceptions)
    # low priority applies to 10; the high one (applicable from 50) wins for 60; none without
    # an accepted exception; an unknown base with an unknown condition falls to the low rule.
    assert py == pol == [13, 100, 60, None]


def test_applied_exceptions_are_recorded_for_the_explanation() -> None:
    rule = ExceptionRule(
        "fm", priority=1, marker="days", value=Field("x") + ExceptionInput("fm", "days")
    )
    fn = compile_python(Default("counted", Field("x"), (rule,)), {})
    env = Env({"x": 10}, {"fm": {"days": 4}})
    assert fn(env) == 14
    assert env.applied == [("counted", rule, 10, 14)]


def test_exception_rules_with_equal_priority_are_refused() -> None:
    rule = ExceptionRule("fm", priority=1, marker="days", value=Const(1))
    with pytest.raises(RulesError, match="share a priority"):
        Default("counted", Const(0), (rule, rule))


def test_a_missing_parameter_is_a_clear_error() -> None:
    with pytest.raises(RulesError, match="parameter 'nope'"):
        compile_python(Param("nope"), {})


def test_walk_visits_every_node() -> None:
    expr = (Field("a") + Param("p")).ge(Const(3)) & ~Field("b")
    names = {type(n).__name__ for n in walk(expr)}
    assert names >= {"All", "Compare", "Arith", "Field", "Param", "Const", "Not"}
