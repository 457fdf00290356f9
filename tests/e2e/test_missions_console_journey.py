"""Programme staff edit missions on the console in a browser (issue 14): from the case queue to
the Missions page, add a consulate (a time zone that does not exist first, refused beside its
field), then edit it (opening days, closed). Pages are checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from tests.e2e import consular_steps as steps

pytestmark = pytest.mark.django_db(transaction=True)


def test_programme_staff_add_and_edit_a_mission(journey, staff):
    from relocard.consular.models import Mission

    page = journey.page
    admin = steps.with_password(staff["programme_admin"])
    journey.sign_in(admin.email)
    page.goto("/console/")
    page.get_by_role("link", name="Missions: embassies and consulates").click()
    journey.check("missions")
    page.get_by_role("link", name="Add a mission").click()
    page.get_by_label("Member state").select_option("DE")
    page.get_by_label("Kind").select_option("consulate")
    page.get_by_label("City").fill("Yekaterinburg")
    page.get_by_label("Address").fill("Kuybysheva 44")
    page.get_by_label("Time zone").fill("Asia/Ekaterinburg-City")
    page.get_by_role("button", name="Add the mission").click()
    expect(page.locator("#id_time_zone_error")).to_contain_text("is not an IANA time zone")
    journey.check("mission-add-error")
    steps.narrow(journey, "mission-add-error")
    page.get_by_label("Time zone").fill("Asia/Yekaterinburg")
    page.get_by_role("button", name="Add the mission").click()
    expect(page.get_by_text("The mission DE Consulate Yekaterinburg is added.")).to_be_visible()
    mission = Mission.objects.get(city="Yekaterinburg")
    assert mission.time_zone == "Asia/Yekaterinburg" and mission.opening_weekdays == "1,2,3,4,5"

    page.get_by_role("link", name="Edit DE Consulate Yekaterinburg").click()
    journey.check("mission-edit")
    page.get_by_label("Friday").uncheck()
    page.get_by_label("Saturday").check()
    page.get_by_label("Active: applicants can book here").uncheck()
    page.get_by_role("button", name="Save the mission").click()
    expect(page.get_by_text("The mission DE Consulate Yekaterinburg is saved.")).to_be_visible()
    expect(page.locator("#missions")).to_contain_text("1,2,3,4,6")
    journey.check("missions-after")
    mission.refresh_from_db()
    assert mission.opening_weekdays == "1,2,3,4,6" and not mission.active


def test_programme_staff_add_and_remove_an_officer(journey, staff):
    """On the mission's edit page: adding without choosing is refused beside the field; the
    French consular officer is added, then removed after the confirmation page."""
    from relocard.audit.models import AuditEvent
    from relocard.consular import services as cs
    from relocard.consular.models import MissionOfficer

    mission = cs.mission_create(
        actor=None, member_state="FR", kind="embassy", city="Moscow",
        address="Bolshaya Yakimanka 45",
    )  # fmt: skip
    officer = staff["consular_officer"]
    page = journey.page
    admin = steps.with_password(staff["programme_admin"])
    journey.sign_in(admin.email)
    page.goto("/consular/programme/missions/")
    page.get_by_role("link", name="Edit FR Embassy Moscow").click()
    expect(page.locator("#officers")).to_contain_text("No officers yet.")
    page.get_by_role("button", name="Add the officer").click()
    expect(page.locator("#officer_account_error")).to_contain_text("Choose a consular officer.")
    journey.check("officer-add-error")
    page.get_by_label("Consular officer").select_option(str(officer.pk))
    page.get_by_role("button", name="Add the officer").click()
    expect(
        page.get_by_text(f"{officer.email} is now an officer of FR Embassy Moscow.")
    ).to_be_visible()
    expect(page.locator("#officers")).to_contain_text(officer.email)
    journey.check("mission-officers")
    steps.narrow(journey, "mission-officers")
    assert MissionOfficer.objects.filter(user=officer, mission=mission).exists()

    page.get_by_role("link", name=f"Remove {officer.email}").click()
    expect(
        page.get_by_role("heading", name="Remove this officer from the mission?")
    ).to_be_visible()
    journey.check("officer-remove")
    page.get_by_role("button", name="Yes, remove the officer").click()
    expect(
        page.get_by_text(f"{officer.email} is no longer an officer of FR Embassy Moscow.")
    ).to_be_visible()
    expect(page.locator("#officers")).to_contain_text("No officers yet.")
    assert not MissionOfficer.objects.filter(user=officer).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="consular.officer_")
        .order_by("pk")
        .values_list("action", "data")
    )
    assert actions == [
        ("consular.officer_added", {"user": officer.pk, "mission": mission.pk}),
        ("consular.officer_removed", {"user": officer.pk, "mission": mission.pk}),
    ]
