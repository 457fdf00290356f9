"""Accredited organisations apply themselves: the form answers "check your e-mail" for every
address, the link proves the address, and the organisation refers nobody until programme staff
approve it (issue 15: NGOs registered and approved by programme staff, like verifiers)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from relocard.accounts.models import Role, User
from relocard.audit.models import AuditEvent
from relocard.humanitarian import services as hs
from relocard.humanitarian.emails import application_from_token, application_token
from relocard.humanitarian.models import HumanitarianRequest, ReferringOrganisation
from relocard.verification.emails import registration_token

pytestmark = pytest.mark.django_db

DATA = {"name": "Kovcheg Aid", "country": "FR", "registration_number": "W751234567"}
PASSWORD = {"password": "a-long-ngo-password", "password_again": "a-long-ngo-password"}


def _page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_answer_is_the_same_for_an_address_with_an_account_and_a_new_one(client, make_user):
    taken = make_user(Role.CASEWORKER)
    pages = []
    for email in (taken.email, "desk@kovcheg.example"):
        response = client.post(reverse("humanitarian:organisation_apply"), {**DATA, "email": email})
        assert response.status_code == 302
        assert response["Location"] == reverse("humanitarian:organisation_sent")
        pages.append(_page(client.get(response["Location"])))
    assert pages[0] == pages[1]
    assert ReferringOrganisation.objects.count() == 0
    to_taken, to_new = mail.outbox
    assert to_taken.to == [taken.email] and "already have" in to_taken.subject
    assert "/organisations/apply/confirm/" not in to_taken.body
    assert to_new.to == ["desk@kovcheg.example"]
    assert "/humanitarian/organisations/apply/confirm/" in to_new.body
    assert "Kovcheg" not in to_new.body.split("confirm/")[1]  # the link hides the details


def test_the_link_creates_a_pending_organisation_that_refers_only_once_approved(client, staff):
    url = reverse(
        "humanitarian:organisation_confirm", args=[application_token("desk@kovcheg.example", DATA)]
    )
    response = client.post(url, PASSWORD)
    assert response["Location"] == reverse("humanitarian:refer")
    user = User.objects.get(email="desk@kovcheg.example")
    org = ReferringOrganisation.objects.get()
    assert (user.role, user.member_state_id) == (Role.REFERRER, "FR")
    assert (org.name, org.country_id, org.status) == ("Kovcheg Aid", "FR", "pending")
    assert org.memberships.get().user == user
    assert AuditEvent.objects.filter(action="humanitarian.organisation_applied").count() == 1

    # Referrers sign in with a second factor: the next page sets one up.
    first = client.get(reverse("humanitarian:refer"))
    assert first.status_code == 302 and "second" in first["Location"]
    client.force_login(user)
    page = client.get(reverse("humanitarian:refer")).content.decode()
    assert "not approved yet" in page and 'name="grounds"' not in page
    assert client.post(reverse("humanitarian:refer"), {"grounds": "x"}).status_code == 400
    assert HumanitarianRequest.objects.count() == 0

    hs.referring_organisation_decide(actor=staff["programme_admin"], organisation=org, approve=True)
    assert 'name="grounds"' in client.get(reverse("humanitarian:refer")).content.decode()

    client.logout()
    again = client.post(url, PASSWORD)
    assert again["Location"] == reverse("accounts:login")
    assert ReferringOrganisation.objects.count() == 1


def test_a_forged_or_foreign_link_does_nothing(client):
    assert (
        client.get(reverse("humanitarian:organisation_confirm", args=["not-a-token"])).status_code
        == 400
    )
    # A verifier's sign-up link is no NGO's link (each purpose has its own key).
    verifier = registration_token("x@example.test", {**DATA, "kind": "bank"})
    assert application_from_token(verifier) is None
    response = client.post(reverse("humanitarian:organisation_confirm", args=[verifier]), PASSWORD)
    assert response.status_code == 400
    assert User.objects.filter(email="x@example.test").count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"registration_number": ""}, "registration number"),
        ({"name": ""}, "organisation&#x27;s name"),
        ({"country": "IT"}, "Select a valid choice"),
    ],
)
def test_the_details_are_checked_before_any_e_mail(client, change, message):
    response = client.post(
        reverse("humanitarian:organisation_apply"),
        {**DATA, **change, "email": "desk@kovcheg.example"},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert mail.outbox == [] and ReferringOrganisation.objects.count() == 0
