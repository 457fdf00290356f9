"""The holder's trips: declared over HTTP, counted by the residence calculator, planned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from tests.conftest import pdf_bytes

from relocard.audit.models import AuditEvent
from relocard.cards.models import Card
from relocard.common.errors import InvalidInput
from relocard.presence import selectors, services
from relocard.presence.models import Trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(make_case):
    app = make_case("approved")
    card = app.cards.get()
    # Put the card year around today, so that trips can be past and planned.
    start = card.valid_from - timedelta(days=100)
    Card.objects.filter(pk=card.pk).update(
        valid_from=start, valid_until=start + timedelta(days=364)
    )
    card.refresh_from_db()
    return card


def test_trips_page_shows_the_budget(client, holder):
    client.force_login(holder.applicant.user)
    today = holder.valid_from + timedelta(days=100)
    r = client.post(
        reverse("presence:trips"),
        {"left": today - timedelta(days=40), "returned": today - timedelta(days=30)},
    )
    assert r.status_code == 302
    html = client.get(reverse("presence:trips")).content.decode()
    assert "You must be in the country on at least 274 of its 365 days" in html
    assert "On track" in html
    presence = selectors.presence_for_card(holder)
    assert presence.result.absent_days.max == 9
    assert AuditEvent.objects.filter(action="trip.declared").count() == 1


def test_russian_page_names_countries_and_ends_sentences_on_dates_once(client, holder):
    user = holder.applicant.user
    client.force_login(user)
    today = holder.valid_from + timedelta(days=100)
    services.trip_save(
        actor=user,
        applicant=holder.applicant,
        left=today - timedelta(days=20),
        returned=today - timedelta(days=10),
        destination="AT",
    )
    client.cookies["relocard_language"] = "ru"  # the switcher's choice
    html = client.get(reverse("presence:trips")).content
    html = html.decode()
    assert '">Австрия</td>' in html
    assert "г.." not in html  # Django's "21 января 2027 г." then the sentence's full stop
    assert "Ваш год действия карты" in html


def test_long_absence_warns_and_the_planner_says_why(client, holder):
    client.force_login(holder.applicant.user)
    today = holder.valid_from + timedelta(days=100)
    services.trip_save(
        actor=holder.applicant.user,
        applicant=holder.applicant,
        left=today - timedelta(days=95),
        returned=today - timedelta(days=5),
    )
    presence = selectors.presence_for_card(holder)
    assert presence.result.budget_left.min == 2
    url = (
        reverse("presence:trips")
        + f"?leave={today + timedelta(days=10)}&return_={today + timedelta(days=30)}"
    )
    html = client.get(url).content.decode()
    assert "With this trip you would not keep the three-quarters rule" in html


def test_the_planner_says_when_a_trip_runs_past_the_card_year(client, holder):
    client.force_login(holder.applicant.user)
    end = holder.valid_until

    def planned(back):
        url = reverse("presence:trips") + f"?leave={end - timedelta(days=10)}&return_={back}"
        return client.get(url).content.decode()

    assert "Your card year ends on" not in planned(end)
    html = planned(end + timedelta(days=30))
    assert "Your card year ends on" in html and "only the days abroad up to then count" in html


def test_missing_return_is_worst_case_and_asks_for_evidence(client, holder):
    today = holder.valid_from + timedelta(days=100)
    trip = services.trip_save(
        actor=holder.applicant.user,
        applicant=holder.applicant,
        left=today - timedelta(days=3),
        returned=None,
    )
    presence = selectors.presence_for_card(holder)
    assert presence.result.status.value == "at_risk"
    client.force_login(holder.applicant.user)
    html = client.get(reverse("presence:trips")).content.decode()
    assert "no return date is recorded" in html
    assert (
        trip.pk in {t.pk for t in presence.needs_evidence}
        or presence.result.latest_return is not None
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"left": "2026-05-10", "returned": "2026-05-01"}, "on or after the day you left"),
        ({}, "Enter the day you left, the day you came back, or both."),
        ({"left": "2020-01-01", "returned": "2020-01-05"}, "more than two years ago"),
        ({"left": "2026-02-30"}, "Enter a real date for"),
        ({"left_0": "15", "left_1": "", "left_2": "2026"}, "must include a month"),
    ],
)
def test_bad_trips_are_refused_with_a_reason(client, holder, data, message):
    client.force_login(holder.applicant.user)
    r = client.post(reverse("presence:trips"), data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Trip.objects.exists()


def test_trip_evidence_verified_at_review_backs_the_trip(client, holder, staff):
    today = holder.valid_from + timedelta(days=100)
    trip = services.trip_save(
        actor=holder.applicant.user,
        applicant=holder.applicant,
        left=today - timedelta(days=20),
        returned=today - timedelta(days=10),
    )
    client.force_login(holder.applicant.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(
        reverse("presence:trip_evidence", args=[trip.pk]),
        {"file": SimpleUploadedFile("ticket.pdf", pdf_bytes("ticket"))},
    )
    assert r.status_code == 302
    trip.refresh_from_db()
    assert trip.evidence.kind == "travel" and trip.source == "declared"


def test_nobody_else_sees_or_changes_a_trip(client, holder, make_applicant, staff):
    trip = services.trip_save(
        actor=holder.applicant.user,
        applicant=holder.applicant,
        left=holder.valid_from + timedelta(days=5),
        returned=holder.valid_from + timedelta(days=9),
    )
    client.force_login(make_applicant().user)
    assert client.get(reverse("presence:trip_edit", args=[trip.pk])).status_code == 404
    assert client.post(reverse("presence:trip_delete", args=[trip.pk])).status_code == 404
    client.force_login(staff["caseworker"])
    assert client.get(reverse("presence:trip_edit", args=[trip.pk])).status_code in (302, 404)
    assert Trip.objects.filter(pk=trip.pk).exists()


def test_the_country_list_offers_only_other_schengen_states(client, holder):
    """Ireland and Cyprus are outside the area, and days in the issuing state are days at
    home: none of them is offered, and typing one in is refused."""
    assert holder.member_state_id == "FR"
    client.force_login(holder.applicant.user)
    html = client.get(reverse("presence:trips")).content.decode()
    for code in ("IE", "CY", "FR"):
        assert f'value="{code}"' not in html
    for code in ("DE", "AT", "CH", "HR"):
        assert f'value="{code}"' in html
    today = holder.valid_from + timedelta(days=100)
    for code in ("IE", "CY", "FR"):
        r = client.post(
            reverse("presence:trips"),
            {"left": today - timedelta(days=9), "returned": today - timedelta(days=5),
             "destination": code},
        )  # fmt: skip
        assert r.status_code == 400
    assert not Trip.objects.exists()
    with pytest.raises(InvalidInput, match="another Schengen country"):
        services.trip_save(
            actor=holder.applicant.user,
            applicant=holder.applicant,
            left=today - timedelta(days=9),
            returned=today - timedelta(days=5),
            destination="IE",
        )


def test_a_trip_before_the_card_year_is_recorded_with_a_clear_warning(client, holder):
    client.force_login(holder.applicant.user)
    start = holder.valid_from
    r = client.post(
        reverse("presence:trips"),
        {"left": start - timedelta(days=30), "returned": start - timedelta(days=20)},
        follow=True,
    )
    html = r.content.decode()
    assert "This trip ended before your card year began" in html
    assert "Before your card year: does not count" in html
    assert selectors.presence_for_card(holder).result.absent_days.max == 0
    # A trip within the card year gets no such warning.
    r = client.post(
        reverse("presence:trips"),
        {"left": start + timedelta(days=10), "returned": start + timedelta(days=12)},
        follow=True,
    )
    assert "This trip ended before your card year began" not in r.content.decode()


def test_the_planners_latest_day_to_come_back_is_not_after_the_card_ends(client, holder):
    client.force_login(holder.applicant.user)
    end = holder.valid_until
    url = (
        reverse("presence:trips")
        + f"?leave={end - timedelta(days=10)}&return_={end - timedelta(days=5)}"
    )
    response = client.get(url)
    assert response.context["plan"].latest_return == end
    assert "This is the last day of your card" in response.content.decode()


def test_a_cypriot_card_gives_no_schengen_allowance_and_says_so(client, holder):
    today = holder.valid_from + timedelta(days=100)
    url = (
        reverse("presence:trips")
        + f"?leave={today + timedelta(days=10)}&return_={today + timedelta(days=20)}"
    )
    client.force_login(holder.applicant.user)
    french = client.get(url)
    assert french.context["plan"].schengen is not None
    assert "Longest stay in other Schengen countries" in french.content.decode()
    Card.objects.filter(pk=holder.pk).update(member_state_id="CY")
    cypriot = client.get(url)
    html = cypriot.content.decode()
    assert cypriot.context["plan"].schengen is None
    assert "Longest stay in other Schengen countries" not in html
    assert "gives no right to travel in the Schengen area" in html
    # Germany and Poland are in the area like France.
    for code in ("DE", "PL"):
        Card.objects.filter(pk=holder.pk).update(member_state_id=code)
        assert client.get(url).context["plan"].schengen is not None
