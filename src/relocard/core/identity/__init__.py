"""Identity documents: the passport's machine-readable zone, names, OCR and the photo.

Pure functions, no Django and no I/O: callers pass text or bytes (and ``today``) and get frozen
values back. The consular channel (missions, appointments, hand-over) builds on these.

Public API::

    parse_td3(text, today=...) -> TD3          # two MRZ lines -> fields, .checks, .valid
    split_lines(text) -> (line1, line2)        # the tolerant reader's first step
    check_digit(data) -> str                   # ICAO 9303 7-3-1 check digit
    format_td3(surname=..., ...) -> (line1, line2)   # write a zone (specimens, tests)
    mrz_name(text) -> str                      # a name in the zone's letters (ICAO Cyrillic)
    mrz_name_field(surname, given_names) -> str
    compare_identity(TD3, TypedIdentity) -> IdentityComparison   # field-by-field, readable
    read_mrz_lines(image_bytes) -> (line1, line2)   # OCR (Tesseract), loaded on first use
    read_mrz(image_bytes, today=...) -> TD3
    check_photo(image_bytes) -> PhotoCheck     # format, size, 35x45 shape, one face (OpenCV)

Exceptions::

    IdentityError (ValueError)     base; every error has .code, .params and .message(gettext)
    ├── MRZFormatError             the text is not a readable TD3 zone (not a failed check:
    │                              those are in TD3.checks)
    ├── MRZBuildError              format_td3 got a value the zone cannot hold
    └── ImageError                 image bytes that cannot be used (empty, too big, not
        │                          JPEG/PNG, damaged)
        ├── OCRUnavailableError    Tesseract or its English data is not installed
        └── MRZNotFoundError       no machine-readable zone found in the image

All texts people see are in :mod:`.messages`. :mod:`.ocr` (tesserocr, Pillow) and
:mod:`.photo` (OpenCV, numpy) are imported only when one of their names is used, so that
``relocard identity mrz`` starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from relocard.core.identity.compare import (
    FieldComparison,
    IdentityComparison,
    TypedIdentity,
    compare_identity,
)
from relocard.core.identity.errors import (
    IdentityError,
    ImageError,
    MRZBuildError,
    MRZFormatError,
    MRZNotFoundError,
    OCRUnavailableError,
)
from relocard.core.identity.mrz import (
    EXPIRY_YEARS_AHEAD,
    TD3,
    Checks,
    check_digit,
    format_td3,
    parse_td3,
    split_lines,
)
from relocard.core.identity.names import mrz_name, mrz_name_field, split_name_field

if TYPE_CHECKING:
    from relocard.core.identity.ocr import read_mrz, read_mrz_lines
    from relocard.core.identity.photo import PhotoCheck, PhotoProblem, PhotoRules, check_photo

__all__ = [
    "EXPIRY_YEARS_AHEAD",
    "TD3",
    "Checks",
    "FieldComparison",
    "IdentityComparison",
    "IdentityError",
    "ImageError",
    "MRZBuildError",
    "MRZFormatError",
    "MRZNotFoundError",
    "OCRUnavailableError",
    "PhotoCheck",
    "PhotoProblem",
    "PhotoRules",
    "TypedIdentity",
    "check_digit",
    "check_photo",
    "compare_identity",
    "format_td3",
    "mrz_name",
    "mrz_name_field",
    "parse_td3",
    "read_mrz",
    "read_mrz_lines",
    "split_lines",
    "split_name_field",
]

_LAZY = {
    "read_mrz": "ocr",
    "read_mrz_lines": "ocr",
    "PhotoCheck": "photo",
    "PhotoProblem": "photo",
    "PhotoRules": "photo",
    "check_photo": "photo",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
