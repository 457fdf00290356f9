"""Where an entry stands, and an honest estimate of its wait.

**Position.** An entry waiting in a category has position 1 + the number of entries waiting in
the same category that registered before it (:meth:`WaitingList.position
<relocard.core.waitlist.rules.WaitingList.position>`). Entries not yet triaged, invited or
closed have no position.

**Estimate** (:func:`estimate_wait`), from the category's recent pace of invitations:

1. *Pace.* Count the category's invitations in the window: the last ``window_days`` days up to
   and including ``on`` (the policy's ``estimate.window_days``), or since the category first
   appeared in the ledger if that is later. ``n`` invitations in ``d`` days make a pace of
   ``n / d`` a day. With fewer than ``min_invitations`` (the policy's) there is no estimate:
   too few to say anything honest.
2. *Range.* The count is noisy: a Poisson count of ``n`` is compatible with true paces from
   ``lower(n) / d`` to ``upper(n) / d``, the bounds of an 80 % interval (the exact Garwood
   interval, computed with the Wilson-Hilferty approximation). The earliest day comes from the
   fast pace, the latest from the slow one, the likely day from ``n / d``.
3. *Quotas.* From the day after ``on``, invitations come at that pace but never more in a
   calendar year than the places left in it (this year: the quota less the places taken;
   later years: their quota). A year the policy has no quota for yet is assumed to keep the
   last configured quota, and the estimate lists those years (``assumed_quota_years``) so
   that the page can say so. The entry's day is when the ``position``-th invitation falls.
4. Beyond ten years the estimate says so instead of giving a day.

What it leaves out, and the page should say: people ahead who withdraw make the wait shorter;
people who registered earlier but are triaged into the category later, or moved into it, make
it longer; invitations out of turn take places too.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from relocard.core.waitlist.rules import EntryStatus, Position, WaitingList

__all__ = [
    "HORIZON_YEARS",
    "ReviewDue",
    "Unavailable",
    "WaitEstimate",
    "estimate_wait",
    "pace_interval",
    "reviews_due",
]

HORIZON_YEARS = 10
#: The 90th percentile of the standard normal distribution: bounds of an 80 % interval.
Z_80 = 1.2815515655446004


class Unavailable(StrEnum):
    """Why there is no estimate."""

    NOT_WAITING = "not-waiting"  # not triaged yet, invited, or closed: no place in an order
    TOO_FEW_INVITATIONS = "too-few-invitations"
    NO_QUOTA = "no-quota"  # the category has no places in any year of the horizon
    BEYOND_HORIZON = "beyond-horizon"  # the likely day is more than ten years away


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """An estimate of when an entry will be invited, and what it rests on.

    ``likely``, ``earliest`` and ``latest`` are days; ``latest`` (or all three) may be
    ``None`` beyond the horizon. ``unavailable`` says why there is no estimate at all.
    """

    entry: str
    as_of: date
    position: Position | None
    window_start: date | None
    window_days: int
    invitations: int
    min_invitations: int
    earliest: date | None
    likely: date | None
    latest: date | None
    assumed_quota_years: tuple[int, ...]
    unavailable: Unavailable | None

    @property
    def available(self) -> bool:
        return self.unavailable is None


def pace_interval(n: int, z: float = Z_80) -> tuple[float, float]:
    """Bounds of a two-sided interval for the mean of a Poisson count ``n`` (Garwood's exact
    interval, Wilson-Hilferty approximation; 80 % for the default ``z``)."""
    if n < 0:
        raise ValueError("a count is not negative")
    lower = 0.0 if n == 0 else n * (1 - 1 / (9 * n) - z / (3 * math.sqrt(n))) ** 3
    m = n + 1
    upper = m * (1 - 1 / (9 * m) + z / (3 * math.sqrt(m))) ** 3
    return max(lower, 0.0), upper


def estimate_wait(waiting_list: WaitingList, entry_id: str, *, on: date) -> WaitEstimate:
    """Estimate when ``entry_id`` will be invited, as seen on day ``on`` (normally today)."""
    position = waiting_list.position(entry_id)
    policy = waiting_list.policy
    if position is None or policy is None:
        return WaitEstimate(
            entry_id, on, None, None, 0, 0, 0, None, None, None, (), Unavailable.NOT_WAITING
        )
    category = position.category
    opened = waiting_list.opened_on(category) or on
    start = max(on - timedelta(days=policy.window_days - 1), min(opened, on))
    span = (on - start).days + 1
    days = waiting_list.invitation_days(category)
    n = bisect.bisect_right(days, on) - bisect.bisect_left(days, start)

    def answer(
        earliest: date | None,
        likely: date | None,
        latest: date | None,
        assumed: tuple[int, ...],
        why: Unavailable | None,
    ) -> WaitEstimate:
        return WaitEstimate(
            entry_id,
            on,
            position,
            start,
            span,
            n,
            policy.min_invitations,
            earliest,
            likely,
            latest,
            assumed,
            why,
        )

    if n < policy.min_invitations:
        return answer(None, None, None, (), Unavailable.TOO_FEW_INVITATIONS)
    quotas = policy.categories[category].quotas
    assumed: set[int] = set()

    def capacity(year: int) -> float:
        if year in quotas:
            places = quotas[year]
        else:
            earlier = [y for y in quotas if y < year]
            if not earlier:
                return 0
            places = quotas[max(earlier)]
            assumed.add(year)
        if year == on.year:
            places -= waiting_list.places_used(category, year)
        return max(places, 0)

    horizon = date(on.year + HORIZON_YEARS, on.month, 28 if on.month == 2 else on.day)

    def project(pace: float) -> date | None:
        remaining = float(position.position)
        cursor = on + timedelta(days=1)
        while cursor <= horizon:
            year_end = date(cursor.year, 12, 31)
            possible = min(capacity(cursor.year), pace * ((year_end - cursor).days + 1))
            if remaining <= possible + 1e-9:
                day = cursor + timedelta(days=max(math.ceil(remaining / pace - 1e-9) - 1, 0))
                return day if day <= horizon else None
            remaining -= possible
            cursor = date(cursor.year + 1, 1, 1)
        return None

    low, high = pace_interval(n)
    likely = project(n / span)
    earliest = project(high / span)
    latest = project(low / span) if low > 0 else None
    used_assumptions = tuple(sorted(assumed))
    if likely is None:
        if all(capacity(y) == 0 for y in range(on.year, horizon.year + 1)):
            return answer(None, None, None, (), Unavailable.NO_QUOTA)
        return answer(earliest, None, None, used_assumptions, Unavailable.BEYOND_HORIZON)
    return answer(earliest, likely, latest, used_assumptions, None)


@dataclass(frozen=True, slots=True)
class ReviewDue:
    """A waiting entry whose category is due for review (triaged, reviewed or moved last on
    ``reviewed_on``, which is ``review_days`` of its category or more before today)."""

    entry: str
    category: str
    reviewed_on: date
    due_on: date


def reviews_due(waiting_list: WaitingList, *, on: date) -> tuple[ReviewDue, ...]:
    """Waiting entries due for review on ``on``, the longest overdue first."""
    policy = waiting_list.policy
    if policy is None:
        return ()
    due = []
    for state in waiting_list.entries():
        if state.status is not EntryStatus.WAITING or state.category is None:
            continue
        category = policy.categories.get(state.category)
        if category is None or state.reviewed_on is None:  # pragma: no cover - rules forbid it
            continue
        due_on = state.reviewed_on + timedelta(days=category.review_days)
        if due_on <= on:
            due.append(ReviewDue(state.entry, state.category, state.reviewed_on, due_on))
    return tuple(sorted(due, key=lambda r: (r.due_on, r.entry)))
