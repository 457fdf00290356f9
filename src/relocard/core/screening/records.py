"""Listed entities as JSON records (what the database keeps of a list version), the changes
between two versions, and the signed request of a national check.

* :func:`entity_record` / :func:`entity_from_record`: an :class:`~.fsf.Entity` as a JSON-able
  mapping holding what matching needs (names, dates of birth, citizenships, the regulations'
  programmes and numbers), and back; :func:`record_fingerprint` its SHA-256, which tells
  whether a listed entity changed between two versions.
* :func:`list_changes`: added, removed and changed entities between two versions.
* :func:`check_request_jws`: a national check's request document signed as a compact JWS
  (ES256, the member state's document signer; docs/screening.md describes the format).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from joserfc import jws
from joserfc.jwk import ECKey

from relocard.core.credentials import LARGE_DOCUMENTS, Signer, kid_text, low_s_jws
from relocard.core.screening.fsf import BirthDate, Entity, NameAlias, Regulation, SubjectType

__all__ = [
    "CHECK_REQUEST_TYP",
    "ListChanges",
    "check_request_jws",
    "entity_from_record",
    "entity_record",
    "list_changes",
    "record_fingerprint",
]

#: The ``typ`` header of a national check's request.
CHECK_REQUEST_TYP: Final = "relocard-national-check+jwt"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def entity_record(entity: Entity) -> dict[str, Any]:
    """What the database keeps of a listed entity: enough to screen and to show an officer."""
    return {
        "logical_id": entity.logical_id,
        "reference": entity.reference,
        "subject_type": entity.subject_type.value,
        "aliases": [
            {
                "whole_name": a.whole_name,
                "first_name": a.first_name,
                "middle_name": a.middle_name,
                "last_name": a.last_name,
                "language": a.language,
                "gender": a.gender,
                "strong": a.strong,
            }
            for a in entity.aliases
        ],
        "birth_dates": [
            {
                "full": _iso(b.full),
                "year": b.year,
                "month": b.month,
                "year_from": b.year_from,
                "year_to": b.year_to,
                "circa": b.circa,
            }
            for b in entity.birth_dates
        ],
        "citizenships": list(entity.citizenships),
        "regulations": [
            {"programme": r.programme, "number_title": r.number_title} for r in entity.regulations
        ],
        "designation_date": _iso(entity.designation_date),
    }


def entity_from_record(record: Mapping[str, Any]) -> Entity:
    """The :class:`Entity` a record was made from (as far as screening needs it)."""
    return Entity(
        logical_id=record["logical_id"],
        reference=record.get("reference"),
        subject_type=SubjectType(record["subject_type"]),
        aliases=tuple(NameAlias(**a) for a in record["aliases"]),
        birth_dates=tuple(
            BirthDate(**{**b, "full": _date(b.get("full"))}) for b in record["birth_dates"]
        ),
        citizenships=tuple(record.get("citizenships", ())),
        regulations=tuple(Regulation(**r) for r in record.get("regulations", ())),
        designation_date=_date(record.get("designation_date")),
    )


def record_fingerprint(record: Mapping[str, Any]) -> str:
    blob = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ListChanges:
    """Logical ids added, removed and changed (names, dates, ...) since the earlier version."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
        }


def _key(logical_id: str) -> tuple[int, str]:
    return (int(logical_id), "") if logical_id.isdigit() else (1 << 62, logical_id)


def list_changes(earlier: Mapping[str, str], later: Mapping[str, str]) -> ListChanges:
    """The changes between two versions, each given as ``{logical_id: fingerprint}``."""
    return ListChanges(
        added=tuple(sorted(later.keys() - earlier.keys(), key=_key)),
        removed=tuple(sorted(earlier.keys() - later.keys(), key=_key)),
        changed=tuple(
            sorted((k for k in later.keys() & earlier.keys() if later[k] != earlier[k]), key=_key)
        ),
    )


def check_request_jws(signer: Signer, document: Mapping[str, Any]) -> str:
    """The request document as a compact JWS: ES256 with a low ``s``, the signer's ``kid``."""
    header = {"alg": "ES256", "kid": kid_text(signer.kid), "typ": CHECK_REQUEST_TYP}
    payload = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return low_s_jws(
        jws.serialize_compact(
            header,
            payload.encode(),
            ECKey.import_key(signer.private_key),
            registry=LARGE_DOCUMENTS,
        )
    )
