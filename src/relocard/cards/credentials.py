"""The seam between cards and the credentials library (:mod:`relocard.core.credentials`).

Keys live in files under ``RELOCARD_KEY_DIR`` (never in the database, never logged); a
passphrase for them can come from ``RELOCARD_KEY_PASSPHRASE``. Each member state signs its
own cards and its own status list; the programme key signs the trust list of all issuers.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from relocard.cards.models import Card, CardCredential, CardStatus, CredentialFormat, StatusSlot
from relocard.core.credentials import (
    INVALID,
    SUSPENDED,
    CardClaims,
    CardFace,
    CredentialError,
    KeyStore,
    StatusList,
    StatusListUnavailable,
    StatusRef,
    TrustList,
    build_trust_list,
    issue_card_vc,
    issue_rc1,
    render_card_pdf,
    status_list_from_jwt,
    verify,
)
from relocard.enrolment.selectors import current_photo
from relocard.reference.models import MemberState

#: Seconds a verifier may cache a status list (published as ``ttl`` and in Cache-Control).
logger = logging.getLogger(__name__)
STATUS_LIST_TTL = 300
#: How long a signed status list is reused before it is signed afresh (see status_list_jwt).
STATUS_LIST_CACHE_SECONDS = STATUS_LIST_TTL // 5
STATUS_LIST_ID = "1"
TRUST_LIST_CACHE_SECONDS = 3600

#: Entries per member-state status list. Indexes are drawn at random (not in issuing order),
#: as the Token Status List draft recommends, so that a card's index tells nothing about when
#: it was issued or which cards were issued together.
STATUS_LIST_SIZE = getattr(settings, "RELOCARD_STATUS_LIST_SIZE", 1 << 20)


def allocate_status_slot(member_state_code: str) -> int:
    """Reserve a random free index in the member state's status list (inside a transaction)."""
    for _attempt in range(50):
        index = secrets.randbelow(STATUS_LIST_SIZE)
        try:
            with transaction.atomic():
                StatusSlot.objects.create(member_state_id=member_state_code, index=index)
        except IntegrityError:
            continue  # taken: draw again
        return index
    raise RuntimeError("no free status-list slot found; enlarge RELOCARD_STATUS_LIST_SIZE")


@functools.cache
def keystore() -> KeyStore:
    passphrase = os.environ.get("RELOCARD_KEY_PASSPHRASE")
    return KeyStore(
        settings.RELOCARD_KEY_DIR, passphrase=passphrase.encode() if passphrase else None
    )


def base_url() -> str:
    return settings.RELOCARD_BASE_URL


def status_list_uri(member_state: str) -> str:
    return f"{base_url()}/credentials/status/{member_state}/{STATUS_LIST_ID}"


def vct() -> str:
    return f"{base_url()}/credentials/relocatee-card/v1"


def card_claims(card: Card, *, kind: str = "card") -> CardClaims:
    applicant = card.applicant
    return CardClaims(
        card_number=card.number,
        family_name=applicant.surname_latin,
        given_name=applicant.given_names_latin,
        date_of_birth=applicant.date_of_birth.isoformat(),
        member_state=card.member_state_id,
        valid_from=card.valid_from,
        valid_until=card.valid_until,
        status=StatusRef(idx=card.status_list_index, uri=status_list_uri(card.member_state_id)),
        kind=kind,
    )


def credentials_issue(card: Card) -> list[CardCredential]:
    """Sign the card's QR payload and wallet credential (inside the issuing transaction)."""
    signer = keystore().ensure_member_state(card.member_state_id)
    claims = card_claims(card)
    now = timezone.now()
    made = [
        CardCredential(
            card=card,
            format=CredentialFormat.RC1,
            kid=signer.kid_text,
            payload=issue_rc1(claims, signer, issued_at=now),
            issued_at=now,
        ),
        CardCredential(
            card=card,
            format=CredentialFormat.SD_JWT_VC,
            kid=signer.kid_text,
            payload=issue_card_vc(claims, signer, vct=vct(), issuer=base_url(), issued_at=now),
            issued_at=now,
        ),
    ]
    CardCredential.objects.bulk_create(made)
    cache.delete(_trust_cache_key())  # a new signer may have been created
    return made


def interim_issue(card: Card, *, valid_until) -> CardCredential:
    """A "valid while the renewal is processed" certificate: its own QR, its own status slot.

    It states the same facts as the card, with kind ``interim`` and its own validity (until
    the renewal's decision is due); it is withdrawn at the decision.
    """
    signer = keystore().ensure_member_state(card.member_state_id)
    index = allocate_status_slot(card.member_state_id)
    today = card.member_state.today()
    claims = CardClaims(
        card_number=card.number,
        family_name=card.applicant.surname_latin,
        given_name=card.applicant.given_names_latin,
        date_of_birth=card.applicant.date_of_birth.isoformat(),
        member_state=card.member_state_id,
        valid_from=today,
        valid_until=valid_until,
        status=StatusRef(idx=index, uri=status_list_uri(card.member_state_id)),
        kind="interim",
    )
    now = timezone.now()
    return CardCredential.objects.create(
        card=card,
        format=CredentialFormat.RC1,
        kind="interim",
        kid=signer.kid_text,
        payload=issue_rc1(claims, signer, issued_at=now),
        issued_at=now,
        status_list_index=index,
        valid_until=valid_until,
    )


def interim_current(card: Card) -> CardCredential | None:
    return (
        card.credentials.filter(kind="interim", withdrawn_at__isnull=True)
        .order_by("-issued_at")
        .first()
    )


def interim_withdraw(card: Card) -> int:
    """Withdraw the card's interim certificates (the renewal is decided); the next status list
    marks their slots invalid."""
    return card.credentials.filter(kind="interim", withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


def interim_pdf(credential: CardCredential) -> bytes:
    """The printable interim certificate, with its own QR."""
    card = credential.card
    face = CardFace(
        card_number=card.number,
        family_name=card.applicant.surname_latin,
        given_name=card.applicant.given_names_latin,
        date_of_birth=card.applicant.date_of_birth.isoformat(),
        member_state=card.member_state_id,
        valid_from=card.member_state.local_date(credential.issued_at),
        valid_until=credential.valid_until,
        kind="interim",
        issuing_authority=card.member_state.name_en,
    )
    return render_card_pdf(face, credential.payload, size="A4")


def latest(card: Card, fmt: str) -> CardCredential | None:
    return card.credentials.filter(format=fmt, kind="card").order_by("-issued_at", "-id").first()


def wallet_credential_issue(card: Card, *, holder_jwk: dict | None) -> str:
    """A fresh SD-JWT VC, bound to the holder's key when they give one (not stored)."""
    signer = keystore().ensure_member_state(card.member_state_id)
    return issue_card_vc(
        card_claims(card),
        signer,
        vct=vct(),
        issuer=base_url(),
        issued_at=timezone.now(),
        holder_jwk=holder_jwk,
    )


def card_pdf(card: Card, *, size: str) -> bytes:
    rc1 = latest(card, CredentialFormat.RC1)
    if rc1 is None:
        raise LookupError(f"card {card.pk} has no signed QR yet")
    face = CardFace.from_claims(
        card_claims(card),
        issuing_authority=card.member_state.name_en,
        valid_until_reason=card.valid_until_reason,
    )
    photo = current_photo(card.application)
    if photo is not None:
        with photo.file.open("rb") as fh:
            face = replace(face, photo=fh.read())
    return render_card_pdf(face, rc1.payload, size=size)


# --- public lists ---------------------------------------------------------------------------


def _status_versions() -> dict[str, str]:
    """Each member state's latest card status change: the version of its status list.

    Read from the database (one indexed query), so a list can never be cached under a version
    that a transaction which later rolled back announced, nor miss a committed change.
    """
    rows = (
        Card.objects.exclude(status_changed_at=None)
        .values("member_state_id")
        .annotate(latest=Max("status_changed_at"))
        .values_list("member_state_id", "latest")
    )
    versions = {ms: latest.isoformat() for ms, latest in rows}
    withdrawn = (
        CardCredential.objects.exclude(withdrawn_at=None)
        .values("card__member_state_id")
        .annotate(latest=Max("withdrawn_at"))
        .values_list("card__member_state_id", "latest")
    )
    for ms, latest in withdrawn:
        versions[ms] = f"{versions.get(ms, '0')}/{latest.isoformat()}"
    return versions


def _status_version(member_state: str) -> str:
    """One member state's entry of :func:`_status_versions`, for the public list's request path.

    Two aggregates without grouping, which PostgreSQL answers from the end of the
    (member state, status change) index instead of reading every changed card of every state:
    the grouped query grew with the programme (the status list's p95 was twice as slow at
    300,000 applicants as at 3,000)."""
    latest = (
        Card.objects.filter(member_state_id=member_state)
        .exclude(status_changed_at=None)
        .aggregate(latest=Max("status_changed_at"))["latest"]
    )
    withdrawn = (
        CardCredential.objects.filter(card__member_state_id=member_state)
        .exclude(withdrawn_at=None)
        .aggregate(latest=Max("withdrawn_at"))["latest"]
    )
    version = latest.isoformat() if latest is not None else "0"
    if withdrawn is not None:
        version = f"{version}/{withdrawn.isoformat()}"
    return version


def status_list_jwt(member_state: str, *, versions: dict[str, str] | None = None) -> str:
    """The member state's signed status list (cached until a card's status changes).

    Kept in the cache for a fifth of its time-to-live only: verifiers treat a list older than
    its ``ttl`` as unusable (status unknown), so what is served must stay well within it.
    """
    if versions is not None:
        version = versions.get(member_state, "0")
    else:
        version = _status_version(member_state)
    # v2: lists signed with a low s (older cached ones are refused by the verifier).
    key = f"statuslist:v2:{member_state}:{version}"
    token = cache.get(key)
    if token is None:
        token = _build_status_list(member_state)
        cache.set(key, token, STATUS_LIST_CACHE_SECONDS)
    return token


def _build_status_list(member_state: str) -> str:
    status_list = StatusList(STATUS_LIST_SIZE, bits=2)
    rows = Card.objects.filter(
        member_state_id=member_state, status__in=[CardStatus.REVOKED, CardStatus.SUSPENDED]
    ).values_list("status_list_index", "status")
    for index, status in rows:
        status_list.set(index, INVALID if status == CardStatus.REVOKED else SUSPENDED)
    # An interim certificate follows its card while it is in force, and is invalid once
    # withdrawn (the renewal was decided).
    interims = CardCredential.objects.filter(
        card__member_state_id=member_state, kind="interim", status_list_index__isnull=False
    ).values_list("status_list_index", "withdrawn_at", "card__status")
    for index, withdrawn_at, card_status in interims:
        if withdrawn_at is not None or card_status == CardStatus.REVOKED:
            status_list.set(index, INVALID)
        elif card_status == CardStatus.SUSPENDED:
            status_list.set(index, SUSPENDED)
    signer = keystore().ensure_member_state(member_state)
    now = datetime.now(UTC)
    return status_list.to_jwt(
        signer,
        uri=status_list_uri(member_state),
        iat=now,
        exp=now + timedelta(days=1),
        ttl=STATUS_LIST_TTL,
        iss=base_url(),
    )


def _trust_cache_key() -> str:
    return "trustlist:v2"  # v2: signed with a low s (older cached ones are refused)


def trust_list_jws() -> str:
    """The signed list of every issuer (rebuilt hourly and after key changes)."""
    token = cache.get(_trust_cache_key())
    if token is None:
        store = keystore()
        store.ensure_programme()
        for code in _enabled_member_states():
            store.ensure_member_state(code)
        token = build_trust_list(store)
        cache.set(_trust_cache_key(), token, TRUST_LIST_CACHE_SECONDS)
    return token


def trust_anchor_pem() -> bytes:
    """The programme's certificate: verifiers pin it to check the trust list offline."""
    return keystore().ensure_programme().certificate.public_bytes(Encoding.PEM)


def _enabled_member_states() -> list[str]:
    return list(MemberState.objects.filter(programme_enabled=True).values_list("code", flat=True))


#: Parsed lists, reused while the signed text is the same (parsing a list of a million
#: entries for every check would dominate a QR check's cost).
_parsed: dict[str, tuple[str, object]] = {}


def _memo(key: str, text: str, parse):
    hit = _parsed.get(key)
    if hit is not None and hit[0] == text:
        return hit[1]
    value = parse(text)
    _parsed[key] = (text, value)
    return value


def verifier_lists() -> tuple[TrustList, dict[str, object]]:
    """The trust list and every member state's status list, verified as a verifier would.

    A member state's list that cannot be built or verified is given to the verifier as
    :class:`StatusListUnavailable`, so that its cards' checks answer "status unknown"
    (fail closed) instead of failing the request or passing unchecked.
    """
    anchor = keystore().ensure_programme().certificate
    trust = _memo("trust", trust_list_jws(), lambda text: TrustList.from_signed(text, anchor))
    lists: dict[str, object] = {}
    versions = _status_versions()
    for ms in _enabled_member_states():
        uri = status_list_uri(ms)
        try:
            token = status_list_jwt(ms, versions=versions)
            lists[uri] = _memo(
                f"status:{ms}", token, lambda t: status_list_from_jwt(t, trust.signer)
            )
        except CredentialError as exc:
            logger.warning("status list of %s unusable: %s", ms, exc)
            lists[uri] = StatusListUnavailable(uri, f"the status list of {ms} is unusable: {exc}")
    return trust, lists


def verify_payload(payload: str, *, at=None):
    """Verify a card as any verifier would, with the platform's own trust and status lists."""
    trust, lists = verifier_lists()
    return verify(payload, trust_list=trust, status_lists=lists, at=at)
