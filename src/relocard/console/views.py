"""The staff console: queues, the case page and the decision forms.

Views parse the request, fetch objects only through :mod:`relocard.common.access`, call a
service, and render. Every staff view of a person's data is audited by the service layer.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relocard.cards.models import CardStatus
from relocard.cards.views import CardActionForm
from relocard.cases import approval, duplicates, selectors, transfers
from relocard.cases import services as case_services
from relocard.cases.appeals import appeal_decide
from relocard.cases.facts import FACT_FORMS, fact_rows
from relocard.cases.identity_changes import identity_change_decide, identity_change_viewed
from relocard.cases.models import CaseState, IdentityChangeStatus
from relocard.cases.renewal import exception_accept, renewal_card
from relocard.cases.statistics import REFRESH_EVERY, WINDOW_DAYS, statistics_snapshot
from relocard.common import access, related
from relocard.common.errors import RelocardError
from relocard.common.files import evidence_file_response
from relocard.console.forms import (
    AppealDecisionForm,
    ApprovalExceptionForm,
    ApprovalReturnForm,
    ApproveForm,
    ConfirmRefusalForm,
    CorrectionForm,
    EmbassyApplicantForm,
    ExceptionForm,
    IdentityChangeDecisionForm,
    QueueFilterForm,
    RefuseForm,
    ReturnForm,
    ReviewForm,
    TransferRefuseForm,
    VersionForm,
    WhatIfForm,
)
from relocard.console.pages import capped_page
from relocard.console.selectors import (
    case_references,
    member_states_in_view,
)
from relocard.console.selectors import what_if as run_what_if
from relocard.consular import selectors as consular_selectors
from relocard.consular import services as consular_services
from relocard.core.rules import RulesError
from relocard.enrolment import selectors as mission_selectors
from relocard.letters import selectors as letter_selectors
from relocard.presence.selectors import presence_for_card
from relocard.screening.blockers import (
    SCREENING_GROUND,
    screening_ground_label,
    screening_refusal_reason,
)
from relocard.screening.selectors import case_screening

PAGE_SIZE = 50
#: The case's kinds of record the case page reads only if any row exists (see case_detail).
CASE_RELATIONS = (
    "duplicate_hits",
    "corrections",
    "letters",
    "identity_changes",
    "transfers",
    "appeals",
    "exceptions",
    *mission_selectors.MISSION_RELATIONS,
)


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_use_console(request.user):
            raise Http404(access.NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def queue(request):
    missions = list(access.missions_in_view(request.user))
    form = QueueFilterForm(request.GET or None, missions=missions)
    state = sort = mission = ""
    if form.is_valid():
        state, sort = form.cleaned_data["state"], form.cleaned_data["sort"]
        mission = form.cleaned_data.get("mission", "")
    cases = selectors.staff_queue(user=request.user, state=state or None, sort=sort or "deadline")
    if mission:
        cases = consular_selectors.cases_at_mission(cases, int(mission))
    page_obj = capped_page(cases, request.GET.get("page"), size=PAGE_SIZE)
    today = (
        case_services.local_today(request.user.member_state) if request.user.member_state else None
    )
    rows = [
        (a, selectors.deadline_flag(a, today or a.decision_due or a.created_at.date()))
        for a in page_obj
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/queue.html",
        {"form": form, "rows": rows, "page_obj": page_obj, "query": query.urlencode()},
    )


def _criteria_for(application, screening) -> list[tuple[str, str]]:
    """The criteria of the stage; and the security screening when it blocks the case (a
    refusal then cites it, never the list or the national authority's details)."""
    criteria = selectors.criteria_labels(application)
    if screening.blocked:
        criteria.append((SCREENING_GROUND, str(screening_ground_label())))
    return criteria


def _refusal_initial(precheck, screening=None) -> dict:
    """Pre-fill the refusal form with the explanation of every criterion not met."""
    from django.utils.translation import get_language

    reasons = selectors.refusal_reasons(precheck, (get_language() or "en")[:2])
    initial = {f"reason_{cid}": text for cid, text in reasons.items()}
    if screening is not None and screening.blocked:
        initial[f"reason_{SCREENING_GROUND}"] = screening_refusal_reason()
    return initial


@staff_required
def case_detail(request, reference, *, forms=None):
    application = access.get_case(request.user, reference)
    case_services.case_viewed(actor=request.user, application=application)
    forms = forms or {}
    version = {"version": application.version}
    # Each part of the page is read once (the screening, the documents, the card year's
    # decisions) and handed to what needs it: the page's queries stay few and constant.
    screening = case_screening(application)
    evidence = selectors.case_evidence(application)
    precheck = selectors.case_precheck(application=application, evidence=evidence)
    review_forms = {}
    if access.can_review(request.user, application) and application.state == CaseState.IN_REVIEW:
        for item in evidence:
            facts_cls = FACT_FORMS[item.kind]
            initial = item.verified_facts or item.declared
            review_forms[item.pk] = (
                forms.get(f"review-{item.pk}") or ReviewForm(prefix=f"r{item.pk}"),
                facts_cls(initial=initial, prefix=f"review-{item.pk}")
                if facts_cls.base_fields
                else None,
            )
    # Which kinds of record the case has at all, in one query: most cases have no appeal, no
    # transfer, no record at a mission, and a kind with no row is not read. The probe can
    # only answer "none at all"; every kind it finds is read exactly as before.
    has = related.present(application, CASE_RELATIONS)
    duplicate_hits = (
        list(application.duplicate_hits.select_related("other_member_state", "resolved_by"))
        if has["duplicate_hits"]
        else []
    )
    decisions = selectors.cycle_decisions(application)
    pending, decision = decisions.pending_refusal, decisions.final
    pending_approval = decisions.pending_approval
    blockers = (
        approval.approval_blockers(application, precheck)
        if application.state == CaseState.IN_REVIEW and precheck is not None
        else []
    )
    context = {
        "application": application,
        "applicant": application.applicant,
        "evidence": [(item, review_forms.get(item.pk)) for item in evidence],
        # Each document's facts, named and formatted in the reader's language.
        "facts": {
            item.pk: {
                "declared": fact_rows(item.kind, item.declared),
                "verified": fact_rows(item.kind, item.verified_facts),
            }
            for item in evidence
        },
        "history": selectors.case_history(application),
        "corrections": application.corrections.select_related("requested_by").order_by(
            "requested_at"
        )
        if has["corrections"]
        else [],
        "decision": decision,
        "decided_identity": decision.identity if decision is not None else None,
        "letters": letter_selectors.case_letters(application) if has["letters"] else [],
        "identity_changes": list(application.identity_changes.order_by("requested_at"))
        if has["identity_changes"]
        else [],
        "pending_refusal": pending,
        "precheck": precheck,
        "can_review": access.can_review(request.user, application),
        "can_confirm": pending is not None
        and access.can_confirm_refusal(request.user, application, pending),
        "start_form": VersionForm(initial=version),
        "correction_form": forms.get("correction") or CorrectionForm(initial=version),
        "approve_form": forms.get("approve") or ApproveForm(initial=version),
        "refuse_form": forms.get("refuse")
        or RefuseForm(
            initial={**version, **_refusal_initial(precheck, screening)},
            criteria=_criteria_for(application, screening),
        ),
        "confirm_form": VersionForm(initial=version),
        "confirm_refusal_form": forms.get("confirm") or ConfirmRefusalForm(initial=version),
        "return_form": forms.get("return") or ReturnForm(initial=version),
        "blockers": blockers,
        "blockers_waivable": bool(blockers) and all(b.waivable for b in blockers),
        "approval_exception_form": forms.get("approval_exception")
        or ApprovalExceptionForm(initial=version, criteria=_blocked_criteria(blockers)),
        "pending_approval": pending_approval,
        "can_confirm_approval": pending_approval is not None
        and access.can_confirm_approval(request.user, application, pending_approval),
        "approval_return_form": forms.get("approval_return") or ApprovalReturnForm(initial=version),
        "errors": forms.get("errors", []),
        "error_links": _error_links(forms),
        "card_rows": _card_rows(request.user, application),
        "card_action_form": CardActionForm(),
        "duplicate_hits": duplicate_hits,
        # duplicates.is_held, read from the hits already on the page
        "held": any(duplicates.holds(hit) for hit in duplicate_hits),
        "screening_blocked": screening.blocked,
        "can_record_at_mission": access.can_record_at_mission(request.user, application),
        "mission_history": mission_selectors.mission_history(application)
        if mission_selectors.any_mission_record(has)
        else [],
        **_trial_year(request.user, application, forms, has),
    }
    return render(request, "console/case.html", context, status=400 if forms else 200)


def _card_rows(user, application) -> list[tuple]:
    """(card, its proposed status change or None, whether the user may confirm or return
    that change) for each card of the case, the newest first."""
    rows = []
    cards = application.cards.prefetch_related("status_changes__proposed_by")
    for card in cards.order_by("-issued_at"):
        pending = next((c for c in card.status_changes.all() if c.status == "proposed"), None)
        may_confirm = pending is not None and access.can_confirm_card_change(
            user, application, pending
        )
        rows.append((card, pending, may_confirm))
    return rows


def _blocked_criteria(blockers) -> list[tuple[str, str]]:
    """(criterion id, what blocks it) for the exception form: the label says what is missing."""
    return [(b.criterion, b.message) for b in blockers if b.waivable]


def _error_links(forms: dict) -> list[tuple[str, str]]:
    """(field id, message) for every error of the submitted forms, for the summary at the top
    of the long case page: the form itself may be far below, folded in its panel."""
    from django.forms import BaseForm

    links = []
    for form in forms.values():
        if not isinstance(form, BaseForm) or not form.is_bound:
            continue
        for name, messages_ in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else ""
            links += [(anchor, message) for message in messages_]
    return links


def _trial_year(user, application, forms, has: dict[str, bool]) -> dict:
    """The renewal, appeal and transfer parts of the case page (``has``: the case's kinds of
    record that hold any row, from :data:`CASE_RELATIONS`)."""
    transfer = (
        application.transfers.filter(status="requested").select_related("to_state").first()
        if has["transfers"]
        else None
    )
    appeals = (
        application.appeals.select_related("decision", "card_change").order_by("lodged_at")
        if has["appeals"]
        else []
    )
    context: dict = {
        "appeals": [(a, access.can_decide_appeal(user, a)) for a in appeals],
        "appeal_form": forms.get("appeal") or AppealDecisionForm(),
        "transfer": transfer,
        "can_decide_transfer": transfer is not None and access.can_decide_transfer(user, transfer),
        "transfer_form": forms.get("transfer") or TransferRefuseForm(),
        "exceptions": list(
            application.exceptions.filter(cycle=application.cycle).select_related("accepted_by")
        )
        if has["exceptions"]
        else [],
    }
    if application.stage == "renewal":
        card = renewal_card(application)
        if card is not None:
            context["presence"] = presence_for_card(card)
        context["exception_form"] = forms.get("exception") or ExceptionForm(
            initial={"version": application.version}
        )
    return context


@staff_required
def evidence_file(request, reference, evidence_id):
    item = access.get_evidence(request.user, reference, evidence_id)
    download = request.GET.get("download") == "1"
    case_services.evidence_viewed(actor=request.user, evidence=item, download=download)
    return evidence_file_response(item, download=download)


def _act(request, reference, form, action, success_message, form_key):
    """Run a decision service; on a known error show the case page again with the error."""
    application = access.get_case(request.user, reference)
    if not form.is_valid():
        return case_detail(request, reference, forms={form_key: form, "errors": []})
    try:
        action(application, form.cleaned_data)
    except RelocardError as exc:
        return case_detail(request, reference, forms={form_key: form, "errors": [exc.message]})
    messages.success(request, success_message)
    return redirect("console:case", reference=reference)


@staff_required
@require_POST
def start_review(request, reference):
    return _act(
        request,
        reference,
        VersionForm(request.POST),
        lambda app, d: case_services.application_start_review(
            actor=request.user, application=app, version=d["version"]
        ),
        _("You are now reviewing this case."),
        "start",
    )


@staff_required
@require_POST
def review_evidence(request, reference, evidence_id):
    item = access.get_evidence(request.user, reference, evidence_id)
    form = ReviewForm(request.POST, prefix=f"r{item.pk}")

    def run(app, data):
        case_services.evidence_review(
            actor=request.user,
            evidence=item,
            status=data["status"],
            facts_data=request.POST,
            note=data["note"],
        )

    return _act(
        request, reference, form, run, _("The document check is saved."), f"review-{item.pk}"
    )


@staff_required
@require_POST
def request_correction(request, reference):
    return _act(
        request,
        reference,
        CorrectionForm(request.POST),
        lambda app, d: case_services.correction_request(
            actor=request.user,
            application=app,
            message=d["message"],
            kinds=d["kinds"],
            version=d["version"],
        ),
        _("The correction request is sent to the applicant. The deadline is paused."),
        "correction",
    )


@staff_required
@require_POST
def approve(request, reference):
    return _act(
        request,
        reference,
        ApproveForm(request.POST),
        lambda app, d: case_services.application_approve(
            actor=request.user, application=app, version=d["version"], summary=d["summary"]
        ),
        _("The application is approved and the card is issued."),
        "approve",
    )


@staff_required
@require_POST
def refuse(request, reference):
    application = access.get_case(request.user, reference)
    form = RefuseForm(
        request.POST, criteria=_criteria_for(application, case_screening(application))
    )
    return _act(
        request,
        reference,
        form,
        lambda app, d: case_services.refusal_propose(
            actor=request.user,
            application=app,
            reasons=form.reasons(),
            summary=d["summary"],
            version=d["version"],
        ),
        _("The refusal is proposed. A supervisor must confirm it."),
        "refuse",
    )


@staff_required
@require_POST
def confirm_refusal(request, reference):
    return _act(
        request,
        reference,
        ConfirmRefusalForm(request.POST),
        lambda app, d: case_services.refusal_confirm(
            actor=request.user, application=app, version=d["version"]
        ),
        _("The refusal is confirmed and the applicant is told."),
        "confirm",
    )


@staff_required
@require_POST
def return_refusal(request, reference):
    return _act(
        request,
        reference,
        ReturnForm(request.POST),
        lambda app, d: case_services.refusal_return(
            actor=request.user, application=app, reason=d["reason"], version=d["version"]
        ),
        _("The refusal is returned to review."),
        "return",
    )


@staff_required
@require_POST
def propose_approval(request, reference):
    application = access.get_case(request.user, reference)
    blockers = (
        approval.approval_blockers(application) if application.state == CaseState.IN_REVIEW else []
    )
    form = ApprovalExceptionForm(request.POST, criteria=_blocked_criteria(blockers))
    return _act(
        request,
        reference,
        form,
        lambda app, d: approval.approval_propose(
            actor=request.user,
            application=app,
            exceptions=form.exceptions(),
            summary=d["summary"],
            version=d["version"],
        ),
        _("The approval with exceptions is proposed. A supervisor must confirm it."),
        "approval_exception",
    )


@staff_required
@require_POST
def confirm_approval(request, reference):
    return _act(
        request,
        reference,
        VersionForm(request.POST),
        lambda app, d: approval.approval_confirm(
            actor=request.user, application=app, version=d["version"]
        ),
        _("The approval is confirmed and the card is issued."),
        "confirm_approval",
    )


@staff_required
@require_POST
def return_approval(request, reference):
    return _act(
        request,
        reference,
        ApprovalReturnForm(request.POST),
        lambda app, d: approval.approval_return(
            actor=request.user, application=app, reason=d["reason"], version=d["version"]
        ),
        _("The approval is returned to review."),
        "approval_return",
    )


@staff_required
@require_http_methods(["GET", "POST"])
def embassy_new(request):
    if not access.can_open_embassy_case(request.user):
        raise Http404(access.NOT_FOUND)
    form = EmbassyApplicantForm(
        request.POST if request.method == "POST" else None, initial={"safe_mode": True}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        email = data.pop("email")
        try:
            application = consular_services.embassy_case_open_at_mission(
                actor=request.user, email=email, profile=data
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "The case is open. The applicant is invited by e-mail to follow it from "
                    "their own account. Upload the applicant's documents, then submit."
                ),
            )
            return redirect("portal:case", reference=application.reference)
    return render(
        request, "console/embassy_new.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_required
def audit_log(request):
    if not access.can_read_audit_log(request.user):
        raise Http404(access.NOT_FOUND)
    events = access.audit_events(request.user).select_related("actor").order_by("-id")
    reference = (request.GET.get("case") or "").strip()
    if reference:
        case = access.staff_cases(request.user).filter(reference=reference).first()
        if case is None:
            events = events.none()
        else:
            events = events.filter(
                Q(data__case=reference) | Q(object_type="cases.application", object_id=str(case.pk))
            )
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    # Events about a case itself name it by its row; show its reference like the others'.
    references = case_references(
        e.object_id for e in page_obj if e.object_type == "cases.application"
    )
    for event in page_obj:
        event.case_reference = event.data.get("case") or (
            references.get(event.object_id) if event.object_type == "cases.application" else None
        )
    return render(request, "console/audit.html", {"page_obj": page_obj, "case": reference})


# --- the trial year: exceptions, appeals, transfers ---------------------------------------------


@staff_required
@require_POST
def accept_exception(request, reference):
    return _act(
        request,
        reference,
        ExceptionForm(request.POST),
        lambda app, d: exception_accept(
            actor=request.user, application=app, days=d["days"], reason=d["reason"]
        ),
        _("The exception is recorded and counts in the pre-check."),
        "exception",
    )


@staff_required
@require_POST
def decide_appeal(request, reference, appeal_id):
    appeal = access.get_appeal(request.user, reference, appeal_id)
    return _act(
        request,
        reference,
        AppealDecisionForm(request.POST),
        lambda app, d: appeal_decide(
            actor=request.user, appeal=appeal, upheld=d["outcome"] == "upheld", reason=d["reason"]
        ),
        _("The appeal is decided and the applicant is told."),
        "appeal",
    )


@staff_required
@require_POST
def decide_transfer(request, reference, decision):
    application = access.get_case(request.user, reference)
    transfer = application.transfers.filter(status="requested").first()
    if transfer is None or decision not in ("accept", "refuse"):
        raise Http404(access.NOT_FOUND)
    if decision == "accept":
        form = VersionForm({"version": application.version})
        message = _("The case is transferred to your member state and a new card is issued.")

        def action(app, data):
            return transfers.transfer_accept(actor=request.user, transfer=transfer)

    else:
        form = TransferRefuseForm(request.POST)
        message = _("The transfer is refused and the applicant is told.")

        def action(app, data):
            return transfers.transfer_refuse(
                actor=request.user, transfer=transfer, reason=data["reason"]
            )

    return _act(request, reference, form, action, message, "transfer")


@staff_required
def appeals_queue(request):
    appeals = (
        access.lodged_appeals(request.user).select_related("application").order_by("lodged_at")
    )
    return render(request, "console/appeals.html", {"appeals": appeals})


@staff_required
def transfers_queue(request):
    if not access.is_staff_member(request.user) or request.user.member_state_id is None:
        raise Http404(access.NOT_FOUND)
    transfers = (
        access.incoming_transfers(request.user)
        .select_related("application", "from_state")
        .order_by("requested_at")
    )
    return render(request, "console/transfers.html", {"transfers": transfers})


# --- one person, one card: possible duplicates ----------------------------------------------


@staff_required
def duplicates_queue(request):
    """The unresolved possible duplicates on the cases of the user's member state."""
    hits = (
        access.duplicate_hits(request.user)
        .filter(resolved_at__isnull=True)
        .select_related("application", "other_member_state")
        .order_by("found_at", "id")
    )
    if not access.is_staff_member(request.user) or request.user.role == "consular_officer":
        raise Http404(access.NOT_FOUND)
    return render(request, "console/duplicates.html", {"hits": hits})


@staff_required
@require_POST
def resolve_duplicate(request, reference, hit_id):
    application = access.get_case(request.user, reference)
    hit = access.get_duplicate_hit(request.user, hit_id)
    if hit.application_id != application.pk:
        raise Http404(access.NOT_FOUND)
    try:
        duplicates.duplicate_resolve(
            actor=request.user, hit=hit, reason=request.POST.get("reason", "")
        )
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The possible duplicate is resolved."))
    return redirect(reverse("console:case", args=[reference]) + "#duplicates")


# --- programme staff: statistics ------------------------------------------------------------


@staff_required
def statistics(request):
    if not access.can_see_statistics(request.user):
        raise Http404(access.NOT_FOUND)
    rows, as_of = statistics_snapshot(
        member_states=member_states_in_view(request.user), actor=request.user
    )
    return render(
        request,
        "console/statistics.html",
        {
            "rows": rows,
            "as_of": as_of,
            "refresh_minutes": int(REFRESH_EVERY.total_seconds() // 60),
            "window": WINDOW_DAYS,
            "states": CaseState.choices,
            "card_statuses": CardStatus.choices,
        },
    )


@staff_required
def what_if(request):
    if not access.can_run_what_if(request.user):
        raise Http404(access.NOT_FOUND)
    codes = member_states_in_view(request.user)
    from django.utils import timezone

    form = WhatIfForm(
        request.GET if "parameter" in request.GET else None,
        member_states=codes,
        initial={"on": timezone.localdate(), "stage": "issuance"},
    )
    result = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            result = run_what_if(
                member_state=d["member_state"],
                stage=d["stage"],
                on=d["on"],
                overrides={d["parameter"]: d["value"]},
            )
        except RulesError:
            form.add_error("value", form.value_error(d["parameter"], d["value"]))
    return render(
        request,
        "console/what_if.html",
        {"form": form, "result": result},
        status=400 if form.errors else 200,
    )


# --- changes of identity details ---------------------------------------------------------------


@staff_required
def identity_changes_queue(request):

    if not access.can_see_cards_at_risk(request.user):  # caseworkers and supervisors
        raise Http404(access.NOT_FOUND)
    pending = (
        access.identity_change_requests(request.user)
        .filter(status=IdentityChangeStatus.REQUESTED)
        .select_related("application")
        .order_by("requested_at")
    )
    return render(request, "console/identity_changes.html", {"requests": pending})


@staff_required
@require_http_methods(["GET", "POST"])
def identity_change_detail(request, request_id):

    change = access.get_identity_change(request.user, request_id)
    form = IdentityChangeDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_change_decide(
                actor=request.user,
                request=change,
                approve=form.cleaned_data["outcome"] == "approve",
                note=form.cleaned_data["note"],
            )
        except RelocardError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, _("The change of identity details is decided."))
            return redirect("console:identity_change", request_id=change.pk)
    if request.method == "GET":
        identity_change_viewed(actor=request.user, request=change, file=False)
    rows = [
        (name, change.previous.get(name, ""), change.changes.get(name)) for name in change.previous
    ]
    return render(
        request,
        "console/identity_change.html",
        {"change": change, "rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
def identity_change_file(request, request_id):

    change = access.get_identity_change(request.user, request_id)
    identity_change_viewed(actor=request.user, request=change, file=True)
    return evidence_file_response(change, download=request.GET.get("download") == "1")
