"""Reading a card's QR code from an uploaded photo, scan or PDF, on the server (zxing-cpp).

Images (PNG, JPEG, WebP, GIF, TIFF, BMP) are opened with Pillow, turned upright by their EXIF
orientation (phone photos) and read as they are; when nothing is found, a resized copy is
tried (very large photos and very small scans). PDFs (the printed card) are rendered with
pypdfium2, page by page (at most a few pages, each at most A3, within a pixel budget checked
before rendering). pdfium is not thread-safe, and the server runs
threads, so rendering holds a lock.
"""

from __future__ import annotations

import io
import threading

import pypdfium2
import zxingcpp
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from relocard.verification.errors import QrImageError

#: More pixels than this is not a photo of a card but a decompression bomb.
MAX_PIXELS = 50_000_000
#: The budget for a PDF, checked before rendering: at most this many pages in the file, of
#: which the first MAX_PDF_PAGES are rendered, each at most A3 on its longer side (in points,
#: 1/72 inch) and rendered to at most MAX_PDF_PAGE_PIXELS (an A4 page at PDF_SCALE).
MAX_PDF_PAGES_ACCEPTED = 20
MAX_PDF_PAGES = 3
MAX_PDF_PAGE_SIDE = 1191.0  # A3: 842 x 1191 pt, either way round
PDF_SCALE = 3.0  # 216 dpi: a printed QR's modules are several pixels wide
MAX_PDF_PAGE_PIXELS = 595 * 842 * PDF_SCALE**2
_PDFIUM = threading.Lock()


def _read(image: Image.Image) -> str | None:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [b.text for b in found if b.valid and b.text]
    # A card's QR starts with RC1:; prefer it when a page holds other codes too.
    texts.sort(key=lambda t: not t.startswith("RC1:"))
    return texts[0] if texts else None


def _read_with_retries(image: Image.Image) -> str | None:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    text = _read(image)
    if text is not None:
        return text
    longest = max(image.size)
    for target in (1600, 2400, 900):
        if target == longest:
            continue
        factor = target / longest
        if factor > 4:
            continue
        resized = image.resize(
            (max(1, round(image.width * factor)), max(1, round(image.height * factor))),
            Image.Resampling.LANCZOS,
        )
        text = _read(resized)
        if text is not None:
            return text
    return None


def _pdf_pages(content: bytes):
    """Render the first pages of a PDF within the page-count and page-size budget.

    The budget is checked on the page sizes pdfium reads from the document, before anything is
    rendered: a few hundred bytes can describe pages of any size, and rendering them is what
    costs memory and time. A page larger than A3 is refused; a page between A4 and A3 is
    rendered at a lower scale, so that no page costs more than ``MAX_PDF_PAGE_PIXELS``.
    """
    with _PDFIUM:
        try:
            pdf = pypdfium2.PdfDocument(content)
        except pypdfium2.PdfiumError as exc:
            raise QrImageError(
                _("This PDF cannot be opened. Upload the card's PDF as downloaded, or a photo.")
            ) from exc
        try:
            count = len(pdf)
            if count == 0:
                raise QrImageError(
                    _("This PDF has no pages. Upload the card's PDF as downloaded, or a photo.")
                )
            if count > MAX_PDF_PAGES_ACCEPTED:
                raise QrImageError(
                    _(
                        "This PDF has %(count)s pages; a card's PDF has one or two. Upload the "
                        "page with the QR code (at most %(max)s pages), or a photo."
                    )
                    % {"count": count, "max": MAX_PDF_PAGES_ACCEPTED}
                )
            scales = []
            for i in range(min(count, MAX_PDF_PAGES)):
                width, height = pdf[i].get_size()
                if not (0 < width <= MAX_PDF_PAGE_SIDE and 0 < height <= MAX_PDF_PAGE_SIDE):
                    raise QrImageError(
                        _(
                            "A page of this PDF is larger than A3. Upload the card's PDF as "
                            "downloaded, or a photo."
                        )
                    )
                fit = (MAX_PDF_PAGE_PIXELS / (width * height)) ** 0.5
                scales.append(min(PDF_SCALE, fit))
            images = [
                pdf[i].render(scale=scale, grayscale=True).to_pil()
                for i, scale in enumerate(scales)
            ]
        finally:
            pdf.close()
    return images


def decode_qr(content: bytes) -> str:
    """The text of the QR code in an image or PDF, or :class:`QrImageError` saying why not."""
    limit = settings.RELOCARD_QR_UPLOAD_MAX_BYTES
    if not content:
        raise QrImageError(_("The file is empty. Upload a photo, scan or PDF of the card."))
    if len(content) > limit:
        raise QrImageError(
            _("The file is larger than %(limit)s. Upload a smaller photo or scan.")
            % {"limit": filesizeformat(limit)}
        )
    if content.startswith(b"%PDF-"):
        images = _pdf_pages(content)
    else:
        try:
            with Image.open(io.BytesIO(content)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise QrImageError(
                        _("The image is too large. Upload a photo of at most 50 megapixels.")
                    )
                img.load()
                images = [img.copy()]
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise QrImageError(
                _("This file is not an image or a PDF we can read. Upload a PNG, JPEG or PDF.")
            ) from exc
        except Image.DecompressionBombError as exc:
            raise QrImageError(
                _("The image is too large. Upload a photo of at most 50 megapixels.")
            ) from exc
    for image in images:
        text = _read_with_retries(image)
        if text is not None:
            return text
    raise QrImageError(
        _(
            "No QR code was found. Upload a sharper photo in which the whole QR code is visible, "
            "or paste the text that starts with “RC1:”."
        )
    )
