"""The humanitarian pages through HTTP: the person's form and receipt, officers' steps with
four eyes, the referral page, statistics, the public ledger, and who reaches what."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from lxml import html
from tests.humanitarian.conftest import GROUNDS_TEXT

from relocard.audit.models import AuditEvent
from relocard.common.models import Message
from relocard.core.waitlist import verify_ledger
from relocard.humanitarian import selectors
from relocard.humanitarian import services as hs
from relocard.humanitarian.models import HumanitarianRequest, LedgerRecord

pytestmark = pytest.mark.django_db


def form_data(**extra):
    data = {
        "member_state": "FR",
        "visa_kind": "national",
        "surname": "Petrova",
        "given_names": "Olga",
        "date_of_birth": "1988-05-01",
        "grounds": GROUNDS_TEXT,
        "consent": "on",
        "family-TOTAL_FORMS": "4",
        "family-INITIAL_FORMS": "0",
        "family-MIN_NUM_FORMS": "0",
        "family-MAX_NUM_FORMS": "11",
        "family-0-relationship": "child",
        "family-0-surname": "Petrov",
        "family-0-given_names": "Ivan",
        "family-0-date_of_birth": "2016-02-03",
    }
    data.update(extra)
    return data


def test_a_person_requests_and_sees_a_receipt_then_a_position(client, make_user, officers):
    person = make_user()
    client.force_login(person)
    page = client.get(reverse("humanitarian:new"))
    assert page.status_code == 200 and "explicit consent" in page.content.decode()
    response = client.post(reverse("humanitarian:new"), form_data())
    assert response.status_code == 302
    request = HumanitarianRequest.objects.get()
    assert response["Location"] == reverse("humanitarian:receipt", args=[request.entry_id])
    assert request.travellers.count() == 2 and request.person == person
    receipt = client.get(response["Location"]).content.decode()
    assert request.entry_id in receipt and request.registration_hash in receipt
    assert "Registered, awaiting triage" in receipt and "Petrova" not in receipt

    proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officers["a"])
    hs.assignment_confirm(actor=officers["b"], proposal=proposal)
    hs.request_triage(actor=officers["a"], request=request, category="standard")
    receipt = client.get(response["Location"]).content.decode()
    assert "Number 1 of 1 waiting in your category" in receipt
    assert "cannot estimate your wait honestly yet" in receipt


def test_the_form_reports_each_problem_and_saves_nothing(client, make_user):
    client.force_login(make_user())
    response = client.post(
        reverse("humanitarian:new"),
        form_data(consent="", grounds="", **{"family-0-given_names": ""}),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Without your explicit consent" in body
    assert "Give the relationship, surname, given names and date of birth" in body
    assert not HumanitarianRequest.objects.exists() and not LedgerRecord.objects.exists()


def test_the_pages_are_in_russian(client, make_user):
    client.force_login(make_user())
    client.cookies["relocard_language"] = "ru"
    body = client.get(reverse("humanitarian:new")).content.decode()
    assert "гуманитарн" in body.lower()


def test_officers_triage_and_move_with_four_eyes_over_http(client, make_request, officers):
    request = make_request()
    url = reverse("humanitarian:act", args=[request.entry_id, "triage"])
    client.force_login(officers["c"])  # not assigned: told so, nothing changes
    response = client.post(url, {"category": "standard"}, follow=True)
    assert "Only an officer assigned" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "registered"
    client.force_login(officers["a"])
    assert client.post(url, {"category": "nonsense"}).status_code == 400
    assert client.post(url, {"category": "standard"}).status_code == 302
    request.refresh_from_db()
    assert request.category == "standard"

    move_url = reverse("humanitarian:act", args=[request.entry_id, "move"])
    response = client.post(move_url, {"category": "immediate", "reason": "risk-increased"})
    assert response.status_code == 302
    move = request.moves.get()
    confirm = reverse("humanitarian:act", args=[request.entry_id, "move-confirm"])
    page = client.get(reverse("humanitarian:request", args=[request.entry_id])).content.decode()
    assert "Confirm the move" not in page  # the proposer is not offered it
    client.post(confirm, {"move": move.pk})
    request.refresh_from_db()
    assert request.category == "standard"
    client.force_login(officers["b"])
    client.post(confirm, {"move": move.pk})
    request.refresh_from_db()
    assert request.category == "immediate"


def test_invitation_and_a_refusal_confirmed_by_a_second_officer(
    client, make_request, officers, make_slot
):
    request = make_request(triage="priority")
    slot, other_state = make_slot(), make_slot("DE")
    client.force_login(officers["a"])
    page = client.get(reverse("humanitarian:request", args=[request.entry_id])).content.decode()
    # the member state's missions and their free slots, in the mission's time zone, named
    assert "Consulate, Tbilisi, Krtsanisi 49" in page and "(Asia/Tbilisi)" in page
    assert f'value="{slot.pk}"' in page and f'value="{other_state.pk}"' not in page
    invite = reverse("humanitarian:act", args=[request.entry_id, "invite"])
    assert client.post(invite, {"slot": ""}).status_code == 400
    response = client.post(invite, {"slot": other_state.pk})
    assert response.status_code == 400 and "no longer free" in response.content.decode()
    assert client.post(invite, {"slot": slot.pk}).status_code == 302
    request.refresh_from_db()
    assert request.reservation.slot == slot
    local = slot.starts_at.astimezone(ZoneInfo("Asia/Tbilisi"))
    page = client.get(reverse("humanitarian:request", args=[request.entry_id])).content.decode()
    assert "Asia/Tbilisi" in page and request.reservation.reference in page
    client.force_login(request.person)
    page = client.get(reverse("humanitarian:receipt", args=[request.entry_id])).content.decode()
    assert request.reservation.reference in page and "Krtsanisi 49" in page
    assert f"{local:%H:%M}" in page and "Asia/Tbilisi" in page
    page = client.get(reverse("humanitarian:mine")).content.decode()
    assert request.reservation.reference in page and "Asia/Tbilisi" in page
    message = Message.objects.get(user=request.person, event="visa_appointment_invited")
    assert f"{local:%H:%M}" in message.body and "Asia/Tbilisi" in message.body
    assert request.reservation.reference in message.body
    client.force_login(officers["a"])
    decide = reverse("humanitarian:act", args=[request.entry_id, "decide"])
    client.post(decide, {"outcome": "refuse", "reasons": "The danger was not shown."})
    request.refresh_from_db()
    assert request.status == "refusal_proposed"
    refusal = request.decisions.get()
    client.force_login(officers["b"])
    client.post(
        reverse("humanitarian:act", args=[request.entry_id, "refusal-confirm"]),
        {"decision": refusal.pk},
    )
    request.refresh_from_db()
    assert request.status == "refused"
    client.force_login(request.person)
    body = client.get(reverse("humanitarian:receipt", args=[request.entry_id])).content.decode()
    assert "Refuse the visa" in body and "The danger was not shown." in body
    assert "You can appeal against this refusal until" in body


def test_reading_the_grounds_page_is_audited_and_only_for_assigned_officers(
    client, make_request, officers
):
    request = make_request()
    url = reverse("humanitarian:grounds", args=[request.entry_id])
    client.force_login(officers["c"])
    assert client.get(url).status_code == 404
    client.force_login(officers["a"])
    body = client.get(url).content.decode()
    assert GROUNDS_TEXT in body and "Petrova" in body
    assert AuditEvent.objects.filter(action="humanitarian.grounds_read").count() == 1


def test_the_queue_shows_no_names_and_counts_its_queries(
    client, make_request, officers, django_assert_max_num_queries
):
    for _ in range(3):
        make_request(triage="standard", n=2)
    client.force_login(officers["c"])
    with django_assert_max_num_queries(20):
        body = client.get(reverse("humanitarian:queue")).content.decode()
    assert body.count("/humanitarian/officer/HV-") >= 3
    assert "Petrova" not in body and "anti-war" not in body


def test_a_referrer_refers_to_its_country(client, make_user, staff):
    admin = staff["programme_admin"]
    org = hs.referring_organisation_register(
        actor=admin, name="Aid Desk", country="PL", registration_number="KRS 1"
    )
    referrer = make_user()
    hs.referrer_add(actor=admin, organisation=org, user=referrer)
    client.force_login(referrer)
    assert "not approved yet" in client.get(reverse("humanitarian:refer")).content.decode()
    hs.referring_organisation_decide(actor=admin, organisation=org, approve=True)
    data = form_data()
    del data["member_state"]
    response = client.post(reverse("humanitarian:refer"), data)
    assert response.status_code == 302
    request = HumanitarianRequest.objects.get()
    assert request.member_state_id == "PL" and request.channel == "referral"
    page = client.get(reverse("humanitarian:refer")).content.decode()
    assert request.entry_id in page and "Petrova" not in page


def test_statistics_page_suppresses_small_counts(client, make_request, officers):
    make_request(triage="priority")
    client.force_login(officers["a"])
    body = client.get(reverse("humanitarian:statistics")).content.decode()
    assert "fewer than 5" in body


def test_the_public_ledger_publishes_ended_days_only_and_verifies(
    client, make_request, monkeypatch
):
    request = make_request(triage="standard")
    url = reverse("humanitarian:ledger", args=["FR"])
    assert url == "/humanitarian/ledger/FR.json"
    assert client.get(url).json()["records"] == []  # today's records wait for the day's end
    monkeypatch.setattr(selectors, "today", lambda: hs.today() + timedelta(days=1))
    document = client.get(url).json()
    assert [r["event"] for r in document["records"]] == ["policy", "registration", "triage"]
    assert verify_ledger(document).ok
    text = client.get(url).content.decode()
    assert request.entry_id in text and "Petrova" not in text and "anti-war" not in text
    assert client.get("/humanitarian/ledger/IT.json").status_code == 404
    assert client.get("/humanitarian/ledger/fr.json").status_code == 404


def test_programme_admins_approve_organisations_on_the_admin_site(client, make_user):
    from relocard.accounts.models import Role
    from relocard.humanitarian.models import ReferringOrganisation

    admin = make_user(Role.PROGRAMME_ADMIN, is_superuser=True)
    org = hs.referring_organisation_register(
        actor=admin, name="Aid Desk", country="FR", registration_number="W1"
    )
    client.force_login(admin)
    url = reverse("admin:humanitarian_referringorganisation_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "approve", "_selected_action": [org.pk]})
    assert ReferringOrganisation.objects.get().is_approved
    assert AuditEvent.objects.filter(action="humanitarian.organisation_approved").exists()


def test_an_invitation_out_of_turn_needs_a_second_officer_over_http(
    client, make_request, officers, make_slot
):
    make_request(triage="standard")
    second = make_request(triage="standard")
    slot = make_slot()
    invite = reverse("humanitarian:act", args=[second.entry_id, "invite"])
    client.force_login(officers["a"])
    response = client.post(invite, {"slot": slot.pk})
    assert response.status_code == 400 and "first in line" in response.content.decode()
    client.post(invite, {"slot": slot.pk, "reason": "family-unity"})
    proposal = second.out_of_turn.get()
    second.refresh_from_db()
    assert second.status == "waiting"
    client.force_login(officers["b"])
    page = client.get(reverse("humanitarian:request", args=[second.entry_id])).content.decode()
    assert "Confirm the invitation" in page
    client.post(
        reverse("humanitarian:act", args=[second.entry_id, "out-of-turn-confirm"]),
        {"proposal": proposal.pk},
    )
    second.refresh_from_db()
    assert second.status == "invited"


def test_the_referring_organisation_sees_where_and_when_to_send_the_person(
    client, make_user, staff, officers, make_slot
):
    admin = staff["programme_admin"]
    org = hs.referring_organisation_register(
        actor=admin, name="Aid Desk", country="FR", registration_number="W1"
    )
    hs.referring_organisation_decide(actor=admin, organisation=org, approve=True)
    referrer = make_user()
    hs.referrer_add(actor=admin, organisation=org, user=referrer)
    client.force_login(referrer)
    data = form_data()
    del data["member_state"]
    assert client.post(reverse("humanitarian:refer"), data).status_code == 302
    request = HumanitarianRequest.objects.get()
    for officer in (officers["a"], officers["b"]):
        proposal = hs.assignment_propose(actor=officers["a"], request=request, officer=officer)
        hs.assignment_confirm(actor=officers["c"], proposal=proposal)
    hs.request_triage(actor=officers["a"], request=request, category="standard")
    hs.request_invite(actor=officers["a"], request=request, slot=make_slot())
    request.refresh_from_db()
    page = client.get(reverse("humanitarian:refer")).content.decode()
    assert request.reservation.reference in page and "Asia/Tbilisi" in page
    assert "Krtsanisi 49" in page and "Petrova" not in page


def test_the_officer_is_told_when_no_mission_has_a_free_slot(client, make_request, officers):
    request = make_request(triage="standard")
    client.force_login(officers["a"])
    page = client.get(reverse("humanitarian:request", args=[request.entry_id])).content.decode()
    assert 'id="no-slots"' in page


def test_the_queue_and_statistics_name_categories_in_the_officers_language(
    client, make_request, officers
):
    request = make_request(triage="priority")
    client.force_login(officers["a"])
    client.cookies["relocard_language"] = "ru"
    for name in ("humanitarian:queue", "humanitarian:statistics"):
        tree = html.fromstring(client.get(reverse(name)).content.decode())
        cells = [" ".join(td.text_content().split()) for td in tree.xpath("//main//td")]
        assert "Серьёзный риск" in cells, (name, cells)
        assert "priority" not in cells and "standard" not in cells
    assert request.category == "priority"


def test_the_request_page_names_the_category_and_the_moves_reason(client, make_request, officers):
    request = make_request(triage="standard")
    client.force_login(officers["a"])
    move_url = reverse("humanitarian:act", args=[request.entry_id, "move"])
    response = client.post(move_url, {"category": "immediate", "reason": "risk-increased"})
    assert response.status_code == 302
    client.cookies["relocard_language"] = "ru"
    body = client.get(reverse("humanitarian:request", args=[request.entry_id])).content.decode()
    tree = html.fromstring(body)
    category = " ".join(tree.get_element_by_id("category").text_content().split())
    assert category == "Обоснованный риск", category
    move = " ".join(tree.get_element_by_id("open-move").text_content().split())
    assert "Непосредственная опасность" in move and "Риск вырос после распределения" in move
    assert "risk-increased" not in move and "immediate" not in move
