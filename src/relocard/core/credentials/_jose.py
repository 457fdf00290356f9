"""Shared joserfc settings: a JWS registry that admits our larger signed documents.

joserfc caps headers at 512 bytes and payloads at 128 kB by default, sensible for access
tokens; a trust list carries a certificate in its header and, with 27 member states and
their key history, can outgrow 128 kB, as can a large status list.
"""

from __future__ import annotations

from joserfc.jws import JWSRegistry

__all__ = ["LARGE_DOCUMENTS"]

LARGE_DOCUMENTS = JWSRegistry(algorithms=["ES256"])
LARGE_DOCUMENTS.max_header_length = 8 * 1024
LARGE_DOCUMENTS.max_payload_length = 8 * 1024 * 1024
