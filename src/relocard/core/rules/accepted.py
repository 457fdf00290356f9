"""Exceptions a caseworker accepted for one case (e.g. absence for documented force majeure).

An :class:`AcceptedException` is an input, like the facts: who accepted what, and why. The
criteria decide what it changes: each kind is answered by exception rules in the criteria
(:class:`relocard.core.rules.expr.ExceptionRule`), with an applicability condition and a
priority. The ``reason`` is shown to the holder in the explanation: it should cite the evidence
(e.g. "airport closure, evidence E-1042"), never health or other special-category details.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from relocard.core.rules.errors import RulesInputError

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class AcceptedException:
    """An exception accepted by a named caseworker for a stated reason.

    ``days`` is the quantity for absence-type kinds; kinds that need it say so when the engine
    checks the exceptions of an evaluation.
    """

    kind: str
    accepted_by: str
    reason: str
    days: int | None = None
    accepted_on: date | None = None

    def __post_init__(self) -> None:
        where = f"exception {self.kind!r}"
        if not isinstance(self.kind, str) or not self.kind:
            raise RulesInputError("exception: kind must be a non-empty string")
        for name in ("accepted_by", "reason"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise RulesInputError(
                    f"{where}: {name} is required: an accepted exception names who accepted "
                    "it and why"
                )
        if len(self.reason) > MAX_REASON:
            raise RulesInputError(f"{where}: reason is longer than {MAX_REASON} characters")
        if self.days is not None and (
            isinstance(self.days, bool)
            or not isinstance(self.days, int)
            or not 1 <= self.days <= 366
        ):
            raise RulesInputError(f"{where}: days must be a whole number from 1 to 366")
        if self.accepted_on is not None and not isinstance(self.accepted_on, date):
            raise RulesInputError(f"{where}: accepted_on must be a date")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AcceptedException:
        """Read ``{"kind", "accepted_by", "reason", "days"?, "accepted_on"?}``."""
        if isinstance(data, AcceptedException):
            return data
        if not isinstance(data, Mapping):
            raise RulesInputError("exception: expected an object with kind, accepted_by, reason")
        allowed = {"kind", "accepted_by", "reason", "days", "accepted_on"}
        for key in data:
            if key not in allowed:
                raise RulesInputError(
                    f"exception: unknown key {key!r}; allowed: {', '.join(sorted(allowed))}"
                )
        for key in ("kind", "accepted_by", "reason"):
            if key not in data:
                raise RulesInputError(f"exception: {key} is required")
        accepted_on = data.get("accepted_on")
        if isinstance(accepted_on, str):
            try:
                accepted_on = date.fromisoformat(accepted_on)
            except ValueError:
                raise RulesInputError(
                    f"exception: accepted_on {accepted_on!r} is not a date (YYYY-MM-DD)"
                ) from None
        return cls(
            kind=data["kind"],
            accepted_by=data["accepted_by"],
            reason=data["reason"],
            days=data.get("days"),
            accepted_on=accepted_on,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "accepted_by": self.accepted_by,
            "reason": self.reason,
        }
        if self.days is not None:
            out["days"] = self.days
        if self.accepted_on is not None:
            out["accepted_on"] = self.accepted_on.isoformat()
        return out


def aggregate(
    exceptions: Iterable[AcceptedException], attributes: Mapping[str, tuple[str, ...]]
) -> dict[str, dict[str, Any]]:
    """kind -> attribute -> total over the accepted exceptions of that kind.

    ``attributes`` says, per known kind, which attributes it needs; an unknown kind or a
    missing attribute is a :class:`RulesInputError`.
    """
    out: dict[str, dict[str, Any]] = {}
    for exc in exceptions:
        needed = attributes.get(exc.kind)
        if needed is None:
            raise RulesInputError(
                f"exception: unknown kind {exc.kind!r}; known kinds: {', '.join(sorted(attributes))}"
            )
        totals = out.setdefault(exc.kind, dict.fromkeys(needed, 0))
        for attribute in needed:
            value = getattr(exc, attribute)
            if value is None:
                raise RulesInputError(f"exception {exc.kind!r}: {attribute} is required")
            totals[attribute] += value
    return out
