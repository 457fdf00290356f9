"""The three-quarters rule: count present days in the issuing country from trips and crossings.

How the count works (``docs/residence.md`` says the same for users and caseworkers):

1. Every record becomes an *absence span*: a departure and a return. A trip gives both; an
   exit crossing is paired with the next entry crossing. Both ends are present days; the days
   strictly between them are absent.
2. An end that is not known is bounded by the nearest date on which the person is known to
   have been in the country (any record's departure or return): a missing return lies between
   the departure and the next such date, a missing departure between the previous such date
   and the entry. Each span thus has a *least* absence (the ends as close as possible) and a
   *most* absence (as far apart as possible).
3. Absence days are the union of the spans' days: overlapping and repeated records never count
   a day twice. The least and the most are unions of the least and most spans; because the
   spans' unknown ends are independent, both extremes can happen, so ``[min, max]`` is exact.
4. The *count* covers the period's days up to the as-of date; the *projection* covers the whole
   period, with the future taken as present except for planned records. The status is judged
   on the worst case: ``met``/``not_met`` once the period is over, ``on_track``/``at_risk``
   while it runs.

Everything here is integer arithmetic on calendar-day ordinals: a day is a date, not 86,400
seconds, and the order of the records never matters.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from relocard.core.residence.messages import WARNING_TEMPLATES, render
from relocard.core.residence.records import CheckInput, Crossing, CrossingKind, Source, Trip

#: Sentinels beyond every real ordinal (date.max.toordinal() is 3,652,059).
NEG_INF: Final = -(10**8)
POS_INF: Final = 10**8


class Status(StrEnum):
    """The rule's outcome: a verdict once the period is over, a forecast while it runs."""

    MET = "met"
    NOT_MET = "not_met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"


class AbsenceKind(StrEnum):
    """How much of a span is known."""

    KNOWN = "known"  # departure and return both recorded
    MISSING_RETURN = "missing_return"  # a departure (trip or exit) with no return
    MISSING_EXIT = "missing_exit"  # an entry with no departure before it


@dataclass(frozen=True, slots=True)
class DayRange:
    """A number of days known to lie between ``min`` and ``max`` (equal when certain)."""

    min: int
    max: int

    def to_dict(self) -> dict[str, int]:
        return {"min": self.min, "max": self.max}


@dataclass(frozen=True, slots=True)
class PresenceWarning:
    """Something a person should look at: a stable ``code``, its ``params`` and the records.

    ``message`` is the English text; the shell translates ``code`` with ``params`` instead.
    """

    code: str
    params: Mapping[str, str | int]
    records: tuple[int, ...] = ()

    @property
    def message(self) -> str:
        return render(WARNING_TEMPLATES, self.code, self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "records": list(self.records),
            "params": dict(self.params),
        }


@dataclass(frozen=True, slots=True)
class Absence:
    """One span abroad as the calculator sees it, for the caseworker's view of the records.

    ``left_earliest`` is ``None`` when the departure is unknown and nothing bounds it;
    ``returned_latest`` likewise for the return. ``days`` counts this span's absence days inside
    the period on its own (other spans may cover the same days).
    """

    kind: AbsenceKind
    records: tuple[int, ...]
    sources: tuple[Source, ...]
    left_earliest: date | None
    left_latest: date
    returned_earliest: date
    returned_latest: date | None
    days: DayRange


@dataclass(frozen=True, slots=True)
class PresenceResult:
    """The outcome of :func:`check`. ``to_dict()`` is exactly the CLI's JSON output.

    ``present_days`` and ``absent_days`` count the period's days up to the as-of date;
    ``projected_absent_days`` and ``budget_left`` cover the whole period, planned records
    included. ``budget_left`` is negative when the rule is (in that case) broken.
    """

    country: str
    period_start: date
    period_end: date
    as_of: date
    days_in_period: int
    required_present_days: int
    absence_budget: int
    present_days: DayRange
    absent_days: DayRange
    projected_absent_days: DayRange
    budget_left: DayRange
    status: Status
    latest_return: date | None
    needs_evidence: tuple[int, ...]
    warnings: tuple[PresenceWarning, ...]
    absences: tuple[Absence, ...] = field(default=())

    @property
    def period_over(self) -> bool:
        return self.as_of >= self.period_end

    def to_dict(self) -> dict[str, Any]:
        return {
            "days_in_period": self.days_in_period,
            "required_present_days": self.required_present_days,
            "present_days": self.present_days.to_dict(),
            "absent_days": self.absent_days.to_dict(),
            "status": self.status.value,
            "budget_left": self.budget_left.to_dict(),
            "latest_return": None if self.latest_return is None else self.latest_return.isoformat(),
            "needs_evidence": list(self.needs_evidence),
            "warnings": [warning.to_dict() for warning in self.warnings],
        }


def required_present_days(days_in_period: int) -> int:
    """Three quarters of the period, rounded up: 4 x present >= 3 x days (365 -> 274, 366 -> 275)."""
    return (3 * days_in_period + 3) // 4


# --- spans ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    """A departure/return pair before unknown ends are bounded; ordinals or ``None``."""

    records: tuple[int, ...]
    dep: int | None
    ret: int | None
    sources: frozenset[Source]


@dataclass(frozen=True, slots=True)
class Span:
    """An absence span in ordinals: the departure lies in [dep_lo, dep_hi], the return in
    [ret_lo, ret_hi]. The least absence is (dep_hi, ret_lo) exclusive, the most (dep_lo, ret_hi)."""

    dep_lo: int
    dep_hi: int
    ret_lo: int
    ret_hi: int
    records: tuple[int, ...]
    sources: frozenset[Source]

    @property
    def kind(self) -> AbsenceKind:
        if self.dep_lo != self.dep_hi:
            return AbsenceKind.MISSING_EXIT
        if self.ret_lo != self.ret_hi:
            return AbsenceKind.MISSING_RETURN
        return AbsenceKind.KNOWN

    @property
    def least(self) -> tuple[int, int]:
        return self.dep_hi + 1, self.ret_lo - 1

    @property
    def most(self) -> tuple[int, int]:
        return self.dep_lo + 1, self.ret_hi - 1

    def bounds(self) -> tuple[int, int, int, int]:
        return self.dep_lo, self.dep_hi, self.ret_lo, self.ret_hi


def build_spans(records: Iterable[Trip | Crossing]) -> tuple[list[Span], list[PresenceWarning]]:
    """Turn records into absence spans with bounded ends, merging the same trip seen twice.

    Returns the spans (one per distinct departure/return pair) and the warnings about
    duplicates found on the way.
    """
    raws: list[_Raw] = []
    crossings: list[tuple[int, Crossing]] = []
    for index, record in enumerate(records):
        if isinstance(record, Trip):
            ret = None if record.returned is None else record.returned.toordinal()
            raws.append(_Raw((index,), record.left.toordinal(), ret, frozenset({record.source})))
        else:
            crossings.append((index, record))
    warnings: list[PresenceWarning] = []
    raws.extend(_pair_crossings(crossings, warnings))

    points = sorted({day for raw in raws for day in (raw.dep, raw.ret) if day is not None})
    grouped: dict[tuple[int, int, int, int], list[_Raw]] = {}
    for raw in raws:
        if raw.dep is None:
            assert raw.ret is not None
            at = bisect.bisect_left(points, raw.ret) - 1
            bounds = (points[at] if at >= 0 else NEG_INF, raw.ret, raw.ret, raw.ret)
        elif raw.ret is None:
            at = bisect.bisect_right(points, raw.dep)
            bounds = (raw.dep, raw.dep, raw.dep, points[at] if at < len(points) else POS_INF)
        else:
            bounds = (raw.dep, raw.dep, raw.ret, raw.ret)
        grouped.setdefault(bounds, []).append(raw)

    spans = []
    for bounds, same in grouped.items():
        same.sort(key=lambda raw: raw.records)
        seen: dict[Source, int] = {}
        for raw in same:
            repeated = sorted(source for source in raw.sources if source in seen)
            if repeated:
                original = seen[repeated[0]]
                warnings.append(
                    PresenceWarning(
                        "duplicate_record",
                        {"record": raw.records[0], "original": original},
                        (original, raw.records[0]),
                    )
                )
            for source in raw.sources:
                seen.setdefault(source, raw.records[0])
        records_ = tuple(sorted({index for raw in same for index in raw.records}))
        sources = frozenset(source for raw in same for source in raw.sources)
        spans.append(Span(*bounds, records=records_, sources=sources))
    spans.sort(key=Span.bounds)
    return spans, warnings


def _pair_crossings(
    crossings: list[tuple[int, Crossing]], warnings: list[PresenceWarning]
) -> list[_Raw]:
    """Pair exit and entry crossings into spans, in an order that does not depend on the input.

    Same-kind crossings on the same date are one crossing when either has no time or both have
    the same instant (a border record and a boarding pass of the same flight). On a date with
    several crossings, timed ones go by their instant and an untimed exit or entry goes where
    it continues the sequence (an entry if the person is abroad, an exit if at home), which is
    the only reading that does not invent a trip.
    """
    # (kind, date) -> list of [instant or None, index, sources]
    groups: dict[tuple[CrossingKind, int], list[list[Any]]] = {}
    for index, crossing in sorted(crossings, key=lambda item: item[0]):
        groups.setdefault((crossing.kind, crossing.on.toordinal()), []).append(
            [crossing.instant, index, {crossing.source}]
        )
    by_day: dict[int, dict[str, Any]] = {}
    for (kind, day), items in groups.items():
        timed = sorted((item for item in items if item[0] is not None), key=lambda i: (i[0], i[1]))
        bare = [item for item in items if item[0] is None]
        kept: list[list[Any]] = []
        for item in timed:
            if kept and kept[-1][0] == item[0]:
                _absorb(kept[-1], item, warnings)
            else:
                kept.append(item)
        for item in bare:
            if kept:
                _absorb(kept[0], item, warnings)
            else:
                kept.append(item)
        slot = by_day.setdefault(day, {"timed": [], "bare": {}})
        if kept[0][0] is None:
            slot["bare"][kind] = kept[0]
        else:
            slot["timed"].extend((item[0], item[1], kind, item[2]) for item in kept)

    raws: list[_Raw] = []
    pending: tuple[int, int, frozenset[Source]] | None = None  # (day, index, sources) of an exit
    for day in sorted(by_day):
        timed: list[tuple[datetime, int, CrossingKind, set[Source]]] = sorted(
            by_day[day]["timed"], key=lambda item: (item[0], item[1])
        )
        bare: dict[CrossingKind, list[Any]] = dict(by_day[day]["bare"])
        while timed or bare:
            need = CrossingKind.ENTRY if pending is not None else CrossingKind.EXIT
            # An exit and an entry at the very same instant: take the one that continues.
            pick = next(
                (i for i, item in enumerate(timed) if item[0] == timed[0][0] and item[2] == need),
                None,
            )
            if pick is not None:
                _, index, kind, sources = timed.pop(pick)
            elif need in bare:
                _, index, sources = bare.pop(need)
                kind = need
            elif timed:
                _, index, kind, sources = timed.pop(0)
            else:
                kind, (_, index, sources) = bare.popitem()
            if kind == CrossingKind.EXIT:
                if pending is not None:
                    raws.append(_Raw((pending[1],), pending[0], None, pending[2]))
                pending = (day, index, frozenset(sources))
            elif pending is not None:
                raws.append(
                    _Raw((pending[1], index), pending[0], day, pending[2] | frozenset(sources))
                )
                pending = None
            else:
                raws.append(_Raw((index,), None, day, frozenset(sources)))
    if pending is not None:
        raws.append(_Raw((pending[1],), pending[0], None, pending[2]))
    return raws


def _absorb(kept: list[Any], duplicate: list[Any], warnings: list[PresenceWarning]) -> None:
    """Fold a repeated crossing into the one kept; warn when the same source said it twice."""
    if duplicate[2] & kept[2]:
        warnings.append(
            PresenceWarning(
                "duplicate_record",
                {"record": duplicate[1], "original": kept[1]},
                (kept[1], duplicate[1]),
            )
        )
    kept[2] = kept[2] | duplicate[2]


# --- interval arithmetic ---------------------------------------------------------------------


def merge_intervals(
    intervals: Iterable[tuple[int, int]], lo: int, hi: int
) -> list[tuple[int, int]]:
    """Clip closed day intervals to [lo, hi], drop empty ones, merge overlapping and adjacent."""
    clipped = sorted((max(s, lo), min(e, hi)) for s, e in intervals if max(s, lo) <= min(e, hi))
    merged: list[tuple[int, int]] = []
    for s, e in clipped:
        if merged and s <= merged[-1][1] + 1:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _length(merged: Iterable[tuple[int, int]]) -> int:
    return sum(e - s + 1 for s, e in merged)


def _covered(merged: list[tuple[int, int]], s: int, e: int) -> bool:
    """Whether every day of [s, e] lies in the merged (disjoint, non-adjacent) intervals."""
    at = bisect.bisect_right(merged, (s, POS_INF)) - 1
    return at >= 0 and merged[at][0] <= s and merged[at][1] >= e


def latest_return(
    absent: list[tuple[int, int]], first_extra: int, lo: int, hi: int, budget: int
) -> int | None:
    """The last return day R such that absences ``absent`` plus [first_extra, R-1] fit the budget.

    ``absent`` is merged and clipped to the period [lo, hi]. Returns at most ``hi + 1`` (staying
    abroad past the period's end costs nothing more in this period) and ``None`` when even an
    immediate return (R = first_extra) breaks the budget.
    """
    used = _length(absent)
    if used > budget:
        return None
    day = max(first_extra, lo)
    at = bisect.bisect_right(absent, (day, POS_INF)) - 1
    while day <= hi:
        while at + 1 < len(absent) and absent[at + 1][0] <= day:
            at += 1
        if not (at >= 0 and absent[at][0] <= day <= absent[at][1]):
            used += 1
            if used > budget:
                return day
        day += 1
    return hi + 1


# --- the check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Analysis:
    """The intermediate state of a check, shared with the planner."""

    input: CheckInput
    spans: tuple[Span, ...]
    warnings: tuple[PresenceWarning, ...]
    start: int
    end: int
    as_of: int
    budget: int

    @property
    def count_hi(self) -> int:
        return min(self.as_of, self.end)

    def most(self, lo: int, hi: int) -> list[tuple[int, int]]:
        return merge_intervals((span.most for span in self.spans), lo, hi)

    def least(self, lo: int, hi: int) -> list[tuple[int, int]]:
        return merge_intervals((span.least for span in self.spans), lo, hi)


def analyse(inp: CheckInput) -> Analysis:
    spans, warnings = build_spans(inp.records)
    days = inp.period.days
    return Analysis(
        input=inp,
        spans=tuple(spans),
        warnings=tuple(warnings),
        start=inp.period.start.toordinal(),
        end=inp.period.end.toordinal(),
        as_of=inp.as_of.toordinal(),
        budget=days - required_present_days(days),
    )


def check(inp: CheckInput) -> PresenceResult:
    """Count present days for ``inp`` and judge the three-quarters rule (see module docstring)."""
    a = analyse(inp)
    start, end, as_of, budget = a.start, a.end, a.as_of, a.budget
    days = inp.period.days
    count_hi = a.count_hi
    elapsed = max(0, count_hi - start + 1)

    certain_count = a.least(start, count_hi)
    worst_count = a.most(start, count_hi)
    absent = DayRange(_length(certain_count), _length(worst_count))
    certain_proj = a.least(start, end)
    worst_proj = a.most(start, end)
    projected = DayRange(_length(certain_proj), _length(worst_proj))
    budget_left = DayRange(budget - projected.max, budget - projected.min)

    period_over = as_of >= end
    if period_over:
        status = Status.MET if absent.max <= budget else Status.NOT_MET
    else:
        status = Status.ON_TRACK if projected.max <= budget else Status.AT_RISK

    back: int | None = None
    if not period_over:
        current = [span for span in a.spans if span.dep_lo <= as_of < span.ret_hi]
        if current:
            truncated = (
                (span.dep_lo + 1, min(span.ret_hi - 1, as_of))
                if span.dep_lo <= as_of < span.ret_hi
                else span.most
                for span in a.spans
            )
            back = latest_return(
                merge_intervals(truncated, start, end), as_of + 1, start, end, budget
            )

    needs_evidence: set[int] = set()
    relevant = {i for span in a.spans if _touches(span, start, end) for i in span.records}
    warnings = [w for w in a.warnings if relevant.intersection(w.records)]
    for span in a.spans:
        if span.kind is AbsenceKind.KNOWN:
            continue
        s, e = span.most
        if _open_days(certain_count, s, e, start, count_hi):
            needs_evidence.update(span.records)
        if not _open_days(certain_proj, s, e, start, end):
            continue
        if span.kind is AbsenceKind.MISSING_RETURN:
            params: dict[str, str | int] = {
                "record": span.records[0],
                "left": _iso(span.dep_lo),
                "worst_until": _iso(min(e, end)),
            }
            warnings.append(PresenceWarning("missing_return", params, span.records))
        else:
            params = {
                "record": span.records[0],
                "entered": _iso(span.ret_lo),
                "worst_from": _iso(max(s, start)),
            }
            warnings.append(PresenceWarning("missing_exit", params, span.records))
    warnings.extend(_overlaps(a))
    if not period_over:
        if absent.min > budget:
            warnings.append(
                PresenceWarning("cannot_meet", {"absent": absent.min, "budget": budget})
            )
        elif status is Status.AT_RISK:
            warnings.append(
                PresenceWarning(
                    "at_risk",
                    {"absent": projected.max, "budget": budget, "over": projected.max - budget},
                )
            )
        if back is not None:
            warnings.append(PresenceWarning("return_by", {"latest_return": _iso(back)}))

    return PresenceResult(
        country=inp.country,
        period_start=inp.period.start,
        period_end=inp.period.end,
        as_of=inp.as_of,
        days_in_period=days,
        required_present_days=days - budget,
        absence_budget=budget,
        present_days=DayRange(elapsed - absent.max, elapsed - absent.min),
        absent_days=absent,
        projected_absent_days=projected,
        budget_left=budget_left,
        status=status,
        latest_return=None if back is None else date.fromordinal(back),
        needs_evidence=tuple(sorted(needs_evidence)),
        warnings=tuple(warnings),
        absences=tuple(
            _absence(span, start, end) for span in a.spans if _touches(span, start, end)
        ),
    )


def _open_days(certain: list[tuple[int, int]], s: int, e: int, lo: int, hi: int) -> bool:
    """Whether [s, e] has a day inside [lo, hi] that is not certainly absent anyway."""
    s, e = max(s, lo), min(e, hi)
    return s <= e and not _covered(certain, s, e)


def _touches(span: Span, start: int, end: int) -> bool:
    return span.dep_lo <= end and span.ret_hi >= start


def _overlaps(a: Analysis) -> list[PresenceWarning]:
    """Clusters of spans whose certain parts overlap in time (touching at a day is fine)."""
    spans = sorted(
        (span for span in a.spans if _touches(span, a.start, a.end)),
        key=lambda span: (span.dep_hi, span.ret_lo),
    )
    out: list[PresenceWarning] = []
    cluster: list[Span] = []
    reach = NEG_INF
    for span in [*spans, None]:
        if span is not None and cluster and span.dep_hi < reach:
            cluster.append(span)
            reach = max(reach, span.ret_lo)
            continue
        if len(cluster) > 1:
            records = tuple(sorted({i for member in cluster for i in member.records}))
            out.append(PresenceWarning("overlapping_records", {"records": _join(records)}, records))
        if span is not None:
            cluster, reach = [span], span.ret_lo
    return out


def _absence(span: Span, start: int, end: int) -> Absence:
    return Absence(
        kind=span.kind,
        records=span.records,
        sources=tuple(sorted(span.sources)),
        left_earliest=None if span.dep_lo == NEG_INF else date.fromordinal(span.dep_lo),
        left_latest=date.fromordinal(span.dep_hi),
        returned_earliest=date.fromordinal(span.ret_lo),
        returned_latest=None if span.ret_hi == POS_INF else date.fromordinal(span.ret_hi),
        days=DayRange(_clipped(*span.least, start, end), _clipped(*span.most, start, end)),
    )


def _clipped(s: int, e: int, lo: int, hi: int) -> int:
    """Days of [s, e] inside [lo, hi]."""
    return max(0, min(e, hi) - max(s, lo) + 1)


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _join(indexes: tuple[int, ...]) -> str:
    if len(indexes) == 2:
        return f"{indexes[0]} and {indexes[1]}"
    return ", ".join(str(i) for i in indexes[:-1]) + f" and {indexes[-1]}"
