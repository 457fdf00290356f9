"""Honest statistics: small counts hidden, percentiles with their sample, fixed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relocard.console.selectors import programme_statistics

pytestmark = pytest.mark.django_db


def test_small_counts_are_hidden_and_rates_need_five_decisions(make_case):
    for _ in range(3):
        make_case("approved")
    make_case("refused")
    (fr,) = programme_statistics(member_states=["FR"])
    assert str(fr.approved) == "<5" and str(fr.decided) == "<5"
    assert fr.approval_rate is None and fr.p90_days is None and fr.sample == 4
    make_case("approved")
    (fr,) = programme_statistics(member_states=["FR"])
    assert str(fr.decided) == "5" and fr.approval_rate == 80 and fr.p90_days == 0
    assert [(c, str(n)) for c, n in fr.refusal_criteria] == [("means", "<5")]


def test_statistics_page_access_and_query_count(client, make_case, staff):
    make_case("submitted")
    client.force_login(staff["programme_admin"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("console:statistics")).status_code == 200
    for _ in range(3):
        make_case("approved")
    with CaptureQueriesContext(connection) as more:
        html = client.get(reverse("console:statistics")).content.decode()
    assert len(more.captured_queries) == len(few.captured_queries)
    assert "Programme statistics" in html
    client.force_login(staff["caseworker"])
    assert client.get(reverse("console:statistics")).status_code == 404
    client.force_login(staff["supervisor"])
    html = client.get(reverse("console:statistics")).content.decode()
    assert "<h2>France</h2>" in html and "<h2>Germany</h2>" not in html
    client.cookies["relocard_language"] = "ru"  # the switcher's choice
    html = client.get(reverse("console:statistics"))
    assert "<h2>Франция</h2>" in html.content.decode()


def test_what_if_runs_over_real_cases(client, make_case, staff):
    for _ in range(3):
        make_case("in_review")  # EUR 30,000 of verified assets each
    client.force_login(staff["programme_admin"])
    url = reverse("console:what_if")
    html = client.get(
        url,
        {
            "member_state": "FR",
            "stage": "issuance",
            "parameter": "means.monthly_amount",
            "value": "3000",
            "on": "2026-12-01",
        },
    ).content.decode()
    assert "Cases compared: 3" in html
    assert "3 cases would change outcome." in html
    bad = client.get(
        url,
        {
            "member_state": "FR",
            "stage": "issuance",
            "parameter": "means.monthly_amount",
            "value": "lots",
            "on": "2026-12-01",
        },
    )
    assert bad.status_code == 400 and "means.monthly_amount" in bad.content.decode()
    client.force_login(staff["caseworker"])
    assert client.get(url).status_code == 404
