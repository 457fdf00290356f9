"""``relocard loadtest seed``: a synthetic programme of N applicants for load tests.

A thin layer over :func:`relocard.ops.loadtest.seed`. It runs only on an empty PostgreSQL
database named for load tests (never on SQLite, a database in use or an https installation):
anything else gives one ``error: ...`` line and exit code 2, and nothing is written.
"""

from __future__ import annotations

import click

from relocard.cli._common import fail, print_json
from relocard.cli.platform import setup_django


@click.group(name="loadtest")
def cli() -> None:
    """Data sets for load tests (see docs/loadtest.md)."""


@cli.command(name="seed")
@click.option(
    "--applicants",
    type=click.IntRange(min=1, max=2_000_000),
    required=True,
    help="How many synthetic applicants to create (e.g. 300000).",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=2026,
    show_default=True,
    help="Random seed: the same seed gives the same proportions.",
)
def seed_command(applicants: int, seed_value: int) -> None:
    """Fill an empty, migrated PostgreSQL database with APPLICANTS synthetic applicants.

    Cases in every state across FR, DE, PL and CY, their history, evidence rows (shared
    stand-in files), decisions, cards with signed credentials, trips, share codes, checks and
    the audit log (sealed). The sign-ins and codes a load test needs are written to
    RELOCARD_VAR_DIR/loadtest.json (readable by its owner only).
    """
    setup_django()
    # Local import: the command sets Django up first; models load only after that.
    from relocard.ops.loadtest import LoadtestError, check_target, seed

    try:
        check_target()
    except LoadtestError as exc:
        fail(str(exc))
    click.echo(f"Seeding {applicants} applicants...", err=True)
    try:
        result = seed(
            applicants=applicants, seed=seed_value, echo=lambda s: click.echo(s, err=True)
        )
    except LoadtestError as exc:
        fail(str(exc))
    print_json(result)
