"""Our Token Status List against the IETF draft's examples: byte for byte, both ways."""

from __future__ import annotations

import base64
import json
import re

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from relocard.core.credentials import StatusList
from relocard.core.credentials.cose import decode_sign1
from relocard.core.credentials.statuslist import status_list_payload

from ._data import vectors_dir


def _read(name: str) -> str:
    return (vectors_dir("status-list") / name).read_text(encoding="utf-8")


def _hex(name: str) -> bytes:
    text = _read(name)
    text = text.split("encoded:")[-1]
    return bytes.fromhex(re.sub(r"\s", "", text))


def _json(name: str) -> dict:
    text = _read(name).split("encoded:")[-1]
    return json.loads(re.sub(r"\s", "", text))


def _byte_array(name: str) -> bytes:
    found = re.search(r"byte_array = \[([^\]]*)\]", _read(name))
    assert found, name
    return bytes(int(x, 16) for x in found.group(1).split(","))


# The draft's small examples, status by status (draft sections 4.1 and 4.2).
ONE_BIT = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
TWO_BITS = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


@pytest.mark.parametrize(
    ("bits", "statuses", "stem"),
    [(1, ONE_BIT, "status_list_encoding"), (2, TWO_BITS, "status_list_encoding2")],
)
def test_small_examples_encode_byte_for_byte(bits, statuses, stem) -> None:
    lst = StatusList(len(statuses), bits)
    for idx, value in enumerate(statuses):
        lst.set(idx, value)
    assert lst.to_bytes() == _byte_array(f"{stem}_json.md")
    assert lst.to_json() == _json(f"{stem}_json.md")
    assert lst.to_cbor() == _hex(f"{stem}_cbor.md")
    assert [
        StatusList.from_json(_json(f"{stem}_json.md")).get(i) for i in range(len(statuses))
    ] == statuses


@pytest.mark.parametrize(
    ("bits", "stem"),
    [
        (1, "status_list_encoding1_long"),
        (2, "status_list_encoding2_long"),
        (4, "status_list_encoding4"),
        (8, "status_list_encoding8"),
    ],
)
def test_long_examples_decode_and_reencode_byte_for_byte(bits, stem) -> None:
    from_cbor = StatusList.from_cbor(_hex(f"{stem}_cbor.md"))
    from_json = StatusList.from_json(_json(f"{stem}_json.md"))
    assert from_cbor.bits == from_json.bits == bits
    assert from_cbor == from_json
    assert from_cbor.to_cbor() == _hex(f"{stem}_cbor.md")
    assert from_json.to_json() == _json(f"{stem}_json.md")
    assert any(from_cbor.get(i) for i in range(len(from_cbor)))


def test_jwt_example_header_and_payload_are_reproduced() -> None:
    raw = re.sub(r"\s", "", _read("status_list_jwt_raw.md"))
    header_b64, payload_b64, _sig = raw.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    lst = StatusList.from_json(claims["status_list"])
    ours = dict(claims, status_list=lst.to_json())
    assert base64.urlsafe_b64encode(status_list_payload(ours)).rstrip(b"=").decode() == payload_b64
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    assert header == {"alg": "ES256", "kid": "12", "typ": "statuslist+jwt"}
    assert list(header) == ["alg", "kid", "typ"]  # our to_jwt writes the same order


def test_cwt_examples_decode_with_our_cose() -> None:
    token = decode_sign1(_hex("status_list_cwt.md"))
    assert token.protected_header[16] == "application/statuslist+cwt"
    assert token.kid == b"12" and len(token.signature) == 64
    claims = token.claims()
    assert claims[2] == "https://example.com/statuslists/1"
    assert StatusList.from_cbor(claims[65533]).to_bytes() == bytes([0xB9, 0xA3])
    referenced = decode_sign1(_hex("referenced_token_cwt.md")).claims()
    assert referenced[65535] == {
        "status_list": {"idx": 0, "uri": "https://example.com/statuslists/1"}
    }
    assert isinstance(cbor2.dumps(claims), bytes)


def test_our_jwt_is_signed_with_the_examples_claims() -> None:
    """The draft's claims signed by us verify with the public key we used (sanity)."""
    from joserfc import jws
    from joserfc.jwk import ECKey

    key = ec.generate_private_key(ec.SECP256R1())
    raw = re.sub(r"\s", "", _read("status_list_jwt_raw.md"))
    payload = base64.urlsafe_b64decode(raw.split(".")[1] + "==")
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": "12", "typ": "statuslist+jwt"}, payload, ECKey.import_key(key)
    )
    assert token.split(".")[:2] == raw.split(".")[:2]
    assert jws.deserialize_compact(token, ECKey.import_key(key.public_key())).payload == payload


def test_vectors_are_present() -> None:
    """The guard: fails (never skips) when the vectors are missing, as the other suites' do."""
    try:
        root = vectors_dir("status-list")
    except pytest.skip.Exception as missing:
        pytest.fail(str(missing), pytrace=False)
    assert (root / "status_list_jwt.md").exists()
