"""Finding 7: a PDF sent to the QR image check is measured before it is rendered.

Before: a 529-byte PDF of three 3000 x 3000 pt pages took 14 s and 1.7 GB in one worker,
because the pixel limit covered images, not rendered PDF pages.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from relocard.cards import credentials as creds
from relocard.verification import qrimage
from relocard.verification.errors import QrImageError


def _blank_pdf(pages: int, width: float, height: float) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_huge_pages_are_refused_before_rendering(monkeypatch):
    bomb = _blank_pdf(3, 3000, 3000)
    assert len(bomb) < 1000
    rendered = []
    original = qrimage.pypdfium2.PdfPage.render
    monkeypatch.setattr(
        qrimage.pypdfium2.PdfPage,
        "render",
        lambda page, **kw: rendered.append(kw) or original(page, **kw),
    )
    with pytest.raises(QrImageError, match="larger than A3"):
        qrimage.decode_qr(bomb)
    assert rendered == []


def test_too_many_pages_are_refused():
    with pytest.raises(QrImageError, match="has 40 pages"):
        qrimage.decode_qr(_blank_pdf(40, 595, 842))


def test_a_page_between_a4_and_a3_is_rendered_within_the_pixel_budget(monkeypatch):
    sizes = []
    original = qrimage.pypdfium2.PdfPage.render

    def spy(page, **kw):
        bitmap = original(page, **kw)
        sizes.append(bitmap.width * bitmap.height)
        return bitmap

    monkeypatch.setattr(qrimage.pypdfium2.PdfPage, "render", spy)
    with pytest.raises(QrImageError, match="No QR code"):
        qrimage.decode_qr(_blank_pdf(2, 842, 1191))
    assert len(sizes) == 2
    assert all(s <= qrimage.MAX_PDF_PAGE_PIXELS * 1.01 for s in sizes)


@pytest.mark.django_db
def test_the_api_answers_the_bomb_with_a_clear_error_and_still_reads_a_card(client, card, api_key):
    key, _user = api_key
    bomb = client.post(
        "/api/checks/qr-image",
        {"file": io.BytesIO(_blank_pdf(3, 3000, 3000)), "reason": "Viewing"},
        HTTP_X_API_KEY=key,
    )
    assert bomb.status_code == 400 and bomb.json()["code"] == "qr_not_found"
    assert "larger than A3" in bomb.json()["message"]
    for size in ("A4", "ID-1"):
        ok = client.post(
            "/api/checks/qr-image",
            {"file": io.BytesIO(creds.card_pdf(card, size=size)), "reason": "Viewing"},
            HTTP_X_API_KEY=key,
        )
        # Read and verified: the budget lets a real card's PDF through (its validity on the
        # day is the subject of the checks' own tests).
        assert ok.status_code == 200 and ok.json()["holder"]["name"] == "IVANOVA, ANNA"
