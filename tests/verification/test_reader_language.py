"""A check's result names the member state in the reader's language, never its code."""

from __future__ import annotations

import pytest
from django.urls import reverse

RU = {"accept-language": "ru"}


@pytest.mark.django_db
def test_a_check_result_names_the_member_state_in_the_readers_language(
    client, make_case, make_verifier
):
    from relocard.verification import services

    card = make_case("approved").cards.get()
    _row, code = services.share_code_create(actor=card.applicant.user, card=card, purpose="rent")
    landlord = make_verifier("private_landlord")
    client.force_login(landlord)
    client.cookies["relocard_language"] = "ru"  # the reader's choice
    r = client.post(
        reverse("verification:check_code"),
        {"code": code, "date_of_birth": card.applicant.date_of_birth.isoformat(),
         "reason": "Tenancy application"},
        headers=RU,
    )  # fmt: skip
    html = client.get(r["Location"], headers=RU).content.decode()
    assert "Да, в стране Франция" in html and "в стране FR" not in html
    assert "<dd>Франция</dd>" in html
