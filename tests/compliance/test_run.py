"""The nightly run end to end: verdicts, expiries, reminders, writes, notifications, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from tests.compliance.conftest import GOOD_FACTS, TODAY, add_trip

from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.cards import compliance
from relocard.cards.models import (
    Card,
    CardCompliance,
    CardStatus,
    ComplianceRun,
    ComplianceStatus,
    RenewalReminder,
)
from relocard.cases.models import Application
from relocard.common import notifications

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _row(card) -> CardCompliance:
    return CardCompliance.objects.get(card=card)


# --- verdicts -------------------------------------------------------------------------------------

db_test = pytest.mark.django_db


@db_test
def test_a_long_trip_puts_a_holder_at_risk_and_tells_them_what_to_do(make_holder):
    card = make_holder()
    run = compliance.compliance_run(today=TODAY)
    assert (run.cards, run.changed, run.worsened) == (1, 1, 0)
    row = _row(card)
    assert row.status == ComplianceStatus.OK
    assert (row.present_min, row.present_max, row.budget_left_min) == (365, 365, 91)
    assert mail.outbox == []

    # Away from day 10 of the year with no return recorded: the worst case runs to the end.
    add_trip(card, card.valid_from + timedelta(days=10), None)
    run = compliance.compliance_run(today=TODAY)
    assert (run.changed, run.worsened) == (1, 1)
    row = _row(card)
    assert row.status == ComplianceStatus.AT_RISK
    assert row.presence_status == "at_risk"
    assert row.not_met == "residence" and row.unknown == ""
    assert row.present_min == 11 and row.budget_left_min < 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [card.applicant.user.email]
    assert message.subject == "Your card needs your attention"
    assert "In the worst case you would be in the country on 11 of the 365 days" in message.body
    assert "My trips" in message.body

    # The same night again: nothing changed, nothing written, nobody told twice.
    run = compliance.compliance_run(today=TODAY)
    assert (run.changed, run.worsened) == (0, 0)
    assert len(mail.outbox) == 1

    # The holder adds the return: on track again, written, but no message for good news.
    card.applicant.trips.update(returned=card.valid_from + timedelta(days=20))
    run = compliance.compliance_run(today=TODAY)
    assert (run.changed, run.worsened) == (1, 0)
    assert _row(card).status == ComplianceStatus.OK
    assert len(mail.outbox) == 1


@db_test
def test_safe_mode_mail_says_nothing_about_the_card(make_holder):
    card = make_holder(safe_mode=True)
    add_trip(card, card.valid_from + timedelta(days=10), None)
    compliance.compliance_run(today=TODAY)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].subject + mail.outbox[0].body
    assert "card" not in body.lower() and "presence" not in body.lower()
    assert "new message" in body


@db_test
def test_holders_are_told_in_their_language(make_holder):
    card = make_holder(language="ru", facts={**GOOD_FACTS, "employment": "none"})
    compliance.compliance_run(today=TODAY)
    assert _row(card).status == ComplianceStatus.FAILING
    body = mail.outbox[0].body
    assert "Занятость" in body  # the criterion's Russian title
    assert "Employment" not in body


@db_test
def test_a_criterion_not_met_fails_at_once(make_holder):
    card = make_holder(facts={**GOOD_FACTS, "liquid_assets_eur": 10})
    compliance.compliance_run(today=TODAY)
    row = _row(card)
    assert row.status == ComplianceStatus.FAILING
    assert row.not_met == "means" and row.outcome == "not_eligible"


@db_test
def test_presence_fails_only_once_the_year_is_over(make_holder):
    start = TODAY - timedelta(days=400)
    card = make_holder(valid_from=start, stage="renewal", state="submitted", case_cycle=2)
    add_trip(card, start + timedelta(days=10), start + timedelta(days=110))  # 99 days away
    compliance.compliance_run(today=start + timedelta(days=200))
    row = _row(card)
    assert (row.status, row.presence_status) == (ComplianceStatus.AT_RISK, "at_risk")
    compliance.compliance_run(today=TODAY)  # over; the pending renewal keeps the card active
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
    row = _row(card)
    assert (row.status, row.presence_status) == (ComplianceStatus.FAILING, "not_met")
    assert row.present_min == 365 - 99


@db_test
def test_unknown_criteria_matter_once_the_renewal_window_opens(make_holder):
    facts = {k: v for k, v in GOOD_FACTS.items() if k != "employment"}
    card = make_holder(valid_from=TODAY - timedelta(days=100), facts=facts)
    compliance.compliance_run(today=TODAY)
    row = _row(card)
    assert (row.status, row.unknown, row.outcome) == ("ok", "employment", "undetermined")
    window_opens = card.valid_until - timedelta(days=120)
    compliance.compliance_run(today=window_opens - timedelta(days=1))
    assert _row(card).status == ComplianceStatus.OK
    compliance.compliance_run(today=window_opens)
    assert _row(card).status == ComplianceStatus.AT_RISK


@db_test
def test_a_case_without_facts_is_unknown_everywhere_but_presence(make_holder):
    card = make_holder(facts=None, valid_from=TODAY - timedelta(days=300))
    compliance.compliance_run(today=TODAY)
    row = _row(card)
    assert row.status == ComplianceStatus.AT_RISK  # the window is open
    assert row.unknown == "employment,housing,means,education,language"
    assert row.not_met == ""


@db_test
def test_evidence_expiring_before_the_card_ends_is_a_risk(make_holder):
    early = make_holder(expires_on=TODAY + timedelta(days=30))
    late = make_holder(expires_on=TODAY + timedelta(days=900))
    compliance.compliance_run(today=TODAY)
    assert _row(early).status == ComplianceStatus.AT_RISK
    assert _row(early).evidence_expires_on == TODAY + timedelta(days=30)
    assert _row(late).status == ComplianceStatus.OK
    assert "valid only until" in mail.outbox[0].body


# --- expiry -----------------------------------------------------------------------------------


@db_test
def test_cards_past_validity_expire_unless_a_renewal_is_pending(make_holder):
    start = TODAY - timedelta(days=400)
    lapsed = make_holder(valid_from=start)
    pending = make_holder(valid_from=start, stage="renewal", state="draft", case_cycle=2)
    decided = make_holder(valid_from=start, stage="renewal", state="refused", case_cycle=2)
    same_cycle = make_holder(valid_from=start, stage="renewal", state="submitted", case_cycle=1)
    last_day = make_holder(valid_from=TODAY - timedelta(days=364))  # valid until today
    run = compliance.compliance_run(today=TODAY)
    cards = (lapsed, pending, decided, same_cycle, last_day)
    status = dict(Card.objects.filter(pk__in=[c.pk for c in cards]).values_list("pk", "status"))
    assert status == {
        lapsed.pk: "expired",
        pending.pk: "active",
        decided.pk: "expired",
        same_cycle.pk: "expired",
        last_day.pk: "active",
    }
    assert run.expired == 3 and run.cards == 2
    events = AuditEvent.objects.filter(action="card.expired")
    assert sorted(int(e.object_id) for e in events) == sorted(
        [lapsed.pk, decided.pk, same_cycle.pk]
    )
    assert all(e.actor_label == "system" for e in events)
    told = [m for m in mail.outbox if m.subject == "The status of your card has changed"]
    assert sorted(m.to[0] for m in told) == sorted(
        c.applicant.user.email for c in (lapsed, decided, same_cycle)
    )
    # An expired card is not judged again, and expires only once.
    again = compliance.compliance_run(today=TODAY)
    assert again.expired == 0 and again.cards == 2


# --- reminders --------------------------------------------------------------------------------


@db_test
def test_reminders_at_the_window_and_each_milestone_once(make_holder):
    card = make_holder(valid_from=TODAY - timedelta(days=100))
    expiry = card.valid_until

    def night(days_before: int) -> int:
        return compliance.compliance_run(today=expiry - timedelta(days=days_before)).reminders

    assert night(121) == 0
    assert night(120) == 1
    assert night(119) == 0 and night(100) == 0 and night(61) == 0
    assert night(60) == 1 and night(60) == 0
    assert night(45) == 0
    assert night(30) == 1 and night(1) == 0 and night(0) == 0
    sent = sorted(RenewalReminder.objects.filter(card=card).values_list("days_before", flat=True))
    assert sent == [30, 60, 120]
    assert [m.subject for m in mail.outbox].count("You can now renew your card") == 3


@db_test
def test_a_late_first_look_sends_only_the_latest_milestone(make_holder):
    card = make_holder(valid_from=TODAY - timedelta(days=100))
    compliance.compliance_run(today=card.valid_until - timedelta(days=50))
    assert list(RenewalReminder.objects.values_list("days_before", flat=True)) == [60]


@db_test
def test_no_reminder_while_a_renewal_is_pending(make_holder):
    card = make_holder(stage="renewal", state="submitted", case_cycle=2)
    run = compliance.compliance_run(today=card.valid_until - timedelta(days=100))
    assert run.reminders == 0 and not RenewalReminder.objects.exists()


# --- the run's record, batching -----------------------------------------------------------------


@db_test
def test_the_run_is_recorded_and_audited_once(make_holder):
    make_holder()
    make_holder(facts={**GOOD_FACTS, "isced_level": 3})
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    run = compliance.compliance_run(today=TODAY)
    assert ComplianceRun.objects.get() == run
    assert run.finished_at >= run.started_at
    events = list(AuditEvent.objects.filter(id__gt=before))
    assert [e.action for e in events] == ["compliance.run"]
    assert events[0].data["status"] == {"ok": 1, "at_risk": 0, "failing": 1}
    assert events[0].data["on"] == TODAY.isoformat()
    assert audit_chain_verify().ok


@db_test
def test_notifications_are_enqueued_in_batches(make_holder, monkeypatch):
    from django.tasks import default_task_backend

    monkeypatch.setattr(notifications, "BATCH_SIZE", 2)
    cards = [make_holder(facts={**GOOD_FACTS, "employment": "none"}) for _ in range(5)]
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        run = compliance.compliance_run(today=TODAY)
        enqueued = [r for r in default_task_backend.results if r.task.name == "notify_users"]
        assert run.worsened == 5
        assert [len(r.args[0]) for r in enqueued] == [2, 2, 1]
        assert {r.args[1] for r in enqueued} == {"compliance_changed"}
        users = sorted(u for r in enqueued for u in r.args[0])
        assert users == sorted(c.applicant.user_id for c in cards)


@db_test
def test_an_inactive_user_gets_no_mail(make_holder):
    card = make_holder(facts={**GOOD_FACTS, "employment": "none"})
    type(card.applicant.user).objects.filter(pk=card.applicant.user_id).update(is_active=False)
    compliance.compliance_run(today=TODAY)
    assert mail.outbox == []


@db_test
def test_a_holder_with_two_active_cards_is_judged_on_each(make_holder):
    fr = make_holder(member_state="FR")
    de = make_holder(member_state="DE")
    # Move the German card to the French card's holder (e.g. during a transfer).
    Application.objects.filter(pk=de.application_id).update(applicant=fr.applicant)
    Card.objects.filter(pk=de.pk).update(applicant=fr.applicant)
    add_trip(fr, fr.valid_from + timedelta(days=5), fr.valid_from + timedelta(days=120))
    compliance.compliance_run(today=TODAY)
    for card in (fr, de):
        card.refresh_from_db()
        stored = {f: getattr(_row(card), f) for f in compliance.VERDICT_FIELDS}
        assert stored == compliance.compliance_for_card(card, today=TODAY).fields()
        assert _row(card).presence_status == "at_risk"


def test_holder_sees_the_verdict_on_the_dashboard(client, make_case):
    from django.urls import reverse

    from relocard.cards.compliance import compliance_run

    app = make_case("approved")
    compliance_run()
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Your card year" in html and "checked every night" in html


# --- the verdict's vocabulary and the holders' notifications ----------------------------------


def test_the_stored_statuses_are_the_rules_statuses():
    from relocard.cards.models import COMPLIANCE_RANK
    from relocard.core.compliance import RANK, Status

    assert [s.value for s in Status] == list(ComplianceStatus.values)
    assert {s.value: r for s, r in RANK.items()} == {s.value: r for s, r in COMPLIANCE_RANK.items()}


@db_test
def test_with_nobody_to_tell_the_holders_the_run_refuses_and_writes_nothing(make_holder):
    from django.core.exceptions import ImproperlyConfigured

    from relocard.cards import receivers
    from relocard.cards.signals import holders_to_notify

    make_holder(facts={**GOOD_FACTS, "employment": "none"})
    assert holders_to_notify.disconnect(sender=ComplianceRun, dispatch_uid="cards.notify_holders")
    try:
        with pytest.raises(ImproperlyConfigured, match="would tell no holder"):
            compliance.compliance_run(today=TODAY)
    finally:
        holders_to_notify.connect(
            receivers.notify_holders, sender=ComplianceRun, dispatch_uid="cards.notify_holders"
        )
    assert not ComplianceRun.objects.exists() and not CardCompliance.objects.exists()
    assert compliance.compliance_run(today=TODAY).worsened == 1


@db_test
def test_notifying_is_part_of_the_run_s_transaction(make_holder):
    from relocard.cards.signals import holders_to_notify

    card = make_holder(facts={**GOOD_FACTS, "employment": "none"})

    def broken(sender, **kwargs):
        raise RuntimeError("the task queue is down")

    holders_to_notify.connect(broken, sender=ComplianceRun, dispatch_uid="test.broken")
    try:
        with pytest.raises(RuntimeError, match="task queue is down"):
            compliance.compliance_run(today=TODAY)
    finally:
        holders_to_notify.disconnect(sender=ComplianceRun, dispatch_uid="test.broken")
    assert not ComplianceRun.objects.exists()
    assert not CardCompliance.objects.filter(card=card).exists()
    assert mail.outbox == []
