"""Programme staff add and edit missions on a console page (not only the admin site): the list,
adding, editing with clear errors (time zone against zoneinfo, opening days), every change
audited, and nobody else reaches the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocard.accounts.models import Role
from relocard.audit.models import AuditEvent
from relocard.common.errors import InvalidInput, NotAllowed
from relocard.consular import services as cs
from relocard.consular.models import Mission

pytestmark = pytest.mark.django_db

FORM = {
    "member_state": "DE",
    "kind": "consulate",
    "city": "Yekaterinburg",
    "address": "Kuybysheva 44",
    "time_zone": "Asia/Yekaterinburg",
    "opening_weekdays": ["1", "3", "5"],
    "active": "on",
}


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROGRAMME_ADMIN)


@pytest.mark.parametrize(
    "role", ["consular_officer", "caseworker", "supervisor", "auditor", "applicant", None]
)
def test_only_programme_staff_reach_the_mission_pages(client, missions, staff, make_user, role):
    user = None if role is None else staff.get(role) or make_user(role)
    if user is not None:
        client.force_login(user)
    for url in (
        reverse("consular:missions_manage"),
        reverse("consular:mission_add"),
        reverse("consular:mission_edit", args=[missions["fr"].pk]),
    ):
        assert client.get(url).status_code in (302, 404), url
    response = client.post(reverse("consular:mission_add"), FORM)
    assert response.status_code in (302, 404)
    response = client.post(
        reverse("consular:mission_edit", args=[missions["fr"].pk]),
        {**FORM, "city": "Kazan"},
    )
    assert not Mission.objects.filter(city__in=["Yekaterinburg", "Kazan"]).exists()


def test_programme_staff_list_add_and_edit(client, missions, admin):
    client.force_login(admin)
    queue = client.get(reverse("console:queue")).content.decode()
    assert reverse("consular:missions_manage") in queue
    page = client.get(reverse("consular:missions_manage")).content.decode()
    assert "FR Embassy Moscow" in page and "DE Embassy Moscow" in page
    response = client.post(reverse("consular:mission_add"), FORM)
    assert response.status_code == 302
    added = Mission.objects.get(city="Yekaterinburg")
    assert (added.member_state_id, added.kind, added.opening_weekdays) == (
        "DE",
        "consulate",
        "1,3,5",
    )
    assert added.time_zone == "Asia/Yekaterinburg" and added.active
    assert AuditEvent.objects.filter(action="consular.mission_added", actor=admin).exists()

    url = reverse("consular:mission_edit", args=[added.pk])
    page = client.get(url).content.decode()
    assert "Kuybysheva 44" in page
    edit = {**FORM, "address": "Kuybysheva 46", "opening_weekdays": ["2", "4"]}
    del edit["active"]
    assert client.post(url, edit).status_code == 302
    added.refresh_from_db()
    assert (added.address, added.opening_weekdays, added.active) == ("Kuybysheva 46", "2,4", False)
    event = AuditEvent.objects.get(action="consular.mission_changed")
    assert event.data["fields"] == ["active", "address", "opening_weekdays"]
    assert event.member_state == "DE"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time_zone": "Europe/Atlantis"}, "“Europe/Atlantis” is not an IANA time zone"),
        ({"time_zone": ""}, "Fill in “Time zone”."),
        ({"opening_weekdays": []}, "Choose at least one opening day."),
        ({"opening_weekdays": ["8"]}, "Select a valid choice"),
        ({"city": "   "}, "Fill in “City”."),
    ],
)
def test_a_bad_edit_says_why_and_changes_nothing(client, missions, admin, change, message):
    client.force_login(admin)
    mission = missions["fr"]
    url = reverse("consular:mission_edit", args=[mission.pk])
    before = Mission.objects.filter(pk=mission.pk).values().get()
    response = client.post(url, {**FORM, "city": "Moscow", **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Mission.objects.filter(pk=mission.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="consular.mission_changed").exists()


def test_a_second_mission_of_the_same_kind_in_a_city_is_refused(client, missions, admin):
    client.force_login(admin)
    form = {**FORM, "member_state": "FR", "kind": "embassy", "city": "Moscow"}
    response = client.post(reverse("consular:mission_add"), form)
    assert response.status_code == 400
    assert Mission.objects.filter(member_state_id="FR", kind="embassy").count() == 1


def test_the_service_refuses_others_and_unknown_fields(missions, admin):
    with pytest.raises(NotAllowed):
        cs.mission_update(actor=missions["officer"], mission=missions["fr"], city="Kazan")
    with pytest.raises(InvalidInput):
        cs.mission_update(actor=admin, mission=missions["fr"], member_state_id="DE")
    with pytest.raises(InvalidInput):
        cs.mission_update(actor=admin, mission=missions["fr"], time_zone="Mars/Olympus")
    missions["fr"].refresh_from_db()
    assert missions["fr"].city == "Moscow" and missions["fr"].time_zone == "Europe/Moscow"
    cs.mission_update(actor=admin, mission=missions["fr"], city="Moscow")  # no change: no event
    assert not AuditEvent.objects.filter(action="consular.mission_changed").exists()
