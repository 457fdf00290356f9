"""Errors of the decision letters' core::

LetterError (ValueError)
  LetterRenderError   the letter cannot be laid out (missing font, empty letter)
  SealError           the letter cannot be sealed (unusable key or certificate)
"""

from __future__ import annotations

__all__ = ["LetterError", "LetterRenderError", "SealError"]


class LetterError(ValueError):
    """Base class of the errors of :mod:`relocard.core.letters`."""


class LetterRenderError(LetterError):
    """The letter cannot be laid out as a PDF/A document."""


class SealError(LetterError):
    """The letter cannot be sealed with the given key and certificate."""
