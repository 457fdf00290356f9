"""SD-JWT (RFC 9901) and the card as an SD-JWT VC (``typ`` ``dc+sd-jwt``) with key binding.

The wallet credential carries the same facts as the printed card, but every personal claim
is a salted disclosure: the holder shows a landlord their name and validity without their
date of birth, say. Issuance is a plain function returning the ``<jwt>~<disclosure>~...~``
string (served by download now; an OpenID4VCI endpoint would call the same function).

JWS signing and verification go through joserfc; the SD-JWT layer (salts, digests,
disclosure selection, key binding) is here because it is small and its checks are the
security of the format: every disclosure must be referenced exactly once, no digest twice,
no disclosed name may collide with a plain claim or use ``_sd`` / ``...``, and the KB-JWT
must be signed by the ``cnf`` key over the exact presentation (``sd_hash``).

Marking claims as disclosable, for general SD-JWTs (the interop tests use this)::

    {SD("given_name"): "Anna", "nationalities": [SD("FR"), "DE"]}

``SD`` around a key makes that property disclosable; around an array element, that element.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.errors import InvalidHeaderValueError, JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey

from ._jose import low_s_jws, require_low_s_jws
from .errors import SdJwtError, SignatureError
from .keystore import kid_text
from .rc1 import CardClaims, SigningKey

__all__ = [
    "KB_JWT_TYP",
    "SD",
    "SD_JWT_VC_TYP",
    "Disclosure",
    "SdJwt",
    "VerifiedSdJwt",
    "issue_card_vc",
    "issue_sd_jwt",
    "present",
    "unpack_claims",
    "verify_issuer_signature",
    "verify_key_binding",
    "verify_sd_jwt",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
_SD = "_sd"
_SD_ALG = "_sd_alg"
_ARRAY = "..."
_ISSUER_ALGS = ["ES256"]
_HOLDER_ALGS = ["ES256", "ES384", "ES512", "EdDSA"]
_MAX_LEN = 256 * 1024
_MAX_DEPTH = 32

#: The card claims that are selectively disclosable in the wallet credential.
PERSONAL_CLAIMS = (
    "card_number",
    "family_name",
    "given_name",
    "birthdate",
    "member_state",
)


@dataclass(frozen=True, slots=True)
class SD:
    """Marks an object key or an array element as selectively disclosable."""

    value: Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(encoded: str) -> str:
    return _b64(hashlib.sha256(encoded.encode("ascii")).digest())


def _salt() -> str:
    return _b64(secrets.token_bytes(16))


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One disclosure: ``[salt, key, value]`` for a property, ``[salt, value]`` for an element."""

    encoded: str
    salt: str
    key: str | None
    value: Any

    @property
    def digest(self) -> str:
        return _digest(self.encoded)

    @classmethod
    def make(cls, key: str | None, value: Any, salt: str | None = None) -> Disclosure:
        salt = salt or _salt()
        parts = [salt, value] if key is None else [salt, key, value]
        encoded = _b64(json.dumps(parts, ensure_ascii=False).encode("utf-8"))
        return cls(encoded, salt, key, value)

    @classmethod
    def parse(cls, encoded: str) -> Disclosure:
        try:
            parts = json.loads(_unb64(encoded).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise SdJwtError("a disclosure is not base64url-encoded JSON") from None
        if not isinstance(parts, list) or len(parts) not in (2, 3):
            raise SdJwtError("a disclosure is not an array of 2 or 3 elements")
        if not isinstance(parts[0], str):
            raise SdJwtError("a disclosure's salt is not a string")
        if len(parts) == 2:
            return cls(encoded, parts[0], None, parts[1])
        if not isinstance(parts[1], str):
            raise SdJwtError("a disclosure's claim name is not a string")
        if parts[1] in (_SD, _ARRAY):
            raise SdJwtError(f"a disclosure may not use the claim name {parts[1]!r}")
        return cls(encoded, parts[0], parts[1], parts[2])


# --- issuing ----------------------------------------------------------------------------------


def _conceal(value: Any, out: list[Disclosure], decoys: int, salt: Callable[[], str]) -> Any:
    if isinstance(value, SD):
        raise SdJwtError("SD() may wrap an object key or an array element, not a value")
    if isinstance(value, list):
        result = []
        for item in value:
            if isinstance(item, SD):
                d = Disclosure.make(None, _conceal(item.value, out, decoys, salt), salt())
                out.append(d)
                result.append({_ARRAY: d.digest})
            else:
                result.append(_conceal(item, out, decoys, salt))
        return result
    if isinstance(value, Mapping):
        result_obj: dict[str, Any] = {}
        digests = []
        for key, item in value.items():
            if key in (_SD, _SD_ALG, _ARRAY) or (
                isinstance(key, SD) and key.value in (_SD, _ARRAY)
            ):
                raise SdJwtError(f"the claim name {key!r} is reserved by SD-JWT")
            inner = _conceal(item, out, decoys, salt)
            if isinstance(key, SD):
                if not isinstance(key.value, str):
                    raise SdJwtError("disclosable claim names must be strings")
                d = Disclosure.make(key.value, inner, salt())
                out.append(d)
                digests.append(d.digest)
            else:
                result_obj[key] = inner
        if digests:
            digests += [_digest(_salt()) for _ in range(decoys)]
            result_obj[_SD] = sorted(digests)
        return result_obj
    return value


def issue_sd_jwt(
    claims: Mapping[Any, Any],
    *,
    private_key: Any,
    typ: str = SD_JWT_VC_TYP,
    kid: str | None = None,
    holder_jwk: Mapping[str, Any] | None = None,
    decoys: int = 0,
    extra_header: Mapping[str, Any] | None = None,
    salt: Callable[[], str] = _salt,
) -> str:
    """Sign ``claims`` (with :class:`SD` markers) as an SD-JWT; return the issuance string.

    ``holder_jwk`` (a public JWK) goes into ``cnf`` so that presentations can be key-bound.
    ``decoys`` adds that many decoy digests to every ``_sd`` array, hiding how many claims
    the credential has.
    """
    disclosures: list[Disclosure] = []
    payload = _conceal(dict(claims), disclosures, decoys, salt)
    payload[_SD_ALG] = "sha-256"
    if holder_jwk is not None:
        public = {k: v for k, v in dict(holder_jwk).items() if k != "d"}
        payload["cnf"] = {"jwk": public}
    header: dict[str, Any] = {"alg": "ES256", "typ": typ}
    if kid is not None:
        header["kid"] = kid
    header.update(extra_header or {})
    key = private_key if isinstance(private_key, ECKey) else ECKey.import_key(private_key)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    token = low_s_jws(jws.serialize_compact(header, body, key, algorithms=_ISSUER_ALGS))
    return "~".join([token, *(d.encoded for d in disclosures), ""])


def issue_card_vc(
    card: CardClaims,
    signer: SigningKey,
    *,
    vct: str,
    issuer: str,
    issued_at: datetime,
    holder_jwk: Mapping[str, Any] | None = None,
    decoys: int = 2,
) -> str:
    """The card as an SD-JWT VC: personal claims disclosable, status and validity plain.

    ``vct`` is the programme's credential type (a URL under the programme's base URL, e.g.
    ``https://relocard.example/credentials/relocatee-card/v1``); ``issuer`` is ``iss``.
    The signer's kid (base64url) is in the header; verifiers find the key in the trust list.
    """
    if signer.member_state != card.member_state:
        raise SdJwtError(
            f"the signer belongs to {signer.member_state}, the card to {card.member_state}"
        )
    if issued_at.tzinfo is None:
        raise SdJwtError("issued_at must be timezone-aware")
    claims: dict[Any, Any] = {
        "iss": issuer,
        "vct": vct,
        "iat": int(issued_at.timestamp()),
        "nbf": int(card.not_before.timestamp()),
        "exp": int(card.expires.timestamp()),
        "kind": card.kind,
        "valid_from": card.valid_from.isoformat(),
        "valid_until": card.valid_until.isoformat(),
        "status": {"status_list": card.status.to_dict()},
        SD("card_number"): card.card_number,
        SD("family_name"): card.family_name,
        SD("given_name"): card.given_name,
        SD("birthdate"): card.date_of_birth,
        SD("member_state"): card.member_state,
    }
    return issue_sd_jwt(
        claims,
        private_key=signer.private_key,
        kid=kid_text(signer.kid),
        holder_jwk=holder_jwk,
        decoys=decoys,
    )


# --- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SdJwt:
    """An SD-JWT or presentation split into its parts; nothing is verified yet."""

    jwt: str
    header: Mapping[str, Any]
    payload: Mapping[str, Any]
    disclosures: tuple[Disclosure, ...]
    kb_jwt: str | None = None
    serialization: str = "compact"
    _signing_input: tuple[str, str, str] = field(default=("", "", ""), repr=False)

    @property
    def sd_hash_input(self) -> str:
        """What a KB-JWT's ``sd_hash`` covers: ``<jwt>~<d1>~...~<dn>~``."""
        return "~".join([self.jwt, *(d.encoded for d in self.disclosures), ""])

    @classmethod
    def parse(cls, text: str) -> SdJwt:
        """Split a compact (``~``) or JSON-serialized SD-JWT; :class:`SdJwtError` if neither."""
        if not isinstance(text, str):
            raise SdJwtError("an SD-JWT is text")
        text = text.strip()
        if len(text) > _MAX_LEN:
            raise SdJwtError("the SD-JWT is longer than 256 KiB")
        if text.startswith("{"):
            return cls._parse_json(text)
        if "~" not in text:
            raise SdJwtError("an SD-JWT has '~' after the issuer-signed JWT")
        jwt, *middle, last = text.split("~")
        kb = last or None
        return cls._build(jwt, middle, kb, "compact")

    @classmethod
    def _parse_json(cls, text: str) -> SdJwt:
        try:
            obj = json.loads(text)
        except ValueError:
            raise SdJwtError("the SD-JWT looks like JSON but does not parse") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("payload"), str):
            raise SdJwtError("a JSON-serialized SD-JWT has a 'payload' string")
        sig = obj
        if isinstance(obj.get("signatures"), list) and obj["signatures"]:
            sig = obj["signatures"][0]
        if not isinstance(sig, dict):
            raise SdJwtError("the JSON-serialized SD-JWT's signature is not an object")
        unprotected = sig.get("header") if isinstance(sig.get("header"), dict) else {}
        # RFC 9901 section 8 puts these in the unprotected header; the reference
        # implementation (sd-jwt 0.10) at the top level. Read either.
        disclosures = unprotected.get("disclosures", obj.get("disclosures", []))
        kb = unprotected.get("kb_jwt", obj.get("kb_jwt")) or None
        protected, signature = sig.get("protected"), sig.get("signature")
        if not isinstance(protected, str) or not isinstance(signature, str):
            raise SdJwtError("the JSON-serialized SD-JWT lacks 'protected' or 'signature'")
        if not isinstance(disclosures, list) or not all(isinstance(d, str) for d in disclosures):
            raise SdJwtError("'disclosures' is not a list of strings")
        if kb is not None and not isinstance(kb, str):
            raise SdJwtError("'kb_jwt' is not a string")
        jwt = f"{protected}.{obj['payload']}.{signature}"
        return cls._build(jwt, disclosures, kb, "json")

    @classmethod
    def _build(cls, jwt: str, disclosures: list[str], kb: str | None, ser: str) -> SdJwt:
        parts = jwt.split(".")
        if len(parts) != 3:
            raise SdJwtError("the issuer-signed JWT does not have three '.'-separated parts")
        try:
            header = json.loads(_unb64(parts[0]))
            payload = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise SdJwtError(
                "the issuer-signed JWT's header or payload is not base64url JSON"
            ) from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise SdJwtError("the issuer-signed JWT's header and payload must be objects")
        parsed = tuple(Disclosure.parse(d) for d in disclosures)
        return cls(jwt, header, payload, parsed, kb, ser, (parts[0], parts[1], parts[2]))


# --- verifying --------------------------------------------------------------------------------


def _import_key(key: Any) -> Any:
    if isinstance(key, (ECKey, RSAKey, OKPKey)):
        return key
    try:
        if isinstance(key, Mapping):
            kty = key.get("kty")
            if kty == "EC":
                return ECKey.import_key(dict(key))
            if kty == "OKP":
                return OKPKey.import_key(dict(key))
            if kty == "RSA":
                return RSAKey.import_key(dict(key))
            raise SdJwtError(f"unsupported key type {kty!r}")
        return ECKey.import_key(key)
    except (JoseError, ValueError, TypeError):
        raise SdJwtError("the key cannot be used (not a valid public JWK or EC key)") from None


def verify_issuer_signature(sd: SdJwt, public_key: Any, *, allow_high_s: bool = False) -> None:
    """Check the issuer's JWS signature (ES256); :class:`SignatureError` if it fails.

    A signature with a high ``s`` is refused unless ``allow_high_s`` (for SD-JWTs of other
    issuers; ours are always signed with a low one, see :mod:`._jose`).
    """
    alg = sd.header.get("alg")
    if alg not in _ISSUER_ALGS:
        raise SignatureError(f"issuer signature algorithm {alg!r} is not accepted (ES256)")
    try:
        jws.deserialize_compact(sd.jwt, _import_key(public_key), algorithms=_ISSUER_ALGS)
    except InvalidHeaderValueError as exc:
        raise SdJwtError(f"the issuer-signed JWT's header is invalid: {exc.description}") from None
    except (JoseError, ValueError, TypeError):
        raise SignatureError("the issuer's signature does not match the SD-JWT") from None
    if not allow_high_s:
        require_low_s_jws(sd.jwt)


def unpack_claims(sd: SdJwt) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Replace digests by the disclosed values; return the claims and the disclosed paths.

    Raises :class:`SdJwtError` for an unreferenced or doubly referenced disclosure, a
    repeated digest, a name collision or an unsupported ``_sd_alg``.
    """
    alg = sd.payload.get(_SD_ALG, "sha-256")
    if alg != "sha-256":
        raise SdJwtError(f"digest algorithm {alg!r} is not supported (sha-256)")
    by_digest: dict[str, Disclosure] = {}
    for d in sd.disclosures:
        if d.digest in by_digest:
            raise SdJwtError("the same disclosure is given twice")
        by_digest[d.digest] = d
    seen: set[str] = set()
    paths: list[str] = []

    def walk(value: Any, path: str, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise SdJwtError("the SD-JWT nests more than 32 levels deep")
        if isinstance(value, list):
            out_list = []
            for i, item in enumerate(value):
                if isinstance(item, dict) and len(item) == 1 and _ARRAY in item:
                    digest = item[_ARRAY]
                    if not isinstance(digest, str):
                        raise SdJwtError("an array digest is not a string")
                    if digest in seen:
                        raise SdJwtError("a digest appears twice in the SD-JWT")
                    seen.add(digest)
                    d = by_digest.get(digest)
                    if d is None:
                        continue  # undisclosed or decoy element
                    if d.key is not None:
                        raise SdJwtError("an array element's disclosure has a claim name")
                    paths.append(f"{path}[{i}]")
                    out_list.append(walk(d.value, f"{path}[{i}]", depth + 1))
                else:
                    out_list.append(walk(item, f"{path}[{i}]", depth + 1))
            return out_list
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if key == _SD or (key == _SD_ALG and not path):
                    continue
                out[key] = walk(item, f"{path}.{key}" if path else key, depth + 1)
            digests = value.get(_SD, [])
            if not isinstance(digests, list):
                raise SdJwtError("'_sd' is not an array")
            for digest in digests:
                if not isinstance(digest, str):
                    raise SdJwtError("an '_sd' digest is not a string")
                if digest in seen:
                    raise SdJwtError("a digest appears twice in the SD-JWT")
                seen.add(digest)
                d = by_digest.get(digest)
                if d is None:
                    continue  # undisclosed claim or decoy
                if d.key is None:
                    raise SdJwtError("an object property's disclosure has no claim name")
                if d.key in out:
                    raise SdJwtError(f"disclosed claim {d.key!r} collides with another claim")
                child = f"{path}.{d.key}" if path else d.key
                paths.append(child)
                out[d.key] = walk(d.value, child, depth + 1)
            return out
        return value

    claims = walk(dict(sd.payload), "", 0)
    unused = set(by_digest) - seen
    if unused:
        raise SdJwtError(f"{len(unused)} disclosure(s) are not referenced by the SD-JWT")
    return claims, tuple(paths)


def verify_key_binding(
    sd: SdJwt,
    *,
    expected_nonce: str | None = None,
    expected_aud: str | None = None,
    at: datetime | None = None,
    max_age: timedelta = timedelta(minutes=10),
) -> dict[str, Any]:
    """Check the KB-JWT against the ``cnf`` key; return its payload.

    Checks: typ ``kb+jwt``, signature by ``cnf.jwk``, ``sd_hash`` over this presentation,
    ``nonce`` and ``aud`` when expected, and ``iat`` within ``max_age`` of ``at`` when a
    nonce is expected (an interactive presentation).
    """
    if sd.kb_jwt is None:
        raise SdJwtError("the presentation has no key-binding JWT")
    cnf = sd.payload.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise SdJwtError("the SD-JWT has no holder key (cnf.jwk) to check key binding")
    try:
        extracted = jws.extract_compact(sd.kb_jwt.encode("ascii", "replace"))
        header = extracted.headers()
    except (JoseError, ValueError, TypeError):
        raise SdJwtError("the key-binding JWT is not a compact JWS") from None
    if header.get("typ") != KB_JWT_TYP:
        raise SdJwtError(f"the key-binding JWT's typ is {header.get('typ')!r}, not 'kb+jwt'")
    try:
        token = jws.deserialize_compact(sd.kb_jwt, _import_key(jwk), algorithms=_HOLDER_ALGS)
        payload = json.loads(token.payload)
    except (JoseError, ValueError, TypeError):
        raise SignatureError("the key-binding JWT is not signed by the holder's key") from None
    if not isinstance(payload, dict):
        raise SdJwtError("the key-binding JWT's payload is not an object")
    if payload.get("sd_hash") != _digest(sd.sd_hash_input):
        raise SdJwtError("the key-binding JWT's sd_hash does not match this presentation")
    if expected_nonce is not None and payload.get("nonce") != expected_nonce:
        raise SdJwtError("the key-binding JWT's nonce is not the one asked for")
    if expected_aud is not None and payload.get("aud") != expected_aud:
        raise SdJwtError("the key-binding JWT is meant for another audience")
    iat = payload.get("iat")
    if not isinstance(iat, int):
        raise SdJwtError("the key-binding JWT has no iat")
    if expected_nonce is not None:
        now = at or datetime.now(UTC)
        if abs(now.timestamp() - iat) > max_age.total_seconds():
            raise SdJwtError("the key-binding JWT is too old or from the future")
    return payload


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    """A verified SD-JWT: header, the claims with disclosures applied, and key binding."""

    header: Mapping[str, Any]
    claims: dict[str, Any]
    disclosed: tuple[str, ...]
    key_binding: dict[str, Any] | None


def verify_sd_jwt(
    text: str,
    *,
    issuer_key: Any | Callable[[Mapping[str, Any], Mapping[str, Any]], Any],
    expected_typ: str | None = None,
    require_key_binding: bool = False,
    expected_nonce: str | None = None,
    expected_aud: str | None = None,
    at: datetime | None = None,
    allow_high_s: bool = False,
) -> VerifiedSdJwt:
    """Verify an SD-JWT or presentation end to end (signature, disclosures, key binding).

    ``issuer_key`` is a public key (cryptography, joserfc or JWK dict) or a callable
    ``(header, payload) -> key``. Validity times and status are the caller's business (the
    card verifier in :mod:`.verify` checks both).
    """
    sd = SdJwt.parse(text)
    if expected_typ is not None and sd.header.get("typ") != expected_typ:
        raise SdJwtError(f"typ is {sd.header.get('typ')!r}, expected {expected_typ!r}")
    key = issuer_key(sd.header, sd.payload) if callable(issuer_key) else issuer_key
    verify_issuer_signature(sd, key, allow_high_s=allow_high_s)
    claims, disclosed = unpack_claims(sd)
    kb = None
    if sd.kb_jwt is not None or require_key_binding or expected_nonce or expected_aud:
        kb = verify_key_binding(sd, expected_nonce=expected_nonce, expected_aud=expected_aud, at=at)
    return VerifiedSdJwt(sd.header, claims, disclosed, kb)


# --- presenting -------------------------------------------------------------------------------


def _select(value: Any, wanted: Any, by_digest: Mapping[str, Disclosure], out: list[str]) -> None:
    """Collect the disclosures that ``wanted`` asks for (the reference library's format)."""
    if wanted is None or wanted is False:
        return
    if isinstance(value, list):
        wanted_list = wanted if isinstance(wanted, list) else []
        for i, item in enumerate(value):
            want = wanted_list[i] if i < len(wanted_list) else None
            if isinstance(item, dict) and len(item) == 1 and isinstance(item.get(_ARRAY), str):
                d = by_digest.get(item[_ARRAY])
                if d is None or want in (None, False):
                    continue
                out.append(d.encoded)
                _select(d.value, {} if want is True else want, by_digest, out)
            else:
                _select(item, want, by_digest, out)
    elif isinstance(value, dict):
        wanted_map = wanted if isinstance(wanted, Mapping) else {}
        for key, item in value.items():
            if key != _SD:
                _select(item, wanted_map.get(key), by_digest, out)
        for digest in value.get(_SD, []) if isinstance(value.get(_SD), list) else []:
            d = by_digest.get(digest)
            if d is None or d.key is None:
                continue
            want = wanted_map.get(d.key)
            if want in (None, False):
                continue
            out.append(d.encoded)
            _select(d.value, {} if want is True else want, by_digest, out)


def present(
    issuance: str,
    disclose: Mapping[str, Any] | Iterable[str],
    *,
    holder_key: Any | None = None,
    nonce: str | None = None,
    aud: str | None = None,
    iat: datetime | None = None,
) -> str:
    """Build a presentation that discloses only what ``disclose`` names.

    ``disclose`` is a set of top-level claim names, or a nested structure as the reference
    implementation takes it (``{"address": {"country": True}, "list": [False, True]}``).
    With ``holder_key`` (the private key whose public half is in ``cnf``), ``nonce`` and
    ``aud`` the presentation gets a key-binding JWT.
    """
    sd = SdJwt.parse(issuance)
    wanted = disclose if isinstance(disclose, Mapping) else dict.fromkeys(disclose, True)
    by_digest = {d.digest: d for d in sd.disclosures}
    chosen: list[str] = []
    _select(dict(sd.payload), wanted, by_digest, chosen)
    body = "~".join([sd.jwt, *chosen, ""])
    if holder_key is None:
        return body
    if nonce is None or aud is None:
        raise SdJwtError("key binding needs both a nonce and an audience")
    key = _import_key(holder_key)
    when = iat or datetime.now(UTC)
    kb_payload = {
        "iat": int(when.timestamp()),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": _digest(body),
    }
    alg = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}.get(
        key.as_dict().get("crv", ""), "EdDSA" if isinstance(key, OKPKey) else "ES256"
    )
    kb = jws.serialize_compact(
        {"alg": alg, "typ": KB_JWT_TYP},
        json.dumps(kb_payload, separators=(",", ":")).encode(),
        key,
        algorithms=_HOLDER_ALGS,
    )
    return body + kb
