"""The credentials library's one exception hierarchy (drawn in the package docstring).

Every message says what was wrong and, where a user can act, what to do. Messages never
contain key material or a holder's personal data: they may end up in logs.
"""

from __future__ import annotations

__all__ = [
    "Base45Error",
    "CardRenderError",
    "ClaimsError",
    "CoseError",
    "CredentialError",
    "EncodingError",
    "KeyStoreError",
    "SdJwtError",
    "SignatureError",
    "StatusListError",
    "TrustListError",
]


class CredentialError(Exception):
    """Base of every error raised by :mod:`relocard.core.credentials`."""


class EncodingError(CredentialError):
    """Bytes or text that do not have the expected shape at some layer."""


class Base45Error(EncodingError):
    """Text that is not valid Base45 (RFC 9285)."""


class CoseError(EncodingError):
    """CBOR that is not a well-formed COSE_Sign1 / CWT."""


class StatusListError(EncodingError):
    """A Token Status List (or its JWT) that cannot be read or used."""


class ClaimsError(CredentialError):
    """Claims that a credential cannot carry (missing, malformed or out of range)."""


class SignatureError(CredentialError):
    """A signature that does not verify, or an algorithm or key we do not accept."""


class KeyStoreError(CredentialError):
    """The key directory is unusable, or a member state or key id is unknown to it."""


class TrustListError(CredentialError):
    """A trust list that is unreadable, wrongly signed, expired or inconsistent."""


class SdJwtError(CredentialError):
    """An SD-JWT (VC) that cannot be issued, presented or verified."""


class CardRenderError(CredentialError):
    """A card that cannot be printed (for example, a name outside the Latin script)."""
