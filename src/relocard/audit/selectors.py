"""Reading the audit log: verification of the chain and listings for auditors."""

from __future__ import annotations

from dataclasses import dataclass

from relocard.audit.chain import GENESIS_HASH, event_hash
from relocard.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash from the genesis; report the first event that does not match."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    qs = AuditEvent.objects.order_by("seq").values(
        "seq",
        "at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "member_state",
        "data",
        "prev_hash",
        "hash",
    )
    for row in qs.iterator(chunk_size=batch_size):
        if row["seq"] != expected_seq:
            return ChainReport(False, count, expected_seq, f"event #{expected_seq} is missing")
        if row["prev_hash"] != prev_hash:
            return ChainReport(False, count, row["seq"], "its link to the previous event is broken")
        digest = event_hash(
            prev_hash=prev_hash,
            seq=row["seq"],
            at=row["at"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            member_state=row["member_state"],
            data=row["data"],
        )
        if digest != row["hash"]:
            return ChainReport(False, count, row["seq"], "its content does not match its hash")
        prev_hash = digest
        expected_seq += 1
        count += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != count or head.hash != prev_hash):
        return ChainReport(False, count, count + 1, "events after the last one were removed")
    return ChainReport(True, count)


def audit_events_for_object(*, object_type: str, object_id) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("actor")
        .order_by("seq")
    )
