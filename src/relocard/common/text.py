"""Free text typed by people: one validator, used by every form and every API schema.

Refused: the Unicode controls that change the direction in which text is displayed (embeddings
and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks U+200E, U+200F and U+061C)
and the other control characters (C0 and C1, except tab and line breaks). With them, a
reason shown to a holder or a note shown to a caseworker can read differently from what it
says ("Trojan Source", CVE-2021-42574): ``exe.txt`` displayed for ``txt.exe``, a reference
or an amount in another order. No language needs them in a form: browsers apply the
bidirectional algorithm to Russian, Latin and Arabic text by themselves.

Every form of the platform derives from :class:`relocard.common.forms.NamedRequiredErrors`,
which adds :func:`validate_free_text` to each of its text fields (passwords excepted: they are
never displayed). API schemas type their text fields :data:`FreeText`.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator

__all__ = ["BIDI_CONTROLS", "FreeText", "forbidden_character", "validate_free_text"]

#: Characters that reorder displayed text.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
)
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def forbidden_character(text: str) -> str | None:
    """The first bidirectional or other control character in ``text``, or ``None``."""
    for char in text:
        if char in BIDI_CONTROLS:
            return char
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            return char
    return None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "CONTROL CHARACTER").lower()
    return f"U+{ord(char):04X} {name}"


def message(char: str) -> str:
    return _(
        "This text contains an invisible control character (%(char)s) that can make it "
        "display differently from what it says. Type the text again without it."
    ) % {"char": _describe(char)}


def validate_free_text(value) -> None:
    """Django validator: refuse text with a bidirectional or other control character."""
    if not isinstance(value, str):
        return
    char = forbidden_character(value)
    if char is not None:
        raise ValidationError(message(char), code="control_character")


def _pydantic_check(value: str) -> str:
    char = forbidden_character(value)
    if char is not None:
        raise ValueError(message(char))
    return value


#: A text field of an API schema: ``reason: FreeText = Field(...)``.
FreeText = Annotated[str, AfterValidator(_pydantic_check)]
