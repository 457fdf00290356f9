"""``relocard waitlist``: the humanitarian-visa waiting list's public ledger.

A thin layer over :mod:`relocard.core.waitlist` (no Django). ``verify`` reads a ledger file,
recomputes its hash chain and replays its order rules: exit 0 when it is consistent, 1 naming
the first record that breaks the chain or a rule, 2 with a one-line error when the file cannot
be read as a ledger. ``ledger`` writes a member state's ledger from the database (Django is
loaded for it only). Documented in ``docs/humanitarian.md``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from relocard.cli._common import fail
from relocard.core.waitlist import LedgerFormatError, parse_ledger_json, verify_ledger

EXIT_BROKEN = 1


def _read(path: str, what: str) -> Any:
    """Read and parse a ledger file (``-``: standard input); exit 2 when it is unusable."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        fail(f"cannot read {what} {path}: {exc.strerror or exc}")
    try:
        return parse_ledger_json(data)
    except LedgerFormatError as exc:
        fail(f"{what} {_name(path)}: {exc}")


def _name(path: str) -> str:
    return "(standard input)" if path == "-" else path


@click.group(name="waitlist")
def cli() -> None:
    """The humanitarian-visa waiting list's public ledger."""


@cli.command(name="verify")
@click.argument("file", metavar="FILE")
@click.option(
    "--previous",
    "previous_path",
    metavar="EARLIER.json",
    help="An earlier copy of the same ledger: it must be an unchanged beginning of FILE.",
)
def verify_command(file: str, previous_path: str | None) -> None:
    """Recompute a ledger's hash chain and replay its order rules.

    Exit 0 if FILE is consistent, 1 naming the first record that breaks the chain or a rule,
    2 if FILE is not a readable ledger. "-" reads standard input.
    """
    document = _read(file, "ledger")
    previous = None if previous_path is None else _read(previous_path, "earlier copy")
    try:
        result = verify_ledger(document, previous=previous)
    except LedgerFormatError as exc:
        fail(f"{_name(file)}: {exc}")
    if result.problem is not None:
        click.echo(f"broken: {result.problem}")
        click.echo(
            f"{result.records} of {result.total} records of the {result.member_state} waiting "
            "list are consistent before it."
        )
        sys.exit(EXIT_BROKEN)
    note = "" if previous is None else "; the earlier copy is an unchanged beginning of it"
    click.echo(
        f"consistent: {result.records} records of the {result.member_state} waiting list, "
        f"last hash {result.head_hash}{note}"
    )


@cli.command(name="ledger")
@click.option("--member-state", "member_state", required=True, metavar="XX", help="e.g. FR")
@click.option(
    "--out", "out", metavar="FILE", help="Write the ledger to FILE instead of standard output."
)
def ledger_command(member_state: str, out: str | None) -> None:
    """Write a member state's public ledger as JSON (what `waitlist verify` reads)."""
    import json
    import re

    code = member_state.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        fail(f"--member-state {member_state!r}: give two letters, e.g. FR")
    # Local import: the command sets Django up before it loads the apps.
    from relocard.cli.platform import setup_django

    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.humanitarian.selectors import ledger_document, ledger_member_states

    if code not in ledger_member_states():
        fail(
            f"{code} has no humanitarian route configured (known: "
            f"{', '.join(ledger_member_states())})"
        )
    text = json.dumps(ledger_document(code), indent=1, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"wrote {out}", err=True)


@cli.command(name="erase")
def erase_command() -> None:
    """Erase the personal data (grounds, travellers, decisions' reasons) of closed requests
    whose retention period (the policy's humanitarian.retention) has ended, now (`relocard worker`
    also runs it every night)."""
    # Local import: the command sets Django up before it loads the apps.
    from relocard.cli.platform import setup_django

    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.humanitarian.services import requests_erase_expired

    click.echo(f"erased the personal data of {requests_erase_expired()} closed requests")
