"""The applicant portal: parse the request, call a service or a selector, render.

Consular officers use the same case pages for the walk-in cases they opened at an embassy.
"""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from relocard.accounts import services as account_services
from relocard.accounts import throttle as account_throttle
from relocard.accounts.decorators import applicant_required
from relocard.accounts.forms import NewPasswordForm, ProfileForm
from relocard.accounts.models import Role
from relocard.accounts.services import AccountExists
from relocard.cards.compliance import holder_advice
from relocard.cards.credentials import interim_current
from relocard.cards.selectors import compliance_by_user
from relocard.cases import appeals, duplicates, renewal, selectors, transfers, walkins
from relocard.cases import services as case_services
from relocard.cases.approval import decision_explanation
from relocard.cases.facts import FACT_FORMS
from relocard.cases.identity_changes import identity_change_request
from relocard.cases.models import PENDING_STATES, CaseState, EvidenceKind, Stage
from relocard.common import access, notifications, related
from relocard.common.errors import RelocardError
from relocard.common.files import evidence_file_response as _file_response
from relocard.core.privacy import member_states_with_notice, privacy_notice
from relocard.enrolment import selectors as mission_selectors
from relocard.letters import selectors as letter_selectors
from relocard.portal.forms import (
    AppealForm,
    CorrectionAnswerForm,
    EvidenceFileForm,
    EvidenceKindForm,
    IdentityChangeForm,
    RenewForm,
    StartForm,
    SubmitForm,
    TransferForm,
    WithdrawForm,
)
from relocard.reference.selectors import programme_member_states
from relocard.screening.selectors import case_screening


def case_user_required(view):
    """Applicants, and consular officers for the embassy cases they opened."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role not in (Role.APPLICANT, Role.CONSULAR_OFFICER):
            raise Http404(access.NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapper


def _case_for_actor(request, reference):
    application = access.get_case(request.user, reference)
    if not access.can_act_for_applicant(request.user, application) and not access.is_applicant(
        request.user
    ):
        raise Http404(access.NOT_FOUND)
    return application


def _status(form):
    return 400 if form.is_bound and form.errors else 200


def home(request):
    if request.user.is_authenticated:
        if request.user.role == Role.APPLICANT:
            return redirect("portal:dashboard")
        if request.user.role == Role.VERIFIER:
            return redirect("verification:home")
        if request.user.role == Role.HUMANITARIAN_OFFICER:
            return redirect("humanitarian:queue")
        if request.user.role == Role.SCREENING_OFFICER:
            return redirect("screening:queue")
        if request.user.role == Role.REFERRER:
            return redirect("humanitarian:refer")
        return redirect("console:queue")
    enabled = programme_member_states()
    return render(request, "portal/home.html", {"enabled_member_states": enabled})


def privacy(request):
    return render(
        request,
        "portal/privacy.html",
        {"notices": [privacy_notice(code) for code in member_states_with_notice()]},
    )


def privacy_member_state(request, code: str):
    """The complete privacy notice of one member state, from its policy file."""
    if code.upper() not in member_states_with_notice():
        raise Http404(access.NOT_FOUND)
    notice = privacy_notice(code)
    language = get_language() or "en"

    def local(texts):
        return [t.in_language(language) for t in texts]

    return render(
        request,
        "portal/privacy_member_state.html",
        {
            "notice": notice,
            "controller": notice.controller.in_language(language),
            "dpo": notice.dpo.in_language(language),
            "authority": notice.authority.in_language(language),
            "purposes": local(notice.purposes),
            "legal_basis": local(notice.legal_basis),
            "recipients": local(notice.recipients),
            "rights": local(notice.rights),
            "retention": local(r.text for r in notice.retention),
        },
    )


@applicant_required
def dashboard(request):
    applicant = access.own_applicant(request.user)
    applications = list(
        access.applicant_cases(request.user).select_related("member_state").order_by("-created_at")
    )
    estimates = {
        a.member_state_id: selectors.processing_estimate(member_state_code=a.member_state_id)
        for a in applications
        if a.state in PENDING_STATES
    }
    cards = (
        list(request.user.applicant.cards.select_related("member_state").order_by("-issued_at"))
        if applicant
        else []
    )
    return render(
        request,
        "portal/dashboard.html",
        {
            "applicant": applicant,
            "applications": applications,
            "estimates": estimates,
            "cards": cards,
            "compliance": _compliance(request.user),
        },
    )


def _compliance(user):
    """The nightly run's verdict on the holder's active card, with what to do about it."""
    row = compliance_by_user([user.pk]).get(user.pk)
    if row is None:
        return None
    return {"row": row, "advice": holder_advice(row) if row.status != "ok" else []}


@applicant_required
@require_http_methods(["GET", "POST"])
def profile(request):
    applicant = access.own_applicant(request.user)
    initial = (
        {f: getattr(applicant, f) for f in account_services.PROFILE_FIELDS}
        if applicant
        else {"safe_mode": True}
    )
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    frozen = account_services.identity_frozen(applicant)
    if frozen:  # verified: shown read-only; changes go through a reviewed request
        for name in account_services.IDENTITY_FIELDS:
            form.fields[name].disabled = True
    if request.method == "POST" and (wait := account_throttle.profile_wait(request)) is not None:
        form.is_valid()
        form.add_error(None, account_throttle.wait_message(wait))
    elif request.method == "POST" and form.is_valid():
        try:
            account_services.applicant_profile_save(
                actor=request.user, user=request.user, data=form.cleaned_data
            )
        except RelocardError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Your personal details are saved."))
            return redirect("portal:start" if applicant is None else "portal:dashboard")
    return render(
        request,
        "portal/profile.html",
        {"form": form, "applicant": applicant, "frozen": frozen},
        status=_status(form),
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def identity_change(request):
    """File a change of identity details with its document; see the requests filed."""
    applicant = access.own_applicant(request.user)
    if not account_services.identity_frozen(applicant):
        return redirect("portal:profile")
    fields = account_services.IDENTITY_FIELDS
    form = IdentityChangeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={f: getattr(applicant, f) for f in fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            identity_change_request(
                actor=request.user,
                applicant=applicant,
                kind=form.cleaned_data["kind"],
                data={f: form.cleaned_data[f] for f in fields},
                upload=form.cleaned_data["file"],
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your request is sent. A caseworker checks the document; until then your "
                    "card keeps your verified details."
                ),
            )
            return redirect("portal:identity_change")
    requests = applicant.identity_changes.order_by("-requested_at")
    return render(
        request,
        "portal/identity_change.html",
        {
            "form": form,
            "requests": requests,
            "open_request": next((r for r in requests if r.status == "requested"), None),
        },
        status=_status(form),
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def start(request):
    applicant = access.own_applicant(request.user)
    if applicant is None:
        messages.info(request, _("First enter your personal details as in your passport."))
        return redirect("portal:profile")
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application = case_services.application_start(
                actor=request.user,
                applicant=applicant,
                member_state_code=form.cleaned_data["member_state"],
            )
        except RelocardError as exc:
            form.add_error("member_state" if exc.field else None, exc.message)
        else:
            return redirect("portal:case", reference=application.reference)
    return render(request, "portal/start.html", {"form": form}, status=_status(form))


@case_user_required
def case_detail(request, reference):
    application = _case_for_actor(request, reference)
    # Which kinds of record the case has at all, in one query; a kind with no row is not read
    # (the probe only answers "none at all": what it finds is read as before).
    has = related.present(application, CASE_RELATIONS)
    correction = (
        application.corrections.filter(answered_at__isnull=True).order_by("-requested_at").first()
        if has["corrections"]
        else None
    )
    # The documents and the decision are read once and handed to every part that needs them.
    evidence = selectors.cycle_evidence(application)
    decision = selectors.final_decision(application)
    context = {
        "application": application,
        "applicant": application.applicant,
        "evidence": evidence,
        "history": selectors.case_history(application),
        "correction": correction,
        "decision": decision,
        "estimate": selectors.processing_estimate(member_state_code=application.member_state_id),
        "precheck": _explanation(application, decision, evidence),
        "decided": decision is not None,
        "cards": application.cards.order_by("-issued_at"),
        "letters": letter_selectors.case_letters(application) if has["letters"] else [],
        "can_edit": application.state in case_services.EVIDENCE_OPEN_STATES,
        "held": has["duplicate_hits"] and duplicates.is_held(application),
        # Never more than this: not the list, not a score, not which check (docs/screening.md).
        "checks_under_way": case_screening(application).under_way,
        "checklist": selectors.document_checklist(application, evidence)
        if application.state == CaseState.DRAFT
        else [],
        "mission": mission_selectors.mission_record(application)
        if mission_selectors.any_mission_record(has)
        else mission_selectors.NO_MISSION_RECORD,
        "can_upload_photo": access.can_upload_photo(request.user, application),
        "can_record_at_mission": access.can_record_at_mission(request.user, application),
        **_trial_year(request.user, application, has),
    }
    return render(request, "portal/case.html", context)


#: The case's kinds of record the case page reads only if any row exists (see case_detail).
CASE_RELATIONS = (
    "corrections",
    "letters",
    "duplicate_hits",
    "transfers",
    "appeals",
    *mission_selectors.MISSION_RELATIONS,
)


def _trial_year(user, application, has: dict[str, bool]) -> dict:
    """What the holder can do in the trial year: renew, appeal, move, print the interim
    (``has``: the case's kinds of record that hold any row, from :data:`CASE_RELATIONS`)."""
    if not access.is_applicant(user):
        return {}
    card = renewal.card_in_force(application)
    previous = renewal.renewal_card(application)
    transfers = (
        list(application.transfers.select_related("to_state").order_by("requested_at"))
        if has["transfers"]
        else []
    )
    return {
        "renewal_open": card is not None and renewal.renewal_is_open(application, card=card),
        "interim": interim_current(previous)
        if previous is not None and application.stage == "renewal"
        else None,
        "appeals": list(application.appeals.order_by("lodged_at")) if has["appeals"] else [],
        "appealable": appeals.appealable(application),
        "transfers": transfers,
        "can_transfer": application.state == CaseState.APPROVED
        and card is not None
        and card.status == "active"
        and not any(t.status == "requested" for t in transfers),
    }


def _explanation(application, decision, evidence):
    """What the applicant sees of the criteria: the stamped evaluation of the decision once
    there is one; before that, the live pre-check (nothing is verified in a draft).
    ``decision``: the case's final decision; ``evidence``: this card year's documents."""
    if decision is not None and decision.evaluation:
        return decision_explanation(decision)
    if application.state == CaseState.DRAFT:
        return None
    return selectors.case_precheck(application=application, evidence=evidence).to_dict()


@case_user_required
@require_http_methods(["GET", "POST"])
def evidence_add(request, reference):
    application = _case_for_actor(request, reference)
    if application.state not in case_services.EVIDENCE_OPEN_STATES:
        messages.error(
            request,
            _(
                "Documents can be added while the application is a draft or a correction is requested."
            ),
        )
        return redirect("portal:case", reference=reference)
    kind = request.POST.get("kind") or request.GET.get("kind")
    if kind not in EvidenceKind.values:
        # Step 1: one question - which kind of document.
        form = EvidenceKindForm(request.GET if "kind" in request.GET else None)
        form.is_valid()
        return render(
            request,
            "portal/evidence_kind.html",
            {"application": application, "form": form},
            status=_status(form),
        )
    file_form = EvidenceFileForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=kind,
    )
    facts_form = FACT_FORMS[kind](request.POST if request.method == "POST" else None, prefix=kind)
    replaces_raw = (request.POST.get("replaces") or request.GET.get("replaces") or "").strip()
    replaces = _replaced_item(application, replaces_raw)
    if request.method == "POST" and replaces_raw and replaces is None:
        file_form.is_valid()
        file_form.add_error(None, case_services.not_replaceable_message())
    elif request.method == "POST" and file_form.is_valid() and facts_form.is_valid():
        try:
            case_services.evidence_add(
                actor=request.user,
                application=application,
                kind=kind,
                upload=file_form.cleaned_data["file"],
                facts_data=request.POST,
                expires_on=file_form.cleaned_data.get("expires_on"),
                replaces=replaces,
            )
        except RelocardError as exc:
            target = "file" if exc.field in ("file", None) else None
            if exc.field == "expires_on":
                target = "expires_on"
            file_form.add_error(target, exc.message)
        else:
            messages.success(request, _("The document is uploaded."))
            return redirect("portal:case", reference=reference)
    context = {
        "application": application,
        "kind": kind,
        "kind_label": EvidenceKind(kind).label,
        "form": file_form,
        "facts_form": facts_form,
        "replaces": replaces,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/evidence_add.html", context, status=status)


def _replaced_item(application, raw: str):
    """The document of this case that an upload replaces (from its id in the form), or None.
    Whether it may be replaced is the service's check."""
    if not raw.isdigit():
        return None
    return application.evidence.filter(pk=int(raw)).first()


@case_user_required
def evidence_file(request, reference, evidence_id):
    application = _case_for_actor(request, reference)
    item = access.get_evidence(request.user, application.reference, evidence_id)
    return _file_response(item, download=request.GET.get("download") == "1")


@case_user_required
@require_http_methods(["GET", "POST"])
def evidence_remove(request, reference, evidence_id):
    """Removing a document asks first: a page that names the document, and a button on it
    (no single-click removal from the case page; works without JavaScript)."""
    application = _case_for_actor(request, reference)
    item = access.get_evidence(request.user, application.reference, evidence_id)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        return render(
            request, "portal/evidence_remove.html", {"application": application, "item": item}
        )
    try:
        case_services.evidence_remove(actor=request.user, evidence=item)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The document is removed."))
    return redirect("portal:case", reference=reference)


@case_user_required
@require_http_methods(["GET", "POST"])
def submit(request, reference):
    application = _case_for_actor(request, reference)
    form = SubmitForm(
        request.POST if request.method == "POST" else None,
        initial={"token": secrets.token_urlsafe(16)},
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_submit(
                actor=request.user, application=application, token=form.cleaned_data["token"]
            )
        except RelocardError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, _("Your application is submitted. Keep the receipt below."))
            return redirect("portal:receipt", reference=reference)
    elif application.state != CaseState.DRAFT and request.method == "GET":
        return redirect("portal:case", reference=reference)
    evidence = selectors.cycle_evidence(application)
    checklist = selectors.document_checklist(application, evidence)
    context = {
        "application": application,
        "applicant": application.applicant,
        "form": form,
        "evidence": evidence,
        "checklist": checklist,
        "missing": [row for row in checklist if not row.uploaded],
        "shortfalls": selectors.declared_shortfalls(application, evidence),
        "errors": errors,
    }
    return render(
        request, "portal/submit.html", context, status=400 if (form.errors or errors) else 200
    )


@case_user_required
def receipt(request, reference):
    application = _case_for_actor(request, reference)
    if application.submitted_at is None:
        raise Http404(access.NOT_FOUND)
    return render(
        request,
        "portal/receipt.html",
        {"application": application, "evidence": selectors.case_evidence(application)},
    )


@case_user_required
@require_http_methods(["GET", "POST"])
def correct(request, reference):
    application = _case_for_actor(request, reference)
    if application.state != CaseState.CORRECTION_REQUESTED:
        return redirect("portal:case", reference=reference)
    correction = (
        application.corrections.filter(answered_at__isnull=True).order_by("-requested_at").first()
    )
    form = CorrectionAnswerForm(
        request.POST if request.method == "POST" else None,
        initial={"token": secrets.token_urlsafe(16)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_resubmit(
                actor=request.user,
                application=application,
                answer=form.cleaned_data["answer"],
                token=form.cleaned_data["token"],
            )
        except RelocardError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Your corrections are sent. The caseworker will continue the review.")
            )
            return redirect("portal:case", reference=reference)
    evidence = selectors.cycle_evidence(application)
    missing = (
        set(case_services.correction_missing_kinds(application, correction))
        if correction
        else set()
    )
    context = {
        "application": application,
        "correction": correction,
        "form": form,
        "evidence": evidence,
        "asked": [
            (kind, EvidenceKind(kind).label, kind not in missing)
            for kind in (correction.kinds if correction else [])
            if kind in EvidenceKind.values
        ],
    }
    return render(request, "portal/correct.html", context, status=_status(form))


@case_user_required
@require_http_methods(["GET", "POST"])
def withdraw(request, reference):

    application = _case_for_actor(request, reference)
    is_renewal = application.stage == Stage.RENEWAL
    kept = renewal.card_kept_on_withdrawal(application)
    form = WithdrawForm(request.POST if request.method == "POST" else None, renewal=is_renewal)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_withdraw(actor=request.user, application=application)
        except RelocardError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your renewal is withdrawn. Your card stays as it was.")
                if kept is not None
                else _("Your application is withdrawn."),
            )
            return redirect("portal:case", reference=reference)
    ended = renewal.renewal_card(application) if is_renewal and kept is None else None
    window = renewal.renewal_window(kept) if kept is not None else None
    context = {
        "application": application,
        "form": form,
        "is_renewal": is_renewal,
        "kept": kept,
        "ended": ended,
        "window": window,
        "window_open": window is not None
        and window[0] <= case_services.local_today(application.member_state) <= window[1],
        "interim": kept is not None and interim_current(kept) is not None,
    }
    return render(request, "portal/withdraw.html", context, status=_status(form))


# --- the trial year: renewal, appeals, transfer ----------------------------------------------


def _own_case(request, reference):
    if not access.is_applicant(request.user):
        raise Http404(access.NOT_FOUND)
    return access.get_case(request.user, reference)


@applicant_required
@require_http_methods(["GET", "POST"])
def renew(request, reference):
    application = _own_case(request, reference)
    card = renewal.card_in_force(application)
    form = RenewForm(request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            renewal.renewal_open(actor=request.user, application=application)
        except RelocardError as exc:
            errors.append(exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your renewal is started. Check the documents carried over and add what changed."
                ),
            )
            return redirect("portal:case", reference=reference)
    window = renewal.renewal_window(card) if card else None
    carried = [
        i
        for i in application.evidence.filter(cycle=application.cycle, status="verified").exclude(
            kind="travel"
        )
        if card and (i.expires_on is None or i.expires_on > card.valid_until)
    ]
    context = {
        "application": application,
        "card": card,
        "form": form,
        "window": window,
        "is_open": renewal.renewal_is_open(application),
        "carried": carried,
        "errors": errors,
    }
    return render(
        request, "portal/renew.html", context, status=400 if form.errors or errors else 200
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def appeal(request, reference):
    application = _own_case(request, reference)
    options = appeals.appealable(application)
    labels = {
        "refusal": _("The refusal of %(date)s (appeal until %(deadline)s)"),
        "revocation": _("The revocation of your card on %(date)s (appeal until %(deadline)s)"),
    }
    choices = []
    targets = {}
    for kind, target, deadline in options:
        key = f"{kind}-{target.pk}"
        when = getattr(target, "confirmed_at", None)
        choices.append(
            (
                key,
                labels[kind]
                % {
                    "date": formats.date_format(when, "DATE_FORMAT"),
                    "deadline": formats.date_format(deadline, "DATE_FORMAT"),
                },
            )
        )
        targets[key] = (kind, target)
    form = AppealForm(
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"target": choices[0][0]} if len(choices) == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        kind, target = targets[form.cleaned_data["target"]]
        try:
            appeals.appeal_lodge(
                actor=request.user,
                application=application,
                grounds=form.cleaned_data["grounds"],
                decision=target if kind == "refusal" else None,
                card_change=target if kind == "revocation" else None,
            )
        except RelocardError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Your appeal is lodged. A supervisor decides it and you will be told.")
            )
            return redirect("portal:case", reference=reference)
    return render(
        request,
        "portal/appeal.html",
        {"application": application, "form": form, "options": options},
        status=400 if form.errors else 200,
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def transfer(request, reference):
    application = _own_case(request, reference)
    form = TransferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            transfers.transfer_request(
                actor=request.user,
                application=application,
                to_state_code=form.cleaned_data["to_state"],
            )
        except RelocardError as exc:
            form.add_error("to_state" if exc.field else None, exc.message)
        else:
            messages.success(request, _("Your request is sent to the caseworkers of that country."))
            return redirect("portal:case", reference=reference)
    return render(
        request,
        "portal/transfer.html",
        {"application": application, "form": form},
        status=400 if form.errors else 200,
    )


# --- a walk-in case opened at an embassy: the applicant links it ------------------------------


@require_http_methods(["GET", "POST"])
def walkin_link(request, token):
    """The link from the invitation e-mail: sign in (or create the account) and link the case."""

    invitation = walkins.invitation_from_token(token)
    if invitation is None:
        return render(request, "portal/walkin_invalid.html", status=400)
    user = request.user
    password_form = None
    errors = []
    if not user.is_authenticated:
        password_form = NewPasswordForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and password_form.is_valid():
            try:
                user = walkins.walkin_account_create(
                    invitation=invitation,
                    password=password_form.cleaned_data["password"],
                    language=request.LANGUAGE_CODE or "ru",
                )
            except AccountExists:
                errors.append(_("An account with this address exists: sign in to link the case."))
            except RelocardError as exc:
                errors.append(exc.message)
            else:
                login(request, user, backend="relocard.accounts.backends.ThrottledModelBackend")
                messages.success(request, _("Your account is ready and the application is linked."))
                return redirect("portal:case", reference=invitation.application.reference)
    elif request.method == "POST":
        try:
            app = walkins.walkin_link(actor=user, invitation=invitation)
        except RelocardError as exc:
            errors.append(exc.message)
        else:
            messages.success(request, _("The application is linked to your account."))
            return redirect("portal:case", reference=app.reference)
    context = {
        "invitation": invitation,
        "password_form": password_form,
        "errors": errors,
        "may_link": user.is_authenticated and access.can_link_walkin(user, invitation),
    }
    failed = errors or (password_form is not None and password_form.errors)
    return render(request, "portal/walkin_link.html", context, status=400 if failed else 200)


# --- the message centre ---------------------------------------------------------------------


@applicant_required
def message_list(request):
    """Every notification the platform sent the applicant or holder, newest first."""
    return render(
        request, "portal/messages.html", {"inbox": list(access.own_messages(request.user)[:200])}
    )


@applicant_required
def message_detail(request, message_id):
    message = access.get_own_message(request.user, message_id)
    notifications.message_read(actor=request.user, message=message)
    return render(request, "portal/message.html", {"message": message})
