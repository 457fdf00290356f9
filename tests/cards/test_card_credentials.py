"""Cards in the platform: signed on approval, printable, suspended and revoked with four eyes."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from relocard.cards import credentials as creds
from relocard.cards import services as card_services
from relocard.cards.models import CardCredential
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.core.credentials import TrustList, status_list_from_jwt, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(make_case):
    app = make_case("approved")
    return app.cards.get()


def test_approval_signs_the_qr_and_the_wallet_credential(card):
    formats = set(CardCredential.objects.filter(card=card).values_list("format", flat=True))
    assert formats == {"rc1", "sd_jwt_vc"}
    rc1 = creds.latest(card, "rc1")
    assert rc1.payload.startswith("RC1:")
    result = creds.verify_payload(rc1.payload)
    assert result.valid and result.status == "valid", result.to_dict()
    claims = result.claims
    assert claims["card_number"] == card.number
    assert claims["family_name"] == card.applicant.surname_latin
    # Minimal: no passport number, no Cyrillic name, nothing from the evidence.
    flat = json.dumps(claims, ensure_ascii=False)
    assert (
        card.applicant.passport_number not in flat and card.applicant.surname_cyrillic not in flat
    )


def test_wallet_credential_verifies(card):
    vc = creds.latest(card, "sd_jwt_vc").payload
    trust, lists = creds.verifier_lists()
    result = verify(vc, trust_list=trust, status_lists=lists)
    assert result.valid, result.to_dict()


def _suspend(card, staff, action="suspend"):
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action=action, reason="Pending an investigation."
    )
    return card_services.card_status_confirm(actor=staff["supervisor"], change=change)


@pytest.mark.parametrize(("action", "status"), [("suspend", "suspended"), ("revoke", "revoked")])
def test_status_change_reaches_the_next_status_list(card, staff, action, status):
    payload = creds.latest(card, "rc1").payload
    assert creds.verify_payload(payload).status == "valid"
    _suspend(card, staff, action)
    result = creds.verify_payload(payload)
    assert not result.valid and result.status == status


def test_reinstatement_makes_the_card_valid_again(card, staff):
    payload = creds.latest(card, "rc1").payload
    _suspend(card, staff)
    change = card_services.card_status_propose(
        actor=staff["caseworker"], card=card, action="reinstate", reason="Investigation closed."
    )
    card_services.card_status_confirm(actor=staff["supervisor"], change=change)
    assert creds.verify_payload(payload).status == "valid"


def test_one_states_list_version_is_its_entry_of_all_versions(card, staff):
    """The public list's request path reads one state's version; it must be the entry that the
    publishing run computes for all states, before and after a change, or a cached list would
    outlive a revocation."""
    ms = card.member_state_id

    def one_and_all():
        return creds._status_version(ms), creds._status_versions().get(ms, "0")

    before = one_and_all()
    assert before[0] == before[1]
    assert creds._status_version("ZZ") == "0"
    _suspend(card, staff, "revoke")
    after = one_and_all()
    assert after[0] == after[1] != before[0]


def test_card_changes_need_four_eyes_and_a_reason(card, staff):
    with pytest.raises(InvalidInput):
        card_services.card_status_propose(
            actor=staff["caseworker"], card=card, action="revoke", reason=" "
        )
    change = card_services.card_status_propose(
        actor=staff["supervisor"], card=card, action="revoke", reason="Fraud."
    )
    with pytest.raises(NotAllowed):
        card_services.card_status_confirm(actor=staff["supervisor"], change=change)  # own proposal
    with pytest.raises(NotAllowed):
        card_services.card_status_confirm(actor=staff["caseworker"], change=change)
    with pytest.raises(NotAllowed):
        card_services.card_status_confirm(actor=staff["supervisor_de"], change=change)
    with pytest.raises(InvalidState):
        card_services.card_status_propose(
            actor=staff["caseworker"], card=card, action="suspend", reason="x"
        )
    card.refresh_from_db()
    assert card.status == "active"


def test_public_lists_verify_offline(client, card, staff):
    _suspend(card, staff)
    anchor_pem = client.get(reverse("cards:trust_anchor")).content
    from cryptography import x509

    anchor = x509.load_pem_x509_certificate(anchor_pem)
    trust = TrustList.from_signed(client.get(reverse("cards:trust_list")).content.decode(), anchor)
    response = client.get(reverse("cards:status_list", args=["FR", "1"]))
    assert response["Content-Type"] == "application/statuslist+jwt"
    assert response["Cache-Control"] == f"public, max-age={creds.STATUS_LIST_CACHE_SECONDS}"
    token = status_list_from_jwt(response.content.decode(), trust.signer)
    result = verify(creds.latest(card, "rc1").payload, trust_list=trust, status_lists=[token])
    assert result.status == "suspended"
    assert client.get(reverse("cards:status_list", args=["AT", "1"])).status_code == 404
    assert client.get(reverse("cards:status_list", args=["FR", "2"])).status_code == 404


def test_holder_downloads_pdf_whose_qr_verifies(client, card):
    import pypdfium2
    import zxingcpp

    client.force_login(card.applicant.user)
    for size in ("a4", "id1"):
        response = client.get(
            reverse("portal:card_pdf", args=[card.application.reference, card.pk, size])
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        page = pypdfium2.PdfDocument(response.content)[0]
        image = page.render(scale=4).to_pil()
        # One symbol on the page, whatever the decoder reports twice (it scans several scales).
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        (text,) = {barcode.text for barcode in found}
        assert creds.verify_payload(text).valid


def test_bound_wallet_credential_and_refused_private_key(client, card):
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import ECKey

    client.force_login(card.applicant.user)
    url = reverse("portal:card", args=[card.application.reference, card.pk])
    key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
    public = key.as_dict(private=False)
    response = client.post(url, {"jwk": json.dumps(public)})
    assert response.status_code == 200 and response["Content-Type"] == "application/dc+sd-jwt"
    assert "cnf" in _payload(response.content.decode())
    refused = client.post(url, {"jwk": json.dumps(key.as_dict(private=True))})
    assert refused.status_code == 400 and "private key" in refused.content.decode()
    assert client.post(url, {"jwk": "{nope"}).status_code == 400


def _payload(sd_jwt: str) -> dict:
    import base64

    body = sd_jwt.split("~")[0].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_other_people_cannot_fetch_a_card(client, card, make_applicant, staff):
    url = reverse("portal:card_pdf", args=[card.application.reference, card.pk, "a4"])
    client.force_login(make_applicant().user)
    assert client.get(url).status_code == 404
    client.force_login(staff["caseworker"])
    assert (
        client.get(url).status_code == 404
    )  # staff see cards in the console, not holders' downloads


def test_console_card_actions_over_http(client, card, staff):
    ref = card.application.reference
    client.force_login(staff["caseworker"])
    client.post(
        reverse("console:card_action", args=[ref, card.pk]),
        {"action": "revoke", "reason": "Fraud."},
    )
    change = card.status_changes.get()
    client.force_login(staff["supervisor"])
    html = client.get(reverse("console:case", args=[ref])).content.decode()
    assert "Fraud." in html
    client.post(reverse("console:card_action_decide", args=[ref, card.pk, change.pk, "confirm"]))
    card.refresh_from_db()
    assert card.status == "revoked"
