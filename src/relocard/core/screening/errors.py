"""The screening package's exceptions (the hierarchy is drawn in the package docstring)."""

from __future__ import annotations


class ScreeningError(Exception):
    """Base of every error this package raises on purpose."""


class ListFormatError(ScreeningError, ValueError):
    """A sanctions-list file that cannot be used: not XML, not the EU's format, or incomplete.

    The message says where (``sanctionEntity no. 12 (logicalId 345)``) and what is wrong. Nothing
    of a file that raises this is returned: a list is used whole or not at all.
    """


class QueryError(ScreeningError, ValueError):
    """A screening query that cannot be used (no names, an impossible date, an unknown field).

    ``field`` names the part of the query that is wrong (``names[1]``, ``birth_date``).
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
