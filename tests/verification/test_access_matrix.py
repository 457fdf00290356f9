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
