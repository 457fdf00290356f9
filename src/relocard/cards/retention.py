"""The retention schedule, run every night after the compliance run (``nightly_compliance``).

Periods come from the programme's policy file (``privacy.retention`` in
``policies/programme.yaml``, read by :func:`relocard.core.privacy.retention_schedule`); the
legal reasoning is in docs/data-protection.md. Each night:

* **withdrawn cases**: the documents of a case withdrawn more than ``withdrawn_case`` days ago;
* **refused cases**: the documents of a case refused more than ``refused_case`` days ago, with
  no appeal awaiting a decision;
* **evidence after a card**: the documents of an approved case whose every card ended (expired
  or revoked) more than ``evidence_after_card`` days ago;
* **check records**: checks of a card older than ``check_record`` days are deleted.

A document is erased by deleting its file (when no other record still points at it: a renewal
may carry a document over) and emptying the record's file field. The record keeps its kind,
size, status and SHA-256, which the case's history and receipts refer to: a hash of a scan
reveals nothing of it. The audit log is never touched: its events name objects by type and id
only, so they stay verifiable (``relocard audit verify``) after the objects are gone; the run
appends one event per erased case and one for the run, with counts only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from relocard.audit.services import audit_record
from relocard.cards.models import Card, CardStatus
from relocard.cases.models import Appeal, AppealStatus, Application, CaseState, EvidenceItem
from relocard.core.privacy import retention_schedule
from relocard.verification.models import CardCheck

__all__ = ["retention_run"]


def _erase_case_documents(application: Application, record: str) -> int:
    """Erase the stored files of one case's evidence; return how many records were emptied."""
    with transaction.atomic():
        items = list(
            EvidenceItem.objects.select_for_update()
            .filter(application=application)
            .exclude(file="")
        )
        names = {item.file.name for item in items}
        for item in items:
            item.file = ""
            item.save(update_fields=["file"])
        storage = EvidenceItem._meta.get_field("file").storage
        still_used = set(EvidenceItem.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names - still_used:
            # After the commit: a rolled-back run must not have deleted a file.
            transaction.on_commit(lambda name=name: storage.delete(name))
        if items:
            audit_record(
                actor=None,
                action="retention.evidence_erased",
                obj=application,
                member_state=application.member_state_id,
                data={"record": record, "documents": len(items)},
            )
    return len(items)


def _cases_closed_before(state: str, cutoff: datetime):
    return (
        Application.objects.filter(state=state)
        .annotate(
            closed_at=Max("transitions__at", filter=Q(transitions__to_state=state)),
        )
        .filter(closed_at__lte=cutoff)
        .filter(Exists(EvidenceItem.objects.filter(application=OuterRef("pk")).exclude(file="")))
    )


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    """Apply the retention schedule as of ``now``; return what was erased, by record type."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    days = retention_schedule()
    done = {"withdrawn_case": 0, "refused_case": 0, "evidence_after_card": 0, "check_record": 0}

    for app in _cases_closed_before(CaseState.WITHDRAWN, now - timedelta(days["withdrawn_case"])):
        done["withdrawn_case"] += _erase_case_documents(app, "withdrawn_case")

    open_appeals = Appeal.objects.filter(application=OuterRef("pk"), status=AppealStatus.LODGED)
    refused = _cases_closed_before(CaseState.REFUSED, now - timedelta(days["refused_case"]))
    for app in refused.exclude(Exists(open_appeals)):
        done["refused_case"] += _erase_case_documents(app, "refused_case")

    card_cutoff = today - timedelta(days["evidence_after_card"])
    still_live = Card.objects.filter(application=OuterRef("pk")).filter(
        Q(status__in=[CardStatus.ACTIVE, CardStatus.SUSPENDED], valid_until__gt=card_cutoff)
        | Q(status=CardStatus.EXPIRED, valid_until__gt=card_cutoff)
        | Q(
            status=CardStatus.REVOKED,
            status_changed_at__gt=now - timedelta(days["evidence_after_card"]),
        )
    )
    ended = (
        Application.objects.filter(state=CaseState.APPROVED)
        .filter(Exists(Card.objects.filter(application=OuterRef("pk"))))
        .exclude(Exists(still_live))
        .filter(Exists(EvidenceItem.objects.filter(application=OuterRef("pk")).exclude(file="")))
    )
    for app in ended:
        done["evidence_after_card"] += _erase_case_documents(app, "evidence_after_card")

    with transaction.atomic():
        old_checks = CardCheck.objects.filter(checked_at__lt=now - timedelta(days["check_record"]))
        _total, per_model = old_checks.delete()
        done["check_record"] = per_model.get(CardCheck._meta.label, 0)
        audit_record(
            actor=None,
            action="retention.run",
            object_type="retention",
            object_id=today.isoformat(),
            data=done,
        )
    return done
