"""Writing to the audit log. Call :func:`audit_record` inside the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from relocard.audit.chain import GENESIS_HASH, event_hash, normalise
from relocard.audit.models import AuditChainHead, AuditEvent

SYSTEM_ACTOR = "system"


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
    """Append one event to the chain. ``actor`` is a user, or None for the system.

    The chain head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers), so concurrent writers line up.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            f"audit_record({action!r}) called outside transaction.atomic(): wrap the change and "
            "its audit event in one transaction."
        )
    otype, oid = _object_ref(obj, object_type, object_id)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    at = timezone.now()
    seq = head.seq + 1
    actor_id = getattr(actor, "pk", None)
    actor_label = actor.get_username() if actor_id is not None else SYSTEM_ACTOR
    clean = normalise(data or {})
    digest = event_hash(
        prev_hash=head.hash,
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=otype,
        object_id=oid,
        member_state=member_state,
        data=clean,
    )
    event = AuditEvent.objects.create(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=otype,
        object_id=oid,
        member_state=member_state,
        data=clean,
        prev_hash=head.hash,
        hash=digest,
    )
    head.seq, head.hash = seq, digest
    head.save(update_fields=["seq", "hash"])
    return event
