from __future__ import annotations

import json
import stat
from datetime import timedelta

import pytest

from relocard.core.credentials import (
    KeyStore,
    KeyStoreError,
    TrustList,
    TrustListError,
    build_trust_list,
    kid_from_text,
    kid_text,
)
from relocard.core.credentials.cose import kid_for_certificate

from .conftest import T0


def test_files_are_private_and_nothing_secret_is_shown(keystore: KeyStore) -> None:
    for path in keystore.directory.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    signer = keystore.signer("FR")
    assert "PRIVATE" not in repr(signer) and "private_key" not in repr(signer)
    pem = (keystore.directory / "FR" / "ca-key.pem").read_text()
    assert "BEGIN" not in repr(keystore) + repr(signer) and pem[40:80] not in repr(signer)
    assert kid_for_certificate(signer.certificate) == signer.kid


def test_kid_text_round_trips_both_forms() -> None:
    kid = bytes(range(8))
    assert kid_from_text(kid_text(kid)) == kid
    assert kid_from_text(kid.hex()) == kid
    with pytest.raises(KeyStoreError, match="not a key id"):
        kid_from_text("nope")


def test_rotate_and_withdraw(tmp_path) -> None:
    store = KeyStore(tmp_path)
    first = store.ensure_member_state("PL", now=T0)
    assert store.ensure_member_state("PL", now=T0).kid == first.kid  # idempotent
    second = store.rotate("PL", now=T0)
    states = {s.kid: s.state for s in store.signers("PL")}
    assert states == {first.kid: "retired", second: "active"}
    assert store.withdraw(first.kid, "lost laptop", now=T0) is None
    replacement = store.withdraw(second, "compromise", now=T0)
    assert replacement is not None and store.signer("PL").kid == replacement
    with pytest.raises(KeyStoreError, match="already withdrawn"):
        store.withdraw(first.kid, "again")
    with pytest.raises(KeyStoreError, match="give a reason"):
        store.withdraw(replacement, "  ")
    with pytest.raises(KeyStoreError, match="no signer"):
        store.withdraw(b"\x00" * 8, "unknown")


def test_unknown_member_state_and_missing_keys(tmp_path) -> None:
    store = KeyStore(tmp_path)
    with pytest.raises(KeyStoreError, match="not an EU member state"):
        store.ensure_member_state("RU")
    with pytest.raises(KeyStoreError, match="keys init"):
        store.signer("FR")
    with pytest.raises(KeyStoreError, match="keys init"):
        store.rotate("CY")


def test_encrypted_keys_need_the_passphrase(tmp_path) -> None:
    KeyStore(tmp_path, passphrase=b"correct horse").ensure_member_state("CY", now=T0)
    assert b"ENCRYPTED" in next((tmp_path / "CY" / "signers").glob("*-key.pem")).read_bytes()
    with pytest.raises(KeyStoreError, match="passphrase"):
        KeyStore(tmp_path).signer("CY")
    with pytest.raises(KeyStoreError, match="passphrase"):
        KeyStore(tmp_path, passphrase=b"wrong").signer("CY")
    assert KeyStore(tmp_path, passphrase=b"correct horse").signer("CY").member_state == "CY"


def test_damaged_state_file_is_reported(tmp_path) -> None:
    store = KeyStore(tmp_path)
    store.ensure_member_state("FR", now=T0)
    (tmp_path / "FR" / "signers.json").write_text("{")
    with pytest.raises(KeyStoreError, match="damaged"):
        store.signer("FR")


def test_trust_list_round_trip_and_pinning(keystore: KeyStore, tmp_path) -> None:
    signed = build_trust_list(keystore, now=T0)
    tl = TrustList.from_signed(signed, keystore.programme_certificate(), at=T0)
    assert tl.pinned and {i.member_state for i in tl.issuers} == {"FR", "DE"}
    assert tl.signer(keystore.signer("FR").kid).member_state == "FR"
    assert tl.signer(b"\x00" * 8) is None
    unpinned = TrustList.from_signed(signed, None, at=T0)
    assert not unpinned.pinned and len(unpinned.signers) == len(tl.signers)
    stranger = KeyStore(tmp_path).ensure_programme(now=T0).certificate
    with pytest.raises(TrustListError, match="does not match the programme key"):
        TrustList.from_signed(signed, stranger, at=T0)
    with pytest.raises(TrustListError, match="expired"):
        TrustList.from_signed(signed, None, at=T0 + timedelta(days=8))


def test_a_tampered_trust_list_is_refused(keystore: KeyStore) -> None:
    import base64

    header, payload, sig = build_trust_list(keystore, now=T0).split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["exp"] += 10**6
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with pytest.raises(TrustListError, match="signature"):
        TrustList.from_signed(f"{header}.{forged}.{sig}", keystore.programme_certificate(), at=T0)
    for junk in ("", "a.b", "not a jws at all", "x" * 10):
        with pytest.raises(TrustListError):
            TrustList.from_signed(junk, keystore.programme_certificate(), at=T0)


def test_a_signer_not_issued_by_its_ca_is_refused(keystore: KeyStore, tmp_path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from relocard.core.credentials.trust import _b64, _load_signer

    other = KeyStore(tmp_path).ensure_member_state("FR", now=T0)
    entry = {
        "kid": kid_text(other.kid),
        "certificate": _b64(other.certificate.public_bytes(Encoding.DER)),
    }
    with pytest.raises(TrustListError, match=r"not issued by the FR CA|does not match its CA"):
        _load_signer("FR", keystore.ca_certificate("FR"), entry)
    entry["kid"] = kid_text(b"\x01" * 8)
    with pytest.raises(TrustListError, match="does not match"):
        _load_signer("FR", keystore.ca_certificate("FR"), entry)
