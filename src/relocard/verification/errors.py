"""Errors of checking a card, in the platform's hierarchy (:mod:`relocard.common.errors`)::

    RelocardError
     +-- NotAllowed             (e.g. an organisation that is not approved yet)
     +-- InvalidInput           (e.g. a share code of the wrong shape, an unreadable image)
     |    +-- QrImageError      an upload that holds no readable QR code
     |    +-- WrongPurpose      a code or purpose that this kind of organisation does not check
     +-- RateLimited            too many checks from one organisation or address; retry later

A wrong share code and a wrong date of birth are not errors: they are recorded checks whose
result is "no match", answered the same way.
"""

from __future__ import annotations

from relocard.common.errors import InvalidInput, RelocardError


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
