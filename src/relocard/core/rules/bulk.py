"""Evaluate a whole table of cases at once, from the very same rule definitions.

The criteria's expression trees (:mod:`relocard.core.rules.criteria`) compile here to Polars
expressions: one pass over the table gives every criterion's result, the outcome and the first
criterion not met for each row. Nothing is re-stated: a rule changed in ``criteria.py`` changes
both ``evaluate`` and ``evaluate_table`` (a Hypothesis test holds them to the same answers).

The table form has one column per fact (see :data:`TABLE_SCHEMA`); a column may be missing or
null (the fact is unknown). Accepted exceptions are columns ``<kind>_<attribute>``, e.g.
``force_majeure_absence_days`` (the days summed over the case's accepted exceptions of that
kind). CSV files write the languages as ``fr:B2;en:C1``; an empty cell is unknown and ``none``
means that no language is verified.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from relocard.core.rules.criteria import CRITERIA, Criterion, Result
from relocard.core.rules.engine import Outcome
from relocard.core.rules.errors import RulesError, RulesInputError
from relocard.core.rules.expr import (
    _ARITH,
    All,
    Any_,
    AnyElement,
    Arith,
    Compare,
    Const,
    Default,
    Denominator,
    Element,
    ExceptionInput,
    Expr,
    Field,
    IsIn,
    Lookup,
    Minimum,
    Not,
    Numerator,
    Param,
    Value,
    _fraction,
    param_value,
    walk,
)
from relocard.core.rules.facts import (
    FIELDS,
    MAX_AMOUNT_EUR,
    MAX_PERIOD_DAYS,
    Facts,
    country_codes,
    language_codes,
)
from relocard.core.rules.policy import Policy, PolicyLibrary, Stage, default_library, to_json
from relocard.core.rules.vocabulary import CEFR_RANK, Employment, Tenure

LANGUAGES_DTYPE = pl.List(pl.Struct({"language": pl.String, "cefr": pl.String}))
AMOUNT_DTYPE = pl.Decimal(18, 2)

#: The canonical columns of the table form (one per fact).
TABLE_SCHEMA: dict[str, pl.DataType] = {
    "nationality": pl.String(),
    "isced_level": pl.Int64(),
    "languages": LANGUAGES_DTYPE,
    "employment": pl.String(),
    "housing_tenure": pl.String(),
    "housing_country": pl.String(),
    "liquid_assets_eur": AMOUNT_DTYPE,
    "present_days": pl.Int64(),
    "period_days": pl.Int64(),
}
assert tuple(TABLE_SCHEMA) == tuple(f.name for f in FIELDS)

RESULT_DTYPE = pl.Enum([r.value for r in Result])
OUTCOME_DTYPE = pl.Enum([o.value for o in Outcome])
CRITERION_DTYPE = pl.Enum(list(CRITERIA))
CRITERION_INDEX = {cid: i for i, cid in enumerate(CRITERIA)}


@functools.cache
def exception_columns() -> tuple[str, ...]:
    """Every ``<kind>_<attribute>`` column an exception rule reads."""
    facts = {f.name for f in FIELDS}
    return tuple(c for c in stage_columns(CRITERIA) if c not in facts)


def stage_columns(criteria: Iterable[str]) -> tuple[str, ...]:
    """The columns the given criteria read: their facts and their exception columns."""
    cols: list[str] = []
    for cid in criteria:
        criterion = CRITERIA[cid]
        cols += criterion.fields
        for default in criterion.defaults:
            for rule in default.exceptions:
                cols.append(rule.marker_column)
                cols += [
                    n.column
                    for n in walk(rule.value) + (walk(rule.when) if rule.when else [])
                    if isinstance(n, ExceptionInput)
                ]
    return tuple(dict.fromkeys(cols))


# --- compiling to Polars -------------------------------------------------------------------


_NO_CONSTANT = object()


def _constant(expr: Expr, params: Mapping[str, Any]) -> Any:
    """The value of a sub-tree that needs no column (folded once), else ``_NO_CONSTANT``."""
    match expr:
        case Param(name):
            return param_value(params, name)
        case Const(value):
            return value
        case Numerator(x) | Denominator(x):
            f = _fraction(x, params)
            return f.numerator if isinstance(expr, Numerator) else f.denominator
        case Lookup(x, table):
            v = _constant(x, params)
            return _NO_CONSTANT if v is _NO_CONSTANT else dict(table).get(str(v))
        case Arith(op, a, b):
            x, y = _constant(a, params), _constant(b, params)
            if x is _NO_CONSTANT or y is _NO_CONSTANT:
                return _NO_CONSTANT
            return _ARITH[op](x, y)
    return _NO_CONSTANT


def _lit(value: Any) -> pl.Expr:
    if isinstance(value, str):  # StrEnum members too
        return pl.lit(str(value), dtype=pl.String)
    if isinstance(value, bool):
        return pl.lit(value, dtype=pl.Boolean)
    if isinstance(value, int):
        return pl.lit(value, dtype=pl.Int64)
    if isinstance(value, Decimal):
        return pl.lit(value)
    if value is None:
        return pl.lit(None)
    raise RulesError(f"no Polars literal for {value!r}")


def compile_polars(
    expr: Expr,
    params: Mapping[str, Any],
    values: Mapping[str, pl.Expr],
    columns: frozenset[str],
) -> pl.Expr:
    """Compile a tree to one Polars expression over a table with ``columns``."""

    def c(e: Expr) -> pl.Expr:
        folded = _constant(e, params)
        if folded is not _NO_CONSTANT and not isinstance(folded, frozenset | set | tuple):
            return _lit(folded)
        match e:
            case Field(name):
                return pl.col(name)
            case Element(name):
                return pl.element().struct.field(name)
            case Value(name):
                return values[name]
            case ExceptionInput() as x:
                return pl.col(x.column) if x.column in columns else pl.lit(None, dtype=pl.Int64)
            case Arith("ceildiv", a, b):
                return -((-c(a)) // c(b))
            case Arith(op, a, b):
                return {"+": c(a) + c(b), "-": c(a) - c(b), "*": c(a) * c(b)}[op]
            case Compare(op, a, b):
                x, y = c(a), c(b)
                return {">=": x >= y, ">": x > y, "<=": x <= y, "<": x < y, "==": x == y}[op]
            case All(items):
                return functools.reduce(lambda x, y: x & y, (c(i) for i in items))
            case Any_(items):
                return functools.reduce(lambda x, y: x | y, (c(i) for i in items))
            case Not(x):
                return ~c(x)
            case IsIn(x, coll):
                members = _constant(coll, params)
                if members is _NO_CONSTANT:
                    raise RulesError("is_in needs a parameter or constant collection")
                return c(x).is_in(sorted(members))
            case Lookup(x, table):
                # A when-chain, not replace_strict: inside list.eval the latter rebuilds its
                # mapping per list and ran ~150x slower on 300,000 rows.
                key = c(x)
                chain = None
                for k, v in table:
                    cond = key == pl.lit(k, dtype=pl.String)
                    chain = (pl.when(cond) if chain is None else chain.when(cond)).then(_lit(v))
                assert chain is not None
                return chain
            case Minimum(a, b):
                x, y = c(a), c(b)
                return pl.when(x <= y).then(x).when(x > y).then(y)
            case AnyElement(Field(name), predicate):
                return pl.col(name).list.eval(c(predicate), parallel=True).list.any()
            case Default(_, base, _):
                out = None
                for rule in e.by_priority:
                    if rule.marker_column not in columns:
                        continue  # no row of this table carries that kind of exception
                    applies = pl.col(rule.marker_column).is_not_null()
                    if rule.when is not None:
                        applies = applies & c(rule.when)
                    out = (pl.when(applies) if out is None else out.when(applies)).then(
                        c(rule.value)
                    )
                return c(base) if out is None else out.otherwise(c(base))
        raise RulesError(f"cannot compile {e!r} to Polars")

    return c(expr)


def criterion_expr(
    criterion: Criterion, params: Mapping[str, Any], columns: frozenset[str]
) -> pl.Expr:
    """A criterion's Kleene verdict (``True``/``False``/null) as one Polars expression."""
    values: dict[str, pl.Expr] = {}
    for name, expr in criterion.values:
        values[name] = compile_polars(expr, params, values, columns)
    return compile_polars(criterion.condition, params, values, columns)


# --- the table form ------------------------------------------------------------------------


def _fail_at(frame: pl.DataFrame, bad: pl.Series, column: str, what: str) -> None:
    hits = bad.arg_true()
    if len(hits):
        i = int(hits[0])
        value = frame[column][i]
        more = f" (and {len(hits) - 1} more rows)" if len(hits) > 1 else ""
        raise RulesInputError(f"column {column}, row {i + 1}: {value!r} {what}{more}")


def _strict_cast(frame: pl.DataFrame, column: str, dtype: pl.DataType, what: str) -> pl.Series:
    source = frame[column]
    if source.dtype == dtype:
        return source
    if source.dtype == pl.String:
        source = source.str.strip_chars()
    try:
        cast = source.cast(dtype, strict=False)
    except pl.exceptions.PolarsError:
        raise RulesInputError(f"column {column}: cannot read {source.dtype} as {what}") from None
    _fail_at(frame, cast.is_null() & source.is_not_null(), column, f"is not {what}")
    return cast


def _languages_column(frame: pl.DataFrame) -> pl.Series:
    source = frame["languages"]
    if source.dtype == pl.String:
        # An empty cell is unknown; "none" (or a quoted empty string) is no language at all.
        source = source.str.strip_chars().str.replace(r"^(?i:none)$", "")
        parsed = source.str.split(";").list.eval(
            pl.element()
            .filter(pl.element().str.strip_chars() != "")
            .str.strip_chars()
            .str.split_exact(":", 1)
            .struct.rename_fields(["language", "cefr"])
        )
    elif isinstance(source.dtype, pl.List) and isinstance(source.dtype.inner, pl.Struct):
        fields = {f.name for f in source.dtype.inner.fields}
        if fields != {"language", "cefr"}:
            raise RulesInputError(
                "column languages: list elements need exactly the fields language and cefr"
            )
        parsed = source.cast(LANGUAGES_DTYPE)
    elif source.dtype == pl.Null:
        parsed = source.cast(LANGUAGES_DTYPE)
    else:
        raise RulesInputError(
            f"column languages: expected text like 'fr:B2;en:C1' or a list of "
            f"{{language, cefr}} structs, got {source.dtype}"
        )
    return parsed


def _languages_valid(languages: pl.Series) -> bool:
    """Whether every language and level is well spelled (one pass: the common case)."""
    element = pl.element().struct.field
    return bool(
        languages.list.eval(
            (
                element("language").is_in(sorted(language_codes()))
                & element("cefr").is_in(list(CEFR_RANK))
            ).fill_null(False)
        )
        .list.all()
        .fill_null(True)
        .all()
    )


def _language_checks(languages: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Per row: every language is an ISO 639-1 code; every level a CEFR level (null: fine)."""
    lang_ok = languages.list.eval(
        pl.element().struct.field("language").is_in(sorted(language_codes())).fill_null(False)
    ).list.all()
    cefr_ok = languages.list.eval(
        pl.element().struct.field("cefr").is_in(list(CEFR_RANK)).fill_null(False)
    ).list.all()
    return lang_ok.fill_null(True), cefr_ok.fill_null(True)


def check_columns(table: pl.DataFrame, *, keep: Sequence[str] = ()) -> None:
    """Refuse a column the engine does not know (a typo would otherwise read as unknown)."""
    known = [*TABLE_SCHEMA, *exception_columns()]
    for column in table.columns:
        if column not in known and column not in keep:
            allowed = ", ".join([*known, *keep])
            raise RulesInputError(f"unknown column {column!r}; the columns are {allowed}")


def _already_valid(table: pl.DataFrame) -> bool:
    """Whether every column is already canonical and valid, checked in a single select."""
    checks = _validity_checks(table.schema)
    if checks is None:
        return False
    if not checks:
        return True
    return all(table.select(checks).row(0))


def _validity_checks(schema: Mapping[str, pl.DataType]) -> list[pl.Expr] | None:
    """One boolean aggregate per check of a canonical table; ``None`` if a column's type is
    not canonical (the table then needs converting, which the slow path does)."""
    checks: list[pl.Expr] = []
    codes = sorted(country_codes())
    bounds = {
        "isced_level": (0, 8),
        "present_days": (0, MAX_PERIOD_DAYS),
        "period_days": (1, MAX_PERIOD_DAYS),
    }
    enums = {"employment": Employment, "housing_tenure": Tenure}
    for name, dtype in schema.items():
        col = pl.col(name)
        if name in TABLE_SCHEMA and dtype != TABLE_SCHEMA[name]:
            return None
        if name in ("nationality", "housing_country"):
            checks.append(col.is_in(codes).fill_null(True).all())
        elif name in enums:
            checks.append(col.is_in([e.value for e in enums[name]]).fill_null(True).all())
        elif name in bounds:
            low, high = bounds[name]
            checks.append(((col >= low) & (col <= high)).fill_null(True).all())
        elif name == "liquid_assets_eur":
            checks.append(((col >= 0) & (col <= MAX_AMOUNT_EUR)).fill_null(True).all())
        elif name == "languages":
            element = pl.element().struct.field
            ok = (
                element("language").is_in(sorted(language_codes()))
                & element("cefr").is_in(list(CEFR_RANK))
            ).fill_null(False)
            checks.append(col.list.eval(ok, parallel=True).list.all().fill_null(True).all())
        elif name in exception_columns():
            if dtype != pl.Int64:
                return None
            checks.append((col >= 1).fill_null(True).all())
    if "present_days" in schema and "period_days" in schema:
        checks.append((pl.col("present_days") <= pl.col("period_days")).fill_null(True).all())
    return [c.alias(f"check_{i}") for i, c in enumerate(checks)]


def prepare_table(
    table: pl.DataFrame,
    *,
    keep: Sequence[str] = (),
    allow_other_columns: bool = True,
    only: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Check and convert a table to the canonical form: typed columns, codes normalised.

    Bad values are a :class:`RulesInputError` naming the column and the first row, the same
    checks :meth:`Facts.from_mapping` makes for one case. Missing fact columns become null
    (unknown); ``keep`` columns pass through untouched. With ``only``, just those columns are
    checked and returned (a stage's criteria read a subset of the facts).
    """
    if not isinstance(table, pl.DataFrame):
        raise RulesInputError(f"expected a Polars DataFrame, got {type(table).__name__}")
    if not allow_other_columns:
        check_columns(table, keep=keep)
    for k in keep:
        if k not in table.columns:
            raise RulesInputError(f"column {k!r} to keep is not in the table")
    height = table.height
    out: dict[str, pl.Series] = {k: table[k] for k in keep}
    if only is not None:
        wanted = set(only)
        table = table.select([c for c in table.columns if c in wanted or c in keep])
    if _already_valid(table):
        # The common case (a table built by the platform or by facts_table): every check
        # passes in one parallel pass and nothing needs converting.
        missing = [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in TABLE_SCHEMA.items()
            if name not in table.columns and (only is None or name in wanted)
        ]
        return table.with_columns(missing) if missing else table
    for name in ("nationality", "housing_country"):
        if name in table.columns:
            s = _strict_cast(table, name, pl.String(), "text")
            codes = sorted(country_codes())
            if not s.is_in(codes).fill_null(True).all():  # normalise only when needed
                s = s.str.strip_chars().str.to_uppercase()
            bad = s.is_not_null() & ~s.is_in(codes)
            _fail_at(table, bad, name, "is not an ISO 3166-1 alpha-2 country code")
            out[name] = s
    for name, enum in (("employment", Employment), ("housing_tenure", Tenure)):
        if name in table.columns:
            s = _strict_cast(table, name, pl.String(), "text")
            allowed = [e.value for e in enum]
            _fail_at(
                table,
                s.is_not_null() & ~s.is_in(allowed),
                name,
                f"is not one of {', '.join(allowed)}",
            )
            out[name] = s
    bounds = {
        "isced_level": (0, 8),
        "present_days": (0, MAX_PERIOD_DAYS),
        "period_days": (1, MAX_PERIOD_DAYS),
    }
    for name, (low, high) in bounds.items():
        if name in table.columns:
            s = _strict_cast(table, name, pl.Int64(), "a whole number")
            _fail_at(table, (s < low) | (s > high), name, f"is out of range ({low} to {high})")
            out[name] = s
    if "present_days" in out and "period_days" in out:
        _fail_at(
            table,
            (out["present_days"] > out["period_days"]).fill_null(False),
            "present_days",
            "exceeds period_days",
        )
    if "liquid_assets_eur" in table.columns:
        if table["liquid_assets_eur"].dtype == AMOUNT_DTYPE:
            s = table["liquid_assets_eur"]
        else:
            wide = _strict_cast(table, "liquid_assets_eur", pl.Decimal(38, 6), "an amount in euros")
            s = wide.cast(AMOUNT_DTYPE, strict=False)
            _fail_at(
                table,
                (wide != s.cast(pl.Decimal(38, 6))).fill_null(False),
                "liquid_assets_eur",
                "has more than two decimal places",
            )
        _fail_at(table, (s < 0).fill_null(False), "liquid_assets_eur", "is negative")
        _fail_at(
            table,
            (s > MAX_AMOUNT_EUR).fill_null(False),
            "liquid_assets_eur",
            "is implausibly large",
        )
        out["liquid_assets_eur"] = s
    if "languages" in table.columns:
        s = _languages_column(table)
        if not _languages_valid(s):  # normalise (and find the culprit) only when needed
            s = s.list.eval(
                pl.struct(
                    pl.element().struct.field("language").str.to_lowercase().alias("language"),
                    pl.element().struct.field("cefr").str.to_uppercase().alias("cefr"),
                )
            )
            lang_ok, cefr_ok = _language_checks(s)
            _fail_at(table, ~lang_ok, "languages", "holds a language that is not an ISO 639-1 code")
            _fail_at(
                table,
                ~cefr_ok,
                "languages",
                f"holds a level that is not a CEFR level ({', '.join(CEFR_RANK)})",
            )
        out["languages"] = s
    for name in exception_columns():
        if name in table.columns:
            s = _strict_cast(table, name, pl.Int64(), "a whole number")
            _fail_at(table, (s < 1).fill_null(False), name, "is not a positive number of days")
            out[name] = s
    for name, dtype in TABLE_SCHEMA.items():
        if name not in out and (only is None or name in wanted):
            out[name] = (
                pl.Series(name, [None] * height, dtype=dtype)
                if height
                else pl.Series(name, [], dtype=dtype)
            )
    return pl.DataFrame([out[k].alias(k) for k in out])


def facts_table(
    facts: Sequence[Facts | Mapping[str, Any]],
    exceptions: Sequence[Mapping[str, int]] | None = None,
) -> pl.DataFrame:
    """Build the table form from single cases (``exceptions``: per row, column -> value)."""
    rows = [Facts.from_mapping(f).row() for f in facts]
    data: dict[str, list[Any]] = {name: [r[name] for r in rows] for name in TABLE_SCHEMA}
    data["languages"] = [None if v is None else list(v) for v in data["languages"]]
    frame = pl.DataFrame(data, schema=TABLE_SCHEMA)
    if exceptions is not None:
        for name in exception_columns():
            frame = frame.with_columns(
                pl.Series(name, [e.get(name) for e in exceptions], dtype=pl.Int64)
            )
    return frame


# --- evaluating ----------------------------------------------------------------------------


def evaluate_table(
    table: pl.DataFrame,
    *,
    country: str | None = None,
    stage: Stage | str,
    on: date | None = None,
    overrides: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    keep: Sequence[str] = (),
    validate: bool = True,
    library: PolicyLibrary | None = None,
) -> pl.DataFrame:
    """Every criterion's result, the outcome and the first criterion not met, per row.

    Give ``country`` and ``on`` (and optional ``overrides``), or an already resolved ``policy``.
    Returns the ``keep`` columns, then one column per criterion of the stage (``met``,
    ``not_met`` or ``unknown``), ``outcome`` and ``first_failing`` (null when none is not met).
    """
    stage = Stage.parse(stage)
    if policy is None:
        if country is None or on is None:
            raise RulesInputError("evaluate_table needs a country and a date, or a policy")
        policy = (library or default_library()).snapshot(country, on=on, overrides=overrides)
    ids = policy.criteria(stage)
    if not validate:
        return _results(table.lazy(), ids, policy, frozenset(table.columns), keep).collect()
    if not isinstance(table, pl.DataFrame):
        raise RulesInputError(f"expected a Polars DataFrame, got {type(table).__name__}")
    wanted = set(stage_columns(ids))
    subset = table.select([c for c in table.columns if c in wanted or c in keep])
    checks = _validity_checks(subset.select([c for c in subset.columns if c not in keep]).schema)
    if checks:
        # Optimistic and parallel: check the table and evaluate it in the same pass; the
        # results are used only if every check holds, else the table is converted first.
        missing = [
            pl.lit(None, dtype=TABLE_SCHEMA[n]).alias(n)
            for n in TABLE_SCHEMA
            if n in wanted and n not in subset.columns
        ]
        lazy = subset.lazy().with_columns(missing)
        columns = frozenset(subset.columns) | {m.meta.output_name() for m in missing}
        verdicts, results = pl.collect_all(
            [subset.lazy().select(checks), _results(lazy, ids, policy, columns, keep)]
        )
        if all(verdicts.row(0)):
            return results
    frame = prepare_table(table, keep=keep, only=wanted)
    return _results(frame.lazy(), ids, policy, frozenset(frame.columns), keep).collect()


def _results(
    frame: pl.LazyFrame,
    ids: Sequence[str],
    policy: Policy,
    columns: frozenset[str],
    keep: Sequence[str],
) -> pl.LazyFrame:
    """The query giving each criterion's result, the outcome and the first failing criterion."""
    # Each verdict is computed once into a column, then read by the result, outcome and
    # first-failing expressions (inlined, the language criterion's list.eval ran four times).
    verdict_frame = frame.select(
        [pl.col(k) for k in keep]
        + [criterion_expr(CRITERIA[cid], policy.values, columns).alias(cid) for cid in ids]
    )
    # Results are built as small integer codes and turned into Enum values by gathering from
    # the Enum's own values: string literals cast per row cost twice the criteria themselves.
    failed = [(~pl.col(cid)).fill_null(False) for cid in ids]
    results = [
        _gather(RESULT_DTYPE, (~pl.col(cid)).cast(pl.UInt32).fill_null(2)).alias(cid) for cid in ids
    ]
    outcome_code = (
        pl.when(pl.any_horizontal(failed))
        .then(pl.lit(1, dtype=pl.UInt32))
        .when(pl.any_horizontal([pl.col(cid).is_null() for cid in ids]))
        .then(pl.lit(2, dtype=pl.UInt32))
        .otherwise(pl.lit(0, dtype=pl.UInt32))
    )
    first_code = pl.coalesce(
        [
            pl.when(f).then(pl.lit(CRITERION_INDEX[cid], dtype=pl.UInt32))
            for cid, f in zip(ids, failed, strict=True)
        ]
    )
    return verdict_frame.select(
        [pl.col(k) for k in keep]
        + results
        + [
            _gather(OUTCOME_DTYPE, outcome_code).alias("outcome"),
            _gather(CRITERION_DTYPE, first_code).alias("first_failing"),
        ]
    )


def _gather(dtype: pl.Enum, codes: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(dtype.categories, dtype=dtype)).gather(codes)


def summarise(results: pl.DataFrame, criteria: Sequence[str]) -> dict[str, Any]:
    """Counts per outcome, per first failing criterion and per criterion result."""
    outcomes = {o.value: 0 for o in Outcome}
    for value, count in results["outcome"].value_counts().iter_rows():
        outcomes[value] = count
    first: dict[str, int] = {}
    for value, count in results["first_failing"].drop_nulls().value_counts().iter_rows():
        first[value] = count
    first = {cid: first[cid] for cid in criteria if cid in first}
    per_criterion = {}
    for cid in criteria:
        counts = {r.value: 0 for r in Result}
        for value, count in results[cid].value_counts().iter_rows():
            counts[value] = count
        per_criterion[cid] = counts
    return {"outcomes": outcomes, "first_failing": first, "criteria": per_criterion}


def simulate(
    table: pl.DataFrame,
    *,
    country: str,
    stage: Stage | str,
    on: date,
    overrides: Mapping[str, Any] | None = None,
    library: PolicyLibrary | None = None,
) -> dict[str, Any]:
    """What a reform would change: counts before and after ``overrides``, and the moves."""
    stage = Stage.parse(stage)
    lib = library or default_library()
    before_policy = lib.snapshot(country, on=on)
    after_policy = lib.snapshot(country, on=on, overrides=overrides)
    frame = prepare_table(table, only=stage_columns(before_policy.criteria(stage)))
    before = evaluate_table(frame, stage=stage, policy=before_policy, validate=False)
    after = evaluate_table(frame, stage=stage, policy=after_policy, validate=False)
    moves = (
        pl.DataFrame({"from": before["outcome"], "to": after["outcome"]})
        .filter(pl.col("from") != pl.col("to"))
        .group_by("from", "to")
        .len()
        .sort("len", "from", "to", descending=[True, False, False])
    )
    criteria = before_policy.criteria(stage)
    return {
        "country": before_policy.country,
        "stage": stage.value,
        "on": on.isoformat(),
        "rows": frame.height,
        "overrides": {p: _json(after_policy.values[p]) for p in after_policy.overridden},
        "before": {"policy": before_policy.stamp.to_dict(), **summarise(before, criteria)},
        "after": {"policy": after_policy.stamp.to_dict(), **summarise(after, criteria)},
        "changed": {
            "rows": int(moves["len"].sum()) if moves.height else 0,
            "moves": [{"from": f, "to": t, "count": n} for f, t, n in moves.iter_rows()],
        },
    }


def _json(value: Any) -> Any:
    return to_json(value)


def write_population(table: pl.DataFrame, path: str | Path) -> None:
    """Write a table in the form :func:`read_population` reads: Parquet as is; CSV with the
    languages as ``fr:B2;en:C1``, ``none`` for no language and an empty cell for unknown."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        table.write_parquet(p)
        return
    if p.suffix.lower() != ".csv":
        raise RulesInputError(f"{path}: expected a .parquet or .csv file")
    if "languages" in table.columns and table.schema["languages"] != pl.String:
        element = pl.element().struct.field
        as_text = (
            pl.when(pl.col("languages").list.len() == 0)
            .then(pl.lit("none"))
            .otherwise(
                pl.col("languages")
                .list.eval(element("language") + ":" + element("cefr"))
                .list.join(";")
            )
        )
        table = table.with_columns(as_text.alias("languages"))
    table.write_csv(p)


def read_population(path: str | Path) -> pl.DataFrame:
    """Read a population table from Parquet or CSV (all CSV cells read as text, then checked)."""
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.read_parquet(p)
        if suffix == ".csv":
            return pl.read_csv(p, infer_schema=False)
    except FileNotFoundError:
        raise RulesInputError(f"{path}: no such file") from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RulesInputError(f"{path}: cannot read the table: {first}") from None
    raise RulesInputError(f"{path}: expected a .parquet or .csv file")
