"""Card pages and downloads for holders, card actions for staff, and the public lists."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relocard.cards import credentials as creds
from relocard.cards import selectors as card_selectors
from relocard.cards import services as card_services
from relocard.cards.compliance import explain
from relocard.cards.models import CardAction, ComplianceStatus, CredentialFormat
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.common.forms import Form
from relocard.core.credentials import CredentialError, render_qr_png


class HolderKeyForm(Form):
    jwk = forms.CharField(
        label=gettext_lazy("Your wallet's public key (JWK)"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            'Paste the public key your wallet shows, e.g. {"kty": "EC", "crv": "P-256", ...}. '
            "The credential is then bound to your wallet."
        ),
        max_length=2000,
    )

    def clean_jwk(self):
        try:
            value = json.loads(self.cleaned_data["jwk"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not JSON: %(error)s.") % {"error": exc.msg}
            ) from exc
        if not isinstance(value, dict) or value.get("kty") != "EC" or value.get("crv") != "P-256":
            raise forms.ValidationError(_("The key must be an EC key on the P-256 curve."))
        if "d" in value:
            raise forms.ValidationError(
                _("This is a private key. Never share it: paste the public key only.")
            )
        if not all(isinstance(value.get(k), str) for k in ("x", "y")):
            raise forms.ValidationError(_("The key needs its x and y coordinates."))
        return {k: value[k] for k in ("kty", "crv", "x", "y")}


def _holder_card(request, reference, card_id):
    if not access.is_applicant(request.user):
        raise Http404(access.NOT_FOUND)
    return access.get_card(request.user, reference, card_id)


@login_required
@require_http_methods(["GET", "POST"])
def card_detail(request, reference, card_id):
    card = _holder_card(request, reference, card_id)
    form = HolderKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token = creds.wallet_credential_issue(card, holder_jwk=form.cleaned_data["jwk"])
        except CredentialError as exc:
            form.add_error("jwk", str(exc))
        else:
            return _download(token, f"{card.number}.sd-jwt", "application/dc+sd-jwt")
    return render(
        request,
        "portal/card.html",
        {
            "card": card,
            "form": form,
            "application": card.application,
            "interim": creds.interim_current(card),
        },
        status=400 if form.errors else 200,
    )


def _download(content, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def card_qr(request, reference, card_id):
    card = _holder_card(request, reference, card_id)
    rc1 = creds.latest(card, CredentialFormat.RC1)
    if rc1 is None:
        raise Http404(access.NOT_FOUND)
    response = HttpResponse(render_qr_png(rc1.payload, scale=4), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def card_pdf(request, reference, card_id, size):
    card = _holder_card(request, reference, card_id)
    if size not in ("a4", "id1"):
        raise Http404(access.NOT_FOUND)
    pdf = creds.card_pdf(card, size="A4" if size == "a4" else "ID-1")
    return _download(pdf, f"{card.number}-{size}.pdf", "application/pdf")


@login_required
@require_GET
def card_wallet(request, reference, card_id):
    card = _holder_card(request, reference, card_id)
    vc = creds.latest(card, CredentialFormat.SD_JWT_VC)
    if vc is None:
        raise Http404(access.NOT_FOUND)
    return _download(vc.payload, f"{card.number}.sd-jwt", "application/dc+sd-jwt")


# --- staff: suspend, revoke, reinstate (four eyes) ---------------------------------------------


class CardActionForm(Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"), choices=CardAction.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (the holder reads it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ReturnChangeForm(Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the change not confirmed?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


def _staff_card(request, reference, card_id):
    if not access.can_use_console(request.user):
        raise Http404(access.NOT_FOUND)
    return access.get_card(request.user, reference, card_id)


@login_required
@require_POST
def card_action_propose(request, reference, card_id):
    card = _staff_card(request, reference, card_id)
    form = CardActionForm(request.POST)
    if form.is_valid():
        try:
            card_services.card_status_propose(
                actor=request.user,
                card=card,
                action=form.cleaned_data["action"],
                reason=form.cleaned_data["reason"],
            )
        except RelocardError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The change is proposed. A supervisor must confirm it."))
    else:
        messages.error(request, _("Choose an action and give the reason."))
    return redirect("console:case", reference=reference)


@login_required
@require_POST
def card_action_decide(request, reference, card_id, change_id, decision):
    if not access.can_use_console(request.user):
        raise Http404(access.NOT_FOUND)
    change = access.get_card_change(request.user, reference, card_id, change_id)
    if decision not in ("confirm", "return"):
        raise Http404(access.NOT_FOUND)
    try:
        if decision == "confirm":
            card_services.card_status_confirm(actor=request.user, change=change)
            messages.success(
                request, _("The card's status is changed and the status list is updated.")
            )
        else:
            form = ReturnChangeForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say why the change is not confirmed."))
                return redirect("console:case", reference=reference)
            card_services.card_status_return(
                actor=request.user, change=change, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The proposed change is returned."))
    except RelocardError as exc:
        messages.error(request, exc.message)
    return redirect("console:case", reference=reference)


# --- public, for verifiers -----------------------------------------------------------------


@require_GET
def status_list(request, member_state, list_id):
    if list_id != creds.STATUS_LIST_ID or not member_state.isalpha() or len(member_state) != 2:
        raise Http404("No such status list.")

    if not card_selectors.publishes_status_list(member_state):
        raise Http404("No such status list.")
    token = creds.status_list_jwt(member_state.upper())
    response = HttpResponse(token, content_type="application/statuslist+jwt")
    # No longer than the platform reuses a signed list, so that a verifier's copy stays within
    # the list's time-to-live (an older one is "status unknown" to verifiers).
    response["Cache-Control"] = f"public, max-age={creds.STATUS_LIST_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def trust_list(request):
    response = HttpResponse(creds.trust_list_jws(), content_type="application/jwt")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def trust_anchor(request):
    response = HttpResponse(creds.trust_anchor_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="relocard-trust-anchor.pem"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_GET
def interim_pdf(request, reference, credential_id):
    credential = access.get_interim_credential(request.user, reference, credential_id)
    return _download(
        creds.interim_pdf(credential), f"{credential.card.number}-interim.pdf", "application/pdf"
    )


# --- staff: cards at risk (the nightly compliance run) -------------------------------------

AT_RISK_PAGE_SIZE = 50


@login_required
@require_GET
def cards_at_risk(request):
    """Active cards of the member state that are at risk or failing, with the reasons why."""
    from django.core.paginator import Paginator

    if not access.can_see_cards_at_risk(request.user):
        raise Http404(access.NOT_FOUND)
    status = request.GET.get("status", "")
    qs = access.cards_at_risk(request.user).select_related("card", "card__application")
    if status in (ComplianceStatus.AT_RISK, ComplianceStatus.FAILING):
        qs = qs.filter(status=status)
    else:
        status = ""
    # "failing" sorts after "at_risk": failing cards first, then the soonest to expire.
    qs = qs.order_by("-status", "card__valid_until", "card_id")
    page_obj = Paginator(qs, AT_RISK_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(row, explain(row)) for row in page_obj]
    return render(
        request,
        "console/cards_at_risk.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "status": status,
            "query": f"status={status}" if status else "",
            "last_run": card_selectors.last_compliance_run(),
        },
    )
