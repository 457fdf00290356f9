"""``relocard backup`` and ``relocard restore``: a thin layer over :mod:`relocard.ops.backup`.

The passphrase comes from ``RELOCARD_BACKUP_PASSPHRASE`` or is asked for (twice for a
backup). Unusable input gives one ``error: ...`` line and exit code 2; nothing is written then.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from relocard.cli._common import fail
from relocard.cli.platform import setup_django

PASSPHRASE_ENV = "RELOCARD_BACKUP_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)


def _passphrase(confirm: bool) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    return click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup(dest: Path) -> None:
    """Write an encrypted backup (database, evidence, key store, secret key) to DEST.

    The passphrase (12 characters or more) is read from RELOCARD_BACKUP_PASSPHRASE or asked
    for. Keep it apart from the backup: without it the backup cannot be read.
    """
    # Local import: the command sets Django up before it loads the apps.
    from relocard.ops.archive import ArchiveError, check_passphrase

    passphrase = _passphrase(confirm=True)
    try:
        check_passphrase(passphrase)
    except ArchiveError as exc:
        fail(str(exc))
    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.ops.backup import BackupError, backup_create

    try:
        summary = backup_create(dest=dest, passphrase=passphrase)
    except BackupError as exc:
        fail(str(exc))
    click.echo(
        f"backup {summary.backup_id} written to {summary.path} ({summary.size} bytes): "
        f"{summary.vendor} database, {summary.evidence_files} evidence files, "
        f"{summary.key_files} key-store files"
    )


@click.command()
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
def restore(src: Path) -> None:
    """Restore the backup SRC into this new, empty installation.

    The database (DATABASE_URL, or SQLite in RELOCARD_VAR_DIR) must have no tables, and the
    evidence and key folders must be empty. The passphrase is read from
    RELOCARD_BACKUP_PASSPHRASE or asked for. Nothing is written unless the whole backup
    decrypts and checks.
    """
    passphrase = _passphrase(confirm=False)
    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.ops.backup import BackupError, backup_restore

    try:
        summary = backup_restore(src=src, passphrase=passphrase)
    except BackupError as exc:
        fail(str(exc))
    click.echo(
        f"restored backup {summary.backup_id} of {summary.created_at}: {summary.vendor} "
        f"database, {summary.evidence_files} evidence files, {summary.key_files} key-store files"
    )
    if summary.pending_migrations:
        click.echo(
            f"the backup predates this version: run `relocard migrate` "
            f"({summary.pending_migrations} migrations to apply)"
        )
