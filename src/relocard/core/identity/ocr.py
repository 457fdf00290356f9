"""Read the machine-readable zone from a photo or scan of a passport's photo page (OCR).

The engine is Tesseract 5 through tesserocr (its library is bundled in tesserocr's wheels);
its English model comes from the system (Debian package ``tesseract-ocr-eng``, found under
``TESSDATA_PREFIX`` or the usual system folders). Tesseract's English model reads the OCR-B
letters and digits of a zone well, but long runs of the filler ``<`` confuse it: it reads some
as ``K`` and inserts or drops characters. Since every zone is set in a fixed pitch of 44
characters per line, this module does not trust the engine's string: it takes the position
of every character the engine found, fits the 44-cell grid of the line, puts each character
into its cell, and fills empty cells with ``<``; a ``K`` no taller than a ``<`` is a ``<``.
Positions that can only hold digits (dates, check digits) or only letters (states, names, sex)
then get the usual OCR look-alike corrections (O -> 0, 8 -> B, ...). The result goes through
the same parser as typed lines (:func:`relocard.core.identity.parse_td3`), whose check digits
catch what OCR still gets wrong in the checked fields; names are not covered by any check
digit, so the officer compares them with the page.

How reliably this reads is measured on generated pages in ``docs/identity.md``.
"""

from __future__ import annotations

import itertools
import os
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from relocard.core.identity.errors import MRZFormatError, MRZNotFoundError, OCRUnavailableError
from relocard.core.identity.images import load_image
from relocard.core.identity.mrz import LINE_LENGTH, TD3, parse_td3

if TYPE_CHECKING:
    import datetime as dt

    from PIL import Image

__all__ = ["mrz_grid_line", "read_mrz", "read_mrz_lines", "tessdata_path"]

_WHITELIST: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
_TESSDATA_DIRS: Final = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
_TO_DIGIT: Final = str.maketrans("ODQUIJLZSGBT", "000011125687")
_TO_LETTER: Final = str.maketrans("0125678", "OIZSGTB")
# Working width of the image given to the engine: the zone's characters are then about
# 20-40 pixels tall on a photo of the whole page, where Tesseract reads best.
_MIN_WIDTH: Final = 1200
_MAX_WIDTH: Final = 2000


def tessdata_path() -> str:
    """The folder holding ``eng.traineddata``, or :class:`OCRUnavailableError`."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    for folder in candidates:
        if not folder:
            continue
        for path in (Path(folder), Path(folder) / "tessdata"):
            if (path / "eng.traineddata").is_file():
                return f"{path}/"
    raise OCRUnavailableError(
        "ocr_unavailable", detail="no English model for Tesseract (install tesseract-ocr-eng)"
    )


@dataclass(frozen=True, slots=True)
class _Symbol:
    text: str
    left: int
    top: int
    right: int
    bottom: int
    confidence: float

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2

    @property
    def height(self) -> int:
        return self.bottom - self.top


def mrz_grid_line(symbols: Iterable[tuple[str, int, int, int, int, float]]) -> str | None:
    """Put one text line's characters into the 44 cells of a zone line; ``None`` if the line
    cannot be one. Each symbol is ``(text, left, top, right, bottom, confidence)``."""
    found = sorted(
        (_Symbol(*s) for s in symbols if len(s[0]) == 1 and s[0] in _WHITELIST),
        key=lambda s: s.centre,
    )
    if len(found) < LINE_LENGTH * 2 // 3:
        return None
    centres = [s.centre for s in found]
    span = centres[-1] - centres[0]
    guess = span / (LINE_LENGTH - 1)
    steps = [b - a for a, b in itertools.pairwise(centres)]
    near = [d for d in steps if 0.7 * guess <= d <= 1.3 * guess]
    pitch = statistics.median(near) if near else guess
    if not LINE_LENGTH * 2 // 3 <= round(span / pitch) + 1 <= LINE_LENGTH:
        return None
    origin = centres[0]
    # Refine origin and pitch with a least-squares fit of the well-centred characters.
    for _ in range(2):
        pairs = []
        for s in found:
            index = round((s.centre - origin) / pitch)
            if abs(s.centre - (origin + index * pitch)) < 0.25 * pitch:
                pairs.append((index, s.centre))
        if len(pairs) < 10:
            return None
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        pitch, origin = statistics.linear_regression(xs, ys)
        if pitch <= 0:
            return None
    cells: list[list[tuple[float, _Symbol]]] = [[] for _ in range(LINE_LENGTH)]
    for s in found:
        index = round((s.centre - origin) / pitch)
        offset = abs(s.centre - (origin + index * pitch)) / pitch
        if offset < 0.35 and 0 <= index < LINE_LENGTH:
            cells[index].append((offset, s))
        elif offset < 0.35 and s.text != "<" and s.confidence > 50:
            return None  # a real character outside the 44 cells: not a zone line
    tall = [s.height for s in found if s.text not in "<K"]
    letter_height = statistics.median(tall) if tall else max(s.height for s in found)
    out = []
    for cell in cells:
        if not cell:
            out.append("<")
            continue
        _, best = min(cell, key=lambda c: (c[0] > 0.2, -c[1].confidence))
        text = best.text
        if text == "K" and best.height < 0.9 * letter_height:
            text = "<"
        out.append(text)
    line = "".join(out)
    return line if "<" in line else None


def _fix_positions(line1: str, line2: str) -> tuple[str, str]:
    """Letters where only letters may stand, digits where only digits may (OCR look-alikes)."""

    def letters(text: str) -> str:
        return text.translate(_TO_LETTER)

    def digits(text: str) -> str:
        return text.translate(_TO_DIGIT)

    line1 = line1[0] + letters(line1[1:5]) + letters(line1[5:])
    birth = line2[13:19]
    birth = digits(birth) if "<" not in birth else birth
    personal_cd = line2[42] if line2[28:42] == "<" * 14 else digits(line2[42])
    line2 = (
        line2[0:9]
        + digits(line2[9])
        + letters(line2[10:13])
        + birth
        + digits(line2[19])
        + letters(line2[20])
        + digits(line2[21:28])
        + line2[28:42]
        + personal_cd
        + digits(line2[43])
    )
    return line1, line2


def _engine() -> Any:
    try:
        import tesserocr
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise OCRUnavailableError("ocr_unavailable", detail="tesserocr is not installed") from exc
    path = tessdata_path()
    try:
        api = tesserocr.PyTessBaseAPI(
            path=path, lang="eng", psm=tesserocr.PSM.SINGLE_BLOCK, oem=tesserocr.OEM.LSTM_ONLY
        )
    except RuntimeError as exc:
        raise OCRUnavailableError("ocr_unavailable", detail=str(exc)) from exc
    api.SetVariable("tessedit_char_whitelist", _WHITELIST)
    api.SetVariable("load_system_dawg", "0")
    api.SetVariable("load_freq_dawg", "0")
    return api


def _lines(api: Any, image: Image.Image) -> Iterator[str]:
    """Every text line of ``image`` that fits a zone's 44-cell grid, top to bottom."""
    import tesserocr

    api.SetImage(image)
    api.Recognize()
    iterator = api.GetIterator()
    level = tesserocr.RIL.SYMBOL
    current: list[tuple[str, int, int, int, int, float]] = []
    for symbol in tesserocr.iterate_level(iterator, level):
        if symbol.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) and current:
            line = mrz_grid_line(current)
            if line:
                yield line
            current = []
        text = symbol.GetUTF8Text(level)
        box = symbol.BoundingBox(level)
        if text and box:
            current.append((text, *box, symbol.Confidence(level)))
    if current:
        line = mrz_grid_line(current)
        if line:
            yield line


def _pair(lines: list[str]) -> tuple[str, str] | None:
    """The two zone lines among the grid lines found: a line starting with P, then the next."""
    for first, second in itertools.pairwise(lines):
        if first.startswith("P"):
            return _fix_positions(first, second)
    return None


def _views(image: Image.Image) -> Iterator[Image.Image]:
    """The page at a working size, then its bottom part (the zone), then upside down."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    gray = ImageOps.grayscale(image)
    width = min(max(gray.width, _MIN_WIDTH), _MAX_WIDTH)
    if width != gray.width:
        height = round(gray.height * width / gray.width)
        gray = gray.resize((width, height), PILImage.Resampling.LANCZOS)
    yield gray
    yield gray.crop((0, gray.height * 55 // 100, gray.width, gray.height))
    yield gray.rotate(180)


def read_mrz_lines(image: bytes) -> tuple[str, str]:
    """The two lines of the zone in a JPEG or PNG photo or scan of a passport's photo page.

    Raises :class:`~relocard.core.identity.ImageError` for bytes that are not a usable image,
    :class:`OCRUnavailableError` when Tesseract's English model is missing, and
    :class:`MRZNotFoundError` when no zone can be read.
    """
    loaded = load_image(image)
    api = _engine()
    try:
        for view in _views(loaded.image):
            pair = _pair(list(_lines(api, view)))
            if pair is not None:
                return pair
    finally:
        api.End()
    raise MRZNotFoundError("mrz_not_found")


def read_mrz(image: bytes, *, today: dt.date) -> TD3:
    """:func:`read_mrz_lines`, then :func:`~relocard.core.identity.parse_td3` (check digits
    in ``.checks``). Lines that cannot be parsed raise :class:`MRZNotFoundError`."""
    line1, line2 = read_mrz_lines(image)
    try:
        return parse_td3(f"{line1}\n{line2}", today=today)
    except MRZFormatError as exc:
        raise MRZNotFoundError("mrz_not_found") from exc
