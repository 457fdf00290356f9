"""A sealed letter for every decision kind, in the official language with a Russian part."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from pypdf import PdfReader
from tests.conftest import upload

from relocard.audit.models import AuditEvent
from relocard.cards import services as card_services
from relocard.cards.models import Card
from relocard.cases import appeals, renewal
from relocard.cases import services as cs
from relocard.cases.models import Decision
from relocard.core.letters import check_seal
from relocard.letters import services
from relocard.letters.models import DecisionLetter
from relocard.letters.references import normalise_reference

pytestmark = [pytest.mark.django_db, pytest.mark.render_letters]


def _text(letter: DecisionLetter) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(services.letter_read(letter)))
    pages = [p.extract_text() for p in reader.pages]
    ru_start = next(i for i, p in enumerate(pages) if "Перевод" in p or "Translation for" in p)
    return " ".join(" ".join(pages[:ru_start]).split()), " ".join(
        " ".join(pages[ru_start:]).split()
    )


def _sealed_ok(letter: DecisionLetter) -> None:
    data = services.letter_read(letter)
    assert check_seal(data, [services.seal_trust_root(letter.member_state_id)]).valid


def test_approval_letter_is_issued_sealed_and_bilingual(make_case):
    app = make_case("approved")
    letter = DecisionLetter.objects.get(application=app)
    assert letter.kind == "approval" and letter.language == "fr" and letter.status == "issued"
    assert letter.decision == Decision.objects.get(application=app)
    assert normalise_reference(letter.reference) == letter.reference
    _sealed_ok(letter)
    authentic, russian = _text(letter)
    assert "Ministère de l'Intérieur" in authentic  # the authority in the official language
    assert letter.reference in authentic and app.reference in authentic
    assert "tribunal administratif" in authentic  # the court remedy from the policy file
    assert "Légifrance" not in russian
    assert "Перевод" in russian or "Translation for information" in russian
    assert "Министерство внутренних дел" in russian
    actions = set(
        AuditEvent.objects.filter(object_id=str(letter.pk)).values_list("action", flat=True)
    )
    assert {"letter.recorded", "letter.issued"} <= actions


def test_refusal_letter_in_german_names_reasons_and_the_appeal(make_case, staff):
    app = make_case("refused", member_state="DE")
    letter = DecisionLetter.objects.get(application=app)
    assert (letter.kind, letter.language) == ("refusal", "de")
    _sealed_ok(letter)
    authentic, russian = _text(letter)
    assert "Bundesamt für Migration und Flüchtlinge" in authentic
    assert "Too little." in authentic  # the official's reason, as recorded
    assert "Widerspruch" in authentic and "Verwaltungsgericht" in authentic
    deadline = Decision.objects.get(application=app).appeal_deadline
    assert str(deadline.year) in authentic
    assert "Widerspruch" in russian  # the Russian part names the same remedy


def test_suspension_revocation_and_appeal_letters(make_case, staff):
    app = make_case("approved")
    card = app.cards.get()
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="suspend", reason="Documents under review."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change)
    change2 = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="revoke", reason="Forged diploma."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change2)
    appeal = appeals.appeal_lodge(
        actor=app.applicant.user, application=app, card_change=change2, grounds="It is genuine."
    )
    appeals.appeal_decide(
        actor=staff["supervisor2"], appeal=appeal, upheld=False, reason="The university denies it."
    )
    kinds = list(
        DecisionLetter.objects.filter(application=app).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["approval", "suspension", "revocation", "appeal_decision"]
    for letter in DecisionLetter.objects.filter(application=app):
        assert letter.status == "issued"
    revocation = DecisionLetter.objects.get(card_change=change2)
    authentic, _ = _text(revocation)
    assert "Forged diploma." in authentic and card.number in authentic
    assert "Un recours administratif" in authentic  # a revocation can be appealed
    appeal_letter = DecisionLetter.objects.get(appeal=appeal)
    authentic, _ = _text(appeal_letter)
    assert "The university denies it." in authentic
    _sealed_ok(appeal_letter)


@pytest.mark.parametrize(("code", "language"), [("PL", "pl"), ("CY", "el")])
def test_polish_and_cypriot_letters(make_case, make_user, code, language):
    from relocard.accounts.models import Role

    app = make_case("in_review", member_state="DE")
    # Move the case to the member state under test before deciding.
    type(app).objects.filter(pk=app.pk).update(member_state_id=code)
    app.refresh_from_db()
    cw = make_user(Role.CASEWORKER, code)
    cs.application_approve(actor=cw, application=app, version=app.version)
    letter = DecisionLetter.objects.get(application=app)
    assert letter.language == language
    _sealed_ok(letter)
    authentic, russian = _text(letter)
    expected, expected_ru = {
        "PL": ("Urząd do Spraw Cudzoziemców", "Управление по делам иностранцев"),
        "CY": ("Τμήμα Αρχείου Πληθυσμού", "Департамент гражданского реестра"),
    }[code]
    assert expected in authentic
    assert expected_ru in russian


def test_renewal_refusal_letter(make_case, staff):
    app = make_case("approved")
    card = app.cards.get()
    end = cs.local_today(app.member_state) + timedelta(days=20)
    Card.objects.filter(pk=card.pk).update(valid_from=end - timedelta(days=364), valid_until=end)
    user = app.applicant.user
    renewal.renewal_open(actor=user, application=app)
    app.refresh_from_db()
    cs.evidence_add(
        actor=user,
        application=app,
        kind="employment_contract",
        upload=upload(),
        facts_data={"employment_contract-country": "FR"},
    )
    cs.application_submit(actor=user, application=app, token=secrets.token_hex(6))
    app.refresh_from_db()
    cs.application_start_review(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    cs.refusal_propose(
        actor=staff["caseworker"],
        application=app,
        version=app.version,
        reasons={"housing": "No lease."},
        summary="",
    )
    app.refresh_from_db()
    cs.refusal_confirm(actor=staff["supervisor"], application=app, version=app.version)
    letter = DecisionLetter.objects.filter(application=app).latest("id")
    assert letter.kind == "renewal_refusal"
    authentic, _ = _text(letter)
    assert "No lease." in authentic


def test_a_failed_rendering_is_recorded_and_retried(make_case, settings, tmp_path):
    settings.RELOCARD_LETTER_FONT_DIR = str(tmp_path)  # no fonts: rendering fails
    app = make_case("approved")
    letter = DecisionLetter.objects.get(application=app)
    assert letter.status == "pending" and letter.attempts == 1
    assert "DejaVuSans.ttf is missing" in letter.last_error
    assert app.decisions.get().status == "confirmed"  # the decision stands, its letter is owed
    settings.RELOCARD_LETTER_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
    from relocard.letters.tasks import render_letter

    render_letter.call(letter.pk)
    letter.refresh_from_db()
    assert letter.status == "issued" and letter.attempts == 2 and not letter.last_error
    _sealed_ok(letter)


def test_a_stored_file_that_changed_is_refused(make_case):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    letter = DecisionLetter.objects.get(application=make_case("approved"))
    storages["evidence"].delete(letter.file)
    storages["evidence"].save(letter.file, ContentFile(b"%PDF-1.7 other"))
    with pytest.raises(RuntimeError, match="does not match"):
        services.letter_read(letter)


def test_references_are_random_and_normalised():
    from relocard.letters.references import new_reference

    refs = {new_reference() for _ in range(200)}
    assert len(refs) == 200
    ref = refs.pop()
    assert normalise_reference(ref.lower().replace("-", " ")) == ref
    for bad in ("", "RL-123", "hello world", ref + "A", ref.replace(ref[3], "0")):
        assert normalise_reference(bad) is None
