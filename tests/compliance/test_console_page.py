"""The console page "Cards at risk": who may see it, what it says, how many queries it takes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.compliance.conftest import GOOD_FACTS, TODAY, add_trip

from relocard.accounts.models import Role
from relocard.cards import compliance

pytestmark = pytest.mark.django_db

URL = "/console/cards-at-risk/"


def test_the_url_is_named():
    assert reverse("console:cards_at_risk") == URL


@pytest.fixture
def judged(make_holder):
    """Three French cards (at risk, failing, fine) and a failing German one, judged."""
    at_risk = make_holder(expires_on=TODAY + timedelta(days=40))
    failing = make_holder(facts={**GOOD_FACTS, "employment": "none", "isced_level": None})
    add_trip(failing, failing.valid_from + timedelta(days=3), None)
    fine = make_holder()
    german = make_holder(member_state="DE", facts={**GOOD_FACTS, "employment": "none"})
    compliance.compliance_run(today=TODAY)
    return {"at_risk": at_risk, "failing": failing, "fine": fine, "german": german}


def _get(client, user, query=""):
    client.force_login(user)
    return client.get(URL + query)


def _text(response) -> str:
    """The page without its tags: a card number is shown in groups that never break inside
    (<span>s and <wbr>s), which a search for the whole number must see through."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def test_caseworkers_see_their_member_states_cards_with_the_reasons(client, staff, judged):
    r = _get(client, staff["caseworker"])
    assert r.status_code == 200
    for key in ("at_risk", "failing"):
        reference = judged[key].application.reference
        assert f'href="/console/cases/{reference}/"' in r.content.decode()
    html = r.content.decode()
    text = _text(r)
    assert judged["fine"].application.reference not in html
    assert judged["german"].application.reference not in html
    assert "2 cards" in html
    # Failing first.
    assert text.index(judged["failing"].number) < text.index(judged["at_risk"].number)
    # Why: presence figures, criteria not met and unknown, evidence expiry.
    assert "4 of 365 days present, 274 needed" in html
    assert "270 days over the absence budget" in html
    assert "Presence at risk" in html
    assert "Not met:</strong> Employment" in html
    assert "Unknown (no verified evidence): Higher education" in html
    assert "Expires on" in html and "before the card ends" in html
    assert "PETROVA" not in html and "SMIRNOV" not in html  # no names


def test_the_status_filter(client, staff, judged):
    html = _text(_get(client, staff["supervisor"], "?status=failing"))
    assert judged["failing"].number in html and judged["at_risk"].number not in html
    html = _text(_get(client, staff["supervisor"], "?status=at_risk"))
    assert judged["at_risk"].number in html and judged["failing"].number not in html
    html = _text(_get(client, staff["supervisor"], "?status=nonsense"))
    assert judged["at_risk"].number in html and judged["failing"].number in html


def test_german_staff_see_only_german_cards(client, staff, judged):
    html = _text(_get(client, staff["caseworker_de"]))
    assert judged["german"].number in html and judged["failing"].number not in html


@pytest.mark.parametrize("who", ["auditor", "consular_officer", "programme_admin"])
def test_other_staff_get_not_found(client, staff, judged, who):
    assert _get(client, staff[who]).status_code == 404


def test_applicants_get_not_found_and_strangers_sign_in(client, judged):
    assert _get(client, judged["failing"].applicant.user).status_code == 404
    client.logout()
    r = client.get(URL)
    assert r.status_code == 302 and "/login" in r["Location"]


def test_the_page_takes_a_fixed_number_of_queries(client, staff, make_holder):
    def queries() -> int:
        client.force_login(staff["caseworker"])
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(URL)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    make_holder(facts={**GOOD_FACTS, "isced_level": 3})
    compliance.compliance_run(today=TODAY)
    few = queries()
    for _ in range(8):
        make_holder(facts={**GOOD_FACTS, "isced_level": 3})
    compliance.compliance_run(today=TODAY)
    assert queries() == few


def test_an_empty_page_says_so_and_when_nothing_ran(client, staff):
    html = _text(_get(client, staff["caseworker"]))
    assert "No card is at risk." in html
    assert "The nightly compliance run has not run yet." in html


def test_the_queue_links_to_the_page_for_caseworkers_only(client, staff):
    client.force_login(staff["caseworker"])
    assert URL in client.get(reverse("console:queue")).content.decode()
    client.force_login(staff["auditor"])
    assert URL not in client.get(reverse("console:queue")).content.decode()


def test_the_page_is_in_russian_too(client, staff, judged):
    user = staff["caseworker"]
    user.preferred_language = "ru"
    user.save(update_fields=["preferred_language"])
    client.force_login(user)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Занятость" in html  # criterion titles come from the rules, in both languages


def test_access_functions_answer_per_role(staff, make_user):
    from relocard.common import access

    allowed = {k for k in staff if access.can_see_cards_at_risk(staff[k])}
    assert allowed == {"caseworker", "supervisor", "supervisor2", "caseworker_de", "supervisor_de"}
    assert not access.can_see_cards_at_risk(make_user(Role.APPLICANT))
    assert not access.can_see_cards_at_risk(None)
    assert access.cards_at_risk(staff["auditor"]).count() == 0
