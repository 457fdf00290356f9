"""Sign up, sign in (password, then second factor), sign out, and the account's security pages."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from relocard.accounts import factors, services, sessions, throttle
from relocard.accounts import selectors as account_selectors
from relocard.accounts.backends import account_locked
from relocard.accounts.decorators import reauth_form_check, reauth_required
from relocard.accounts.emails import send_password_reset, signup_email_from_token
from relocard.accounts.forms import (
    FactorResetForm,
    NewPasswordForm,
    ReauthForm,
    SecondFactorForm,
    SigninForm,
    SignupForm,
    TotpSetupForm,
)
from relocard.accounts.middleware import second_factor_pending, verified
from relocard.accounts.security import auth_event
from relocard.common import access
from relocard.common.errors import RelocardError

SETUP_DEVICE = "relocard_totp_setup"
NEW_CODES = "relocard_new_recovery_codes"


_wait_message = throttle.wait_message


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- sign-up -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wait = throttle.signup_wait(request)
        if wait is not None:
            form.add_error(None, _wait_message(wait))
        else:
            email = form.cleaned_data["email"]
            if throttle.email_allowed("signup", email):
                services.signup_request(email=email, language=get_language() or "en")
            return redirect("accounts:signup_sent")
    return render(
        request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200
    )


def signup_sent(request):
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_confirm(request, token: str):
    """The link from the e-mail: choose a password, and the account exists."""
    email = signup_email_from_token(token)
    if email is None:
        return render(request, "accounts/signup_link_invalid.html", status=400)
    if account_selectors.account_exists(email):
        messages.info(request, _("Your account already exists. Sign in."))
        return redirect("accounts:login")
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=email,
                password=form.cleaned_data["password"],
                language=get_language() or "en",
            )
        except RelocardError:
            messages.info(request, _("Your account already exists. Sign in."))
            return redirect("accounts:login")
        login(request, user, backend="relocard.accounts.backends.ThrottledModelBackend")
        messages.success(request, _("Your account is ready. Now enter your personal details."))
        return redirect("portal:profile")
    return render(
        request,
        "accounts/signup_confirm.html",
        {"form": form, "email": email},
        status=400 if form.errors else 200,
    )


# --- sign-in: password, then second factor -----------------------------------------------------


class SigninView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SigninForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Refused before the password is hashed: a flood costs a cache read per attempt.
        wait = throttle.signin_wait(request, request.POST.get("username", ""))
        if wait is not None:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _wait_message(wait))
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            response.headers["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)

        if second_factor_pending(self.request):
            return HttpResponseRedirect(
                reverse("accounts:second_factor")
                + "?"
                + urlencode({"next": self.get_success_url()})
            )
        return response

    def form_invalid(self, form):
        refused = getattr(self.request, "relocard_signin_refused", None)
        if refused is not None:
            kind, wait = refused
            form.errors.clear()
            form.add_error(
                None,
                _wait_message(wait)
                if kind == "throttled"
                else _("Many people are signing in right now. Try again in a few seconds."),
            )
            response = super().form_invalid(form)
            response.status_code = 429 if kind == "throttled" else 503
            response.headers["Retry-After"] = str(wait)
            return response
        response = super().form_invalid(form)
        response.status_code = 400
        return response


signin = SigninView.as_view()


@login_required
@require_POST
def safe_mode(request):
    """Safe mode on or off, from the notice on every page; back to the page it was chosen on."""
    if not access.is_applicant(request.user):
        raise Http404(access.NOT_FOUND)
    on = request.POST.get("safe_mode") == "on"
    if request.POST.get("safe_mode") not in ("on", "off"):
        messages.error(request, _("Choose safe mode on or off."))
    elif services.applicant_safe_mode_set(actor=request.user, on=on) is not None:
        messages.success(
            request,
            _("Safe mode is on: e-mails say only that there is a new message.")
            if on
            else _("Safe mode is off: e-mails say what changed on your application."),
        )
    return HttpResponseRedirect(_safe_next(request, reverse("portal:dashboard")))


@require_POST
def signout(request):
    logout(request)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Type a code (or use a passkey); without any factor yet, enrol one first."""
    user = request.user
    next_url = _safe_next(request, reverse("home"))
    if verified(user):
        return HttpResponseRedirect(next_url)
    if not factors.has_factor(user):
        if not access.needs_second_factor(user):
            # An optional factor that was removed meanwhile: nothing to ask for any more.
            request.session[sessions.FACTOR_PENDING] = False
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(
            reverse("accounts:totp_setup") + "?" + urlencode({"next": next_url})
        )
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            factors.second_factor_check(request=request, user=user, token=form.cleaned_data["code"])
        except RelocardError as exc:
            form.add_error("code", exc.message)
        else:
            return HttpResponseRedirect(next_url)
    has_passkey = factors.factors_of(user)["passkeys"]
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "next": next_url, "has_passkey": bool(has_passkey)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    """Enrol an authenticator app: scan or type the key, then type a code from the app."""
    user = request.user
    next_url = _safe_next(request, reverse("accounts:security"))
    first = not factors.has_factor(user)
    if not first and not (verified(user) and sessions.reauthenticated_recently(request)):
        return HttpResponseRedirect(
            reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
        )
    device = None
    device_id = request.session.get(SETUP_DEVICE)
    if device_id is not None:
        device = account_selectors.unconfirmed_app(user, device_id)
    if device is None:
        device = factors.totp_start(user=user)
        request.session[SETUP_DEVICE] = device.pk
    form = TotpSetupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = factors.totp_confirm(
                request=request, user=user, device=device, token=form.cleaned_data["code"]
            )
        except RelocardError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(SETUP_DEVICE, None)
            messages.success(request, _("Your authenticator app is set up."))
            if codes:
                request.session[NEW_CODES] = codes
                return HttpResponseRedirect(
                    reverse("accounts:recovery_codes") + "?" + urlencode({"next": next_url})
                )
            return HttpResponseRedirect(next_url)
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "accounts/totp_setup.html",
        {
            "form": form,
            "qr": qr,
            "secret": factors.totp_secret(device),
            "next": next_url,
            "first": first,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Shows new recovery codes once (after enrolment), or makes new ones (re-authenticated)."""
    next_url = _safe_next(request, reverse("accounts:security"))
    if request.method == "POST":
        return _recovery_codes_new(request)
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@reauth_required
def _recovery_codes_new(request):
    if not factors.has_factor(request.user):
        raise Http404()
    request.session[NEW_CODES] = factors.recovery_codes_create(user=request.user, request=request)
    return redirect("accounts:recovery_codes")


# --- the account's security page ---------------------------------------------------------------


@login_required
def security(request):
    return render(
        request,
        "accounts/security.html",
        {
            **factors.factors_of(request.user),
            "needs_factor": access.needs_second_factor(request.user),
            "can_handle_resets": access.can_handle_factor_resets(request.user),
        },
    )


@login_required
def passkey_add(request):
    if factors.has_factor(request.user) and not sessions.reauthenticated_recently(request):
        return HttpResponseRedirect(
            reverse("accounts:reauth") + "?" + urlencode({"next": request.get_full_path()})
        )
    return render(request, "accounts/passkey_add.html", {"next": _safe_next(request, "")})


@require_POST
@login_required
@reauth_required
def factor_remove(request):
    try:
        factors.factor_remove(
            request=request,
            user=request.user,
            kind=request.POST.get("kind", ""),
            device_id=int(request.POST.get("device", "0") or 0),
        )
    except (RelocardError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Choose what to remove.")))
    else:
        messages.success(request, _("Removed."))
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request):
    """Confirm it is you: password and second factor, then back to where you were."""
    next_url = _safe_next(request, reverse("accounts:security"))
    form = ReauthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and reauth_form_check(request, form):
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/reauth.html",
        {
            "form": form,
            "next": next_url,
            "has_passkey": bool(factors.factors_of(request.user)["passkeys"]),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        wait = throttle.signin_wait(request, request.user.email)
        if wait is not None:
            form.is_valid()
            form.add_error(None, _wait_message(wait))
        elif form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)
            # Other sessions already stop working (their password hash no longer matches);
            # their records go too.
            sessions.sessions_end(
                actor=request.user, user=request.user, keep=request.session.session_key
            )
            sessions.mark_password(request)
            auth_event("auth.password_changed", user=request.user, request=request)
            messages.success(request, _("Your password is changed. Other sessions are signed out."))
            return redirect("accounts:security")
        elif "old_password" in form.errors and throttle.signin_failed(request, request.user.email):
            account_locked(request, request.user.email)
    return render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required  # ending sessions: password and second factor again (ASVS 7.5.2)
def session_list(request):
    current = request.session.session_key
    if request.method == "POST":
        if request.POST.get("everywhere"):
            sessions.sessions_end(actor=request.user, user=request.user)
            logout(request)
            messages.success(request, _("You are signed out everywhere."))
            return redirect("accounts:login")
        try:
            only = int(request.POST.get("session", ""))
        except ValueError:
            only = None
        if only is not None:
            sessions.sessions_end(actor=request.user, user=request.user, only=only, keep=current)
            messages.success(request, _("That session is signed out."))
        return redirect("accounts:sessions")
    return render(
        request,
        "accounts/sessions.html",
        {"records": sessions.user_sessions(request.user), "current": current},
    )


# --- four-eyes reset of a lost second factor ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def factor_resets(request):
    if not access.can_handle_factor_resets(request.user):
        raise Http404(access.NOT_FOUND)
    form = FactorResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            factors.factor_reset_propose(
                actor=request.user,
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("The reset is proposed. Another supervisor or programme admin must confirm it."),
            )
            return redirect("accounts:factor_resets")
    return render(
        request,
        "accounts/factor_resets.html",
        {
            "form": form,
            "resets": [
                (reset, access.can_confirm_factor_reset(request.user, reset))
                for reset in factors.resets_for(request.user)
            ],
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
@reauth_required
def factor_reset_decide(request, reset_id: int, decision: str):
    if not access.can_handle_factor_resets(request.user):
        raise Http404(access.NOT_FOUND)
    try:
        if decision == "confirm":
            factors.factor_reset_confirm(actor=request.user, reset_id=reset_id)
            messages.success(
                request, _("The second factor is reset. The person enrols a new one at sign-in.")
            )
        elif decision == "cancel":
            factors.factor_reset_cancel(actor=request.user, reset_id=reset_id)
            messages.success(request, _("The reset is cancelled."))
        else:
            raise Http404(access.NOT_FOUND)
    except RelocardError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:factor_resets")


# --- password reset: the same answer, after the same work, for every address ------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    success_url = "done/"

    def form_valid(self, form):
        wait = throttle.reset_wait(self.request)
        if wait is not None:
            form.add_error(None, _wait_message(wait))
            return self.form_invalid(form)
        email = form.cleaned_data["email"].strip().lower()
        # The same task for a known and an unknown address: it looks the address up itself.
        if throttle.email_allowed("reset", email):
            send_password_reset.enqueue(email, get_language() or "en")
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = "/accounts/password-reset/complete/"

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.sessions_end(actor=None, user=form.user)
        throttle.unlock(form.user.email)
        auth_event("auth.password_reset", user=form.user, request=self.request)
        return response


@require_POST
def language_set(request):
    """The language switcher: Django's cookie and redirect, and for a signed-in person the
    choice stored on the account too (so that e-mails and PDFs follow it)."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return response
