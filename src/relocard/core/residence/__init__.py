"""Presence days: the three-quarters rule and the Schengen 90/180 rule.

A relocatee-card holder must be present in the issuing state on at least three quarters of
the days of the trial year, and may spend at most 90 days in any 180 in other Schengen states.
This package counts both from trips and border crossings, with the uncertainty of missing
records made explicit as a ``[min, max]`` range and the verdict taken on the worst case.

Public API::

    parse_input(mapping) -> CheckInput            # the CLI's JSON, strictly validated
    check(CheckInput) -> PresenceResult           # .to_dict() is `relocard residence check`
    plan_trip(CheckInput, leave, return_, schengen_stays=...) -> PlanResult
    parse_schengen_input(mapping) -> SchengenInput
    schengen_check(SchengenInput) -> SchengenResult   # `relocard residence schengen`
    in_schengen(country, on, border=None) -> bool     # the membership calendar
    check_bulk(holder, left, returned, period_start, period_end, as_of) -> BulkResult

Exceptions::

    ResidenceError                  base of everything raised on purpose
    └── ResidenceInputError         (also a ValueError) input that cannot be used; names the
                                    field (``records[3].returned``) and carries a ``code``

The counting conventions are in :mod:`.presence` and :mod:`.schengen`, and for people in
``docs/residence.md``. All English texts are in :mod:`.messages`.

The bulk API (:mod:`.bulk`) is loaded on first use: it needs numpy, which takes longer to import
than the rest of the package, and the CLI and the web pages never need it.
"""

from typing import TYPE_CHECKING, Any

from relocard.core.residence.countries import (
    EU_TIME_ZONES,
    SCHENGEN_ACCESSIONS,
    Border,
    in_schengen,
    schengen_since,
    time_zone,
)
from relocard.core.residence.errors import ResidenceError, ResidenceInputError
from relocard.core.residence.messages import ERROR_TEMPLATES, WARNING_TEMPLATES
from relocard.core.residence.planner import PlanResult, SchengenPlan, plan_trip
from relocard.core.residence.presence import (
    Absence,
    AbsenceKind,
    DayRange,
    PresenceResult,
    PresenceWarning,
    Status,
    check,
    required_present_days,
)
from relocard.core.residence.records import (
    MAX_PERIOD_DAYS,
    CheckInput,
    Crossing,
    CrossingKind,
    Period,
    Record,
    Source,
    Trip,
    parse_date,
    parse_input,
    parse_record,
    record_to_dict,
)
from relocard.core.residence.schengen import (
    SCHENGEN_LIMIT,
    SCHENGEN_WINDOW,
    SchengenInput,
    SchengenResult,
    Stay,
    parse_schengen_input,
    parse_stays,
    schengen_check,
)

if TYPE_CHECKING:
    from relocard.core.residence.bulk import (
        STATUS_ORDER,
        BulkResult,
        check_bulk,
        check_bulk_frame,
        records_to_rows,
    )

_LAZY = frozenset(
    {"STATUS_ORDER", "BulkResult", "check_bulk", "check_bulk_frame", "records_to_rows"}
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        # Local import: numpy and Polars (half a second to import) load only when the bulk API is used.
        from relocard.core.residence import bulk

        return getattr(bulk, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ERROR_TEMPLATES",
    "EU_TIME_ZONES",
    "MAX_PERIOD_DAYS",
    "SCHENGEN_ACCESSIONS",
    "SCHENGEN_LIMIT",
    "SCHENGEN_WINDOW",
    "STATUS_ORDER",
    "WARNING_TEMPLATES",
    "Absence",
    "AbsenceKind",
    "Border",
    "BulkResult",
    "CheckInput",
    "Crossing",
    "CrossingKind",
    "DayRange",
    "Period",
    "PlanResult",
    "PresenceResult",
    "PresenceWarning",
    "Record",
    "ResidenceError",
    "ResidenceInputError",
    "SchengenInput",
    "SchengenPlan",
    "SchengenResult",
    "Source",
    "Status",
    "Stay",
    "Trip",
    "check",
    "check_bulk",
    "check_bulk_frame",
    "in_schengen",
    "parse_date",
    "parse_input",
    "parse_record",
    "parse_schengen_input",
    "parse_stays",
    "plan_trip",
    "record_to_dict",
    "records_to_rows",
    "required_present_days",
    "schengen_check",
    "schengen_since",
    "time_zone",
]
