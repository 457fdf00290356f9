"""The hash arithmetic, shared by the writer, the sealer and the verifier."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def normalise(data: dict) -> dict:
    """The data as it will read back from any database's JSON column (dates as strings...)."""
    return json.loads(canonical(data))


def event_hash(
    *,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    member_state: str,
    data: dict,
) -> str:
    """SHA-256 of one event's content (its id is covered by the block that seals it)."""
    body = canonical(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "member_state": member_state,
            "data": data,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def block_hash(prev_hash: str, events: Iterable[tuple[int, str]]) -> str:
    """SHA-256 of the previous block's hash and the (id, hash) of each event, in id order."""
    digest = hashlib.sha256(prev_hash.encode())
    for event_id, digest_hex in events:
        digest.update(f"\n{event_id}:{digest_hex}".encode())
    return digest.hexdigest()
