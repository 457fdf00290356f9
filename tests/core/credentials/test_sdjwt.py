from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from relocard.core.credentials import (
    SD,
    SdJwtError,
    SignatureError,
    StatusList,
    issue_card_vc,
    issue_sd_jwt,
    present,
    verify,
    verify_sd_jwt,
)
from relocard.core.credentials.sdjwt import Disclosure, SdJwt

from .conftest import ISSUED, URI, make_card

VCT = "https://relocard.example/credentials/relocatee-card/v1"
HOLDER = ec.generate_private_key(ec.SECP256R1())
HOLDER_JWK = ECKey.import_key(HOLDER.public_key()).as_dict()
DAY = date(2025, 6, 1)


@pytest.fixture(scope="module")
def vc(signer) -> str:
    return issue_card_vc(
        make_card(),
        signer,
        vct=VCT,
        issuer="https://relocard.example",
        issued_at=ISSUED,
        holder_jwk=HOLDER_JWK,
    )


def test_every_personal_claim_is_disclosable(vc) -> None:
    sd = SdJwt.parse(vc)
    assert sd.header["typ"] == "dc+sd-jwt"
    assert {d.key for d in sd.disclosures} == {
        "card_number",
        "family_name",
        "given_name",
        "birthdate",
        "member_state",
    }
    plain = json.dumps(sd.payload)
    for secret in ("IVANOVA", "ANNA", "1990-04-01", "FR-2025-000123"):
        assert secret not in plain
    assert len(sd.payload["_sd"]) == 5 + 2  # two decoys hide the number of claims
    assert sd.payload["cnf"]["jwk"] == HOLDER_JWK and "d" not in sd.payload["cnf"]["jwk"]


def test_selective_presentation_with_key_binding_verifies(vc, trust_list) -> None:
    shown = present(vc, {"family_name", "given_name"}, holder_key=HOLDER, nonce="n-1", aud="bank")
    result = verify(
        shown,
        trust_list=trust_list,
        status_lists={URI: StatusList(64)},
        at=DAY,
        expected_nonce="n-1",
        expected_aud="bank",
    )
    assert result.status == "valid", result.checks
    assert result.claims["family_name"] == "IVANOVA" and "date_of_birth" not in result.claims
    assert ("key_binding", True) in [(c.step, c.ok) for c in result.checks]


def test_key_binding_checks(vc, trust_list) -> None:
    shown = present(vc, {"family_name"}, holder_key=HOLDER, nonce="n-1", aud="bank")
    for kwargs in (
        {"expected_nonce": "other", "expected_aud": "bank"},
        {"expected_nonce": "n-1", "expected_aud": "shop"},
    ):
        result = verify(shown, trust_list=trust_list, at=DAY, **kwargs)
        assert result.status == "bad_signature" and result.checks[-1].step == "key_binding"
    thief = ec.generate_private_key(ec.SECP256R1())
    stolen = present(vc, {"family_name"}, holder_key=thief, nonce="n-1", aud="bank")
    assert (
        verify(
            stolen, trust_list=trust_list, at=DAY, expected_nonce="n-1", expected_aud="bank"
        ).status
        == "bad_signature"
    )
    unbound = present(vc, {"family_name"})
    result = verify(
        unbound, trust_list=trust_list, at=DAY, expected_nonce="n-1", expected_aud="bank"
    )
    assert result.status == "bad_signature"
    checks = {c.step: c.ok for c in verify(unbound, trust_list=trust_list, at=DAY).checks}
    assert checks["key_binding"] is None  # not proven, and said so


def test_adding_a_disclosure_after_binding_breaks_sd_hash(vc, trust_list) -> None:
    shown = present(vc, {"family_name"}, holder_key=HOLDER, nonce="n", aud="a")
    extra = next(d.encoded for d in SdJwt.parse(vc).disclosures if d.key == "birthdate")
    jwt, *disclosures, kb = shown.split("~")
    tampered = "~".join([jwt, *disclosures, extra, kb])
    result = verify(tampered, trust_list=trust_list, at=DAY)
    assert result.status == "bad_signature" and "sd_hash" in result.checks[-1].detail


def test_forged_disclosures_are_refused(vc, signer) -> None:
    key = signer.certificate.public_key()
    jwt = vc.split("~")[0]
    forged = Disclosure.make("family_name", "PETROVA").encoded
    with pytest.raises(SdJwtError, match="not referenced"):
        verify_sd_jwt(f"{jwt}~{forged}~", issuer_key=key)
    real = vc.split("~")[1]
    with pytest.raises(SdJwtError, match="twice"):
        verify_sd_jwt(f"{jwt}~{real}~{real}~", issuer_key=key)
    with pytest.raises(SignatureError):
        verify_sd_jwt(vc, issuer_key=ec.generate_private_key(ec.SECP256R1()).public_key())


def test_reserved_and_colliding_names(signer) -> None:
    key = signer.private_key
    with pytest.raises(SdJwtError, match="reserved"):
        issue_sd_jwt({"_sd": 1}, private_key=key)
    with pytest.raises(SdJwtError, match="not a value"):
        issue_sd_jwt({"a": SD(1)}, private_key=key)
    with pytest.raises(SdJwtError, match="claim name"):
        Disclosure.parse(base64.urlsafe_b64encode(b'["s", "_sd", 1]').decode().rstrip("="))


def test_verdicts_for_time_and_issuer(vc, trust_list, keystore) -> None:
    assert verify(vc, trust_list=trust_list, at=DAY + timedelta(days=400)).status == "expired"
    foreign = issue_card_vc(
        make_card(member_state="DE", card_number="DE-1"),
        keystore.signer("DE"),
        vct=VCT,
        issuer="x",
        issued_at=ISSUED,
    )
    assert verify(foreign, trust_list=trust_list, at=DAY).status == "status_unknown"
    lists = {URI: StatusList(64)}
    assert verify(foreign, trust_list=trust_list, status_lists=lists, at=DAY).status == "valid"
    other = issue_sd_jwt(
        {"a": 1}, private_key=keystore.signer("FR").private_key, typ="example+sd-jwt"
    )
    assert verify(other, trust_list=trust_list, at=DAY).status == "not_relocard"


@settings(max_examples=200)
@given(st.text(alphabet='abcXYZ012-_.~{}"[]:,', max_size=300))
def test_parsing_raises_only_sd_jwt_error(text) -> None:
    try:
        parsed = SdJwt.parse(text)
    except SdJwtError:
        return
    assert parsed.jwt.count(".") == 2


@settings(max_examples=200)
@given(data=st.data())
def test_mutated_presentations_never_raise(vc, trust_list, data) -> None:
    pos = data.draw(st.integers(0, len(vc) - 1))
    char = data.draw(st.sampled_from("A~.-_{"))
    mutated = vc[:pos] + char + vc[pos + 1 :]
    result = verify(mutated, trust_list=trust_list, at=DAY)
    assert result.valid is (mutated == vc) or result.status != "valid"
