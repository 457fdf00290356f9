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
