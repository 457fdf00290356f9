"""The printed card's QR payload, ``RC1:``: CWT claims in COSE_Sign1, zlib, Base45.

Modelled on the EU Digital COVID Certificate (HC1) so that its well-tested layering carries
over, but under our own prefix so that DCC readers never take a card for theirs. The payload
is deliberately minimal: card number, the Latin name as in the passport, date of birth,
member state, validity, the card's place in its status list and whether it is a card or an
interim certificate (issued while a renewal is processed). No photo, address or evidence.

CWT layout (claim keys are integers, as in RFC 8392)::

    1 (iss)       member state, e.g. "FR"
    4 (exp)       the day after valid_until, 00:00 in the member state (for generic CWT readers)
    5 (nbf)       valid_from, 00:00 in the member state
    6 (iat)       signing time
    65535         {"status_list": {"idx": 17, "uri": "https://.../status/FR/1"}}
    -65537        [1, "card", "FR-...", family name, given name, date of birth,
                   valid from "2025-01-01", valid until "2025-12-31"]

-65537 is in the CWT registry's private-use range; the status claim is the one the IETF
Token Status List draft registers. The card claim is an array whose first element is its
version, not a map: it saves some 20 bytes (a smaller QR) and a third of the CBOR decoding
time. Dates in it are ISO strings (not epoch seconds) because they are calendar days in
law, not instants: days of the issuing member state's calendar (its zone in
:data:`relocard.core.eu.EU_TIME_ZONES`), from 00:00 there to the next 00:00 there.
"""

from __future__ import annotations

import dataclasses
import io
import re
import threading
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from relocard.core import eu
from relocard.core.eu import EU_MEMBER_STATES

from . import base45
from .cose import CWT_EXP, CWT_IAT, CWT_ISS, CWT_NBF, CWT_STATUS, sign1
from .errors import ClaimsError, EncodingError

__all__ = [
    "EU_MEMBER_STATES",
    "KINDS",
    "MAX_PAYLOAD_CHARS",
    "PREFIX",
    "RC1_CLAIM",
    "CardClaims",
    "Kind",
    "SigningKey",
    "StatusRef",
    "card_from_cwt",
    "card_to_cwt",
    "deflate",
    "encode_payload",
    "inflate",
    "issue_rc1",
    "unprefix",
]

PREFIX = "RC1:"
#: Private-use CWT claim holding the card map.
RC1_CLAIM = -65537
RC1_VERSION = 1
#: Longest payload we look at: more than a version-40 QR code holds at level Q.
MAX_PAYLOAD_CHARS = 8192
#: Largest inflated COSE message we accept (a card is ~250 bytes; this stops zip bombs).
MAX_INFLATED_BYTES = 65536

Kind = Literal["card", "interim"]
KINDS: tuple[str, ...] = ("card", "interim")


_CARD_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")
_DOB = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_NAME_PUNCTUATION = frozenset(" -'.")
_ASCII_NAME = re.compile(r"[A-Za-z .'-]*")
_MAX_NAME = 100


class SigningKey(Protocol):
    """What issuing needs from a document signer (see :class:`~.keystore.Signer`)."""

    @property
    def kid(self) -> bytes: ...

    @property
    def member_state(self) -> str: ...

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey: ...


# StatusRef and CardClaims write their own __init__ (the generated one's signature, then
# __post_init__, the one validator): a frozen dataclass's generated __init__ sets each field
# through object.__setattr__ by name, a fifth of what reading a card's claims costs on the
# verifier's path; storing through the slot descriptors directly is twice as fast.


@dataclass(frozen=True, slots=True, init=False)
class StatusRef:
    """Where a card's status lives: its index in the status list published at ``uri``."""

    idx: int
    uri: str

    def __init__(self, idx: int, uri: str) -> None:
        _SR_IDX(self, idx)
        _SR_URI(self, uri)
        self.__post_init__()

    def __post_init__(self) -> None:
        if type(self.idx) is not int and (
            not isinstance(self.idx, int) or isinstance(self.idx, bool)
        ):
            raise ClaimsError(f"status-list index must be a non-negative integer, not {self.idx!r}")
        if self.idx < 0:
            raise ClaimsError(f"status-list index must be a non-negative integer, not {self.idx!r}")
        if not isinstance(self.uri, str) or not self.uri.startswith(("https://", "http://")):
            raise ClaimsError("status-list URI must be an http(s) URL")
        if len(self.uri) > 200:
            raise ClaimsError("status-list URI is longer than 200 characters")

    def to_dict(self) -> dict[str, Any]:
        return {"idx": self.idx, "uri": self.uri}


_SR_IDX = StatusRef.idx.__set__  # type: ignore[attr-defined]
_SR_URI = StatusRef.uri.__set__  # type: ignore[attr-defined]


def check_latin_name(value: Any, what: str, *, required: bool) -> str:
    """A name in the Latin script as printed in the passport, or :class:`ClaimsError`."""
    if not isinstance(value, str):
        raise ClaimsError(f"{what} must be text")
    if required and not value.strip():
        raise ClaimsError(f"{what} is required")
    if len(value) > _MAX_NAME:
        raise ClaimsError(f"{what} is longer than {_MAX_NAME} characters")
    if _ASCII_NAME.fullmatch(value):
        return value
    for ch in value:
        if ch in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(ch) in ("Mn", "Mc"):  # combining accents on Latin letters
            continue
        if not ch.isalpha() or not unicodedata.name(ch, "").startswith("LATIN "):
            raise ClaimsError(
                f"{what} contains {ch!r}: use the Latin-script spelling exactly as in the "
                "passport (letters, spaces, hyphens, apostrophes)"
            )
    return value


@dataclass(frozen=True, slots=True, init=False)
class CardClaims:
    """What a card's credentials state about its holder, and nothing more."""

    card_number: str
    family_name: str
    given_name: str
    date_of_birth: str
    member_state: str
    valid_from: date
    valid_until: date
    status: StatusRef
    kind: Kind = "card"

    def __init__(
        self,
        card_number: str,
        family_name: str,
        given_name: str,
        date_of_birth: str,
        member_state: str,
        valid_from: date,
        valid_until: date,
        status: StatusRef,
        kind: Kind = "card",
    ) -> None:
        setters = _CARD_SLOTS
        setters[0](self, card_number)
        setters[1](self, family_name)
        setters[2](self, given_name)
        setters[3](self, date_of_birth)
        setters[4](self, member_state)
        setters[5](self, valid_from)
        setters[6](self, valid_until)
        setters[7](self, status)
        setters[8](self, kind)
        self.__post_init__()

    def __post_init__(self) -> None:
        if not isinstance(self.card_number, str) or not _CARD_NUMBER.fullmatch(self.card_number):
            raise ClaimsError(
                "card number must be 1-40 characters of A-Z, 0-9 and '-', starting with a "
                "letter or digit"
            )
        check_latin_name(self.family_name, "family name", required=True)
        check_latin_name(self.given_name, "given name", required=False)
        if not isinstance(self.date_of_birth, str) or not _DOB.fullmatch(self.date_of_birth):
            raise ClaimsError(
                "date of birth must be YYYY, YYYY-MM or YYYY-MM-DD as in the passport"
            )
        _check_partial_date(self.date_of_birth)
        if self.member_state not in EU_MEMBER_STATES:
            raise ClaimsError(
                f"member state {self.member_state!r} is not an EU member state code (e.g. FR)"
            )
        for name, value in (("valid_from", self.valid_from), ("valid_until", self.valid_until)):
            if type(value) is not date and (
                not isinstance(value, date) or isinstance(value, datetime)
            ):
                raise ClaimsError(f"{name.replace('_', ' ')} must be a date")
        if self.valid_until < self.valid_from:
            raise ClaimsError("valid until is before valid from")
        if self.kind not in KINDS:
            raise ClaimsError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if type(self.status) is not StatusRef and not isinstance(self.status, StatusRef):
            raise ClaimsError("status must be a StatusRef")

    @property
    def not_before(self) -> datetime:
        """The first instant of validity: ``valid_from``, 00:00 in the member state."""
        return datetime.fromtimestamp(day_start(self.valid_from, self.member_state), UTC)

    @property
    def expires(self) -> datetime:
        """The first instant after validity: the day after ``valid_until``, 00:00 in the
        member state."""
        return datetime.fromtimestamp(day_end(self.valid_until, self.member_state), UTC)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready claims, the shape the verifier reports."""
        return {
            "kind": self.kind,
            "card_number": self.card_number,
            "family_name": self.family_name,
            "given_name": self.given_name,
            "date_of_birth": self.date_of_birth,
            "member_state": self.member_state,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "status_list": self.status.to_dict(),
        }


_CARD_SLOTS = tuple(getattr(CardClaims, f.name).__set__ for f in dataclasses.fields(CardClaims))


def _check_partial_date(text: str) -> None:
    try:
        if len(text) == 10:
            date.fromisoformat(text)
        elif len(text) == 7 and not 1 <= int(text[5:]) <= 12:
            raise ValueError
    except ValueError:
        raise ClaimsError(f"date of birth {text!r} is not a calendar date") from None


def _parse_day(value: Any, what: str) -> date:
    if not isinstance(value, str):
        raise ClaimsError(f"{what} is not an ISO date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClaimsError(f"{what} {value[:20]!r} is not an ISO date") from None


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_start(day: date, member_state: str) -> int:
    """00:00 of a calendar day in the member state, in epoch seconds (``not_before``).

    Computed from the day's ordinal and the zone's offset at that midnight, so that any date
    a payload may carry (year 1 to 9999) gives a number, where ``datetime.timestamp()`` would
    overflow at the ends of the calendar.
    """
    offset = eu.day_start(member_state, day).utcoffset()
    return (day.toordinal() - _EPOCH_ORDINAL) * 86400 - int(offset.total_seconds())


def day_end(day: date, member_state: str) -> int:
    """The first instant after a calendar day in the member state (``expires``).

    Not ``day_start + 86400``: the days on which clocks change last 23 or 25 hours.
    """
    if day == date.max:  # no next day to look up: the zone's offset at the end of this one
        last = eu.day_start(member_state, day).replace(hour=23, minute=59, second=59)
        offset = last.utcoffset()
        return (day.toordinal() + 1 - _EPOCH_ORDINAL) * 86400 - int(offset.total_seconds())
    return day_start(day + timedelta(days=1), member_state)


def card_to_cwt(claims: CardClaims, issued_at: datetime) -> dict[int, Any]:
    """The CWT claims map of a card (see the module docstring for the layout)."""
    if issued_at.tzinfo is None:
        raise ClaimsError("issued_at must be timezone-aware")
    return {
        CWT_ISS: claims.member_state,
        CWT_IAT: int(issued_at.timestamp()),
        # Same values as claims.not_before / claims.expires, in a fifth of the time.
        CWT_NBF: day_start(claims.valid_from, claims.member_state),
        CWT_EXP: day_end(claims.valid_until, claims.member_state),
        CWT_STATUS: {"status_list": {"idx": claims.status.idx, "uri": claims.status.uri}},
        RC1_CLAIM: [
            RC1_VERSION,
            claims.kind,
            claims.card_number,
            claims.family_name,
            claims.given_name,
            claims.date_of_birth,
            claims.valid_from.isoformat(),
            claims.valid_until.isoformat(),
        ],
    }


def _is_map(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def card_from_cwt(cwt: Mapping[Any, Any]) -> CardClaims:
    """Read a card back from its CWT claims map; :class:`ClaimsError` if any part is wrong."""
    card = cwt.get(RC1_CLAIM)
    if not isinstance(card, (list, tuple)) or not card:
        raise ClaimsError("the payload has no relocard card claim")
    if card[0] != RC1_VERSION or isinstance(card[0], bool):
        raise ClaimsError(f"card claim version {card[0]!r} is not supported (1 only)")
    if len(card) != 8:
        raise ClaimsError(f"the card claim has {len(card)} elements, not 8")
    status = cwt.get(CWT_STATUS)
    ref = status.get("status_list") if _is_map(status) else None
    if not _is_map(ref):
        raise ClaimsError("the payload has no status-list reference")
    try:
        _, kind, number, family, given, dob, valid_from, valid_until = card
        return CardClaims(
            card_number=number,
            family_name=family,
            given_name=given,
            date_of_birth=dob,
            member_state=cwt.get(CWT_ISS),
            valid_from=_parse_day(valid_from, "valid from"),
            valid_until=_parse_day(valid_until, "valid until"),
            status=StatusRef(idx=ref.get("idx"), uri=ref.get("uri")),
            kind=kind,
        )
    except TypeError as exc:  # e.g. unhashable values reaching a set membership test
        raise ClaimsError(f"card claim has a value of the wrong type: {exc}") from None


# --- the generic signed-QR layers (shared with the DCC interop tests) ------------------------


def unprefix(payload: str, prefix: str = PREFIX) -> str:
    """Strip the context prefix; :class:`EncodingError` if it is not there."""
    if not isinstance(payload, str):
        raise EncodingError("the payload is not text")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise EncodingError(f"the payload is longer than {MAX_PAYLOAD_CHARS} characters")
    if not payload.startswith(prefix):
        head = payload[: len(prefix)]
        raise EncodingError(f"the payload starts with {head!r}, not {prefix!r}")
    return payload[len(prefix) :]


def deflate(data: bytes) -> bytes:
    """zlib at level 9 with a 4 KiB window and a small memory level.

    A card's COSE message is ~300 bytes, so the default 32 KiB window buys nothing, while
    allocating and clearing it costs more than the rest of issuing put together. Any
    inflater reads the stream (the window size is in its header).
    """
    c = zlib.compressobj(9, zlib.DEFLATED, 12, 4)
    return c.compress(data) + c.flush()


def inflate(data: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """zlib-decompress with a size limit; :class:`EncodingError` for anything but one stream."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit)
    except zlib.error as exc:
        raise EncodingError(f"the data is not valid zlib: {exc}") from None
    if d.unconsumed_tail:
        raise EncodingError(f"the data inflates to more than {limit} bytes")
    if not d.eof:
        raise EncodingError("the zlib stream is truncated")
    if d.unused_data:
        raise EncodingError(f"{len(d.unused_data)} unexpected bytes after the zlib stream")
    return out


def encode_payload(cose_message: bytes, prefix: str = PREFIX) -> str:
    """COSE bytes -> prefixed Base45 text (zlib in between)."""
    return prefix + base45.encode(deflate(cose_message))


_encoders = threading.local()


def cbor_dumps(value: Any) -> bytes:
    """``cbor2.dumps(value)``, through one reused encoder per thread.

    ``cbor2.dumps`` builds a new encoder and buffer for every call, which costs twice as
    much as encoding a card's claims; a thread's encoder is reused instead (the same bytes:
    a test compares them), and dropped if an encoding fails half-way.
    """
    state = getattr(_encoders, "state", None)
    if state is None:
        fp = io.BytesIO()
        state = _encoders.state = (fp, cbor2.CBOREncoder(fp))
    fp, encoder = state
    fp.seek(0)
    fp.truncate()
    try:
        encoder.encode(value)
    except BaseException:
        _encoders.state = None
        raise
    return fp.getvalue()


def issue_rc1(claims: CardClaims, signer: SigningKey, *, issued_at: datetime) -> str:
    """Sign a card and return its ``RC1:`` QR payload.

    The signer must belong to the card's member state: a French document signer cannot
    issue a German card.
    """
    if signer.member_state != claims.member_state:
        raise ClaimsError(
            f"the signer belongs to {signer.member_state}, the card to {claims.member_state}"
        )
    payload = cbor_dumps(card_to_cwt(claims, issued_at))
    return PREFIX + base45.encode(deflate(sign1(payload, signer.private_key, signer.kid)))
