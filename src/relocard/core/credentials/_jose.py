"""Shared joserfc settings and the low-s rule for the ES256 JWS documents we sign.

joserfc caps headers at 512 bytes and payloads at 128 kB by default, sensible for access
tokens; a trust list carries a certificate in its header and, with 27 member states and
their key history, can outgrow 128 kB, as can a large status list.

joserfc signs ES256 through ``cryptography``, whose ``s`` is high half of the time. Every
ES256 JWS we issue (status lists, trust lists, SD-JWT VCs) goes through :func:`low_s_jws`,
and every one of ours that we verify through :func:`require_low_s_jws`: see
:mod:`.cose` and docs/credentials.md, "Low-s signatures".
"""

from __future__ import annotations

import base64
import binascii

from joserfc.jws import JWSRegistry

from .cose import HIGH_S, es256_is_low_s, es256_low_s
from .errors import SignatureError

__all__ = ["LARGE_DOCUMENTS", "low_s_jws", "require_low_s_jws"]

LARGE_DOCUMENTS = JWSRegistry(algorithms=["ES256"])
LARGE_DOCUMENTS.max_header_length = 8 * 1024
LARGE_DOCUMENTS.max_payload_length = 8 * 1024 * 1024


def _signature(token: str) -> bytes | None:
    """The raw signature of a compact JWS, or None when it is not base64url of 64 bytes."""
    _, _, encoded = token.rpartition(".")
    if len(encoded) != 86:  # 64 bytes in unpadded base64url
        return None
    try:
        return base64.urlsafe_b64decode(encoded + "==")
    except (ValueError, binascii.Error):
        return None


def low_s_jws(token: str) -> str:
    """A compact ES256 JWS with its signature's ``s`` replaced by ``n - s`` if it is high.

    The result verifies exactly as the input does (same header, payload and ``r``).
    """
    signature = _signature(token)
    if signature is None:
        raise SignatureError("not a compact ES256 JWS with a 64-byte signature")
    if es256_is_low_s(signature):
        return token
    head, _, _ = token.rpartition(".")
    low = es256_low_s(signature[:32], signature[32:])
    return head + "." + base64.urlsafe_b64encode(low).rstrip(b"=").decode("ascii")


def require_low_s_jws(token: str) -> None:
    """:class:`SignatureError` unless a compact ES256 JWS's signature has a low ``s``.

    Call it after the signature verified (a malformed signature is the verifier's to name).
    """
    signature = _signature(token)
    if signature is None or not es256_is_low_s(signature):
        raise SignatureError(HIGH_S)
