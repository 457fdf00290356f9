"""The one verifier: an ``RC1:`` QR payload or an SD-JWT VC presentation in, a verdict out.

:func:`verify` never raises. It runs the layers in order and records one check per layer,
so that a failure names its own layer: bad prefix, bad Base45, bad zlib data, bad CBOR, a
malformed COSE message, an unknown or withdrawn key id, a bad signature, malformed claims,
expiry (or not yet valid), and revocation or suspension. The verdict's ``status`` is one of

    valid | revoked | suspended | expired | not_yet_valid | unknown_issuer |
    bad_signature | malformed

and ``claims`` are only filled in once the signature holds: unauthenticated data is never
shown as if it were the card's. A check's ``ok`` is ``None`` when it could not be made
(no status list given, or a stale one): the verdict then rests on the other checks and the
detail says what to fetch.

``at`` is a datetime (an instant) or a date (a whole day, UTC): a card is valid on a day
when it is valid at some moment of that day.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from . import base45
from .cose import CWT_IAT, decode_sign1, verify_sign1
from .errors import ClaimsError, CredentialError, EncodingError, SdJwtError, SignatureError
from .keystore import kid_from_text, kid_text
from .rc1 import MAX_INFLATED_BYTES, MAX_PAYLOAD_CHARS, PREFIX, StatusRef, card_from_cwt
from .sdjwt import (
    SD_JWT_VC_TYP,
    SdJwt,
    unpack_claims,
    verify_issuer_signature,
    verify_key_binding,
)
from .statuslist import INVALID, SUSPENDED, VALID, StatusList, StatusListToken
from .trust import TrustedSigner, TrustList

__all__ = ["STATUSES", "Check", "Status", "Verification", "verify"]

Status = Literal[
    "valid",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "unknown_issuer",
    "bad_signature",
    "malformed",
]
STATUSES: tuple[str, ...] = (
    "valid",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "unknown_issuer",
    "bad_signature",
    "malformed",
)

StatusLists = Iterable[StatusListToken] | Mapping[str, StatusListToken | StatusList] | None


@dataclass(frozen=True, slots=True)
class Check:
    """One layer's outcome: ``ok`` True, False, or None when it could not be checked."""

    step: str
    ok: bool | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on one credential."""

    valid: bool
    status: Status
    claims: dict[str, Any]
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        """Exactly the CLI's JSON: ``valid``, ``status``, ``claims``, ``checks``."""
        return {
            "valid": self.valid,
            "status": self.status,
            "claims": self.claims,
            "checks": [c.to_dict() for c in self.checks],
        }


class _Run:
    """Accumulates checks; ``fail`` ends the run with a verdict."""

    __slots__ = ("checks", "claims")

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.claims: dict[str, Any] = {}

    def ok(self, step: str, detail: str) -> None:
        self.checks.append(Check(step, True, detail))

    def skip(self, step: str, detail: str) -> None:
        self.checks.append(Check(step, None, detail))

    def fail(self, step: str, detail: str, status: Status) -> Verification:
        self.checks.append(Check(step, False, detail))
        return Verification(False, status, self.claims, tuple(self.checks))

    def done(self, status: Status = "valid") -> Verification:
        return Verification(status == "valid", status, self.claims, tuple(self.checks))


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _day_start(day: date) -> int:
    """00:00 UTC of a calendar day, in epoch seconds (cheaper than building a datetime)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * 86400


def _window(at: date | datetime | None) -> tuple[float, float, str]:
    """The moments to check, in epoch seconds: a whole UTC day for a date, else one instant."""
    if at is None:
        at = datetime.now(UTC)
    if isinstance(at, datetime):
        moment = (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
        return moment, moment, at.isoformat(timespec="seconds")
    start = _day_start(at)
    return start, start + 86399.999999, at.isoformat()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def verify(
    payload: str,
    *,
    trust_list: TrustList | None,
    status_lists: StatusLists = None,
    at: date | datetime | None = None,
    expected_nonce: str | None = None,
    expected_aud: str | None = None,
) -> Verification:
    """Verify an ``RC1:`` payload or an SD-JWT VC presentation; never raises.

    ``status_lists`` are verified status-list tokens (see
    :func:`~.statuslist.status_list_from_jwt`), or a mapping from list URI to a token or a
    bare :class:`~.statuslist.StatusList`. ``expected_nonce``/``expected_aud`` demand a
    key-bound SD-JWT presentation made for this verifier.
    """
    run = _Run()
    try:
        if not isinstance(payload, str):
            return run.fail("prefix", "the payload is not text", "malformed")
        text = payload.strip()
        if not text.startswith(PREFIX) and ("~" in text or text.startswith("{")):
            return _verify_sd_jwt(
                run, text, trust_list, status_lists, at, expected_nonce, expected_aud
            )
        return _verify_rc1(run, text, trust_list, status_lists, at)
    except Exception as exc:  # the contract is "never raises": report, do not crash
        return run.fail("internal", f"unexpected {type(exc).__name__} while verifying", "malformed")


# --- RC1 --------------------------------------------------------------------------------------


def _verify_rc1(
    run: _Run,
    text: str,
    trust_list: TrustList | None,
    status_lists: StatusLists,
    at: date | datetime | None,
) -> Verification:
    if len(text) > MAX_PAYLOAD_CHARS:
        return run.fail(
            "prefix", f"the payload is longer than {MAX_PAYLOAD_CHARS} characters", "malformed"
        )
    if not text.startswith(PREFIX):
        return run.fail(
            "prefix",
            f"expected the prefix {PREFIX!r} (or an SD-JWT presentation), got {text[:4]!r}",
            "malformed",
        )
    run.ok("prefix", "RC1 payload")
    try:
        compressed = base45.decode(text[len(PREFIX) :])
    except EncodingError as exc:
        return run.fail("base45", str(exc), "malformed")
    run.ok("base45", f"{len(compressed)} bytes")
    try:
        d = zlib.decompressobj()
        cose = d.decompress(compressed, MAX_INFLATED_BYTES)
        if d.unconsumed_tail or not d.eof or d.unused_data:
            raise zlib.error("truncated, oversized or followed by extra bytes")
    except zlib.error as exc:
        return run.fail("zlib", f"the data is not one valid zlib stream: {exc}", "malformed")
    run.ok("zlib", f"{len(cose)} bytes")
    try:
        message = decode_sign1(cose)
    except EncodingError as exc:
        step = "cbor" if "not valid CBOR" in str(exc) or "unexpected bytes" in str(exc) else "cose"
        return run.fail(step, str(exc), "malformed")
    run.ok("cbor", "one CBOR item")
    run.ok("cose", "COSE_Sign1")
    signer = _find_signer(run, message.kid, trust_list)
    if isinstance(signer, Verification):
        return signer
    try:
        verify_sign1(message, signer.public_key)
    except SignatureError as exc:
        return run.fail("signature", str(exc), "bad_signature")
    run.ok("signature", f"ES256 by {signer.member_state} signer {signer.kid_text}")
    try:
        cwt = message.claims()
        card = card_from_cwt(cwt)
        iat = cwt.get(CWT_IAT)
        if not isinstance(iat, int) or isinstance(iat, bool):
            raise ClaimsError("the payload has no issue time (iat)")
    except CredentialError as exc:
        return run.fail("claims", str(exc), "malformed")
    if card.member_state != signer.member_state:
        return run.fail(
            "claims",
            f"a {card.member_state} card signed by a {signer.member_state} key",
            "unknown_issuer",
        )
    run.claims = card.to_dict()
    run.ok("claims", f"{card.kind} {card.card_number} of {card.member_state}")
    return _finish(
        run,
        card.member_state,
        card.status,
        iat,
        _day_start(card.valid_from),
        _day_start(card.valid_until) + 86400,
        signer,
        status_lists,
        at,
    )


def _find_signer(
    run: _Run, kid: bytes | None, trust_list: TrustList | None
) -> TrustedSigner | Verification:
    if trust_list is None:
        return run.fail("kid", "no trust list given: cannot know the issuers", "unknown_issuer")
    if kid is None:
        return run.fail("kid", "the credential names no key id", "unknown_issuer")
    signer = trust_list.signer(kid)
    if signer is None:
        return run.fail("kid", f"key id {kid_text(kid)} is not in the trust list", "unknown_issuer")
    if signer.withdrawn:
        when = signer.withdrawn_at.date().isoformat() if signer.withdrawn_at else "?"
        return run.fail(
            "kid",
            f"key {kid_text(kid)} of {signer.member_state} was withdrawn on {when}: "
            f"{signer.reason or 'no reason given'}",
            "unknown_issuer",
        )
    pinned = "" if trust_list.pinned else "; trust list not pinned to a programme certificate"
    run.ok("kid", f"{signer.kid_text} ({signer.member_state}, {signer.state}){pinned}")
    return signer


def _finish(
    run: _Run,
    member_state: str,
    status: StatusRef,
    issued_at: int,
    not_before: int,
    expires: int,
    signer: TrustedSigner,
    status_lists: StatusLists,
    at: date | datetime | None,
) -> Verification:
    """Signer validity at signing time, the credential's validity at ``at``, its status."""
    if not signer.not_before.timestamp() <= issued_at <= signer.not_after.timestamp():
        return run.fail(
            "signer_validity",
            f"signed at {_iso(issued_at)}, outside the signer certificate's validity",
            "unknown_issuer",
        )
    first, last, label = _window(at)
    verdict: Status = "valid"
    start = max(issued_at, not_before)
    if last < start:
        run.checks.append(
            Check("validity", False, f"not valid before {_iso(start)} (checked {label})")
        )
        verdict = "not_yet_valid"
    elif first >= expires:
        until = datetime.fromtimestamp(expires - 86400, UTC).date().isoformat()
        run.checks.append(
            Check("validity", False, f"expired: valid until {until} (checked {label})")
        )
        verdict = "expired"
    else:
        run.ok("validity", f"valid on {label}")
    outcome = _status(run, member_state, status, status_lists, first)
    if outcome is not None:
        verdict = outcome
    return run.done(verdict)


def _status(
    run: _Run,
    member_state: str,
    ref: StatusRef,
    status_lists: StatusLists,
    at: float,
) -> Status | None:
    token: StatusListToken | StatusList | None = None
    if status_lists is None:
        pass
    elif isinstance(status_lists, (list, tuple)):
        token = next((t for t in status_lists if t.uri == ref.uri), None)
    elif isinstance(status_lists, Mapping):
        token = status_lists.get(ref.uri)
    else:
        token = next((t for t in status_lists if t.uri == ref.uri), None)
    if token is None:
        run.skip("status", f"not checked: no status list for {ref.uri} was given")
        return None
    if isinstance(token, StatusListToken):
        if token.member_state != member_state:
            run.skip(
                "status",
                f"not checked: the list for {ref.uri} is signed by {token.member_state}, not {member_state}",
            )
            return None
        if token.expires_at is not None and at >= token.expires_at.timestamp():
            run.skip(
                "status",
                f"not checked: the status list expired at {token.expires_at.isoformat()}; "
                "fetch a fresh one",
            )
            return None
        lst = token.status_list
    else:
        lst = token
    if ref.idx >= lst.size:
        run.skip("status", f"not checked: index {ref.idx} is outside the list ({lst.size} entries)")
        return None
    value = lst.get(ref.idx)
    if value == VALID:
        run.ok("status", f"valid (index {ref.idx})")
        return None
    if value == SUSPENDED:
        run.checks.append(Check("status", False, f"suspended (index {ref.idx})"))
        return "suspended"
    detail = "revoked" if value == INVALID else f"status value {value}, treated as revoked"
    run.checks.append(Check("status", False, f"{detail} (index {ref.idx})"))
    return "revoked"


# --- SD-JWT VC --------------------------------------------------------------------------------


def _verify_sd_jwt(
    run: _Run,
    text: str,
    trust_list: TrustList | None,
    status_lists: StatusLists,
    at: date | datetime | None,
    expected_nonce: str | None,
    expected_aud: str | None,
) -> Verification:
    try:
        sd = SdJwt.parse(text)
    except SdJwtError as exc:
        return run.fail("format", str(exc), "malformed")
    typ = sd.header.get("typ")
    if typ != SD_JWT_VC_TYP:
        return run.fail("format", f"typ is {typ!r}, not {SD_JWT_VC_TYP!r}", "malformed")
    run.ok("format", f"SD-JWT VC with {len(sd.disclosures)} disclosure(s)")
    kid_value = sd.header.get("kid")
    try:
        kid = kid_from_text(kid_value) if isinstance(kid_value, str) else None
    except CredentialError:
        kid = None
    signer = _find_signer(run, kid, trust_list)
    if isinstance(signer, Verification):
        return signer
    try:
        verify_issuer_signature(sd, signer.public_key)
    except (SignatureError, SdJwtError) as exc:
        return run.fail("signature", str(exc), "bad_signature")
    run.ok("signature", f"ES256 by {signer.member_state} signer {signer.kid_text}")
    try:
        claims, disclosed = unpack_claims(sd)
    except SdJwtError as exc:
        return run.fail("disclosures", str(exc), "malformed")
    run.ok("disclosures", f"{len(disclosed)} disclosed: {', '.join(disclosed) or 'none'}")
    try:
        parsed = _vc_claims(claims)
    except (ClaimsError, OverflowError, OSError, ValueError, TypeError) as exc:
        return run.fail("claims", str(exc), "malformed")
    out, ref, iat, nbf, exp = parsed
    if out.get("member_state", signer.member_state) != signer.member_state:
        return run.fail(
            "claims",
            f"a {out['member_state']} card signed by a {signer.member_state} key",
            "unknown_issuer",
        )
    run.claims = out
    run.ok("claims", f"vct {claims.get('vct')!r}")
    if sd.kb_jwt is not None or expected_nonce is not None or expected_aud is not None:
        try:
            verify_key_binding(
                sd,
                expected_nonce=expected_nonce,
                expected_aud=expected_aud,
                at=at if isinstance(at, datetime) else None,
            )
        except (SdJwtError, SignatureError) as exc:
            return run.fail("key_binding", str(exc), "bad_signature")
        checked = (
            "nonce and audience checked"
            if expected_nonce and expected_aud
            else "nonce/audience not checked"
        )
        run.ok("key_binding", f"presented by the holder's key ({checked})")
    else:
        run.skip("key_binding", "no key-binding JWT: the presenter was not proven to hold the card")
    return _finish(run, signer.member_state, ref, iat, nbf, exp, signer, status_lists, at)


def _vc_claims(claims: Mapping[str, Any]) -> tuple[dict[str, Any], StatusRef, int, int, int]:
    def ts(name: str) -> int:
        value = claims.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ClaimsError(f"the credential has no numeric {name!r}")
        if not 0 <= value < 253402300800:  # up to year 9999
            raise ClaimsError(f"{name!r} is out of range")
        return value

    status = claims.get("status")
    ref = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(ref, dict):
        raise ClaimsError("the credential has no status-list reference")
    status_ref = StatusRef(idx=ref.get("idx"), uri=ref.get("uri"))  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    names = {
        "kind": "kind",
        "card_number": "card_number",
        "family_name": "family_name",
        "given_name": "given_name",
        "birthdate": "date_of_birth",
        "member_state": "member_state",
        "valid_from": "valid_from",
        "valid_until": "valid_until",
    }
    for src, dst in names.items():
        if src in claims:
            value = claims[src]
            if not isinstance(value, str):
                raise ClaimsError(f"claim {src!r} is not text")
            out[dst] = value
    out["status_list"] = status_ref.to_dict()
    return out, status_ref, ts("iat"), ts("nbf"), ts("exp")
