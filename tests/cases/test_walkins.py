"""Consular walk-ins (issue 11, finding 5): a walk-in case is never attached to an existing
account, the officer never learns whether an address has one, and the applicant links the case
from their own account."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from tests.conftest import PROFILE

from relocard.accounts.models import Applicant, User
from relocard.cases import walkins
from relocard.cases.models import Application, WalkInInvitation
from relocard.common.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db

FORM = {
    "surname_cyrillic": "Петров",
    "given_names_cyrillic": "Пётр",
    "surname_latin": "PETROV",
    "given_names_latin": "PETR",
    "date_of_birth": "1985-02-03",
    "nationality": "RU",
    "passport_number": "761234567",
    "passport_expiry": "2032-01-01",
}


def _link(message) -> str:
    url = next(w for w in message.body.split() if "/walk-in/" in w)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _open(client, officer, email, **overrides):
    client.force_login(officer)
    mail.outbox.clear()
    return client.post(reverse("console:embassy_new"), {"email": email, **FORM, **overrides})


def _scrub(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"FR-[A-Z0-9-]+", "REF", html)


def test_an_address_in_use_gets_the_same_outcome_and_is_not_attached(client, make_case, staff):
    existing = make_case("submitted", member_state="DE")  # a person with a case in Germany
    person = existing.applicant
    before = {f: getattr(person, f) for f in ("surname_latin", "passport_number", "date_of_birth")}
    officer = staff["consular_officer"]

    outcomes = []
    for email in ("new-person@example.test", person.user.email.upper(), staff["caseworker"].email):
        r = _open(client, officer, email)
        assert r.status_code == 302, r.content.decode()[:2000]
        page = client.get(r["Location"])
        assert page.status_code == 200
        outcomes.append(_scrub(page.content.decode()))
        # Every address receives the same invitation; no account is created at the embassy.
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [email.lower()]
        assert "/walk-in/" in mail.outbox[0].body
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert not User.objects.filter(email="new-person@example.test").exists()

    walkin_cases = Application.objects.filter(channel="embassy")
    assert walkin_cases.count() == 3
    for app in walkin_cases:
        # Its own applicant record, with what the officer typed, tied to no account.
        assert app.applicant.user_id is None
        assert app.applicant.surname_latin == "PETROV"
    person.refresh_from_db()
    assert {f: getattr(person, f) for f in before} == before
    assert not person.applications.filter(member_state="FR").exists()
    # The officer sees nothing of the person's German case.
    r = client.get(reverse("console:case", args=[existing.reference]))
    assert r.status_code == 404
    r = client.get(reverse("portal:case", args=[existing.reference]))
    assert r.status_code == 404


def test_the_applicant_links_the_walkin_from_their_own_account(client, make_applicant, staff):
    person = make_applicant(
        surname_latin="PETROV", given_names_latin="PETR", passport_number="761234567"
    )
    Applicant.objects.filter(pk=person.pk).update(date_of_birth="1985-02-03")
    r = _open(client, staff["consular_officer"], person.user.email)
    reference = r["Location"].split("/")[-2]
    link = _link(mail.outbox[0])
    app = Application.objects.get(reference=reference)

    # Signed out: the page offers to sign in; signed in as someone else: nothing to link.
    client.logout()
    page = client.get(link).content.decode()
    assert "Sign in to link the application" in page
    stranger = make_applicant().user
    client.force_login(stranger)
    r = client.post(link)
    assert r.status_code == 400
    assert "sent to another e-mail address" in r.content.decode()
    app.refresh_from_db()
    assert app.applicant.user_id is None

    client.force_login(person.user)
    r = client.post(link)
    assert r.status_code == 302 and r["Location"] == reverse("portal:case", args=[reference])
    app.refresh_from_db()
    assert app.applicant == person  # the same person: the case joins their profile
    assert not Applicant.objects.filter(user__isnull=True).exists()
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert reference in dashboard
    invitation = WalkInInvitation.objects.get(application=app)
    assert invitation.linked_user == person.user
    # The link works once.
    assert client.get(link).status_code == 400
    # The officer still acts for the case they opened.
    client.force_login(staff["consular_officer"])
    assert client.get(reverse("portal:case", args=[reference])).status_code == 200


def test_a_walkin_of_another_person_is_not_linked(client, make_case, staff):
    existing = make_case("submitted", member_state="DE")
    _open(client, staff["consular_officer"], existing.applicant.user.email)
    invitation = WalkInInvitation.objects.get()
    with pytest.raises(InvalidInput, match="contact the embassy"):
        walkins.walkin_link(actor=existing.applicant.user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.linked_at is None
    assert invitation.application.applicant.user_id is None
    assert existing.applicant.applications.count() == 1


def test_a_new_address_creates_its_account_from_the_link(client, staff):
    r = _open(client, staff["consular_officer"], "walkin@example.test")
    reference = r["Location"].split("/")[-2]
    link = _link(mail.outbox[0])
    client.logout()
    r = client.post(link, {"password": "short", "password_again": "short"})
    assert r.status_code == 400
    assert not User.objects.filter(email="walkin@example.test").exists()
    r = client.post(
        link, {"password": "a-long-walkin-password", "password_again": "a-long-walkin-password"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("portal:case", args=[reference])
    user = User.objects.get(email="walkin@example.test")
    app = Application.objects.get(reference=reference)
    assert app.applicant.user == user and user.applicant.surname_latin == "PETROV"
    page = client.get(r["Location"]).content.decode()
    assert "Your application for France" in page


def test_forged_and_unknown_links_change_nothing(client, staff):
    _open(client, staff["consular_officer"], "walkin@example.test")
    link = _link(mail.outbox[0])
    client.logout()
    for bad in (link[:-3] + "xyz/", "/apply/walk-in/nonsense/"):
        r = client.post(
            bad, {"password": "a-long-walkin-password", "password_again": "a-long-walkin-password"}
        )
        assert r.status_code == 400
        assert "This link does not work" in r.content.decode()
    assert not User.objects.filter(email="walkin@example.test").exists()


def test_only_consular_officers_open_walkins_and_bad_input_changes_nothing(staff):
    data = {**PROFILE, "passport_number": "751112223"}
    with pytest.raises(NotAllowed):
        walkins.embassy_case_open(actor=staff["caseworker"], email="x@example.test", profile=data)
    with pytest.raises(InvalidInput):
        walkins.embassy_case_open(
            actor=staff["consular_officer"], email="x@example.test", profile={"surname_latin": ""}
        )
    assert not Application.objects.exists() and not Applicant.objects.exists()


def test_officers_see_only_their_member_states_embassy_cases(client, make_case, make_user, staff):
    from relocard.accounts.models import Role

    r = _open(client, staff["consular_officer"], "walkin@example.test")
    reference = r["Location"].split("/")[-2]
    online = make_case("submitted")
    other_fr_officer = make_user(Role.CONSULAR_OFFICER, "FR")
    de_officer = make_user(Role.CONSULAR_OFFICER, "DE")
    client.force_login(de_officer)
    assert client.get(reverse("console:case", args=[reference])).status_code == 404
    assert reference not in client.get(reverse("console:queue") + "?state=all").content.decode()
    client.force_login(other_fr_officer)
    assert client.get(reverse("console:case", args=[reference])).status_code == 200
    assert client.get(reverse("console:case", args=[online.reference])).status_code == 404


def test_an_unlinked_walkin_is_decided_and_linked_later(client, staff):
    """The officer acts for the applicant until the case is linked; decisions notify nobody
    meanwhile, and the card goes with the case when it is linked."""
    import secrets

    from tests.conftest import GOOD_EVIDENCE, upload

    from relocard.cases import services as cs
    from relocard.common.notifications import notify_many

    officer, caseworker = staff["consular_officer"], staff["caseworker"]
    app = walkins.embassy_case_open(
        actor=officer,
        email="later@example.test",
        profile={**PROFILE, "passport_number": "781234567"},
    )
    link = _link(mail.outbox[-1])
    for kind, facts in GOOD_EVIDENCE:
        cs.evidence_add(
            actor=officer, application=app, kind=kind, upload=upload(), facts_data=facts
        )
    cs.application_submit(actor=officer, application=app, token=secrets.token_hex(4))
    app.refresh_from_db()
    cs.application_start_review(actor=caseworker, application=app, version=app.version)
    app.refresh_from_db()
    for item in app.evidence.all():
        data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
        cs.evidence_review(actor=caseworker, evidence=item, status="verified", facts_data=data)
    app.refresh_from_db()
    mail.outbox.clear()
    cs.application_approve(actor=caseworker, application=app, version=app.version)
    assert mail.outbox == [] and app.cards.count() == 1
    assert notify_many([(None, app.reference)], "compliance_changed") == 0
    client.logout()
    r = client.post(
        link, {"password": "a-long-walkin-password", "password_again": "a-long-walkin-password"}
    )
    assert r.status_code == 302
    user = User.objects.get(email="later@example.test")
    assert app.cards.get().applicant.user == user
