"""The programme's keyed person index: its secret and the keys of an applicant record.

The secret (32 bytes or more) comes from ``RELOCARD_PERSON_INDEX_KEY`` (hex), or from the key
store: the file ``person-index.key`` in ``RELOCARD_KEY_DIR``, created once (mode 0600) when
absent. Losing it makes every stored key useless (they are recomputed with a new one by
``relocard migrate``'s data migration or :func:`reindex_all`); disclosing it lets whoever
knows a passport number test whether it is in the index, so it is kept like a signing key.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

from django.conf import settings

from relocard.core.identity.person import name_key, passport_key

__all__ = ["applicant_keys", "index_applicant", "index_secret", "reindex_all"]

ENV = "RELOCARD_PERSON_INDEX_KEY"
FILE_NAME = "person-index.key"


@functools.cache
def index_secret() -> bytes:
    value = os.environ.get(ENV, "").strip()
    if value:
        secret = bytes.fromhex(value)
        if len(secret) < 32:
            raise ValueError(f"{ENV} must be at least 32 bytes (64 hex digits)")
        return secret
    path = Path(settings.RELOCARD_KEY_DIR) / FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def applicant_keys(applicant) -> tuple[str, str]:
    """(passport key, name key) of an applicant record, from its current details."""
    secret = index_secret()
    return (
        passport_key(secret, nationality=applicant.nationality, number=applicant.passport_number),
        name_key(
            secret,
            surname=applicant.surname_latin,
            given_names=applicant.given_names_latin,
            date_of_birth=applicant.date_of_birth,
        ),
    )


def index_applicant(applicant) -> list[str]:
    """Set the record's keys (not saved); returns the fields that changed."""
    passport, name = applicant_keys(applicant)
    changed = []
    if applicant.passport_index != passport:
        applicant.passport_index = passport
        changed.append("passport_index")
    if applicant.name_index != name:
        applicant.name_index = name
        changed.append("name_index")
    return changed


def reindex_all(applicant_model) -> int:
    """Recompute the keys of every applicant record (after a change of secret). Returns the
    number of records changed."""
    changed = 0
    for applicant in applicant_model.objects.all().iterator():
        fields = index_applicant(applicant)
        if fields:
            applicant.save(update_fields=fields)
            changed += 1
    return changed
