"""Presence of a card holder in the issuing country, from their declared trips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from relocard.cards.models import Card, CardStatus
from relocard.core import residence
from relocard.core.residence import WARNING_TEMPLATES, CheckInput, Period, PresenceResult
from relocard.core.residence import Trip as TripRecord
from relocard.presence.models import Trip, TripSource


@dataclass(frozen=True, slots=True)
class Presence:
    card: Card
    result: PresenceResult
    #: The trips in the order of the check's records (``needs_evidence`` indexes into it).
    trips: tuple[Trip, ...]

    @property
    def needs_evidence(self) -> list[Trip]:
        return [self.trips[i] for i in self.result.needs_evidence if i < len(self.trips)]

    @property
    def worst_case_present_days(self) -> int:
        """Present days over the whole period in the worst case, planned trips included."""
        return self.result.days_in_period - self.result.projected_absent_days.max


def current_card(applicant) -> Card | None:
    """The holder's card in force (active or suspended), the newest first."""
    return (
        Card.objects.filter(
            applicant=applicant, status__in=[CardStatus.ACTIVE, CardStatus.SUSPENDED]
        )
        .select_related("member_state", "application")
        .order_by("-valid_from", "-id")
        .first()
    )


def trips_of(applicant) -> list[Trip]:
    return list(
        Trip.objects.filter(applicant=applicant)
        .select_related("evidence")
        .order_by("left", "returned", "id")
    )


def _records(trips) -> tuple[TripRecord, ...]:
    records = []
    for t in trips:
        source = "evidence" if t.source == TripSource.EVIDENCE else "declared"
        if t.left is not None:
            records.append(TripRecord(t.left, t.returned, source))
        else:
            records.append(residence.Crossing("entry", t.returned, source=source))
    return tuple(records)


def presence_for_card(
    card: Card, *, as_of: date | None = None, trips: list[Trip] | None = None
) -> Presence:
    """The three-quarters rule over the card's year, as of a date (today by default)."""
    trips = trips if trips is not None else trips_of(card.applicant)
    day = as_of or card.member_state.today()
    day = min(max(day, card.valid_from), card.valid_until)
    inp = CheckInput(
        country=card.member_state_id,
        period=Period(card.valid_from, card.valid_until),
        as_of=day,
        records=_records(trips),
    )
    return Presence(card=card, result=residence.check(inp), trips=tuple(trips))


def residence_facts(presence: Presence) -> dict:
    """The rules engine's residence facts: the worst case over the whole trial year."""
    return {
        "residence": {
            "present_days": presence.worst_case_present_days,
            "period_days": presence.result.days_in_period,
        }
    }


def travels_in_schengen(card: Card) -> bool:
    """Whether the card gives its holder the 90/180 right to travel in the Schengen area: a
    residence permit of a Schengen state does (France, Germany, Poland); one of a state that
    does not yet apply the Schengen acquis in full does not (Cyprus: its holders need a visa
    for the other states)."""
    return residence.in_schengen(card.member_state_id, card.member_state.today())


def trip_before_card_year(trip: Trip, card: Card | None) -> bool:
    """A trip that ended before the card's year began: none of its days counts for the card
    (presence is counted within the card year only)."""
    last = trip.returned or trip.left
    return card is not None and last is not None and last < card.valid_from


def plan(card: Card, *, leave: date, return_: date, trips: list[Trip] | None = None):
    """'If I travel from X to Y, am I still on track, and how long may I stay in Schengen?'

    The 90/180 side is left out for a card that gives no right to travel in Schengen."""
    trips = trips if trips is not None else trips_of(card.applicant)
    day = min(max(card.member_state.today(), card.valid_from), card.valid_until)
    inp = CheckInput(
        country=card.member_state_id,
        period=Period(card.valid_from, card.valid_until),
        as_of=day,
        records=_records(trips),
    )
    stays = [
        residence.Stay(t.left, t.returned)
        for t in trips
        if t.left
        and t.returned
        and t.destination
        and t.destination != card.member_state_id
        and residence.in_schengen(t.destination, t.left)
    ]
    return residence.plan_trip(
        inp, leave, return_, schengen_stays=stays if travels_in_schengen(card) else None
    )


def _day(value) -> str:
    return (
        formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
        if isinstance(value, str)
        else str(value)
    )


def holder_warnings(presence: Presence) -> list[str]:
    """The check's warnings, worded for the holder in their language (no record numbers)."""
    texts = []
    for w in presence.result.warnings:
        p = dict(w.params)
        match w.code:
            case "missing_return":
                texts.append(
                    _(
                        "You left on %(left)s and no return date is recorded. Until you add it, every day "
                        "until %(until)s counts as abroad."
                    )
                    % {"left": _day(p["left"]), "until": _day(p["worst_until"])}
                )
            case "missing_exit":
                texts.append(
                    _(
                        "You came back on %(entered)s but no departure date is recorded. Until you add it, "
                        "every day from %(since)s counts as abroad."
                    )
                    % {"entered": _day(p["entered"]), "since": _day(p["worst_from"])}
                )
            case "at_risk":
                texts.append(
                    _(
                        "In the worst case you would be abroad %(absent)s days this year, %(over)s more than "
                        "the %(budget)s allowed."
                    )
                    % p
                )
            case "return_by":
                texts.append(
                    _("To keep the rule, come back by %(date)s at the latest.")
                    % {"date": _day(p["latest_return"])}
                )
            case "cannot_meet":
                texts.append(
                    _(
                        "You have already been abroad %(absent)s days, more than the %(budget)s allowed this "
                        "year. Contact your caseworker: absence for force majeure can be excused."
                    )
                    % p
                )
            case "overlapping_records":
                texts.append(
                    _("Some of your trips overlap. Their days are counted once; check the dates.")
                )
            case "duplicate_record":
                texts.append(_("A trip is recorded twice. It is counted once."))
            case _:
                texts.append(_(WARNING_TEMPLATES[w.code]).format(**p))
    return texts
