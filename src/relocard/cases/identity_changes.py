"""Verified identity is frozen: changes of identity details go through a reviewed request.

From the first submission on, the identity fields of an applicant (names in both scripts,
date of birth, nationality, passport number and expiry) no longer change on the profile
page. The holder files a *change of identity details* with a document (a new passport, or a
name-change document with the passport); a caseworker or supervisor of the member state of
the holder's case reviews it. Until it is approved, every page, card, credential and check
keeps the verified identity. On approval, in one transaction with its audit events, the
identity changes, each active card of the case is revoked (the status list says so at once)
and re-issued with the new identity and a validity recomputed from the new passport (up to
the end of the same card year). A decided case keeps the identity it was decided on
(``Decision.identity``); the change shows on the case as a later event.

Errors: :class:`~relocard.common.errors.InvalidInput` (nothing changed, a bad document or
value), :class:`~relocard.common.errors.InvalidState` (a request is already open, or was
decided), :class:`~relocard.common.errors.NotAllowed` (not the holder, not a reviewer of
the member state).
"""

from __future__ import annotations

import secrets
from datetime import date

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, User
from relocard.accounts.services import IDENTITY_FIELDS
from relocard.audit.services import audit_record
from relocard.cards.models import CardStatus
from relocard.cards.services import card_issue, card_validity
from relocard.cases.models import (
    Application,
    IdentityChangeKind,
    IdentityChangeRequest,
    IdentityChangeStatus,
)
from relocard.cases.steps import local_today
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.files import check_evidence_file
from relocard.common.notifications import notify
from relocard.common.person_index import index_applicant
from relocard.core.calendar import validity_limit

_DATES = {"date_of_birth", "passport_expiry"}


def identity_of(applicant: Applicant) -> dict:
    """The identity as stored, dates as ISO strings (for snapshots and requests)."""
    return {
        f: getattr(applicant, f).isoformat() if f in _DATES else getattr(applicant, f)
        for f in IDENTITY_FIELDS
    }


def reviewing_case(applicant: Applicant) -> Application | None:
    """The case whose member state reviews a change: the one with the latest card, else the
    latest filed one."""
    card = applicant.cards.select_related("application").order_by("-issued_at").first()
    if card is not None:
        return card.application
    return (
        applicant.applications.filter(submitted_at__isnull=False).order_by("-submitted_at").first()
    )


def _changes(previous: dict, wanted: dict) -> dict:
    changes = {f: v for f, v in wanted.items() if previous.get(f) != v}
    if not changes:
        raise InvalidInput(
            _("Nothing differs from your verified details. Change the details that changed.")
        )
    return changes


def identity_change_request(
    *, actor: User, applicant: Applicant, kind: str, data: dict, upload
) -> IdentityChangeRequest:
    """The holder asks to change identity details, with the document that shows them."""
    if not (access.is_applicant(actor) and applicant.user_id == actor.pk):
        raise NotAllowed(_("Only the person concerned can ask to change their identity details."))
    if kind not in IdentityChangeKind.values:
        raise InvalidInput(_("Choose the document that shows the new details."), field="kind")
    unknown = set(data) - set(IDENTITY_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown identity fields: {', '.join(sorted(unknown))}")
    wanted = {
        f: v.isoformat() if isinstance(v, date) else v for f, v in data.items() if v is not None
    }
    changes = _changes(identity_of(applicant), wanted)
    expiry = changes.get("passport_expiry")
    if expiry and date.fromisoformat(expiry) <= timezone.localdate():
        raise InvalidInput(
            _("The passport has expired. Enter a valid passport."), field="passport_expiry"
        )
    checked = check_evidence_file(upload)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[
        checked.content_type
    ]
    request = IdentityChangeRequest(
        applicant=applicant,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        requested_by=actor,
    )
    request.file.save(
        f"{secrets.token_hex(16)}.{extension}", ContentFile(checked.content), save=False
    )
    try:
        with transaction.atomic():
            locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
            request.previous = identity_of(locked)
            request.changes = _changes(request.previous, wanted)
            case = reviewing_case(locked)
            if case is None:
                raise InvalidState(
                    _("Before you file an application, change your details on the profile page.")
                )
            if locked.identity_changes.filter(status=IdentityChangeStatus.REQUESTED).exists():
                raise InvalidState(
                    _("A change of your identity details is already waiting for a caseworker.")
                )
            request.application = case
            request.requested_at = timezone.now()
            try:
                with transaction.atomic():
                    request.save()
            except IntegrityError as exc:
                raise InvalidState(
                    _("A change of your identity details is already waiting for a caseworker.")
                ) from exc
            audit_record(
                actor=actor,
                action="identity_change.requested",
                obj=request,
                member_state=case.member_state_id,
                # Field names only: the audit log never holds personal data.
                data={"case": case.reference, "fields": sorted(changes), "sha256": checked.sha256},
            )
    except BaseException:
        request.file.delete(save=False)
        raise
    return request


def identity_change_decide(
    *, actor: User, request: IdentityChangeRequest, approve: bool, note: str = ""
) -> IdentityChangeRequest:
    """A caseworker of the case's member state approves (identity changes, cards re-issued,
    old ones revoked) or refuses (with a reason the holder reads) a change request."""
    note = note.strip()
    if not approve and not note:
        raise InvalidInput(_("Say why the change is refused: the holder reads it."), field="note")
    with transaction.atomic():
        locked = (
            # Only the request's row: the applicant's account is the nullable side of an outer
            # join (a walk-in not linked yet), which PostgreSQL refuses to lock.
            IdentityChangeRequest.objects.select_for_update(of=("self",))
            .select_related("application__member_state", "applicant__user")
            .get(pk=request.pk)
        )
        if not access.can_decide_identity_change(actor, locked):
            raise NotAllowed(_("Only a caseworker or supervisor of this member state can do this."))
        if locked.status != IdentityChangeStatus.REQUESTED:
            raise InvalidState(_("This request was already decided."))
        applicant = Applicant.objects.select_for_update().get(pk=locked.applicant_id)
        app = locked.application
        now = timezone.now()
        locked.status = IdentityChangeStatus.APPROVED if approve else IdentityChangeStatus.REFUSED
        locked.decided_by, locked.decided_at, locked.note = actor, now, note
        locked.save(update_fields=["status", "decided_by", "decided_at", "note"])
        reissued = []
        if approve:
            if identity_of(applicant) != locked.previous:
                raise InvalidState(
                    _("The identity changed since this request was filed. Refuse it.")
                )
            for field, value in locked.changes.items():
                setattr(applicant, field, date.fromisoformat(value) if field in _DATES else value)
            applicant.full_clean(exclude=["user"])
            # The keyed person index follows the new identity (relocard.cases.duplicates).
            index_applicant(applicant)
            # No uniqueness to break: a passport number in use elsewhere is a possible duplicate
            # (relocard.cases.duplicates), never an error that would tell who holds it.
            applicant.save()
            today = local_today(app.member_state)
            for old in app.cards.select_for_update().filter(status=CardStatus.ACTIVE):
                old.status, old.status_changed_at = CardStatus.REVOKED, now
                old.status_reason = _("Replaced after a change of identity details.")
                old.save(update_fields=["status", "status_changed_at", "status_reason"])
                audit_record(
                    actor=actor,
                    action="card.revoke",
                    obj=old,
                    member_state=old.member_state_id,
                    data={
                        "from": CardStatus.ACTIVE,
                        "to": CardStatus.REVOKED,
                        "reason": "identity",
                    },
                )
                valid_from = max(today, old.valid_from)
                valid_until, reason = validity_limit(
                    card_validity(old.member_state_id, old.valid_from), applicant.passport_expiry
                )
                new = card_issue(
                    actor=actor,
                    application=app,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    valid_until_reason=reason,
                )
                reissued.append(new.pk)
        audit_record(
            actor=actor,
            action=f"identity_change.{locked.status}",
            obj=locked,
            member_state=app.member_state_id,
            data={"case": app.reference, "fields": sorted(locked.changes), "cards": reissued},
        )
        notify(applicant.user, "identity_change_decided", app.reference)
    return locked


def identity_change_viewed(*, actor: User, request: IdentityChangeRequest, file: bool) -> None:
    """Record that a staff member opened a change request or its document."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="identity_change.file_viewed" if file else "identity_change.viewed",
            obj=request,
            member_state=request.application.member_state_id,
            data={"case": request.application.reference},
        )
