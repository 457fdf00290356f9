"""The waiting list's exceptions (the hierarchy is drawn in the package docstring)."""

from __future__ import annotations


class WaitlistError(Exception):
    """Base of every error this package raises on purpose."""


class EntryIdError(WaitlistError, ValueError):
    """A typed entry id is malformed or fails its check character."""


class EventError(WaitlistError, ValueError):
    """An event is malformed in itself (a policy event with an entry id, a bad code...)."""


class HumanitarianPolicyError(WaitlistError):
    """The ``humanitarian`` section of a policy file is missing or invalid; names file and key."""


class RuleViolation(WaitlistError):
    """An event breaks an order rule of the waiting list.

    ``rule`` is a :class:`~relocard.core.waitlist.rules.Rule` (a stable code such as
    ``invited-out-of-order``, for translation and for tests); ``entry`` is the entry the event
    is about (``None`` for a policy event). The message says what was wrong in English.
    """

    def __init__(self, rule: str, message: str, entry: str | None = None) -> None:
        self.rule = rule
        self.entry = entry
        self.message = message
        super().__init__(f"{rule}: {message}")


class LedgerFormatError(WaitlistError, ValueError):
    """A ledger document cannot be read at all: not JSON, or not the ledger's envelope.

    A record that is malformed inside a readable ledger is not this error: the verifier
    reports it as the first record that breaks the ledger.
    """


class LedgerIntegrityError(WaitlistError):
    """Records handed to :meth:`Ledger.from_records` do not form a consistent ledger."""

    def __init__(self, problem: object) -> None:
        self.problem = problem
        super().__init__(str(problem))
