"""Every write of decision letters: record (with the decision), issue (render, seal, store),
download (audited). See docs/letters.md.

A letter is recorded in the decision's own transaction (:func:`letter_request`, called by the
receiver of ``cases.signals.decision_taken``, which also enqueues its rendering): the task row
commits or rolls back with the decision. The worker then renders and seals it
(:func:`letter_issue`); a failure is recorded on the row (``attempts``, ``last_error``, shown
to staff) and the task is enqueued again with a growing delay until the letter exists.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from relocard.audit.services import audit_record
from relocard.cards.credentials import keystore
from relocard.core.letters import LetterFonts, SealingKey, render_letter_pdf, seal_pdf
from relocard.letters.content import letter_document, official_language
from relocard.letters.models import DecisionLetter, LetterStatus
from relocard.letters.references import new_reference

log = logging.getLogger(__name__)


def _storage():
    return storages["evidence"]


def letter_request(*, kind: str, application, decision=None, appeal=None, card_change=None):
    """Record the letter of a decision (inside the decision's transaction); the receiver
    enqueues its rendering in the same transaction."""
    letter = DecisionLetter.objects.create(
        reference=new_reference(),
        application=application,
        member_state_id=application.member_state_id,
        kind=kind,
        language=official_language(application.member_state_id),
        decision=decision,
        appeal=appeal,
        card_change=card_change,
        created_at=timezone.now(),
    )
    audit_record(
        actor=None,
        action="letter.recorded",
        obj=letter,
        member_state=letter.member_state_id,
        data={"case": application.reference, "kind": kind, "letter": letter.reference},
    )
    return letter


def letter_pdf(letter: DecisionLetter) -> bytes:
    """Render and seal a letter (no write)."""
    pdf = render_letter_pdf(
        letter_document(letter), LetterFonts.in_directory(settings.RELOCARD_LETTER_FONT_DIR)
    )
    cert, key, ca = keystore().ensure_seal(letter.member_state_id).pem()
    return seal_pdf(
        pdf,
        SealingKey(cert, key, (ca,)),
        name=f"Relocard {letter.member_state_id}",
        reason=letter.get_kind_display(),
        location=letter.member_state_id,
    )


def letter_issue(*, letter_id: int) -> DecisionLetter:
    """Render, seal and store a recorded letter; nothing to do when it is issued already."""
    with transaction.atomic():
        letter = (
            DecisionLetter.objects.select_for_update(of=("self",))
            .select_related(
                "application__applicant",
                "member_state",
                "decision__confirmed_by",
                "decision__application",
                "appeal__decided_by",
                "appeal__decision",
                "appeal__card_change",
                "card_change__card",
                "card_change__confirmed_by",
            )
            .get(pk=letter_id)
        )
        if letter.status == LetterStatus.ISSUED:
            return letter
        sealed = letter_pdf(letter)
        name = _storage().save(
            f"letters/{letter.member_state_id}/{letter.reference}.pdf", ContentFile(sealed)
        )
        letter.status = LetterStatus.ISSUED
        letter.file = name
        letter.sha256 = hashlib.sha256(sealed).hexdigest()
        letter.size = len(sealed)
        letter.issued_at = timezone.now()
        letter.attempts += 1
        letter.last_error = ""
        letter.save(
            update_fields=[
                "status",
                "file",
                "sha256",
                "size",
                "issued_at",
                "attempts",
                "last_error",
            ]
        )
        audit_record(
            actor=None,
            action="letter.issued",
            obj=letter,
            member_state=letter.member_state_id,
            data={"letter": letter.reference, "sha256": letter.sha256},
        )
    return letter


def letter_failed(*, letter_id: int, error: str) -> DecisionLetter:
    """Record a failed rendering on the letter's row (visible to staff); it stays pending."""
    with transaction.atomic():
        letter = DecisionLetter.objects.select_for_update().get(pk=letter_id)
        letter.attempts += 1
        letter.last_error = error[:300]
        letter.save(update_fields=["attempts", "last_error"])
        audit_record(
            actor=None,
            action="letter.failed",
            obj=letter,
            member_state=letter.member_state_id,
            data={"letter": letter.reference, "attempts": letter.attempts},
        )
    log.warning("decision letter %s not rendered (attempt %s)", letter.pk, letter.attempts)
    return letter


def letter_read(letter: DecisionLetter) -> bytes:
    """The sealed PDF's bytes, checked against the hash recorded at issue."""
    with _storage().open(letter.file, "rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != letter.sha256:
        raise RuntimeError(f"letter {letter.pk}: the stored file does not match its hash")
    return data


def letter_downloaded(*, actor, letter: DecisionLetter) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="letter.downloaded",
            obj=letter,
            member_state=letter.member_state_id,
            data={"case": letter.application.reference, "letter": letter.reference},
        )


def seal_trust_root(member_state: str) -> bytes:
    """The member state's CA certificate (PEM): the trust root its letters' seals chain to."""
    # Local import: serialization is only needed to hand the certificate to the checker.
    from cryptography.hazmat.primitives import serialization

    return keystore().ca_certificate(member_state).public_bytes(serialization.Encoding.PEM)
