"""Correction requests (issue 11, finding 6): a request that asks for a document is answered
only with that document uploaded, and a rejected document can be replaced meanwhile."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.conftest import upload

from relocard.cases import services as cs
from relocard.cases.models import EvidenceItem
from relocard.common.errors import InvalidInput, InvalidState

pytestmark = pytest.mark.django_db


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


@pytest.fixture
def rejected_passport(make_case, staff):
    """A case in correction: the caseworker rejected the passport and asks for a new one."""
    app = make_case("in_review", verify=False)
    passport = app.evidence.get(kind="passport")
    cs.evidence_review(
        actor=staff["caseworker"], evidence=passport, status="rejected", note="Blurred scan."
    )
    app.refresh_from_db()
    cs.correction_request(
        actor=staff["caseworker"],
        application=app,
        message="Upload a readable scan of your passport.",
        kinds=["passport"],
        version=app.version,
    )
    app.refresh_from_db()
    passport.refresh_from_db()
    return app, passport


def test_an_answer_without_the_document_asked_for_is_refused(rejected_passport):
    app, _passport = rejected_passport
    with pytest.raises(InvalidInput, match="Passport"):
        cs.application_resubmit(
            actor=app.applicant.user, application=app, answer="Done.", token="t1"
        )
    app.refresh_from_db()
    assert app.state == "correction_requested"
    assert app.clock_paused_at is not None
    assert app.corrections.get().answered_at is None


def test_a_document_uploaded_before_the_request_does_not_answer_it(rejected_passport):
    app, _passport = rejected_passport
    # The diploma was uploaded with the application: asking for it again needs a new one.
    app.corrections.update(kinds=["passport", "diploma"])
    cs.evidence_add(
        actor=app.applicant.user,
        application=app,
        kind="passport",
        upload=upload(),
        facts_data={"passport-nationality": "RU"},
    )
    with pytest.raises(InvalidInput, match="Higher-education diploma") as exc:
        cs.application_resubmit(actor=app.applicant.user, application=app, answer="", token="t")
    assert "Passport" not in exc.value.message
    app.refresh_from_db()
    assert app.state == "correction_requested"


def test_the_rejected_passport_is_replaced_and_the_answer_accepted(rejected_passport):
    app, passport = rejected_passport
    new = cs.evidence_add(
        actor=app.applicant.user,
        application=app,
        kind="passport",
        upload=upload(),
        facts_data={"passport-nationality": "RU"},
        replaces=passport,
    )
    assert new.replaces == passport and new.status == "pending"
    passport.refresh_from_db()
    assert passport.status == "rejected"  # the rejected file stays on record
    assert passport.replaced_by == new
    cs.application_resubmit(
        actor=app.applicant.user, application=app, answer="New scan.", token="t2"
    )
    app.refresh_from_db()
    assert app.state == "in_review"
    assert app.corrections.get().answered_at is not None


def test_only_a_rejected_document_of_this_case_is_replaced_once(rejected_passport, make_case):
    app, passport = rejected_passport
    user = app.applicant.user
    diploma = app.evidence.get(kind="diploma")  # not rejected
    args = {"actor": user, "application": app, "upload": upload()}
    with pytest.raises(InvalidInput):
        cs.evidence_add(
            **args, kind="diploma", facts_data={"diploma-isced_level": "7"}, replaces=diploma
        )
    with pytest.raises(InvalidInput):  # another kind than the rejected one
        cs.evidence_add(
            **args, kind="diploma", facts_data={"diploma-isced_level": "7"}, replaces=passport
        )
    other = make_case("draft").evidence.get(kind="passport")
    with pytest.raises(InvalidInput):  # another person's document
        cs.evidence_add(
            **args, kind="passport", facts_data={"passport-nationality": "RU"}, replaces=other
        )
    cs.evidence_add(
        **args, kind="passport", facts_data={"passport-nationality": "RU"}, replaces=passport
    )
    with pytest.raises(InvalidInput):  # replaced already
        cs.evidence_add(
            **args | {"upload": upload()},
            kind="passport",
            facts_data={"passport-nationality": "RU"},
            replaces=passport,
        )
    assert app.evidence.filter(kind="passport").count() == 2
    assert EvidenceItem.objects.filter(replaces=passport).count() == 1


def test_nothing_is_replaced_once_the_correction_is_answered(rejected_passport):
    app, passport = rejected_passport
    user = app.applicant.user
    cs.evidence_add(
        actor=user,
        application=app,
        kind="passport",
        upload=upload(),
        facts_data={"passport-nationality": "RU"},
    )
    cs.application_resubmit(actor=user, application=app, answer="", token="t3")
    with pytest.raises(InvalidState):
        cs.evidence_add(
            actor=user,
            application=app,
            kind="passport",
            upload=upload(),
            facts_data={"passport-nationality": "RU"},
            replaces=passport,
        )


def test_correction_round_trip_over_http(client, rejected_passport, staff):
    app, passport = rejected_passport
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:correct", args=[app.reference])).content.decode()
    # The page lists what was asked for, and offers to replace the rejected passport.
    assert "Documents asked for" in page and "Passport" in page
    replace_url = reverse("portal:evidence_add", args=[app.reference])
    replace_url += f"?kind=passport&amp;replaces={passport.pk}"
    assert replace_url in page
    # Answering without the passport: the page says what is missing, and nothing changes.
    r = client.post(
        reverse("portal:correct", args=[app.reference]),
        {"answer": "Here.", "token": _token(page)},
    )
    assert r.status_code == 400
    assert "Upload the documents asked for before you answer: Passport." in r.content.decode()
    app.refresh_from_db()
    assert app.state == "correction_requested"
    # Replacing the rejected passport.
    r = client.post(
        reverse("portal:evidence_add", args=[app.reference])
        + f"?kind=passport&replaces={passport.pk}",
        {
            "kind": "passport",
            "replaces": str(passport.pk),
            "passport-nationality": "RU",
            "file": upload(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    new = app.evidence.get(replaces=passport)
    page = client.get(reverse("portal:correct", args=[app.reference])).content.decode()
    assert "Replaced" in page
    r = client.post(
        reverse("portal:correct", args=[app.reference]),
        {"answer": "New scan.", "token": _token(page)},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "in_review"
    # The caseworker sees the new passport as the replacement of the rejected one.
    assert new.status == "pending"
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert f'<a href="#evidence-{passport.pk}">Replaces a rejected document</a>' in html
    assert f'<a href="#evidence-{new.pk}">See the replacement</a>' in html


def test_a_replacement_of_something_not_replaceable_is_a_clear_error(client, rejected_passport):
    app, _passport = rejected_passport
    diploma = app.evidence.get(kind="diploma")
    client.force_login(app.applicant.user)
    for bad in (str(diploma.pk), "999999", "x"):
        r = client.post(
            reverse("portal:evidence_add", args=[app.reference]) + "?kind=diploma",
            {"kind": "diploma", "replaces": bad, "diploma-isced_level": "7", "file": upload()},
        )
        assert r.status_code == 400
        assert "This document cannot be replaced" in r.content.decode()
    assert app.evidence.count() == 4
