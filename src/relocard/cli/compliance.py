"""``relocard compliance run``: the nightly compliance run over every active card.

A thin layer over :func:`relocard.cards.compliance.compliance_run` and
:func:`relocard.cards.tasks.schedule_nightly`. Input it cannot use gives one ``error: ...``
line and exit code 2; nothing is written then.
"""

from __future__ import annotations

import time

import click

from relocard.cli._common import fail
from relocard.cli.platform import setup_django
from relocard.core.residence import ResidenceError, parse_date
from relocard.core.rules import RulesError


@click.group(name="compliance")
def cli() -> None:
    """The nightly compliance run: expiries, renewal reminders, cards at risk."""


@cli.command(name="run")
@click.option(
    "--date",
    "on",
    default=None,
    metavar="YYYY-MM-DD",
    help="Judge the cards as of this date [default: today in Brussels].",
)
@click.option(
    "--schedule",
    is_flag=True,
    help="Then schedule the nightly run (02:00 Brussels) for `relocard worker`, "
    "unless one is already waiting.",
)
def run_command(on: str | None, schedule: bool) -> None:
    """Expire lapsed cards, send due renewal reminders and judge every active card now."""
    day = None
    if on is not None:
        try:
            day = parse_date(on, "--date")
        except ResidenceError as exc:
            fail(str(exc))
    setup_django()
    # Local import: the command sets Django up first; models load only after that.
    from relocard.cards.compliance import compliance_run, run_date
    from relocard.cards.tasks import SchedulingError, check_scheduling, schedule_nightly

    if schedule:
        try:
            check_scheduling()  # before the run: a refused command changes nothing
        except SchedulingError as exc:
            fail(str(exc))
    day = day or run_date()
    started = time.perf_counter()
    # Local import: the command sets Django up first; models load only after that.
    from relocard.common.errors import RelocardError

    try:
        run = compliance_run(today=day)
    except RelocardError as exc:
        fail(str(exc.message))
    except (ResidenceError, RulesError) as exc:
        fail(f"the run stopped and wrote nothing: {exc}")
    click.echo(
        f"compliance run for {day.isoformat()}: {run.cards} cards judged, {run.changed} changed, "
        f"{run.worsened} worsened, {run.expired} expired, {run.reminders} reminders "
        f"({time.perf_counter() - started:.1f} s)"
    )
    if not schedule:
        return
    try:
        at = schedule_nightly()
    except SchedulingError as exc:
        fail(str(exc))
    if at is None:
        click.echo("a nightly run is already scheduled")
    else:
        # Local import: the command sets Django up first; models load only after that.
        from relocard.cards.compliance import PROGRAMME_TZ

        local = at.astimezone(PROGRAMME_TZ)
        click.echo(f"next nightly run scheduled for {local:%Y-%m-%d %H:%M} (Europe/Brussels)")
