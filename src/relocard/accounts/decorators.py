"""``@reauth_required``: password and second factor again before a decision or a key operation.

It guards the changes a view makes (reading is not concerned). A session that gave both within
``RELOCARD_REAUTH_SECONDS`` goes straight through. Otherwise a POST (a decision form) gets a
confirmation
page that carries the submitted fields along, so that nothing typed is lost: once the
password and the code are right, the original view runs with the original form.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from relocard.accounts import factors, sessions, throttle
from relocard.accounts.forms import ReauthForm
from relocard.accounts.security import auth_event
from relocard.common import access
from relocard.common.errors import RelocardError

FIELDS = ("reauth_password", "reauth_code")


def reauth_form_check(request, form: ReauthForm) -> bool:
    """Check a valid :class:`ReauthForm`; marks the session, or adds the form's errors."""
    user = request.user
    wait = throttle.signin_wait(request, user.email)
    if wait is not None:
        form.add_error(None, _("Too many attempts. Wait a few minutes and try again."))
        return False
    checked = authenticate(
        request, username=user.email, password=form.cleaned_data["reauth_password"]
    )
    if checked is None or checked.pk != user.pk:
        form.add_error("reauth_password", _("That password is not right."))
        return False
    throttle.signin_succeeded(request, user.email)
    sessions.mark_password(request)
    needs_code = factors.has_factor(user)
    if needs_code and not sessions.reauthenticated_recently(request):
        try:
            factors.second_factor_check(
                request=request, user=user, token=form.cleaned_data.get("reauth_code", "")
            )
        except RelocardError as exc:
            form.add_error("reauth_code", exc.message)
            return False
    auth_event("auth.reauthenticated", user=user, request=request)
    return True


def reauth_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method in ("GET", "HEAD", "OPTIONS")
            or not request.user.is_authenticated
            or sessions.reauthenticated_recently(request)
        ):
            return view(request, *args, **kwargs)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
            )
        carried = [
            (key, value)
            for key, values in request.POST.lists()
            if key not in FIELDS and key != "csrfmiddlewaretoken"
            for value in values
        ]
        form = ReauthForm(request.POST if "reauth_password" in request.POST else None)
        if form.is_bound and form.is_valid() and reauth_form_check(request, form):
            post = request.POST.copy()
            for key in FIELDS:
                post.pop(key, None)
            request.POST = post
            return view(request, *args, **kwargs)
        return render(
            request,
            "accounts/reauth_post.html",
            {
                "form": form,
                "carried": carried,
                "action": request.get_full_path(),
                "has_passkey": bool(factors.factors_of(request.user)["passkeys"]),
            },
            status=400 if form.errors else 403,
        )

    return wrapper


def applicant_required(view):
    """Signed-in applicants only; staff are sent to the console."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if access.is_verifier(request.user):
            return redirect("verification:home")
        if not access.is_applicant(request.user):
            return redirect("console:queue")
        return view(request, *args, **kwargs)

    return wrapper
