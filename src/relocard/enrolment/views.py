"""The mission desk: the consular officer's "At the mission" page of a case, the photo upload
(applicant or officer), the photo itself (access-checked and audited), the fee receipt, and
the holder's photo beside a verifier's share-code check.

Views parse the request, fetch through :mod:`relocard.common.access`, call a service or a
selector, and render; every write and every view of a photo is audited by the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relocard.cases.models import CaseState
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.core.identity.messages import FIELD_LABELS
from relocard.enrolment import selectors, services
from relocard.enrolment.forms import (
    BiometricsForm,
    FeeForm,
    HandOverForm,
    OrderForm,
    PhotoForm,
    ProductionVersionForm,
    VisaForm,
)
from relocard.enrolment.models import ProductionState


def _comparison_lines(comparison) -> list[dict]:
    if comparison is None:
        return []
    return [
        {
            "label": _(FIELD_LABELS[line.field]),
            "mrz": line.mrz,
            "typed": line.typed,
            "outcome": line.outcome,
            "message": line.message(_),
        }
        for line in comparison.fields
    ]


def _page(request, application, *, forms=None, comparison=None, status=200):
    forms = forms or {}
    record = selectors.mission_record(application)
    due = services.fee_due(application.member_state_id, on=application.member_state.today())
    production = record.production
    version = {"version": production.version} if production else {}
    context = {
        "application": application,
        "record": record,
        "due": due,
        "approved": application.state == CaseState.APPROVED,
        "biometrics_form": forms.get("biometrics") or BiometricsForm(),
        "fee_form": forms.get("fee") or FeeForm(),
        "visa_form": forms.get("visa") or VisaForm(),
        "order_form": forms.get("order") or OrderForm(),
        "ready_form": ProductionVersionForm(initial=version),
        "hand_over_form": forms.get("hand_over") or HandOverForm(initial=version),
        "comparison": comparison,
        "comparison_lines": _comparison_lines(comparison),
        "history": selectors.mission_history(application),
        "can_upload_photo": access.can_upload_photo(request.user, application),
        "ordered": production is not None and production.state == ProductionState.ORDERED,
        "ready": production is not None and production.state == ProductionState.READY,
    }
    return render(request, "enrolment/mission.html", context, status=status)


@login_required
@require_GET
def mission(request, reference):
    application = access.get_mission_case(request.user, reference)
    return _page(request, application)


def _post(request, reference, key, form_class, call, success):
    """Bind the form, call the service, redirect with a message, or show the page again with
    the error beside its field (nothing written)."""
    application = access.get_mission_case(request.user, reference)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(application, form.cleaned_data)
        except services.HandOverRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return _page(
                request, application, forms={key: form}, comparison=exc.comparison, status=400
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, success)
            return redirect("enrolment:mission", reference=application.reference)
    return _page(request, application, forms={key: form}, status=400)


@login_required
@require_POST
def biometrics(request, reference):
    return _post(
        request,
        reference,
        "biometrics",
        BiometricsForm,
        lambda app, data: services.biometrics_record(actor=request.user, application=app, **data),
        _("Biometrics enrolment is recorded."),
    )


@login_required
@require_POST
def fee(request, reference):
    return _post(
        request,
        reference,
        "fee",
        FeeForm,
        lambda app, data: services.fee_record(actor=request.user, application=app, **data),
        _("The fee is recorded. Print the receipt for the applicant."),
    )


@login_required
@require_POST
def visa(request, reference):
    return _post(
        request,
        reference,
        "visa",
        VisaForm,
        lambda app, data: services.entry_visa_record(actor=request.user, application=app, **data),
        _("The D visa is recorded; the applicant sees it on their application."),
    )


@login_required
@require_POST
def order(request, reference):
    return _post(
        request,
        reference,
        "order",
        OrderForm,
        lambda app, data: services.production_order(actor=request.user, application=app, **data),
        _("The card's production is ordered."),
    )


def _production(application):
    production = selectors.mission_record(application).production
    if production is None:
        raise Http404(access.NOT_FOUND)
    return production


@login_required
@require_POST
def ready(request, reference):
    return _post(
        request,
        reference,
        "ready",
        ProductionVersionForm,
        lambda app, data: services.production_ready(
            actor=request.user, production=_production(app), version=data["version"]
        ),
        _("The card is ready for collection; the applicant is told."),
    )


@login_required
@require_POST
def hand_over(request, reference):
    return _post(
        request,
        reference,
        "hand_over",
        HandOverForm,
        lambda app, data: services.production_hand_over(
            actor=request.user,
            production=_production(app),
            version=data["version"],
            mrz=data["mrz"],
        ),
        _("The passport matches: the card is handed over."),
    )


# --- the photo -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def photo_upload(request, reference):
    application = access.get_case(request.user, reference)
    if not access.can_upload_photo(request.user, application):
        raise Http404(access.NOT_FOUND)
    form = PhotoForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.photo_upload(
                actor=request.user, application=application, upload=form.cleaned_data["photo"]
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The photo is saved."))
            if access.can_record_at_mission(request.user, application):
                return redirect("enrolment:mission", reference=application.reference)
            return redirect("portal:case", reference=application.reference)
    return render(
        request,
        "enrolment/photo_upload.html",
        {"form": form, "application": application, "photo": selectors.current_photo(application)},
        status=400 if form.errors else 200,
    )


def _photo_response(photo) -> HttpResponse:
    with photo.file.open("rb") as fh:
        content = fh.read()
    response = HttpResponse(content, content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_GET
def photo(request, reference):
    """The case's current photo: the holder, or staff who may read the case."""
    photo = access.get_case_photo(request.user, reference)
    services.photo_viewed(actor=request.user, photo=photo)
    return _photo_response(photo)


@login_required
@require_GET
def check_photo(request, check_id):
    """The holder's photo beside a verifier's share-code check (see access.get_check_photo)."""
    photo = access.get_check_photo(request.user, check_id, now=timezone.now())
    services.photo_viewed(actor=request.user, photo=photo, check_id=check_id)
    return _photo_response(photo)


# --- the fee receipt -------------------------------------------------------------------------


@login_required
@require_GET
def receipt(request, reference):
    application = access.get_case(request.user, reference)
    payment = selectors.fee_receipt(application)
    if payment is None:
        raise Http404(access.NOT_FOUND)
    return render(
        request, "enrolment/receipt.html", {"application": application, "payment": payment}
    )
