"""The printable card: a PDF with the card's face and its QR code, A4 or ID-1 (credit card).

Rendered with fpdf2's core fonts (Helvetica), which need no font files and so no system
fonts: they cover Latin-1 only, which is why the card shows the holder's name in the Latin
script as in the passport. Letters with diacritics outside Latin-1 (e.g. "Š") are printed
without the diacritic (the QR keeps the exact spelling); anything that is not Latin script is
refused with :class:`CardRenderError`. The QR is drawn as vector rectangles from segno's
matrix, so it stays sharp at any printer resolution. The PDF's creation date is the card's
first day of validity, so the same card always renders to the same bytes.

The holder's passport-style photo (JPEG or PNG bytes, 35 x 45 mm in shape), when there is one,
is printed on the face: beside the fields on A4, at the top left of an ID-1 card. It is never
in the QR, which holds only the facts printed as text.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from fpdf import FPDF

from .errors import CardRenderError
from .qr import make_qr
from .rc1 import CardClaims, Kind

__all__ = ["MEMBER_STATE_NAMES", "CardFace", "render_card_pdf"]

MEMBER_STATE_NAMES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CY": "Cyprus", "CZ": "Czechia",
    "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "ES": "Spain", "FI": "Finland",
    "FR": "France", "GR": "Greece", "HR": "Croatia", "HU": "Hungary", "IE": "Ireland",
    "IT": "Italy", "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta",
    "NL": "Netherlands", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden",
    "SI": "Slovenia", "SK": "Slovakia",
}  # fmt: skip

Size = Literal["A4", "ID-1"]
_ID1 = (85.6, 53.98)


@dataclass(frozen=True, slots=True)
class CardFace:
    """What is printed on the card (the same facts as the QR, for human eyes)."""

    card_number: str
    family_name: str
    given_name: str
    date_of_birth: str
    member_state: str
    valid_from: date
    valid_until: date
    kind: Kind = "card"
    issuing_authority: str = ""
    #: What sets the last valid day, printed beside it: "passport" (the passport's expiry
    #: comes before the card year's end) or "" (the card year).
    valid_until_reason: str = ""
    #: The holder's photo (JPEG or PNG bytes), printed on the face; never in the QR.
    photo: bytes | None = None

    @classmethod
    def from_claims(
        cls, claims: CardClaims, issuing_authority: str = "", valid_until_reason: str = ""
    ) -> CardFace:
        return cls(
            card_number=claims.card_number,
            family_name=claims.family_name,
            given_name=claims.given_name,
            date_of_birth=claims.date_of_birth,
            member_state=claims.member_state,
            valid_from=claims.valid_from,
            valid_until=claims.valid_until,
            kind=claims.kind,
            issuing_authority=issuing_authority,
            valid_until_reason=valid_until_reason,
        )


def _latin1(text: str, what: str) -> str:
    """Text the core fonts can print: Latin-1 as is, other Latin letters without accents."""
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            base.encode("latin-1")
        except UnicodeEncodeError:
            raise CardRenderError(
                f"the {what} contains {ch!r}, which the card cannot print: use the "
                "Latin-script spelling as in the passport"
            ) from None
        if not base:
            raise CardRenderError(f"the {what} contains {ch!r}, which the card cannot print")
        out.append(base)
    return "".join(out)


def _title(face: CardFace) -> str:
    return "EU RELOCATEE CARD" if face.kind == "card" else "INTERIM CERTIFICATE"


def _fields(face: CardFace) -> list[tuple[str, str]]:
    state = MEMBER_STATE_NAMES.get(face.member_state, face.member_state)
    rows = [
        ("Surname", _latin1(face.family_name, "family name")),
        ("Given names", _latin1(face.given_name, "given name") or "-"),
        ("Date of birth", face.date_of_birth),
        ("Card number", face.card_number),
        ("Member state", f"{face.member_state} - {state}"),
        ("Valid from", face.valid_from.isoformat()),
        (
            "Valid until",
            face.valid_until.isoformat()
            + (" (passport expiry)" if face.valid_until_reason == "passport" else ""),
        ),
    ]
    if face.issuing_authority:
        rows.append(("Issued by", _latin1(face.issuing_authority, "issuing authority")))
    return rows


def _draw_qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    """Draw the QR (with its 4-module quiet zone inside ``size``) as filled rectangles."""
    qr = make_qr(payload)
    matrix = qr.matrix
    n = len(matrix)
    module = size / (n + 8)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                pdf.rect(
                    x + (4 + start) * module,
                    y + (4 + r) * module,
                    (c - start) * module,
                    module,
                    style="F",
                )
            else:
                c += 1


def _new_pdf(face: CardFace, fmt: str | tuple[float, float], orientation: str) -> FPDF:
    pdf = FPDF(orientation=orientation, unit="mm", format=fmt)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creation_date(datetime.combine(face.valid_from, time(0), tzinfo=UTC))
    pdf.set_title(f"{_title(face).title()} {face.card_number}")
    pdf.set_author("Relocard programme")
    pdf.add_page()
    return pdf


def _draw_photo(pdf: FPDF, photo: bytes, x: float, y: float, w: float, h: float) -> None:
    pdf.set_draw_color(120, 120, 120)
    pdf.image(io.BytesIO(photo), x=x, y=y, w=w, h=h)
    pdf.rect(x, y, w, h)


def _fit(pdf: FPDF, text: str, width: float, size: float, smallest: float = 4.5) -> None:
    """Set the bold font at ``size``, smaller (down to ``smallest``) until ``text`` fits."""
    while size > smallest:
        pdf.set_font("Helvetica", "B", size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5
    pdf.set_font("Helvetica", "B", smallest)


def _render_id1(face: CardFace, payload: str) -> FPDF:
    pdf = _new_pdf(face, _ID1, "P")  # fpdf2 swaps a custom (w, h) for "L"
    w, h = _ID1
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(0.3, 0.3, w - 0.6, h - 0.6)
    pdf.set_fill_color(0, 51, 153)  # EU blue band
    pdf.rect(0.3, 0.3, w - 0.6, 7, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 8)
    pdf.set_xy(3, 1.6)
    pdf.cell(w - 6, 4, _title(face), align="L")
    pdf.set_xy(3, 1.6)
    pdf.cell(w - 6, 4, face.member_state, align="R")
    pdf.set_text_color(0, 0, 0)
    photo_w, photo_h = 14.0, 18.0
    if face.photo:
        _draw_photo(pdf, face.photo, 3, 9.5, photo_w, photo_h)
    y = 9.5
    for label, value in _fields(face):
        # Beside the photo while it lasts, then the whole column's width.
        x = 3 + photo_w + 1.5 if face.photo and y + 4.9 < 9.5 + photo_h else 3
        width = 41.5 - x
        pdf.set_xy(x, y)
        pdf.set_font("Helvetica", "", 4.5)
        pdf.cell(width, 2, label.upper())
        pdf.set_xy(x, y + 1.9)
        _fit(pdf, value[:40], width, 6.5)
        pdf.cell(width, 3, value[:40])
        y += 5.4
    qr_size = 41.0
    _draw_qr(pdf, payload, w - qr_size - 1.5, 9.0, qr_size)
    return pdf


def _render_a4(face: CardFace, payload: str) -> FPDF:
    pdf = _new_pdf(face, "A4", "P")
    pdf.set_fill_color(0, 51, 153)
    pdf.rect(15, 15, 180, 14, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_xy(20, 18)
    pdf.cell(170, 8, _title(face), align="L")
    pdf.set_xy(20, 18)
    pdf.cell(170, 8, face.member_state, align="R")
    pdf.set_text_color(0, 0, 0)
    y = 40.0
    for label, value in _fields(face):
        pdf.set_xy(20, y)
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(60, 5, label.upper())
        pdf.set_xy(20, y + 5)
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(100, 7, value[:60])
        y += 15
    if face.photo:
        _draw_photo(pdf, face.photo, 150, 40, 35, 45)
    qr_size = 90.0
    _draw_qr(pdf, payload, 60, 160, qr_size)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_xy(15, 255)
    pdf.multi_cell(
        180,
        4.5,
        "This card is signed by the issuing member state. Scan the code with a relocatee-card "
        "verifier to check that it is authentic, valid and not revoked. The code holds only "
        "the facts printed above.",
        align="C",
    )
    return pdf


def render_card_pdf(card: CardFace, payload: str, *, size: Size = "A4") -> bytes:
    """The card as PDF bytes: ``"A4"`` (a page to print) or ``"ID-1"`` (85.6 x 54 mm)."""
    if size == "A4":
        pdf = _render_a4(card, payload)
    elif size == "ID-1":
        pdf = _render_id1(card, payload)
    else:
        raise CardRenderError(f"size must be 'A4' or 'ID-1', not {size!r}")
    return bytes(pdf.output())
