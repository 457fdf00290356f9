"""The screening officers' pages: the queue of possible matches and national checks, a run with
its hits and the four-eyes review, a national check with its signed request and its answer, and
the list versions with what changed.

Only screening officers reach them (everyone else: "not found"); objects are fetched through
:mod:`relocard.common.access`, reads through :mod:`.selectors`, writes through :mod:`.services`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.screening import selectors
from relocard.screening import services as ss
from relocard.screening.forms import AnswerForm, ReturnForm, ReviewForm
from relocard.screening.models import CheckStatus, ReviewStatus


def officer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_use_screening(request.user):
            raise Http404(access.NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapper


def _today(user):
    return user.member_state.today()


@officer_required
@require_GET
def queue(request):
    user = request.user
    runs = list(selectors.review_queue(access.screening_runs(user)))
    checks = list(selectors.check_queue(access.national_checks(user)))
    today = _today(user)
    return render(
        request,
        "screening/queue.html",
        {
            "runs": runs,
            "checks": checks,
            "today": today,
            "overdue": sum(
                1 for c in checks if c.status == CheckStatus.REQUESTED and c.deadline < today
            ),
            "version": selectors.latest_version(),
        },
    )


def _run_page(request, run, *, review_form=None, return_form=None, status=200):
    review = selectors.open_review(run)
    user = request.user
    latest = selectors.latest_run(run.application) if run.cycle == run.application.cycle else None
    can_propose = (
        run.review == ReviewStatus.PENDING and review is None and latest is not None
    ) and latest.pk == run.pk
    return render(
        request,
        "screening/run.html",
        {
            "run": run,
            "hits": selectors.run_hits(run, translation.get_language()),
            "review": review,
            "history": run.reviews.select_related("proposed_by", "decided_by").order_by("id"),
            "can_propose": can_propose,
            "can_decide": review is not None and access.can_decide_review(user, review),
            "review_form": review_form or ReviewForm(),
            "return_form": return_form or ReturnForm(),
        },
        status=status,
    )


@officer_required
@require_GET
def run_detail(request, run_id):
    return _run_page(request, access.get_screening_run(request.user, run_id))


def _done(request, message=None):
    messages.success(request, message or _("Done."))


@officer_required
@require_POST
def run_act(request, run_id, action):
    run = access.get_screening_run(request.user, run_id)
    user = request.user
    if action == "propose":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                ss.review_propose(
                    actor=user,
                    run=run,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
            except RelocardError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _done(request, _("Proposed: a second screening officer must decide."))
                return redirect("screening:run", run_id=run.pk)
        return _run_page(request, run, review_form=form, status=400)
    review = selectors.open_review(run)
    if action not in ("confirm", "return") or review is None:
        raise Http404(access.NOT_FOUND)
    form = ReturnForm(request.POST) if action == "return" else None
    if form is not None and not form.is_valid():
        return _run_page(request, run, return_form=form, status=400)
    try:
        ss.review_decide(
            actor=user,
            review=review,
            confirm=action == "confirm",
            reason=form.cleaned_data["reason"] if form is not None else "",
        )
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        _done(request)
    return redirect("screening:run", run_id=run.pk)


def _check_page(request, check, *, answer_form=None, return_form=None, status=200):
    user = request.user
    return render(
        request,
        "screening/check.html",
        {
            "check": check,
            "today": _today(user),
            "can_answer": check.status == CheckStatus.REQUESTED,
            "can_confirm": check.status == CheckStatus.ANSWER_PROPOSED
            and access.can_confirm_check_answer(user, check),
            "answer_form": answer_form or AnswerForm(),
            "return_form": return_form or ReturnForm(),
        },
        status=status,
    )


@officer_required
@require_GET
def check_detail(request, check_id):
    return _check_page(request, access.get_national_check(request.user, check_id))


@officer_required
@require_GET
def check_request(request, check_id):
    """The signed request for the national authority (compact JWS), as a file."""
    check = access.get_national_check(request.user, check_id)
    token = ss.check_request_export(actor=request.user, check=check, via="web")
    name = ss.check_request_document(check)["request_id"]
    response = HttpResponse(token + "\n", content_type="application/jose")
    response["Content-Disposition"] = f'attachment; filename="{name}.jws"'
    response["Cache-Control"] = "no-store"
    return response


@officer_required
@require_POST
def check_act(request, check_id, action):
    check = access.get_national_check(request.user, check_id)
    user = request.user
    if action == "answer":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                ss.check_answer_record(actor=user, check=check, **form.cleaned_data)
            except RelocardError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                _done(request, _("Recorded: a second screening officer must confirm it."))
                return redirect("screening:check", check_id=check.pk)
        return _check_page(request, check, answer_form=form, status=400)
    if action == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            return _check_page(request, check, return_form=form, status=400)
        call = lambda: ss.check_answer_return(  # noqa: E731
            actor=user, check=check, reason=form.cleaned_data["reason"]
        )
    elif action == "confirm":
        call = lambda: ss.check_answer_confirm(actor=user, check=check)  # noqa: E731
    else:
        raise Http404(access.NOT_FOUND)
    try:
        call()
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        _done(request)
    return redirect("screening:check", check_id=check.pk)


@officer_required
@require_GET
def versions(request):
    return render(request, "screening/versions.html", {"versions": selectors.list_versions()})


@officer_required
@require_GET
def version_detail(request, version_id):
    version = selectors.get_version(version_id)
    if version is None:
        raise Http404(access.NOT_FOUND)
    return render(
        request,
        "screening/version.html",
        {"version": version, "changes": selectors.version_changes(version)},
    )
