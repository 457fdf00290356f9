"""``relocard evidence``: the encryption at rest of evidence files (relocard.common.envelope).

* ``status``: how many files each key-encryption key wraps, and how many are still in clear;
* ``new-key``: rotate: make a new current key-encryption key (older ones keep reading);
* ``encrypt``: encrypt every file still in clear, and re-wrap every file's data key under the
  current key-encryption key (run it after ``new-key``; then an old key that ``status`` no
  longer lists can be removed from the key store).

Each run that changes something is recorded in the audit log (counts only).
"""

from __future__ import annotations

import click

from relocard.cli._common import fail
from relocard.cli.platform import setup_django


@click.group()
def cli() -> None:
    """Encryption at rest of evidence files: status, key rotation, encrypting and re-wrapping."""


def _storage():
    from django.core.files.storage import storages

    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.storage import EnvelopeStorageMixin

    storage = storages["evidence"]
    if not isinstance(storage, EnvelopeStorageMixin):
        fail("the evidence storage is not the encrypted one (STORAGES['evidence'])")
    return storage


@cli.command("status")
def status() -> None:
    """Files per key-encryption key ("clear": not yet encrypted) and the current key."""
    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.storage import evidence_keys

    storage = _storage()
    keys = evidence_keys()
    counts = storage.key_ids_in_use()
    click.echo(f"current key: {keys.current_id()}")
    for kek in keys.ids():
        click.echo(f"key {kek}: {counts.pop(kek, 0)} files")
    for other, n in sorted(counts.items()):
        label = "in clear" if other == "clear" else f"under a MISSING key {other}"
        click.echo(f"{n} files {label}")


@cli.command("new-key")
def new_key() -> None:
    """Make a new current key-encryption key (run `relocard evidence encrypt` next)."""
    setup_django()
    from django.db import transaction

    # Local import: the command sets Django up before it loads the apps.
    from relocard.audit.services import audit_record

    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.storage import evidence_keys

    with transaction.atomic():
        kek = evidence_keys().rotate()
        audit_record(
            actor=None, action="evidence.key_rotated", object_type="evidence_key", object_id=kek
        )
    click.echo(f"new current key: {kek}")


@cli.command("encrypt")
def encrypt() -> None:
    """Encrypt files still in clear and re-wrap every data key under the current key."""
    setup_django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.audit.services import audit_record

    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.envelope import EnvelopeError

    storage = _storage()
    done = {"encrypted": 0, "rewrapped": 0, "unchanged": 0}
    failed = []
    for name in storage.names():
        try:
            done[storage.encrypt_in_place(name)] += 1
        except (EnvelopeError, OSError) as exc:
            failed.append(f"{name}: {exc}")
    if done["encrypted"] or done["rewrapped"]:
        audit_record(
            actor=None,
            action="evidence.encrypted",
            object_type="evidence_store",
            object_id="evidence",
            data={**done, "failed": len(failed)},
        )
    click.echo(
        f"{done['encrypted']} encrypted, {done['rewrapped']} re-wrapped, "
        f"{done['unchanged']} already under the current key"
    )
    if failed:
        for line in failed:
            click.echo(f"error: {line}", err=True)
        raise SystemExit(1)
