"""Walk-in cases opened by a consular officer, and how their applicants link them.

A consular officer never attaches a walk-in case to an existing account, and never learns
whether an address has one: every walk-in case gets its own applicant record (the details the
officer copied from the passport, not yet tied to an account) and an invitation sent to the
address the applicant gave. The officer's outcome is the same for a new address, one in use
and a staff member's. The e-mail's link is signed, expires after :data:`LINK_DAYS` days and
is used once. Opening it, the applicant signs in (or, for an address without an account,
creates one) and links the case:

- an account without personal details takes the walk-in's as its own;
- an account with personal details links the case only if they name the same person (date of
  birth, nationality and passport number); otherwise the applicant is asked to contact the
  embassy, and nothing changes;
- the invitation links to the account of the invited address only.

Errors: :class:`relocard.common.errors.InvalidInput`, ``InvalidState`` and ``NotAllowed``, each
with a message for the applicant.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, Role, User
from relocard.audit.services import audit_record
from relocard.cases.models import CLOSED_STATES, Application, Channel, WalkInInvitation
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.person_index import index_applicant

__all__ = [
    "LINK_DAYS",
    "embassy_case_open",
    "invitation_from_token",
    "invitation_token",
    "walkin_account_create",
    "walkin_link",
]

#: Days for which an invitation's link can be used.
LINK_DAYS = 30
_SALT = "relocard.cases.walkin"


def invitation_token(invitation: WalkInInvitation) -> str:
    return signing.dumps({"walkin": invitation.pk}, salt=_SALT, compress=True)


def invitation_from_token(token: str) -> WalkInInvitation | None:
    """The open invitation a link names, or None (forged, expired, used or unknown)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    pk = data.get("walkin") if isinstance(data, dict) else None
    if not isinstance(pk, int):
        return None
    return (
        WalkInInvitation.objects.select_related("application", "application__member_state")
        .filter(pk=pk, linked_at__isnull=True)
        .first()
    )


def _applicant_from_profile(profile: dict) -> Applicant:
    from relocard.accounts.services import PROFILE_FIELDS

    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown profile fields: {', '.join(sorted(unknown))}")
    expiry = profile.get("passport_expiry")
    if isinstance(expiry, date) and expiry < timezone.localdate():
        raise InvalidInput(
            _("The passport has expired. Enter a valid passport."), field="passport_expiry"
        )
    applicant = Applicant(user=None, **profile)
    index_applicant(applicant)
    try:
        applicant.full_clean(exclude=["user"])
    except ValidationError as exc:  # name the first field and its message
        errors = getattr(exc, "message_dict", {})
        field, messages = next(iter(errors.items()), (None, [_("Check the details.")]))
        raise InvalidInput(messages[0], field=field) from exc
    return applicant


def embassy_case_open(*, actor: User, email: str, profile: dict) -> Application:
    """A consular officer opens a case for a walk-in applicant of their member state, and the
    applicant is invited by e-mail to link it from their own account (see the module)."""
    from relocard.cases.services import application_start

    if not access.can_open_embassy_case(actor):
        raise NotAllowed(_("Only a consular officer can open a case at an embassy."))
    email = (email or "").strip().lower()
    if not email:
        raise InvalidInput(_("Enter the applicant's e-mail address."), field="email")
    applicant = _applicant_from_profile(profile)
    with transaction.atomic():
        applicant.save()
        audit_record(
            actor=actor,
            action="applicant.created_at_embassy",
            obj=applicant,
            member_state=actor.member_state_id,
            data={"fields": sorted(profile)},
        )
        application = application_start(
            actor=actor,
            applicant=applicant,
            member_state_code=actor.member_state_id,
            channel=Channel.EMBASSY,
        )
        invitation = WalkInInvitation.objects.create(
            application=application, email=email, invited_by=actor, invited_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="case.walkin_invited",
            obj=invitation,
            member_state=application.member_state_id,
            data={"case": application.reference},
        )
        send_walkin_invitation.enqueue(invitation.pk)
    return application


@task()
def send_walkin_invitation(invitation_id: int) -> str:
    """E-mail the link to an invited address: the same message whether it has an account or
    not (safe mode: nothing about the programme). Returns "full" or "safe"."""
    invitation = WalkInInvitation.objects.select_related("application__applicant").get(
        pk=invitation_id
    )
    url = settings.RELOCARD_BASE_URL + reverse(
        "portal:walkin_link", kwargs={"token": invitation_token(invitation)}
    )
    safe = invitation.application.applicant.safe_mode
    with translation.override("ru"):
        if safe:
            subject = _("You have a new message")
            body = _("You have a new message. Open it here: %(url)s\n") % {"url": url}
        else:
            subject = _("Your application %(ref)s opened at an embassy") % {
                "ref": invitation.application.reference
            }
            body = _(
                "A consular officer opened application %(ref)s for you. To follow it online, "
                "open this link, sign in to your account (or create one with this e-mail "
                "address) and link the application. The link works once, for %(days)s days: "
                "%(url)s\n"
            ) % {"ref": invitation.application.reference, "days": LINK_DAYS, "url": url}
    send_mail(subject, body, None, [invitation.email])
    return "safe" if safe else "full"


def _same_person(a: Applicant, b: Applicant) -> bool:
    return (
        a.date_of_birth == b.date_of_birth
        and a.nationality == b.nationality
        and a.passport_number == b.passport_number
    )


def walkin_link(*, actor: User, invitation: WalkInInvitation) -> Application:
    """Link an invited walk-in case to the signed-in applicant's account (see the module)."""
    from relocard.cards.models import Card
    from relocard.cases.services import _lock

    with transaction.atomic():
        app = _lock(invitation.application)
        invitation = WalkInInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.linked_at is not None or app.applicant.user_id is not None:
            raise InvalidState(_("This application is already linked to an account."))
        if not access.can_link_walkin(actor, invitation):
            raise NotAllowed(
                _(
                    "The invitation was sent to another e-mail address: sign in with the "
                    "account of that address."
                )
            )
        walkin = app.applicant
        own = Applicant.objects.select_for_update().filter(user=actor).first()
        if own is None:
            walkin.user = actor
            walkin.save(update_fields=["user", "updated_at"])
            merged = False
        else:
            if not _same_person(own, walkin):
                raise InvalidInput(
                    _(
                        "The details of this application, copied from the passport at the "
                        "embassy, are not the personal details of your account. Nothing was "
                        "linked: contact the embassy."
                    )
                )
            if (
                Application.objects.filter(applicant=own, member_state_id=app.member_state_id)
                .exclude(state__in=CLOSED_STATES)
                .exists()
            ):
                raise InvalidInput(
                    _(
                        "You already have an open application in this member state. Nothing "
                        "was linked: contact the embassy."
                    )
                )
            Application.objects.filter(applicant=walkin).update(applicant=own)
            Card.objects.filter(applicant=walkin).update(applicant=own)
            try:
                with transaction.atomic():
                    walkin.delete()  # its details are the account's own (same person)
            except ProtectedError:
                pass
            merged = True
        invitation.linked_at = timezone.now()
        invitation.linked_user = actor
        invitation.save(update_fields=["linked_at", "linked_user"])
        audit_record(
            actor=actor,
            action="case.walkin_linked",
            obj=invitation,
            member_state=app.member_state_id,
            data={"case": app.reference, "merged_into_profile": merged},
        )
        app.refresh_from_db()
    return app


def walkin_account_create(
    *, invitation: WalkInInvitation, password: str, language: str = "ru"
) -> User:
    """Create the account of the invited address (the link proves it) and link the case.

    Raises :class:`relocard.accounts.services.AccountExists` when the address has an account
    (its holder signs in instead: they hold the link, so telling them is no oracle)."""
    from relocard.accounts.services import account_create

    with transaction.atomic():
        user = account_create(
            email=invitation.email,
            password=password,
            role=Role.APPLICANT,
            preferred_language=language,
        )
        audit_record(actor=user, action="account.registered", obj=user)
        walkin_link(actor=user, invitation=invitation)
    return user
