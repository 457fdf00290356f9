"""``relocard residence``: presence days (the three-quarters rule) and Schengen 90/180.

A thin layer over :mod:`relocard.core.residence`: read JSON, call the library, print JSON.
Input it cannot use gives one ``error: ...`` line naming the field, and exit code 2.
Every command here is documented in ``docs/residence.md`` (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from relocard.cli._common import fail, print_json, read_json_file
from relocard.core.residence import (
    ResidenceError,
    ResidenceInputError,
    check,
    in_schengen,
    parse_date,
    parse_input,
    parse_schengen_input,
    parse_stays,
    plan_trip,
    schengen_check,
)
from relocard.core.residence.countries import Border


def _guarded[T](action: Callable[[], T]) -> T:
    """Run ``action``; a library error becomes the one-line error and exit code 2."""
    try:
        return action()
    except ResidenceError as exc:
        fail(str(exc))


@click.group(name="residence")
def cli() -> None:
    """Presence days in the issuing state and the Schengen 90/180 rule."""


@cli.command(name="check")
@click.argument("input_path", metavar="INPUT.json")
def check_command(input_path: str) -> None:
    """Count present days in a trial period and judge the three-quarters rule.

    INPUT.json: {"country": "FR", "period": {"start": ..., "end": ...}, "as_of": ...,
    "records": [...]}; "-" reads standard input. Prints the result as JSON.
    """
    raw = read_json_file(input_path)
    result = _guarded(lambda: check(parse_input(raw)))
    print_json(result.to_dict())


@cli.command(name="schengen")
@click.argument("input_path", metavar="INPUT.json")
def schengen_command(input_path: str) -> None:
    """Days used, overstay and the longest stays allowed under the 90/180 rule.

    INPUT.json: {"stays": [{"entry": ..., "exit": ...}, ...], "control_date": ...,
    "planned_entry": ... or null}; "-" reads standard input. Prints the result as JSON.
    """
    raw = read_json_file(input_path)
    result = _guarded(lambda: schengen_check(parse_schengen_input(raw)))
    print_json(result.to_dict())


@cli.command(name="plan")
@click.argument("input_path", metavar="INPUT.json")
@click.option("--leave", "leave_text", required=True, metavar="YYYY-MM-DD", help="Day of leaving.")
@click.option(
    "--return", "return_text", required=True, metavar="YYYY-MM-DD", help="Day of returning."
)
@click.option(
    "--stays",
    "stays_path",
    metavar="STAYS.json",
    help='Stays in other Schengen states: a list, or an object with "stays".',
)
def plan_command(
    input_path: str, leave_text: str, return_text: str, stays_path: str | None
) -> None:
    """Whether a planned trip keeps the holder on track, and what 90/180 allows from its start.

    INPUT.json is the same document as for "check". Prints the answer as JSON.
    """
    raw = read_json_file(input_path)
    stays_raw: Any = None if stays_path is None else read_json_file(stays_path)

    def run() -> Any:
        inp = parse_input(raw)
        leave = parse_date(leave_text, "--leave")
        return_ = parse_date(return_text, "--return")
        stays = None
        if stays_raw is not None:
            listed = stays_raw
            if isinstance(stays_raw, dict):  # a `schengen` input document works too
                if "stays" not in stays_raw:
                    raise ResidenceInputError(
                        "missing_field", "stays", expected="a list of stays in other states"
                    )
                listed = stays_raw["stays"]
            stays = parse_stays(listed)
        return plan_trip(inp, leave, return_, schengen_stays=stays)

    print_json(_guarded(run).to_dict())


@cli.command(name="member")
@click.argument("country")
@click.argument("on", metavar="YYYY-MM-DD")
@click.option(
    "--border",
    type=click.Choice([b.value for b in Border]),
    help="Ask whether checks at this kind of internal border were lifted.",
)
def member_command(country: str, on: str, border: str | None) -> None:
    """Whether COUNTRY was in the Schengen area on a date (optionally by border type)."""

    def run() -> dict[str, Any]:
        day = parse_date(on, "date")
        return {
            "country": country,
            "date": day.isoformat(),
            "border": border,
            "in_schengen": in_schengen(country, day, border),
        }

    print_json(_guarded(run))
