"""Active content in PDF evidence: scripts, launch actions, embedded files.

A caseworker opens evidence in a browser's PDF viewer. A PDF can carry JavaScript (run when it
opens, or on any page or form event), actions that launch programs or open other files, forms
that send data away, and embedded files (a second document the caseworker never meant to
open). None of these belongs in a scan of a document, so such a file is refused with a reason,
and the applicant uploads a plain scan or "prints to PDF" again.

Two parsers look, so that a file crafted to hide its script from one of them is still caught:

* pdfium (the parser that opened the file and will render it) counts document-level
  JavaScript actions and attachments;
* pypdf (a maintained pure-Python PDF library) reads every object the file holds, through the
  cross-reference table and inside compressed object streams, and every object reachable from
  the trailer, and looks for the names that carry active content.

A file pypdf cannot read is refused too: a check that could not be completed is not a pass.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

__all__ = ["PdfContentError", "active_content"]

#: Dictionary keys that only exist to carry active content.
ACTIVE_KEYS = {
    "/JS": _("JavaScript"),
    "/JavaScript": _("JavaScript"),
    "/EmbeddedFiles": _("an embedded file"),
    "/EmbeddedFile": _("an embedded file"),
    "/EF": _("an embedded file"),  # a file specification's embedded stream
    "/RichMedia": _("rich media"),
    "/RichMediaContent": _("rich media"),
    "/XFA": _("an XFA form"),
}
#: Action types (``/S``) that run code, start programs, open or send files.
ACTIVE_ACTIONS = {
    "/JavaScript": _("JavaScript"),
    "/Launch": _("a launch action"),
    "/GoToE": _("an action opening an embedded file"),
    "/GoToR": _("an action opening another file"),
    "/SubmitForm": _("a form that sends data"),
    "/ImportData": _("an action importing data"),
    "/RichMediaExecute": _("rich media"),
    "/Rendition": _("a media action"),
    "/Movie": _("a media action"),
    "/Sound": _("a media action"),
}
#: Annotation subtypes that carry files or media.
ACTIVE_ANNOTATIONS = {
    "/FileAttachment": _("an embedded file"),
    "/RichMedia": _("rich media"),
    "/Movie": _("a media action"),
    "/Sound": _("a media action"),
    "/Screen": _("a media action"),
}
#: Found in an encrypted file, whose objects cannot be read without its password.
ENCRYPTED = _("encryption")
#: Objects looked at, at most: more than any scan holds; a file with more is refused.
MAX_OBJECTS = 200_000


class PdfContentError(Exception):
    """The PDF could not be read completely enough to say that it holds no active content."""


def _pdfium_findings(content: bytes) -> set[str]:
    found: set = set()
    try:
        pdf = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as exc:
        raise PdfContentError("pdfium cannot open the file") from exc
    try:
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(pdf.raw) != 0:
            found.add(ACTIVE_KEYS["/JavaScript"])
        if pdf.count_attachments() != 0:
            found.add(ACTIVE_KEYS["/EmbeddedFile"])
    finally:
        pdf.close()
    return found


def _values(obj) -> Iterator:
    if isinstance(obj, DictionaryObject):
        yield from obj.values()
    elif isinstance(obj, ArrayObject):
        yield from obj


def _inspect(obj: DictionaryObject, found: set) -> None:
    for key in obj:
        if key in ACTIVE_KEYS:
            found.add(ACTIVE_KEYS[key])
    action = obj.get("/S")
    if isinstance(action, NameObject) and action in ACTIVE_ACTIONS:
        found.add(ACTIVE_ACTIONS[action])
    subtype = obj.get("/Subtype")
    if isinstance(subtype, NameObject) and subtype in ACTIVE_ANNOTATIONS and "/Rect" in obj:
        found.add(ACTIVE_ANNOTATIONS[subtype])
    if obj.get("/Type") == "/EmbeddedFile":
        found.add(ACTIVE_KEYS["/EmbeddedFile"])


def _pypdf_findings(content: bytes) -> set[str]:
    found: set = set()
    # pypdf reports repairs of damaged files as warnings; the outcome is what matters here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        # An encrypted PDF hides its objects; a caseworker's viewer could not open it anyway.
        found.add(ENCRYPTED)
        return found
    roots: list = [reader.trailer]
    for generation, entries in reader.xref.items():
        roots.extend(IndirectObject(idnum, generation, reader) for idnum in entries)
    roots.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    stack = list(roots)
    looked = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        looked += 1
        if looked > MAX_OBJECTS:
            raise PdfContentError("too many objects")
        if isinstance(obj, DictionaryObject):
            _inspect(obj, found)
        stack.extend(_values(obj))
    return found


def active_content(content: bytes) -> list[str]:
    """What active content the PDF holds (in words, translated), or ``[]`` for a plain document.

    Raises :class:`PdfContentError` when either parser cannot read the file completely.
    """
    found = _pdfium_findings(content)
    try:
        found |= _pypdf_findings(content)
    except PdfContentError:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input; all mean "unreadable"
        raise PdfContentError(f"pypdf cannot read the file: {type(exc).__name__}") from exc
    return sorted(found, key=str)
