"""Every permission check of the platform, in one place, one condition per line.

Views and services ask these functions; no other path hands out a case, an evidence file or a
card. Objects outside a user's reach are reported as "not found" (HTTP 404), never as
"forbidden", so that nobody learns that a case exists in another member state.

Roles (see :class:`relocard.accounts.models.Role`):

================  ===========================================================================
applicant         their own cases, evidence and cards only
consular officer  opens and submits cases at an embassy for their member state (never attached
                  to an existing account: the applicant links it, see cases.walkins); reads
                  the embassy cases of their member state, and the online cases whose
                  applicant was checked in at the officer's own mission (see
                  :func:`checked_in_at_own_mission`)
caseworker        reviews cases of their member state, requests corrections, approves,
                  proposes refusals
supervisor        everything a caseworker may do, and confirms or returns refusals and
                  approvals with an exception (not their own proposals)
auditor           reads cases and the audit log of their member state; changes nothing
programme admin   reads every member state, runs the admin site; takes no case decisions
verifier          a member of a verifier organisation (a bank, a landlord, an employer):
                  checks cards once a programme admin approved the organisation, and sees
                  the organisation's checks only
================  ===========================================================================

Holders (applicants with a card) make, see and revoke their own share codes and see every
check made with them or of their cards.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from relocard.accounts.models import Applicant, Role
from relocard.audit.models import AuditEvent
from relocard.cards.models import (
    Card,
    CardCompliance,
    CardCredential,
    CardStatus,
    CardStatusChange,
    ComplianceStatus,
)
from relocard.cases.models import (
    Appeal,
    Application,
    Channel,
    Decision,
    DuplicateHit,
    EvidenceItem,
    IdentityChangeRequest,
    TransferRequest,
)
from relocard.common.errors import NotAllowed
from relocard.common.models import Message
from relocard.enrolment.models import HolderPhoto
from relocard.letters.models import DecisionLetter, LetterStatus
from relocard.presence.models import Trip
from relocard.verification.models import (
    ApiKey,
    CardCheck,
    CheckMethod,
    CheckResult,
    ShareCode,
    VerifierMembership,
    VerifierOrganisation,
)

NOT_FOUND = "No such page, or you may not see it."


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_applicant(user) -> bool:
    return _active(user) and user.role == Role.APPLICANT


def is_staff_member(user) -> bool:
    return _active(user) and user.role in {
        Role.CONSULAR_OFFICER,
        Role.CASEWORKER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.PROGRAMME_ADMIN,
    }


def sees_all_member_states(user) -> bool:
    return _active(user) and user.role == Role.PROGRAMME_ADMIN


def in_member_state(user, member_state_code: str) -> bool:
    if sees_all_member_states(user):
        return True
    return is_staff_member(user) and user.member_state_id == member_state_code


# --- what a role may do ------------------------------------------------------------------


def can_use_console(user) -> bool:
    return is_staff_member(user)


def can_read_case(user, application: Application) -> bool:
    if is_applicant(user):
        return application.applicant.user_id == user.pk
    if in_member_state(user, application.member_state_id):
        if user.role == Role.CONSULAR_OFFICER:
            return is_consular_case(user, application)
        return True
    # Staff of another member state read it only when asked to take the case over (asked
    # last, so the common case, staff of the case's own member state, costs no query).
    return receives_transfer(user, application)


def is_consular_case(user, application: Application) -> bool:
    """A case a consular officer works on: an embassy case of their member state, or an online
    case whose applicant was checked in at the officer's own mission."""
    if not can_open_embassy_case(user):
        return False
    if application.member_state_id != user.member_state_id:
        return False
    if application.channel == Channel.EMBASSY:
        return True
    return checked_in_at_own_mission(user, application)


def checked_in_at_own_mission(user, application: Application) -> bool:
    """An online case reaches the consular officers of one mission only, and only once its
    applicant was checked in there: the case's mission (``CaseMission``) is the officer's, and
    an appointment of the case at that mission was checked in (passport compared at the door).
    A booking alone does not open the case to the mission."""
    own = officer_mission(user)
    if own is None:
        return False
    return _checked_in_cases(own).filter(application_id=application.pk).exists()


def _checked_in_cases(mission) -> QuerySet:
    """The appointments that open their online case to ``mission``'s consular officers."""
    return Appointment.objects.filter(
        window__mission=mission,
        status=AppointmentStatus.CHECKED_IN,
        application__mission_link__mission=mission,
        application__member_state_id=mission.member_state_id,
    )


def _consular_cases_filter(user) -> Q:
    """:func:`is_consular_case` as a query (the member state is filtered by the caller)."""
    embassy = Q(channel=Channel.EMBASSY)
    own = officer_mission(user)
    if own is None:
        return embassy
    return embassy | Q(pk__in=_checked_in_cases(own).values("application_id"))


def receives_transfer(user, application: Application) -> bool:
    """Caseworkers and supervisors of a member state asked to take over the case."""
    if not _active(user) or user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return False
    return application.transfers.filter(
        status="requested", to_state_id=user.member_state_id
    ).exists()


def can_open_embassy_case(user) -> bool:
    return _active(user) and user.role == Role.CONSULAR_OFFICER and user.member_state_id is not None


def can_act_for_applicant(user, application: Application) -> bool:
    """The applicant, or the consular officer who opened the case at an embassy."""
    if is_applicant(user):
        return application.applicant.user_id == user.pk
    if not can_open_embassy_case(user):
        return False
    if application.member_state_id != user.member_state_id:
        return False
    return application.created_by_id == user.pk


def can_link_walkin(user, invitation) -> bool:
    """An applicant signed in with the address a walk-in case's invitation was sent to."""
    if not is_applicant(user):
        return False
    if invitation.linked_at is not None:
        return False
    return user.email.lower() == invitation.email.lower()


def can_review(user, application: Application) -> bool:
    if not _active(user):
        return False
    if user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return False
    return user.member_state_id == application.member_state_id


def can_resolve_duplicate(user, hit) -> bool:
    """Caseworkers and supervisors of the member state of the case the hit is recorded on."""
    return can_review(user, hit.application)


def duplicate_hits(user) -> QuerySet:
    """The possible duplicates recorded on the cases of the user's member state (caseworkers,
    supervisors and auditors; programme admins: all). They name the other member state and
    case reference only."""

    if not _active(user) or user.role not in {
        Role.CASEWORKER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.PROGRAMME_ADMIN,
    }:
        return DuplicateHit.objects.none()
    if sees_all_member_states(user):
        return DuplicateHit.objects.all()
    return DuplicateHit.objects.filter(application__member_state_id=user.member_state_id)


def get_duplicate_hit(user, hit_id: int):
    hit = duplicate_hits(user).select_related("application").filter(pk=hit_id).first()
    if hit is None:
        raise Http404(NOT_FOUND)
    return hit


def can_confirm_refusal(user, application: Application, decision: Decision) -> bool:
    if not can_review(user, application):
        return False
    if user.role != Role.SUPERVISOR:
        return False
    return decision.proposed_by_id != user.pk


def can_confirm_approval(user, application: Application, decision: Decision) -> bool:
    """An approval with an exception: four eyes, like a refusal."""
    if not can_review(user, application):
        return False
    if user.role != Role.SUPERVISOR:
        return False
    return decision.proposed_by_id != user.pk


def can_decide_identity_change(user, request) -> bool:
    """A caseworker or supervisor of the member state of the holder's case (no four eyes:
    the document is checked like any evidence)."""
    return can_review(user, request.application)


def identity_change_requests(user) -> QuerySet:
    """The change requests of the user's member state's cases (none for anyone else)."""

    if not _active(user) or user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return IdentityChangeRequest.objects.none()
    return IdentityChangeRequest.objects.filter(application__member_state_id=user.member_state_id)


def get_identity_change(user, request_id: int):
    """A change request the user may decide, or 404."""
    found = (
        identity_change_requests(user)
        .select_related("application", "applicant", "requested_by", "decided_by")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def can_confirm_card_change(user, application: Application, change) -> bool:
    if not can_review(user, application):
        return False
    if user.role != Role.SUPERVISOR:
        return False
    return change.proposed_by_id != user.pk


def can_decide_appeal(user, appeal: Appeal) -> bool:
    """A supervisor of the member state who took no part in the contested decision."""
    if not can_review(user, appeal.application):
        return False
    if user.role != Role.SUPERVISOR:
        return False
    if appeal.decision is not None:
        return user.pk not in (appeal.decision.proposed_by_id, appeal.decision.confirmed_by_id)
    return user.pk not in (appeal.card_change.proposed_by_id, appeal.card_change.confirmed_by_id)


def can_decide_transfer(user, transfer: TransferRequest) -> bool:
    """Caseworkers and supervisors of the receiving member state."""
    if not is_staff_member(user):
        return False
    if user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return False
    return user.member_state_id == transfer.to_state_id


def lodged_appeals(user) -> QuerySet[Appeal]:
    """The appeals awaiting a decision on the cases the user may list (none for anyone else)."""
    return Appeal.objects.filter(status="lodged", application__in=staff_cases(user))


def get_appeal(user, reference: str, appeal_id: int) -> Appeal:
    """An appeal on a case the user may read, or 404."""
    application = get_case(user, reference)
    appeal = Appeal.objects.filter(pk=appeal_id, application=application).first()
    if appeal is None:
        raise Http404(NOT_FOUND)
    return appeal


def incoming_transfers(user) -> QuerySet[TransferRequest]:
    """The transfer requests awaiting the user's member state (none for anyone else)."""
    if not is_staff_member(user) or user.member_state_id is None:
        return TransferRequest.objects.none()
    return TransferRequest.objects.filter(status="requested", to_state_id=user.member_state_id)


def can_see_statistics(user) -> bool:
    """Programme admins (all member states), supervisors and auditors (their own)."""
    return _active(user) and user.role in {Role.PROGRAMME_ADMIN, Role.SUPERVISOR, Role.AUDITOR}


def can_run_what_if(user) -> bool:
    return _active(user) and user.role in {Role.PROGRAMME_ADMIN, Role.SUPERVISOR}


def can_read_audit_log(user) -> bool:
    return _active(user) and user.role in {Role.AUDITOR, Role.PROGRAMME_ADMIN, Role.SUPERVISOR}


def audit_events(user) -> QuerySet[AuditEvent]:
    """The audit events the user may read: their member state's, or all for programme admins
    (none for anyone else)."""
    if not can_read_audit_log(user):
        return AuditEvent.objects.none()
    if sees_all_member_states(user):
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(member_state=user.member_state_id)


def can_use_admin_site(user) -> bool:
    return _active(user) and user.role == Role.PROGRAMME_ADMIN and user.is_staff


# --- the only ways to fetch objects ------------------------------------------------------


def staff_cases(user) -> QuerySet[Application]:
    """The cases a staff member may list: their member state's, or all for programme admins."""
    qs = Application.objects.all()
    if sees_all_member_states(user):
        return qs
    if not is_staff_member(user):
        return qs.none()
    qs = qs.filter(member_state_id=user.member_state_id)
    if user.role == Role.CONSULAR_OFFICER:
        qs = qs.filter(_consular_cases_filter(user))
    return qs


def applicant_cases(user) -> QuerySet[Application]:
    if not is_applicant(user):
        return Application.objects.none()
    return Application.objects.filter(applicant__user_id=user.pk)


def get_case(user, reference: str) -> Application:
    """A case the user may read, or 404."""
    qs = Application.objects.select_related("applicant", "applicant__user", "member_state")
    application = qs.filter(reference=reference).first()
    if application is None or not can_read_case(user, application):
        raise Http404(NOT_FOUND)
    return application


def get_card(user, reference: str, card_id: int):
    """A card of a case the user may read, or 404."""
    application = get_case(user, reference)
    card = application.cards.select_related("member_state", "applicant").filter(pk=card_id).first()
    if card is None:
        raise Http404(NOT_FOUND)
    return card


def get_card_change(user, reference: str, card_id: int, change_id: int) -> CardStatusChange:
    """A status change of a card of a case the user may read, or 404 (whether the user may
    confirm or return it is :func:`can_confirm_card_change`)."""
    card = get_card(user, reference, card_id)
    change = CardStatusChange.objects.filter(pk=change_id, card=card).first()
    if change is None:
        raise Http404(NOT_FOUND)
    return change


def get_interim_credential(user, reference: str, credential_id: int) -> CardCredential:
    """An interim credential of one of the applicant's own cases, or 404 (staff get none)."""
    if not is_applicant(user):
        raise Http404(NOT_FOUND)
    application = get_case(user, reference)
    credential = (
        CardCredential.objects.filter(
            pk=credential_id, kind="interim", card__application=application
        )
        .select_related("card__applicant", "card__member_state")
        .first()
    )
    if credential is None:
        raise Http404(NOT_FOUND)
    return credential


def get_evidence(user, reference: str, evidence_id: int) -> EvidenceItem:
    application = get_case(user, reference)
    item = application.evidence.filter(pk=evidence_id).first()
    if item is None:
        raise Http404(NOT_FOUND)
    return item


def get_letter(user, reference: str, letter_reference: str) -> DecisionLetter:
    """An issued decision letter of a case the user may read (the applicant, staff of the
    member state), or 404."""
    application = get_case(user, reference)
    letter = (
        DecisionLetter.objects.filter(
            application=application, reference=letter_reference, status=LetterStatus.ISSUED
        )
        .select_related("application")
        .first()
    )
    if letter is None:
        raise Http404(NOT_FOUND)
    return letter


# --- checking a card: verifiers, share codes, checks (relocard.verification) ---------------
#
# verifier          people of a verifier organisation (bank, employer, letting agent, private
#                   landlord); they check cards once a programme admin approved the
#                   organisation, and see their organisation's checks only
# holder            an applicant with a card: makes, sees and revokes their own share codes,
#                   sees every check made with them or of their cards


def is_verifier(user) -> bool:
    return _active(user) and user.role == Role.VERIFIER


def verifier_membership(user) -> VerifierMembership | None:
    """The user's membership with its organisation (cached on the user for the request)."""
    if not is_verifier(user):
        return None
    cached = getattr(user, "_verifier_membership", None)
    if cached is None:
        cached = VerifierMembership.objects.select_related("organisation").filter(user=user).first()
        user._verifier_membership = cached
    return cached


def can_check(user) -> bool:
    membership = verifier_membership(user)
    if membership is None:
        return False
    return membership.organisation.is_approved


def can_manage_organisation(user) -> bool:
    membership = verifier_membership(user)
    if membership is None:
        return False
    return membership.is_manager


def can_approve_organisations(user) -> bool:
    return _active(user) and user.role == Role.PROGRAMME_ADMIN


def can_share_card(user, card) -> bool:
    if not is_applicant(user):
        return False
    return card.applicant.user_id == user.pk


def can_manage_share_code(user, share_code: ShareCode) -> bool:
    if not is_applicant(user):
        return False
    return share_code.holder.user_id == user.pk


def holder_share_codes(user) -> QuerySet[ShareCode]:
    if not is_applicant(user):
        return ShareCode.objects.none()
    return ShareCode.objects.filter(holder__user_id=user.pk)


def holder_checks(user) -> QuerySet[CardCheck]:
    """Checks made with the holder's share codes or of their cards (a QR check)."""
    if not is_applicant(user):
        return CardCheck.objects.none()
    return CardCheck.objects.filter(
        Q(share_code__holder__user_id=user.pk) | Q(card__applicant__user_id=user.pk)
    )


def own_messages(user) -> QuerySet[Message]:
    """The signed-in applicant's or holder's messages (the message centre); nobody else's."""
    if not is_applicant(user):
        return Message.objects.none()
    return Message.objects.filter(user_id=user.pk)


def get_own_message(user, message_id: int) -> Message:
    """One of the user's own messages; anyone else's is "not found"."""
    found = own_messages(user).filter(pk=message_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def own_applicant(user) -> Applicant | None:
    """The signed-in applicant's own personal data, if they gave it (None otherwise)."""
    if not is_applicant(user):
        return None
    return Applicant.objects.filter(user=user).first()


def get_own_trip(user, trip_id: int) -> Trip:
    """A trip the signed-in applicant declared; anyone else's is "not found"."""
    if not is_applicant(user):
        raise Http404(NOT_FOUND)
    trip = Trip.objects.filter(pk=trip_id, applicant__user=user).select_related("applicant")
    found = trip.first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def get_share_code(user, share_code_id: int) -> ShareCode:
    share_code = holder_share_codes(user).select_related("holder", "card").filter(pk=share_code_id)
    found = share_code.first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def organisation_checks(user) -> QuerySet[CardCheck]:
    membership = verifier_membership(user)
    if membership is None:
        return CardCheck.objects.none()
    return CardCheck.objects.filter(organisation_id=membership.organisation_id)


def get_organisation_check(user, check_id: str) -> CardCheck:
    """A check made by the user's organisation, or 404."""
    check = (
        organisation_checks(user)
        .select_related("organisation", "card__applicant", "checked_by", "api_key")
        .filter(check_id=check_id)
        .first()
    )
    if check is None:
        raise Http404(NOT_FOUND)
    return check


# --- at the mission (relocard.enrolment) ----------------------------------------------------
#
# consular officer   records biometrics enrolment, the fee, the D visa and the card's
#                    production and hand-over on the cases they work on: the embassy cases of
#                    their member state and the online cases checked in at their own mission
#                    (:func:`is_consular_case`)
# applicant          uploads their own photo while the case is open; reads their own receipt
# verifier           sees the holder's photo of a share-code check of their organisation that
#                    found a valid card, for PHOTO_AFTER_CHECK after the check only


#: How long after a share-code check its verifier may still see the holder's photo.
PHOTO_AFTER_CHECK_SECONDS = 30 * 60


def can_record_at_mission(user, application: Application) -> bool:
    return is_consular_case(user, application)


def get_mission_case(user, reference: str) -> Application:
    """A case on which the user records steps at the mission, or 404."""
    application = get_case(user, reference)
    if not can_record_at_mission(user, application):
        raise Http404(NOT_FOUND)
    return application


def can_upload_photo(user, application: Application) -> bool:
    if not application.is_open:
        return False
    if is_applicant(user):
        return application.applicant.user_id == user.pk
    return can_record_at_mission(user, application)


def get_case_photo(user, reference: str) -> HolderPhoto:
    """The current photo of a case the user may read, or 404."""
    application = get_case(user, reference)
    photo = HolderPhoto.objects.filter(application=application, superseded_at__isnull=True).first()
    if photo is None:
        raise Http404(NOT_FOUND)
    return photo


def check_shows_photo(check: CardCheck, *, now) -> bool:
    """A share-code check that found a valid card, made less than PHOTO_AFTER_CHECK ago."""
    if check.method != CheckMethod.SHARE_CODE:
        return False
    if check.result != CheckResult.VALID:
        return False
    if check.card_id is None:
        return False
    return (now - check.checked_at).total_seconds() < PHOTO_AFTER_CHECK_SECONDS


def get_check_photo(user, check_id: str, *, now) -> HolderPhoto:
    """The holder's current photo for a check of the user's organisation, or 404."""
    check = get_organisation_check(user, check_id)
    if not check_shows_photo(check, now=now):
        raise Http404(NOT_FOUND)
    photo = HolderPhoto.objects.filter(
        application_id=check.card.application_id, superseded_at__isnull=True
    ).first()
    if photo is None:
        raise Http404(NOT_FOUND)
    return photo


# --- the nightly compliance run: cards at risk ---------------------------------------------


def can_see_cards_at_risk(user) -> bool:
    """Caseworkers and supervisors of a member state follow its cards at risk."""
    if not _active(user):
        return False
    if user.role not in {Role.CASEWORKER, Role.SUPERVISOR}:
        return False
    return user.member_state_id is not None


def cards_at_risk(user) -> QuerySet:
    """The at-risk and failing active cards of the user's member state (none for anyone else)."""
    if not can_see_cards_at_risk(user):
        return CardCompliance.objects.none()
    return CardCompliance.objects.filter(
        card__member_state_id=user.member_state_id,
        card__status=CardStatus.ACTIVE,
        status__in=[ComplianceStatus.AT_RISK, ComplianceStatus.FAILING],
    )


# --- checking a card: who checks, and the objects of its pages and API ---------------------
#
# A check is made for an organisation by one of its people (on the web) or by one of its API
# keys (an organisation's own system), and only once a programme admin approved it. The
# verification pages and the API fetch their objects through the functions below only.


def can_check_with_key(api_key: ApiKey, organisation) -> bool:
    """A live key of this organisation."""
    if api_key.revoked_at is not None:
        return False
    return api_key.organisation_id == organisation.pk


def can_check_as_member(user, organisation) -> bool:
    """A verifier of this organisation."""
    membership = verifier_membership(user)
    if membership is None:
        return False
    return membership.organisation_id == organisation.pk


def require_checker(organisation, *, user=None, api_key: ApiKey | None = None) -> None:
    """The organisation may check now, through this key (when given) or this person; else
    :class:`~relocard.common.errors.NotAllowed`, saying why."""
    if api_key is not None:
        if not can_check_with_key(api_key, organisation):
            raise NotAllowed(_("This API key is not valid."))
    elif not can_check_as_member(user, organisation):
        raise NotAllowed(_("Only people of a verifier organisation can check cards."))
    if not organisation.is_approved:
        raise NotAllowed(
            _(
                "Your organisation is not approved yet. The programme checks new organisations first."
            )
        )


def holder_cards(user) -> QuerySet[Card]:
    """The cards of the applicant's own cases (of which share codes can be made)."""
    if not is_applicant(user):
        return Card.objects.none()
    return Card.objects.filter(applicant__user_id=user.pk)


def organisation_members(user) -> QuerySet[VerifierMembership]:
    """The memberships of the user's own organisation (none for anyone else)."""
    membership = verifier_membership(user)
    if membership is None:
        return VerifierMembership.objects.none()
    return VerifierMembership.objects.filter(organisation_id=membership.organisation_id)


def organisation_api_keys(user) -> QuerySet[ApiKey]:
    """The API keys of the user's own organisation (none for anyone else)."""
    membership = verifier_membership(user)
    if membership is None:
        return ApiKey.objects.none()
    return ApiKey.objects.filter(organisation_id=membership.organisation_id)


def get_managed_api_key(user, key_id: int) -> ApiKey:
    """A key of the organisation the user manages, or 404."""
    if not can_manage_organisation(user):
        raise Http404(NOT_FOUND)
    api_key = organisation_api_keys(user).select_related("organisation").filter(pk=key_id).first()
    if api_key is None:
        raise Http404(NOT_FOUND)
    return api_key


def organisations_to_decide(user) -> QuerySet[VerifierOrganisation]:
    """Every verifier organisation, for programme admins (none for anyone else)."""
    if not can_approve_organisations(user):
        return VerifierOrganisation.objects.none()
    return VerifierOrganisation.objects.all()


def get_organisation_to_decide(user, organisation_id: int) -> VerifierOrganisation:
    """An organisation a programme admin may approve or suspend, or 404."""
    organisation = organisations_to_decide(user).filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404(NOT_FOUND)
    return organisation


def key_checks(api_key: ApiKey) -> QuerySet[CardCheck]:
    """The checks of the key's organisation, by any of its keys or people (none for a revoked
    key)."""
    if api_key is None or api_key.revoked_at is not None:
        return CardCheck.objects.none()
    return CardCheck.objects.filter(organisation_id=api_key.organisation_id)


def get_key_check(api_key: ApiKey, check_id: str) -> CardCheck:
    """A check of the key's organisation, by its (normalised) check id, or 404."""
    check = (
        key_checks(api_key)
        .select_related("organisation", "card__applicant", "api_key", "checked_by")
        .filter(check_id=check_id)
        .first()
    )
    if check is None:
        raise Http404(NOT_FOUND)
    return check


# --- authentication: second factor and its reset ------------------------------------------
#
# Every staff role, every member of a verifier organisation and every user of the admin site
# signs in with a second factor; applicants and holders may add one. A lost factor is reset
# with four eyes: supervisors reset the factors of their member state's staff (not their
# own); programme admins those of verifiers, of other programme admins and of applicants.

SECOND_FACTOR_ROLES = frozenset(
    {
        Role.CONSULAR_OFFICER,
        Role.CASEWORKER,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.PROGRAMME_ADMIN,
        Role.VERIFIER,
        Role.HUMANITARIAN_OFFICER,
        Role.REFERRER,
        Role.SCREENING_OFFICER,
    }
)


def needs_second_factor(user) -> bool:
    if not _active(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.role in SECOND_FACTOR_ROLES


def can_reset_second_factor(actor, target) -> bool:
    """Whether ``actor`` may propose or confirm the reset of ``target``'s second factor."""
    if not _active(actor) or target is None or actor.pk == target.pk:
        return False
    if actor.role == Role.SUPERVISOR:
        return (
            target.role in {Role.CONSULAR_OFFICER, Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR}
            and not target.is_staff
            and target.member_state_id == actor.member_state_id
        )
    if actor.role == Role.PROGRAMME_ADMIN:
        return target.role in {Role.PROGRAMME_ADMIN, Role.VERIFIER, Role.APPLICANT} or (
            target.is_staff
        )
    return False


def can_handle_factor_resets(user) -> bool:
    return _active(user) and user.role in {Role.SUPERVISOR, Role.PROGRAMME_ADMIN}


def can_confirm_factor_reset(actor, reset) -> bool:
    if not can_reset_second_factor(actor, reset.user):
        return False
    return reset.proposed_by_id != actor.pk


# --- operations -------------------------------------------------------------------------------


def can_read_metrics(*, authorization: str, remote_addr: str, forwarded: bool) -> bool:
    """``/metrics``: with ``RELOCARD_METRICS_TOKEN`` set, only ``Authorization: Bearer <it>``
    (compared in constant time); without it, only a direct connection from this machine
    (loopback, and no proxy's forwarding header: a proxy on the same host would otherwise
    make every visitor look local)."""
    import hmac
    import ipaddress

    from django.conf import settings

    token = settings.RELOCARD_METRICS_TOKEN
    if token:
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    if forwarded:
        return False
    try:
        return ipaddress.ip_address(remote_addr).is_loopback
    except ValueError:
        return False


# --- the humanitarian-visa route (relocard.humanitarian) -------------------------------------
#
# humanitarian officer   sees the requests of their member state's waiting list (entry ids,
#                        status, category: no names, no grounds); reads a request's grounds
#                        and travellers, triages, invites and decides only once assigned to
#                        it; a move between categories and a refusal need a second assigned
#                        officer (never the proposer)
# referrer               refers requests for an accredited organisation (an NGO that a
#                        programme admin approved) to the organisation's member state; sees
#                        the status of the requests it referred, never their grounds again
# person                 an applicant account: asks for a visa, sees and withdraws their own
#                        requests
# Card roles (caseworkers, supervisors, auditors, consular officers, verifiers) reach nothing
# here, and humanitarian officers reach no card case: neither route learns of the other.

from relocard.humanitarian.models import (  # noqa: E402
    AssignmentProposal,
    CategoryMove,
    HumanitarianDecision,
    HumanitarianRequest,
    OutOfTurnInvitation,
    ReferrerMembership,
    ReferringOrganisation,
)


def is_humanitarian_officer(user) -> bool:
    if not _active(user):
        return False
    if user.role != Role.HUMANITARIAN_OFFICER:
        return False
    return user.member_state_id is not None


def can_use_humanitarian_console(user) -> bool:
    return is_humanitarian_officer(user)


def is_assigned(user, request: HumanitarianRequest) -> bool:
    if not is_humanitarian_officer(user):
        return False
    if request.member_state_id != user.member_state_id:
        return False
    return request.assignments.filter(officer_id=user.pk).exists()


def can_assign_officer(actor, request: HumanitarianRequest, officer) -> bool:
    """An officer of the request's member state assigns an officer of the same state."""
    if not is_humanitarian_officer(actor):
        return False
    if request.member_state_id != actor.member_state_id:
        return False
    if not is_humanitarian_officer(officer):
        return False
    return officer.member_state_id == request.member_state_id


def can_confirm_assignment(user, proposal: AssignmentProposal) -> bool:
    """An officer of the request's member state who did not propose it (four eyes)."""
    if not can_assign_officer(user, proposal.request, proposal.officer):
        return False
    return proposal.proposed_by_id != user.pk


def can_read_grounds(user, request: HumanitarianRequest) -> bool:
    """Only the officers assigned to the request (every read is audited by the selector)."""
    return is_assigned(user, request)


def can_work_on_request(user, request: HumanitarianRequest) -> bool:
    """Triage, review, propose a move, invite, propose a decision: an assigned officer."""
    return is_assigned(user, request)


def can_confirm_move(user, move: CategoryMove) -> bool:
    if not is_assigned(user, move.request):
        return False
    return move.proposed_by_id != user.pk


def can_confirm_out_of_turn(user, proposal: OutOfTurnInvitation) -> bool:
    if not is_assigned(user, proposal.request):
        return False
    return proposal.proposed_by_id != user.pk


def can_confirm_humanitarian_refusal(user, decision: HumanitarianDecision) -> bool:
    if not is_assigned(user, decision.request):
        return False
    return decision.proposed_by_id != user.pk


def can_request_humanitarian_visa(user) -> bool:
    return is_applicant(user)


def can_withdraw_request(user, request: HumanitarianRequest) -> bool:
    if not is_applicant(user):
        return False
    return request.person_id == user.pk


def referrer_membership(user) -> ReferrerMembership | None:
    if not _active(user) or user.role != Role.REFERRER:
        return None
    return ReferrerMembership.objects.select_related("organisation").filter(user=user).first()


def can_refer(user) -> bool:
    membership = referrer_membership(user)
    if membership is None:
        return False
    return membership.organisation.is_approved


def can_approve_referring_organisations(user) -> bool:
    return _active(user) and user.role == Role.PROGRAMME_ADMIN


def humanitarian_requests(user) -> QuerySet[HumanitarianRequest]:
    """The requests of the officer's member state (none for anyone else)."""
    if not is_humanitarian_officer(user):
        return HumanitarianRequest.objects.none()
    return HumanitarianRequest.objects.filter(member_state_id=user.member_state_id)


def get_humanitarian_request(user, entry_id: str) -> HumanitarianRequest:
    """A request of the officer's member state, by entry id, or 404."""
    found = (
        humanitarian_requests(user).select_related("member_state").filter(entry_id=entry_id).first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def person_requests(user) -> QuerySet[HumanitarianRequest]:
    if not is_applicant(user):
        return HumanitarianRequest.objects.none()
    return HumanitarianRequest.objects.filter(person_id=user.pk)


def get_person_request(user, entry_id: str) -> HumanitarianRequest:
    found = person_requests(user).select_related("member_state").filter(entry_id=entry_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def referred_requests(user) -> QuerySet[HumanitarianRequest]:
    membership = referrer_membership(user)
    if membership is None:
        return HumanitarianRequest.objects.none()
    return HumanitarianRequest.objects.filter(organisation_id=membership.organisation_id)


def get_referred_request(user, entry_id: str) -> HumanitarianRequest:
    found = referred_requests(user).select_related("member_state").filter(entry_id=entry_id)
    request = found.first()
    if request is None:
        raise Http404(NOT_FOUND)
    return request


def referring_organisations_to_decide(user) -> QuerySet[ReferringOrganisation]:
    if not can_approve_referring_organisations(user):
        return ReferringOrganisation.objects.none()
    return ReferringOrganisation.objects.all()


def get_referring_organisation_to_decide(user, organisation_id: int) -> ReferringOrganisation:
    found = referring_organisations_to_decide(user).filter(pk=organisation_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


# --- the security screening (relocard.screening) ---------------------------------------------
#
# screening officer   reads the possible sanctions-list matches (hits, scores, reasons) and the
#                     national checks of the cases of their member state; proposes to clear or
#                     confirm a match and records a national check's answer; a second screening
#                     officer of the state (never the proposer) decides; reads the list versions
#                     and what changed between them
# Every other role (caseworkers, supervisors, auditors, programme admins, applicants) reaches
# nothing here: the case page and the approval gate say only that screening is pending, under
# review or blocks the case.

from relocard.screening.models import (  # noqa: E402
    NationalCheck,
    ScreeningReview,
    ScreeningRun,
)


def is_screening_officer(user) -> bool:
    if not _active(user):
        return False
    if user.role != Role.SCREENING_OFFICER:
        return False
    return user.member_state_id is not None


def can_use_screening(user) -> bool:
    return is_screening_officer(user)


def can_read_list_versions(user) -> bool:
    return is_screening_officer(user)


def can_review_run(user, run: ScreeningRun) -> bool:
    if not is_screening_officer(user):
        return False
    return run.application.member_state_id == user.member_state_id


def can_decide_review(user, review: ScreeningReview) -> bool:
    """A screening officer of the case's member state who did not propose it."""
    if not can_review_run(user, review.run):
        return False
    return review.proposed_by_id != user.pk


def can_handle_national_check(user, check: NationalCheck) -> bool:
    if not is_screening_officer(user):
        return False
    return check.application.member_state_id == user.member_state_id


def can_confirm_check_answer(user, check: NationalCheck) -> bool:
    """A screening officer of the case's member state other than the one who recorded it."""
    if not can_handle_national_check(user, check):
        return False
    return check.answered_by_id != user.pk


def screening_runs(user) -> QuerySet[ScreeningRun]:
    if not is_screening_officer(user):
        return ScreeningRun.objects.none()
    return ScreeningRun.objects.filter(application__member_state_id=user.member_state_id)


def get_screening_run(user, run_id: int) -> ScreeningRun:
    run = screening_runs(user).select_related("application", "version").filter(pk=run_id).first()
    if run is None:
        raise Http404(NOT_FOUND)
    return run


def national_checks(user) -> QuerySet[NationalCheck]:
    if not is_screening_officer(user):
        return NationalCheck.objects.none()
    return NationalCheck.objects.filter(application__member_state_id=user.member_state_id)


def get_national_check(user, check_id: int) -> NationalCheck:
    check = national_checks(user).select_related("application").filter(pk=check_id).first()
    if check is None:
        raise Http404(NOT_FOUND)
    return check


# --- the consular channel (relocard.consular) --------------------------------------------------
#
# consular officer   belongs to one mission of their member state: publishes its slots, opens
#                    its booking windows, runs its draws, lists its appointments, checks people
#                    in and marks no-shows; sees no other mission's appointments
# programme admin    adds and edits missions (console page and admin site) and officers (admin
#                    site); reads every mission
# applicant          registers interest for their own open application and sees, confirms,
#                    cancels and reschedules their own appointments only
# Everyone else reaches nothing here; other member states' missions are "not found".

from relocard.consular.models import (  # noqa: E402
    Appointment,
    AppointmentStatus,
    Mission,
    MissionOfficer,
    Slot,
    SlotReservation,
)


def officer_mission(user) -> Mission | None:
    """The mission of a consular officer (of their own member state), or None."""
    if not can_open_embassy_case(user):
        return None
    post = getattr(user, "mission_post", None)
    if post is None:
        return None
    if post.mission.member_state_id != user.member_state_id:
        return None
    return post.mission


def can_manage_mission(user, mission: Mission) -> bool:
    """Publish slots, open windows and run draws: the mission's officers, programme admins."""
    if sees_all_member_states(user):
        return True
    own = officer_mission(user)
    if own is None:
        return False
    return own.pk == mission.pk


def can_reserve_slot(user, slot: Slot) -> bool:
    """Set a published slot aside for an invitation outside the draws (the humanitarian
    route): a humanitarian officer of the mission's member state; nobody else, not even the
    mission's own officers (they give slots only by the draw)."""
    return is_humanitarian_officer(user) and slot.mission.member_state_id == user.member_state_id


def can_end_slot_reservation(user, reservation: SlotReservation) -> bool:
    return can_reserve_slot(user, reservation.slot)


def mission_reservations(user, mission: Mission) -> QuerySet[SlotReservation]:
    """What the mission's officers see of the reservations at their door: slot, reference,
    name; nothing of the service or the reasons behind them."""
    if not can_manage_mission(user, mission):
        return SlotReservation.objects.none()
    return SlotReservation.objects.filter(slot__mission=mission, ended_at__isnull=True)


def can_check_in_reservation(user, reservation: SlotReservation) -> bool:
    """Check a reserved slot's person in at the door: the consular officers of the slot's
    mission only (not programme admins, not officers of other missions or states)."""
    own = officer_mission(user)
    if own is None:
        return False
    return own.pk == reservation.slot.mission_id


def get_door_reservation(user, mission_id: int, reservation_id: int) -> SlotReservation:
    """A reservation (active or ended) at the door of the officer's own mission; "not found"
    for everyone else, whether or not it exists."""
    own = officer_mission(user)
    if own is None or own.pk != mission_id:
        raise Http404(NOT_FOUND)
    found = (
        SlotReservation.objects.select_related("slot__mission")
        .filter(pk=reservation_id, slot__mission=own)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def managed_missions(user) -> QuerySet[Mission]:
    if sees_all_member_states(user):
        return Mission.objects.all()
    own = officer_mission(user)
    if own is None:
        return Mission.objects.none()
    return Mission.objects.filter(pk=own.pk)


def get_managed_mission(user, mission_id: int) -> Mission:
    found = managed_missions(user).select_related("member_state").filter(pk=mission_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def can_edit_missions(user) -> bool:
    """Add and edit missions (city, address, time zone, opening days): programme staff."""
    return sees_all_member_states(user)


def editable_missions(user) -> QuerySet[Mission]:
    if not can_edit_missions(user):
        return Mission.objects.none()
    return Mission.objects.all()


def get_editable_mission(user, mission_id: int) -> Mission:
    found = editable_missions(user).select_related("member_state").filter(pk=mission_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def get_editable_mission_officer(user, mission: Mission, post_id: int) -> MissionOfficer:
    """An officer's place at a mission the user edits (programme staff), or 404."""
    if not can_edit_missions(user):
        raise Http404(NOT_FOUND)
    found = (
        MissionOfficer.objects.select_related("user", "mission__member_state")
        .filter(pk=post_id, mission=mission)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def missions_in_view(user) -> QuerySet[Mission]:
    """Missions a staff member may filter the console by: their member state's (all for
    programme admins); a consular officer's own only."""
    if sees_all_member_states(user):
        return Mission.objects.all()
    if officer_mission(user) is not None:
        return managed_missions(user)
    if not is_staff_member(user) or user.role == Role.CONSULAR_OFFICER:
        return Mission.objects.none()
    return Mission.objects.filter(member_state_id=user.member_state_id)


def mission_appointments(user) -> QuerySet[Appointment]:
    """Appointments of the missions the user manages (none for anyone else)."""
    return Appointment.objects.filter(window__mission__in=managed_missions(user))


def get_mission_appointment(user, entry_id: str) -> Appointment:
    found = (
        mission_appointments(user)
        .select_related("window__mission", "slot", "application")
        .filter(entry_id=entry_id)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def can_book_appointments(user) -> bool:
    """An applicant whose account has personal details (the e-mail address was proven when
    the account was created)."""
    if not is_applicant(user):
        return False
    return own_applicant(user) is not None


def can_register_interest(user, application: Application, mission: Mission) -> bool:
    """For their own open, undecided application in the mission's member state."""
    if not can_book_appointments(user):
        return False
    if application.applicant.user_id != user.pk:
        return False
    if application.member_state_id != mission.member_state_id:
        return False
    return application.state in {"draft", "submitted", "in_review", "correction_requested"}


def own_appointments(user) -> QuerySet[Appointment]:
    if not is_applicant(user):
        return Appointment.objects.none()
    return Appointment.objects.filter(user_id=user.pk)


def get_own_appointment(user, entry_id: str) -> Appointment:
    found = (
        own_appointments(user)
        .select_related("window__mission", "slot", "application")
        .filter(entry_id=entry_id)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found
