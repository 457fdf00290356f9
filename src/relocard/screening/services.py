"""Every write of the security screening: list versions, screening runs, reviews, national checks.

Each service checks access (:mod:`relocard.common.access`), runs in one transaction and writes
its audit event there. Audit events name the case and the result, never a listed name, a score
or the applicant's name.

Errors: :class:`~relocard.common.errors.InvalidInput` (bad input, nothing written),
:class:`~relocard.common.errors.InvalidState` (the object moved on, e.g. already decided),
:class:`~relocard.common.errors.NotAllowed`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import User
from relocard.audit.services import audit_record
from relocard.cards.credentials import keystore
from relocard.cards.models import CardStatus
from relocard.cases.models import Application, CaseState
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.core.i18n import Msg
from relocard.core.screening import (
    ListChanges,
    Query,
    QueryError,
    ScreeningIndex,
    check_request_jws,
    entity_from_record,
    entity_record,
    list_changes,
    load_screening_policy,
    parse_list,
    record_fingerprint,
)
from relocard.core.screening.messages import UNSCREENABLE
from relocard.screening.models import (
    CheckAnswer,
    CheckStatus,
    ListedEntity,
    ListVersion,
    NationalCheck,
    ProposalStatus,
    ReviewOutcome,
    ReviewStatus,
    RunResult,
    RunTrigger,
    ScreeningReview,
    ScreeningRun,
)
from relocard.screening.signals import list_version_loaded

__all__ = [
    "REQUEST_FORMAT",
    "LoadResult",
    "case_screen",
    "check_answer_confirm",
    "check_answer_record",
    "check_answer_return",
    "check_request_document",
    "check_request_export",
    "list_version_load",
    "national_checks_request",
    "rescreen_all",
    "review_decide",
    "review_propose",
    "screening_on_submit",
    "version_index",
]

#: The ``format`` of a national check's request document (docs/screening.md).
REQUEST_FORMAT = "relocard-national-check-request/1"
#: Case states in which a case is open and filed (screened at submission, re-screened in bulk).
OPEN_FILED_STATES = (
    CaseState.SUBMITTED,
    CaseState.IN_REVIEW,
    CaseState.CORRECTION_REQUESTED,
    CaseState.REFUSAL_PROPOSED,
    CaseState.APPROVAL_PROPOSED,
)
MAX_REASON = 2000


# --- list versions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadResult:
    version: ListVersion
    changes: ListChanges
    previous: ListVersion | None


def list_version_load(*, data: bytes, loaded_by: str) -> LoadResult:
    """Store a list file as a new version with its entities, all in one transaction.

    Raises :class:`~relocard.core.screening.ListFormatError` for a file that cannot be used and
    :class:`InvalidState` for a file already loaded (same SHA-256): nothing is written. The
    bulk re-screening of every holder and open case is enqueued in the same transaction (the
    worker runs it once the version is committed).
    """
    loaded_by = loaded_by.strip()[:150]
    if not loaded_by:
        raise InvalidInput(_("Say who loads the list (the operator's name)."), field="loaded_by")
    sha = hashlib.sha256(bytes(data)).hexdigest()
    same = ListVersion.objects.filter(sha256=sha).first()
    if same is not None:
        raise InvalidState(
            _("This file is already loaded as list version #%(id)s: nothing to do.")
            % {"id": same.pk}
        )
    sanctions = parse_list(bytes(data))
    records = [entity_record(e) for e in sanctions.entities]
    prints = {r["logical_id"]: record_fingerprint(r) for r in records}
    with transaction.atomic():
        previous = ListVersion.objects.select_for_update().order_by("-id").first()
        earlier = (
            dict(previous.entities.values_list("logical_id", "fingerprint"))
            if previous is not None
            else {}
        )
        changes = list_changes(earlier, prints)
        persons = sum(1 for e in sanctions.entities if e.is_person)
        version = ListVersion.objects.create(
            generation_date=sanctions.generation_date,
            global_file_id=sanctions.global_file_id or "",
            sha256=sha,
            loaded_by=loaded_by,
            loaded_at=timezone.now(),
            persons=persons,
            enterprises=len(sanctions.entities) - persons,
            aliases=sum(len(e.aliases) for e in sanctions.entities),
            changes={**changes.to_dict(), "previous": previous.pk if previous else None},
        )
        ListedEntity.objects.bulk_create(
            [
                ListedEntity(
                    version=version,
                    logical_id=r["logical_id"],
                    reference=r["reference"] or "",
                    subject_type=r["subject_type"],
                    record=r,
                    fingerprint=prints[r["logical_id"]],
                )
                for r in records
            ],
            batch_size=1000,
        )
        audit_record(
            actor=None,
            action="screening.list_loaded",
            obj=version,
            data={
                "sha256": sha,
                "global_file_id": version.global_file_id,
                "generation_date": version.generation_date.isoformat(),
                "loaded_by": loaded_by,
                "entities": len(records),
                "added": len(changes.added),
                "removed": len(changes.removed),
                "changed": len(changes.changed),
            },
        )
        list_version_loaded.send(sender=ListVersion, version=version)
    return LoadResult(version=version, changes=changes, previous=previous)


_INDEXES: dict[tuple[int, str], ScreeningIndex] = {}


def version_index(version: ListVersion) -> ScreeningIndex:
    """The matcher's index of a version (built once per process, kept for the latest only)."""
    key = (version.pk, version.sha256)  # a restored database may reuse an id
    index = _INDEXES.get(key)
    if index is None:
        records = version.entities.values_list("record", flat=True).iterator(chunk_size=2000)
        index = ScreeningIndex([entity_from_record(r) for r in records])
        _INDEXES.clear()
        _INDEXES[key] = index
    return index


# --- screening a case --------------------------------------------------------------------------


def _query(application: Application) -> Query | None:
    """The person's names (Latin as in the passport, Cyrillic) and date of birth; None when no
    name has a given name and a surname (the run then goes to an officer)."""
    a = application.applicant
    names = [
        f"{a.given_names_latin} {a.surname_latin}".strip(),
        f"{a.given_names_cyrillic} {a.surname_cyrillic}".strip(),
    ]
    usable = []
    for name in names:
        try:
            Query(names=(name,))
        except QueryError:
            continue
        usable.append(name)
    if not usable:
        return None
    return Query(names=tuple(usable), birth_date=a.date_of_birth)


def _hit_rows(hits, fingerprints: dict[str, str]) -> list[dict]:
    return [
        {
            "list_id": h.list_id,
            "reference": h.reference or "",
            "name": h.name,
            "score": h.score,
            "query_name": h.query_name,
            "reasons": [r.text for r in h.reasons],
            # The same reasons as messages, read in the officer's language (selectors.hit_reasons).
            "messages": [r.message.to_json() for r in h.reasons],
            "fingerprint": fingerprints.get(h.list_id, ""),
        }
        for h in hits
    ]


_UNSCREENABLE = {
    "list_id": "",
    "reference": "",
    "name": "",
    "score": 0.0,
    "query_name": "",
    "reasons": [UNSCREENABLE],
    "messages": [Msg(UNSCREENABLE).to_json()],
    "fingerprint": "",
}


def _carried(previous: ScreeningRun | None, rows: list[dict]) -> tuple[str, ScreeningRun | None]:
    """An earlier decision stands when the same unchanged listed entities are hit again."""
    if previous is None or previous.review not in (ReviewStatus.CLEARED, ReviewStatus.CONFIRMED):
        return ReviewStatus.PENDING, None
    before = {(h["list_id"], h["fingerprint"]) for h in previous.hits}
    now = {(h["list_id"], h["fingerprint"]) for h in rows}
    if "" in {h["list_id"] for h in rows} or not now <= before:
        return ReviewStatus.PENDING, None
    return previous.review, previous.carried_from or previous


def _latest_decided(application_id: int) -> ScreeningRun | None:
    return (
        ScreeningRun.objects.filter(application_id=application_id)
        .exclude(review__in=[ReviewStatus.NONE, ReviewStatus.PENDING])
        .order_by("-id")
        .first()
    )


def _run(application, version, trigger, hits_rows, previous) -> ScreeningRun:
    if not hits_rows:
        result, review, carried = RunResult.CLEAR, ReviewStatus.NONE, None
    else:
        result = RunResult.POSSIBLE_MATCH
        review, carried = _carried(previous, hits_rows)
    return ScreeningRun(
        application=application,
        cycle=application.cycle,
        version=version,
        ran_at=timezone.now(),
        trigger=trigger,
        result=result,
        hits=hits_rows,
        review=review,
        carried_from=carried,
    )


def _fingerprints(version: ListVersion, list_ids) -> dict[str, str]:
    return dict(
        version.entities.filter(logical_id__in=set(list_ids)).values_list(
            "logical_id", "fingerprint"
        )
    )


def case_screen(*, application: Application, trigger: str = RunTrigger.SUBMISSION):
    """Screen the case's person against the latest list version; None when no list is loaded
    (the approval gate then keeps the case pending). Call inside the caller's transaction."""
    version = ListVersion.objects.order_by("-id").first()
    if version is None:
        return None
    query = _query(application)
    if query is None:
        rows = [dict(_UNSCREENABLE)]
    else:
        hits = version_index(version).screen(query)
        rows = _hit_rows(hits, _fingerprints(version, [h.list_id for h in hits]))
    run = _run(application, version, trigger, rows, _latest_decided(application.pk))
    run.save()
    audit_record(
        actor=None,
        action="screening.case_screened",
        obj=run,
        member_state=application.member_state_id,
        data={"case": application.reference, "version": version.pk, "result": run.result},
    )
    return run


def rescreen_all(*, version: ListVersion) -> dict[str, int]:
    """Re-screen every active holder and every open filed case against ``version`` in bulk
    (``screen_many``), one run each; an earlier decision on the same unchanged hits stands."""
    apps = list(
        Application.objects.filter(
            Q(state__in=OPEN_FILED_STATES)
            | Q(cards__status__in=[CardStatus.ACTIVE, CardStatus.SUSPENDED])
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    counts = {"screened": 0, "possible_matches": 0, "unscreenable": 0}
    index = version_index(version)
    for start in range(0, len(apps), 5000):
        chunk = list(
            Application.objects.filter(pk__in=apps[start : start + 5000])
            .select_related("applicant", "member_state")
            .order_by("pk")
        )
        queries = [(a, _query(a)) for a in chunk]
        screenable = [(a, q) for a, q in queries if q is not None]
        results = index.screen_many([q for _a, q in screenable])
        hits_of = {a.pk: hits for (a, _q), hits in zip(screenable, results, strict=True)}
        listed = {h.list_id for hits in results for h in hits}
        prints = _fingerprints(version, listed) if listed else {}
        raised = [a.pk for a in chunk if a.pk not in hits_of or hits_of[a.pk]]
        previous: dict[int, ScreeningRun] = {}
        for run in (
            ScreeningRun.objects.filter(application_id__in=raised)
            .exclude(review__in=[ReviewStatus.NONE, ReviewStatus.PENDING])
            .order_by("application_id", "-id")
        ):
            previous.setdefault(run.application_id, run)
        runs = []
        for app in chunk:
            if app.pk in hits_of:
                rows = _hit_rows(hits_of[app.pk], prints)
            else:
                rows = [dict(_UNSCREENABLE)]
                counts["unscreenable"] += 1
            runs.append(_run(app, version, RunTrigger.NEW_VERSION, rows, previous.get(app.pk)))
        with transaction.atomic():
            ScreeningRun.objects.bulk_create(runs, batch_size=1000)
            if settings.RELOCARD_SCREENING_REQUIRED:
                _request_missing_checks([a for a in chunk if a.state in OPEN_FILED_STATES])
            counts["screened"] += len(runs)
            counts["possible_matches"] += sum(1 for r in runs if r.result != RunResult.CLEAR)
            audit_record(
                actor=None,
                action="screening.bulk_rescreened",
                obj=version,
                data={"cases": len(runs), "first": chunk[0].pk if chunk else None},
            )
    with transaction.atomic():
        ListVersion.objects.filter(pk=version.pk).update(rescreened_at=timezone.now())
        audit_record(actor=None, action="screening.rescreen_finished", obj=version, data=counts)
    return counts


# --- at submission ---------------------------------------------------------------------------


def national_checks_request(application: Application) -> list[NationalCheck]:
    """Create a request for each national check the member state requires for the case's stage
    (none twice per card year), with the policy's deadline."""
    policy = load_screening_policy(application.member_state_id)
    now = timezone.now()
    deadline = application.member_state.today() + timedelta(days=policy.answer_days)
    created = []
    for check_type in policy.checks(application.stage):
        check, new = NationalCheck.objects.get_or_create(
            application=application,
            cycle=application.cycle,
            check_type=check_type,
            defaults={"stage": application.stage, "requested_at": now, "deadline": deadline},
        )
        if new:
            created.append(check)
            audit_record(
                actor=None,
                action="screening.check_requested",
                obj=check,
                member_state=application.member_state_id,
                data={
                    "case": application.reference,
                    "check": check_type,
                    "deadline": deadline.isoformat(),
                },
            )
    return created


def _request_missing_checks(open_cases: list[Application]) -> None:
    """Request the national checks that open cases filed before screening was on lack (one
    query for the chunk when none lacks any)."""
    if not open_cases:
        return
    have: dict[int, set[str]] = {}
    for app_id, check_type, cycle in NationalCheck.objects.filter(
        application__in=open_cases
    ).values_list("application_id", "check_type", "cycle"):
        have.setdefault(app_id, set()).add(f"{cycle}:{check_type}")
    for app in open_cases:
        required = load_screening_policy(app.member_state_id).checks(app.stage)
        if any(f"{app.cycle}:{t}" not in have.get(app.pk, set()) for t in required):
            national_checks_request(app)


def screening_on_submit(application: Application) -> None:
    """At submission (first card or renewal), inside its transaction: screen the person against
    the latest list and request the national checks. Off only where the test settings turn
    RELOCARD_SCREENING_REQUIRED off."""
    if not settings.RELOCARD_SCREENING_REQUIRED:
        return
    case_screen(application=application, trigger=RunTrigger.SUBMISSION)
    national_checks_request(application)


# --- the screening officers' reviews (four eyes) ------------------------------------------------


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(message, field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Keep the reason under %(n)s characters.") % {"n": MAX_REASON}, field="reason"
        )
    return reason


def review_propose(*, actor: User, run: ScreeningRun, outcome: str, reason: str) -> ScreeningReview:
    """A screening officer proposes to clear a possible match (not the listed person) or to
    confirm it, with a reason; a second officer decides."""
    if not access.can_review_run(actor, run):
        raise NotAllowed(_("Only a screening officer of this member state can do this."))
    if outcome not in ReviewOutcome.values:
        raise InvalidInput(_("Choose whether to clear or to confirm the match."), field="outcome")
    reason = _reason(reason, _("Say why: the reason stays on record."))
    with transaction.atomic():
        locked = ScreeningRun.objects.select_for_update().get(pk=run.pk)
        if locked.review != ReviewStatus.PENDING:
            raise InvalidState(_("This screening result is not waiting for a review."))
        newer = ScreeningRun.objects.filter(application_id=locked.application_id, pk__gt=locked.pk)
        if newer.exists():
            raise InvalidState(
                _("A newer screening of this case replaces this one: review the newer one.")
            )
        if locked.reviews.filter(status=ProposalStatus.PROPOSED).exists():
            raise InvalidState(
                _("A review of this result is already waiting for a second officer.")
            )
        review = ScreeningReview.objects.create(
            run=locked,
            outcome=outcome,
            reason=reason,
            proposed_by=actor,
            proposed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="screening.review_proposed",
            obj=review,
            member_state=run.application.member_state_id,
            data={"case": run.application.reference, "outcome": outcome},
        )
    return review


def review_decide(
    *, actor: User, review: ScreeningReview, confirm: bool, reason: str = ""
) -> ScreeningReview:
    """A second screening officer (never the proposer) confirms the proposal, which then holds
    for the run, or returns it with a reason."""
    if not access.can_decide_review(actor, review):
        raise NotAllowed(
            _("A screening officer of this member state other than the proposer must decide.")
        )
    if not confirm:
        reason = _reason(reason, _("Say why the proposal goes back."))
    with transaction.atomic():
        locked = ScreeningReview.objects.select_for_update().select_related("run").get(pk=review.pk)
        if locked.status != ProposalStatus.PROPOSED:
            raise InvalidState(_("This proposal has already been decided."))
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        if confirm:
            locked.status = ProposalStatus.CONFIRMED
            run = ScreeningRun.objects.select_for_update().get(pk=locked.run_id)
            run.review = (
                ReviewStatus.CLEARED
                if locked.outcome == ReviewOutcome.CLEAR
                else ReviewStatus.CONFIRMED
            )
            run.save(update_fields=["review"])
        else:
            locked.status = ProposalStatus.RETURNED
            locked.return_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "return_reason"])
        application = locked.run.application
        audit_record(
            actor=actor,
            action="screening.review_confirmed" if confirm else "screening.review_returned",
            obj=locked,
            member_state=application.member_state_id,
            data={"case": application.reference, "outcome": locked.outcome},
        )
    return locked


# --- national checks -------------------------------------------------------------------------


def check_answer_record(
    *, actor: User, check: NationalCheck, answer: str, authority_reference: str, note: str = ""
) -> NationalCheck:
    """A screening officer records the authority's answer; a second officer confirms it."""
    if not access.can_handle_national_check(actor, check):
        raise NotAllowed(_("Only a screening officer of this member state can do this."))
    if answer not in CheckAnswer.values:
        raise InvalidInput(_("Choose the authority's answer."), field="answer")
    authority_reference = (authority_reference or "").strip()
    if len(authority_reference) > 80:
        raise InvalidInput(
            _("The authority's reference has at most 80 characters."),
            field="authority_reference",
        )
    if answer == CheckAnswer.OBJECTION and not authority_reference:
        raise InvalidInput(
            _("An objection needs the authority's reference."), field="authority_reference"
        )
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise InvalidInput(
            _("Keep the note under %(n)s characters.") % {"n": MAX_REASON}, field="note"
        )
    with transaction.atomic():
        locked = NationalCheck.objects.select_for_update().get(pk=check.pk)
        if locked.status != CheckStatus.REQUESTED:
            raise InvalidState(_("An answer to this check is already recorded."))
        locked.answer = answer
        locked.authority_reference = authority_reference
        locked.note = note
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.status = CheckStatus.ANSWER_PROPOSED
        locked.save(
            update_fields=[
                "answer",
                "authority_reference",
                "note",
                "answered_by",
                "answered_at",
                "status",
            ]
        )
        audit_record(
            actor=actor,
            action="screening.check_answer_recorded",
            obj=locked,
            member_state=check.application.member_state_id,
            data={
                "case": check.application.reference,
                "check": locked.check_type,
                "answer": answer,
            },
        )
    return locked


def check_answer_confirm(*, actor: User, check: NationalCheck) -> NationalCheck:
    """A second screening officer confirms the recorded answer: it then holds."""
    if not access.can_confirm_check_answer(actor, check):
        raise NotAllowed(
            _(
                "A screening officer of this member state other than the one who recorded the "
                "answer must confirm it."
            )
        )
    with transaction.atomic():
        locked = NationalCheck.objects.select_for_update().get(pk=check.pk)
        if locked.status != CheckStatus.ANSWER_PROPOSED:
            raise InvalidState(_("No answer to this check is waiting for confirmation."))
        if locked.answered_by_id == actor.pk:
            raise NotAllowed(_("You recorded this answer: another officer must confirm it."))
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.status = (
            CheckStatus.NO_OBJECTION
            if locked.answer == CheckAnswer.NO_OBJECTION
            else CheckStatus.OBJECTION
        )
        locked.save(update_fields=["confirmed_by", "confirmed_at", "status"])
        audit_record(
            actor=actor,
            action="screening.check_answer_confirmed",
            obj=locked,
            member_state=check.application.member_state_id,
            data={
                "case": check.application.reference,
                "check": locked.check_type,
                "answer": locked.answer,
            },
        )
    return locked


def check_answer_return(*, actor: User, check: NationalCheck, reason: str) -> NationalCheck:
    """The second officer sends a recorded answer back (e.g. a wrong reference): the check
    waits for an answer again."""
    if not access.can_confirm_check_answer(actor, check):
        raise NotAllowed(
            _(
                "A screening officer of this member state other than the one who recorded the "
                "answer must decide on it."
            )
        )
    reason = _reason(reason, _("Say why the answer goes back."))
    with transaction.atomic():
        locked = NationalCheck.objects.select_for_update().get(pk=check.pk)
        if locked.status != CheckStatus.ANSWER_PROPOSED:
            raise InvalidState(_("No answer to this check is waiting for confirmation."))
        answer = locked.answer
        locked.answer = ""
        locked.authority_reference = ""
        locked.note = ""
        locked.answered_by = None
        locked.answered_at = None
        locked.status = CheckStatus.REQUESTED
        locked.save(
            update_fields=[
                "answer",
                "authority_reference",
                "note",
                "answered_by",
                "answered_at",
                "status",
            ]
        )
        audit_record(
            actor=actor,
            action="screening.check_answer_returned",
            obj=locked,
            member_state=check.application.member_state_id,
            data={
                "case": check.application.reference,
                "check": locked.check_type,
                "answer": answer,
                "reason": reason,
            },
        )
    return locked


def check_request_document(check: NationalCheck) -> dict:
    """The request the national authority receives (docs/screening.md, "National checks")."""
    app = check.application
    a = app.applicant
    return {
        "format": REQUEST_FORMAT,
        "request_id": f"{app.reference}-{check.cycle}-{check.check_type}",
        "member_state": app.member_state_id,
        "case": app.reference,
        "stage": check.stage,
        "check": check.check_type,
        "requested_at": check.requested_at.isoformat(),
        "deadline": check.deadline.isoformat(),
        "person": {
            "surname_latin": a.surname_latin,
            "given_names_latin": a.given_names_latin,
            "surname_cyrillic": a.surname_cyrillic,
            "given_names_cyrillic": a.given_names_cyrillic,
            "date_of_birth": a.date_of_birth.isoformat(),
            "nationality": a.nationality,
            "passport_number": a.passport_number,
            "passport_expiry": a.passport_expiry.isoformat(),
        },
    }


def check_request_export(*, actor: User | None, check: NationalCheck, via: str) -> str:
    """The request signed with the member state's document signer (compact JWS, ES256).

    ``actor`` is the screening officer downloading it, or None for the command line (``via``
    says which); either way the export is audited.
    """
    if actor is not None and not access.can_handle_national_check(actor, check):
        raise NotAllowed(_("Only a screening officer of this member state can do this."))
    document = check_request_document(check)
    signer = keystore().ensure_member_state(check.application.member_state_id)
    token = check_request_jws(signer, document)
    with transaction.atomic():
        NationalCheck.objects.filter(pk=check.pk).update(exported_at=timezone.now())
        audit_record(
            actor=actor,
            action="screening.check_exported",
            obj=check,
            member_state=check.application.member_state_id,
            data={"case": check.application.reference, "check": check.check_type, "via": via},
        )
    return token
