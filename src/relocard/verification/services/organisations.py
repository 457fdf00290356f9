"""Verifier organisations: registering, a programme admin's decision, colleagues.

Services take keyword-only arguments, ask :mod:`relocard.common.access` whether the actor may
act, run in one transaction with their audit event, and raise a
:class:`~relocard.common.errors.RelocardError` before writing anything when they cannot act.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relocard.accounts.emails import send_signup_email
from relocard.accounts.models import Role
from relocard.accounts.services import AccountExists, account_create
from relocard.audit.services import audit_record
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed
from relocard.common.notifications import send_password_setup
from relocard.reference.models import MemberState
from relocard.verification.emails import send_verifier_signup_email
from relocard.verification.models import (
    OrganisationStatus,
    VerifierKind,
    VerifierMembership,
    VerifierOrganisation,
)
from relocard.verification.services.api_keys import forget_keys

__all__ = [
    "member_add",
    "organisation_decide",
    "organisation_register",
    "organisation_register_request",
]


def _clean_organisation(
    *, name: str, kind: str, country: str, registration_number: str
) -> dict[str, str]:
    name = " ".join(name.split())
    if kind not in VerifierKind.values:
        raise InvalidInput(_("Choose the kind of organisation."), field="kind")
    if not name:
        raise InvalidInput(_("Enter the organisation's name."), field="name")
    if not MemberState.objects.filter(code=country).exists():
        raise InvalidInput(_("Choose an EU member state."), field="country")
    registration_number = registration_number.strip()
    if kind != VerifierKind.PRIVATE_LANDLORD and not registration_number:
        raise InvalidInput(
            _("Enter the company or trade register number."), field="registration_number"
        )
    return {
        "name": name,
        "kind": kind,
        "country": country,
        "registration_number": registration_number,
    }


def organisation_register_request(
    *,
    email: str,
    name: str,
    kind: str,
    country: str,
    registration_number: str = "",
    language: str = "en",
) -> None:
    """A verifier asks to register: the details are checked, and an e-mail is enqueued.

    The same task is enqueued for every address: it sends a link that finishes the registration
    (:func:`organisation_register`) to a new address, and a note to one that has an account.
    Nothing is written until the link is opened, and the answer is the same either way.
    """

    details = _clean_organisation(
        name=name, kind=kind, country=country, registration_number=registration_number
    )
    send_verifier_signup_email.enqueue(email.strip().lower(), details, language)


def organisation_register(
    *,
    email: str,
    password: str,
    name: str,
    kind: str,
    country: str,
    registration_number: str = "",
    language: str = "en",
):
    """A verifier's organisation and account, which wait for a programme admin.

    Called from the e-mailed link (the address is proven); raises AccountExists when the
    address has an account by then.
    """
    email = email.strip().lower()
    details = _clean_organisation(
        name=name, kind=kind, country=country, registration_number=registration_number
    )
    name, registration_number = details["name"], details["registration_number"]
    with transaction.atomic():
        user = account_create(
            email=email,
            password=password,
            role=Role.VERIFIER,
            member_state_id=country,
            preferred_language=language,
        )
        organisation = VerifierOrganisation.objects.create(
            name=name,
            kind=kind,
            country_id=country,
            registration_number=registration_number,
        )
        VerifierMembership.objects.create(user=user, organisation=organisation, is_manager=True)
        audit_record(
            actor=user,
            action="verifier.registered",
            obj=organisation,
            member_state=country,
            data={"kind": kind},
        )
    return user


def organisation_decide(*, actor, organisation: VerifierOrganisation, status: str):
    """A programme admin approves or suspends an organisation (approving again reinstates)."""
    if not access.can_approve_organisations(actor):
        raise NotAllowed(_("Only a programme admin can approve verifier organisations."))
    if status not in (OrganisationStatus.APPROVED, OrganisationStatus.SUSPENDED):
        raise InvalidInput(_("Choose approve or suspend."), field="status")
    with transaction.atomic():
        org = VerifierOrganisation.objects.select_for_update().get(pk=organisation.pk)
        if org.status == status:
            raise InvalidState(
                _("The organisation is already “%(status)s”.")
                % {"status": org.get_status_display()}
            )
        old = org.status
        org.status, org.decided_at, org.decided_by = status, timezone.now(), actor
        org.save(update_fields=["status", "decided_at", "decided_by"])
        forget_keys(organisation_id=org.pk)
        transaction.on_commit(lambda: forget_keys(organisation_id=org.pk))
        audit_record(
            actor=actor,
            action=f"verifier.{'approved' if status == OrganisationStatus.APPROVED else 'suspended'}",
            obj=org,
            member_state=org.country_id,
            data={"from": old, "to": status},
        )
    return org


def member_add(*, actor, email: str):
    """A manager adds a colleague, who gets an e-mail to set their password."""
    membership = access.verifier_membership(actor)
    if membership is None or not access.can_manage_organisation(actor):
        raise NotAllowed(_("Only the person who manages the organisation can add colleagues."))
    email = email.strip().lower()
    with transaction.atomic():
        try:
            user = account_create(
                email=email,
                password=None,
                role=Role.VERIFIER,
                own=False,
                member_state_id=membership.organisation.country_id,
            )
        except AccountExists:
            # No oracle: the manager reads the same answer as for a new address; the
            # address's holder is told that it already has an account.

            send_signup_email.enqueue(email, "en")
            return None
        VerifierMembership.objects.create(user=user, organisation=membership.organisation)
        audit_record(
            actor=actor,
            action="verifier.member_added",
            obj=user,
            member_state=membership.organisation.country_id,
            data={"organisation": membership.organisation_id},
        )
        send_password_setup.enqueue(user.pk)
    return user
