"""``relocard rules``: explain a decision, simulate a reform, run the policy test cases.

A thin layer over :mod:`relocard.core.rules`. Every command exits 2 with one line on stderr for
input it cannot use (an unknown country or stage, a CEFR level that does not exist, a
non-numeric amount, an unknown key, a bad ``--set``); ``explain`` exits 0 whatever the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import click

from relocard.cli._common import fail, print_json, read_json_file
from relocard.core.rules import RulesError, default_library, evaluate, run_cases


class _OneLineErrors(click.Command):
    """Usage errors (an unknown option, a missing value) as one line, like every other error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            fail(f"{exc.format_message()} (see relocard rules {self.name} --help)")


def _on(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--on {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01")


def _required(value: str | None, option: str, hint: str) -> str:
    if not value:
        fail(f"{option} is required ({hint})")
    return value


def _overrides(sets: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            fail(f"--set {item!r}: expected KEY=VALUE, e.g. --set means.monthly_amount=1200")
        if key in out:
            fail(f"--set {key} is given twice; give each parameter once")
        out[key] = value.strip()
    return out


def _countries() -> str:
    return ", ".join(default_library().countries())


country_option = click.option(
    "--country", metavar="CC", help="Member state: FR, DE, PL or CY (a policy file each)."
)
stage_option = click.option("--stage", metavar="STAGE", help="issuance or renewal.")
on_option = click.option(
    "--on", "on", metavar="YYYY-MM-DD", help="Date of the policy in force (default: today)."
)
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="What-if override of a parameter, e.g. means.monthly_amount=1200 or "
    "language.accepted=de,en (repeatable).",
)


@click.group()
def cli() -> None:
    """Rules as code: explain a decision, simulate a reform, run the test cases."""


@cli.command(cls=_OneLineErrors)
@country_option
@stage_option
@on_option
@set_option
@click.option(
    "--exceptions",
    "exceptions_path",
    metavar="EXCEPTIONS.json",
    help='Accepted exceptions: a JSON list of {"kind", "days", "accepted_by", "reason"}.',
)
@click.argument("facts_path", metavar="FACTS.json")
def explain(
    country: str | None,
    stage: str | None,
    on: str | None,
    sets: tuple[str, ...],
    exceptions_path: str | None,
    facts_path: str,
) -> None:
    """Evaluate one case and print every criterion with its explanation (JSON).

    FACTS.json holds verified facts, e.g. {"nationality": "RU", "education": {"isced_level":
    7}, "languages": [{"language": "fr", "cefr": "B2"}], "liquid_assets_eur": 45000}; a
    missing key makes the criteria that need it unknown. Exits 0 whatever the outcome.
    """
    country = _required(country, "--country", _countries())
    stage = _required(stage, "--stage", "issuance or renewal")
    day = _on(on)
    overrides = _overrides(sets)
    facts = read_json_file(facts_path)
    exceptions: Any = []
    if exceptions_path is not None:
        exceptions = read_json_file(exceptions_path)
        if not isinstance(exceptions, list):
            fail(f"{exceptions_path}: expected a JSON list of accepted exceptions")
    try:
        result = evaluate(
            country=country,
            stage=stage,
            facts=facts,
            on=day,
            overrides=overrides,
            exceptions=exceptions,
        )
    except RulesError as exc:
        fail(str(exc))
    print_json(result.to_dict())


@cli.command(cls=_OneLineErrors)
@country_option
@stage_option
@on_option
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.argument("population_path", metavar="POPULATION.(parquet|csv)")
def simulate(
    country: str | None,
    stage: str | None,
    on: str | None,
    sets: tuple[str, ...],
    as_json: bool,
    population_path: str,
) -> None:
    """Count outcomes and failing criteria over a population, before and after --set.

    The table has one column per fact: nationality, isced_level, languages (in CSV written
    fr:B2;en:C1), employment, housing_tenure, housing_country, liquid_assets_eur,
    present_days, period_days, optionally force_majeure_absence_days, and an id column.
    """
    # Local import: numpy and Polars (half a second to import) load only for the bulk commands.
    from relocard.core.rules.bulk import check_columns, read_population
    from relocard.core.rules.bulk import simulate as run

    country = _required(country, "--country", _countries())
    stage = _required(stage, "--stage", "issuance or renewal")
    day = _on(on)
    overrides = _overrides(sets)
    try:
        table = read_population(population_path)
    except RulesError as exc:
        fail(str(exc))
    try:
        check_columns(table, keep=("id",))
        report = run(table, country=country, stage=stage, on=day, overrides=overrides)
    except RulesError as exc:
        fail(f"{population_path}: {exc}")
    if as_json:
        print_json(report)
    else:
        click.echo(_simulation_text(report))


def _simulation_text(report: dict[str, Any]) -> str:
    before, after = report["before"], report["after"]
    overrides = ", ".join(f"{k}={_show(v)}" for k, v in report["overrides"].items()) or "none"
    lines = [
        f"{report['country']} {report['stage']} on {report['on']}: {report['rows']:,} cases; "
        f"overrides: {overrides}",
        "",
        f"{'':28}{'before':>10}{'after':>10}{'change':>10}",
    ]

    def row(label: str, a: int, b: int) -> str:
        change = f"{b - a:+,}" if b != a else "0"
        return f"{label:28}{a:>10,}{b:>10,}{change:>10}"

    lines += [row(o, before["outcomes"][o], after["outcomes"][o]) for o in before["outcomes"]]
    lines += ["", "first criterion not met"]
    ids = list(before["criteria"])
    lines += [
        row(f"  {cid}", before["first_failing"].get(cid, 0), after["first_failing"].get(cid, 0))
        for cid in ids
    ]
    lines += ["", "not met (any position)"]
    lines += [
        row(f"  {cid}", before["criteria"][cid]["not_met"], after["criteria"][cid]["not_met"])
        for cid in ids
    ]
    lines += ["", "unknown"]
    lines += [
        row(f"  {cid}", before["criteria"][cid]["unknown"], after["criteria"][cid]["unknown"])
        for cid in ids
    ]
    moves = report["changed"]["moves"]
    lines += ["", f"cases changing outcome: {report['changed']['rows']:,}"]
    lines += [f"  {m['from']} -> {m['to']}: {m['count']:,}" for m in moves]
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@cli.command(name="test", cls=_OneLineErrors)
@click.option("-v", "--verbose", is_flag=True, help="List the cases that pass too.")
@click.argument("paths", nargs=-1, metavar="[CASES.yaml|DIR]...")
def test_command(verbose: bool, paths: tuple[str, ...]) -> None:
    """Check every policy file, then run the YAML test cases (default: the shipped ones).

    Each case runs through the single-case path and the bulk path; both must give the
    expected outcome and criterion results. Exits 1 if any case fails.
    """
    try:
        default_library().validate()
        results = run_cases(paths or None)
    except RulesError as exc:
        fail(str(exc))
    failed = [r for r in results if not r.passed]
    for r in results:
        if r.passed:
            if verbose:
                click.echo(f"PASS {r.case.label}")
            continue
        click.echo(f"FAIL {r.case.label}")
        for problem in r.problems:
            click.echo(f"     {problem}")
    if failed:
        click.echo(f"{len(failed)} of {len(results)} cases failed")
        raise SystemExit(1)
    click.echo(f"{len(results)} cases passed")
