"""The PDF record of a check, for the verifier's files (fpdf2 with its core fonts).

Core fonts carry Latin-1 only; holders' names are the Latin transliteration of the passport,
which fits. Other text (an organisation's name in Greek, a reason with quotation marks) is
folded to the nearest Latin-1 characters, and anything else becomes "?": the record stays
readable and the check id, which anyone can confirm on the site, is what counts.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from fpdf import FPDF

from relocard.verification.selectors import CheckSummary

_REPLACEMENTS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "€": "EUR"}
    | {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t"}
)
#: Greek letters (Cypriot organisations' names) by ELOT 743, letter by letter.
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
            "A",
            "V",
            "G",
            "D",
            "E",
            "Z",
            "I",
            "Th",
            "I",
            "K",
            "L",
            "M",
            "N",
            "X",
            "O",
            "P",
            "R",
            "S",
            "T",
            "Y",
            "F",
            "Ch",
            "Ps",
            "O",
        ],
        strict=True,
    )
)


def latin1(text: str) -> str:
    """Text that the PDF core fonts can print: accents kept where Latin-1 has them."""
    text = unicodedata.normalize("NFC", str(text)).translate(_REPLACEMENTS)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)
            base = "".join(c for c in base if not unicodedata.combining(c))
            base = "".join(_GREEK.get(c, c) for c in base)
            try:
                base.encode("latin-1")
            except UnicodeEncodeError:
                base = "?"
            ch = base or "?"
        out.append(ch)
    return "".join(out)


RESULT_TEXT = {
    "valid": "VALID - the card is valid today",
    "not_valid": "NOT VALID - the card is not valid today",
    "no_match": "NO MATCH - the share code and date of birth did not match a usable code",
    "not_genuine": "NOT GENUINE - the QR code is not a genuine relocatee card",
    "not_relocard": "NOT A RELOCATEE CARD - the QR code is not a relocatee card's at all",
    "status_unknown": (
        "STATUS UNKNOWN - a genuine card, but whether it was revoked could not be checked: "
        "do not rely on it now"
    ),
}
RIGHT_TEXT = {
    "work": "Right to work",
    "rent": "Right to rent a home",
    "bank": "Right to open a bank account",
}


def check_record_pdf(summary: CheckSummary, *, checked_by: str) -> bytes:
    """An A4 page that records one check; English only, like the card's printed form."""
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Relocard check {summary.check_id}"))
    pdf.set_creator("Relocard")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Record of a relocatee-card check", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, latin1(f"Check id: {summary.check_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def row(label: str, value: str) -> None:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(55, 8, latin1(label))
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 8, latin1(value) or "-", new_x="LMARGIN", new_y="NEXT")

    when = summary.checked_at.astimezone(UTC)
    row("Checked at", when.strftime("%d %B %Y, %H:%M:%S UTC"))
    row("Organisation", summary.organisation)
    row("Checked by", checked_by)
    row("Method", "Share code and date of birth" if summary.method == "share_code" else "QR code")
    row("Purpose", RIGHT_TEXT.get(summary.purpose, summary.purpose))
    row("Stated reason", summary.reason)
    row("Result", RESULT_TEXT.get(summary.result, summary.result))
    if summary.matched:
        row("Name", summary.name)
        row("Member state", summary.member_state)
        row("Valid until", summary.valid_until.strftime("%d %B %Y") if summary.valid_until else "")
        row(
            RIGHT_TEXT.get(summary.purpose, summary.purpose),
            f"Yes, in {summary.member_state}"
            if summary.valid
            else (
                "Unknown: revocation could not be checked"
                if summary.status_unknown
                else "No: the card is not valid"
            ),
        )
        if summary.method == "qr":
            row("Verifier's verdict", summary.status)
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 10)
    url = settings.RELOCARD_BASE_URL + reverse("verification:confirm")
    pdf.multi_cell(
        0,
        6,
        latin1(
            "Anyone can confirm that this check took place, when, by which organisation and "
            f"with which result, by entering the check id at {url}. The page shows no personal "
            "data. Keep this record with the tenancy, employment or account file."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
