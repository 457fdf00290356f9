"""Pages of the humanitarian route: the person's request and receipt, the referral page, the
officers' queue and request page, statistics, and the public ledger.

Views parse the request, fetch objects only through :mod:`relocard.common.access`, call a
service or a selector, and render. Everything out of a user's reach is "not found".
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relocard.accounts import throttle
from relocard.accounts.forms import NewPasswordForm
from relocard.accounts.selectors import account_exists
from relocard.accounts.services import AccountExists
from relocard.common import access
from relocard.common.errors import NotAllowed, RelocardError
from relocard.consular.selectors import reservable_slots
from relocard.humanitarian import selectors
from relocard.humanitarian import services as hs
from relocard.humanitarian.emails import application_from_token
from relocard.humanitarian.forms import (
    DecisionForm,
    FamilyFormSet,
    InviteForm,
    MoveForm,
    OrganisationApplyForm,
    ReferralForm,
    RemoveForm,
    RequestForm,
    TriageForm,
)
from relocard.humanitarian.models import (
    RequestStatus,
)


def _only(check):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise Http404(access.NOT_FOUND)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


person_required = _only(access.can_request_humanitarian_visa)
officer_required = _only(access.can_use_humanitarian_console)
referrer_required = _only(lambda user: access.referrer_membership(user) is not None)


def _fail(form, exc: RelocardError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _travellers(form, family) -> list[hs.TravellerData]:
    people = [
        hs.TravellerData(
            "principal",
            form.cleaned_data["surname"],
            form.cleaned_data["given_names"],
            form.cleaned_data["date_of_birth"],
        )
    ]
    for member in family.cleaned_data:
        if member and member.get("relationship"):
            people.append(
                hs.TravellerData(
                    member["relationship"],
                    member["surname"],
                    member["given_names"],
                    member["date_of_birth"],
                )
            )
    return people


# --- the person ------------------------------------------------------------------------------


@person_required
@require_GET
def my_requests(request):
    rows = [
        (r, selectors.request_standing(r))
        for r in access.person_requests(request.user)
        .select_related("member_state", "reservation__slot__mission")
        .order_by("-id")
    ]
    return render(request, "humanitarian/my_requests.html", {"rows": rows})


@person_required
@require_http_methods(["GET", "POST"])
def new_request(request):
    post = request.POST if request.method == "POST" else None
    form, family = RequestForm(post), FamilyFormSet(post, prefix="family")
    if post is not None and form.is_valid() and family.is_valid():
        try:
            created = hs.request_submit(
                actor=request.user,
                member_state=form.cleaned_data["member_state"],
                visa_kind=form.cleaned_data["visa_kind"],
                grounds=form.cleaned_data["grounds"],
                travellers=_travellers(form, family),
                consent=form.cleaned_data["consent"],
            )
        except RelocardError as exc:
            _fail(form, exc)
        else:
            return redirect("humanitarian:receipt", entry_id=created.entry_id)
    status = 400 if post is not None else 200
    return render(
        request, "humanitarian/new_request.html", {"form": form, "family": family}, status=status
    )


def _receipt_context(req) -> dict:
    standing = selectors.request_standing(req)
    return {
        "req": req,
        "standing": standing,
        "estimate": standing.estimate,
        "travellers": req.travellers.count(),
    }


@person_required
@require_GET
def receipt(request, entry_id):
    req = access.get_person_request(request.user, entry_id)
    context = _receipt_context(req)
    if req.status in (RequestStatus.GRANTED, RequestStatus.REFUSED):
        context["decision"] = selectors.final_decision(req)
        context["decision_reasons"] = selectors.decision_reasons_for_person(
            actor=request.user, request=req
        )
    return render(request, "humanitarian/receipt.html", context)


@person_required
@require_POST
def withdraw(request, entry_id):
    req = access.get_person_request(request.user, entry_id)
    try:
        hs.request_withdraw(actor=request.user, request=req)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("humanitarian:receipt", entry_id=req.entry_id)


# --- the referring organisation ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def organisation_apply(request):
    """An NGO applies to refer requests: the same answer for every address (no oracle)."""
    if request.user.is_authenticated:
        if access.referrer_membership(request.user) is not None:
            return redirect("humanitarian:refer")
        messages.info(request, _("Sign out first to apply for an organisation."))
        return redirect("home")
    post = request.POST if request.method == "POST" else None
    form = OrganisationApplyForm(post)
    if post is not None and form.is_valid():
        data = form.cleaned_data
        wait = throttle.signup_wait(request)
        if wait is not None:
            form.add_error(None, throttle.wait_message(wait))
        else:
            try:
                if throttle.email_allowed("signup", data["email"]):
                    hs.organisation_apply_request(
                        email=data["email"],
                        name=data["name"],
                        country=data["country"],
                        registration_number=data["registration_number"],
                        language=get_language() or "en",
                    )
            except RelocardError as exc:
                _fail(form, exc)
            else:
                return redirect("humanitarian:organisation_sent")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "humanitarian/organisation_apply.html", {"form": form}, status=status)


def organisation_sent(request):
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def organisation_confirm(request, token: str):
    """The link from the e-mail: choose a password; the account and organisation exist."""
    found = application_from_token(token)
    if found is None:
        return render(request, "accounts/signup_link_invalid.html", status=400)
    email, details = found
    if account_exists(email):
        messages.info(request, _("Your account already exists. Sign in."))
        return redirect("accounts:login")
    post = request.POST if request.method == "POST" else None
    form = NewPasswordForm(post)
    if post is not None and form.is_valid():
        try:
            user = hs.organisation_apply(
                email=email,
                password=form.cleaned_data["password"],
                name=str(details.get("name", "")),
                country=str(details.get("country", "")),
                registration_number=str(details.get("registration_number", "")),
                language=get_language() or "en",
            )
        except AccountExists:
            messages.info(request, _("Your account already exists. Sign in."))
            return redirect("accounts:login")
        except RelocardError:
            return render(request, "accounts/signup_link_invalid.html", status=400)
        login(request, user, backend="relocard.accounts.backends.ThrottledModelBackend")
        messages.success(
            request,
            _(
                "Your organisation's application is registered. Programme staff check it "
                "before you can refer requests."
            ),
        )
        return redirect("humanitarian:refer")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "accounts/signup_confirm.html", {"form": form, "email": email}, status=status
    )


@referrer_required
@require_http_methods(["GET", "POST"])
def refer(request):
    membership = access.referrer_membership(request.user)
    post = request.POST if request.method == "POST" else None
    form, family = ReferralForm(post), FamilyFormSet(post, prefix="family")
    if post is not None and form.is_valid() and family.is_valid():
        try:
            created = hs.request_refer(
                actor=request.user,
                visa_kind=form.cleaned_data["visa_kind"],
                grounds=form.cleaned_data["grounds"],
                travellers=_travellers(form, family),
                consent=form.cleaned_data["consent"],
            )
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(
                request,
                _("Referred. Give the person their entry id: %(entry)s")
                % {"entry": created.entry_id},
            )
            return redirect("humanitarian:refer")
    referred = [
        (r, selectors.request_standing(r))
        for r in access.referred_requests(request.user)
        .select_related("reservation__slot__mission")
        .order_by("-id")[:100]
    ]
    return render(
        request,
        "humanitarian/refer.html",
        {
            "form": form,
            "family": family,
            "organisation": membership.organisation,
            "referred": referred,
        },
        status=400 if post is not None else 200,
    )


# --- officers ------------------------------------------------------------------------------


@officer_required
@require_GET
def queue(request):
    status = request.GET.get("status") or None
    if status not in RequestStatus.values:
        status = None
    member_state = request.user.member_state_id
    return render(
        request,
        "humanitarian/queue.html",
        {
            "rows": selectors.officer_queue(actor=request.user, status=status),
            "status": status,
            "statuses": RequestStatus.choices,
            "next_in_line": selectors.next_in_line(member_state),
            "reviews_due": selectors.due_for_review(member_state),
            "category_titles": _category_titles(member_state),
        },
    )


def _reason_title(policy, event: str, code: str | None) -> str:
    """A reason code's title in the reader's language (the code itself if the policy has
    dropped it since)."""
    if not code:
        return ""
    try:
        return policy.reason(event, code).title_in(get_language() or "en")
    except KeyError:
        return code


def _category_titles(member_state: str) -> dict[str, str]:
    """The policy's categories by code, each titled in the reader's language."""
    policy = hs.humanitarian_policy(member_state)
    return {c.code: c.title_in(get_language() or "en") for c in policy.categories}


def _officer_forms(req, policy, data=None, which=None) -> dict:
    def bound(name):
        return data if which == name else None

    return {
        "triage_form": TriageForm(bound("triage"), policy=policy),
        "move_form": MoveForm(bound("move"), policy=policy),
        "invite_form": InviteForm(
            bound("invite"),
            policy=policy,
            slots=reservable_slots(req.member_state_id) if req.status == "waiting" else [],
        ),
        "decision_form": DecisionForm(bound("decide")),
        "remove_form": RemoveForm(bound("remove"), policy=policy),
    }


def _request_page(request, req, *, forms=None, status=200):
    policy = hs.humanitarian_policy(req.member_state_id)
    pending = selectors.open_assignments(req)
    open_move = selectors.open_move(req)
    open_out_of_turn = selectors.open_out_of_turn(req)
    context = {
        "req": req,
        "policy": policy,
        # Categories and reason codes by their titles in the reader's language.
        "category_titles": _category_titles(req.member_state_id),
        "move_reason": _reason_title(policy, "move", open_move.reason if open_move else None),
        "out_of_turn_reason": _reason_title(
            policy, "invitation", open_out_of_turn.reason if open_out_of_turn else None
        ),
        "assigned": access.is_assigned(request.user, req),
        "officers": list(req.assignments.select_related("officer").order_by("assigned_at")),
        "open_assignments": [
            (proposal, access.can_confirm_assignment(request.user, proposal))
            for proposal in pending
        ],
        "proposed_me": any(proposal.officer_id == request.user.pk for proposal in pending),
        "standing": selectors.request_standing(req),
        "open_move": open_move,
        "open_refusal": selectors.open_refusal(req),
        "open_out_of_turn": open_out_of_turn,
        "decision": selectors.final_decision(req),
        "door_check_in": selectors.door_check_in(req),
        "travellers": req.travellers.count(),
        **(forms or _officer_forms(req, policy)),
    }
    return render(request, "humanitarian/officer_request.html", context, status=status)


@officer_required
@require_GET
def officer_request(request, entry_id):
    return _request_page(request, access.get_humanitarian_request(request.user, entry_id))


@officer_required
@require_GET
def grounds(request, entry_id):
    req = access.get_humanitarian_request(request.user, entry_id)
    if not access.can_read_grounds(request.user, req):
        raise Http404(access.NOT_FOUND)
    view = selectors.request_sensitive(actor=request.user, request=req)
    return render(request, "humanitarian/grounds.html", {"req": req, "view": view})


def _run(request, req, action, form, call):
    """Validate ``form``, call the service; re-render the request page with errors."""
    if form is not None and not form.is_valid():
        policy = hs.humanitarian_policy(req.member_state_id)
        forms = _officer_forms(req, policy, request.POST, action)
        forms[f"{action}_form"] = form
        return _request_page(request, req, forms=forms, status=400)
    try:
        call(form.cleaned_data if form is not None else {})
    except RelocardError as exc:
        if form is None or isinstance(exc, NotAllowed):
            messages.error(request, exc.message)
            return redirect("humanitarian:request", entry_id=req.entry_id)
        _fail(form, exc)
        policy = hs.humanitarian_policy(req.member_state_id)
        forms = _officer_forms(req, policy, request.POST, action)
        forms[f"{action}_form"] = form
        return _request_page(request, req, forms=forms, status=400)
    messages.success(request, _("Done."))
    return redirect("humanitarian:request", entry_id=req.entry_id)


@officer_required
@require_POST
def act(request, entry_id, action):
    req = access.get_humanitarian_request(request.user, entry_id)
    user = request.user
    policy = hs.humanitarian_policy(req.member_state_id)
    data = request.POST
    if action == "assign":
        return _run(
            request,
            req,
            action,
            None,
            lambda d: hs.assignment_propose(actor=user, request=req, officer=user),
        )
    if action in ("assign-confirm", "assign-cancel"):
        proposal = selectors.assignment_of(req, data.get("proposal"))
        if proposal is None:
            raise Http404(access.NOT_FOUND)
        service = hs.assignment_confirm if action == "assign-confirm" else hs.assignment_cancel
        return _run(request, req, action, None, lambda d: service(actor=user, proposal=proposal))
    if action == "triage":
        return _run(
            request,
            req,
            action,
            TriageForm(data, policy=policy),
            lambda d: hs.request_triage(actor=user, request=req, category=d["category"]),
        )
    if action == "review":
        return _run(
            request, req, action, None, lambda d: hs.request_review(actor=user, request=req)
        )
    if action == "move":
        return _run(
            request,
            req,
            action,
            MoveForm(data, policy=policy),
            lambda d: hs.move_propose(
                actor=user, request=req, category=d["category"], reason=d["reason"]
            ),
        )
    if action in ("move-confirm", "move-cancel"):
        move = selectors.move_of(req, data.get("move"))
        if move is None:
            raise Http404(access.NOT_FOUND)
        service = hs.move_confirm if action == "move-confirm" else hs.move_cancel
        return _run(request, req, action, None, lambda d: service(actor=user, move=move))
    if action == "invite":
        return _run(
            request,
            req,
            action,
            InviteForm(data, policy=policy, slots=reservable_slots(req.member_state_id)),
            lambda d: (
                hs.out_of_turn_propose(actor=user, request=req, slot=d["slot"], reason=d["reason"])
                if d["reason"]
                else hs.request_invite(actor=user, request=req, slot=d["slot"])
            ),
        )
    if action in ("out-of-turn-confirm", "out-of-turn-cancel"):
        proposal = selectors.out_of_turn_of(req, data.get("proposal"))
        if proposal is None:
            raise Http404(access.NOT_FOUND)
        service = (
            hs.out_of_turn_confirm if action == "out-of-turn-confirm" else hs.out_of_turn_cancel
        )
        return _run(request, req, action, None, lambda d: service(actor=user, proposal=proposal))
    if action == "decide":

        def decide(d):
            if d["outcome"] == "grant":
                return hs.decision_grant(actor=user, request=req, reasons=d["reasons"])
            return hs.refusal_propose(actor=user, request=req, reasons=d["reasons"])

        return _run(request, req, action, DecisionForm(data), decide)
    if action in ("refusal-confirm", "refusal-return"):
        decision = selectors.decision_of(req, data.get("decision"))
        if decision is None:
            raise Http404(access.NOT_FOUND)
        service = hs.refusal_confirm if action == "refusal-confirm" else hs.refusal_return
        return _run(request, req, action, None, lambda d: service(actor=user, decision=decision))
    if action == "remove":
        return _run(
            request,
            req,
            action,
            RemoveForm(data, policy=policy),
            lambda d: hs.request_remove(actor=user, request=req, reason=d["reason"]),
        )
    raise Http404(access.NOT_FOUND)


@officer_required
@require_GET
def statistics(request):
    member_state = request.user.member_state_id
    return render(
        request,
        "humanitarian/statistics.html",
        {
            "rows": selectors.waitlist_statistics(member_state),
            "awaiting_triage": selectors.awaiting_triage(member_state),
            "min_cell": selectors.MIN_CELL,
            "category_titles": _category_titles(member_state),
        },
    )


# --- public ----------------------------------------------------------------------------------


@require_GET
def public_ledger(request, member_state):
    code = member_state.upper()
    if member_state != code or code not in selectors.ledger_member_states():
        raise Http404(access.NOT_FOUND)
    response = JsonResponse(
        selectors.published_ledger(code), json_dumps_params={"indent": 1, "ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
