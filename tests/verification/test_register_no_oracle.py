"""Finding 2: the verifiers' organisation sign-up said when an address already had an account.

Now the form takes the organisation and an address, answers "check your e-mail" for every
address, and the password is chosen from the e-mailed link; an address with an account gets
the "you already have an account" note instead, and nothing is created.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from relocard.accounts.models import Role, User
from relocard.verification.emails import registration_from_token, registration_token
from relocard.verification.models import VerifierOrganisation

pytestmark = pytest.mark.django_db

DATA = {
    "kind": "letting_agent",
    "name": "Agence du Parc",
    "country": "FR",
    "registration_number": "RCS Paris 123",
}


def _page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_answer_is_the_same_for_a_staff_address_and_a_new_one(client, make_user):
    taken = make_user(Role.CASEWORKER)
    pages = []
    for email in (taken.email, "new.agent@example.test"):
        response = client.post(reverse("verification:register"), {**DATA, "email": email})
        assert response.status_code == 302
        assert response["Location"] == reverse("verification:register_sent")
        pages.append(_page(client.get(response["Location"])))
    assert pages[0] == pages[1]
    assert VerifierOrganisation.objects.count() == 0
    to_staff, to_new = mail.outbox
    assert to_staff.to == [taken.email] and "already have" in to_staff.subject
    assert "/verify/register/confirm/" not in to_staff.body
    assert to_new.to == ["new.agent@example.test"] and "/verify/register/confirm/" in to_new.body


def test_the_link_finishes_once_and_an_old_or_forged_link_does_nothing(client):
    token = registration_token("late@example.test", DATA)
    assert registration_from_token(token) == ("late@example.test", DATA)
    assert registration_from_token(token[:-2] + "xx") is None
    url = reverse("verification:register_confirm", args=[token])
    password = {"password": "a-long-agent-password", "password_again": "a-long-agent-password"}
    assert client.post(url, password)["Location"] == reverse("verification:home")
    user = User.objects.get(email="late@example.test")
    assert user.role == Role.VERIFIER
    org = VerifierOrganisation.objects.get()
    assert (org.name, org.status) == ("Agence du Parc", "pending")
    client.logout()
    again = client.post(url, password)
    assert again["Location"] == reverse("verification:sign_in")
    assert VerifierOrganisation.objects.count() == 1
    forged = reverse("verification:register_confirm", args=["not-a-token"])
    assert client.get(forged).status_code == 400


def test_the_organisation_details_are_checked_before_any_e_mail(client):
    response = client.post(
        reverse("verification:register"),
        {**DATA, "registration_number": "", "email": "a@example.test"},
    )
    assert response.status_code == 400
    assert "trade register number" in response.content.decode()
    assert mail.outbox == []
