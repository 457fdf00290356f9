"""The letters' core: layout as PDF/A-2b, the seal (valid, tampered, appended, foreign)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from relocard.core.credentials.keystore import KeyStore
from relocard.core.letters import (
    Block,
    LetterDocument,
    LetterError,
    LetterFonts,
    LetterPart,
    LetterRenderError,
    SealError,
    SealingKey,
    check_seal,
    remedies,
    render_letter_pdf,
    seal_pdf,
    srgb_profile,
)

FONTS = LetterFonts.in_directory("/usr/share/fonts/truetype/dejavu")
pytestmark = pytest.mark.skipif(
    not FONTS.regular.is_file(), reason="DejaVu Sans is not installed (package fonts-dejavu-core)"
)


def _doc(**kw) -> LetterDocument:
    parts = (
        LetterPart(
            language="el",
            title="Απόφαση απόρριψης",
            header=(("Αρχή", "Υπουργείο Εσωτερικών"), ("Αριθμός", "L-TEST")),
            blocks=(Block("Γεγονότα", ("Η αίτηση υποβλήθηκε.",)),),
            signature=("Ο επόπτης",),
            footer="L-TEST",
        ),
        LetterPart(
            language="ru",
            title="Решение об отказе",
            header=(("Орган", "Министерство внутренних дел"),),
            blocks=(Block("Факты", ("Заявление подано.",)),),
            signature=("Руководитель",),
            note="Перевод для сведения; аутентичным является текст на греческом языке",
            footer="L-TEST",
        ),
    )
    base = dict(
        reference="L-TEST",
        language="el",
        issued_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        parts=parts,
        author="Υπουργείο Εσωτερικών",
    )
    base.update(kw)
    return LetterDocument(**base)


@pytest.fixture(scope="module")
def seal_key(tmp_path_factory) -> SealingKey:
    store = KeyStore(tmp_path_factory.mktemp("keys"))
    cert, key, ca = store.ensure_seal("CY").pem()
    return SealingKey(cert, key, (ca,))


@pytest.fixture(scope="module")
def sealed(seal_key) -> bytes:
    return seal_pdf(
        render_letter_pdf(_doc(), FONTS), seal_key, name="Cyprus", reason="Decision", location="CY"
    )


def test_pdfa_markers():
    pdf = render_letter_pdf(_doc(), FONTS)
    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.is_encrypted
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and b"acsp" in profile.get_data()[:64]
    assert root["/Lang"] == "el"
    assert "/Names" not in root and "/AA" not in root  # no scripts, no embedded files
    assert reader.metadata.title == "Απόφαση απόρριψης"
    assert "/ID" in reader.trailer
    assert b"/JavaScript" not in pdf and b"/JS" not in pdf
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, font["/BaseFont"]
            fonts.add(font["/BaseFont"])
    assert fonts
    assert len(reader.pages) == 2  # one page per language


def test_text_of_both_parts_is_extractable():
    reader = PdfReader(io.BytesIO(render_letter_pdf(_doc(), FONTS)))
    assert "Απόφαση απόρριψης" in reader.pages[0].extract_text()
    second = reader.pages[1].extract_text()
    assert "Решение об отказе" in second and "аутентичным" in second


def test_same_letter_same_bytes():
    first = render_letter_pdf(_doc(), FONTS)
    srgb_profile.cache_clear()  # a profile made again (at another second) changes nothing
    assert render_letter_pdf(_doc(), FONTS, icc=srgb_profile()) == first


def test_bad_documents_are_refused(tmp_path):
    with pytest.raises(LetterRenderError, match="authentic part"):
        _doc(language="fr")
    with pytest.raises(LetterRenderError, match="at least one part"):
        _doc(parts=())
    with pytest.raises(LetterRenderError, match="timezone-aware"):
        _doc(issued_at=datetime(2026, 3, 1))
    with pytest.raises(LetterRenderError, match=r"DejaVuSans\.ttf is missing"):
        render_letter_pdf(_doc(), LetterFonts.in_directory(tmp_path))


def test_seal_is_valid_with_the_member_state_ca(sealed, seal_key):
    check = check_seal(sealed, [seal_key.chain_pem[0]])
    assert check.valid and check.intact and check.trusted and check.whole_file
    assert "decision letters CY" in check.signer


def test_pyhanko_validator_confirms_a_pades_seal(sealed, seal_key):
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = x509.Certificate.load(pem.unarmor(seal_key.chain_pem[0])[2])
    sig = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root]))
    assert status.bottom_line and status.intact and status.valid and status.trusted


def test_a_modified_byte_breaks_the_seal(sealed, seal_key):
    # Change one character of the letter's text stream (inside the signed range).
    reader_len = len(sealed)
    tampered = bytearray(sealed)
    position = sealed.index(b"stream", reader_len // 4) + 20
    tampered[position] ^= 0x01
    check = check_seal(bytes(tampered), [seal_key.chain_pem[0]])
    assert not check.valid and not check.intact


def test_appended_bytes_are_not_the_sealed_letter(sealed, seal_key):
    check = check_seal(sealed + b"\n% appended\n", [seal_key.chain_pem[0]])
    assert not check.valid and check.intact and not check.whole_file


def test_another_member_states_root_is_not_trusted(sealed, tmp_path):
    other = KeyStore(tmp_path).ensure_seal("FR").ca_certificate
    from cryptography.hazmat.primitives import serialization

    check = check_seal(sealed, [other.public_bytes(serialization.Encoding.PEM)])
    assert check.intact and not check.trusted and not check.valid


@pytest.mark.parametrize("data", [b"", b"hello world", b"%PDF-1.7\n%%EOF", b"\x00" * 100])
def test_garbage_and_unsealed_files_are_not_valid(data, seal_key):
    assert not check_seal(data, [seal_key.chain_pem[0]]).sealed


def test_unsealed_letter_is_not_sealed(seal_key):
    assert not check_seal(render_letter_pdf(_doc(), FONTS), [seal_key.chain_pem[0]]).sealed


def test_unusable_key_is_a_seal_error(seal_key):
    with pytest.raises(SealError):
        seal_pdf(b"%PDF", SealingKey(b"not a cert", seal_key.private_key_pem), name="x")
    with pytest.raises(SealError):
        seal_pdf(b"not a pdf", seal_key, name="x")


def test_keystore_seal_is_issued_by_the_ca_and_survives_rotation(tmp_path):
    store = KeyStore(tmp_path)
    first = store.ensure_seal("PL")
    assert store.ensure_seal("PL").certificate == first.certificate  # idempotent
    assert first.certificate.issuer == store.ca_certificate("PL").subject
    second = store.rotate_seal("PL")
    assert second.certificate != first.certificate
    assert (Path(tmp_path) / "PL" / "seal" / "key.pem").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("code", "language"), [("FR", "fr"), ("DE", "de"), ("PL", "pl"), ("CY", "el")]
)
def test_each_launch_state_has_remedies_in_its_language(code, language):
    found = remedies(code)
    # The appeal's deadline is the member state's appeal_days setting, not the policy file's.
    assert found.appeal.deadline_days is None and found.court.deadline_days > 0
    for remedy in (found.appeal, found.court):
        assert remedy.body[language] and remedy.body["ru"] and remedy.form[language]
        assert remedy.text("basis", "ru") and remedy.text("basis", language)  # English fallback
    assert found.appeal.text("body", language) != found.appeal.text("body", "en")


def test_remedies_of_an_unknown_state_are_an_error():
    with pytest.raises(LetterError, match="no policy file"):
        remedies("AT")
    with pytest.raises(LetterError, match="not a member state code"):
        remedies("../x")


def test_sealing_and_checking_work_inside_a_running_event_loop(seal_key):
    import asyncio

    async def inside() -> bool:
        sealed = seal_pdf(render_letter_pdf(_doc(), FONTS), seal_key, name="CY")
        return check_seal(sealed, [seal_key.chain_pem[0]]).valid

    assert asyncio.run(inside())
