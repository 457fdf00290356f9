"""Errors of checking a card, in the platform's hierarchy (:mod:`relocard.common.errors`)::

    RelocardError
     +-- NotAllowed             (e.g. an organisation that is not approved yet)
     +-- InvalidInput           a value is wrong (``field`` names the form's field)
     |    +-- InvalidShareCode  a share code of the wrong shape (never: "no such code")
     |    +-- InvalidReason     no reason for the check, or one too long
     |    +-- InvalidPayload    no QR text given
     |    +-- QrImageError      an upload that holds no readable QR code
     |    +-- WrongPurpose      a code or purpose that this kind of organisation does not check
     +-- RateLimited            too many checks from one organisation or address; retry later

A wrong share code and a wrong date of birth are not errors: they are recorded checks whose
result is "no match", answered the same way.

The API answers each with a stable public code of its own table
(:data:`relocard.verification.api.ERROR_CODES`), never derived from a class or field name.
"""

from __future__ import annotations

from relocard.common.errors import InvalidInput, RelocardError


class InvalidShareCode(InvalidInput):
    """The text typed as a share code cannot be one (length, purpose letter, alphabet)."""


class InvalidReason(InvalidInput):
    """The reason for a check is missing or too long."""


class InvalidPayload(InvalidInput):
    """No QR text was given."""


class QrImageError(InvalidInput):
    """The uploaded file is no image or PDF we can read, or no QR code was found in it."""


class WrongPurpose(InvalidInput):
    """A landlord with a work code, a bank with a rent code: purpose limitation refuses it."""


class RateLimited(RelocardError):
    """Too many requests; ``retry_after`` is the number of seconds to wait."""

    def __init__(self, message, *, retry_after: int, scope: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope
