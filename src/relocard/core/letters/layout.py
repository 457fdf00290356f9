"""A decision letter as data, and its layout as a PDF/A-2b document.

The shell (``relocard.letters``) writes every text in each language (the authentic one first,
the Russian translation after it) and hands a :class:`LetterDocument` to
:func:`render_letter_pdf`, which lays it out with fpdf2 and embedded DejaVu fonts: each part
starts on a new page, every page carries the letter's reference and its page number.

PDF/A-2b: every font embedded (subset TrueType), an sRGB output intent with its ICC profile
(made by Pillow's littleCMS binding, so no profile file ships), XMP metadata naming the
conformance (``pdfaid:part`` 2, ``pdfaid:conformance`` B) beside the title, language, dates and
producer that the document information dictionary also holds, a file identifier, no
encryption, no JavaScript, no transparency. The creation date is the letter's issue time, so
the same letter always renders to the same bytes.
"""

from __future__ import annotations

import functools
import logging
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.output import PDFICCProfile

from .errors import LetterRenderError

__all__ = [
    "PRODUCER",
    "Block",
    "LetterDocument",
    "LetterFonts",
    "LetterPart",
    "render_letter_pdf",
    "srgb_profile",
]

PRODUCER = "Relocard decision letters (fpdf2)"

# fpdf2 subsets each embedded font with fontTools, which logs a dozen INFO lines per letter
# (table by table): nothing an operator needs, and it would drown the worker's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Block:
    """A headed section of a letter: the facts, the reasons, the outcome, the remedy."""

    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LetterPart:
    """The whole letter in one language; ``note`` marks a translation as such."""

    language: str
    title: str
    header: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    signature: tuple[str, ...]
    note: str = ""
    footer: str = ""


@dataclass(frozen=True, slots=True)
class LetterDocument:
    """A letter: its reference, its authentic language and its parts (authentic first)."""

    reference: str
    language: str
    issued_at: datetime
    parts: tuple[LetterPart, ...]
    author: str = ""

    def __post_init__(self) -> None:
        if not self.parts:
            raise LetterRenderError("a letter needs at least one part")
        if self.parts[0].language != self.language:
            raise LetterRenderError("the authentic part of a letter must come first")
        if self.issued_at.tzinfo is None:
            raise LetterRenderError("a letter's issue time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class LetterFonts:
    """Paths of the regular and bold TrueType fonts (DejaVu Sans covers Latin, Greek, Cyrillic)."""

    regular: Path
    bold: Path

    @classmethod
    def in_directory(cls, directory: str | Path) -> LetterFonts:
        base = Path(directory)
        return cls(base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf")


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, built by littleCMS (Pillow's ImageCms), the same bytes every time.

    littleCMS stamps the profile with the time it was made: the header's date (bytes 24-35)
    is set to 2000-01-01 and the optional profile id (bytes 84-99, an MD5 over the header)
    to zero ("not computed"), so that the same letter renders to the same bytes.
    """
    # Local import: Pillow's ImageCms loads littleCMS; only letters need it.
    from PIL import ImageCms

    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    if icc[36:40] != b"acsp":
        raise LetterRenderError("littleCMS returned no ICC profile")
    icc[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
    icc[84:100] = bytes(16)
    return bytes(icc)


def _pdf_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xmp(doc: LetterDocument, title: str) -> str:
    when = _pdf_date(doc.issued_at)
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(doc.author or "-")}</rdf:li></rdf:Seq></dc:creator>
<dc:language><rdf:Bag>{"".join(f"<rdf:li>{escape(p.language)}</rdf:li>" for p in doc.parts)}</rdf:Bag></dc:language>
<dc:identifier>{escape(doc.reference)}</dc:identifier>
<xmp:CreateDate>{when}</xmp:CreateDate>
<xmp:ModifyDate>{when}</xmp:ModifyDate>
<xmp:CreatorTool>{escape(PRODUCER)}</xmp:CreatorTool>
<pdf:Producer>{escape(PRODUCER)}</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>"""


class _LetterPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(80, 80, 80)
        self.cell(0, 5, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _new_pdf(doc: LetterDocument, fonts: LetterFonts, icc: bytes) -> _LetterPDF:
    for path in (fonts.regular, fonts.bold):
        if not Path(path).is_file():
            raise LetterRenderError(
                f"the font {Path(path).name} is missing: install DejaVu Sans "
                "(Debian package fonts-dejavu-core) or point RELOCARD_LETTER_FONT_DIR to it"
            )
    pdf = _LetterPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_font("DejaVu", "", str(fonts.regular))
    pdf.add_font("DejaVu", "B", str(fonts.bold))
    title = doc.parts[0].title
    pdf.set_creation_date(doc.issued_at.astimezone(UTC))
    pdf.set_title(title)
    pdf.set_subject(doc.reference)
    pdf.set_author(doc.author or "-")
    pdf.set_creator(PRODUCER)
    pdf.set_producer(PRODUCER)
    pdf.set_lang(doc.language)
    pdf.set_xmp_metadata(_xmp(doc, title))
    pdf.add_output_intent(
        OutputIntentSubType.PDFA,
        output_condition_identifier="sRGB",
        output_condition="sRGB IEC61966-2.1",
        registry_name="http://www.color.org",
        dest_output_profile=PDFICCProfile(contents=icc, n=3, alternate="DeviceRGB"),
        info="sRGB IEC61966-2.1",
    )
    return pdf


def _part(pdf: _LetterPDF, part: LetterPart) -> None:
    pdf.footer_text = part.footer
    pdf.add_page()
    width = pdf.epw
    if part.note:
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_fill_color(235, 235, 235)
        pdf.multi_cell(width, 5, part.note, border=1, fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    for label, value in part.header:
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(70, 70, 70)
        pdf.multi_cell(width, 4, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width, 5, value or "-", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width, 7, part.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for block in part.blocks:
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, block.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for paragraph in block.paragraphs:
            pdf.multi_cell(width, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        pdf.ln(2)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    for line in part.signature:
        pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")


def render_letter_pdf(doc: LetterDocument, fonts: LetterFonts, icc: bytes | None = None) -> bytes:
    """The letter as PDF/A-2b bytes (not yet sealed: see :func:`relocard.core.letters.seal_pdf`)."""
    pdf = _new_pdf(doc, fonts, icc if icc is not None else srgb_profile())
    for part in doc.parts:
        _part(pdf, part)
    return bytes(pdf.output())
