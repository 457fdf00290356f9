"""Token Status List (draft-ietf-oauth-status-list): revocation and suspension of cards.

Each card owns ``bits`` bits (2 here) at its index in a byte array: the index-th entry lives
in byte ``idx * bits // 8`` starting at its least significant bits. The array is
zlib-compressed (level 9, as the draft's examples are) and carried base64url in JSON or as
a byte string in CBOR. Values are the draft's: 0 valid, 1 invalid (revoked), 2 suspended,
3 application-specific (we do not use it; a verifier treats it as invalid).

The list is published as a signed ``statuslist+jwt`` whose ``sub`` is its own URI (the one
cards point to) and whose ``ttl`` tells caches how long to keep it. It is signed by the
member state's active document signer (kid in the header), so verifiers check it with the
same trust list as the cards, and a status list can only speak for its own member state.

:class:`StatusList` is deliberately a mutable container (like a ``bytearray``): the platform
sets entries, then encodes a snapshot.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cbor2
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from ._jose import LARGE_DOCUMENTS, low_s_jws, require_low_s_jws
from .cose import HIGH_S
from .errors import EncodingError, KeyStoreError, SignatureError, StatusListError
from .keystore import kid_from_text, kid_text
from .rc1 import SigningKey, inflate

__all__ = [
    "INVALID",
    "STATUS_LIST_TYP",
    "SUSPENDED",
    "VALID",
    "StatusList",
    "StatusListToken",
    "StatusListUnavailable",
    "status_list_from_jwt",
]

VALID = 0
INVALID = 1
SUSPENDED = 2
STATUS_LIST_TYP = "statuslist+jwt"
_BITS = (1, 2, 4, 8)
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
#: Largest compressed list we inflate (16 MiB raw = 64 million cards at 2 bits).
MAX_RAW_BYTES = 16 * 1024 * 1024


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise StatusListError("the status list 'lst' is not base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise StatusListError("the status list 'lst' is not valid base64url") from None


class StatusList:
    """A list of ``size`` statuses of ``bits`` bits each (all 0, valid, at first)."""

    __slots__ = ("_data", "bits", "size")

    def __init__(self, size: int, bits: int = 2) -> None:
        if bits not in _BITS:
            raise StatusListError(f"bits must be 1, 2, 4 or 8, not {bits!r}")
        if not isinstance(size, int) or size < 1 or size * bits > MAX_RAW_BYTES * 8:
            raise StatusListError(f"size must be between 1 and {MAX_RAW_BYTES * 8 // bits}")
        self.bits = bits
        self.size = size
        self._data = bytearray((size * bits + 7) // 8)

    def __repr__(self) -> str:
        return f"StatusList(size={self.size}, bits={self.bits})"

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusList):
            return NotImplemented
        return (self.bits, self.size, self._data) == (other.bits, other.size, other._data)

    __hash__ = None  # type: ignore[assignment]  # mutable

    @classmethod
    def from_bytes(cls, raw: bytes, bits: int, size: int | None = None) -> StatusList:
        """A list over an uncompressed byte array (its size is every slot the bytes hold)."""
        if bits not in _BITS:
            raise StatusListError(f"bits must be 1, 2, 4 or 8, not {bits!r}")
        if not raw:
            raise StatusListError("the status list is empty")
        capacity = len(raw) * 8 // bits
        out = cls(size or capacity, bits)
        if out.size > capacity:
            raise StatusListError(f"{len(raw)} bytes cannot hold {out.size} statuses")
        out._data[:] = raw[: len(out._data)]
        return out

    def _check(self, idx: int) -> None:
        if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < self.size:
            raise StatusListError(
                f"index {idx!r} is outside the status list (0 to {self.size - 1})"
            )

    def get(self, idx: int) -> int:
        if type(idx) is not int or not 0 <= idx < self.size:  # checked inline when plain
            self._check(idx)
        bit = idx * self.bits
        return (self._data[bit >> 3] >> (bit & 7)) & ((1 << self.bits) - 1)

    __getitem__ = get

    def set(self, idx: int, status: int) -> None:
        self._check(idx)
        mask = (1 << self.bits) - 1
        if not isinstance(status, int) or not 0 <= status <= mask:
            raise StatusListError(f"status {status!r} does not fit in {self.bits} bits")
        bit = idx * self.bits
        byte, shift = bit >> 3, bit & 7
        self._data[byte] = (self._data[byte] & ~(mask << shift)) | (status << shift)

    __setitem__ = set

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def encode(self) -> bytes:
        """The compressed byte array (zlib, level 9)."""
        return zlib.compress(bytes(self._data), 9)

    def to_json(self) -> dict[str, Any]:
        return {"bits": self.bits, "lst": _b64url(self.encode())}

    def to_cbor(self) -> bytes:
        return cbor2.dumps({"bits": self.bits, "lst": self.encode()})

    @classmethod
    def _from_compressed(cls, bits: Any, compressed: bytes) -> StatusList:
        if bits not in _BITS or isinstance(bits, bool):
            raise StatusListError(f"bits must be 1, 2, 4 or 8, not {bits!r}")
        try:
            raw = inflate(compressed, MAX_RAW_BYTES)
        except EncodingError as exc:
            raise StatusListError(f"status list 'lst': {exc}") from None
        return cls.from_bytes(raw, bits)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> StatusList:
        if not isinstance(obj, Mapping):
            raise StatusListError("a status list is an object with 'bits' and 'lst'")
        return cls._from_compressed(obj.get("bits"), _unb64url(obj.get("lst")))  # type: ignore[arg-type]

    @classmethod
    def from_cbor(cls, data: bytes | Mapping[str, Any]) -> StatusList:
        if isinstance(data, bytes):
            try:
                data = cbor2.loads(data)
            except Exception:  # any decoder failure means "not CBOR"
                raise StatusListError("the status list is not valid CBOR") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("lst"), bytes):
            raise StatusListError("a status list is a map with 'bits' and a byte-string 'lst'")
        return cls._from_compressed(data.get("bits"), data["lst"])

    def to_jwt(
        self,
        signer: SigningKey,
        *,
        uri: str,
        iat: datetime,
        exp: datetime | None = None,
        ttl: int | None = None,
        iss: str | None = None,
    ) -> str:
        """Sign the list as a ``statuslist+jwt`` (ES256, the signer's kid in the header).

        ``uri`` is where the list is published: it becomes ``sub``, and cards point to it.
        """
        if iat.tzinfo is None or (exp is not None and exp.tzinfo is None):
            raise StatusListError("iat and exp must be timezone-aware")
        claims: dict[str, Any] = {
            "sub": uri,
            "iat": int(iat.timestamp()),
            "status_list": self.to_json(),
        }
        if exp is not None:
            claims["exp"] = int(exp.timestamp())
        if ttl is not None:
            if not isinstance(ttl, int) or ttl <= 0:
                raise StatusListError("ttl must be a positive number of seconds")
            claims["ttl"] = ttl
        if iss is not None:
            claims["iss"] = iss
        header = {"alg": "ES256", "kid": kid_text(signer.kid), "typ": STATUS_LIST_TYP}
        return low_s_jws(
            jws.serialize_compact(
                header,
                status_list_payload(claims),
                ECKey.import_key(signer.private_key),
                registry=LARGE_DOCUMENTS,
            )
        )


def status_list_payload(claims: Mapping[str, Any]) -> bytes:
    """JWT claims as the draft's examples serialize them: sorted keys, no spaces."""
    return json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified ``statuslist+jwt``."""

    uri: str
    issued_at: datetime
    expires_at: datetime | None
    ttl: int | None
    kid: bytes
    member_state: str
    status_list: StatusList
    issuer: str | None = None
    #: ``expires_at`` in epoch seconds, for the verifier (a timestamp() call costs ~0.2 us).
    expires_ts: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        expires = self.expires_at.timestamp() if self.expires_at is not None else None
        object.__setattr__(self, "expires_ts", expires)

    def is_expired(self, at: datetime) -> bool:
        return self.expires_at is not None and at >= self.expires_at


@dataclass(frozen=True, slots=True)
class StatusListUnavailable:
    """A status list the verifier needed but could not use: not fetched, or not verified.

    Given to :func:`~.verify.verify` among the status lists, it turns the status check of a
    card whose list it is (``uri``; ``None`` when the list's URI is not known, e.g. a file
    that could not be read) into "status unknown", with ``reason`` in the check's detail.
    """

    uri: str | None
    reason: str


def status_list_from_jwt(
    token: str | bytes,
    resolve: Callable[[bytes], Any],
) -> StatusListToken:
    """Verify and read a ``statuslist+jwt``.

    ``resolve(kid)`` returns the trusted signer for a key id (``TrustList.signer``): an
    object with ``public_key``, ``member_state`` and ``withdrawn``, or ``None``.
    """
    if isinstance(token, bytes):
        token = token.decode("ascii", "replace")
    token = token.strip()
    try:
        header = jws.extract_compact(
            token.encode("ascii", "replace"), registry=LARGE_DOCUMENTS
        ).headers()
    except (JoseError, ValueError, TypeError):
        raise StatusListError("the status list is not a compact JWT") from None
    if header.get("typ") != STATUS_LIST_TYP:
        raise StatusListError(f"the token's typ is {header.get('typ')!r}, not {STATUS_LIST_TYP!r}")
    if header.get("alg") != "ES256":
        raise StatusListError(f"status lists are signed with ES256, not {header.get('alg')!r}")
    try:
        kid = kid_from_text(str(header.get("kid", "")))
    except KeyStoreError:
        raise StatusListError("the status list's kid is missing or malformed") from None
    signer = resolve(kid)
    if signer is None:
        raise StatusListError(f"the status list is signed by unknown key {kid_text(kid)}")
    if signer.withdrawn:
        raise StatusListError(f"the status list is signed by withdrawn key {kid_text(kid)}")
    try:
        verified = jws.deserialize_compact(
            token, ECKey.import_key(signer.public_key), registry=LARGE_DOCUMENTS
        )
        claims = json.loads(verified.payload)
    except (JoseError, ValueError, TypeError):
        raise StatusListError("the status list's signature does not verify") from None
    try:
        require_low_s_jws(token)
    except SignatureError:
        raise StatusListError(f"the status list's signature does not verify: {HIGH_S}") from None
    if not isinstance(claims, dict):
        raise StatusListError("the status list's claims are not an object")
    uri, iat, exp, ttl = claims.get("sub"), claims.get("iat"), claims.get("exp"), claims.get("ttl")
    if not isinstance(uri, str):
        raise StatusListError("the status list has no 'sub' (its URI)")
    if not isinstance(iat, int) or (exp is not None and not isinstance(exp, int)):
        raise StatusListError("the status list's iat/exp are not integers")
    if ttl is not None and not isinstance(ttl, int):
        raise StatusListError("the status list's ttl is not an integer")
    try:
        issued_at = datetime.fromtimestamp(iat, UTC)
        expires_at = datetime.fromtimestamp(exp, UTC) if exp is not None else None
    except (OverflowError, OSError, ValueError):
        raise StatusListError("the status list's iat/exp are out of range") from None
    return StatusListToken(
        uri=uri,
        issued_at=issued_at,
        expires_at=expires_at,
        ttl=ttl,
        kid=kid,
        member_state=signer.member_state,
        status_list=StatusList.from_json(claims.get("status_list")),  # type: ignore[arg-type]
        issuer=claims.get("iss") if isinstance(claims.get("iss"), str) else None,
    )
