"""E-mail notifications to applicants and holders, sent by the task worker.

Safe mode (the default) is for people inside Russia, whose mail may be read: the e-mail says
only that there is a new message in their account, nothing about the programme or the case,
and links to the message centre (``/apply/messages/``), where every notification is kept as a
:class:`~relocard.common.models.Message` in the recipient's language. Messages are written and
e-mails enqueued inside the transaction of the change that causes them: with the
django-tasks-db backend the task row commits or rolls back with the change (an outbox).

This module is below the domain apps and imports none of them. An app that wants an event's
e-mail to say more (the nightly compliance run: what changed and what to do) registers a
:class:`Details` provider for that event with :func:`register_details`, from its
``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers, send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from relocard.audit.services import audit_record
from relocard.common.languages import language_for
from relocard.common.models import Message

# Keys of the messages the platform sends; each names its subject and body below.
EVENTS = (
    "submitted",
    "correction_requested",
    "approved",
    "refused",
    "card_status_changed",
    "presence_at_risk",
    "renewal_window",
    "share_code_locked",
    "appeal_decided",
    "transfer_decided",
    "renewal_decided",
    "identity_change_decided",
    "compliance_changed",
    "appointment_offered",
    "appointment_reminder",
    "appointment_changed",
    "card_ready",
    "visa_appointment_invited",
)


def _texts(event: str, reference: str) -> tuple[str, str]:
    subjects = {
        "submitted": _("We have received your application %(ref)s"),
        "correction_requested": _("Your application %(ref)s: please correct or add documents"),
        "approved": _("Your application %(ref)s has been approved"),
        "refused": _("Your application %(ref)s has been decided"),
        "card_status_changed": _("The status of your card has changed"),
        "presence_at_risk": _("Your days of presence need your attention"),
        "renewal_window": _("You can now renew your card"),
        "share_code_locked": _("A share code of yours has been locked"),
        "appeal_decided": _("Your appeal on %(ref)s has been decided"),
        "transfer_decided": _("Your request to move %(ref)s to another country has been decided"),
        "renewal_decided": _("The renewal %(ref)s has been decided"),
        "identity_change_decided": _("Your change of identity details has been decided"),
        "compliance_changed": _("Your card needs your attention"),
        "appointment_offered": _("You have been given an appointment: confirm it"),
        "appointment_reminder": _("Reminder: your appointment at the mission is tomorrow"),
        "appointment_changed": _("Your appointment has changed"),
        "card_ready": _(
            "The card of your application %(ref)s is ready for collection at the mission"
        ),
        "visa_appointment_invited": _("You are invited to an appointment at the mission"),
    }
    subject = subjects[event] % {"ref": reference}
    body = _("%(subject)s.\n\nSign in to your account to read the details: %(url)s\n") % {
        "subject": subject,
        "url": messages_url(),
    }
    return subject, body


def messages_url() -> str:
    """The message centre's address, where a safe-mode e-mail sends its reader."""
    return settings.RELOCARD_BASE_URL + reverse("portal:messages")


def safe_mode_texts() -> tuple[str, str]:
    return (
        _("You have a new message in your account"),
        _("You have a new message in your account: %(url)s\n") % {"url": messages_url()},
    )


def _message_body(event: str, reference: str) -> str:
    """What the message in the account says: what happened and what to do (in the active
    language). Nothing here goes into a safe-mode e-mail."""
    bodies = {
        "submitted": _(
            "Your application %(ref)s has arrived. A caseworker will check your documents "
            "against the rules; you will receive the decision, with its reasons, by the date "
            "shown on your application's page."
        ),
        "correction_requested": _(
            "The caseworker asks you to correct or add something in your application %(ref)s. "
            "The time for the decision stands still until you answer."
        ),
        "approved": _(
            "Your application %(ref)s has been approved. You can print your card or add it to a "
            "wallet from your application's page."
        ),
        "refused": _(
            "A decision has been taken on your application %(ref)s. Read it, with its reasons "
            "and how to appeal, on your application's page."
        ),
        "share_code_locked": _(
            "One of your share codes was locked after too many checks with a wrong date of "
            "birth. Nothing about you was shown to whoever made them, and the code can no "
            "longer be used. If you still need a code, make a new one on the share codes page; if you did "
            "not expect these checks, revoke your other codes there too."
        ),
        "presence_at_risk": _(
            "Your days abroad may come to more than the rule allows. Check your trips and the "
            "latest day to come back on the trips page."
        ),
    }
    text = bodies.get(event) or _("Read the details on your application's page.")
    return text % {"ref": reference} if "%(ref)s" in text else text


def _message_link(event: str, reference: str) -> str:
    if event == "visa_appointment_invited":
        return reverse("humanitarian:mine")
    if event == "share_code_locked":
        return reverse("verification:share_codes")
    if event == "presence_at_risk":
        return reverse("presence:trips")
    return reverse("portal:case", args=[reference]) if reference else reverse("portal:dashboard")


def _message(user, event: str, reference: str, extra: Iterable[str] = ()) -> Message:
    """The message kept in the account for one notification, in the user's language."""
    language = language_for(user)
    with translation.override(language):
        subject, _body = _texts(event, reference)
        body = "\n\n".join([_message_body(event, reference), *extra])
    return Message(
        user_id=user.pk,
        event=event,
        reference=reference,
        language=language,
        subject=subject[:200],
        body=body,
        link=_message_link(event, reference),
    )


def message_read(*, actor, message: Message) -> Message:
    """The holder opened a message: mark it read (once), audited."""
    if message.read_at is not None:
        return message
    with transaction.atomic():
        updated = Message.objects.filter(pk=message.pk, read_at=None).update(read_at=timezone.now())
        if updated:
            audit_record(actor=actor, action="message.read", obj=message)
    message.refresh_from_db(fields=["read_at"])
    return message


@task()
def notify_user(user_id: int, event: str, reference: str = "") -> str:
    """Send one notification e-mail; returns what was sent ("full" or "safe")."""
    user = get_user_model().objects.select_related("applicant").get(pk=user_id)
    applicant = getattr(user, "applicant", None)
    safe = applicant is None or applicant.safe_mode
    with translation.override(language_for(user)):
        subject, body = safe_mode_texts() if safe else _texts(event, reference)
    send_mail(subject, body, None, [user.email])
    return "safe" if safe else "full"


def notify(
    user, event: str, reference: str = "", lines: Callable[[], Iterable[str]] | None = None
) -> None:
    """Enqueue a notification (call inside the transaction of the change). ``lines`` words
    what the message in the account adds (never the e-mail); it is called in the user's
    language."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    if user is None:  # a walk-in case not linked to an account yet: the officer follows it
        return
    extra = ()
    if lines is not None:
        with translation.override(language_for(user)):
            extra = list(lines())
    _message(user, event, reference, extra).save()
    notify_user.enqueue(user.pk, event, reference)


@task()
def send_password_setup(user_id: int) -> None:
    """Send a new account (opened at an embassy) the link to set its password."""
    user = get_user_model().objects.get(pk=user_id)
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(language_for(user)):
        subject = _("Set the password of your account")
        body = _("An account was opened for you. Set its password here: %(url)s\n") % {
            "url": settings.RELOCARD_BASE_URL + path
        }
    send_mail(subject, body, None, [user.email])


# --- many holders at once (the nightly compliance run) --------------------------------------

#: Holders per notification task: the nightly run enqueues one task per batch, not per holder.
BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class Details:
    """What a domain app adds to one event's batched e-mails.

    ``load(user_ids)`` reads, once per batch, a record for each user it has one for;
    ``lines(record)`` words one user's record as paragraphs, in the active language (it is
    called inside the user's language).
    """

    load: Callable[[list[int]], dict[int, Any]]
    lines: Callable[[Any], Iterable[str]]


_DETAILS: dict[str, Details] = {}


def register_details(event: str, details: Details) -> None:
    """Let a domain app fill in the details of ``event``'s batched e-mails (one per event)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    _DETAILS[event] = details


def _batch_message(user, event: str, reference: str, record=None):
    """One holder's e-mail, in their language, in safe mode when they (or staff) chose it."""
    applicant = getattr(user, "applicant", None)
    safe = applicant is None or applicant.safe_mode
    with translation.override(language_for(user)):
        if safe:
            subject, body = safe_mode_texts()
        else:
            subject, body = _texts(event, reference)
            details = _DETAILS.get(event)
            if details is not None and record is not None:
                sign_in = _("Sign in to your account to read the details: %(url)s") % {
                    "url": messages_url()
                }
                lines = [f"{subject}.", *details.lines(record), sign_in]
                body = "\n\n".join(lines) + "\n"
    return EmailMessage(subject, body, None, [user.email]), safe


@task()
def notify_users(user_ids: list[int], event: str, references: list[str]) -> dict[str, int]:
    """Send one notification to each of many users over one mail connection.

    Safe mode works as for :func:`notify_user`. For ``compliance_changed`` the e-mail says what
    changed and what to do, from the holder's compliance row as it is at sending time.
    """
    users = get_user_model().objects.select_related("applicant").in_bulk(user_ids)
    details = _DETAILS.get(event)
    records = details.load(user_ids) if details is not None else {}
    messages, counts = [], {"full": 0, "safe": 0}
    for user_id, reference in zip(user_ids, references, strict=True):
        user = users.get(user_id)
        if user is None or not user.is_active:
            continue
        message, safe = _batch_message(user, event, reference, records.get(user_id))
        messages.append(message)
        counts["safe" if safe else "full"] += 1
    if messages:
        mailers.default.send_messages(messages)
    return counts


def notify_many(recipients, event: str, *, batch_size: int | None = None) -> int:
    """Enqueue notifications for many (user id, reference) pairs, one task per batch.

    Call inside the transaction of the change. Returns the number of tasks enqueued.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    pairs = [(u, r) for u, r in recipients if u is not None]  # unlinked walk-ins: no account
    batch_size = batch_size or BATCH_SIZE
    tasks = 0
    details = _DETAILS.get(event)
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        ids = [int(u) for u, _ref in chunk]
        _store_messages(ids, [str(r) for _u, r in chunk], event, details)
        notify_users.enqueue(ids, event, [str(r) for _u, r in chunk])
        tasks += 1
    return tasks


def _store_messages(
    user_ids: list[int], references: list[str], event: str, details: Details | None
) -> None:
    """One message per holder of a batch: two queries and one insert per batch."""
    users = (
        get_user_model()
        .objects.only("pk", "preferred_language", "role", "member_state")
        .in_bulk(user_ids)
    )
    records = details.load(user_ids) if details is not None else {}
    rows = []
    for user_id, reference in zip(user_ids, references, strict=True):
        user = users.get(user_id)
        if user is None:
            continue
        record = records.get(user_id)
        with translation.override(language_for(user)):
            extra = list(details.lines(record)) if details is not None and record else []
        rows.append(_message(user, event, reference, extra))
    Message.objects.bulk_create(rows, batch_size=500)
