"""Pages for checking a card: holders' share codes, verifiers' checks, the public confirmation.

Views parse the request, fetch objects only through :mod:`relocard.common.access`, call a
service or selector, and render. Every page works without JavaScript; the camera scanner
(``relocard/qr-scan.js``) only adds a button where the browser can read QR codes itself.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relocard.accounts import throttle
from relocard.accounts.decorators import applicant_required
from relocard.accounts.forms import NewPasswordForm
from relocard.accounts.selectors import account_exists
from relocard.accounts.services import AccountExists
from relocard.accounts.views import SigninView
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.enrolment.selectors import current_photo
from relocard.verification import ratelimit, selectors, services
from relocard.verification.codes import CodeFormatError, display_code, normalise_check_id
from relocard.verification.emails import registration_from_token
from relocard.verification.errors import RateLimited
from relocard.verification.forms import (
    ApiKeyForm,
    ConfirmForm,
    MemberForm,
    QrCheckForm,
    RegisterForm,
    ShareCodeCheckForm,
    ShareCodeCreateForm,
)
from relocard.verification.models import OrganisationStatus
from relocard.verification.qrimage import decode_qr
from relocard.verification.record import check_record_pdf

PAGE_SIZE = 50


def _posted(request):
    """The POST data on a POST (even an empty one, which must show errors), else None."""
    return request.POST if request.method == "POST" else None


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _rate_limited(request, exc: RateLimited) -> HttpResponse:
    response = render(
        request, "verification/rate_limited.html", {"message": exc.message}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- holders -------------------------------------------------------------------------------


@applicant_required
@require_GET
def share_codes(request):
    checks = Paginator(selectors.holder_checks(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "verification/holder_codes.html",
        {
            "codes": selectors.holder_codes(request.user),
            "checks": checks,
            "page_obj": checks,
            "can_make": bool(selectors.shareable_cards(request.user)),
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def share_code_new(request):
    cards = selectors.shareable_cards(request.user)
    if not cards:
        messages.info(request, _("You need a valid card before you can make a share code."))
        return redirect("verification:share_codes")
    initial = {}
    if request.GET.get("purpose") in ("work", "rent", "bank"):
        initial["purpose"] = request.GET["purpose"]
    form = ShareCodeCreateForm(_posted(request), cards=cards, initial=initial)
    if request.method == "POST" and form.is_valid():
        card = next(c for c in cards if c.pk == form.cleaned_data["card"])
        try:
            share_code, code = services.share_code_create(
                actor=request.user, card=card, purpose=form.cleaned_data["purpose"]
            )
        except RelocardError as exc:
            form.add_error(None, exc.message)
        else:
            # Shown in this response only: the code is not stored, not even in the session.
            response = render(
                request,
                "verification/holder_code_created.html",
                {
                    "share_code": share_code,
                    "code": display_code(code),
                    "card": card,
                    "outlives_card": (
                        card.member_state.local_date(share_code.expires_at) > card.valid_until
                    ),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request, "verification/holder_code_new.html", {"form": form}, status=_status(form)
    )


@applicant_required
@require_POST
def share_code_revoke(request, share_code_id: int):
    share_code = access.get_share_code(request.user, share_code_id)
    try:
        services.share_code_revoke(actor=request.user, share_code=share_code)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The code is revoked. Nobody can use it any more."))
    return redirect("verification:share_codes")


# --- verifiers: account and organisation ----------------------------------------------------


def verifier_required(view):
    @login_required(login_url="verification:sign_in")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if access.verifier_membership(request.user) is None:
            raise Http404(access.NOT_FOUND)
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        if access.is_verifier(request.user):
            return redirect("verification:home")
        messages.info(request, _("Sign out first to register an organisation."))
        return redirect("home")
    form = RegisterForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wait = throttle.signup_wait(request)
        if wait is not None:
            form.add_error(None, throttle.wait_message(wait))
        else:
            try:
                if throttle.email_allowed("signup", data["email"]):
                    services.organisation_register_request(
                        email=data["email"],
                        name=data["name"],
                        kind=data["kind"],
                        country=data["country"],
                        registration_number=data["registration_number"],
                        language=get_language() or "en",
                    )
            except RelocardError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                # The same page for every address: the e-mail says the rest.
                return redirect("verification:register_sent")
    return render(request, "verification/register.html", {"form": form}, status=_status(form))


def register_sent(request):
    return render(request, "accounts/signup_sent.html")


@require_http_methods(["GET", "POST"])
def register_confirm(request, token: str):
    """The link from the e-mail: choose a password; the account and organisation exist."""
    found = registration_from_token(token)
    if found is None:
        return render(request, "accounts/signup_link_invalid.html", status=400)
    email, details = found
    if account_exists(email):
        messages.info(request, _("Your account already exists. Sign in."))
        return redirect("verification:sign_in")
    form = NewPasswordForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.organisation_register(
                email=email,
                password=form.cleaned_data["password"],
                name=str(details.get("name", "")),
                kind=str(details.get("kind", "")),
                country=str(details.get("country", "")),
                registration_number=str(details.get("registration_number", "")),
                language=get_language() or "en",
            )
        except AccountExists:
            messages.info(request, _("Your account already exists. Sign in."))
            return redirect("verification:sign_in")
        except RelocardError:
            return render(request, "accounts/signup_link_invalid.html", status=400)
        login(request, user, backend="relocard.accounts.backends.ThrottledModelBackend")
        messages.success(
            request,
            _(
                "Your organisation is registered. The programme approves it before you can check cards."
            ),
        )
        return redirect("verification:home")
    return render(
        request,
        "accounts/signup_confirm.html",
        {"form": form, "email": email},
        status=_status(form),
    )


class VerifierSigninView(SigninView):
    """The platform's sign-in (throttle, then the second factor) on the verifiers' page."""

    template_name = "verification/sign_in.html"

    def get_default_redirect_url(self):
        return reverse("verification:home")


sign_in = VerifierSigninView.as_view()


@verifier_required
@require_GET
def home(request):
    membership = access.verifier_membership(request.user)
    recent = selectors.organisation_checks(request.user)[:5]
    return render(
        request,
        "verification/verifier_home.html",
        {"membership": membership, "organisation": membership.organisation, "recent": recent},
    )


@verifier_required
@require_http_methods(["GET", "POST"])
def organisation(request):
    membership = access.verifier_membership(request.user)
    org = membership.organisation
    member_form = MemberForm(request.POST if request.POST.get("form") == "member" else None)
    key_form = ApiKeyForm(request.POST if request.POST.get("form") == "key" else None)
    if request.method == "POST" and not access.can_manage_organisation(request.user):
        raise Http404(access.NOT_FOUND)
    if request.method == "POST" and member_form.is_bound and member_form.is_valid():
        try:
            services.member_add(actor=request.user, email=member_form.cleaned_data["email"])
        except RelocardError as exc:
            member_form.add_error(exc.field if exc.field == "email" else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "We have sent an e-mail to this address. Your colleague appears here once "
                    "they have set a password."
                ),
            )
            return redirect("verification:organisation")
    if request.method == "POST" and key_form.is_bound and key_form.is_valid():
        try:
            api_key, key = services.api_key_create(
                actor=request.user, name=key_form.cleaned_data["name"]
            )
        except RelocardError as exc:
            key_form.add_error(exc.field if exc.field == "name" else None, exc.message)
        else:
            response = render(
                request, "verification/api_key_created.html", {"api_key": api_key, "key": key}
            )
            response["Cache-Control"] = "no-store"
            return response
    context = {
        "organisation": org,
        "membership": membership,
        # A colleague appears once they have set a password: the list at the time of adding
        # says nothing about whether the address already had an account.
        "members": selectors.organisation_members(request.user).exclude(
            user__password__startswith=UNUSABLE_PASSWORD_PREFIX
        ),
        "api_keys": selectors.organisation_api_keys(request.user),
        "member_form": member_form,
        "key_form": key_form,
        "form": member_form if member_form.errors else key_form,
    }
    status = 400 if (member_form.errors or key_form.errors) else 200
    return render(request, "verification/organisation.html", context, status=status)


@verifier_required
@require_POST
def api_key_revoke(request, key_id: int):
    api_key = access.get_managed_api_key(request.user, key_id)
    try:
        services.api_key_revoke(actor=request.user, api_key=api_key)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The key is revoked. Requests with it are refused from now on.")
        )
    return redirect("verification:organisation")


# --- verifiers: checks ----------------------------------------------------------------------


def _not_approved(request, membership):
    if membership.organisation.is_approved:
        return None
    return render(
        request,
        "verification/not_approved.html",
        {"organisation": membership.organisation},
        status=403,
    )


@verifier_required
@require_http_methods(["GET", "POST"])
def check_code(request):
    membership = access.verifier_membership(request.user)
    if (refusal := _not_approved(request, membership)) is not None:
        return refusal
    form = ShareCodeCheckForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.check_allowed(
                ip=ratelimit.client_ip(request), organisation_id=membership.organisation_id
            )
            check = services.check_by_share_code(
                organisation=membership.organisation,
                user=request.user,
                code=form.cleaned_data["code"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                reason=form.cleaned_data["reason"],
            )
        except RateLimited as exc:
            return _rate_limited(request, exc)
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if check.matched:
                return redirect("verification:check", check_id=check.check_id)
            form.add_error(
                None,
                _(
                    "The share code and the date of birth do not match a code in use. Check both "
                    "with the person: a code may also have expired or been revoked. "
                    "This attempt is recorded as check %(check_id)s."
                )
                % {"check_id": check.check_id},
            )
    return render(
        request,
        "verification/check_code.html",
        {"form": form, "organisation": membership.organisation},
        status=_status(form),
    )


@verifier_required
@require_http_methods(["GET", "POST"])
def check_qr(request):
    membership = access.verifier_membership(request.user)
    if (refusal := _not_approved(request, membership)) is not None:
        return refusal
    form = QrCheckForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        payload = form.cleaned_data["payload"]
        upload = form.cleaned_data.get("file")
        try:
            ratelimit.check_allowed(
                ip=ratelimit.client_ip(request), organisation_id=membership.organisation_id
            )
            if not payload and upload is not None:
                payload = decode_qr(upload.read(settings.RELOCARD_QR_UPLOAD_MAX_BYTES + 1))
            check, _verification = services.check_by_qr(
                organisation=membership.organisation,
                user=request.user,
                payload=payload,
                purpose=membership.organisation.purposes[0],
                reason=form.cleaned_data["reason"],
            )
        except RateLimited as exc:
            return _rate_limited(request, exc)
        except RelocardError as exc:
            field = exc.field if exc.field in form.fields else None
            if field is None and upload is not None and not form.cleaned_data["payload"]:
                field = "file"
            form.add_error(field, exc.message)
        else:
            return redirect("verification:check", check_id=check.check_id)
    return render(
        request,
        "verification/check_qr.html",
        {"form": form, "organisation": membership.organisation},
        status=_status(form),
    )


@verifier_required
@require_GET
def check_detail(request, check_id: str):
    check = access.get_organisation_check(request.user, check_id)
    services.check_viewed(actor=request.user, check=check)
    # The holder's photo beside a valid share-code check, for a while after it (UK eVisa-like).
    show_photo = (
        access.check_shows_photo(check, now=timezone.now())
        and current_photo(check.card.application) is not None
    )
    return render(
        request,
        "verification/check_result.html",
        {
            "check": check,
            "summary": selectors.check_summary(check),
            "show_photo": show_photo,
            "photo_minutes": access.PHOTO_AFTER_CHECK_SECONDS // 60,
        },
    )


def _checked_by(check) -> str:
    if check.api_key_id is not None:
        return f"API key {check.api_key.prefix}... ({check.api_key.name})"
    return check.checked_by.email if check.checked_by_id else ""


@verifier_required
@require_GET
def check_record(request, check_id: str):
    check = access.get_organisation_check(request.user, check_id)
    services.check_viewed(actor=request.user, check=check)
    pdf = check_record_pdf(selectors.check_summary(check), checked_by=_checked_by(check))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{check.check_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@verifier_required
@require_GET
def checks(request):
    page = Paginator(selectors.organisation_checks(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "verification/checks.html", {"page_obj": page, "checks": page})


# --- anyone: confirm that a check happened -------------------------------------------------


@require_GET
def confirm(request):
    form = ConfirmForm(request.GET if "check_id" in request.GET else None)
    found = None
    if form.is_bound and form.is_valid():
        try:
            ratelimit.confirm_allowed(ip=ratelimit.client_ip(request))
            check_id = normalise_check_id(form.cleaned_data["check_id"])
        except RateLimited as exc:
            return _rate_limited(request, exc)
        except CodeFormatError:
            form.add_error("check_id", _("A check id looks like CHK-7K3MX-9QH2A-BC4DE."))
        else:
            found = selectors.confirm_check(check_id)
            if found is None:
                form.add_error(
                    "check_id",
                    _("No check has this id. Compare it with the record, character by character."),
                )
    return render(
        request,
        "verification/confirm.html",
        {"form": form, "found": found},
        status=_status(form),
    )


# --- programme admins: approve organisations -----------------------------------------------


def _admin_only(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if not access.can_approve_organisations(request.user):
        raise Http404(access.NOT_FOUND)
    return None


@require_GET
def organisations(request):
    if (response := _admin_only(request)) is not None:
        return response
    status = request.GET.get("status") or OrganisationStatus.PENDING
    if status not in OrganisationStatus.values:
        status = OrganisationStatus.PENDING
    rows = selectors.organisations_to_decide(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/organisations.html",
        {"page_obj": page, "status": status, "statuses": OrganisationStatus.choices},
    )


@require_POST
def organisation_decide(request, organisation_id: int):
    if (response := _admin_only(request)) is not None:
        return response
    org = access.get_organisation_to_decide(request.user, organisation_id)
    try:
        org = services.organisation_decide(
            actor=request.user, organisation=org, status=request.POST.get("status", "")
        )
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is now “%(status)s”.")
            % {"name": org.name, "status": org.get_status_display()},
        )
    return redirect(f"{reverse('verification:organisations')}?status={org.status}")
