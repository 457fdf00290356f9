"""The identity package's exceptions (the hierarchy is drawn in the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from relocard.core.identity.messages import (
    BUILD_ERROR_TEMPLATES,
    IMAGE_ERROR_TEMPLATES,
    MRZ_ERROR_TEMPLATES,
    render,
)


class IdentityError(ValueError):
    """Base of every error this package raises on purpose.

    Each carries a stable ``code`` and its ``params``; ``str(error)`` is the English message
    and :meth:`message` renders it in another language (see :mod:`.messages`).
    """

    templates: ClassVar[Mapping[str, str]] = {}

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        super().__init__(render(self.templates, code, self.params))

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        """The message, translated by ``translate`` (e.g. Django's ``gettext``) if given."""
        return render(self.templates, self.code, self.params, translate)


class MRZFormatError(IdentityError):
    """The text cannot be read as a passport's machine-readable zone (TD3).

    Wrong number or length of lines, a character outside A-Z, 0-9 and ``<``, or a field that
    cannot hold what it holds (a letter in a date, a month 13). A wrong check digit is *not*
    this error: such a zone can be read, and :attr:`TD3.checks` says which check failed.
    """

    templates = MRZ_ERROR_TEMPLATES


class MRZBuildError(IdentityError):
    """A value cannot be written into a machine-readable zone (too long, impossible)."""

    templates = BUILD_ERROR_TEMPLATES


class ImageError(IdentityError):
    """Image bytes that cannot be used: empty, too large, not JPEG or PNG, or damaged."""

    templates = IMAGE_ERROR_TEMPLATES


class OCRUnavailableError(ImageError):
    """The OCR engine (Tesseract) or its English language data is not installed here."""


class MRZNotFoundError(ImageError):
    """OCR ran, but found no two lines that make a passport's machine-readable zone."""
