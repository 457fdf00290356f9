"""Reading the audit log: verification of the chain and listings for auditors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from relocard.audit.chain import GENESIS_HASH, block_hash, event_hash
from relocard.audit.models import AuditBlock, AuditChainHead, AuditEvent


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    events: int
    blocks: int = 0
    unsealed: int = 0
    problem: str = ""


FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "member_state",
    "data",
    "hash",
    "block_id",
)


def _content_ok(row: dict) -> bool:
    return (
        event_hash(
            at=row["at"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            member_state=row["member_state"],
            data=row["data"],
        )
        == row["hash"]
    )


def audit_chain_verify(*, batch_size: int = 5000) -> ChainReport:
    """Recompute every event's hash and every block's hash from the genesis.

    Streams the sealed events block by block (blocks in order, events in id order), then the
    unsealed tail; stops at the first problem and names it. Memory stays at one block.
    """
    blocks = list(AuditBlock.objects.order_by("id").values("id", "count", "prev_hash", "hash"))
    rows = (
        AuditEvent.objects.order_by(F("block_id").asc(nulls_last=True), "id")
        .values(*FIELDS)
        .iterator(chunk_size=batch_size)
    )
    state = {"index": 0, "prev": GENESIS_HASH}
    events = unsealed = 0

    def close(block_id, members) -> str:
        """Check the next expected block against the events found for ``block_id``."""
        while state["index"] < len(blocks):
            block = blocks[state["index"]]
            found = members if block["id"] == block_id else []
            if block["prev_hash"] != state["prev"]:
                return f"block #{block['id']} is not linked to the one before it"
            if len(found) != block["count"] or block_hash(state["prev"], found) != block["hash"]:
                return f"block #{block['id']}: events were changed, removed or added"
            state["prev"] = block["hash"]
            state["index"] += 1
            if block["id"] == block_id:
                return ""
        return f"events name block #{block_id}, which does not exist or is out of order"

    current, members = None, []
    for row in rows:
        if not _content_ok(row):
            return ChainReport(
                False, events, state["index"], problem=f"event #{row['id']} does not match its hash"
            )
        events += 1
        if row["block_id"] != current and current is not None:
            problem = close(current, members)
            if problem:
                return ChainReport(False, events, state["index"], problem=problem)
            members = []
        current = row["block_id"]
        if current is None:
            unsealed += 1
        else:
            members.append((row["id"], row["hash"]))
    if current is not None:
        problem = close(current, members)
        if problem:
            return ChainReport(False, events, state["index"], problem=problem)
    if state["index"] < len(blocks):  # blocks left whose events are all gone
        problem = close(None, [])
        return ChainReport(False, events, state["index"], problem=problem)
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.blocks != len(blocks) or head.hash != state["prev"]):
        return ChainReport(
            False,
            events,
            len(blocks),
            problem="sealed blocks were removed from the end of the chain",
        )
    return ChainReport(True, events, len(blocks), unsealed)


def audit_events_for_object(*, object_type: str, object_id) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))
        .select_related("actor")
        .order_by("id")
    )
