"""The screening services against the database: list versions, runs at submission, reviews with
four eyes, national checks and the approval gate."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from tests.screening.conftest import (
    ENTERPRISE,
    SHCHUKIN,
    VOLKOVA,
    ZHUKOVA,
    ZHUKOVA_PROFILE,
    list_bytes,
)

from relocard.audit.models import AuditEvent
from relocard.cases import services as cs
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.core.screening import ListFormatError
from relocard.screening import services as ss
from relocard.screening.models import (
    ListedEntity,
    ListVersion,
    NationalCheck,
    ScreeningReview,
    ScreeningRun,
)
from relocard.screening.selectors import case_screening, latest_run

pytestmark = pytest.mark.django_db


def test_a_version_is_stored_whole_with_its_counts(load):
    result = load(ZHUKOVA, SHCHUKIN, ENTERPRISE)
    v = result.version
    assert (v.persons, v.enterprises, v.aliases) == (2, 1, 6)
    assert v.global_file_id == "184961" and len(v.sha256) == 64
    assert v.loaded_by == "test operator"
    assert ListedEntity.objects.filter(version=v).count() == 3
    assert result.previous is None
    assert AuditEvent.objects.filter(action="screening.list_loaded").count() == 1


def test_a_malformed_file_writes_nothing():
    data = list_bytes(ZHUKOVA).replace(b"</export>", b"")
    with pytest.raises(ListFormatError):
        ss.list_version_load(data=data, loaded_by="op")
    assert not ListVersion.objects.exists() and not ListedEntity.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="screening.").exists()


def test_the_same_file_twice_is_refused(load):
    first = load(ZHUKOVA).version
    with pytest.raises(InvalidState, match=f"already loaded as list version #{first.pk}"):
        load(ZHUKOVA)
    assert ListVersion.objects.count() == 1


def test_changes_since_the_last_version(load):
    load(ZHUKOVA, SHCHUKIN, ENTERPRISE)
    changed = type(ZHUKOVA)(
        logical_id=ZHUKOVA.logical_id,
        reference=ZHUKOVA.reference,
        subject_type=ZHUKOVA.subject_type,
        aliases=ZHUKOVA.aliases[:1],
        birth_dates=ZHUKOVA.birth_dates,
    )
    result = load(changed, SHCHUKIN, VOLKOVA, day=9)
    assert result.changes.added == ("900103",)
    assert result.changes.removed == ("900201",)
    assert result.changes.changed == ("900101",)
    assert result.version.changes["previous"] == result.previous.pk


def test_submission_screens_and_requests_the_national_checks(screening_on, load, filed_case):
    load(ZHUKOVA, ENTERPRISE)
    clear = filed_case()  # Anna Ivanova: the enterprise's name is never matched to a person
    run = latest_run(clear)
    assert run.result == "clear" and run.hits == []
    assert sorted(clear.national_checks.values_list("check_type", flat=True)) == [
        "intelligence",
        "police",
        "sis",
    ]
    listed = filed_case(ZHUKOVA_PROFILE)
    run = latest_run(listed)
    assert run.result == "possible_match" and run.review == "pending"
    assert [h["list_id"] for h in run.hits] == ["900101"]
    assert run.hits[0]["score"] >= 0.85
    state = case_screening(listed)
    assert state.under_review and not state.blocked


def test_no_list_loaded_keeps_the_case_pending(screening_on, filed_case, staff):
    app = filed_case()
    assert not ScreeningRun.objects.exists()
    state = case_screening(app)
    assert state.pending and not state.list_loaded
    with pytest.raises(InvalidState, match="no sanctions list is loaded"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)


def test_approval_with_a_pending_national_check_is_refused(
    screening_on, load, filed_case, staff, officers
):
    load(ZHUKOVA)
    app = filed_case()
    checks = list(app.national_checks.all())
    for check in checks[:2]:
        ss.check_answer_record(
            actor=officers["a"], check=check, answer="no_objection", authority_reference=""
        )
        ss.check_answer_confirm(actor=officers["b"], check=check)
    # the third is answered but not yet confirmed by a second officer
    ss.check_answer_record(
        actor=officers["a"], check=checks[2], answer="no_objection", authority_reference=""
    )
    with pytest.raises(InvalidState, match="National checks not answered yet"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "in_review"
    ss.check_answer_confirm(actor=officers["b"], check=checks[2])
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "approved"


def test_clearing_a_false_match_needs_two_officers(
    screening_on, load, filed_case, staff, officers, answer_checks
):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    answer_checks(app)
    run = latest_run(app)
    with pytest.raises(InvalidInput):
        ss.review_propose(actor=officers["a"], run=run, outcome="clear", reason="  ")
    with pytest.raises(NotAllowed):
        ss.review_propose(actor=officers["de"], run=run, outcome="clear", reason="other state")
    with pytest.raises(NotAllowed):
        ss.review_propose(actor=staff["supervisor"], run=run, outcome="clear", reason="x")
    review = ss.review_propose(
        actor=officers["a"], run=run, outcome="clear", reason="Different patronymic on passport."
    )
    with pytest.raises(InvalidState, match="Security screening: a possible match"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    with pytest.raises(NotAllowed):
        ss.review_decide(actor=officers["a"], review=review, confirm=True)
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    run.refresh_from_db()
    assert run.review == "cleared"
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)


def test_a_confirmed_match_blocks_and_says_only_that(
    screening_on, load, filed_case, staff, officers, answer_checks
):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    answer_checks(app)
    review = ss.review_propose(
        actor=officers["a"], run=latest_run(app), outcome="confirm", reason="Same person."
    )
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    with pytest.raises(InvalidState) as caught:
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    message = str(caught.value)
    assert "Blocked by security screening: refuse or revoke through the four-eyes flow." in message
    for secret in ("900101", "EU.9001", "ZHUKOVA", "Yuliya", "score"):
        assert secret not in message


def test_the_database_refuses_self_confirmation(load, filed_case, officers, screening_on):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    review = ss.review_propose(
        actor=officers["a"], run=latest_run(app), outcome="clear", reason="Other person."
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningReview.objects.filter(pk=review.pk).update(
            status="confirmed", decided_by=officers["a"]
        )
    check = app.national_checks.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        NationalCheck.objects.filter(pk=check.pk).update(
            answered_by=officers["a"], confirmed_by=officers["a"], status="no_objection"
        )


def test_an_objection_needs_a_reference_and_blocks(
    screening_on, load, filed_case, staff, officers, answer_checks
):
    load(ZHUKOVA)
    app = filed_case()
    police = app.national_checks.get(check_type="police")
    with pytest.raises(InvalidInput, match="reference"):
        ss.check_answer_record(
            actor=officers["a"], check=police, answer="objection", authority_reference=" "
        )
    with pytest.raises(InvalidInput):
        ss.check_answer_record(
            actor=officers["a"], check=police, answer="maybe", authority_reference=""
        )
    police.refresh_from_db()
    assert police.status == "requested" and police.answered_by is None
    ss.check_answer_record(
        actor=officers["a"], check=police, answer="objection", authority_reference="DGSI-2026-17"
    )
    ss.check_answer_confirm(actor=officers["b"], check=police)
    answer_checks(app)
    with pytest.raises(InvalidState, match="Blocked by security screening"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)


def test_a_returned_answer_waits_again(screening_on, load, filed_case, officers):
    load(ZHUKOVA)
    app = filed_case()
    sis = app.national_checks.get(check_type="sis")
    ss.check_answer_record(
        actor=officers["a"], check=sis, answer="no_objection", authority_reference="SIS-1"
    )
    with pytest.raises(InvalidInput):
        ss.check_answer_return(actor=officers["b"], check=sis, reason="")
    ss.check_answer_return(actor=officers["b"], check=sis, reason="Wrong reference.")
    sis.refresh_from_db()
    assert sis.status == "requested" and sis.answer == "" and sis.answered_by is None


def test_a_new_version_rescreens_holders_and_open_cases_in_bulk(
    screening_on, load, filed_case, officers, answer_checks, staff
):
    load(VOLKOVA)
    holder = filed_case(ZHUKOVA_PROFILE)  # not on the first list
    answer_checks(holder)
    cs.application_approve(actor=staff["caseworker"], application=holder, version=holder.version)
    other = filed_case()
    result = load(VOLKOVA, ZHUKOVA, day=9)  # the worker (immediate in tests) re-screens
    assert latest_run(holder).version == result.version
    assert latest_run(holder).result == "possible_match"
    assert latest_run(other).version == result.version
    assert latest_run(other).result == "clear"
    assert result.version.__class__.objects.get(pk=result.version.pk).rescreened_at


def test_a_clearance_stands_while_the_listed_entry_is_unchanged(
    screening_on, load, filed_case, officers
):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    review = ss.review_propose(
        actor=officers["a"], run=latest_run(app), outcome="clear", reason="Other person."
    )
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    load(ZHUKOVA, VOLKOVA, day=9)
    again = latest_run(app)
    assert again.review == "cleared" and again.carried_from_id == review.run_id
    changed = type(ZHUKOVA)(
        logical_id=ZHUKOVA.logical_id,
        reference=ZHUKOVA.reference,
        subject_type=ZHUKOVA.subject_type,
        aliases=ZHUKOVA.aliases,
        birth_dates=ZHUKOVA.birth_dates,
        citizenships=("RU", "BY"),
    )
    load(changed, VOLKOVA, day=10)
    assert latest_run(app).review == "pending"


def test_the_gate_is_off_without_the_setting(load, filed_case, staff):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    assert not ScreeningRun.objects.exists() and not NationalCheck.objects.exists()
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)


def test_a_renewal_is_screened_and_requests_the_renewal_checks(
    screening_on, load, filed_case, staff, officers, answer_checks, settings
):
    import secrets
    from datetime import timedelta

    from relocard.cards.models import Card
    from relocard.cases import renewal
    from relocard.cases.services import local_today

    load(VOLKOVA)
    app = filed_case()
    answer_checks(app)
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    card = app.cards.get()
    end = local_today(app.member_state) + timedelta(days=30)
    Card.objects.filter(pk=card.pk).update(valid_from=end - timedelta(days=364), valid_until=end)
    renewal.renewal_open(actor=app.applicant.user, application=app)
    app.refresh_from_db()
    cs.application_submit(actor=app.applicant.user, application=app, token=secrets.token_hex(6))
    app.refresh_from_db()
    assert app.stage == "renewal" and app.cycle == 2
    run = latest_run(app)
    assert run is not None and run.cycle == 2 and run.trigger == "submission"
    checks = app.national_checks.filter(cycle=2)
    assert sorted(c.check_type for c in checks) == ["police", "sis"]
    assert {c.stage for c in checks} == {"renewal"}
    assert case_screening(app).checks_open


def test_a_superseded_version_is_not_rescreened(load, filed_case, screening_on, settings):
    from relocard.screening.tasks import rescreen_version

    load(VOLKOVA)
    filed_case()
    first = ListVersion.objects.get()
    load(VOLKOVA, ZHUKOVA, day=9)
    runs = ScreeningRun.objects.count()
    result = rescreen_version.call(first.pk)
    assert result == {"screened": 0, "superseded": 1}
    assert ScreeningRun.objects.count() == runs


def test_an_unscreenable_name_goes_to_an_officer(screening_on, load, filed_case):
    load(VOLKOVA)
    app = filed_case({"given_names_latin": "", "given_names_cyrillic": ""})
    run = latest_run(app)
    assert run.result == "possible_match" and run.review == "pending"
    assert run.hits[0]["list_id"] == ""


def test_audit_events_name_no_person_and_no_list_entry(screening_on, load, filed_case, officers):
    load(ZHUKOVA)
    app = filed_case(ZHUKOVA_PROFILE)
    review = ss.review_propose(
        actor=officers["a"], run=latest_run(app), outcome="clear", reason="Other person."
    )
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    events = AuditEvent.objects.filter(action__startswith="screening.")
    assert {"screening.case_screened", "screening.review_confirmed"} <= set(
        events.values_list("action", flat=True)
    )
    for event in events:
        text = str(event.data)
        for secret in ("ZHUKOVA", "Жукова", "900101", "Yuliya", "score"):
            assert secret not in text


def test_a_case_filed_before_screening_was_on_is_held_then_requested(
    load, filed_case, staff, settings
):
    app = filed_case()  # the gate is off: no run, no check
    settings.RELOCARD_SCREENING_REQUIRED = True
    state = case_screening(app)
    assert state.pending and ("sis", None) in state.checks_open
    with pytest.raises(InvalidState, match=r"Schengen Information System \(not requested yet\)"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    load(VOLKOVA)  # the first version: everyone is screened, the missing checks requested
    assert latest_run(app) is not None
    assert sorted(app.national_checks.values_list("check_type", flat=True)) == [
        "intelligence",
        "police",
        "sis",
    ]
