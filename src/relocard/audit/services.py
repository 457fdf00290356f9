"""Writing to the audit log, the one writer: every event is appended here; sealing.

* :func:`audit_record`: append one event inside the change's transaction (the ORM's insert).
* :func:`audit_event_values`: the column values of one event, its content hash included: the
  hash contract (:func:`relocard.audit.chain.event_hash`) is applied here and nowhere else.
* :func:`audit_event_insert`: append an event from those values through the ORM;
  :func:`audit_event_statement`: the same insert as SQL and parameters, for a hot path that
  writes its change and its event in one statement (the card checks on PostgreSQL). The
  statement is the one the ORM compiles for :data:`EVENT_FIELDS`, the model's own columns, so
  a column added to :class:`~relocard.audit.models.AuditEvent` reaches both paths at once.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from relocard.audit.chain import GENESIS_HASH, block_hash, event_hash, normalise
from relocard.audit.models import AuditBlock, AuditChainHead, AuditEvent

SYSTEM_ACTOR = "system"
#: Events sealed per block at most (a block is one statement of a few thousand ids).
BLOCK_SIZE = 5000


#: The columns an event is appended with: every concrete field of the model but its id (from
#: the database's sequence) and its block (set by the sealer, never by a writer).
EVENT_FIELDS = tuple(
    f for f in AuditEvent._meta.concrete_fields if not f.primary_key and f.name != "block"
)


class AuditOutsideTransaction(RuntimeError):
    """An audit event must be written in the same transaction as the change it records."""


def _object_ref(
    obj: models.Model | None, object_type: str | None, object_id: Any
) -> tuple[str, str]:
    if obj is not None:
        return obj._meta.label_lower, str(obj.pk)
    if object_type is None:
        raise ValueError("audit_record needs obj or object_type")
    return object_type, "" if object_id is None else str(object_id)


def audit_event_values(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    member_state: str = "",
    data: dict | None = None,
    at=None,
) -> dict[str, Any]:
    """The column values of one event (keyed by :data:`EVENT_FIELDS`' attribute names), its
    content hash included, ready for :func:`audit_event_insert` or
    :func:`audit_event_statement`."""
    otype, oid = _object_ref(obj, object_type, object_id)
    at = timezone.now() if at is None else at
    actor_id = getattr(actor, "pk", None)
    actor_label = actor.get_username() if actor_id is not None else SYSTEM_ACTOR
    clean = normalise(data or {})
    return {
        "at": at,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": otype,
        "object_id": oid,
        "member_state": member_state,
        "data": clean,
        "hash": event_hash(
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=otype,
            object_id=oid,
            member_state=member_state,
            data=clean,
        ),
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    member_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, or None for the system. Takes no lock."""
    return audit_event_insert(
        audit_event_values(
            actor=actor,
            action=action,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            member_state=member_state,
            data=data,
        )
    )


def audit_event_insert(values: dict[str, Any]) -> AuditEvent:
    """Append the event of :func:`audit_event_values` through the ORM, inside the change's
    transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            f"audit event {values['action']!r} written outside transaction.atomic(): wrap the "
            "change and its audit event in one transaction."
        )
    return AuditEvent.objects.create(**{f.attname: values[f.attname] for f in EVENT_FIELDS})


@functools.cache
def _insert_sql(vendor: str) -> str:
    """The ORM's own INSERT of one event on this kind of database, compiled once."""
    sample = AuditEvent(**{f.attname: None for f in EVENT_FIELDS})
    query = InsertQuery(AuditEvent)
    query.insert_values(EVENT_FIELDS, [sample])
    ((sql, _params),) = query.get_compiler(connection=connection).as_sql()
    return sql


def audit_event_statement(values: dict[str, Any]) -> tuple[str, list]:
    """The event of :func:`audit_event_values` as ``INSERT INTO ... VALUES (...)`` and its
    parameters, prepared for the database as the ORM prepares them.

    For a hot path that writes its change and the event in one statement (as a data-modifying
    CTE on PostgreSQL): that statement must then be atomic on its own or run in the change's
    transaction, which the caller answers for.
    """
    params = [f.get_db_prep_save(values[f.attname], connection) for f in EVENT_FIELDS]
    return _insert_sql(connection.vendor), params


def audit_seal(*, max_blocks: int = 1000) -> int:
    """Seal every committed event not yet in a block; returns how many were sealed.

    Sealers lock the chain head so that blocks line up one after another; writers never wait.
    An event committed after a sealer looked is sealed by the next run.
    """
    sealed = 0
    for _ in range(max_blocks):
        with transaction.atomic():
            head, _created = AuditChainHead.objects.select_for_update().get_or_create(
                id=1, defaults={"blocks": 0, "hash": GENESIS_HASH}
            )
            rows = list(
                AuditEvent.objects.filter(block__isnull=True)
                .order_by("id")
                .values_list("id", "hash")[:BLOCK_SIZE]
            )
            if not rows:
                return sealed
            digest = block_hash(head.hash, rows)
            block = AuditBlock.objects.create(
                sealed_at=timezone.now(),
                count=len(rows),
                first_event=rows[0][0],
                last_event=rows[-1][0],
                prev_hash=head.hash,
                hash=digest,
            )
            AuditEvent.objects.filter(id__in=[r[0] for r in rows], block__isnull=True).update(
                block=block
            )
            head.blocks, head.hash = head.blocks + 1, digest
            head.save(update_fields=["blocks", "hash"])
            sealed += len(rows)
    return sealed
