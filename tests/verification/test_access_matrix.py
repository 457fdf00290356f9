"""Who may open which page of checking a card: every view x every kind of user.

"Sees" means the page renders (not 404, 403 or a redirect to sign in). Organisations' pages
are for their own people; a holder's codes are theirs alone; approving is for programme admins.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocard.verification.models import CardCheck, ShareCode

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "holder",
    "other_applicant",
    "caseworker",
    "programme_admin",
    "verifier",
    "verifier_pending",
    "verifier_other_org",
]


@pytest.fixture
def world(card, make_code, landlord, make_verifier, make_applicant, staff):
    from relocard.verification import services
    from relocard.verification.models import VerifierOrganisation

    code = make_code("rent")
    services.check_by_share_code(
        organisation=VerifierOrganisation.objects.get(memberships__user=landlord),
        user=landlord,
        code=code,
        date_of_birth=card.applicant.date_of_birth,
        reason="Flat",
    )
    return {
        "anonymous": None,
        "holder": card.applicant.user,
        "other_applicant": make_applicant().user,
        "caseworker": staff["caseworker"],
        "programme_admin": staff["programme_admin"],
        "verifier": landlord,
        "verifier_pending": make_verifier(approved=False),
        "verifier_other_org": make_verifier(),
        "check": CardCheck.objects.get(),
        "share_code": ShareCode.objects.get(),
    }


PAGES = {
    "verification:share_codes": {"holder", "other_applicant"},
    "verification:share_code_new": {"holder"},  # others have no valid card: sent back
    "verification:home": {"verifier", "verifier_pending", "verifier_other_org"},
    "verification:check_code": {"verifier", "verifier_other_org"},
    "verification:check_qr": {"verifier", "verifier_other_org"},
    "verification:checks": {"verifier", "verifier_pending", "verifier_other_org"},
    "verification:check": {"verifier"},
    "verification:check_record": {"verifier"},
    "verification:organisation": {"verifier", "verifier_pending", "verifier_other_org"},
    "verification:organisations": {"programme_admin"},
    "verification:confirm": set(ROLES),
    "verification:register": {"anonymous"},
}


def _url(view, world):
    if view in ("verification:check", "verification:check_record"):
        return reverse(view, args=[world["check"].check_id])
    return reverse(view)


def _sees(response) -> bool:
    return response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(PAGES))
def test_page_visibility(client, world, view, role):
    user = world[role]
    if user is not None:
        client.force_login(user)
    response = client.get(_url(view, world))
    assert _sees(response) == (role in PAGES[view]), response.status_code
    if role not in PAGES[view]:
        assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_holder_revokes_their_code(client, world, role):
    user = world[role]
    if user is not None:
        client.force_login(user)
    client.post(reverse("verification:share_code_revoke", args=[world["share_code"].pk]))
    world["share_code"].refresh_from_db()
    assert (world["share_code"].revoked_at is not None) == (role == "holder")


@pytest.mark.parametrize("role", ROLES)
def test_only_programme_admins_approve(client, world, role):
    from relocard.verification.models import VerifierOrganisation

    org = VerifierOrganisation.objects.get(memberships__user=world["verifier_pending"])
    user = world[role]
    if user is not None:
        client.force_login(user)
    client.post(reverse("verification:organisation_decide", args=[org.pk]), {"status": "approved"})
    org.refresh_from_db()
    assert (org.status == "approved") == (role == "programme_admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_people_of_an_approved_organisation_check(client, world, role):
    user = world[role]
    if user is not None:
        client.force_login(user)
    before = CardCheck.objects.count()
    client.post(
        reverse("verification:check_code"),
        {"code": "R12345678", "date_of_birth": "1990-01-01", "reason": "x"},
    )
    made = CardCheck.objects.count() - before
    assert made == (1 if role in ("verifier", "verifier_other_org") else 0)


# --- the access functions of checking a card (relocard.common.access), role by role ---------


@pytest.fixture
def keys(world, make_verifier, staff):
    """API keys: the verifier's organisation's (live and revoked), another's, a suspended
    organisation's."""
    from relocard.verification import services
    from relocard.verification.models import VerifierOrganisation

    live, _ = services.api_key_create(actor=world["verifier"], name="Live")
    revoked, _ = services.api_key_create(actor=world["verifier"], name="Revoked")
    revoked = services.api_key_revoke(actor=world["verifier"], api_key=revoked)
    other, _ = services.api_key_create(actor=world["verifier_other_org"], name="Other")
    suspended_user = make_verifier()
    suspended, _ = services.api_key_create(actor=suspended_user, name="Suspended")
    services.organisation_decide(
        actor=staff["programme_admin"],
        organisation=VerifierOrganisation.objects.get(memberships__user=suspended_user),
        status="suspended",
    )
    suspended.refresh_from_db()
    return {"live": live, "revoked": revoked, "other": other, "suspended": suspended}


def _org(user):
    from relocard.verification.models import VerifierOrganisation

    return VerifierOrganisation.objects.get(memberships__user=user)


@pytest.mark.parametrize("role", ROLES)
def test_who_checks_for_an_organisation(world, role):
    from relocard.common import access
    from relocard.common.errors import NotAllowed

    for owner in ("verifier", "verifier_pending"):
        organisation = _org(world[owner])
        allowed = role == owner and owner == "verifier"
        if allowed:
            access.require_checker(organisation, user=world[role])
        else:
            with pytest.raises(NotAllowed):
                access.require_checker(organisation, user=world[role])


@pytest.mark.parametrize(
    ("key", "allowed"),
    [("live", True), ("revoked", False), ("other", False), ("suspended", False)],
)
def test_which_key_checks_for_an_organisation(world, keys, key, allowed):
    from relocard.common import access
    from relocard.common.errors import NotAllowed

    api_key = keys[key]
    organisation = api_key.organisation if key == "suspended" else _org(world["verifier"])
    if allowed:
        access.require_checker(organisation, api_key=api_key)
    else:
        with pytest.raises(NotAllowed):
            access.require_checker(organisation, api_key=api_key)
    # A key speaks for its organisation only, whoever the person beside it is.
    with pytest.raises(NotAllowed):
        access.require_checker(_org(world["verifier_other_org"]), api_key=keys["live"])


@pytest.mark.parametrize("key", ["live", "revoked", "other"])
def test_a_key_reads_its_organisations_checks_only(world, keys, key):
    from django.http import Http404

    from relocard.common import access

    check = world["check"]
    if key == "live":
        assert access.get_key_check(keys[key], check.check_id) == check
        assert list(access.key_checks(keys[key])) == [check]
    else:
        with pytest.raises(Http404):
            access.get_key_check(keys[key], check.check_id)
        assert not access.key_checks(keys[key]).exists()


@pytest.mark.parametrize("role", ROLES)
def test_whose_cards_are_shared(world, role):
    from relocard.common import access

    cards = list(access.holder_cards(world[role]))
    assert bool(cards) == (role == "holder")
    assert all(card.applicant.user_id == world["holder"].pk for card in cards)


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_an_organisations_people_and_keys(world, keys, role):
    from relocard.common import access

    members = list(access.organisation_members(world[role]))
    api_keys = list(access.organisation_api_keys(world[role]))
    verifiers = {"verifier", "verifier_pending", "verifier_other_org"}
    assert bool(members) == (role in verifiers)
    if role in verifiers:
        organisation = _org(world[role])
        assert {m.organisation_id for m in members} == {organisation.pk}
        assert {k.organisation_id for k in api_keys} <= {organisation.pk}
    assert bool(api_keys) == (role in {"verifier", "verifier_other_org"})


@pytest.mark.parametrize("role", ROLES)
def test_only_the_manager_revokes_their_organisations_keys(client, world, keys, role):
    from relocard.verification.models import ApiKey

    user = world[role]
    if user is not None:
        client.force_login(user)
    response = client.post(reverse("verification:api_key_revoke", args=[keys["live"].pk]))
    revoked = ApiKey.objects.get(pk=keys["live"].pk).revoked_at is not None
    assert revoked == (role == "verifier")
    if role != "verifier":
        assert response.status_code in (302, 404)


def test_a_colleague_who_does_not_manage_revokes_nothing(client, world, keys):
    from relocard.common import access
    from relocard.verification import services
    from relocard.verification.models import ApiKey

    colleague = services.member_add(actor=world["verifier"], email="colleague@example.test")
    assert not access.can_manage_organisation(colleague)
    client.force_login(colleague)
    response = client.post(reverse("verification:api_key_revoke", args=[keys["live"].pk]))
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=keys["live"].pk).revoked_at is None


@pytest.mark.parametrize("role", ROLES)
def test_who_lists_and_fetches_organisations_to_decide(world, role):
    from django.http import Http404

    from relocard.common import access

    organisation = _org(world["verifier_pending"])
    listed = access.organisations_to_decide(world[role])
    assert listed.filter(pk=organisation.pk).exists() == (role == "programme_admin")
    if role == "programme_admin":
        assert access.get_organisation_to_decide(world[role], organisation.pk) == organisation
    else:
        with pytest.raises(Http404):
            access.get_organisation_to_decide(world[role], organisation.pk)


def test_pages_and_api_fetch_objects_only_through_access_and_selectors():
    """No query of their own in the verification views and API (`.objects.`): every object
    comes from relocard.common.access or relocard.verification.selectors."""
    import pathlib

    import relocard.verification

    package = pathlib.Path(relocard.verification.__file__).parent
    for name in ("views.py", "api.py"):
        text = (package / name).read_text()
        assert ".objects." not in text, name
