"""``relocard letters``: the decision letters still owed, and rendering them now.

* ``pending``: every letter recorded with its decision but not yet issued (attempts, last
  error), as JSON; exit 1 when there is any, so that monitoring can alert on it;
* ``render``: render, seal and store every pending letter now (e.g. after fixing a missing
  font or key); the worker retries on its own, with a growing delay.
"""

from __future__ import annotations

import click

from relocard.cli._common import print_json
from relocard.cli.platform import setup_django


@click.group()
def cli() -> None:
    """Decision letters: list the pending ones, render them now."""


def _rows() -> list[dict]:
    # Local import: the command sets Django up before it loads the apps.
    from relocard.letters.selectors import pending_letters

    return [
        {
            "letter": letter.pk,
            "member_state": letter.member_state_id,
            "kind": letter.kind,
            "recorded_at": letter.created_at.isoformat(),
            "attempts": letter.attempts,
            "last_error": letter.last_error,
        }
        for letter in pending_letters()
    ]


@cli.command("pending")
def pending() -> None:
    """List the letters not yet issued; exit 1 when there is any."""
    setup_django()
    rows = _rows()
    print_json(rows)
    raise SystemExit(1 if rows else 0)


@cli.command("render")
def render() -> None:
    """Render, seal and store every pending letter now; exit 1 if any still fails."""
    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.letters.selectors import pending_letters
    from relocard.letters.services import letter_failed, letter_issue

    issued = failed = 0
    for letter_id in list(pending_letters().values_list("pk", flat=True)):
        try:
            letter_issue(letter_id=letter_id)
            issued += 1
        except Exception as exc:
            letter_failed(letter_id=letter_id, error=f"{type(exc).__name__}: {exc}")
            failed += 1
    print_json({"issued": issued, "failed": failed})
    raise SystemExit(1 if failed else 0)
