"""Every write of checking a card: organisations, share codes, API keys, and the checks.

Services take keyword-only arguments, ask :mod:`relocard.common.access` whether the actor may
act, run in one transaction with their audit event, and raise a
:class:`~relocard.common.errors.RelocardError` before writing anything when they cannot act.

Share-code checks answer a wrong code and a wrong date of birth the same way and do the same
work on both paths: the same lookup (by the keyed hash, through a unique index), a
constant-time comparison of the date of birth against the holder's or a fixed stand-in, the
same failure-counter update (on no row when the code does not exist), the same insert of the
check and the same audit event. Only the lock that ends a run of failures, once in a code's
life, adds the holder's notification.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, Role
from relocard.accounts.services import AccountExists, account_create
from relocard.audit.chain import canonical
from relocard.audit.models import AuditEvent
from relocard.audit.services import audit_event_values, audit_record
from relocard.cards.credentials import verifier_lists
from relocard.cards.models import Card, CardStatus
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import notify, send_password_setup
from relocard.core.credentials import verify
from relocard.reference.models import MemberState
from relocard.verification import codes
from relocard.verification.errors import WrongPurpose
from relocard.verification.models import (
    ApiKey,
    CardCheck,
    CheckMethod,
    CheckResult,
    OrganisationStatus,
    Purpose,
    ShareCode,
    VerifierKind,
    VerifierMembership,
    VerifierOrganisation,
)

_CODE_SALT = "relocard.verification.share-code"
_API_KEY_SALT = "relocard.verification.api-key"
API_KEY_PREFIX = "rck_"
#: Compared with the typed date of birth when no code matches, so both paths do the same work.
_STAND_IN_BIRTHDAY = date(1900, 1, 1)
MAX_REASON = 200


def code_digest(code: str) -> str:
    """HMAC-SHA256 of a normalised share code, under a key derived from SECRET_KEY."""
    return salted_hmac(_CODE_SALT, code, algorithm="sha256").hexdigest()


def api_key_digest(key: str) -> str:
    return salted_hmac(_API_KEY_SALT, key, algorithm="sha256").hexdigest()


def _purpose_label(purpose: str) -> str:
    return str(Purpose(purpose).label)


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            _("Say why you are checking, e.g. “Tenancy application for flat 3”."), field="reason"
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Keep the reason to %(max)s characters.") % {"max": MAX_REASON}, field="reason"
        )
    return reason


# --- organisations -------------------------------------------------------------------------


def organisation_register(
    *,
    email: str,
    password: str,
    name: str,
    kind: str,
    country: str,
    registration_number: str = "",
    language: str = "en",
):
    """A verifier signs up with their organisation, which waits for a programme admin."""
    from relocard.reference.models import MemberState

    email = email.strip().lower()
    name = " ".join(name.split())
    if kind not in VerifierKind.values:
        raise InvalidInput(_("Choose the kind of organisation."), field="kind")
    if not name:
        raise InvalidInput(_("Enter the organisation's name."), field="name")
    if not MemberState.objects.filter(code=country).exists():
        raise InvalidInput(_("Choose an EU member state."), field="country")
    registration_number = registration_number.strip()
    if kind != VerifierKind.PRIVATE_LANDLORD and not registration_number:
        raise InvalidInput(
            _("Enter the company or trade register number."), field="registration_number"
        )
    with transaction.atomic():
        user = account_create(
            email=email,
            password=password,
            role=Role.VERIFIER,
            member_state_id=country,
            preferred_language=language,
        )
        organisation = VerifierOrganisation.objects.create(
            name=name,
            kind=kind,
            country_id=country,
            registration_number=registration_number,
        )
        VerifierMembership.objects.create(user=user, organisation=organisation, is_manager=True)
        audit_record(
            actor=user,
            action="verifier.registered",
            obj=organisation,
            member_state=country,
            data={"kind": kind},
        )
    return user


def organisation_decide(*, actor, organisation: VerifierOrganisation, status: str):
    """A programme admin approves or suspends an organisation (approving again reinstates)."""
    if not access.can_approve_organisations(actor):
        raise NotAllowed(_("Only a programme admin can approve verifier organisations."))
    if status not in (OrganisationStatus.APPROVED, OrganisationStatus.SUSPENDED):
        raise InvalidInput(_("Choose approve or suspend."), field="status")
    with transaction.atomic():
        org = VerifierOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if org.status == status:
            raise InvalidState(
                _("The organisation is already “%(status)s”.")
                % {"status": org.get_status_display()}
            )
        old = org.status
        org.status, org.decided_at, org.decided_by = status, timezone.now(), actor
        org.save(update_fields=["status", "decided_at", "decided_by"])
        _forget_keys(organisation_id=org.pk)
        transaction.on_commit(lambda: _forget_keys(organisation_id=org.pk))
        audit_record(
            actor=actor,
            action=f"verifier.{'approved' if status == OrganisationStatus.APPROVED else 'suspended'}",
            obj=org,
            member_state=org.country_id,
            data={"from": old, "to": status},
        )
    return org


def member_add(*, actor, email: str):
    """A manager adds a colleague, who gets an e-mail to set their password."""
    membership = access.verifier_membership(actor)
    if membership is None or not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can add colleagues."))
    email = email.strip().lower()
    with transaction.atomic():
        try:
            user = account_create(
                email=email,
                password=None,
                role=Role.VERIFIER,
                own=False,
                member_state_id=membership.organisation.country_id,
            )
        except AccountExists:
            # No oracle: the manager reads the same answer as for a new address; the
            # address's holder is told that it already has an account.
            from relocard.accounts.emails import send_signup_email

            send_signup_email.enqueue(email, "en")
            return None
        VerifierMembership.objects.create(user=user, organisation=membership.organisation)
        audit_record(
            actor=actor,
            action="verifier.member_added",
            obj=user,
            member_state=membership.organisation.country_id,
            data={"organisation": membership.organisation_id},
        )
        send_password_setup.enqueue(user.pk)
    return user


def api_key_create(*, actor, name: str) -> tuple[ApiKey, str]:
    """A new API key for the actor's organisation; the key itself is returned once, never kept."""
    if not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can create API keys."))
    organisation = access.verifier_membership(actor).organisation
    if not organisation.is_approved:
        raise NotAllowed(_("Your organisation must be approved before it can use the API."))
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Name the key, e.g. “Onboarding system”."), field="name")
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            organisation=organisation,
            name=name[:80],
            prefix=key[:12],
            digest=api_key_digest(key),
            created_by=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="verifier.api_key_created",
            obj=api_key,
            member_state=organisation.country_id,
            data={"organisation": organisation.pk},
        )
    return api_key, key


def api_key_revoke(*, actor, api_key: ApiKey) -> ApiKey:
    if not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can revoke API keys."))
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if key.organisation_id != access.verifier_membership(actor).organisation_id:
            raise NotAllowed(_("This key belongs to another organisation."))
        if key.revoked_at is not None:
            raise InvalidState(_("This key is already revoked."))
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        _forget_keys(digest=key.digest)
        transaction.on_commit(lambda: _forget_keys(digest=key.digest))
        audit_record(
            actor=actor,
            action="verifier.api_key_revoked",
            obj=key,
            member_state=key.organisation.country_id,
        )
    return key


#: Keys recently found, per server process: digest -> (key, organisation, monotonic expiry).
#: A request then needs no query to authenticate; a key revoked (or an organisation suspended)
#: in another process is refused at the latest RELOCARD_API_KEY_CACHE_SECONDS later.
_KEY_MEMO: dict[str, tuple[ApiKey, float]] = {}


def api_key_authenticate(key: str) -> ApiKey | None:
    """The live key (with its organisation) that ``key`` is, or None."""
    if not isinstance(key, str) or not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    digest = api_key_digest(key)
    now = time.monotonic()
    hit = _KEY_MEMO.get(digest)
    if hit is not None and hit[1] > now:
        return hit[0]
    found = (
        ApiKey.objects.select_related("organisation")
        .filter(digest=digest, revoked_at__isnull=True)
        .first()
    )
    if found is None:
        _KEY_MEMO.pop(digest, None)
    else:
        if len(_KEY_MEMO) > 10_000:
            _KEY_MEMO.clear()
        _KEY_MEMO[digest] = (found, now + settings.RELOCARD_API_KEY_CACHE_SECONDS)
    return found


def _forget_keys(organisation_id: int | None = None, digest: str | None = None) -> None:
    for known, (api_key, _until) in list(_KEY_MEMO.items()):
        if known == digest or api_key.organisation_id == organisation_id:
            _KEY_MEMO.pop(known, None)


# --- share codes ---------------------------------------------------------------------------


def _card_today(card: Card) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(card.member_state.timezone))


def card_is_valid(card: Card, *, today: date | None = None) -> bool:
    today = today or _card_today(card)
    return card.status == CardStatus.ACTIVE and card.valid_from <= today <= card.valid_until


def share_code_create(*, actor, card: Card, purpose: str) -> tuple[ShareCode, str]:
    """The holder makes a code for one purpose; the code is returned once and never stored."""
    if not access.can_share_card(actor, card):
        raise NotAllowed(_("You can only make share codes for your own card."))
    if purpose not in Purpose.values:
        raise InvalidInput(
            _("Choose what the code is for: work, renting or a bank account."), field="purpose"
        )
    if not card_is_valid(card):
        raise InvalidState(
            _("This card is not valid, so a share code would show only that. Nothing was made.")
        )
    now = timezone.now()
    active = ShareCode.objects.filter(
        holder_id=card.applicant_id,
        revoked_at__isnull=True,
        locked_at__isnull=True,
        expires_at__gt=now,
    ).count()
    if active >= settings.RELOCARD_SHARE_CODE_MAX_ACTIVE:
        raise InvalidState(
            _(
                "You have %(count)s codes in use. Revoke one you no longer need, then make a new one."
            )
            % {"count": active}
        )
    expires = now + timedelta(days=settings.RELOCARD_SHARE_CODE_DAYS)
    with transaction.atomic():
        for _attempt in range(5):
            code = codes.new_share_code(purpose)
            try:
                with transaction.atomic():
                    share_code = ShareCode.objects.create(
                        holder_id=card.applicant_id,
                        card=card,
                        purpose=purpose,
                        digest=code_digest(code),
                        created_at=now,
                        expires_at=expires,
                    )
                break
            except IntegrityError:  # a 1 in 2**40 collision with an existing code
                continue
        else:  # pragma: no cover - five collisions in a row
            raise RuntimeError("could not draw an unused share code")
        audit_record(
            actor=actor,
            action="share_code.created",
            obj=share_code,
            member_state=card.member_state_id,
            data={"purpose": purpose, "card": card.pk, "expires": expires},
        )
    return share_code, code


def share_code_revoke(*, actor, share_code: ShareCode) -> ShareCode:
    with transaction.atomic():
        locked = ShareCode.objects.select_for_update().select_related("card").get(pk=share_code.pk)
        if not access.can_manage_share_code(actor, locked):
            raise NotAllowed(_("You can only revoke your own share codes."))
        if locked.revoked_at is not None:
            raise InvalidState(_("This code is already revoked."))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="share_code.revoked",
            obj=locked,
            member_state=locked.card.member_state_id,
        )
    return locked


# --- checks --------------------------------------------------------------------------------


def _checker(organisation, user, api_key):
    """The organisation may check, through this person or this key; else NotAllowed."""
    if api_key is not None:
        if api_key.revoked_at is not None or api_key.organisation_id != organisation.pk:
            raise NotAllowed(_("This API key is not valid."))
    else:
        membership = access.verifier_membership(user)
        if membership is None or membership.organisation_id != organisation.pk:
            raise NotAllowed(_("Only people of a verifier organisation can check cards."))
    if not organisation.is_approved:
        raise NotAllowed(
            _(
                "Your organisation is not approved yet. The programme checks new organisations first."
            )
        )


def _purpose_allowed(organisation, purpose: str) -> None:
    if purpose not in organisation.purposes:
        allowed = ", ".join(_purpose_label(p) for p in organisation.purposes)
        raise WrongPurpose(
            _(
                "This is a code for a check of the %(purpose)s. Your organisation checks the "
                "%(allowed)s: ask the person for a code made for that."
            )
            % {"purpose": _purpose_label(purpose).lower(), "allowed": allowed.lower()},
            field="code",
        )


# --- the checks' hot-path reads ----------------------------------------------------------------
#
# A check's only reads are one row found by an indexed key. Built by the ORM (select_related,
# only) they cost about 2 ms of CPU each, a third of a check (see bench/verify_http.md), so
# they are written once as SQL and turned into model instances with the ORM's own converters
# and Model.from_db, as a queryset would.

_SHARE_CODE_COLUMNS = (
    (
        ShareCode,
        "s",
        ("id", "holder_id", "purpose", "expires_at", "revoked_at", "locked_at", "failures"),
    ),
    (
        Card,
        "c",
        ("id", "number", "status", "valid_from", "valid_until", "member_state_id", "applicant_id"),
    ),
    (MemberState, "m", ("code", "timezone")),
    (Applicant, "a", ("id", "user_id", "date_of_birth", "surname_latin", "given_names_latin")),
)
_CARD_COLUMNS = (
    (
        Card,
        "c",
        ("id", "number", "status", "valid_from", "valid_until", "member_state_id", "applicant_id"),
    ),
    (Applicant, "a", ("id", "user_id", "date_of_birth", "surname_latin", "given_names_latin")),
)


#: One raw row per kind, kept from the first lookup that found one (see _fetch).
_STAND_IN_ROWS: dict[str, tuple] = {}


def _stand_in(row: tuple, converters) -> tuple:
    """A copy of a raw row with the same types but nobody's name, birthday or card number."""
    out = []
    for value, (_funcs, col) in zip(row, converters, strict=True):
        name = col.target.name
        if name == "date_of_birth":
            value = "1900-01-01" if isinstance(value, str) else date(1900, 1, 1)
        elif name in ("surname_latin", "given_names_latin", "number") and isinstance(value, str):
            value = "X" * len(value)
        out.append(value)
    return tuple(out)


def _in_field_order(columns):
    """Each model's columns in its concrete-field order, as Model.from_db expects them."""
    out = []
    for model, alias, names in columns:
        order = {f.attname: i for i, f in enumerate(model._meta.concrete_fields)}
        out.append((model, alias, tuple(sorted(names, key=order.__getitem__))))
    return tuple(out)


@functools.cache
def _sql(kind: str, vendor: str):
    """The query, its columns, and per column the ORM's converters (dates on SQLite...)."""
    quote = connection.ops.quote_name
    table = {m: quote(m._meta.db_table) for m in (ShareCode, Card, MemberState, Applicant)}
    columns = _in_field_order(_SHARE_CODE_COLUMNS if kind == "share_code" else _CARD_COLUMNS)
    fields = [
        (alias, {f.attname: f for f in model._meta.concrete_fields}[name])
        for model, alias, names in columns
        for name in names
    ]
    select = ", ".join(f"{alias}.{quote(field.column)}" for alias, field in fields)
    # Table and column names come from the models (quoted); the key is a query parameter.
    if kind == "share_code":
        sql = (
            f"SELECT {select} FROM {table[ShareCode]} s "  # noqa: S608
            f"JOIN {table[Card]} c ON c.id = s.card_id "
            f"JOIN {table[MemberState]} m ON m.code = c.member_state_id "
            f"JOIN {table[Applicant]} a ON a.id = c.applicant_id "
            f"WHERE s.digest = %s"
        )
    else:
        sql = (
            f"SELECT {select} FROM {table[Card]} c "  # noqa: S608
            f"JOIN {table[Applicant]} a ON a.id = c.applicant_id WHERE c.number = %s"
        )
    converters = []
    for alias, field in fields:
        col = Col(alias, field)
        converters.append(
            (connection.ops.get_db_converters(col) + field.get_db_converters(connection), col)
        )
    return sql, columns, converters


def _fetch(kind: str, key: str):
    """Model instances (joined) for one row, or None."""
    sql, columns, converters = _sql(kind, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    found = row is not None
    if found:
        if kind not in _STAND_IN_ROWS:
            _STAND_IN_ROWS[kind] = _stand_in(row, converters)
    else:
        # Build instances from a row seen before and drop them: a missing code costs the same
        # as a found one (see check_by_share_code).
        row = _STAND_IN_ROWS.get(kind)
        if row is None:
            return None
    values = list(row)
    for i, (funcs, col) in enumerate(converters):
        for func in funcs:
            values[i] = func(values[i], col, connection)
    instances = {}
    at = 0
    for model, _alias, names in columns:
        instances[model] = model.from_db(connection.alias, names, values[at : at + len(names)])
        at += len(names)
    card, applicant = instances[Card], instances[Applicant]
    card.applicant = applicant
    if kind == "card":
        return card if found else None
    card.member_state = instances[MemberState]
    share_code = instances[ShareCode]
    share_code.card = card
    return share_code if found else None


# --- the checks' write -----------------------------------------------------------------------
#
# A check is one row and one audit event, written together. On PostgreSQL both (and the share
# code's failure counter, when it changes) are one statement: data-modifying CTEs, atomic on
# their own, committed before the answer. The event names the check by its public id, known
# before the insert, so it need not wait for the row's serial id. Elsewhere (SQLite) the ORM
# writes them in one transaction.

_CHECK_COLUMNS = tuple(f for f in CardCheck._meta.concrete_fields if not f.primary_key)
_EVENT_COLUMNS = ("at", "actor_id", "actor_label", "action", "object_type", "object_id")
_EVENT_COLUMNS += ("member_state", "data", "hash")
_CHECK_RELATIONS = tuple(f for f in _CHECK_COLUMNS if f.is_relation)
_CARD_COLUMN = next(i for i, f in enumerate(_CHECK_COLUMNS) if f.name == "card")
CHECK_OBJECT_TYPE = CardCheck._meta.label_lower
#: The failure counter's change, as a CTE: a wrong code or birthday counts one more (and locks
#: at the limit, returning the lock time), a match resets a non-zero count.
_COUNTER_SQL = {
    "failed": (
        "UPDATE {table} SET {failures} = {failures} + 1, {locked_at} = CASE "
        "WHEN {failures} >= %s AND {locked_at} IS NULL THEN %s ELSE {locked_at} END "
        "WHERE {id} = %s RETURNING {failures}, {locked_at}"
    ),
    "matched": (
        "UPDATE {table} SET {failures} = 0 WHERE {id} = %s AND {failures} > 0 "
        "RETURNING {failures}, {locked_at}"
    ),
}


@functools.cache
def _write_sql(variant: str | None) -> str:
    """The statement for ``variant``: None (a check), "failed" or "matched" (a share-code
    check and its failure counter's change), "card" (a QR check and its card, looked up by
    number in the same statement). It returns the check's id and two more columns."""
    quote = connection.ops.quote_name
    check_columns = ", ".join(quote(f.column) for f in _CHECK_COLUMNS)
    check_values = ", ".join(
        "(SELECT id FROM k)" if variant == "card" and f.name == "card" else "%s"
        for f in _CHECK_COLUMNS
    )
    event_columns = ", ".join(quote(c) for c in _EVENT_COLUMNS)
    event_values = ", ".join("%s::jsonb" if c == "data" else "%s" for c in _EVENT_COLUMNS)
    # Names come from the models (quoted); every value is a query parameter.
    sql, tail = "WITH ", "NULL, NULL FROM c"
    if variant in _COUNTER_SQL:
        update = _COUNTER_SQL[variant].format(
            table=quote(ShareCode._meta.db_table),
            failures=quote("failures"),
            locked_at=quote("locked_at"),
            id=quote("id"),
        )
        sql += f"u AS ({update}), "
        tail = "u.failures, u.locked_at FROM c LEFT JOIN u ON TRUE"
    elif variant == "card":
        applicant = Applicant._meta
        sql += (
            f"k AS (SELECT c.id, a.{quote('surname_latin')} || ', ' || "  # noqa: S608
            f"a.{quote('given_names_latin')} AS name FROM {quote(Card._meta.db_table)} c "
            f"JOIN {quote(applicant.db_table)} a ON a.id = c.{quote('applicant_id')} "
            f"WHERE c.{quote('number')} = %s), "
        )
        tail = "k.id, k.name FROM c LEFT JOIN k ON TRUE"
    sql += (
        f"c AS (INSERT INTO {quote(CardCheck._meta.db_table)} ({check_columns}) "  # noqa: S608
        f"VALUES ({check_values}) RETURNING {quote('id')}), "
        f"e AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({event_columns}) "
        f"VALUES ({event_values})) "
    )
    return f"{sql}SELECT c.id, {tail}"


def _write_check(fields: dict, event: dict, *, counter: tuple | None = None, card_number=None):
    """Insert the check and its audit event, on PostgreSQL in one statement, with
    ``counter``: the share code's failure counter's change, ``("failed", id, limit, now)``
    or ``("matched", id)``, returning its new (failures, locked_at) when a row changed;
    ``card_number``: a QR check's card, looked up (when given), returning (card id, holder's
    name) when found. Returns the saved check and that pair, or None."""
    if connection.vendor != "postgresql":
        extra = None
        if card_number:
            card = fields["card"] = _fetch("card", card_number)
            extra = (card.pk, card.applicant.latin_name) if card is not None else None
        check = CardCheck(**fields)
        with transaction.atomic():
            if counter is not None:
                extra = _orm_counter(*counter)
            check.save(force_insert=True)
            AuditEvent.objects.create(**event)
        return check, extra
    # The row's values, and the instance made from them as a query makes it (cheaper than
    # keyword arguments), with the related objects the caller already has.
    params = [
        fields[f.name] if f.name in fields and not f.is_relation else _pk(fields.get(f.name))
        for f in _CHECK_COLUMNS
    ]
    check = CardCheck.from_db(connection.alias, None, [None, *params])
    for field in _CHECK_RELATIONS:
        if (related := fields.get(field.name)) is not None:
            field.set_cached_value(check, related)
    variant = None
    if counter is not None:
        variant, share_code_id, *rest = counter
        params = ([*rest, share_code_id] if variant == "failed" else [share_code_id]) + params
    elif card_number is not None:
        variant = "card"
        del params[_CARD_COLUMN]
        params.insert(0, card_number)
    params += [canonical(event[c]) if c == "data" else event[c] for c in _EVENT_COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(variant), params)
        pk, *extra = cursor.fetchone()
    check.pk = pk
    if variant == "card":
        check.card_id = extra[0]
    return check, tuple(extra) if extra[0] is not None else None


def _pk(obj):
    return obj.pk if obj is not None else None


def _orm_counter(kind: str, share_code_id: int, *rest):
    """The failure counter's change through the ORM (SQLite): the new (failures, locked_at)."""
    rows = ShareCode.objects.filter(pk=share_code_id)
    if kind == "failed":
        limit, now = rest
        rows.update(
            failures=F("failures") + 1,
            locked_at=Case(
                When(failures__gte=limit, locked_at__isnull=True, then=Value(now)),
                default=F("locked_at"),
            ),
        )
        # Read back on every path, so that a missing code does the same work as a wrong birthday.
        return rows.values_list("failures", "locked_at").first()
    rows.filter(failures__gt=0).update(failures=0)
    return None


def _check_fields(method: str, organisation, user, api_key, purpose: str, reason: str) -> dict:
    """What every check records of who checked, how and why (a person on the web, or an
    organisation's system by its API key), with a new public check id."""
    return {
        "check_id": codes.new_check_id(),
        "organisation": organisation,
        "checked_by": user if api_key is None else None,
        "api_key": api_key,
        "method": method,
        "purpose": purpose,
        "reason": reason,
    }


def _check_event(action: str, check: dict, user, api_key, data: dict) -> dict:
    return audit_event_values(
        actor=user if api_key is None else None,
        action=action,
        object_type=CHECK_OBJECT_TYPE,
        object_id=check["check_id"],
        member_state=check["member_state"],
        data={
            "organisation": check["organisation"].pk,
            "api_key": api_key.pk if api_key is not None else None,
            **data,
        },
        at=check["checked_at"],
    )


def check_by_share_code(
    *,
    organisation: VerifierOrganisation,
    code: str,
    date_of_birth: date,
    reason: str,
    user=None,
    api_key: ApiKey | None = None,
) -> CardCheck:
    """Check a card by share code and date of birth; every attempt is recorded.

    The result is ``valid`` or ``not_valid`` when code and date of birth match a usable code,
    and ``no_match`` otherwise, with no hint of which part was wrong.
    """
    _checker(organisation, user, api_key)
    reason = _clean_reason(reason)
    try:
        normalised = codes.normalise_share_code(code)
    except codes.CodeFormatError:
        raise InvalidInput(
            _("A share code has 9 letters and digits and starts with W, R or B, e.g. R7K 3MX 9QH."),
            field="code",
        ) from None
    purpose = codes.purpose_of(normalised)
    _purpose_allowed(organisation, purpose)
    if not isinstance(date_of_birth, date):
        raise InvalidInput(_("Enter the date of birth."), field="date_of_birth")
    digest = code_digest(normalised)
    now = timezone.now()
    # The code's holder is its card's applicant (share_code_create makes it so): one join.
    row = _fetch("share_code", digest)
    holder = row.card.applicant if row is not None else None
    stored = holder.date_of_birth if holder is not None else _STAND_IN_BIRTHDAY
    birthday_matches = hmac.compare_digest(stored.isoformat(), date_of_birth.isoformat())
    usable = row is not None and row.state_at(now) == "active"
    matched = birthday_matches and usable
    card = row.card if matched else None
    if card is None:
        result = CheckResult.NO_MATCH
    else:
        result = CheckResult.VALID if card_is_valid(card) else CheckResult.NOT_VALID
    fields = {
        **_check_fields(CheckMethod.SHARE_CODE, organisation, user, api_key, purpose, reason),
        "share_code": row,
        "card": card,
        "result": result,
        "detail": card.status if card is not None else "",
        "member_state": card.member_state_id if card is not None else "",
        "valid_until": card.valid_until if card is not None else None,
        "checked_at": now,
    }
    event = _check_event(
        "verification.share_code_check",
        fields,
        user,
        api_key,
        {"purpose": purpose, "result": result},
    )
    if matched:
        # One statement; a match resets a count of failures (there rarely is one).
        check, _counter = _write_check(
            fields, event, counter=("matched", row.pk) if row.failures else None
        )
        check.holder_name = holder.latin_name
        return check
    # A wrong code or birthday: the same statement on both paths (on no row when the code
    # does not exist), in a transaction that also takes the lock when it ends a run.
    max_failures = settings.RELOCARD_SHARE_CODE_MAX_FAILURES
    with transaction.atomic():
        target = row.pk if row is not None else 0
        check, counter = _write_check(
            fields, event, counter=("failed", target, max_failures - 1, now)
        )
        if counter is not None and counter[1] == now:
            audit_record(
                actor=None,
                action="share_code.locked",
                obj=row,
                member_state=row.card.member_state_id,
                data={"failures": counter[0]},
            )
            notify(holder.user, "share_code_locked")  # the user is read on this path only
    return check


#: The verified trust list and status lists, per server process: (monotonic expiry, lists).
_LISTS: dict[str, tuple[float, tuple]] = {}


def _verifier_lists():
    """What :func:`relocard.cards.credentials.verify_payload` verifies with, reused briefly.

    Building the lists costs about 1.5 ms of CPU and two queries (the programme certificate
    read from its file, the status-list versions), 30 times the verification itself, so a
    process keeps them for RELOCARD_QR_LISTS_CACHE_SECONDS. A card status change committed in
    this process clears them at once (:func:`forget_lists`); in other processes it is seen
    within those seconds, against the status list's published TTL of 300 s for offline checks.
    """
    now = time.monotonic()
    hit = _LISTS.get("lists")
    if hit is not None and hit[0] > now:
        return hit[1]
    lists = verifier_lists()
    _LISTS["lists"] = (now + settings.RELOCARD_QR_LISTS_CACHE_SECONDS, lists)
    return lists


def forget_lists(**_kwargs) -> None:
    """A card changed: drop the process's lists now and again once the change commits (so that
    no request in between keeps the old ones); a post_save hook."""
    _LISTS.clear()
    transaction.on_commit(_LISTS.clear)


#: The verifier's verdict -> the recorded result of a QR check.
QR_RESULTS = {
    "valid": CheckResult.VALID,
    "revoked": CheckResult.NOT_VALID,
    "suspended": CheckResult.NOT_VALID,
    "expired": CheckResult.NOT_VALID,
    "not_yet_valid": CheckResult.NOT_VALID,
}


def check_by_qr(
    *,
    organisation: VerifierOrganisation,
    payload: str,
    purpose: str,
    reason: str,
    user=None,
    api_key: ApiKey | None = None,
):
    """Verify a card's QR payload (offline verification, revocation by the status list).

    Returns the recorded check and the verifier's verdict (whose claims are filled in only
    when the signature holds).
    """
    _checker(organisation, user, api_key)
    reason = _clean_reason(reason)
    if purpose not in Purpose.values:
        raise InvalidInput(_("Choose what you are checking."), field="purpose")
    _purpose_allowed(organisation, purpose)
    payload = (payload or "").strip()
    if not payload:
        raise InvalidInput(
            _("Paste the text of the QR code, which starts with “RC1:”."), field="payload"
        )
    trust, lists = _verifier_lists()
    verification = verify(payload, trust_list=trust, status_lists=lists)
    result = QR_RESULTS.get(verification.status, CheckResult.NOT_GENUINE)
    claims = verification.claims if result != CheckResult.NOT_GENUINE else {}
    number = claims.get("card_number")
    valid_until = claims.get("valid_until")
    fields = {
        **_check_fields(CheckMethod.QR, organisation, user, api_key, purpose, reason),
        "card": None,  # the card with this number, if any: looked up as the check is written
        "result": result,
        "detail": verification.status,
        "member_state": claims.get("member_state", ""),
        "valid_until": date.fromisoformat(valid_until) if valid_until else None,
        "checked_at": timezone.now(),
    }
    event = _check_event(
        "verification.qr_check",
        fields,
        user,
        api_key,
        {"purpose": purpose, "result": result, "status": verification.status},
    )
    check, card = _write_check(fields, event, card_number=number or None)
    if card is not None:
        check.holder_name = card[1]
    return check, verification


def check_viewed(*, actor, check: CardCheck, api_key: ApiKey | None = None) -> None:
    """Record that a verifier looked at a check's result again (it may show a name)."""
    if not check.matched:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="verification.check_viewed",
            object_type=CHECK_OBJECT_TYPE,
            object_id=check.check_id,
            member_state=check.member_state,
            data={"api_key": api_key.pk} if api_key is not None else None,
        )
