"""The printed card end to end: render the PDF, rasterise it, read the QR, verify it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pypdfium2 as pdfium
import pytest
import zxingcpp

from relocard.core.credentials import (
    CardClaims,
    CardFace,
    CardRenderError,
    KeyStore,
    StatusRef,
    TrustList,
    build_trust_list,
    issue_rc1,
    render_card_pdf,
    render_qr_png,
    verify,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    store = KeyStore(tmp_path_factory.mktemp("keys"))
    store.ensure_programme(now=T0)
    signer = store.ensure_member_state("CY", now=T0)
    card = CardClaims(
        card_number="CY-2025-004211",
        family_name="SMIRNOV",
        given_name="ALEKSANDR",
        date_of_birth="1985-11-30",
        member_state="CY",
        valid_from=date(2025, 1, 2),
        valid_until=date(2026, 1, 1),
        status=StatusRef(4211, "https://relocard.example/status/CY/1"),
    )
    payload = issue_rc1(card, signer, issued_at=T0 + timedelta(days=1))
    trust = TrustList.from_signed(
        build_trust_list(store, now=T0, valid_for=timedelta(days=400)),
        store.programme_certificate(),
        at=T0,
    )
    return card, payload, trust


def _read_qr(pdf: bytes, scale: float) -> list:
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=scale).to_pil()
    # Only QR codes: a run once reported two symbols for the one on the card (not reproduced in
    # 40 fresh keys); the decoder's other readers have no business with this page.
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


@pytest.mark.parametrize(("size", "scale"), [("A4", 2.0), ("ID-1", 8.0)])
def test_the_printed_qr_reads_back_and_verifies(issued, size, scale) -> None:
    card, payload, trust = issued
    pdf = render_card_pdf(
        CardFace.from_claims(card, "Civil Registry and Migration Department"), payload, size=size
    )
    assert pdf.startswith(b"%PDF")
    found = _read_qr(pdf, scale)
    # One symbol on the page, whatever the decoder reports twice (it scans several scales).
    assert {barcode.text for barcode in found} == {payload}
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert found[0].text == payload
    assert found[0].ec_level == "Q"
    result = verify(found[0].text, trust_list=trust, at=date(2025, 6, 1))
    assert (result.status, result.claims["card_number"]) == ("valid", "CY-2025-004211")


def test_the_card_text_is_on_the_page(issued) -> None:
    card, payload, _ = issued
    page = pdfium.PdfDocument(render_card_pdf(CardFace.from_claims(card), payload, size="ID-1"))[0]
    text = page.get_textpage().get_text_range()
    for expected in (
        "EU RELOCATEE CARD",
        "SMIRNOV",
        "ALEKSANDR",
        "1985-11-30",
        "CY-2025-004211",
        "Cyprus",
    ):
        assert expected in text


def test_rendering_is_deterministic_and_sized(issued) -> None:
    card, payload, _ = issued
    face = CardFace.from_claims(card)
    assert render_card_pdf(face, payload, size="ID-1") == render_card_pdf(
        face, payload, size="ID-1"
    )
    width, height = pdfium.PdfDocument(render_card_pdf(face, payload, size="ID-1"))[0].get_size()
    assert (round(width / 72 * 25.4, 1), round(height / 72 * 25.4, 1)) == (85.6, 54.0)


def test_png_qr_reads_back(issued) -> None:
    from io import BytesIO

    from PIL import Image

    _, payload, _ = issued
    found = zxingcpp.read_barcodes(Image.open(BytesIO(render_qr_png(payload))))
    assert found and found[0].text == payload and found[0].ec_level == "Q"


def test_names_outside_latin_1_lose_accents_and_cyrillic_is_refused(issued) -> None:
    card, payload, _ = issued
    from dataclasses import replace

    face = replace(CardFace.from_claims(card), family_name="ŠEVČENKO")
    page = pdfium.PdfDocument(render_card_pdf(face, payload, size="ID-1"))[0]
    assert "SEVCENKO" in page.get_textpage().get_text_range()
    with pytest.raises(CardRenderError, match="Latin-script"):
        render_card_pdf(replace(face, family_name="ШЕВЧЕНКО"), payload)
    with pytest.raises(CardRenderError, match="size"):
        render_card_pdf(face, payload, size="A5")  # type: ignore[arg-type]
