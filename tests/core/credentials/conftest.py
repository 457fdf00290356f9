"""Shared fixtures: one key directory per session (EC keys are cheap, but not free)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from relocard.core.credentials import (
    CardClaims,
    KeyStore,
    StatusRef,
    TrustList,
    build_trust_list,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
ISSUED = datetime(2025, 1, 2, 9, 30, tzinfo=UTC)
URI = "https://relocard.example/status/FR/1"


@pytest.fixture(scope="session")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("keys"))
    store.ensure_programme(now=T0)
    store.ensure_member_state("FR", now=T0)
    store.ensure_member_state("DE", now=T0)
    return store


@pytest.fixture(scope="session")
def signer(keystore: KeyStore):
    return keystore.signer("FR")


@pytest.fixture(scope="session")
def trust_list(keystore: KeyStore) -> TrustList:
    signed = build_trust_list(keystore, now=T0, valid_for=timedelta(days=3650))
    return TrustList.from_signed(signed, keystore.programme_certificate(), at=T0)


def make_card(**overrides) -> CardClaims:
    values = dict(
        card_number="FR-2025-000123",
        family_name="IVANOVA",
        given_name="ANNA MARIA",
        date_of_birth="1990-04-01",
        member_state="FR",
        valid_from=date(2025, 1, 2),
        valid_until=date(2026, 1, 1),
        status=StatusRef(17, URI),
        kind="card",
    )
    values.update(overrides)
    return CardClaims(**values)


@pytest.fixture
def card() -> CardClaims:
    return make_card()
