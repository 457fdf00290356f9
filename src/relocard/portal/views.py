"""The applicant portal: parse the request, call a service or a selector, render.

Consular officers use the same case pages for the walk-in cases they opened at an embassy.
"""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relocard.accounts import services as account_services
from relocard.accounts import throttle as account_throttle
from relocard.accounts.forms import ProfileForm
from relocard.accounts.models import Applicant, Role
from relocard.cases import selectors
from relocard.cases import services as case_services
from relocard.cases.facts import FACT_FORMS
from relocard.cases.models import CaseState, EvidenceKind
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.portal.forms import (
    AppealForm,
    CorrectionAnswerForm,
    EvidenceFileForm,
    EvidenceKindForm,
    RenewForm,
    StartForm,
    SubmitForm,
    TransferForm,
    WithdrawForm,
)
from relocard.reference.models import MemberState


def applicant_required(view):
    """Signed-in applicants only; staff are sent to the console."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.role == Role.VERIFIER:
            return redirect("verification:home")
        if request.user.role != Role.APPLICANT:
            return redirect("console:queue")
        return view(request, *args, **kwargs)

    return wrapper


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
        if request.user.role == Role.REFERRER:
            return redirect("humanitarian:refer")
        return redirect("console:queue")
    enabled = MemberState.objects.filter(programme_enabled=True).order_by("code")
    return render(request, "portal/home.html", {"enabled_member_states": enabled})


def privacy(request):
    return render(request, "portal/privacy.html")


@applicant_required
def dashboard(request):
    applicant = Applicant.objects.filter(user=request.user).first()
    applications = list(
        access.applicant_cases(request.user).select_related("member_state").order_by("-created_at")
    )
    estimates = {
        a.member_state_id: selectors.processing_estimate(member_state_code=a.member_state_id)
        for a in applications
        if a.state in (CaseState.SUBMITTED, CaseState.IN_REVIEW, CaseState.REFUSAL_PROPOSED)
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
    from relocard.cards.compliance import holder_advice
    from relocard.cards.selectors import compliance_by_user

    row = compliance_by_user([user.pk]).get(user.pk)
    if row is None:
        return None
    return {"row": row, "advice": holder_advice(row) if row.status != "ok" else []}


@applicant_required
@require_http_methods(["GET", "POST"])
def profile(request):
    applicant = Applicant.objects.filter(user=request.user).first()
    initial = (
        {f: getattr(applicant, f) for f in account_services.PROFILE_FIELDS}
        if applicant
        else {"safe_mode": True}
    )
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
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
        request, "portal/profile.html", {"form": form, "applicant": applicant}, status=_status(form)
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def start(request):
    applicant = Applicant.objects.filter(user=request.user).first()
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
    correction = (
        application.corrections.filter(answered_at__isnull=True).order_by("-requested_at").first()
    )
    evidence = selectors.cycle_evidence(application)
    context = {
        "application": application,
        "applicant": application.applicant,
        "evidence": evidence,
        "history": selectors.case_history(application),
        "correction": correction,
        "decision": selectors.final_decision(application),
        "estimate": selectors.processing_estimate(member_state_code=application.member_state_id),
        "precheck": _explanation(application),
        "decided": selectors.final_decision(application) is not None,
        "cards": application.cards.order_by("-issued_at"),
        "can_edit": application.state in case_services.EVIDENCE_OPEN_STATES,
        "checklist": selectors.document_checklist(application, evidence)
        if application.state == CaseState.DRAFT
        else [],
        **_trial_year(request.user, application),
    }
    return render(request, "portal/case.html", context)


def _trial_year(user, application) -> dict:
    """What the holder can do in the trial year: renew, appeal, move, print the interim."""
    from relocard.cards.credentials import interim_current
    from relocard.cases import appeals, renewal

    if not access.is_applicant(user):
        return {}
    card = renewal.card_in_force(application)
    previous = renewal.renewal_card(application)
    return {
        "renewal_open": renewal.renewal_is_open(application),
        "interim": interim_current(previous)
        if previous is not None and application.stage == "renewal"
        else None,
        "appeals": list(application.appeals.order_by("lodged_at")),
        "appealable": appeals.appealable(application),
        "transfers": list(
            application.transfers.select_related("to_state").order_by("requested_at")
        ),
        "can_transfer": application.state == CaseState.APPROVED
        and card is not None
        and card.status == "active"
        and not application.transfers.filter(status="requested").exists(),
    }


def _explanation(application):
    """What the applicant sees of the criteria: the stamped evaluation of the decision once
    there is one; before that, the live pre-check (nothing is verified in a draft)."""
    decision = selectors.final_decision(application)
    if decision is not None and decision.evaluation:
        return decision.evaluation
    if application.state == CaseState.DRAFT:
        return None
    return selectors.case_precheck(application=application).to_dict()


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
    if request.method == "POST" and file_form.is_valid() and facts_form.is_valid():
        try:
            case_services.evidence_add(
                actor=request.user,
                application=application,
                kind=kind,
                upload=file_form.cleaned_data["file"],
                facts_data=request.POST,
                expires_on=file_form.cleaned_data.get("expires_on"),
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
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/evidence_add.html", context, status=status)


@case_user_required
def evidence_file(request, reference, evidence_id):
    application = _case_for_actor(request, reference)
    item = access.get_evidence(request.user, application.reference, evidence_id)
    return _file_response(item, download=request.GET.get("download") == "1")


def _file_response(item, *, download: bool):
    """Serve an evidence file: never cached, never sniffed, never rendered as HTML."""
    extension = item.file.name.rsplit(".", 1)[-1]
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=download,
        filename=f"{item.application.reference}-{item.kind}-{item.pk}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


@case_user_required
@require_POST
def evidence_remove(request, reference, evidence_id):
    application = _case_for_actor(request, reference)
    item = access.get_evidence(request.user, application.reference, evidence_id)
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
    context = {
        "application": application,
        "correction": correction,
        "form": form,
        "evidence": selectors.case_evidence(application),
    }
    return render(request, "portal/correct.html", context, status=_status(form))


@case_user_required
@require_http_methods(["GET", "POST"])
def withdraw(request, reference):
    application = _case_for_actor(request, reference)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case_services.application_withdraw(actor=request.user, application=application)
        except RelocardError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your application is withdrawn."))
            return redirect("portal:case", reference=reference)
    return render(
        request,
        "portal/withdraw.html",
        {"application": application, "form": form},
        status=_status(form),
    )


# --- the trial year: renewal, appeals, transfer ----------------------------------------------


def _own_case(request, reference):
    if not access.is_applicant(request.user):
        raise Http404(access.NOT_FOUND)
    return access.get_case(request.user, reference)


@applicant_required
@require_http_methods(["GET", "POST"])
def renew(request, reference):
    from relocard.cases import renewal

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
    from relocard.cases import appeals

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
    from relocard.cases import transfers

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
