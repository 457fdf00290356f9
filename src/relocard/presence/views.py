"""The holder's "My trips" page: declare trips, see the budget, plan the next trip."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from relocard.accounts.decorators import applicant_required
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.presence import selectors, services
from relocard.presence.forms import PlanForm, TripEvidenceForm, TripForm
from relocard.presence.models import Trip


def _holder(request):
    applicant = access.own_applicant(request.user)
    card = selectors.current_card(applicant) if applicant else None
    return applicant, card


@applicant_required
@require_http_methods(["GET", "POST"])
def trips(request):
    applicant, card = _holder(request)
    if applicant is None:
        return redirect("portal:profile")
    form = TripForm(
        request.POST if request.method == "POST" else None,
        issuer=card.member_state_id if card else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.trip_save(actor=request.user, applicant=applicant, **form.cleaned_data)
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The trip is recorded."))
            _warn_before_card_year(request, trip, card)
            return redirect("presence:trips")
    all_trips = selectors.trips_of(applicant)
    presence = selectors.presence_for_card(card, trips=all_trips) if card else None
    planning = "leave" in request.GET or "leave_0" in request.GET
    plan_form = PlanForm(request.GET if planning else None)
    plan = None
    if card and plan_form.is_bound and plan_form.is_valid():
        plan = selectors.plan(
            card,
            leave=plan_form.cleaned_data["leave"],
            return_=plan_form.cleaned_data["return_"],
            trips=all_trips,
        )
    context = {
        "card": card,
        "trips": all_trips,
        "presence": presence,
        "form": form,
        "plan_form": plan_form,
        "plan": plan,
        # A trip past the card year: only its days up to the year's end count for this year.
        "plan_past_year_end": plan is not None
        and plan_form.cleaned_data["return_"] > card.valid_until,
        "warnings": selectors.holder_warnings(presence) if presence else [],
        "needs_evidence": {t.pk for t in presence.needs_evidence} if presence else set(),
        "before_card_year": {t.pk for t in all_trips if selectors.trip_before_card_year(t, card)},
        "travels_in_schengen": card is not None and selectors.travels_in_schengen(card),
    }
    return render(
        request,
        "presence/trips.html",
        context,
        status=400 if form.errors or plan_form.errors else 200,
    )


def _own_trip(request, trip_id) -> Trip:
    return access.get_own_trip(request.user, trip_id)


def _issuer(trip: Trip) -> str | None:
    card = selectors.current_card(trip.applicant)
    return card.member_state_id if card else None


def _warn_before_card_year(request, trip: Trip, card) -> None:
    if selectors.trip_before_card_year(trip, card):
        messages.warning(
            request,
            _(
                "This trip ended before your card year began on %(start)s. Only days within "
                "the card year count for your card, so this trip does not change your budget."
            )
            % {"start": formats.date_format(card.valid_from, "DATE_FORMAT")},
        )


@applicant_required
@require_http_methods(["GET", "POST"])
def trip_edit(request, trip_id):
    trip = _own_trip(request, trip_id)
    form = TripForm(
        request.POST if request.method == "POST" else None,
        initial={"left": trip.left, "returned": trip.returned, "destination": trip.destination},
        issuer=_issuer(trip),
    )
    evidence_form = TripEvidenceForm()
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.trip_save(
                actor=request.user, applicant=trip.applicant, trip=trip, **form.cleaned_data
            )
        except RelocardError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The trip is changed."))
            _warn_before_card_year(request, trip, selectors.current_card(trip.applicant))
            return redirect("presence:trips")
    return render(
        request,
        "presence/trip_edit.html",
        {"trip": trip, "form": form, "evidence_form": evidence_form},
        status=400 if form.errors else 200,
    )


@applicant_required
@require_POST
def trip_delete(request, trip_id):
    trip = _own_trip(request, trip_id)
    try:
        services.trip_delete(actor=request.user, trip=trip)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The trip is deleted."))
    return redirect("presence:trips")


@applicant_required
@require_POST
def trip_evidence(request, trip_id):
    trip = _own_trip(request, trip_id)
    form = TripEvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.trip_evidence_add(
                actor=request.user, trip=trip, upload=form.cleaned_data["file"]
            )
        except RelocardError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request, _("The evidence is attached. A caseworker checks it at renewal.")
            )
            return redirect("presence:trips")
    edit_form = TripForm(
        initial={"left": trip.left, "returned": trip.returned, "destination": trip.destination},
        issuer=_issuer(trip),
    )
    return render(
        request,
        "presence/trip_edit.html",
        {"trip": trip, "form": edit_form, "evidence_form": form},
        status=400,
    )
