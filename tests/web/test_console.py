"""The caseworker's console over HTTP: the queue, the case page, decisions, audited views."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relocard.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_runs_a_fixed_number_of_queries(client, make_case, staff):
    client.force_login(staff["caseworker"])
    make_case("submitted")
    few = _queries(client, reverse("console:queue"))
    for _ in range(6):
        make_case("submitted")
    make_case("in_review")
    assert _queries(client, reverse("console:queue")) == few
    assert _queries(client, reverse("console:queue") + "?state=all&sort=-submitted") == few


def test_applicant_dashboard_runs_a_fixed_number_of_queries(client, make_case):
    app = make_case("approved")
    client.force_login(app.applicant.user)
    few = _queries(client, reverse("portal:dashboard"))
    from relocard.cases import services as cs

    cs.application_start(actor=app.applicant.user, applicant=app.applicant, member_state_code="DE")
    cs.application_start(actor=app.applicant.user, applicant=app.applicant, member_state_code="PL")
    assert _queries(client, reverse("portal:dashboard")) == few


def test_queue_shows_only_own_member_state(client, make_case, staff):
    fr = make_case("submitted", member_state="FR")
    de = make_case("submitted", member_state="DE")
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:queue")).content.decode()
    assert fr.reference in html and de.reference not in html


def test_queue_marks_deadlines_paused_for_a_correction(client, make_case, staff):
    from datetime import timedelta

    from relocard.cases.models import Application

    waiting = make_case("correction_requested")
    late = make_case("in_review")
    for app in (waiting, late):  # both deadlines have passed
        Application.objects.filter(pk=app.pk).update(
            decision_due=app.created_at.date() - timedelta(days=3)
        )
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:queue")).content.decode()
    rows = {
        ref: html.split(ref)[2].split("</tr>")[0] for ref in (waiting.reference, late.reference)
    }
    assert "Clock paused" in rows[waiting.reference] and "Overdue" not in rows[waiting.reference]
    assert "Overdue" in rows[late.reference] and "Clock paused" not in rows[late.reference]


def test_queue_shows_no_names(client, make_case, staff):
    make_case("submitted")
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:queue")).content.decode()
    assert "IVANOVA" not in html and "Иванова" not in html


def test_staff_views_of_a_case_and_its_files_are_audited(client, make_case, staff):
    app = make_case("submitted")
    client.force_login(staff["auditor"])
    client.get(reverse("console:case", args=[app.reference]))
    item = app.evidence.first()
    client.get(reverse("console:evidence_file", args=[app.reference, item.pk]))
    client.get(reverse("console:evidence_file", args=[app.reference, item.pk]) + "?download=1")
    events = list(
        AuditEvent.objects.filter(actor=staff["auditor"])
        .exclude(action__startswith="auth.")  # the sign-in itself
        .values_list("action", flat=True)
    )
    assert events == ["case.viewed", "evidence.viewed", "evidence.downloaded"]


def test_caseworker_correction_round_trip_over_http(client, make_case, staff):
    app = make_case("in_review")
    client.force_login(staff["caseworker"])
    r = client.post(
        reverse("console:request_correction", args=[app.reference]),
        {"version": app.version, "message": "Please add a lease.", "kinds": ["lease_or_deed"]},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.state == "correction_requested" and app.clock_paused_at is not None
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "Please add a lease." in html


def test_an_incomplete_decision_form_is_summarised_at_the_top_and_changes_nothing(
    client, make_case, staff
):
    app = make_case("in_review")
    client.force_login(staff["caseworker"])
    r = client.post(
        reverse("console:request_correction", args=[app.reference]),
        {"version": app.version, "message": "  "},
    )
    assert r.status_code == 400
    html = r.content.decode()
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert '<a href="#id_message">Write what the applicant should correct or add.</a>' in summary
    assert html.index("error-summary") < html.index("<h1>")
    assert "<title>Error:" in html
    r = client.post(reverse("console:request_correction", args=[app.reference]), {"message": "x"})
    assert "This form is out of date. Open the case again and redo the step." in r.content.decode()
    app.refresh_from_db()
    assert app.state == "in_review" and not app.corrections.exists()


def test_stale_decision_form_shows_an_error_and_changes_nothing(client, make_case, staff):
    app = make_case("in_review")
    stale = app.version
    client.force_login(staff["caseworker"])
    client.post(
        reverse("console:request_correction", args=[app.reference]),
        {"version": stale, "message": "x"},
    )
    client.force_login(staff["supervisor"])
    r = client.post(reverse("console:approve", args=[app.reference]), {"version": stale})
    assert r.status_code == 400
    assert "changed by someone else" in r.content.decode()
    app.refresh_from_db()
    assert app.state == "correction_requested" and not app.cards.exists()


def test_refusal_form_needs_at_least_one_reason(client, make_case, staff):
    app = make_case("in_review")
    client.force_login(staff["caseworker"])
    r = client.post(reverse("console:refuse", args=[app.reference]), {"version": app.version})
    assert r.status_code == 400
    assert "Give the reason for at least one criterion" in r.content.decode()
    app.refresh_from_db()
    assert app.state == "in_review"


def test_consular_officer_opens_an_embassy_case(client, staff):
    client.force_login(staff["consular_officer"])
    r = client.post(
        reverse("console:embassy_new"),
        {
            "email": "walkin@example.test",
            "surname_cyrillic": "Петров",
            "given_names_cyrillic": "Пётр",
            "surname_latin": "PETROV",
            "given_names_latin": "PETR",
            "date_of_birth": "1985-02-03",
            "nationality": "RU",
            "passport_number": "761234567",
            "passport_expiry": "2032-01-01",
        },
    )
    assert r.status_code == 302
    reference = r["Location"].split("/")[-2]
    # The officer continues on the case page (upload, submit) for this walk-in applicant,
    # which speaks of the applicant rather than to the officer.
    page = client.get(r["Location"])
    assert page.status_code == 200 and reference.startswith("FR-")
    html = page.content.decode()
    assert "Application for France" in html and "The applicant's details" in html
    assert "Your application" not in html and "Your details" not in html
    submit = client.get(reverse("portal:submit", args=[reference])).content.decode()
    assert "The statement below is the applicant's." in submit


def test_the_audit_log_names_every_case_by_its_reference_and_filters_by_it(
    client, make_case, staff
):
    app = make_case("submitted")
    other = make_case("submitted")
    client.force_login(staff["auditor"])
    client.get(reverse("console:case", args=[app.reference]))  # a case.viewed event
    html = client.get(reverse("console:audit")).content.decode()
    row = html.split("<code>case.viewed</code>")[1].split("</tr>")[0]
    assert f'(<a href="?case={app.reference}">{app.reference}</a>)' in row
    few = _queries(client, reverse("console:audit"))
    for _ in range(3):
        client.get(reverse("console:case", args=[other.reference]))
    assert _queries(client, reverse("console:audit")) == few  # however many cases it names
    filtered = client.get(reverse("console:audit") + f"?case={app.reference}").content.decode()
    assert app.reference in filtered and other.reference not in filtered


def test_only_a_supervisor_other_than_the_proposer_is_offered_to_confirm_a_card_change(
    client, make_case, staff
):
    from relocard.cards import services as card_services

    app = make_case("approved")
    card = app.cards.get()
    change = card_services.card_status_propose(
        actor=staff["supervisor"], card=card, action="suspend", reason="Pending an investigation."
    )
    confirm = reverse(
        "console:card_action_decide", args=[app.reference, card.pk, change.pk, "confirm"]
    )
    page = reverse("console:case", args=[app.reference])
    for who, offered in [
        ("supervisor2", True),
        ("supervisor", False),  # the proposer
        ("caseworker", False),
        ("auditor", False),
    ]:
        client.force_login(staff[who])
        html = client.get(page).content.decode()
        assert (confirm in html) is offered, who
    client.force_login(staff["supervisor_de"])
    assert client.get(page).status_code == 404
    assert client.post(confirm).status_code == 404  # another member state's change: not found
    card.refresh_from_db()
    assert card.status == "active"


def test_only_the_receiving_member_state_is_offered_to_decide_a_transfer(client, make_case, staff):
    from relocard.cases import transfers

    app = make_case("approved")
    transfers.transfer_request(actor=app.applicant.user, application=app, to_state_code="DE")
    accept = reverse("console:decide_transfer", args=[app.reference, "accept"])
    page = reverse("console:case", args=[app.reference])
    for who, offered in [
        ("caseworker_de", True),
        ("supervisor_de", True),
        ("caseworker", False),  # the sending member state reads the case but does not decide
        ("supervisor", False),
        ("auditor", False),
    ]:
        client.force_login(staff[who])
        assert (accept in client.get(page).content.decode()) is offered, who


def test_the_case_page_asks_the_access_module_instead_of_testing_roles():
    from django.template.loader import get_template

    source = get_template("console/case.html").template.source
    assert "user.role" not in source and "proposed_by_id" not in source


def test_queue_counts_exactly_up_to_the_cap_and_pages_on(client, make_case, staff, monkeypatch):
    from relocard.console import pages

    cases = [make_case("submitted") for _ in range(5)]
    client.force_login(staff["caseworker"])
    monkeypatch.setattr(pages, "COUNT_CAP", 5)
    monkeypatch.setattr("relocard.console.views.PAGE_SIZE", 2)
    html = client.get(reverse("console:queue")).content.decode()
    assert "5 cases" in html and "Page 1 of 3" in html and 'rel="next"' in html
    few = _queries(client, reverse("console:queue") + "?page=2")
    cases.append(make_case("submitted"))
    html = client.get(reverse("console:queue")).content.decode()
    assert "More than 5 cases" in html and "Page 1<" in html and 'rel="next"' in html
    assert _queries(client, reverse("console:queue") + "?page=2") == few
    last = client.get(reverse("console:queue") + "?page=3").content.decode()
    assert "Page 3<" in last and 'rel="next"' not in last and 'rel="prev"' in last
    # Deadline order across the pages, every case once; a page past the end shows the last.
    shown = "".join(
        client.get(reverse("console:queue") + f"?page={n}").content.decode() for n in (1, 2, 3)
    )
    assert all(shown.count(f">{c.reference}<") == 1 for c in cases)
    beyond = client.get(reverse("console:queue") + "?page=99").content.decode()
    assert "Page 3<" in beyond and cases[-1].reference in beyond
    assert "Page 1<" in client.get(reverse("console:queue") + "?page=x").content.decode()
