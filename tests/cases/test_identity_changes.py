"""Verified identity is frozen (issue 11, finding 2): identity changes only through a
reviewed request; cards are re-issued and old credentials revoked; decisions keep a snapshot."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests.conftest import png_bytes, upload

from relocard.accounts.services import applicant_profile_save
from relocard.audit.models import AuditEvent
from relocard.cards import credentials as creds
from relocard.cases.identity_changes import identity_change_decide, identity_change_request
from relocard.cases.models import IdentityChangeRequest
from relocard.cases.services import local_today
from relocard.common.errors import EvidenceFileError, InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db


def _profile_post(applicant, **changes) -> dict:
    data = {
        "surname_cyrillic": applicant.surname_cyrillic,
        "given_names_cyrillic": applicant.given_names_cyrillic,
        "surname_latin": applicant.surname_latin,
        "given_names_latin": applicant.given_names_latin,
        "date_of_birth": applicant.date_of_birth.isoformat(),
        "nationality": applicant.nationality,
        "passport_number": applicant.passport_number,
        "passport_expiry": applicant.passport_expiry.isoformat(),
        "safe_mode": "on",
    }
    return {**data, **changes}


def test_profile_page_cannot_change_a_holders_identity(client, make_case):
    """The reported case: surname, given names and date of birth changed after approval."""
    app = make_case("approved")
    applicant = app.applicant
    born = applicant.date_of_birth
    card = app.cards.get()
    payload = creds.latest(card, "rc1").payload
    client.force_login(applicant.user)
    page = client.get(reverse("portal:profile")).content.decode()
    assert "Your identity details are verified" in page
    assert reverse("portal:identity_change") in page
    assert 'name="surname_latin"' in page and "disabled" in page
    client.post(
        reverse("portal:profile"),
        _profile_post(
            applicant,
            surname_latin="PETROVA",
            given_names_latin="MARIA",
            date_of_birth="1985-01-01",
        ),
    )
    applicant.refresh_from_db()
    assert (applicant.surname_latin, applicant.date_of_birth) == ("IVANOVA", born)
    # The card, its next PDF and its QR keep the verified identity.
    verdict = creds.verify_payload(payload)
    assert verdict.valid and verdict.claims["family_name"] == "IVANOVA"
    assert creds.card_claims(card).family_name == "IVANOVA"
    # The service itself refuses, whoever calls it.
    with pytest.raises(InvalidInput, match="no longer be edited"):
        applicant_profile_save(
            actor=applicant.user,
            user=applicant.user,
            data={"surname_latin": "PETROVA"},
        )
    # What is not identity can still be changed.
    applicant_profile_save(actor=applicant.user, user=applicant.user, data={"safe_mode": True})


def test_identity_is_frozen_from_submission_on(make_case):
    draft = make_case("draft")
    applicant_profile_save(
        actor=draft.applicant.user, user=draft.applicant.user, data={"surname_latin": "IVANOVAA"}
    )
    submitted = make_case("submitted")
    with pytest.raises(InvalidInput):
        applicant_profile_save(
            actor=submitted.applicant.user,
            user=submitted.applicant.user,
            data={"date_of_birth": date(1991, 1, 1)},
        )


def _request(app, **changes):
    applicant = app.applicant
    return identity_change_request(
        actor=applicant.user,
        applicant=applicant,
        kind="new_passport",
        data=changes,
        upload=upload(png_bytes(), "passport.png", "image/png"),
    )


def test_approved_change_reissues_the_card_and_revokes_the_old_one(make_case, staff):
    app = make_case("approved")
    old = app.cards.get()
    old_payload = creds.latest(old, "rc1").payload
    new_expiry = local_today(app.member_state) + timedelta(days=3000)
    request = _request(
        app, surname_latin="PETROVA", passport_number="761234567", passport_expiry=new_expiry
    )
    assert request.status == "requested" and request.application == app
    assert set(request.changes) == {"surname_latin", "passport_number", "passport_expiry"}
    # Until approved, nothing changes.
    app.applicant.refresh_from_db()
    assert app.applicant.surname_latin == "IVANOVA"
    assert creds.verify_payload(old_payload).valid
    # A caseworker of another member state cannot decide it.
    with pytest.raises(NotAllowed):
        identity_change_decide(actor=staff["caseworker_de"], request=request, approve=True)
    with pytest.raises(NotAllowed):
        identity_change_decide(actor=staff["auditor"], request=request, approve=True)
    identity_change_decide(actor=staff["caseworker"], request=request, approve=True)
    app.applicant.refresh_from_db()
    assert app.applicant.surname_latin == "PETROVA"
    old.refresh_from_db()
    assert old.status == "revoked"
    new = app.cards.get(status="active")
    assert new.pk != old.pk and new.cycle == old.cycle
    assert new.valid_until == old.valid_until and new.valid_until_reason == "card_year"
    # The old credentials fail through the status list; the new ones carry the new identity.
    assert creds.verify_payload(old_payload).status == "revoked"
    verdict = creds.verify_payload(creds.latest(new, "rc1").payload)
    assert verdict.valid and verdict.claims["family_name"] == "PETROVA"
    # The decision keeps the identity it was decided on.
    assert app.decisions.get().identity["surname_latin"] == "IVANOVA"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    for action in (
        "identity_change.requested",
        "identity_change.approved",
        "card.revoke",
        "card.issued",
    ):
        assert action in actions
    # The audit log holds field names, never the values.
    event = AuditEvent.objects.get(action="identity_change.requested")
    assert "PETROVA" not in str(event.data)


def test_a_new_passport_extends_a_card_limited_by_the_old_one(make_case, staff):
    app = make_case("in_review")
    today = local_today(app.member_state)
    app.applicant.__class__.objects.filter(pk=app.applicant_id).update(
        passport_expiry=today + timedelta(days=40)
    )
    from relocard.cases import services as cs

    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    old = app.cards.get()
    assert old.valid_until_reason == "passport"
    request = _request(
        app, passport_number="769999999", passport_expiry=today + timedelta(days=3650)
    )
    identity_change_decide(actor=staff["supervisor"], request=request, approve=True)
    new = app.cards.get(status="active")
    assert new.valid_until_reason == "card_year" and new.valid_until > old.valid_until


def test_refusal_needs_a_reason_and_changes_nothing(make_case, staff):
    app = make_case("approved")
    request = _request(app, given_names_latin="ANNA MARIA")
    with pytest.raises(InvalidInput):
        identity_change_decide(actor=staff["caseworker"], request=request, approve=False)
    identity_change_decide(
        actor=staff["caseworker"], request=request, approve=False, note="The scan is unreadable."
    )
    app.applicant.refresh_from_db()
    assert app.applicant.given_names_latin == "ANNA"
    assert app.cards.get().status == "active"
    with pytest.raises(InvalidState):
        identity_change_decide(actor=staff["caseworker"], request=request, approve=True)


def test_bad_requests_change_nothing(make_case, staff):
    app = make_case("approved")
    with pytest.raises(InvalidInput, match="Nothing differs"):
        _request(app, surname_latin="IVANOVA")
    with pytest.raises(EvidenceFileError):
        identity_change_request(
            actor=app.applicant.user,
            applicant=app.applicant,
            kind="new_passport",
            data={"surname_latin": "PETROVA"},
            upload=upload(b"<html>not a scan</html>", "x.pdf"),
        )
    with pytest.raises(NotAllowed):
        identity_change_request(
            actor=staff["caseworker"],
            applicant=app.applicant,
            kind="new_passport",
            data={"surname_latin": "PETROVA"},
            upload=upload(),
        )
    assert not IdentityChangeRequest.objects.exists()
    _request(app, surname_latin="PETROVA")
    with pytest.raises(InvalidState, match="already waiting"):
        _request(app, surname_latin="SIDOROVA")
    assert IdentityChangeRequest.objects.count() == 1


# --- the pages -----------------------------------------------------------------------------


def test_holder_files_and_caseworker_decides_on_the_pages(client, make_case, staff):
    app = make_case("approved")
    client.force_login(app.applicant.user)
    url = reverse("portal:identity_change")
    form = _profile_post(app.applicant, surname_latin="PETROVA", kind="name_change")
    form.pop("safe_mode")
    r = client.post(url, form)
    assert r.status_code == 400 and "Choose a file to upload." in r.content.decode()
    r = client.post(url, {**form, "file": upload(png_bytes(), "doc.png", "image/png")})
    assert r.status_code == 302
    request = IdentityChangeRequest.objects.get()
    client.force_login(staff["caseworker"])
    queue = client.get(reverse("console:identity_changes")).content.decode()
    assert reverse("console:identity_change", args=[request.pk]) in queue
    page = client.get(reverse("console:identity_change", args=[request.pk])).content.decode()
    assert "PETROVA" in page and "IVANOVA" in page
    assert client.get(reverse("console:identity_change_file", args=[request.pk])).status_code == 200
    r = client.post(reverse("console:identity_change", args=[request.pk]), {"outcome": "approve"})
    assert r.status_code == 302
    case_page = client.get(reverse("console:case", args=[app.reference])).content.decode()
    # The decided case shows the identity it was decided on, and the change as a later event.
    assert "As verified when the case was decided" in case_page
    assert "IVANOVA, ANNA" in case_page and "Approved" in case_page
    client.force_login(app.applicant.user)
    card = app.cards.get(status="active")
    page = client.get(reverse("portal:card", args=[app.reference, card.pk])).content.decode()
    assert "PETROVA, ANNA" in page


def test_an_approved_change_updates_the_keyed_person_index(make_case, staff):
    """The duplicate look-ups follow the identity a caseworker approved, not the old one."""
    from relocard.common.person_index import applicant_keys

    app = make_case("approved")
    request = _request(app, surname_latin="PETROVA")
    identity_change_decide(actor=staff["caseworker"], request=request, approve=True)
    applicant = app.applicant
    applicant.refresh_from_db()
    assert applicant.surname_latin == "PETROVA"
    assert (applicant.passport_index, applicant.name_index) == applicant_keys(applicant)
