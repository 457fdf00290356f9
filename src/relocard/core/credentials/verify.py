"""The one verifier: an ``RC1:`` QR payload or an SD-JWT VC presentation in, a verdict out.

:func:`verify` never raises. It runs the layers in order and records one check per layer,
so that a failure names its own layer: bad prefix, bad Base45, bad zlib data, bad CBOR, a
malformed COSE message, an unknown or withdrawn key id, a bad signature, malformed claims,
expiry (or not yet valid), and revocation or suspension. The verdict's ``status`` is one of

    valid | revoked | suspended | expired | not_yet_valid | status_unknown |
    unknown_issuer | bad_signature | malformed | not_relocard

``not_relocard`` is text that is not a relocatee-card credential at all (no ``RC1:`` prefix
and no SD-JWT VC of the card's type: "hello world", another scheme's QR code, a web
address); ``malformed`` is one that claims to be ours but whose layers do not decode (a
damaged or tampered payload). A verifier tells the two apart: the first is a wrong code
scanned, the second may be a forgery.

and ``claims`` are only filled in once the signature holds: unauthenticated data is never
shown as if it were the card's.

Revocation fails closed: a genuine card that is otherwise valid is ``status_unknown``
(never ``valid``) when its revocation could not be checked: no status list was given
(an offline check without one), its list could not be fetched or verified
(:class:`~.statuslist.StatusListUnavailable`), is signed for another member state, has
expired or is older than its time-to-live (``ttl``), or does not cover the card's index.
The status check's ``ok`` is then ``None`` and its detail, which starts "status unknown:
revocation could not be checked", says why and what to fetch.

``at`` is a datetime (an instant) or a date (a whole day in the issuing member state's
calendar, as the card's own dates are): a card is valid on a day when it is valid at some
moment of that day. A card's dates are days of its member state: it is valid from 00:00 there
on ``valid_from`` until 00:00 there after ``valid_until`` (:func:`~.rc1.day_start`).

There is one parser and verifier per format (:func:`_verify_rc1`, :func:`_verify_sd_jwt`):
a second, faster path for the same untrusted input would be a parser differential waiting
to happen, so the one path is made fast in place (bench/credentials.py, BENCHMARKS.md).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from relocard.core.eu import local_date

from . import base45
from .cose import CWT_IAT, decode_sign1, verify_sign1
from .errors import ClaimsError, CredentialError, EncodingError, SdJwtError, SignatureError
from .keystore import kid_from_text, kid_text
from .rc1 import (
    MAX_INFLATED_BYTES,
    MAX_PAYLOAD_CHARS,
    PREFIX,
    StatusRef,
    card_from_cwt,
    day_end,
    day_start,
)
from .sdjwt import (
    SD_JWT_VC_TYP,
    SdJwt,
    unpack_claims,
    verify_issuer_signature,
    verify_key_binding,
)
from .statuslist import (
    INVALID,
    SUSPENDED,
    VALID,
    StatusList,
    StatusListToken,
    StatusListUnavailable,
)
from .trust import TrustedSigner, TrustList

__all__ = ["STATUSES", "Check", "Status", "Verification", "verify"]

Status = Literal[
    "valid",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "status_unknown",
    "unknown_issuer",
    "bad_signature",
    "malformed",
    "not_relocard",
]
STATUSES: tuple[str, ...] = (
    "valid",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "status_unknown",
    "unknown_issuer",
    "bad_signature",
    "malformed",
    "not_relocard",
)

StatusLists = (
    Iterable[StatusListToken | StatusListUnavailable]
    | Mapping[str, StatusListToken | StatusList | StatusListUnavailable]
    | None
)


# Check and Verification write their own __init__ (same signature as the generated one):
# a frozen dataclass's generated __init__ sets each field with object.__setattr__ by name,
# and at ten checks per verification that was 4 % of the verifier's time; storing through
# the slot descriptors directly takes half as long. Everything else is the dataclass's.


@dataclass(frozen=True, slots=True, init=False)
class Check:
    """One layer's outcome: ``ok`` True, False, or None when it could not be checked."""

    step: str
    ok: bool | None
    detail: str

    def __init__(self, step: str, ok: bool | None, detail: str) -> None:
        _set_step(self, step)
        _set_ok(self, ok)
        _set_detail(self, detail)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "ok": self.ok, "detail": self.detail}


_set_step = Check.step.__set__  # type: ignore[attr-defined]
_set_ok = Check.ok.__set__  # type: ignore[attr-defined]
_set_detail = Check.detail.__set__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True, init=False)
class Verification:
    """The verdict on one credential."""

    valid: bool
    status: Status
    claims: dict[str, Any]
    checks: tuple[Check, ...]

    def __init__(
        self, valid: bool, status: Status, claims: dict[str, Any], checks: tuple[Check, ...]
    ) -> None:
        _set_valid(self, valid)
        _set_status(self, status)
        _set_claims(self, claims)
        _set_checks(self, checks)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the CLI's JSON: ``valid``, ``status``, ``claims``, ``checks``."""
        return {
            "valid": self.valid,
            "status": self.status,
            "claims": self.claims,
            "checks": [c.to_dict() for c in self.checks],
        }


_set_valid = Verification.valid.__set__  # type: ignore[attr-defined]
_set_status = Verification.status.__set__  # type: ignore[attr-defined]
_set_claims = Verification.claims.__set__  # type: ignore[attr-defined]
_set_checks = Verification.checks.__set__  # type: ignore[attr-defined]


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


def _window(at: date | datetime | None, member_state: str) -> tuple[float, float, str]:
    """The moments to check, in epoch seconds: for a date, the whole day in the member state
    (the card's dates are days there); else one instant."""
    if at is None:
        at = datetime.now(UTC)
    if isinstance(at, datetime):
        moment = (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
        return moment, moment, at.isoformat(timespec="seconds")
    return day_start(at, member_state), day_end(at, member_state) - 0.000001, at.isoformat()


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
            return run.fail("prefix", "the payload is not text", "not_relocard")
        text = payload.strip()
        if not text.startswith(PREFIX) and ("~" in text or text.startswith("{")):
            return _verify_sd_jwt(
                run, text, trust_list, status_lists, at, expected_nonce, expected_aud
            )
        return _verify_rc1(run, text, trust_list, status_lists, at)
    except Exception as exc:  # the contract is "never raises": report, do not crash
        return run.fail("internal", f"unexpected {type(exc).__name__} while verifying", "malformed")


# --- RC1 --------------------------------------------------------------------------------------

# Passed checks whose detail never changes: values, built once.
_C_PREFIX = Check("prefix", True, "RC1 payload")
_C_CBOR = Check("cbor", True, "one CBOR item")
_C_COSE = Check("cose", True, "COSE_Sign1")


def _verify_rc1(
    run: _Run,
    text: str,
    trust_list: TrustList | None,
    status_lists: StatusLists,
    at: date | datetime | None,
) -> Verification:
    """The one parser and verifier of ``RC1:`` payloads: every layer, each failure named.

    Kept fast in place (bench/credentials.py measures it against the bare ES256 check):
    the COSE message and the claims are each decoded by one cbor2 run, the Sig_structure is
    concatenated rather than encoded, the claims are validated once by :class:`CardClaims`,
    and the checks that never change are shared values.
    """
    if not text.startswith(PREFIX):
        return run.fail(
            "prefix",
            f"expected the prefix {PREFIX!r} (or an SD-JWT presentation), got {text[:4]!r}",
            "not_relocard",
        )
    if len(text) > MAX_PAYLOAD_CHARS:
        return run.fail(
            "prefix", f"the payload is longer than {MAX_PAYLOAD_CHARS} characters", "malformed"
        )
    checks = run.checks
    checks.append(_C_PREFIX)
    try:
        compressed = base45.decode(text[4:])
    except EncodingError as exc:
        return run.fail("base45", str(exc), "malformed")
    checks.append(Check("base45", True, f"{len(compressed)} bytes"))
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_INFLATED_BYTES)
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise zlib.error("truncated, oversized or followed by extra bytes")
    except zlib.error as exc:
        return run.fail("zlib", f"the data is not one valid zlib stream: {exc}", "malformed")
    checks.append(Check("zlib", True, f"{len(cose)} bytes"))
    try:
        message = decode_sign1(cose)
    except EncodingError as exc:
        step = "cbor" if "not valid CBOR" in str(exc) or "unexpected bytes" in str(exc) else "cose"
        return run.fail(step, str(exc), "malformed")
    checks.append(_C_CBOR)
    checks.append(_C_COSE)
    signer = _find_signer(run, message.kid, trust_list)
    if isinstance(signer, Verification):
        return signer
    try:
        verify_sign1(message, signer.public_key)
    except SignatureError as exc:
        return run.fail("signature", str(exc), "bad_signature")
    checks.append(
        Check("signature", True, f"ES256 by {signer.member_state} signer {signer.kid_text}")
    )
    try:
        cwt = message.claims()
        card = card_from_cwt(cwt)
        iat = cwt.get(CWT_IAT)
        if type(iat) is not int:  # not a bool either
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
    checks.append(Check("claims", True, f"{card.kind} {card.card_number} of {card.member_state}"))
    return _finish(
        run,
        card.member_state,
        card.status,
        iat,
        day_start(card.valid_from, card.member_state),
        day_end(card.valid_until, card.member_state),
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
    if not signer.not_before_ts <= issued_at <= signer.not_after_ts:
        return run.fail(
            "signer_validity",
            f"signed at {_iso(issued_at)}, outside the signer certificate's validity",
            "unknown_issuer",
        )
    first, last, label = _window(at, member_state)
    check, verdict = _validity(issued_at, not_before, expires, first, last, label, member_state)
    run.checks.append(check)
    check, outcome = _status(member_state, status.idx, status.uri, status_lists, first)
    run.checks.append(check)
    if outcome is None or (outcome == "status_unknown" and verdict != "valid"):
        return run.done(verdict)  # an expired or not yet valid card stays so
    return run.done(outcome)


def _validity(
    issued_at: int,
    not_before: int,
    expires: int,
    first: float,
    last: float,
    label: str,
    member_state: str,
) -> tuple[Check, Status]:
    """Whether ``[first, last]`` meets the validity ``[max(iat, nbf), exp)``."""
    start = max(issued_at, not_before)
    if last < start:
        return (
            Check("validity", False, f"not valid before {_iso(start)} (checked {label})"),
            "not_yet_valid",
        )
    if first >= expires:
        try:
            until = local_date(member_state, datetime.fromtimestamp(expires - 1, UTC)).isoformat()
        except (OverflowError, ValueError, OSError):  # at the calendar's end: say it in UTC
            until = _iso(expires - 1)[:10]
        return (
            Check("validity", False, f"expired: valid until {until} (checked {label})"),
            "expired",
        )
    return Check("validity", True, f"valid on {label}"), "valid"


#: How a status check that could not be made begins (the platform shows it in plain words).
STATUS_UNKNOWN_DETAIL = "status unknown: revocation could not be checked"


def _unknown(reason: str) -> tuple[Check, Status]:
    return Check("status", None, f"{STATUS_UNKNOWN_DETAIL}: {reason}"), "status_unknown"


def _status(
    member_state: str,
    idx: int,
    uri: str,
    status_lists: StatusLists,
    at: float,
) -> tuple[Check, Status | None]:
    """The status check, and the verdict it imposes (None: the others decide).

    Fails closed: whenever the card's entry cannot be read from a usable list, the verdict
    is ``status_unknown``.
    """
    token: StatusListToken | StatusList | StatusListUnavailable | None = None
    problems: list[str] = []
    if status_lists is None:
        return _unknown(
            "no status list was given (an offline check without one); fetch the list at "
            f"{uri} and check again"
        )
    if type(status_lists) is not list and isinstance(status_lists, Mapping):
        token = status_lists.get(uri)
    else:  # a list, tuple or other iterable: the first token for this URI
        for candidate in status_lists:
            if type(candidate) is StatusListUnavailable:
                if candidate.uri is None or candidate.uri == uri:
                    problems.append(candidate.reason)
                continue
            if candidate.uri == uri:
                token = candidate
                break
    if type(token) is StatusListUnavailable:
        problems.append(token.reason)
        token = None
    if token is None:
        if problems:
            return _unknown("; ".join(problems))
        return _unknown(f"no status list for {uri} was given; fetch it and check again")
    if isinstance(token, StatusListToken):
        if token.member_state != member_state:
            return _unknown(
                f"the list for {uri} is signed by {token.member_state}, not {member_state}"
            )
        if token.expires_ts is not None and at >= token.expires_ts:
            return _unknown(
                f"the status list expired at {token.expires_at.isoformat()}; fetch a fresh one"  # type: ignore[union-attr]
            )
        if token.ttl is not None and at >= token.issued_at.timestamp() + token.ttl:
            return _unknown(
                f"the status list was issued at {token.issued_at.isoformat()} and is older "
                f"than its time-to-live of {token.ttl} s; fetch a fresh one"
            )
        lst = token.status_list
    else:
        lst = token
    if idx >= lst.size:
        return _unknown(f"index {idx} is outside the list ({lst.size} entries)")
    value = lst.get(idx)
    if value == VALID:
        return Check("status", True, f"valid (index {idx})"), None
    if value == SUSPENDED:
        return Check("status", False, f"suspended (index {idx})"), "suspended"
    detail = "revoked" if value == INVALID else f"status value {value}, treated as revoked"
    return Check("status", False, f"{detail} (index {idx})"), "revoked"


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
        return run.fail("format", str(exc), "not_relocard")
    typ = sd.header.get("typ")
    if typ != SD_JWT_VC_TYP:
        return run.fail("format", f"typ is {typ!r}, not {SD_JWT_VC_TYP!r}", "not_relocard")
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
