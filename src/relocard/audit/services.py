"""Writing to the audit log: :func:`audit_record` inside the change's transaction; sealing."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from relocard.audit.chain import GENESIS_HASH, block_hash, event_hash, normalise
from relocard.audit.models import AuditBlock, AuditChainHead, AuditEvent

SYSTEM_ACTOR = "system"
#: Events sealed per block at most (a block is one statement of a few thousand ids).
BLOCK_SIZE = 5000


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
    """The column values of one event, its content hash included, ready to insert.

    :func:`audit_record` inserts them; a hot path that writes its change and the event in
    one SQL statement inserts them itself (the caller then answers for the transaction).
    """
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
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction(
            f"audit_record({action!r}) called outside transaction.atomic(): wrap the change and "
            "its audit event in one transaction."
        )
    return AuditEvent.objects.create(
        **audit_event_values(
            actor=actor,
            action=action,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            member_state=member_state,
            data=data,
        )
    )


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
