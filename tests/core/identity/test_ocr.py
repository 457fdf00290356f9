"""Reading the zone from images of photo pages (Tesseract through tesserocr).

The pages are generated: the zone in OCR-B (public domain font, shipped with the tests), tilted,
blurred, noisy and JPEG-compressed at random. Tesseract's English model comes from Debian's
package ``tesseract-ocr-eng``; ``.ci/run`` installs it, so under CI these tests fail, never
skip, when it is missing.
"""

from __future__ import annotations

import io
import os
import random

import pytest
from PIL import Image

from relocard.core.identity import (
    ImageError,
    MRZNotFoundError,
    OCRUnavailableError,
    parse_td3,
    read_mrz,
    read_mrz_lines,
)
from relocard.core.identity import ocr as ocr_module
from relocard.core.identity.ocr import mrz_grid_line, tessdata_path

from .passports import SPECIMEN_LINES, TODAY, random_page, render_page, russian_passport


@pytest.fixture(scope="module", autouse=True)
def _tesseract_model() -> None:
    try:
        tessdata_path()
    except OCRUnavailableError:
        if os.environ.get("CI") == "true":
            pytest.fail("Tesseract's English model is needed; .ci/run installs tesseract-ocr-eng")
        pytest.skip("Tesseract's English model (Debian package tesseract-ocr-eng) is missing")


def test_the_specimen_page_is_read_exactly() -> None:
    assert read_mrz_lines(render_page(SPECIMEN_LINES)) == SPECIMEN_LINES
    mrz = read_mrz(render_page(SPECIMEN_LINES, jpeg_quality=85), today=TODAY)
    assert mrz.valid and mrz.surname == "ERIKSSON" and mrz.given_names == "ANNA MARIA"


def test_a_russian_page_is_read_exactly() -> None:
    passport = russian_passport(random.Random(7))
    page = render_page(passport.lines, visual=("ПАСПОРТ / PASSPORT", "РОССИЙСКАЯ ФЕДЕРАЦИЯ"))
    assert read_mrz_lines(page) == passport.lines


def test_an_upside_down_scan_is_read() -> None:
    page = Image.open(io.BytesIO(render_page(SPECIMEN_LINES))).rotate(180)
    out = io.BytesIO()
    page.save(out, "PNG")
    assert read_mrz_lines(out.getvalue()) == SPECIMEN_LINES


def test_photos_of_pages_are_read_or_flagged_never_silently_wrong() -> None:
    """On pages tilted, blurred, noisy and compressed at random, most are read exactly; what is
    misread in a checked field fails its check digit (``valid`` false), so the officer is told
    to read again. The rate over many more pages is in docs/identity.md."""
    rng = random.Random(2024)
    exact = 0
    for _ in range(10):
        passport, page = random_page(rng)
        try:
            mrz = read_mrz(page, today=TODAY)
        except MRZNotFoundError:
            continue
        truth = parse_td3(passport.text, today=TODAY)
        exact += mrz.lines == truth.lines
        if mrz.valid:
            assert (mrz.document_number, mrz.birth_date, mrz.expiry_date) == (
                truth.document_number,
                truth.birth_date,
                truth.expiry_date,
            )
    assert exact >= 7


def test_a_page_without_a_zone() -> None:
    blank = Image.new("L", (1500, 1056), 236)
    out = io.BytesIO()
    blank.save(out, "PNG")
    with pytest.raises(MRZNotFoundError) as caught:
        read_mrz_lines(out.getvalue())
    assert caught.value.code == "mrz_not_found"
    assert "No machine-readable zone was found" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "code"), [(b"", "empty_file"), (b"GIF89a...", "unsupported_format")]
)
def test_bytes_that_are_no_image(data: bytes, code: str) -> None:
    with pytest.raises(ImageError) as caught:
        read_mrz_lines(data)
    assert caught.value.code == code


def test_a_missing_model_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    monkeypatch.setattr(ocr_module, "_TESSDATA_DIRS", ())
    with pytest.raises(OCRUnavailableError) as caught:
        read_mrz_lines(render_page(SPECIMEN_LINES))
    assert "tesseract-ocr-eng" in str(caught.value)


def test_tessdata_prefix_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tessdata_path()
    monkeypatch.setenv("TESSDATA_PREFIX", folder)
    assert tessdata_path() == folder


# --- the grid, without the engine ---------------------------------------------------------


def _symbols(text: str, *, pitch: int = 30, fillers_as: dict[int, str] | None = None):
    """Boxes as the engine gives them for ``text`` set in a fixed pitch."""
    out = []
    for i, ch in enumerate(text):
        shown = (fillers_as or {}).get(i, ch)
        top, bottom = (44, 67) if ch == "<" else (40, 70)
        out.append((shown, 10 + i * pitch, top, 10 + i * pitch + 20, bottom, 95.0))
    return out


def test_grid_puts_characters_in_their_cells() -> None:
    line = SPECIMEN_LINES[1]
    assert mrz_grid_line(_symbols(line)) == line


def test_grid_turns_a_short_k_into_a_filler_and_fills_dropped_cells() -> None:
    line = SPECIMEN_LINES[0]
    symbols = _symbols(line, fillers_as={30: "K", 35: "K"})
    del symbols[40:43]  # the engine dropped three fillers
    assert mrz_grid_line(symbols) == line


def test_grid_ignores_characters_between_cells() -> None:
    line = SPECIMEN_LINES[0]
    symbols = [*_symbols(line), ("K", 10 + 30 * 30 + 15, 40, 10 + 30 * 30 + 31, 70, 60.0)]
    assert mrz_grid_line(symbols) == line


def test_grid_uses_the_filler_score_and_the_cell_reader() -> None:
    line = SPECIMEN_LINES[1]
    symbols = _symbols(line)[:-1]  # the last digit was dropped
    filler_cells = {i for i, ch in enumerate(line) if ch == "<"}

    def score(x0: float, y0: float, x1: float, y1: float) -> float:
        index = round(((x0 + x1) / 2 - 20) / 30)
        return 0.9 if index in filler_cells else 0.1

    assert mrz_grid_line(symbols, score, lambda *box: "0") == line


@pytest.mark.parametrize(
    "text",
    ["PASSPORT", "RUSSIAN FEDERATION", "ERIKSSON ANNA MARIA 12 AUG 1974"],
)
def test_grid_refuses_ordinary_text(text: str) -> None:
    assert mrz_grid_line(_symbols(text.replace(" ", ""))) is None
