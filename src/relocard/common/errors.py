"""The platform's error hierarchy: every error a user can hit, with a message for them.

::

    RelocardError                 a user-facing message (translated), optional form field
     +-- NotAllowed               the user's role or member state does not allow the action
     +-- InvalidState             the case is not in a state where the action is possible
     +-- StaleObject              someone else changed the object since the form was loaded
     +-- InvalidInput             a value is wrong (the field names which)
          +-- EvidenceFileError   an uploaded file is empty, too large or of a refused type

Services raise these; views turn them into field errors or a message at the top of the page.
Nothing is written when one is raised: services raise before writing or inside the atomic
block, which rolls back.
"""

from __future__ import annotations


class RelocardError(Exception):
    def __init__(self, message, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(RelocardError):
    pass


class InvalidState(RelocardError):
    pass


class StaleObject(RelocardError):
    pass


class InvalidInput(RelocardError):
    pass


class EvidenceFileError(InvalidInput):
    pass
