"""The signed trust list: every issuer a verifier may trust, downloadable by anyone.

A trust list names, per member state, its CA certificate and its document signers (DSC)
with their key ids, validity and state (active, retired, withdrawn with date and reason).
It is a compact JWS (``typ`` ``relocard-trust-list+jwt``, ES256) signed by the programme
key, whose certificate travels in ``x5c`` for convenience; verifiers *pin* the programme
certificate (the trust anchor) and pass it to :meth:`TrustList.from_signed`.

Loading checks everything once, so that verification later is a dictionary lookup: each
DSC must be signed by its member state's CA, carry that member state in its subject, and
hash to the kid it is listed under. Public keys are parsed once and cached by kid, which
the verifier's speed depends on.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from ._jose import LARGE_DOCUMENTS, low_s_jws, require_low_s_jws
from .cose import HIGH_S, kid_for_certificate
from .errors import SignatureError, TrustListError
from .keystore import KeyStore, SignerState, kid_from_text, kid_text

__all__ = [
    "TRUST_LIST_TYP",
    "IssuerEntry",
    "TrustList",
    "TrustedSigner",
    "build_trust_list",
    "load_certificate",
]

TRUST_LIST_TYP = "relocard-trust-list+jwt"
TRUST_LIST_VERSION = 1
_MAX_TRUST_LIST = 4 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise TrustListError(f"{what} is not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise TrustListError(f"{what} is not valid base64") from None


def load_certificate(data: bytes | str | x509.Certificate) -> x509.Certificate:
    """A certificate from PEM, DER or base64 DER (the forms certificates travel in)."""
    if isinstance(data, x509.Certificate):
        return data
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_certificate(raw)
        try:
            return x509.load_der_x509_certificate(raw)
        except ValueError:
            return x509.load_der_x509_certificate(base64.b64decode(raw, validate=False))
    except ValueError:
        raise TrustListError("not a certificate (expected PEM, DER or base64 DER)") from None


@dataclass(frozen=True, slots=True)
class TrustedSigner:
    """A document signer as the verifier sees it, with its public key parsed once."""

    kid: bytes
    member_state: str
    certificate: x509.Certificate = field(repr=False)
    state: SignerState = "active"
    withdrawn_at: datetime | None = None
    reason: str | None = None
    # Parsed once here: the verifier reads them for every credential.
    public_key: Any = field(init=False, repr=False, compare=False)
    not_before: datetime = field(init=False, repr=False, compare=False)
    not_after: datetime = field(init=False, repr=False, compare=False)
    kid_text: str = field(init=False, repr=False, compare=False)
    # For the verifier: whether the key is a P-256 one (ES256), and the
    # certificate's validity in epoch seconds (a datetime's timestamp() costs ~0.3 us).
    es256: bool = field(init=False, repr=False, compare=False)
    not_before_ts: float = field(init=False, repr=False, compare=False)
    not_after_ts: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kid_text", kid_text(self.kid))
        key = self.certificate.public_key()
        object.__setattr__(self, "public_key", key)
        object.__setattr__(
            self,
            "es256",
            isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1),
        )
        object.__setattr__(self, "not_before", self.certificate.not_valid_before_utc)
        object.__setattr__(self, "not_after", self.certificate.not_valid_after_utc)
        object.__setattr__(self, "not_before_ts", self.not_before.timestamp())
        object.__setattr__(self, "not_after_ts", self.not_after.timestamp())

    @property
    def withdrawn(self) -> bool:
        return self.state == "withdrawn"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kid": kid_text(self.kid),
            "certificate": _b64(self.certificate.public_bytes(serialization.Encoding.DER)),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "state": self.state,
            "withdrawn": self.withdrawn,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class IssuerEntry:
    """One member state: its CA and its document signers."""

    member_state: str
    ca_certificate: x509.Certificate | None = field(repr=False)
    signers: tuple[TrustedSigner, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "member_state": self.member_state,
            "ca_certificate": (
                _b64(self.ca_certificate.public_bytes(serialization.Encoding.DER))
                if self.ca_certificate
                else None
            ),
            "signers": [s.to_dict() for s in self.signers],
        }


@dataclass(frozen=True, slots=True)
class TrustList:
    """All trusted issuers, indexed by key id."""

    issued_at: datetime
    expires_at: datetime
    issuers: tuple[IssuerEntry, ...]
    pinned: bool = True
    programme_fingerprint: str | None = None
    _by_kid: dict[bytes, TrustedSigner] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for issuer in self.issuers:
            for signer in issuer.signers:
                self._by_kid[signer.kid] = signer

    def signer(self, kid: bytes | None) -> TrustedSigner | None:
        """The signer with this kid, withdrawn or not (the caller reports which)."""
        if kid is None:
            return None
        return self._by_kid.get(kid)

    @property
    def signers(self) -> tuple[TrustedSigner, ...]:
        return tuple(self._by_kid.values())

    def to_payload(self) -> dict[str, Any]:
        return {
            "version": TRUST_LIST_VERSION,
            "iat": int(self.issued_at.timestamp()),
            "exp": int(self.expires_at.timestamp()),
            "issuers": [i.to_dict() for i in self.issuers],
        }

    @classmethod
    def from_signers(
        cls,
        signers: Iterable[TrustedSigner],
        *,
        issued_at: datetime | None = None,
        valid_for: timedelta = timedelta(days=3650),
    ) -> TrustList:
        """An unsigned, in-memory list (tests, and verifiers that got keys elsewhere)."""
        by_ms: dict[str, list[TrustedSigner]] = {}
        for s in signers:
            by_ms.setdefault(s.member_state, []).append(s)
        start = issued_at or datetime.now(UTC)
        return cls(
            issued_at=start,
            expires_at=start + valid_for,
            issuers=tuple(IssuerEntry(ms, None, tuple(v)) for ms, v in sorted(by_ms.items())),
        )

    @classmethod
    def from_signed(
        cls,
        data: bytes | str,
        anchor: x509.Certificate | ec.EllipticCurvePublicKey | bytes | str | None,
        *,
        at: datetime | None = None,
    ) -> TrustList:
        """Check and load a signed trust list.

        ``anchor`` is the pinned programme certificate (or its public key, or PEM/DER bytes).
        With ``None`` the signature is checked against the certificate carried in the list
        itself and the result has ``pinned=False``: only acceptable when the list came over
        an authenticated channel from the programme's own site. ``at`` (default now) must
        fall before the list's expiry.
        """
        if isinstance(data, str):
            data = data.strip().encode("ascii", "replace")
        if len(data) > _MAX_TRUST_LIST:
            raise TrustListError("the trust list is larger than 4 MiB")
        try:
            header = jws.extract_compact(data.strip(), registry=LARGE_DOCUMENTS).headers()
        except (JoseError, ValueError, TypeError):
            raise TrustListError("the trust list is not a compact JWS") from None
        if header.get("typ") != TRUST_LIST_TYP or header.get("alg") != "ES256":
            raise TrustListError(
                f"not a relocard trust list (typ {header.get('typ')!r}, alg {header.get('alg')!r})"
            )
        embedded = None
        x5c = header.get("x5c")
        if isinstance(x5c, list) and x5c:
            embedded = load_certificate(_unb64(x5c[0], "x5c"))
        pinned = anchor is not None
        if anchor is None:
            if embedded is None:
                raise TrustListError("the trust list carries no certificate; give the anchor")
            anchor = embedded
        if isinstance(anchor, (bytes, str)):
            anchor = load_certificate(anchor)
        public_key = anchor.public_key() if isinstance(anchor, x509.Certificate) else anchor
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise TrustListError("the trust anchor is not an EC (P-256) key")
        try:
            token = jws.deserialize_compact(
                data.strip(), ECKey.import_key(public_key), registry=LARGE_DOCUMENTS
            )
        except (JoseError, ValueError, TypeError):
            raise TrustListError(
                "the trust list's signature does not match the programme key: do not use it"
            ) from None
        try:
            require_low_s_jws(data.strip().decode("ascii", "replace"))
        except SignatureError:
            raise TrustListError(f"the trust list's signature: {HIGH_S}: do not use it") from None
        try:
            payload = json.loads(token.payload)
        except ValueError:
            raise TrustListError("the trust list's payload is not JSON") from None
        fingerprint = None
        if isinstance(anchor, x509.Certificate):
            fingerprint = anchor.fingerprint(hashes.SHA256()).hex()
        result = cls._from_payload(payload, pinned=pinned, fingerprint=fingerprint)
        when = at or datetime.now(UTC)
        if when >= result.expires_at:
            raise TrustListError(
                f"the trust list expired at {result.expires_at.isoformat()}: download a fresh one"
            )
        return result

    @classmethod
    def _from_payload(cls, payload: Any, *, pinned: bool, fingerprint: str | None) -> TrustList:
        if not isinstance(payload, dict) or payload.get("version") != TRUST_LIST_VERSION:
            raise TrustListError("unsupported trust list version (1 expected)")
        try:
            issued_at = datetime.fromtimestamp(payload["iat"], UTC)
            expires_at = datetime.fromtimestamp(payload["exp"], UTC)
            issuers = []
            for entry in payload["issuers"]:
                ms = entry["member_state"]
                ca = load_certificate(_unb64(entry["ca_certificate"], "CA certificate"))
                signers = tuple(_load_signer(ms, ca, s) for s in entry["signers"])
                issuers.append(IssuerEntry(ms, ca, signers))
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
            raise TrustListError(f"the trust list is malformed: {exc!r}"[:200]) from None
        return cls(
            issued_at=issued_at,
            expires_at=expires_at,
            issuers=tuple(issuers),
            pinned=pinned,
            programme_fingerprint=fingerprint,
        )


def _load_signer(
    member_state: str, ca: x509.Certificate, entry: Mapping[str, Any]
) -> TrustedSigner:
    cert = load_certificate(_unb64(entry["certificate"], "signer certificate"))
    kid = kid_from_text(entry["kid"])
    if kid_for_certificate(cert) != kid:
        raise TrustListError(f"signer {entry['kid']}: the kid does not match its certificate")
    if cert.issuer != ca.subject:
        raise TrustListError(f"signer {entry['kid']} was not issued by the {member_state} CA")
    _check_issued_by(cert, ca)
    countries = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if not countries or countries[0].value != member_state:
        raise TrustListError(f"signer {entry['kid']} does not belong to {member_state}")
    state = entry.get("state", "active")
    if state not in ("active", "retired", "withdrawn"):
        raise TrustListError(f"signer {entry['kid']} has an unknown state {state!r}")
    withdrawn_at = entry.get("withdrawn_at")
    return TrustedSigner(
        kid=kid,
        member_state=member_state,
        certificate=cert,
        state=state,
        withdrawn_at=datetime.fromisoformat(withdrawn_at) if withdrawn_at else None,
        reason=entry.get("reason"),
    )


def _check_issued_by(cert: x509.Certificate, ca: x509.Certificate) -> None:
    key = ca.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            assert cert.signature_hash_algorithm is not None
            key.verify(
                cert.signature,
                cert.tbs_certificate_bytes,
                ec.ECDSA(cert.signature_hash_algorithm),
            )
        elif isinstance(key, rsa.RSAPublicKey):
            assert cert.signature_hash_algorithm is not None
            key.verify(
                cert.signature,
                cert.tbs_certificate_bytes,
                padding.PKCS1v15(),
                cert.signature_hash_algorithm,
            )
        else:
            raise TrustListError("unsupported CA key type")
    except InvalidSignature:
        raise TrustListError("a signer certificate's signature does not match its CA") from None


def build_trust_list(
    keystore: KeyStore,
    *,
    now: datetime | None = None,
    valid_for: timedelta = timedelta(days=7),
) -> str:
    """Sign the current trust list of every member state in ``keystore`` (a compact JWS).

    Publish it at a stable URL and rebuild it after every rotation or withdrawal; verifiers
    refuse it after ``valid_for`` so that a withdrawal reaches everyone within that time.
    """
    when = now or datetime.now(UTC)
    programme = keystore.ensure_programme(now=when)
    issuers = []
    for ms in keystore.member_states():
        signers = tuple(
            TrustedSigner(
                kid=s.kid,
                member_state=ms,
                certificate=s.certificate,
                state=s.state,
                withdrawn_at=s.withdrawn_at,
                reason=s.reason,
            )
            for s in keystore.signers(ms)
        )
        issuers.append(IssuerEntry(ms, keystore.ca_certificate(ms), signers))
    trust_list = TrustList(issued_at=when, expires_at=when + valid_for, issuers=tuple(issuers))
    payload = json.dumps(trust_list.to_payload(), separators=(",", ":"), sort_keys=True)
    header = {
        "alg": "ES256",
        "typ": TRUST_LIST_TYP,
        "x5c": [_b64(programme.certificate.public_bytes(serialization.Encoding.DER))],
    }
    return low_s_jws(
        jws.serialize_compact(
            header,
            payload.encode(),
            ECKey.import_key(programme.private_key),
            registry=LARGE_DOCUMENTS,
        )
    )
