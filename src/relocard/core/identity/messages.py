"""Every text the identity package shows to people, in one place.

Errors, comparison lines and photo problems carry a stable ``code`` and a dict of ``params``;
the English text is ``render(code, params)``. Every template is marked with ``gettext_noop`` so
that the shell's message extraction (Django's ``makemessages``) finds it, and the shell
translates with ``render(code, params, translate=gettext)``: the template and any field name in
``params["field"]`` are passed through ``translate`` (the templates use ``{name}``
placeholders, gettext's ``python-brace-format``). A new language never needs a change here.

Codes are part of the interface (the CLI prints the English text, the web shell keys on the
code): never rename one, add a new code instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final


def gettext_noop(message: str) -> str:
    """Mark a text for translation without translating it (the core knows no locale)."""
    return message


#: Names of the fields of a passport's data page, as an officer reads them.
FIELD_LABELS: Final[Mapping[str, str]] = {
    "document_type": gettext_noop("Document type"),
    "issuing_state": gettext_noop("Issuing state"),
    "surname": gettext_noop("Surname"),
    "given_names": gettext_noop("Given names"),
    "name": gettext_noop("Name"),
    "document_number": gettext_noop("Document number"),
    "nationality": gettext_noop("Nationality"),
    "birth_date": gettext_noop("Date of birth"),
    "sex": gettext_noop("Sex"),
    "expiry_date": gettext_noop("Date of expiry"),
    "personal_number": gettext_noop("Personal number"),
    "composite": gettext_noop("Composite check digit"),
}

#: Why the lines cannot be read as a passport's machine-readable zone (``MRZFormatError``).
MRZ_ERROR_TEMPLATES: Final[Mapping[str, str]] = {
    "not_text": gettext_noop("The machine-readable zone must be text, not {kind}."),
    "empty": gettext_noop(
        "No machine-readable zone: the input is empty. Type or scan the two lines at the "
        "bottom of the passport's photo page."
    ),
    "line_count": gettext_noop(
        "A passport's machine-readable zone has 2 lines of 44 characters; this has {count} lines."
    ),
    "lines_joined": gettext_noop(
        "The two lines of the machine-readable zone ran together into one line of 88 "
        "characters; put characters 45 to 88 on a second line."
    ),
    "line_length": gettext_noop(
        "Line {line} has {length} characters; each line of a passport's machine-readable zone "
        "has 44."
    ),
    "bad_character": gettext_noop(
        "Line {line}, position {position}: {character} is not allowed; the machine-readable "
        "zone has only capital letters A-Z, digits 0-9 and <."
    ),
    "not_passport": gettext_noop(
        "Line 1 starts with {value}: this is not a passport's machine-readable zone, which "
        "starts with P."
    ),
    "not_letters": gettext_noop(
        "Line {line}, positions {start}-{end} ({field}): {value} must be letters or <."
    ),
    "bad_date": gettext_noop(
        "Line {line}, positions {start}-{end} ({field}): {value} is not a date in the form YYMMDD."
    ),
    "bad_check_digit": gettext_noop(
        "Line 2, position {position} (check digit, {field}): {value} must be a digit."
    ),
    "bad_sex": gettext_noop("Line 2, position 21 (sex): {value} must be M, F or <."),
}

#: Why a passport's fields cannot be written as a machine-readable zone (``format_td3``).
BUILD_ERROR_TEMPLATES: Final[Mapping[str, str]] = {
    "too_long": gettext_noop("{field}: {value} is longer than the {limit} characters allowed."),
    "bad_value": gettext_noop("{field}: {value} cannot be written in the machine-readable zone."),
}

#: One line of the comparison between the machine-readable zone and typed data.
COMPARISON_TEMPLATES: Final[Mapping[str, str]] = {
    "match": gettext_noop("{field}: matches ({mrz})."),
    "match_truncated": gettext_noop(
        "{field}: matches; the machine-readable zone shortens {typed_mrz} to {mrz}."
    ),
    "match_latin": gettext_noop(
        "{field}: matches the Latin spelling typed ({mrz}) but not the ICAO transliteration of "
        "{typed} ({typed_mrz}); passports issued before 2013 may spell names differently."
    ),
    "mismatch": gettext_noop(
        "{field}: differs. The machine-readable zone has {mrz}, the typed data {typed}."
    ),
    "mismatch_name": gettext_noop(
        "{field}: differs. The machine-readable zone has {mrz}, the typed data {typed} (in the "
        "zone's letters: {typed_mrz})."
    ),
    "not_typed": gettext_noop(
        "{field}: not typed; the machine-readable zone has {mrz}. Type it from the passport "
        "to compare."
    ),
    "unknown_in_mrz": gettext_noop(
        "{field}: unknown in the machine-readable zone ({mrz}); compare it with the photo page."
    ),
    "partial_match": gettext_noop(
        "{field}: matches as far as the machine-readable zone gives it ({mrz}); check the rest "
        "on the photo page."
    ),
}

#: Why an image cannot be read (``ImageError``) or holds no machine-readable zone.
IMAGE_ERROR_TEMPLATES: Final[Mapping[str, str]] = {
    "empty_file": gettext_noop("The file is empty."),
    "too_large": gettext_noop("The file has {size} bytes; the largest accepted is {limit} bytes."),
    "not_an_image": gettext_noop(
        "The file is not a JPEG or PNG image. Take a photo or scan and save it as JPEG or PNG."
    ),
    "unsupported_format": gettext_noop(
        "The file is a {format} image; only JPEG and PNG images are accepted."
    ),
    "damaged_image": gettext_noop("The image cannot be read: the file is damaged or incomplete."),
    "too_many_pixels": gettext_noop(
        "The image has {pixels} pixels; the largest accepted is {limit}."
    ),
    "ocr_unavailable": gettext_noop(
        "Reading text from images is not available on this server ({detail}); type the "
        "machine-readable zone instead."
    ),
    "mrz_not_found": gettext_noop(
        "No machine-readable zone was found in the image. Photograph the whole photo page, "
        "flat, sharp and without glare, or type the two lines."
    ),
}

#: Problems with a passport-style photo (``PhotoProblem.code``).
PHOTO_TEMPLATES: Final[Mapping[str, str]] = {
    "file_too_small": gettext_noop(
        "The file has only {size} bytes; a passport photo needs at least {limit} bytes. Send "
        "the original photo, not a thumbnail."
    ),
    "too_few_pixels": gettext_noop(
        "The photo is {width} x {height} pixels; it needs at least {min_width} x {min_height}."
    ),
    "wrong_aspect_ratio": gettext_noop(
        "The photo is {width} x {height} pixels, a width to height ratio of {ratio}; a passport "
        "photo is 35 mm x 45 mm (ratio 0.78). Crop it to that shape."
    ),
    "no_face": gettext_noop(
        "No face was found. The face must look straight at the camera, be evenly lit and fill "
        "most of the photo."
    ),
    "several_faces": gettext_noop(
        "{count} faces were found; the photo must show only the applicant."
    ),
    "face_too_small": gettext_noop(
        "The face is too small. Crop the photo closer: from chin to crown, the head should "
        "fill 70 to 80 percent of its height."
    ),
}


def render(
    templates: Mapping[str, str],
    code: str,
    params: Mapping[str, object],
    translate: Callable[[str], str] | None = None,
) -> str:
    """The text of ``code`` with ``params`` filled in, translated by ``translate`` if given.

    A ``field`` parameter naming a key of :data:`FIELD_LABELS` is replaced by its label
    (translated too), so that a language never has to show English field names.
    """
    tr = translate or (lambda text: text)
    values = dict(params)
    field = values.get("field")
    if isinstance(field, str) and field in FIELD_LABELS:
        values["field"] = tr(FIELD_LABELS[field])
    return tr(templates[code]).format(**values)
