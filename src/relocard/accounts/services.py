"""Writes on accounts: sign-up, the applicant's personal data, staff users."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.emails import send_signup_email
from relocard.accounts.models import Applicant, Role, User
from relocard.audit.services import audit_record
from relocard.common.errors import InvalidInput
from relocard.common.person_index import index_applicant

#: Applicant fields that the profile form may set.
PROFILE_FIELDS = (
    "surname_cyrillic",
    "given_names_cyrillic",
    "surname_latin",
    "given_names_latin",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_expiry",
    "safe_mode",
)


class AccountExists(InvalidInput):
    """An account with this address exists. Callers facing a stranger must not say so: they
    catch this and give the same answer as for a new address (no oracle)."""


def account_create(
    *, email: str, password: str | None, role: str, own: bool = True, **fields
) -> User:
    """Create a user, unless an account with this e-mail address (in any case) exists.

    Every way in (sign-up, a verifier organisation's sign-up or a colleague added by its
    manager, staff) goes through here, inside the caller's transaction, which also writes the
    audit event. ``own``: the person signs up themself, so the refusal tells them to sign in.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("account_create runs inside the caller's transaction.atomic()")
    if User.objects.filter(email__iexact=email).exists():
        message = (
            _("An account with this e-mail address already exists. Sign in instead.")
            if own
            else _("An account with this e-mail address already exists.")
        )
        raise AccountExists(message, field="email")
    return User.objects.create_user(email, password, role=role, **fields)


def signup_request(*, email: str, language: str = "en") -> None:
    """Someone asks for an account: the same e-mail task for a new and a known address.

    The task sends a link to create the account, or, for a known address, a note that it has
    one. Nothing else happens here, so the answer takes the same time either way.
    """
    send_signup_email.enqueue(email.strip().lower(), language)


def user_register(*, email: str, password: str, language: str = "en") -> User:
    """An applicant creates the account, from the link sent to the address (which proves it).
    The password has been validated by the form."""
    email = email.strip().lower()
    with transaction.atomic():
        user = account_create(
            email=email, password=password, role=Role.APPLICANT, preferred_language=language
        )
        audit_record(actor=user, action="account.registered", obj=user)
    return user


def staff_user_create(
    *, actor: User | None, email: str, password: str, role: str, member_state: str | None
) -> User:
    with transaction.atomic():
        user = account_create(
            email=email,
            password=password,
            role=role,
            own=False,
            member_state_id=member_state,
            is_staff=(role == Role.PROGRAMME_ADMIN),
            is_superuser=(role == Role.PROGRAMME_ADMIN),
        )
        audit_record(
            actor=actor,
            action="account.staff_created",
            obj=user,
            member_state=member_state or "",
            data={"role": role},
        )
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language ``user`` chose for pages, e-mails and PDFs (audited)."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Choose one of the languages offered."))
    if user.preferred_language == language:
        return
    with transaction.atomic():
        previous = user.preferred_language
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        audit_record(
            actor=user,
            action="account.language_set",
            obj=user,
            member_state=user.member_state_id or "",
            data={"language": language, "previous": previous},
        )


def applicant_safe_mode_set(*, actor: User, on: bool) -> Applicant | None:
    """Turn the signed-in applicant's safe mode on or off (the notice on every page offers it);
    None when they have no personal details yet (safe mode is on for every new profile)."""
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().filter(user=actor).first()
        if applicant is None or applicant.safe_mode == on:
            return applicant
        applicant.safe_mode = on
        applicant.save(update_fields=["safe_mode", "updated_at"])
        audit_record(actor=actor, action="applicant.safe_mode_set", obj=applicant, data={"on": on})
    return applicant


#: The verified identity: frozen from the first submission on (``cases.identity_changes``).
IDENTITY_FIELDS = (
    "surname_cyrillic",
    "given_names_cyrillic",
    "surname_latin",
    "given_names_latin",
    "date_of_birth",
    "nationality",
    "passport_number",
    "passport_expiry",
)


def identity_frozen(applicant: Applicant | None) -> bool:
    """Whether the applicant has filed an application (or holds a card): from then on the
    identity changes only through a reviewed change request."""
    if applicant is None or applicant.pk is None:
        return False
    filed = applicant.applications.filter(Q(submitted_at__isnull=False) | Q(cycle__gt=1))
    return filed.exists() or applicant.cards.exists()


def applicant_profile_save(*, actor: User, user: User, data: dict) -> Applicant:
    """Create or update the applicant's personal data (validated by the profile form)."""
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown profile fields: {', '.join(sorted(unknown))}")
    expiry = data.get("passport_expiry")
    if isinstance(expiry, date) and expiry < timezone.localdate():
        raise InvalidInput(
            _("The passport has expired. Enter a valid passport."), field="passport_expiry"
        )
    with transaction.atomic():
        applicant = Applicant.objects.select_for_update().filter(user=user).first()
        created = applicant is None
        if created:
            applicant = Applicant(user=user)
        elif identity_frozen(applicant) and any(
            f in data and getattr(applicant, f) != data[f] for f in IDENTITY_FIELDS
        ):
            raise InvalidInput(
                _(
                    "Your identity details were verified with your application and can no "
                    "longer be edited here. File a change of identity details with the "
                    "document that shows the new details."
                )
            )
        changed = [
            f for f in PROFILE_FIELDS if f in data and getattr(applicant, f, None) != data[f]
        ]
        for field in PROFILE_FIELDS:
            if field in data:
                setattr(applicant, field, data[field])
        applicant.full_clean(exclude=["user"])
        # The keyed person index: a passport number in use elsewhere is accepted and flagged
        # to caseworkers at submission (relocard.cases.duplicates), never reported here.
        index_applicant(applicant)
        try:
            with transaction.atomic():
                applicant.save()
        except IntegrityError as exc:
            # Only a second profile of the same account, saved at the same moment, lands here
            # (a passport number in use elsewhere is accepted and flagged to caseworkers).
            raise InvalidInput(
                _("Your details were saved at the same moment elsewhere. Reload the page.")
            ) from exc
        audit_record(
            actor=actor,
            action="applicant.created" if created else "applicant.updated",
            obj=applicant,
            # Field names only: the audit log never holds the values of personal data.
            data={"fields": sorted(changed)},
        )
    return applicant
