"""Sealing special-category text (a request's grounds, a decision's reasons) at rest.

AES-256-GCM (``cryptography``) with a data key per member state from the key store
(``RELOCARD_KEY_DIR``, :meth:`~relocard.core.credentials.keystore.KeyStore.ensure_data_key`,
wrapped with ``RELOCARD_KEY_PASSPHRASE`` when set), a random 96-bit nonce per text, and the
request's entry id and the kind of text as associated data: a ciphertext copied onto another
request, or from grounds to reasons, does not decrypt. The key never enters the database; a
copy of the database alone reveals nothing. Fail closed: a missing key or a broken tag is an
error, never an empty text.
"""

from __future__ import annotations

import functools
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from relocard.core.credentials import KeyStore
from relocard.core.credentials.errors import KeyStoreError

__all__ = ["SealError", "key_name", "keystore", "open_sealed", "seal"]


class SealError(Exception):
    """A sealed text cannot be opened (missing key, wrong passphrase, tampered ciphertext)."""


@functools.cache
def keystore() -> KeyStore:
    passphrase = os.environ.get("RELOCARD_KEY_PASSPHRASE")
    return KeyStore(
        settings.RELOCARD_KEY_DIR, passphrase=passphrase.encode() if passphrase else None
    )


def key_name(member_state: str) -> str:
    return f"humanitarian-{member_state.lower()}"


def _aad(member_state: str, entry_id: str, purpose: str) -> bytes:
    return f"relocard-humanitarian/1|{member_state}|{entry_id}|{purpose}".encode("ascii")


def seal(text: str, *, member_state: str, entry_id: str, purpose: str) -> tuple[str, bytes, bytes]:
    """Encrypt ``text``; returns (key id, nonce, ciphertext with tag)."""
    try:
        key_id, key = keystore().ensure_data_key(key_name(member_state))
    except KeyStoreError as exc:
        raise SealError(str(exc)) from None
    nonce = secrets.token_bytes(12)
    data = AESGCM(key).encrypt(nonce, text.encode("utf-8"), _aad(member_state, entry_id, purpose))
    return key_id, nonce, data


def open_sealed(
    *, key_id: str, nonce: bytes, ciphertext: bytes, member_state: str, entry_id: str, purpose: str
) -> str:
    """Decrypt what :func:`seal` sealed for the same request and purpose; :class:`SealError`
    if it cannot be (the key is gone, or the text or its binding was changed)."""
    try:
        key = keystore().data_key(key_name(member_state), key_id)
        plain = AESGCM(key).decrypt(
            bytes(nonce), bytes(ciphertext), _aad(member_state, entry_id, purpose)
        )
    except KeyStoreError as exc:
        raise SealError(str(exc)) from None
    except (InvalidTag, ValueError):
        raise SealError("the sealed text was changed or belongs to another request") from None
    return plain.decode("utf-8")
