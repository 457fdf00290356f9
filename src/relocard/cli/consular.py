"""``relocard consular``: the consular channel's public appointment draws.

A thin layer over :mod:`relocard.core.consular` (no Django). ``draw-verify`` reads a draw
record (as published at ``/consular/draws/<mission>/<window>/<n>.json``), checks that its
seed matches the commitment and recomputes the assignment of slots: exit 0 when it
recomputes, 1 naming what differs, 2 with a one-line error when the file cannot be read as
a performed draw record. Documented in ``docs/consular.md``.
"""

from __future__ import annotations

import sys

import click

from relocard.cli._common import fail, read_json_file
from relocard.core.consular import RecordError, verify_record

EXIT_MISMATCH = 1


@click.group(name="consular")
def cli() -> None:
    """The consular channel's public appointment draws."""


@cli.command(name="draw-verify")
@click.argument("file", metavar="FILE")
def draw_verify_command(file: str) -> None:
    """Recompute a published draw record from its seed.

    Exit 0 if the seed matches the commitment and the result recomputes, 1 naming what
    differs, 2 if FILE is not a readable record of a performed draw. "-" reads standard input.
    """
    record = read_json_file(file)
    try:
        result = verify_record(record)
    except RecordError as exc:
        fail(f"{'(standard input)' if file == '-' else file}: {exc}")
    if not result.ok:
        for problem in result.problems:
            click.echo(f"mismatch: {problem}")
        sys.exit(EXIT_MISMATCH)
    click.echo(
        f"recomputed: draw {record.get('draw')} of window {record.get('window', {}).get('id')}: "
        f"{len(record['assignments'])} of {len(record['slots'])} slots to "
        f"{len(record['entries'])} entries; the seed matches its commitment"
    )
