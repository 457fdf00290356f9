"""Private keys in files, outside any database: per member state a CA and document signers.

Layout of a key directory (0700 directories, 0600 files, PEM; PKCS#8 keys encrypted when a
passphrase is given)::

    programme/key.pem, programme/cert.pem     signs the trust list
    FR/ca-key.pem, FR/ca-cert.pem             the member state's CA (self-signed X.509)
    FR/signers/<kid-hex>-key.pem, -cert.pem   document signers (DSC) issued by the CA
    FR/signers.json                           which signer is active, retired, withdrawn
    FR/seal/key.pem, FR/seal/cert.pem         the sealing key of decision letters (PAdES),
                                              its certificate issued by the member state's CA

As in the EU DCC, the key id (kid) of a signer is the first 8 bytes of the SHA-256 of its
certificate's DER. Rotation makes a new signer active; the old one is *retired*: it signs
nothing more, but cards it signed keep verifying until it is *withdrawn* (an emergency,
with a reason, published in the next trust list). Mutations take an exclusive lock on the
directory, so that two web workers cannot create two CAs for the same member state.

Nothing here logs, and no repr shows a private key.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .cose import kid_for_certificate
from .errors import KeyStoreError
from .rc1 import EU_MEMBER_STATES

__all__ = [
    "KeyStore",
    "ProgrammeKey",
    "SealKey",
    "Signer",
    "SignerInfo",
    "SignerState",
    "kid_from_text",
    "kid_text",
]

SignerState = Literal["active", "retired", "withdrawn"]

ORGANISATION = "Relocard programme"
CA_VALIDITY = timedelta(days=3650)
SIGNER_VALIDITY = timedelta(days=3 * 365)
PROGRAMME_VALIDITY = timedelta(days=3650)
SEAL_VALIDITY = timedelta(days=3 * 365)
_HEX16 = re.compile(r"[0-9a-f]{16}")
_DATA_KEY_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def kid_text(kid: bytes) -> str:
    """The textual form of a key id used in JSON and JWS headers: base64url, no padding."""
    return base64.urlsafe_b64encode(kid).rstrip(b"=").decode("ascii")


def kid_from_text(text: str) -> bytes:
    """Parse a key id written as base64url (11 characters) or hex (16 characters)."""
    text = text.strip()
    if _HEX16.fullmatch(text.lower()):
        return bytes.fromhex(text)
    try:
        kid = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        kid = b""
    if len(kid) != 8:
        raise KeyStoreError(
            f"{text!r} is not a key id: give 16 hex digits or 11 base64url characters"
        )
    return kid


@dataclass(frozen=True, slots=True)
class Signer:
    """A document signer that may sign now: its key id, member state, certificate and key."""

    kid: bytes
    member_state: str
    certificate: x509.Certificate = field(repr=False)
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def kid_text(self) -> str:
        return kid_text(self.kid)


@dataclass(frozen=True, slots=True)
class ProgrammeKey:
    """The programme-level key that signs the trust list."""

    certificate: x509.Certificate = field(repr=False)
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)


@dataclass(frozen=True, slots=True)
class SealKey:
    """A member state's letter-sealing key, its certificate and the CA that issued it."""

    member_state: str
    certificate: x509.Certificate = field(repr=False)
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    ca_certificate: x509.Certificate = field(repr=False)

    def pem(self) -> tuple[bytes, bytes, bytes]:
        """(certificate, unencrypted PKCS#8 key, CA certificate) as PEM, for the sealer."""
        return (
            self.certificate.public_bytes(serialization.Encoding.PEM),
            self.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            self.ca_certificate.public_bytes(serialization.Encoding.PEM),
        )


@dataclass(frozen=True, slots=True)
class SignerInfo:
    """Public facts about one document signer (what the trust list publishes)."""

    kid: bytes
    member_state: str
    state: SignerState
    certificate: x509.Certificate = field(repr=False)
    created_at: datetime
    withdrawn_at: datetime | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kid": kid_text(self.kid),
            "member_state": self.member_state,
            "state": self.state,
            "created_at": self.created_at.isoformat(),
            "not_before": self.certificate.not_valid_before_utc.isoformat(),
            "not_after": self.certificate.not_valid_after_utc.isoformat(),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "reason": self.reason,
        }


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise KeyStoreError("times given to the key store must be timezone-aware")
    return now


def _name(member_state: str | None, common_name: str) -> x509.Name:
    attrs = []
    if member_state:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, member_state))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    return x509.Name(attrs)


class KeyStore:
    """Key files for the programme and each member state, in one directory.

    ``passphrase`` (bytes) encrypts every private key file; pass the same one to read them.
    """

    __slots__ = ("_passphrase", "directory")

    def __init__(self, directory: str | os.PathLike[str], *, passphrase: bytes | None = None):
        self.directory = Path(directory)
        self._passphrase = passphrase or None

    def __repr__(self) -> str:
        return f"KeyStore({str(self.directory)!r}, encrypted={self._passphrase is not None})"

    # --- files -------------------------------------------------------------------------------

    def _ensure_dir(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure_dir(self.directory)
        fd = os.open(self.directory / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, path: Path, data: bytes) -> None:
        """Write a file atomically with 0600 permissions (never readable by others)."""
        self._ensure_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyStoreError(f"{path.name} is missing from the key directory") from None
        except OSError as exc:
            raise KeyStoreError(f"cannot read {path.name}: {exc.strerror or exc}") from None

    def _write_key(self, path: Path, key: ec.EllipticCurvePrivateKey) -> None:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(self._passphrase)
            if self._passphrase
            else serialization.NoEncryption()
        )
        self._write(
            path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            ),
        )

    def _read_key(self, path: Path) -> ec.EllipticCurvePrivateKey:
        data = self._read(path)
        try:
            key = serialization.load_pem_private_key(data, password=self._passphrase)
        except (ValueError, TypeError):
            raise KeyStoreError(
                f"cannot load {path.name}: wrong or missing passphrase, or a damaged file"
            ) from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise KeyStoreError(f"{path.name} does not hold an EC key")
        return key

    def _write_cert(self, path: Path, cert: x509.Certificate) -> None:
        self._write(path, cert.public_bytes(serialization.Encoding.PEM))

    def _read_cert(self, path: Path) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(self._read(path))
        except ValueError:
            raise KeyStoreError(f"{path.name} is not a PEM certificate") from None

    def _state_path(self, code: str) -> Path:
        return self.directory / code / "signers.json"

    def _read_state(self, code: str) -> dict[str, Any]:
        path = self._state_path(code)
        if not path.exists():
            return {"active": None, "signers": {}}
        try:
            state = json.loads(self._read(path))
        except ValueError:
            raise KeyStoreError(f"{code}/signers.json is damaged (not JSON)") from None
        if not isinstance(state, dict) or not isinstance(state.get("signers"), dict):
            raise KeyStoreError(f"{code}/signers.json is damaged (unexpected shape)")
        return state

    def _write_state(self, code: str, state: dict[str, Any]) -> None:
        self._write(self._state_path(code), json.dumps(state, indent=2, sort_keys=True).encode())

    @staticmethod
    def _check_code(code: str) -> str:
        if code not in EU_MEMBER_STATES:
            raise KeyStoreError(
                f"{code!r} is not an EU member state code; use two capital letters, e.g. FR"
            )
        return code

    # --- the programme key -------------------------------------------------------------------

    def ensure_programme(self, *, now: datetime | None = None) -> ProgrammeKey:
        """The programme key and its self-signed certificate, created on first use."""
        with self._locked():
            base = self.directory / "programme"
            if not (base / "cert.pem").exists():
                key = ec.generate_private_key(ec.SECP256R1())
                start = _now(now)
                name = _name(None, "Relocard programme trust-list signer")
                cert = (
                    x509.CertificateBuilder()
                    .subject_name(name)
                    .issuer_name(name)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(start - timedelta(minutes=5))
                    .not_valid_after(start + PROGRAMME_VALIDITY)
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                    .add_extension(_usage(digital_signature=True), True)
                    .sign(key, hashes.SHA256())
                )
                self._write_key(base / "key.pem", key)
                self._write_cert(base / "cert.pem", cert)
        return self.programme()

    def programme(self) -> ProgrammeKey:
        base = self.directory / "programme"
        return ProgrammeKey(
            certificate=self._read_cert(base / "cert.pem"),
            private_key=self._read_key(base / "key.pem"),
        )

    def programme_certificate(self) -> x509.Certificate:
        """The public trust anchor that verifiers pin to check the trust list."""
        return self._read_cert(self.directory / "programme" / "cert.pem")

    # --- member states -----------------------------------------------------------------------

    def member_states(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(
            p.name
            for p in self.directory.iterdir()
            if p.name in EU_MEMBER_STATES and (p / "ca-cert.pem").exists()
        )

    def ca_certificate(self, code: str) -> x509.Certificate:
        self._check_code(code)
        path = self.directory / code / "ca-cert.pem"
        if not path.exists():
            raise KeyStoreError(
                f"no keys for member state {code}: run 'relocard credential keys init "
                f"--member-state {code}'"
            )
        return self._read_cert(path)

    def ensure_member_state(self, code: str, *, now: datetime | None = None) -> Signer:
        """Create the member state's CA and a first signer if missing; return the active one."""
        self._check_code(code)
        with self._locked():
            base = self.directory / code
            if not (base / "ca-cert.pem").exists():
                self._create_ca(code, _now(now))
            state = self._read_state(code)
            if not state.get("active"):
                self._new_signer(code, state, _now(now))
        return self.signer(code)

    def _create_ca(self, code: str, now: datetime) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(code, f"Relocard CSCA {code}")
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
            .add_extension(_usage(key_cert_sign=True, crl_sign=True), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        base = self.directory / code
        self._write_key(base / "ca-key.pem", key)
        self._write_cert(base / "ca-cert.pem", cert)

    def _new_signer(self, code: str, state: dict[str, Any], now: datetime) -> bytes:
        base = self.directory / code
        ca_key = self._read_key(base / "ca-key.pem")
        ca_cert = self._read_cert(base / "ca-cert.pem")
        key = ec.generate_private_key(ec.SECP256R1())
        number = len(state["signers"]) + 1
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(code, f"Relocard DSC {code} {number}"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(min(now + SIGNER_VALIDITY, ca_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(_usage(digital_signature=True), True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
                False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        kid = kid_for_certificate(cert)
        hexkid = kid.hex()
        self._write_key(base / "signers" / f"{hexkid}-key.pem", key)
        self._write_cert(base / "signers" / f"{hexkid}-cert.pem", cert)
        previous = state.get("active")
        if previous and previous in state["signers"]:
            state["signers"][previous]["state"] = "retired"
        state["signers"][hexkid] = {"state": "active", "created_at": now.isoformat()}
        state["active"] = hexkid
        self._write_state(code, state)
        return kid

    def rotate(self, code: str, *, now: datetime | None = None) -> bytes:
        """Make a new document signer active and return its kid; the old one is retired.

        Cards signed by the retired signer keep verifying until it is withdrawn.
        """
        self.ca_certificate(code)  # clear error if the member state has no keys yet
        with self._locked():
            return self._new_signer(code, self._read_state(code), _now(now))

    def withdraw(self, kid: bytes, reason: str, *, now: datetime | None = None) -> bytes | None:
        """Withdraw a signer at once (its cards stop verifying with the next trust list).

        When the withdrawn signer was the active one, a new signer is created so that issuing
        can go on; its kid is returned (else ``None``).
        """
        reason = " ".join((reason or "").split())
        if not reason:
            raise KeyStoreError("give a reason for withdrawing a key (it is published)")
        if len(reason) > 200:
            raise KeyStoreError("the withdrawal reason is longer than 200 characters")
        hexkid = kid.hex()
        with self._locked():
            for code in self.member_states():
                state = self._read_state(code)
                entry = state["signers"].get(hexkid)
                if entry is None:
                    continue
                if entry["state"] == "withdrawn":
                    raise KeyStoreError(f"key {kid_text(kid)} is already withdrawn")
                when = _now(now)
                entry.update(state="withdrawn", withdrawn_at=when.isoformat(), reason=reason)
                was_active = state.get("active") == hexkid
                if was_active:
                    state["active"] = None
                self._write_state(code, state)
                return self._new_signer(code, state, when) if was_active else None
        raise KeyStoreError(f"no signer with key id {kid_text(kid)} in this key directory")

    def signer(self, code: str) -> Signer:
        """The member state's active document signer (the one that signs new credentials)."""
        self.ca_certificate(code)
        state = self._read_state(code)
        hexkid = state.get("active")
        if not hexkid:
            raise KeyStoreError(
                f"member state {code} has no active signer: run 'relocard credential keys "
                f"rotate --member-state {code}'"
            )
        return self._load_signer(code, hexkid)

    def _load_signer(self, code: str, hexkid: str) -> Signer:
        base = self.directory / code / "signers"
        cert = self._read_cert(base / f"{hexkid}-cert.pem")
        kid = kid_for_certificate(cert)
        if kid.hex() != hexkid:
            raise KeyStoreError(f"{code}/signers/{hexkid}-cert.pem does not match its key id")
        return Signer(kid, code, cert, self._read_key(base / f"{hexkid}-key.pem"))

    def signers(self, code: str | None = None) -> list[SignerInfo]:
        """Every signer (of one member state, or all), oldest first."""
        out: list[SignerInfo] = []
        for ms in [self._check_code(code)] if code else self.member_states():
            state = self._read_state(ms)
            for hexkid, entry in state["signers"].items():
                cert = self._read_cert(self.directory / ms / "signers" / f"{hexkid}-cert.pem")
                out.append(
                    SignerInfo(
                        kid=bytes.fromhex(hexkid),
                        member_state=ms,
                        state=entry["state"],
                        certificate=cert,
                        created_at=datetime.fromisoformat(entry["created_at"]),
                        withdrawn_at=(
                            datetime.fromisoformat(entry["withdrawn_at"])
                            if entry.get("withdrawn_at")
                            else None
                        ),
                        reason=entry.get("reason"),
                    )
                )
        return sorted(out, key=lambda s: (s.member_state, s.created_at))

    # --- the sealing key of decision letters --------------------------------------------------

    def ensure_seal(self, code: str, *, now: datetime | None = None) -> SealKey:
        """The member state's letter-sealing key, created (with the CA if missing) on first use."""
        self._check_code(code)
        with self._locked():
            base = self.directory / code
            if not (base / "ca-cert.pem").exists():
                self._create_ca(code, _now(now))
            if not (base / "seal" / "cert.pem").exists():
                self._new_seal(code, _now(now))
        return self.seal(code)

    def rotate_seal(self, code: str, *, now: datetime | None = None) -> SealKey:
        """Replace the sealing key; letters sealed before keep their (still valid) seal."""
        self.ca_certificate(code)
        with self._locked():
            self._new_seal(code, _now(now))
        return self.seal(code)

    def _new_seal(self, code: str, now: datetime) -> None:
        base = self.directory / code
        ca_key = self._read_key(base / "ca-key.pem")
        ca_cert = self._read_cert(base / "ca-cert.pem")
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(code, f"Relocard decision letters {code}"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(min(now + SEAL_VALIDITY, ca_cert.not_valid_after_utc))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(_usage(digital_signature=True, content_commitment=True), True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
                False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(ca_key, hashes.SHA256())
        )
        self._write_key(base / "seal" / "key.pem", key)
        self._write_cert(base / "seal" / "cert.pem", cert)

    def seal(self, code: str) -> SealKey:
        """The member state's current letter-sealing key."""
        ca = self.ca_certificate(code)
        base = self.directory / code / "seal"
        if not (base / "cert.pem").exists():
            raise KeyStoreError(
                f"member state {code} has no sealing key: run 'relocard credential seal init "
                f"--member-state {code}'"
            )
        return SealKey(
            code, self._read_cert(base / "cert.pem"), self._read_key(base / "key.pem"), ca
        )

    # --- data-encryption keys (AES-256-GCM), e.g. for the humanitarian route's grounds ----------
    #
    # ``data-keys/<name>.json`` holds a named set of 256-bit keys: {"active": id, "keys": {id:
    # {"key": base64} or {"wrapped": base64, "salt": base64}}}. With a passphrase each key is
    # wrapped (AES-256-GCM under a key derived from the passphrase with scrypt), as the private
    # keys are encrypted. Rotation adds a key and makes it active; older keys stay to decrypt
    # what they encrypted. Deleting the file destroys everything encrypted under its keys.

    def _data_key_path(self, name: str) -> Path:
        if not _DATA_KEY_NAME.fullmatch(name):
            raise KeyStoreError(f"{name!r} is not a data-key name (lower-case letters, digits, -)")
        return self.directory / "data-keys" / f"{name}.json"

    def _read_data_keys(self, name: str) -> dict[str, Any]:
        path = self._data_key_path(name)
        if not path.exists():
            return {"active": None, "keys": {}}
        try:
            state = json.loads(self._read(path))
        except ValueError:
            raise KeyStoreError(f"data-keys/{name}.json is damaged (not JSON)") from None
        if not isinstance(state, dict) or not isinstance(state.get("keys"), dict):
            raise KeyStoreError(f"data-keys/{name}.json is damaged (unexpected shape)")
        return state

    def _wrapping_key(self, salt: bytes) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        assert self._passphrase is not None
        return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(self._passphrase)

    def ensure_data_key(self, name: str) -> tuple[str, bytes]:
        """The active data key of ``name`` as (key id, 32 bytes), created on first use."""
        with self._locked():
            state = self._read_data_keys(name)
            if not state.get("active"):
                self._new_data_key(name, state)
        return self._active_data_key(name)

    def rotate_data_key(self, name: str) -> str:
        """Make a new data key of ``name`` active; returns its id. Old keys still decrypt."""
        with self._locked():
            return self._new_data_key(name, self._read_data_keys(name))

    def _new_data_key(self, name: str, state: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = AESGCM.generate_key(bit_length=256)
        key_id = secrets.token_hex(8)
        if self._passphrase:
            salt = secrets.token_bytes(16)
            nonce = secrets.token_bytes(12)
            wrapped = nonce + AESGCM(self._wrapping_key(salt)).encrypt(nonce, key, name.encode())
            entry = {
                "wrapped": base64.b64encode(wrapped).decode(),
                "salt": base64.b64encode(salt).decode(),
            }
        else:
            entry = {"key": base64.b64encode(key).decode()}
        state["keys"][key_id] = entry
        state["active"] = key_id
        self._write(self._data_key_path(name), json.dumps(state, indent=2).encode())
        return key_id

    def _active_data_key(self, name: str) -> tuple[str, bytes]:
        key_id = self._read_data_keys(name).get("active")
        if not key_id:
            raise KeyStoreError(f"no data key {name!r} in this key directory")
        return key_id, self.data_key(name, key_id)

    def data_key(self, name: str, key_id: str) -> bytes:
        """The data key ``key_id`` of ``name`` (32 bytes); :class:`KeyStoreError` when it is
        missing (destroyed) or cannot be unwrapped (wrong passphrase)."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        entry = self._read_data_keys(name)["keys"].get(key_id)
        if not isinstance(entry, dict):
            raise KeyStoreError(f"data key {key_id!r} of {name!r} is not in this key directory")
        try:
            if "key" in entry:
                key = base64.b64decode(entry["key"], validate=True)
            else:
                if not self._passphrase:
                    raise KeyStoreError(f"data key {key_id!r} of {name!r} needs the passphrase")
                blob = base64.b64decode(entry["wrapped"], validate=True)
                salt = base64.b64decode(entry["salt"], validate=True)
                wrapping = AESGCM(self._wrapping_key(salt))
                key = wrapping.decrypt(blob[:12], blob[12:], name.encode())
        except (ValueError, TypeError, KeyError, InvalidTag):
            raise KeyStoreError(
                f"cannot load data key {key_id!r} of {name!r}: wrong passphrase or a damaged file"
            ) from None
        if len(key) != 32:
            raise KeyStoreError(f"data key {key_id!r} of {name!r} is damaged (not 32 bytes)")
        return key


def _usage(
    *,
    digital_signature: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
    content_commitment: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
