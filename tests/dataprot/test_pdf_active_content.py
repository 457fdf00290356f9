"""Finding 7: evidence PDFs with JavaScript, launch actions or embedded files are refused.

Before, a PDF whose /OpenAction ran JavaScript was stored and later served unchanged to the
caseworker's browser.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from tests.conftest import pdf_bytes

from relocard.audit.models import AuditEvent
from relocard.cases.models import EvidenceItem
from relocard.common.pdfcontent import active_content

pytestmark = pytest.mark.django_db


def _pdf(edit=None) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes("a scanned diploma")))
    if edit:
        edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action_js(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello')"),
        }
    )


def _names_js(writer):
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("x")}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def _launch(writer):
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/Launch"),
                    NameObject("/F"): TextStringObject("cmd.exe"),
                }
            )
        }
    )


def _attachment(writer):
    writer.add_attachment("invoice.exe", b"MZ\x90\x00")


def _link_annotation_js(writer):
    annot = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject("x"),
                }
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])


def _goto_open_action(writer):
    # Word processors open at the first page this way: a destination, not a script.
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )


@pytest.mark.parametrize(
    ("edit", "what"),
    [
        (_open_action_js, "JavaScript"),
        (_names_js, "JavaScript"),
        (_launch, "a launch action"),
        (_attachment, "an embedded file"),
        (_link_annotation_js, "JavaScript"),
    ],
)
def test_active_content_is_found(edit, what):
    assert what in [str(w) for w in active_content(_pdf(edit))]


def test_a_plain_pdf_and_a_go_to_open_action_are_accepted():
    assert active_content(pdf_bytes()) == []
    assert active_content(_pdf(_goto_open_action)) == []


def test_a_script_behind_an_escaped_name_is_found():
    # "/J#61vaScript" is "/JavaScript" to every reader; a search for the plain bytes misses it.
    hidden = _pdf(_open_action_js).replace(b"/S /JavaScript", b"/S /J#61vaScript")
    assert b"/J#61vaScript" in hidden
    assert "JavaScript" in [str(w) for w in active_content(hidden)]


def test_the_upload_of_a_pdf_with_an_open_action_script_is_refused(client, make_case):
    app = make_case("draft", evidence=[])
    client.force_login(app.applicant.user)
    before = (EvidenceItem.objects.count(), AuditEvent.objects.count())
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("portal:evidence_add", args=[app.reference]),
        {
            "kind": "diploma",
            "diploma-isced_level": "7",
            "file": SimpleUploadedFile("diploma.pdf", _pdf(_open_action_js)),
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "This PDF contains JavaScript" in html and "print it to a new PDF" in html
    assert (EvidenceItem.objects.count(), AuditEvent.objects.count()) == before
    r = client.post(
        reverse("portal:evidence_add", args=[app.reference]),
        {
            "kind": "diploma",
            "diploma-isced_level": "7",
            "file": SimpleUploadedFile("diploma.pdf", _pdf(_goto_open_action)),
        },
    )
    assert r.status_code == 302
    assert EvidenceItem.objects.count() == before[0] + 1


def test_an_unreadable_or_encrypted_pdf_is_refused_with_a_reason():
    from relocard.common.errors import EvidenceFileError
    from relocard.common.files import check_evidence_file

    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes()))
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(EvidenceFileError, match="encrypted"):
        check_evidence_file(SimpleUploadedFile("x.pdf", out.getvalue()))
