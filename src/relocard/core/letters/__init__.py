"""Formal decision letters: layout as PDF/A-2b and the member state's PAdES seal.

Pure Python (no Django). The shell (``relocard.letters``) writes the texts in the member
state's official language and in Russian; this package lays them out
(:func:`render_letter_pdf`), seals the result (:func:`seal_pdf`) and checks a seal
(:func:`check_seal`). Errors: see :mod:`relocard.core.letters.errors`.
"""

from .errors import LetterError, LetterRenderError, SealError
from .layout import (
    Block,
    LetterDocument,
    LetterFonts,
    LetterPart,
    render_letter_pdf,
    srgb_profile,
)
from .remedies import Remedies, Remedy, remedies
from .seal import SealCheck, SealingKey, check_seal, seal_pdf

__all__ = [
    "Block",
    "LetterDocument",
    "LetterError",
    "LetterFonts",
    "LetterPart",
    "LetterRenderError",
    "Remedies",
    "Remedy",
    "SealCheck",
    "SealError",
    "SealingKey",
    "check_seal",
    "remedies",
    "render_letter_pdf",
    "seal_pdf",
    "srgb_profile",
]
