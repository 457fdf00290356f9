"""Checking uploaded evidence files: size, and the type read from the content itself.

Accepted: PDF, PNG and JPEG, the formats scanners and phones produce and every caseworker's
browser can display. The type is decided from the bytes (signature, then a full parse with
pypdfium2 or Pillow), never from the file name or the browser's Content-Type, so that a
renamed executable or a truncated scan is refused with a reason. A PDF with active content
(JavaScript, launch actions, embedded files; see :mod:`relocard.common.pdfcontent`) is refused.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import pypdfium2
from django.conf import settings
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from relocard.common.errors import EvidenceFileError
from relocard.common.pdfcontent import ENCRYPTED, PdfContentError, active_content

ACCEPTED_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
#: Images larger than this (in pixels) are refused: they are not scans but decompression bombs.
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True, slots=True)
class CheckedFile:
    content: bytes
    content_type: str
    size: int
    sha256: str


def _is_pdf(content: bytes) -> bool:
    if not content.startswith(b"%PDF-"):
        return False
    try:
        pdf = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return False
    try:
        return len(pdf) > 0
    finally:
        pdf.close()


def _image_type(content: bytes) -> str | None:
    if not (content.startswith(b"\x89PNG\r\n\x1a\n") or content.startswith(b"\xff\xd8\xff")):
        return None
    try:
        with Image.open(io.BytesIO(content)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                return None
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt or "")


def _refuse_active_content(content: bytes) -> None:
    """Refuse a PDF with scripts, actions, embedded files or encryption (common.pdfcontent)."""
    try:
        found = active_content(content)
    except PdfContentError:
        raise EvidenceFileError(
            _(
                "This PDF could not be checked completely, so it cannot be accepted. Scan the "
                "document again, or open it and print it to a new PDF, then upload that file."
            ),
            field="file",
        ) from None
    if ENCRYPTED in found:
        raise EvidenceFileError(
            _(
                "This PDF is encrypted or protected by a password. Upload a copy without "
                "protection, or scan or photograph the document."
            ),
            field="file",
        )
    if found:
        raise EvidenceFileError(
            _(
                "This PDF contains %(what)s, which a scanned document does not need and which "
                "could harm the computer of whoever opens it. Scan the document again, or open "
                "it and print it to a new PDF, then upload that file."
            )
            % {"what": ", ".join(str(item) for item in found)},
            field="file",
        )


def check_evidence_file(upload) -> CheckedFile:
    """Read an uploaded file and return its checked facts, or raise EvidenceFileError."""
    limit = settings.RELOCARD_EVIDENCE_MAX_BYTES
    if upload is None:
        raise EvidenceFileError(_("Choose a file to upload."), field="file")
    if upload.size is not None and upload.size > limit:
        raise EvidenceFileError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            field="file",
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) == 0:
        raise EvidenceFileError(
            _("The file is empty. Choose the scan or photo again."), field="file"
        )
    if len(content) > limit:
        raise EvidenceFileError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}, field="file"
        )
    content_type = "application/pdf" if _is_pdf(content) else _image_type(content)
    if content_type is None:
        raise EvidenceFileError(
            _(
                "The file is not a readable PDF, PNG or JPEG (whatever its name says). "
                "Scan or photograph the document again and save it as PDF, PNG or JPEG."
            ),
            field="file",
        )
    if content_type == "application/pdf":
        _refuse_active_content(content)
    return CheckedFile(
        content=content,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def evidence_file_response(item, *, download: bool) -> FileResponse:
    """Serve an evidence file: never cached, never sniffed, never rendered as HTML."""
    if not item.file:
        # Erased under the retention schedule (relocard.cards.retention): the record stays.
        raise Http404(_("This document was deleted under the retention schedule."))
    extension = item.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=download,
        filename=f"{item.application.reference}-{item.kind}-{item.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response
