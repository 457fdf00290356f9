"""Programme admins attach consular officers to a mission on its console page (not only the
admin site): the list of officers, adding an existing consular officer of the mission's member
state who has no mission yet, removing one after a confirmation page, moving one to another
mission of the same state. Every change is atomic and audited with the mission and the
officer's account id; nobody else reaches the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocard.accounts.models import Role
from relocard.audit.models import AuditEvent
from relocard.common import access
from relocard.common.errors import InvalidInput, NotAllowed
from relocard.consular import services as cs
from relocard.consular.models import MissionOfficer

pytestmark = pytest.mark.django_db

OFFICER_ACTIONS = ("consular.officer_added", "consular.officer_removed", "consular.officer_moved")


@pytest.fixture
def admin(make_user):
    return make_user(Role.PROGRAMME_ADMIN)


@pytest.fixture
def free_officer(make_user):
    """A French consular officer without a mission."""
    return make_user(Role.CONSULAR_OFFICER, "FR")


def _posts():
    return set(MissionOfficer.objects.values_list("user_id", "mission_id"))


def _events():
    return AuditEvent.objects.filter(action__in=OFFICER_ACTIONS)


@pytest.mark.parametrize(
    "role", ["consular_officer", "caseworker", "supervisor", "auditor", "applicant", None]
)
def test_only_programme_admins_reach_the_officer_pages(
    client, missions, staff, make_user, free_officer, role
):
    user = None if role is None else staff.get(role) or make_user(role)
    if user is not None:
        client.force_login(user)
    fr = missions["fr"]
    post = MissionOfficer.objects.get(user=missions["officer"])
    add = reverse("consular:officer_add", args=[fr.pk])
    remove = reverse("consular:officer_remove", args=[fr.pk, post.pk])
    move = reverse("consular:officer_move", args=[fr.pk, post.pk])
    before = _posts()
    expected = 302 if user is None else 404
    assert client.get(remove).status_code == expected
    assert client.get(move).status_code == expected
    assert client.post(add, {"account": free_officer.pk}).status_code == expected
    assert client.post(remove, {"confirm": "yes"}).status_code == expected
    assert client.post(move, {"mission": missions["spb"].pk}).status_code == expected
    assert _posts() == before
    assert not _events().exists()


def test_the_edit_page_lists_the_officers_and_the_accounts_that_can_be_added(
    client, missions, admin, free_officer, make_user
):
    busy_elsewhere = missions["officer_spb"]
    caseworker = make_user(Role.CASEWORKER, "FR")
    german = make_user(Role.CONSULAR_OFFICER, "DE")
    client.force_login(admin)
    page = client.get(reverse("consular:mission_edit", args=[missions["fr"].pk])).content.decode()
    officers = page.split('id="officers"')[1].split("</table>")[0]
    assert missions["officer"].email in officers
    assert busy_elsewhere.email not in officers
    choices = page.split('id="officer_account"')[1].split("</select>")[0]
    assert f'value="{free_officer.pk}"' in choices
    for other in (busy_elsewhere, caseworker, german, missions["officer"]):
        assert f'value="{other.pk}"' not in choices, other.email
    post = MissionOfficer.objects.get(user=missions["officer"])
    assert reverse("consular:officer_remove", args=[missions["fr"].pk, post.pk]) in officers
    assert reverse("consular:officer_move", args=[missions["fr"].pk, post.pk]) in officers


def test_an_admin_adds_an_officer_who_then_manages_the_mission(
    client, missions, admin, free_officer
):
    fr = missions["fr"]
    assert not access.can_manage_mission(free_officer, fr)
    client.force_login(admin)
    response = client.post(
        reverse("consular:officer_add", args=[fr.pk]), {"account": free_officer.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consular:mission_edit", args=[fr.pk])
    free_officer.refresh_from_db()
    assert access.officer_mission(free_officer) == fr
    assert access.can_manage_mission(free_officer, fr)
    event = AuditEvent.objects.get(action="consular.officer_added")
    assert event.actor_id == admin.pk and event.member_state == "FR"
    assert event.data == {"user": free_officer.pk, "mission": fr.pk}
    page = client.get(reverse("consular:mission_edit", args=[fr.pk])).content.decode()
    assert "is now an officer of" in page


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("german", "is a consular officer of DE; this mission is of FR."),
        ("caseworker", "is not an active consular officer"),
        ("applicant", "is not an active consular officer"),
        ("inactive", "is not an active consular officer"),
        ("busy", "is already an officer of FR Consulate St Petersburg"),
        ("unknown", "there is no account with this id"),
        ("garbage", "there is no account with this id"),
        ("empty", "Choose a consular officer."),
    ],
)
def test_an_account_that_cannot_be_added_is_refused_with_a_clear_error(
    client, missions, admin, make_user, who, message
):
    accounts = {
        "german": lambda: make_user(Role.CONSULAR_OFFICER, "DE").pk,
        "caseworker": lambda: make_user(Role.CASEWORKER, "FR").pk,
        "applicant": lambda: make_user(Role.APPLICANT).pk,
        "inactive": lambda: make_user(Role.CONSULAR_OFFICER, "FR", is_active=False).pk,
        "busy": lambda: missions["officer_spb"].pk,
        "unknown": lambda: 987654,
        "garbage": lambda: "1; DROP TABLE",
        "empty": lambda: "",
    }
    account = accounts[who]()
    before = _posts()
    client.force_login(admin)
    response = client.post(
        reverse("consular:officer_add", args=[missions["fr"].pk]), {"account": account}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'href="#officer_account"' in page  # the error summary leads to the field
    assert "Traceback" not in page
    assert _posts() == before
    assert not _events().exists()


def test_removing_asks_first_then_removes_and_audits(client, missions, admin):
    fr, officer = missions["fr"], missions["officer"]
    post = MissionOfficer.objects.get(user=officer)
    url = reverse("consular:officer_remove", args=[fr.pk, post.pk])
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "Remove this officer from the mission?" in page and officer.email in page
    assert 'name="confirm" value="yes"' in page
    # A POST without the confirmation shows the question again and changes nothing.
    assert client.post(url, {}).status_code == 200
    assert MissionOfficer.objects.filter(pk=post.pk).exists()
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert not MissionOfficer.objects.filter(pk=post.pk).exists()
    officer.refresh_from_db()
    assert access.officer_mission(officer) is None
    assert not access.can_manage_mission(officer, fr)
    event = AuditEvent.objects.get(action="consular.officer_removed")
    assert event.data == {"user": officer.pk, "mission": fr.pk}
    assert event.member_state == "FR" and event.actor_id == admin.pk
    # Removing again: the page is gone.
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert _events().count() == 1


def test_an_officer_of_another_mission_is_not_found_through_this_one(client, missions, admin):
    other = MissionOfficer.objects.get(user=missions["officer_spb"])
    client.force_login(admin)
    url = reverse("consular:officer_remove", args=[missions["fr"].pk, other.pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    move = reverse("consular:officer_move", args=[missions["fr"].pk, other.pk])
    assert client.get(move).status_code == 404
    assert MissionOfficer.objects.filter(pk=other.pk, mission=missions["spb"]).exists()


def test_an_officer_moves_to_another_mission_of_the_same_state(client, missions, admin):
    fr, spb, officer = missions["fr"], missions["spb"], missions["officer"]
    post = MissionOfficer.objects.get(user=officer)
    url = reverse("consular:officer_move", args=[fr.pk, post.pk])
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert f'value="{spb.pk}"' in page
    assert f'value="{missions["de"].pk}"' not in page and f'value="{fr.pk}"' not in page
    assert client.post(url, {"mission": spb.pk}).status_code == 302
    officer.refresh_from_db()
    assert access.officer_mission(officer) == spb
    event = AuditEvent.objects.get(action="consular.officer_moved")
    assert event.data == {"user": officer.pk, "mission": spb.pk, "from_mission": fr.pk}


def test_a_move_to_another_state_s_mission_is_refused(client, missions, admin):
    fr, officer = missions["fr"], missions["officer"]
    post = MissionOfficer.objects.get(user=officer)
    url = reverse("consular:officer_move", args=[fr.pk, post.pk])
    client.force_login(admin)
    response = client.post(url, {"mission": missions["de"].pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    # The service refuses it as well, with the model's own rule.
    with pytest.raises(InvalidInput, match="of their own member state"):
        cs.mission_officer_move(actor=admin, post=post, mission=missions["de"])
    with pytest.raises(InvalidInput, match="already at"):
        cs.mission_officer_move(actor=admin, post=post, mission=fr)
    assert MissionOfficer.objects.get(pk=post.pk).mission_id == fr.pk
    assert not _events().exists()


def test_the_services_refuse_everyone_but_programme_admins(missions, staff, free_officer):
    post = MissionOfficer.objects.get(user=missions["officer"])
    for actor in (missions["officer"], staff["supervisor"], staff["caseworker"]):
        with pytest.raises(NotAllowed):
            cs.mission_officer_add(actor=actor, mission=missions["fr"], account_id=free_officer.pk)
        with pytest.raises(NotAllowed):
            cs.mission_officer_remove(actor=actor, post=post)
        with pytest.raises(NotAllowed):
            cs.mission_officer_move(actor=actor, post=post, mission=missions["spb"])
    assert MissionOfficer.objects.filter(pk=post.pk, mission=missions["fr"]).exists()
    assert not MissionOfficer.objects.filter(user=free_officer).exists()
    assert not _events().exists()


def test_the_edit_page_lists_officers_in_a_fixed_number_of_queries(
    client, missions, admin, make_user, django_assert_max_num_queries
):
    client.force_login(admin)
    url = reverse("consular:mission_edit", args=[missions["fr"].pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _ in range(5):
        officer = make_user(Role.CONSULAR_OFFICER, "FR")
        MissionOfficer.objects.create(user=officer, mission=missions["fr"])
        make_user(Role.CONSULAR_OFFICER, "FR")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
