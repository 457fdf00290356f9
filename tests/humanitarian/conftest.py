"""Fixtures of the humanitarian route: officers, a referring organisation, requests."""

from __future__ import annotations

from datetime import date

import pytest

GROUNDS_TEXT = "Criminal case opened for an anti-war post; search of my flat in March."


@pytest.fixture
def officers(make_user):
    """Three humanitarian officers in FR, one in DE."""
    from relocard.accounts.models import Role

    return {
        "a": make_user(Role.HUMANITARIAN_OFFICER, "FR"),
        "b": make_user(Role.HUMANITARIAN_OFFICER, "FR"),
        "c": make_user(Role.HUMANITARIAN_OFFICER, "FR"),
        "de": make_user(Role.HUMANITARIAN_OFFICER, "DE"),
    }


def travellers(n: int = 1):
    from relocard.humanitarian.services import TravellerData

    people = [TravellerData("principal", "Petrova", "Olga", date(1988, 5, 1))]
    for i in range(n - 1):
        people.append(TravellerData("child", "Petrov", f"Ivan {i}", date(2015, 1, 2)))
    return people


@pytest.fixture
def make_request(make_user, officers):
    """A request registered online in ``member_state``, with officers a and b assigned."""
    from relocard.humanitarian import services as hs

    def make(member_state: str = "FR", *, assign: bool = True, triage: str | None = None, n=1):
        person = make_user()
        request = hs.request_submit(
            actor=person,
            member_state=member_state,
            visa_kind="national",
            grounds=GROUNDS_TEXT,
            travellers=travellers(n),
            consent=True,
        )
        if assign and member_state == "FR":
            for officer in (officers["a"], officers["b"]):
                proposal = hs.assignment_propose(
                    actor=officers["a"], request=request, officer=officer
                )
                hs.assignment_confirm(actor=officers["c"], proposal=proposal)
        if triage:
            request = hs.request_triage(actor=officers["a"], request=request, category=triage)
        request.refresh_from_db()
        return request

    return make


@pytest.fixture
def make_slot(db, staff):
    """A free published slot of a mission of ``member_state`` (by default the FR consulate
    in Tbilisi, whose local time is UTC+4), ``days`` ahead."""
    import itertools
    from datetime import timedelta

    from django.utils import timezone

    from relocard.consular.models import Mission, Slot

    numbers = itertools.count(1)

    def make(member_state: str = "FR", *, days: float = 5, city: str = "Tbilisi"):
        mission, _ = Mission.objects.get_or_create(
            member_state_id=member_state,
            kind="consulate",
            city=city,
            defaults={
                "address": "Krtsanisi 49",
                "time_zone": "Asia/Tbilisi",
                "opening_weekdays": "1,2,3,4,5,6,7",
            },
        )
        starts = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
        return Slot.objects.create(
            mission=mission,
            code=f"{starts:%Y%m%dT%H%M}-{next(numbers):02d}",
            starts_at=starts,
            published_by=staff["consular_officer"],
        )

    return make
