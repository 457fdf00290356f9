"""The residence package's exceptions (the hierarchy is drawn in the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from relocard.core.residence.messages import ERROR_TEMPLATES, render


class ResidenceError(Exception):
    """Base of every error this package raises on purpose."""


class ResidenceInputError(ResidenceError, ValueError):
    """Input the calculator cannot use: says which field, what is wrong and what to do.

    ``path`` names the field in the input document (``records[3].returned``), so that a form
    can put the message next to the right field; ``index`` is the record's (or stay's)
    position in its input list, or ``None`` for fields outside a list. ``code`` and
    ``params`` let the shell translate the message (see :mod:`.messages`).
    """

    def __init__(self, code: str, path: str, **params: Any) -> None:
        self.code = code
        self.path = path
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        super().__init__(render(ERROR_TEMPLATES, code, {"path": path, **params}))

    @property
    def message(self) -> str:
        return str(self)

    @property
    def index(self) -> int | None:
        """The position in the first list the path goes through (``records[3]`` -> 3)."""
        start = self.path.find("[")
        end = self.path.find("]", start + 1)
        if start < 0 or end < 0:
            return None
        try:
            return int(self.path[start + 1 : end])
        except ValueError:
            return None

    def under(self, prefix: str) -> ResidenceInputError:
        """The same error with ``prefix`` put in front of its path (``records[3]`` + ``.left``)."""
        path = (
            f"{prefix}.{self.path}"
            if self.path and not self.path.startswith("[")
            else (f"{prefix}{self.path}")
        )
        return ResidenceInputError(self.code, path, **self.params)


def json_type(value: object) -> str:
    """Describe a JSON value for an error message ("the number 3", "null", "a list")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
