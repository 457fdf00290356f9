"""One person, one card across member states (issue 11, finding 3) and the passport-number
oracle (issue 12, finding 1)."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from relocard.accounts.models import Applicant
from relocard.cases import duplicates
from relocard.cases import services as cs
from relocard.cases.models import DuplicateHit
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db


def _start_and_submit(applicant, member_state, staff=None):
    from tests.conftest import GOOD_EVIDENCE, upload

    user = applicant.user
    app = cs.application_start(actor=user, applicant=applicant, member_state_code=member_state)
    for kind, facts in GOOD_EVIDENCE:
        cs.evidence_add(actor=user, application=app, kind=kind, upload=upload(), facts_data=facts)
    cs.application_submit(actor=user, application=app, token=f"t-{app.pk}")
    app.refresh_from_db()
    return app


def _review(app, caseworker):
    cs.application_start_review(actor=caseworker, application=app, version=app.version)
    app.refresh_from_db()
    for item in app.evidence.all():
        data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
        cs.evidence_review(actor=caseworker, evidence=item, status="verified", facts_data=data)
    app.refresh_from_db()
    return app


def test_a_card_in_one_state_holds_a_first_card_application_in_another(make_case, staff):
    fr = make_case("approved")  # an active French card
    person = fr.applicant
    de = _start_and_submit(person, "DE")
    hit = de.duplicate_hits.get()
    assert (hit.kind, hit.matched_on) == ("active_card", "passport")
    assert (hit.other_member_state_id, hit.other_reference) == ("FR", fr.reference)
    # France sees the German application as a possible duplicate of its case.
    mirror = fr.duplicate_hits.get()
    assert (mirror.kind, mirror.other_member_state_id, mirror.other_reference) == (
        "open_case",
        "DE",
        de.reference,
    )
    # Held: the German caseworker cannot approve until the hit is resolved.
    de = _review(de, staff["caseworker_de"])
    with pytest.raises(InvalidState, match="possible duplicate"):
        cs.application_approve(actor=staff["caseworker_de"], application=de, version=de.version)
    assert not de.cards.exists()
    with pytest.raises(NotAllowed):  # not by France
        duplicates.duplicate_resolve(actor=staff["caseworker"], hit=hit, reason="x")
    with pytest.raises(InvalidInput):
        duplicates.duplicate_resolve(actor=staff["caseworker_de"], hit=hit, reason=" ")
    duplicates.duplicate_resolve(
        actor=staff["caseworker_de"], hit=hit, reason="French card revoked on request."
    )
    de.refresh_from_db()
    cs.application_approve(actor=staff["caseworker_de"], application=de, version=de.version)
    assert de.cards.count() == 1


def test_two_open_first_card_applications_flag_each_other(make_case):
    fr = make_case("submitted")
    de = _start_and_submit(fr.applicant, "DE")
    assert de.duplicate_hits.get().other_reference == fr.reference
    assert fr.duplicate_hits.get().other_reference == de.reference
    assert duplicates.is_held(fr) and duplicates.is_held(de)


def test_a_new_passport_is_found_by_name_and_date_of_birth(make_case, make_applicant):
    fr = make_case("approved")
    # Another account, a new passport, the name typed in another form.
    other = make_applicant(
        surname_latin="Ivanova",
        given_names_latin="Anna Sergeevna",
        date_of_birth=fr.applicant.date_of_birth,
    )
    de = _start_and_submit(other, "DE")
    hit = de.duplicate_hits.get()
    assert (hit.kind, hit.matched_on, hit.other_reference) == ("active_card", "name", fr.reference)


def test_a_refusal_elsewhere_is_shown_with_its_date_and_criteria(client, make_case, staff):
    de = make_case("refused", member_state="DE")
    fr = _start_and_submit(de.applicant, "FR")
    hit = fr.duplicate_hits.get()
    assert (hit.kind, hit.other_member_state_id, hit.other_reference) == (
        "refusal",
        "DE",
        de.reference,
    )
    assert hit.refused_criteria == ["means"] and hit.refused_on is not None
    assert not duplicates.is_held(fr)  # a refusal informs, it does not hold
    client.force_login(staff["caseworker"])
    page = client.get(reverse("console:case", args=[fr.reference])).content.decode()
    section = re.search(r'<section id="duplicates".*?</section>', page, flags=re.S).group(0)
    assert de.reference in section and "Germany" in section
    assert "criteria refused:" in section and "held" not in section


def test_a_passport_number_in_use_is_accepted_and_flagged_never_reported(
    client, make_case, make_applicant
):
    """Issue 12, finding 1: the profile answers the same for a number in use and a new one."""
    owner = make_case("draft").applicant
    responses = []
    for number in (owner.passport_number, "759999999"):
        someone = make_applicant()
        client.force_login(someone.user)
        data = {
            "surname_cyrillic": "Петрова",
            "given_names_cyrillic": "Мария",
            "surname_latin": "PETROVA",
            "given_names_latin": "MARIIA",
            "date_of_birth": "1991-01-02",
            "nationality": "RU",
            "passport_number": number,
            "passport_expiry": "2033-01-01",
        }
        r = client.post(reverse("portal:profile"), data)
        responses.append((r.status_code, r.get("Location")))
        someone.refresh_from_db()
        assert someone.passport_number == number
    assert responses[0] == responses[1] == (302, reverse("portal:dashboard"))
    # At submission the number in use is flagged to the caseworkers (no case of the owner is
    # filed yet: "another account uses this passport", with no reference).
    holder = Applicant.objects.filter(passport_index=owner.passport_index).exclude(pk=owner.pk)
    app = _start_and_submit(holder.get(), "DE")
    hit = app.duplicate_hits.get()
    assert (hit.kind, hit.other_reference, hit.other_member_state_id) == (
        "other_account",
        "",
        None,
    )
    # The applicant is told neutrally to contact the member state, no more.
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Your application is on hold" in html
    assert "duplicate" not in html.lower() and "passport number" not in html.lower()


def test_the_index_is_keyed_and_kept_on_every_save(make_applicant):
    person = make_applicant()
    assert len(person.passport_index) == 64 and len(person.name_index) == 64
    assert person.passport_index != hashlib.sha256(person.passport_number.encode()).hexdigest()
    Applicant.objects.filter(pk=person.pk).update(passport_index="", name_index="")
    from relocard.common.person_index import reindex_all

    assert reindex_all(Applicant) >= 1
    person.refresh_from_db()
    assert len(person.passport_index) == 64


def test_caseworkers_of_both_states_see_the_hit_without_personal_data(client, make_case, staff):
    fr = make_case("approved")
    de = _start_and_submit(fr.applicant, "DE")
    client.force_login(staff["caseworker_de"])
    html = client.get(reverse("console:duplicates")).content.decode()
    assert de.reference in html and fr.reference in html and "France" in html
    page = client.get(reverse("console:case", args=[de.reference])).content.decode()
    section = re.search(r'<section id="duplicates".*?</section>', page, flags=re.S).group(0)
    assert fr.reference in section and "held" in section
    assert fr.applicant.passport_number not in section
    # French caseworkers see the German reference on their case; not the German case itself.
    client.force_login(staff["caseworker"])
    assert de.reference in client.get(reverse("console:duplicates")).content.decode()
    assert client.get(reverse("console:case", args=[de.reference])).status_code == 404
    hit = de.duplicate_hits.get()
    r = client.post(
        reverse("console:resolve_duplicate", args=[de.reference, hit.pk]), {"reason": "x"}
    )
    assert r.status_code == 404
    hit.refresh_from_db()
    assert hit.resolved_at is None
    client.force_login(staff["caseworker_de"])
    r = client.post(
        reverse("console:resolve_duplicate", args=[de.reference, hit.pk]),
        {"reason": "Not the same person: checked the passports."},
    )
    assert r.status_code == 302
    hit.refresh_from_db()
    assert hit.resolved_by == staff["caseworker_de"]
    assert DuplicateHit.objects.filter(resolved_at__isnull=True).count() == 1  # France's own


def test_holds_says_of_one_hit_what_holding_hits_selects(make_case, staff):
    """The case page reads the hits once and asks :func:`duplicates.holds` of each; the
    approval gate asks the database (:func:`duplicates.holding_hits`): the two agree on every
    kind, open and resolved."""
    from django.utils import timezone

    from relocard.cases.models import DuplicateKind

    app = make_case("submitted")
    now = timezone.now()
    for n, kind in enumerate(DuplicateKind.values):
        for resolved in (False, True):
            DuplicateHit.objects.create(
                application=app,
                kind=kind,
                matched_on="passport",
                other_reference=f"X-{n}-{resolved}",
                found_at=now,
                resolved_at=now if resolved else None,
                resolved_by=staff["caseworker"] if resolved else None,
            )
    selected = set(duplicates.holding_hits(app))
    assert selected == {hit for hit in app.duplicate_hits.all() if duplicates.holds(hit)}
    assert len(selected) == len(DuplicateKind.values) - 1  # open, and not a refusal elsewhere
    assert duplicates.is_held(app)
