"""Personal data encrypted at rest, field by field: AES-256-GCM with keys from the key store.

A value is stored as ``enc1:<key id>:<base64(nonce | ciphertext | tag)>``, with a fresh 96-bit
nonce per write and the field's purpose (``accounts.applicant.passport_number``) as associated
data, so that a ciphertext copied into another field or table does not decrypt. A stolen
database without the key store reveals no passport number.

Keys (32 bytes, hex):

- the current key: ``RELOCARD_DATA_KEY``, or the file ``data-at-rest.key`` in
  ``RELOCARD_KEY_DIR``, created once (mode 0600) when absent;
- retired keys, still read: ``RELOCARD_DATA_KEYS_RETIRED`` (comma-separated).

A key's id is the first 8 hex digits of its SHA-256. To rotate: set the new key, list the old
one as retired, run :func:`reencrypt` (every row is written with the current key), then drop
the retired key.

Encrypted values cannot be searched: the field offers only ``isnull`` look-ups (any other
raises ``FieldError``); look-ups and uniqueness use a keyed blind index instead
(:mod:`relocard.common.person_index`). A value that cannot be decrypted (unknown key, altered
bytes) raises :class:`DecryptionError`: it fails closed, never returns the ciphertext.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

__all__ = ["DecryptionError", "EncryptedTextField", "decrypt", "encrypt", "reencrypt"]

PREFIX = "enc1"
ENV_KEY = "RELOCARD_DATA_KEY"
ENV_RETIRED = "RELOCARD_DATA_KEYS_RETIRED"
FILE_NAME = "data-at-rest.key"


class DecryptionError(ValueError):
    """A stored value could not be decrypted (unknown key or altered data)."""


def _kid(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _parse(hex_key: str, source: str) -> bytes:
    try:
        key = bytes.fromhex(hex_key.strip())
    except ValueError as exc:
        raise ValueError(f"{source} is not hexadecimal") from exc
    if len(key) != 32:
        raise ValueError(f"{source} must be 32 bytes (64 hex digits)")
    return key


@functools.cache
def _keys() -> tuple[bytes, dict[str, bytes]]:
    """(current key, every readable key by id)."""
    value = os.environ.get(ENV_KEY, "").strip()
    if value:
        current = _parse(value, ENV_KEY)
    else:
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
        current = _parse(path.read_text(), str(path))
    ring = {_kid(current): current}
    for item in filter(None, os.environ.get(ENV_RETIRED, "").split(",")):
        key = _parse(item, ENV_RETIRED)
        ring.setdefault(_kid(key), key)
    return current, ring


def encrypt(plaintext: str, *, purpose: str) -> str:
    current, _ring = _keys()
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(current).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode())
    return f"{PREFIX}:{_kid(current)}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def decrypt(stored: str, *, purpose: str) -> str:
    try:
        _prefix, kid, data = stored.split(":", 2)
        raw = base64.b64decode(data, validate=True)
    except ValueError as exc:
        raise DecryptionError("malformed encrypted value") from exc
    key = _keys()[1].get(kid)
    if key is None:
        raise DecryptionError(f"no key {kid} in the key store")
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("the value was altered or belongs to another field") from exc


class EncryptedTextField(models.TextField):
    """A text field stored encrypted (see the module). ``max_length`` limits the clear text."""

    def __init__(self, *args, purpose: str = "", plain_max_length: int | None = None, **kwargs):
        self.purpose = purpose
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)
        if plain_max_length:
            self.validators.append(MaxLengthValidator(plain_max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        if self.plain_max_length:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or value == "" or not is_encrypted(value):
            return value  # empty, or a row written before encryption (the migration seals it)
        return decrypt(value, purpose=self.purpose)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, purpose=self.purpose)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # FieldError: an encrypted value cannot be searched
        return super().get_lookup(lookup_name)


def reencrypt(model, field_name: str) -> int:
    """Write every row's value again with the current key (after a rotation, or to seal rows
    written in clear). Returns the number of rows written."""
    count = 0
    for row in model.objects.all().only("pk", field_name).iterator():
        model.objects.filter(pk=row.pk).update(**{field_name: getattr(row, field_name)})
        count += 1
    return count
