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
    "--member-state",
    default=None,
    metavar="XX",
    help="Judge only this member state's cards (done once per date, as the nightly tasks do) "
    "[default: every member state].",
)
@click.option(
    "--schedule",
    is_flag=True,
    help="Then schedule the nightly run (02:00 Brussels) for `relocard worker`, "
    "unless one is already waiting.",
)
def run_command(on: str | None, member_state: str | None, schedule: bool) -> None:
    """Expire lapsed cards, send due renewal reminders and judge every active card now."""
    day = None
    if member_state is not None:
        member_state = member_state.strip().upper()
        if len(member_state) != 2 or not member_state.isascii() or not member_state.isalpha():
            fail(f"--member-state must be a two-letter code such as FR, not {member_state!r}")
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

    if member_state is not None:
        # Local import: the command sets Django up first; models load only after that.
        from relocard.reference.models import MemberState

        if not MemberState.objects.filter(code=member_state, programme_enabled=True).exists():
            fail(f"--member-state {member_state}: the programme does not run in this member state")
    try:
        run = compliance_run(today=day, member_state=member_state)
    except RelocardError as exc:
        fail(str(exc.message))
    except (ResidenceError, RulesError) as exc:
        fail(f"the run stopped and wrote nothing: {exc}")
    of = f" of {member_state}" if member_state else ""
    click.echo(
        f"compliance run{of} for {day.isoformat()}: {run.cards} cards judged, {run.changed} changed, "
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
