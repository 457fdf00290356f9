"""Pages of the consular channel: the applicant's appointments and interest, the mission's
officer pages (slots, windows, draws, the day's list, check-in), statistics by mission, and
the public draw records.

Views parse the request, fetch objects only through :mod:`relocard.common.access`, call a
service or a selector, and render. Everything out of a user's reach is "not found".
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relocard.accounts.decorators import applicant_required
from relocard.common import access
from relocard.common.errors import RelocardError
from relocard.consular import selectors
from relocard.consular import services as cs
from relocard.consular.forms import (
    CheckInForm,
    InterestForm,
    MissionForm,
    OfficerAddForm,
    OfficerMoveForm,
    ReservationCheckInForm,
    SlotsForm,
    WindowForm,
)
from relocard.consular.models import AppointmentStatus


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


def _fail(form, exc: RelocardError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- applicants ---------------------------------------------------------------------------------


@applicant_required
@require_GET
def mine(request):
    applications = selectors.eligible_applications(request.user)
    windows = selectors.open_windows(sorted({a.member_state_id for a in applications}))
    return render(
        request,
        "consular/mine.html",
        {
            "appointments": selectors.own_appointment_list(request.user),
            "windows": windows,
            "can_book": access.can_book_appointments(request.user),
            "has_active": selectors.has_active_appointment(request.user),
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def register(request, window_id: int):
    window = selectors.window_for_interest(window_id)
    if window is None or not access.can_book_appointments(request.user):
        raise Http404(access.NOT_FOUND)
    applications = [
        a
        for a in selectors.eligible_applications(request.user)
        if access.can_register_interest(request.user, a, window.mission)
    ]
    if not applications:
        raise Http404(access.NOT_FOUND)
    profile = access.own_applicant(request.user)
    initial = {
        "application": applications[0].reference,
        "surname": profile.surname_latin,
        "given_names": profile.given_names_latin,
        "date_of_birth": profile.date_of_birth,
        "nationality": profile.nationality,
        "passport_expiry": profile.passport_expiry,
    }
    form = InterestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        applications=applications,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        application = next(a for a in applications if a.reference == data["application"])
        try:
            appointment = cs.interest_register(
                actor=request.user,
                application=application,
                window=window,
                passport=cs.PassportData(
                    surname=data["surname"],
                    given_names=data["given_names"],
                    date_of_birth=data["date_of_birth"],
                    nationality=data["nationality"],
                    passport_number=data["passport_number"],
                    passport_expiry=data["passport_expiry"],
                ),
            )
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your interest is registered. The slots are drawn by lot after "
                    "registration closes; we will write to you if you are given one."
                ),
            )
            return redirect("consular:appointment", entry_id=appointment.entry_id)
    return render(
        request,
        "consular/register.html",
        {"form": form, "window": window},
        status=400 if form.errors else 200,
    )


@applicant_required
@require_GET
def appointment(request, entry_id: str):
    found = access.get_own_appointment(request.user, entry_id)
    return render(
        request,
        "consular/appointment.html",
        {
            "a": found,
            "mission": found.window.mission,
            "draw": found.draw,
            "can_confirm": found.status == AppointmentStatus.OFFERED,
            "can_reschedule": found.status in (AppointmentStatus.OFFERED, AppointmentStatus.BOOKED),
            "can_cancel": found.is_active,
        },
    )


_APPLICANT_ACTIONS = {
    "confirm": (cs.appointment_confirm, _("Your appointment is booked.")),
    "cancel": (cs.appointment_cancel, _("Your appointment is cancelled.")),
    "reschedule": (
        cs.appointment_reschedule,
        _("Your slot is given back. You take part in the next draw of this window."),
    ),
}


@applicant_required
@require_POST
def appointment_act(request, entry_id: str, action: str):
    found = access.get_own_appointment(request.user, entry_id)
    if action not in _APPLICANT_ACTIONS:
        raise Http404(access.NOT_FOUND)
    service, done = _APPLICANT_ACTIONS[action]
    try:
        service(actor=request.user, appointment=found)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("consular:appointment", entry_id=entry_id)


# --- officers -----------------------------------------------------------------------------------

officer_required = _only(lambda user: access.managed_missions(user).exists())


@officer_required
@require_GET
def officer_home(request):
    own = access.officer_mission(request.user)
    if own is not None:
        return redirect("consular:mission", mission_id=own.pk)
    return render(
        request,
        "consular/missions.html",
        {
            "missions": access.managed_missions(request.user).select_related("member_state"),
            "can_edit_missions": access.can_edit_missions(request.user),
        },
    )


def _mission_page(request, mission, *, slots_form=None, window_form=None, status=200):
    return render(
        request,
        "consular/mission.html",
        {
            "mission": mission,
            "windows": selectors.mission_windows(mission),
            "upcoming": selectors.upcoming_slots(mission),
            "held": selectors.held_registrations(mission),
            "slots_form": slots_form or SlotsForm(),
            "window_form": window_form or WindowForm(),
            "today": mission.today(),
        },
        status=status,
    )


@officer_required
@require_GET
def mission(request, mission_id: int):
    return _mission_page(request, access.get_managed_mission(request.user, mission_id))


@officer_required
@require_POST
def slots_publish(request, mission_id: int):
    found = access.get_managed_mission(request.user, mission_id)
    form = SlotsForm(request.POST)
    if form.is_valid():
        try:
            created = cs.slots_publish(
                actor=request.user,
                mission=found,
                day=form.cleaned_data["day"],
                times=form.cleaned_data["times"],
                per_time=form.cleaned_data["per_time"],
            )
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("%(n)s slots published.") % {"n": len(created)})
            return redirect("consular:mission", mission_id=found.pk)
    return _mission_page(request, found, slots_form=form, status=400)


@officer_required
@require_POST
def window_open(request, mission_id: int):
    found = access.get_managed_mission(request.user, mission_id)
    form = WindowForm(request.POST)
    if form.is_valid():
        try:
            cs.window_open(
                actor=request.user,
                mission=found,
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                closes_at=form.closes_at(found.zone),
            )
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The booking window is open for registration."))
            return redirect("consular:mission", mission_id=found.pk)
    return _mission_page(request, found, window_form=form, status=400)


@officer_required
@require_POST
def draw_act(request, mission_id: int, window_id: int, action: str):
    found = access.get_managed_mission(request.user, mission_id)
    window = found.windows.filter(pk=window_id).first()
    if window is None or action not in ("commit", "perform"):
        raise Http404(access.NOT_FOUND)
    try:
        if action == "commit":
            cs.draw_commit(actor=request.user, window=window)
            messages.success(request, _("The draw's commitment is published."))
        else:
            pending = window.draws.filter(performed_at__isnull=True).first()
            if pending is None:
                raise Http404(access.NOT_FOUND)
            cs.draw_perform(actor=request.user, draw=pending)
            messages.success(request, _("The draw is performed and its record published."))
    except RelocardError as exc:
        messages.error(request, exc.message)
    return redirect("consular:mission", mission_id=found.pk)


@officer_required
@require_GET
def day(request, mission_id: int):
    found = access.get_managed_mission(request.user, mission_id)
    try:
        on = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
    except ValueError:
        on = None
    on = on or found.today()
    return render(
        request,
        "consular/day.html",
        {
            "mission": found,
            "on": on,
            "rows": selectors.day_appointments(found, on),
            "reservations": selectors.day_reservations(
                access.mission_reservations(request.user, found), found, on
            ),
            "is_today": on == found.today(),
            "can_check_in": access.officer_mission(request.user) == found,
            "now": timezone.now(),
        },
    )


def _door_check_in(request, form, check, *, done: str, done_url: str, page: str, context):
    """The door's check-in, one flow for booked appointments and reserved slots: the service
    compares the passport (``check(cleaned_data)``); a match redirects with ``done``, a
    mismatch shows the comparison field by field (409), bad input the form's errors (400).
    ``context()`` gives the page's objects, read again after the attempt."""
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = check(form.cleaned_data)
        except RelocardError as exc:
            _fail(form, exc)
        else:
            if result.checked_in:
                messages.success(request, done)
                return redirect(done_url)
            status = 409
    if form.errors:
        status = 400
    return render(request, page, {**context(), "form": form, "result": result}, status=status)


@officer_required
@require_http_methods(["GET", "POST"])
def check_in(request, entry_id: str):
    found = access.get_mission_appointment(request.user, entry_id)

    def context():
        found.refresh_from_db()
        return {"a": found, "mission": found.window.mission}

    return _door_check_in(
        request,
        CheckInForm(request.POST if request.method == "POST" else None),
        lambda data: cs.appointment_check_in(
            actor=request.user, appointment=found, mrz=data["mrz"]
        ),
        done=_("Checked in. The visit is recorded on the case."),
        done_url=reverse("consular:check_in", kwargs={"entry_id": entry_id}),
        page="consular/check_in.html",
        context=context,
    )


@officer_required
@require_http_methods(["GET", "POST"])
def reservation_check_in(request, mission_id: int, reservation_id: int):
    found = access.get_door_reservation(request.user, mission_id, reservation_id)

    def context():
        found.refresh_from_db()
        return {"r": found, "mission": found.slot.mission}

    return _door_check_in(
        request,
        ReservationCheckInForm(request.POST if request.method == "POST" else None),
        lambda data: cs.reservation_check_in(
            actor=request.user, reservation=found, reference=data["reference"], mrz=data["mrz"]
        ),
        done=_("Checked in. The visit is recorded on the reservation."),
        done_url=reverse(
            "consular:reservation_check_in",
            kwargs={"mission_id": mission_id, "reservation_id": reservation_id},
        ),
        page="consular/reservation_check_in.html",
        context=context,
    )


@officer_required
@require_POST
def no_show(request, entry_id: str):
    found = access.get_mission_appointment(request.user, entry_id)
    try:
        cs.appointment_no_show(actor=request.user, appointment=found)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as not come."))
    return redirect("consular:day", mission_id=found.window.mission_id)


@officer_required
@require_POST
def release(request, entry_id: str):
    found = access.get_mission_appointment(request.user, entry_id)
    try:
        cs.appointment_release(actor=request.user, appointment=found)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The registration takes part in the next draw."))
    return redirect("consular:mission", mission_id=found.window.mission_id)


@_only(lambda user: access.missions_in_view(user).exists() and access.can_use_console(user))
@require_GET
def statistics(request):
    return render(
        request,
        "consular/statistics.html",
        {
            "rows": selectors.mission_statistics(access.missions_in_view(request.user)),
            "statuses": AppointmentStatus.choices,
        },
    )


# --- public -------------------------------------------------------------------------------------


# --- missions, for programme staff ----------------------------------------------------------------

editor_required = _only(access.can_edit_missions)


@editor_required
@require_GET
def missions_manage(request):
    missions = access.editable_missions(request.user).select_related("member_state")
    return render(request, "consular/missions_manage.html", {"missions": missions})


def _mission_form_page(request, form, mission=None, officer_form=None):
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "mission": mission}
    if mission is not None:
        context["officers"] = selectors.mission_officers(mission)
        context["officer_form"] = officer_form or OfficerAddForm(
            candidates=selectors.officer_candidates(mission), auto_id="officer_%s"
        )
    return render(request, "consular/mission_form.html", context, status=status)


@editor_required
@require_http_methods(["GET", "POST"])
def mission_add(request):
    form = MissionForm(request.POST or None, member_states=selectors.member_states())
    if request.method == "POST" and form.is_valid():
        try:
            added = cs.mission_create(actor=request.user, **form.cleaned_data)
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The mission %(name)s is added.") % {"name": added})
            return redirect("consular:missions_manage")
    return _mission_form_page(request, form)


@editor_required
@require_http_methods(["GET", "POST"])
def mission_edit(request, mission_id: int):
    found = access.get_editable_mission(request.user, mission_id)
    initial = {name: getattr(found, name) for name in cs.MISSION_EDITABLE}
    initial["opening_weekdays"] = [str(day) for day in sorted(found.weekdays)]
    form = MissionForm(request.POST or None, initial=initial, adding=False)
    if request.method == "POST" and form.is_valid():
        try:
            cs.mission_update(actor=request.user, mission=found, **form.cleaned_data)
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The mission %(name)s is saved.") % {"name": found})
            return redirect("consular:missions_manage")
    return _mission_form_page(request, form, found)


@editor_required
@require_POST
def officer_add(request, mission_id: int):
    """Attach a consular officer to the mission; errors are shown on the mission's page."""
    found = access.get_editable_mission(request.user, mission_id)
    officer_form = OfficerAddForm(
        request.POST, candidates=selectors.officer_candidates(found), auto_id="officer_%s"
    )
    if officer_form.is_valid():
        try:
            post = cs.mission_officer_add(
                actor=request.user, mission=found, account_id=officer_form.cleaned_data["account"]
            )
        except RelocardError as exc:
            _fail(officer_form, exc)
        else:
            messages.success(
                request,
                _("%(email)s is now an officer of %(mission)s.")
                % {"email": post.user.email, "mission": found},
            )
            return redirect("consular:mission_edit", mission_id=found.pk)
    initial = {name: getattr(found, name) for name in cs.MISSION_EDITABLE}
    initial["opening_weekdays"] = [str(day) for day in sorted(found.weekdays)]
    form = MissionForm(initial=initial, adding=False)
    return _mission_form_page(request, form, found, officer_form)


@editor_required
@require_http_methods(["GET", "POST"])
def officer_remove(request, mission_id: int, post_id: int):
    """Removing an officer asks first: a page that names the officer and the mission, and a
    button on it (works without JavaScript)."""
    found = access.get_editable_mission(request.user, mission_id)
    post = access.get_editable_mission_officer(request.user, found, post_id)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        return render(request, "consular/officer_remove.html", {"mission": found, "post": post})
    try:
        cs.mission_officer_remove(actor=request.user, post=post)
    except RelocardError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(email)s is no longer an officer of %(mission)s.")
            % {"email": post.user.email, "mission": found},
        )
    return redirect("consular:mission_edit", mission_id=found.pk)


@editor_required
@require_http_methods(["GET", "POST"])
def officer_move(request, mission_id: int, post_id: int):
    found = access.get_editable_mission(request.user, mission_id)
    post = access.get_editable_mission_officer(request.user, found, post_id)
    targets = selectors.move_targets(post)
    form = OfficerMoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = access.get_editable_mission(request.user, int(form.cleaned_data["mission"]))
        try:
            cs.mission_officer_move(actor=request.user, post=post, mission=target)
        except RelocardError as exc:
            _fail(form, exc)
        else:
            messages.success(
                request,
                _("%(email)s is now an officer of %(mission)s.")
                % {"email": post.user.email, "mission": target},
            )
            return redirect("consular:mission_edit", mission_id=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "consular/officer_move.html",
        {"mission": found, "post": post, "form": form, "has_targets": targets.exists()},
        status=status,
    )


@require_GET
def draw_record(request, mission_id: int, window_id: int, number: int):
    """A draw's public record: its commitment before, everything after (no personal data)."""
    found = selectors.public_draw(mission_id, window_id, number)
    if found is None:
        raise Http404(access.NOT_FOUND)
    response = JsonResponse(selectors.draw_public_record(found), json_dumps_params={"indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response
