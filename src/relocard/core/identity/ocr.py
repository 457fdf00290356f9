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
import math
import os
import statistics
from collections.abc import Callable, Iterable, Iterator
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
#: Normalised correlation with the line's own ``<`` above which a cell is taken as ``<``.
_FILLER_MATCH: Final = 0.75
#: Below this tilt (degrees) a page is read as it is.
_MIN_SKEW: Final = 0.2


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


def _fit_grid(found: list[_Symbol]) -> tuple[float, float] | None:
    """``(origin, pitch)``: the centre of cell 0 and the distance between cells, fitted to the
    confident characters, or ``None`` when the line has no 44-cell grid."""
    centres = [s.centre for s in found]
    span = centres[-1] - centres[0]
    guess = span / (LINE_LENGTH - 1)
    sure = [s for s in found if s.confidence >= 80 and s.text != "K"] or found
    steps = [b.centre - a.centre for a, b in itertools.pairwise(sure)]
    near = [d for d in steps if 0.7 * guess <= d <= 1.3 * guess]
    pitch = statistics.median(near) if near else guess
    if not LINE_LENGTH * 2 // 3 <= round(span / pitch) + 1 <= LINE_LENGTH + 2:
        return None  # (the median of whole-pixel steps is only roughly the pitch)
    origin = centres[0]
    for _ in range(3):  # least squares on the well-centred confident characters
        pairs = []
        for s in sure:
            index = round((s.centre - origin) / pitch)
            if abs(s.centre - (origin + index * pitch)) < 0.25 * pitch:
                pairs.append((index, s.centre))
        if len(pairs) < 10 or len({p[0] for p in pairs}) < 2:
            return None
        pitch, origin = statistics.linear_regression([p[0] for p in pairs], [p[1] for p in pairs])
        if pitch <= 0:
            return None
    if round((centres[-1] - origin) / pitch) + 1 > LINE_LENGTH:
        return None
    return origin, pitch


def mrz_grid_line(
    symbols: Iterable[tuple[str, int, int, int, int, float]],
    filler_score: Callable[[float, float, float, float], float] | None = None,
    read_cell: Callable[[float, float, float, float], str] | None = None,
) -> str | None:
    """Put one text line's characters into the 44 cells of a zone line; ``None`` if the line
    cannot be one. Each symbol is ``(text, left, top, right, bottom, confidence)``.

    ``filler_score(left, top, right, bottom)``, if given, says how much the image in a cell
    looks like the line's own ``<`` (from -1 to 1); cells that look like it are ``<``
    whatever the engine read there. ``read_cell(left, top, right, bottom)``, if given, reads
    a cell where the engine found nothing (else it is taken as ``<``).
    """
    found = sorted(
        (_Symbol(*s) for s in symbols if len(s[0]) == 1 and s[0] in _WHITELIST),
        key=lambda s: s.centre,
    )
    if len(found) < LINE_LENGTH * 2 // 3:
        return None
    grid = _fit_grid(found)
    if grid is None:
        return None
    origin, pitch = grid
    cells: list[list[tuple[float, _Symbol]]] = [[] for _ in range(LINE_LENGTH)]
    for s in found:
        index = round((s.centre - origin) / pitch)
        offset = abs(s.centre - (origin + index * pitch)) / pitch
        if offset < 0.35 and 0 <= index < LINE_LENGTH:
            cells[index].append((offset, s))
        elif offset < 0.35 and s.text != "<" and s.confidence > 50:
            return None  # a real character outside the 44 cells: not a zone line
    tall = [s for s in found if s.text not in "<K" and s.confidence >= 80] or found
    letter_height = statistics.median(s.height for s in tall)
    # The line may be tilted: the top of the letters as a straight line across the cells.
    if len({s.centre for s in tall}) >= 2:
        slope, intercept = statistics.linear_regression(
            [s.centre for s in tall], [s.top for s in tall]
        )
    else:
        slope, intercept = 0.0, float(tall[0].top)
    out = []
    for index, cell in enumerate(cells):
        centre = origin + index * pitch
        top = intercept + slope * centre
        box = (
            centre - 0.65 * pitch, top - 0.2 * letter_height,
            centre + 0.65 * pitch, top + 1.2 * letter_height,
        )  # fmt: skip
        if filler_score is not None and filler_score(*box) >= _FILLER_MATCH:
            out.append("<")
            continue
        if not cell:
            out.append(read_cell(*box) if read_cell is not None else "<")
            continue
        _, best = min(cell, key=lambda c: (c[0] > 0.2, -c[1].confidence))
        text = best.text
        if text == "K" and best.height < 0.9 * letter_height:
            text = "<"
        out.append(text)
    line = "".join(out)
    return line if "<" in line else None


def _filler_scorer(
    image: Any, symbols: list[tuple[str, int, int, int, int, float]]
) -> Callable[[float, float, float, float], float] | None:
    """A scorer comparing a region of ``image`` with the line's most confident ``<``."""
    import cv2
    import numpy as np

    heights = sorted(s[4] - s[2] for s in symbols if s[0] not in "<K" and s[5] >= 80)
    if not heights:
        return None
    letter = heights[len(heights) // 2]
    fillers = [s for s in symbols if s[0] == "<" and s[5] >= 90 and s[4] - s[2] < 0.92 * letter]
    if not fillers:
        return None
    _, left, top, right, bottom, _ = max(fillers, key=lambda s: s[5])
    pixels = np.asarray(image, dtype=np.uint8)
    template = pixels[top : bottom + 1, left : right + 1]
    if template.size == 0 or min(template.shape) < 4 or float(template.std()) < 1:
        return None

    def score(x0: float, y0: float, x1: float, y1: float) -> float:
        h, w = pixels.shape
        region = pixels[
            max(0, int(y0)) : min(h, int(y1) + 1), max(0, int(x0)) : min(w, int(x1) + 1)
        ]
        if region.shape[0] < template.shape[0] or region.shape[1] < template.shape[1]:
            return -1.0
        if float(region.std()) < 1:
            return -1.0
        return float(cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED).max())

    return score


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


def _cell_reader(api: Any, image: Image.Image) -> Callable[[float, float, float, float], str]:
    """Read one character cell on its own (the engine sometimes drops a lone last digit)."""
    import tesserocr

    def read(x0: float, y0: float, x1: float, y1: float) -> str:
        from PIL import ImageOps

        inset = (x1 - x0) * 0.12  # the box is 1.3 cells wide: keep the cell alone
        box = (max(0, round(x0 + inset)), max(0, round(y0)),
               min(image.width, round(x1 - inset)), min(image.height, round(y1)))  # fmt: skip
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            return "<"
        cell = ImageOps.expand(image.crop(box), border=(box[3] - box[1]) // 2, fill=255)
        api.SetPageSegMode(tesserocr.PSM.SINGLE_CHAR)
        try:
            api.SetImage(cell)
            text = api.GetUTF8Text().strip()
        except RuntimeError:  # tesserocr's "No text returned"
            text = ""
        finally:
            api.SetPageSegMode(tesserocr.PSM.SINGLE_BLOCK)
        return text if len(text) == 1 and text in _WHITELIST else "<"

    return read


_Box = tuple[str, int, int, int, int, float]


def _symbol_lines(api: Any, image: Image.Image) -> list[list[_Box]]:
    """Every text line the engine finds in ``image``: its characters with boxes."""
    import tesserocr

    api.SetImage(image)
    current: list[_Box] = []
    lines: list[list[_Box]] = []
    level = tesserocr.RIL.SYMBOL
    try:
        api.Recognize()
        iterator = api.GetIterator()
        # iterate_level yields the one iterator, advanced: read each symbol as it comes.
        for symbol in tesserocr.iterate_level(iterator, level) if iterator else ():
            if symbol.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) and current:
                lines.append(current)
                current = []
            text = symbol.GetUTF8Text(level)
            box = symbol.BoundingBox(level)
            if text and box:
                current.append((text, *box, symbol.Confidence(level)))
    except RuntimeError:  # tesserocr's "No text returned": nothing on the page
        return []
    if current:
        lines.append(current)
    return lines


def _grid_lines(api: Any, image: Image.Image, lines: list[list[_Box]]) -> list[str]:
    """The lines that fit a zone's 44-cell grid, top to bottom. Run after
    :func:`_symbol_lines`: reading single cells replaces the engine's page."""
    reader = _cell_reader(api, image)
    out = []
    for found in lines:
        line = mrz_grid_line(found, _filler_scorer(image, found), reader)
        if line:
            out.append(line)
    return out


def _skew(lines: list[list[_Box]]) -> float:
    """The tilt of the longest line, in degrees (positive: the line falls to the right)."""
    longest = max(lines, key=len, default=[])
    sure = [s for s in longest if s[5] >= 80]
    if len(sure) < 10 or len({(s[1] + s[3]) / 2 for s in sure}) < 2:
        return 0.0
    slope, _ = statistics.linear_regression(
        [(s[1] + s[3]) / 2 for s in sure], [(s[2] + s[4]) / 2 for s in sure]
    )
    return math.degrees(math.atan(slope))


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


def _candidates(api: Any, image: Image.Image) -> Iterator[tuple[str, str]]:
    """Readings of the zone, best first: the page as it is, straightened by the tilt of its
    longest line, then the bottom part, then the page upside down (a scan the wrong way)."""
    for view in _views(image):
        lines = _symbol_lines(api, view)
        pair = _pair(_grid_lines(api, view, lines))
        if pair is not None:
            yield pair
        if abs(angle := _skew(lines)) >= _MIN_SKEW:
            # Nearest-neighbour keeps the strokes sharp; bicubic read worse in the measurements.
            upright = view.rotate(angle, expand=True, fillcolor=255)
            pair = _pair(_grid_lines(api, upright, _symbol_lines(api, upright)))
            if pair is not None:
                yield pair


def _read(image: bytes, today: dt.date) -> tuple[tuple[str, str], TD3 | None]:
    """The first reading whose check digits all hold, else the first that parses, else the
    first at all; :class:`MRZNotFoundError` when there is none."""
    loaded = load_image(image)
    api = _engine()
    first: tuple[tuple[str, str], TD3 | None] | None = None
    try:
        for pair in _candidates(api, loaded.image):
            try:
                parsed: TD3 | None = parse_td3("\n".join(pair), today=today)
            except MRZFormatError:
                parsed = None
            if parsed is not None and parsed.valid:
                return pair, parsed
            if first is None or (first[1] is None and parsed is not None):
                first = (pair, parsed)
    finally:
        api.End()
    if first is None:
        raise MRZNotFoundError("mrz_not_found")
    return first


def read_mrz_lines(image: bytes, *, today: dt.date | None = None) -> tuple[str, str]:
    """The two lines of the zone in a JPEG or PNG photo or scan of a passport's photo page.

    Several readings are tried (see :func:`_candidates`); the first whose check digits all
    hold wins (``today`` resolves the dates for that; it defaults to the computer's date).
    Raises :class:`~relocard.core.identity.ImageError` for bytes that are not a usable image,
    :class:`OCRUnavailableError` when Tesseract's English model is missing, and
    :class:`MRZNotFoundError` when no zone can be read.
    """
    import datetime

    return _read(image, today or datetime.datetime.now(datetime.UTC).date())[0]


def read_mrz(image: bytes, *, today: dt.date) -> TD3:
    """:func:`read_mrz_lines`, parsed (check digits in ``.checks``); lines that cannot be
    parsed raise :class:`MRZNotFoundError`."""
    _, parsed = _read(image, today)
    if parsed is None:
        raise MRZNotFoundError("mrz_not_found")
    return parsed
