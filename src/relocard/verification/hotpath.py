"""The card checks' hot path: the one module of checking a card that writes SQL by hand.

Two functions, both called by :mod:`relocard.verification.services.checks` only:

* :func:`share_code_find`: a share code by its keyed hash, with its card, the card's member
  state and holder, found or not at the same cost;
* :func:`check_write`: a check's row and its audit event, committed together (with a share
  code's failure counter's change, or a QR check's card looked up by number).

A check's only reads are one row found by an indexed key. Built by the ORM (select_related,
only) they cost about 2 ms of CPU each, a third of a check (see bench/verify_http.md), so they
are written once as SQL and turned into model instances with the ORM's own converters and
``Model.from_db``, as a queryset would.

A check is one row and one audit event, written together. On PostgreSQL both (and the share
code's failure counter, when it changes) are one statement: data-modifying CTEs, atomic on
their own, committed before the answer. The event's part of that statement is the audit
writer's (:func:`relocard.audit.services.audit_event_statement`: the ORM's insert of the
model's columns, with the content hash of :func:`~relocard.audit.services.audit_event_values`);
the check's columns are the CardCheck model's. The event names the check by its public id,
known before the insert, so it need not wait for the row's serial id. Elsewhere (SQLite) the
ORM writes the same rows in one transaction; tests compare the two paths on PostgreSQL.
"""

from __future__ import annotations

import functools
from datetime import date

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.expressions import Col

from relocard.accounts.models import Applicant
from relocard.audit.services import audit_event_insert, audit_event_statement
from relocard.cards.models import Card
from relocard.reference.models import MemberState
from relocard.verification.models import CardCheck, ShareCode

__all__ = ["check_write", "share_code_find"]

# --- reads -----------------------------------------------------------------------------------

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


def share_code_find(digest: str) -> ShareCode | None:
    """The share code with this keyed hash, its ``card``, the card's ``member_state`` and
    ``applicant`` loaded (one indexed join), or None; a missing code builds the same instances
    from a stand-in row without anybody's data, so both answers cost the same."""
    return _fetch("share_code", digest)


# --- the write -------------------------------------------------------------------------------

_CHECK_COLUMNS = tuple(f for f in CardCheck._meta.concrete_fields if not f.primary_key)
_CHECK_RELATIONS = tuple(f for f in _CHECK_COLUMNS if f.is_relation)
_CARD_COLUMN = next(i for i, f in enumerate(_CHECK_COLUMNS) if f.name == "card")
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
def _write_sql(variant: str | None, event_sql: str) -> str:
    """The statement for ``variant``: None (a check), "failed" or "matched" (a share-code
    check and its failure counter's change), "card" (a QR check and its card, looked up by
    number in the same statement), with ``event_sql``, the audit writer's insert of the
    event. It returns the check's id and two more columns."""
    quote = connection.ops.quote_name
    check_columns = ", ".join(quote(f.column) for f in _CHECK_COLUMNS)
    check_values = ", ".join(
        "(SELECT id FROM k)" if variant == "card" and f.name == "card" else "%s"
        for f in _CHECK_COLUMNS
    )
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
        f"e AS ({event_sql}) "
    )
    return f"{sql}SELECT c.id, {tail}"


def check_write(fields: dict, event: dict, *, counter: tuple | None = None, card_number=None):
    """Insert the check (``fields``: the CardCheck's values by field name) and its audit event
    (``event``: :func:`~relocard.audit.services.audit_event_values`), committed together:
    on PostgreSQL in one statement, elsewhere in one transaction through the ORM.

    ``counter``: the share code's failure counter's change, ``("failed", id, limit, now)`` or
    ``("matched", id)``, returning its new (failures, locked_at) when a row changed;
    ``card_number``: a QR check's card, looked up (when given), returning (card id, holder's
    name) when found. Returns the saved check and that pair, or None."""
    if connection.vendor != "postgresql":
        return _write_orm(fields, event, counter=counter, card_number=card_number)
    return _write_statement(fields, event, counter=counter, card_number=card_number)


def _write_statement(fields: dict, event: dict, *, counter=None, card_number=None):
    """:func:`check_write` on PostgreSQL: one statement."""
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
    event_sql, event_params = audit_event_statement(event)
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(variant, event_sql), params + event_params)
        pk, *extra = cursor.fetchone()
    check.pk = pk
    if variant == "card":
        check.card_id = extra[0]
    return check, tuple(extra) if extra[0] is not None else None


def _write_orm(fields: dict, event: dict, *, counter=None, card_number=None):
    """:func:`check_write` through the ORM, in one transaction (SQLite; PostgreSQL in tests)."""
    extra = None
    if card_number:
        card = fields["card"] = _fetch("card", card_number)
        extra = (card.pk, card.applicant.latin_name) if card is not None else None
    check = CardCheck(**fields)
    with transaction.atomic():
        if counter is not None:
            extra = _orm_counter(*counter)
        check.save(force_insert=True)
        audit_event_insert(event)
    return check, extra


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
    # A match resets a non-zero count, returning the new values as the statement does.
    if rows.filter(failures__gt=0).update(failures=0):
        return rows.values_list("failures", "locked_at").first()
    return None
