"""Fixtures for checking a card: verifier organisations, cards with share codes, API keys."""

from __future__ import annotations

import itertools

import pytest

_n = itertools.count(1)


@pytest.fixture
def make_verifier(db, member_states, staff):
    """A verifier user in a new organisation of ``kind`` (approved unless said otherwise)."""
    from relocard.verification import services
    from relocard.verification.models import VerifierOrganisation

    def make(kind: str = "private_landlord", *, approved: bool = True, country: str = "FR"):
        n = next(_n)
        user = services.organisation_register(
            email=f"verifier{n}@example.test",
            password="a-long-test-password",
            name=f"Checker {n}",
            kind=kind,
            country=country,
            registration_number="" if kind == "private_landlord" else f"RCS {n}",
        )
        org = VerifierOrganisation.objects.get(memberships__user=user)
        if approved:
            services.organisation_decide(
                actor=staff["programme_admin"], organisation=org, status="approved"
            )
        return user

    return make


@pytest.fixture
def card(make_case):
    return make_case("approved").cards.select_related("applicant__user", "member_state").get()


@pytest.fixture
def make_code(card):
    """A share code (the plain text) for ``card`` or another card."""
    from relocard.verification import services

    def make(purpose: str = "rent", for_card=None):
        target = for_card or card
        _row, code = services.share_code_create(
            actor=target.applicant.user, card=target, purpose=purpose
        )
        return code

    return make


@pytest.fixture
def landlord(make_verifier):
    return make_verifier("private_landlord")


@pytest.fixture
def api_key(make_verifier):
    """(key text, verifier user) for an approved letting agent."""
    from relocard.verification import services

    user = make_verifier("letting_agent")
    _row, key = services.api_key_create(actor=user, name="Tenancy system")
    return key, user
