"""Appeals against refusals and revocations; transfers to another member state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relocard.cards import credentials as creds
from relocard.cards import services as card_services
from relocard.cases import appeals, transfers
from relocard.cases.models import Decision
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db


def test_upheld_appeal_reopens_a_refused_case(make_case, staff, make_user):
    app = make_case("refused")
    decision = Decision.objects.get(application=app)
    appeal = appeals.appeal_lodge(
        actor=app.applicant.user,
        application=app,
        decision=decision,
        grounds="The bank statement shows EUR 15,000.",
    )
    # Neither the proposer nor the confirming supervisor decides the appeal.
    with pytest.raises(NotAllowed):
        appeals.appeal_decide(actor=staff["supervisor"], appeal=appeal, upheld=True, reason="x")
    with pytest.raises(NotAllowed):
        appeals.appeal_decide(actor=staff["caseworker"], appeal=appeal, upheld=True, reason="x")
    appeals.appeal_decide(
        actor=staff["supervisor2"], appeal=appeal, upheld=True, reason="Assets were misread."
    )
    app.refresh_from_db()
    decision.refresh_from_db()
    assert app.state == "in_review" and decision.status == "overturned"
    # A new decision is possible on the reopened case.
    from relocard.cases import services as cs

    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)


def test_appeal_deadline_and_single_appeal(make_case, staff):
    app = make_case("refused")
    decision = Decision.objects.get(application=app)
    Decision.objects.filter(pk=decision.pk).update(
        appeal_deadline=timezone.localdate() - timedelta(days=1)
    )
    decision.refresh_from_db()
    with pytest.raises(InvalidState, match="deadline"):
        appeals.appeal_lodge(
            actor=app.applicant.user, application=app, decision=decision, grounds="Late."
        )
    Decision.objects.filter(pk=decision.pk).update(
        appeal_deadline=timezone.localdate() + timedelta(days=3)
    )
    decision.refresh_from_db()
    with pytest.raises(InvalidInput):
        appeals.appeal_lodge(
            actor=app.applicant.user, application=app, decision=decision, grounds=" "
        )
    appeals.appeal_lodge(
        actor=app.applicant.user, application=app, decision=decision, grounds="Reasons."
    )
    with pytest.raises(InvalidState):
        appeals.appeal_lodge(
            actor=app.applicant.user, application=app, decision=decision, grounds="Again."
        )


def test_upheld_appeal_reinstates_a_revoked_card(make_case, staff):
    app = make_case("approved")
    card = app.cards.get()
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="revoke", reason="Suspected fraud."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change)
    payload = creds.latest(card, "rc1").payload
    assert creds.verify_payload(payload).status == "revoked"
    appeal = appeals.appeal_lodge(
        actor=app.applicant.user,
        application=app,
        card_change=change,
        grounds="The documents are genuine.",
    )
    appeals.appeal_decide(
        actor=staff["supervisor2"], appeal=appeal, upheld=True, reason="Documents confirmed."
    )
    card.refresh_from_db()
    assert card.status == "active"
    assert creds.verify_payload(payload).status == "valid"


def test_dismissed_appeal_changes_nothing_but_is_recorded(make_case, staff):
    app = make_case("refused")
    decision = Decision.objects.get(application=app)
    appeal = appeals.appeal_lodge(
        actor=app.applicant.user, application=app, decision=decision, grounds="No."
    )
    appeals.appeal_decide(
        actor=staff["supervisor2"], appeal=appeal, upheld=False, reason="The facts stand."
    )
    app.refresh_from_db()
    appeal.refresh_from_db()
    assert (
        app.state == "refused"
        and appeal.status == "dismissed"
        and appeal.outcome_reason == "The facts stand."
    )


def test_transfer_moves_the_case_and_replaces_the_card(client, make_case, staff):
    app = make_case("approved")
    old = app.cards.get()
    payload = creds.latest(old, "rc1").payload
    transfer = transfers.transfer_request(
        actor=app.applicant.user, application=app, to_state_code="DE"
    )
    # The receiving member state's caseworkers can read the case while it is pending...
    client.force_login(staff["caseworker_de"])
    assert client.get(reverse("console:case", args=[app.reference])).status_code == 200
    # ... but only they decide.
    with pytest.raises(NotAllowed):
        transfers.transfer_accept(actor=staff["caseworker"], transfer=transfer)
    transfers.transfer_accept(actor=staff["caseworker_de"], transfer=transfer)
    app.refresh_from_db()
    old.refresh_from_db()
    assert app.member_state_id == "DE" and app.state == "approved"
    assert old.status == "revoked" and "transfer" in old.status_reason
    new = app.cards.get(member_state="DE")
    assert new.valid_until == old.valid_until
    assert creds.verify_payload(payload).status == "revoked"
    assert creds.verify_payload(creds.latest(new, "rc1").payload).valid
    # The history follows the case; the old member state no longer sees it.
    assert app.transitions.filter(reason__contains="Transferred from FR to DE").exists()
    client.force_login(staff["caseworker"])
    assert client.get(reverse("console:case", args=[app.reference])).status_code == 404


def test_transfer_refusal_and_bad_requests(make_case, staff):
    app = make_case("approved")
    with pytest.raises(InvalidInput):
        transfers.transfer_request(actor=app.applicant.user, application=app, to_state_code="FR")
    with pytest.raises(InvalidInput):
        transfers.transfer_request(actor=app.applicant.user, application=app, to_state_code="AT")
    transfer = transfers.transfer_request(
        actor=app.applicant.user, application=app, to_state_code="PL"
    )
    with pytest.raises(InvalidState):
        transfers.transfer_request(actor=app.applicant.user, application=app, to_state_code="DE")
    from relocard.accounts.models import Role, User

    pl = User.objects.create_user(
        "cw.pl@example.test", "x-long-password", role=Role.CASEWORKER, member_state_id="PL"
    )
    transfers.transfer_refuse(actor=pl, transfer=transfer, reason="Please apply in Poland first.")
    transfer.refresh_from_db()
    assert transfer.status == "refused"
    app.refresh_from_db()
    assert app.member_state_id == "FR"


def test_holder_pages_for_appeal_and_transfer(client, make_case):
    app = make_case("refused")
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Appeal the decision" in html
    r = client.post(
        reverse("portal:appeal", args=[app.reference]),
        {"target": f"refusal-{app.decisions.get().pk}", "grounds": "The assets suffice."},
    )
    assert r.status_code == 302
    assert app.appeals.count() == 1
    r = client.post(reverse("portal:appeal", args=[app.reference]), {"grounds": "x"})
    assert r.status_code == 400
