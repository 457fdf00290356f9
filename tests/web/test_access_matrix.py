"""The permission matrix: every view x every role x own and other member state.

"Sees" means the page renders (not 404, not a redirect to sign in). For actions, "can" means
the action took effect; everyone else gets a 404 or an error page, and nothing changes.
Cases live in FR; "other" staff belong to DE (programme admins see all member states).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.conftest import NO_LANGUAGE_EVIDENCE

from relocard.cases.models import Application

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "owner",
    "other_applicant",
    "consular_officer",
    "caseworker",
    "supervisor",
    "auditor",
    "programme_admin",
    # reads the screening of its member state's cases (tests/screening), no card case page
    "screening_officer",
]
STAFF_READERS = {"caseworker", "supervisor", "auditor", "programme_admin"}


@pytest.fixture
def actors(make_user, make_applicant):
    from relocard.accounts.models import Role

    def make(role: str, member_state: str, owner):
        if role == "anonymous":
            return None
        if role == "owner":
            return owner
        if role == "other_applicant":
            return make_applicant().user
        return make_user(role, None if role == Role.PROGRAMME_ADMIN else member_state)

    return make


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _denied(response) -> bool:
    if response.status_code in (403, 404):
        return True
    # Signed-out users go to sign in; staff opening an applicant's page go to their console.
    return response.status_code == 302 and response["Location"].startswith(
        ("/accounts/login/", "/console/")
    )


# --- pages ---------------------------------------------------------------------------------

CONSOLE_PAGES = [
    "console:queue",
    "console:case",
    "console:evidence_file",
    "console:audit",
    "console:embassy_new",
    "console:appeals",
    "console:transfers",
    "console:duplicates",
]
PORTAL_PAGES = [
    "portal:dashboard",
    "portal:case",
    "portal:evidence_file",
    "portal:receipt",
    "portal:renew",
    "portal:appeal",
    "portal:transfer",
    "presence:trips",
    "portal:messages",
    "portal:message",
]
#: Pages without a case in their address.
LISTS = {
    "console:queue",
    "console:audit",
    "console:embassy_new",
    "console:appeals",
    "console:transfers",
    "console:duplicates",
    "portal:dashboard",
    "presence:trips",
    "portal:messages",
}


def expected_page(view: str, role: str, own: bool, channel: str) -> bool:
    if view in ("console:queue", "console:appeals"):
        return role in STAFF_READERS | {"consular_officer"}
    if view == "console:transfers":  # incoming transfers: staff who belong to a member state
        return role in (STAFF_READERS | {"consular_officer"}) - {"programme_admin"}
    if view == "console:duplicates":  # the possible duplicates of the user's member state
        return role in STAFF_READERS
    if view == "console:audit":
        return role in {"auditor", "supervisor", "programme_admin"}
    if view == "console:embassy_new":
        return role == "consular_officer"
    if view in ("console:case", "console:evidence_file"):
        if role == "programme_admin":
            return True
        if role in STAFF_READERS:
            return own
        return role == "consular_officer" and own and channel == "embassy"
    if view in ("portal:dashboard", "presence:trips", "portal:messages"):
        return role in {"owner", "other_applicant"}
    # portal case pages: the owner; and the consular officer who opened an embassy case
    return role == "owner"


def _url(view: str, app: Application) -> str:
    if view in LISTS:
        return reverse(view)
    if view == "portal:message":  # the message that the case's submission left its owner
        from relocard.common.models import Message

        return reverse(view, args=[Message.objects.get(user=app.applicant.user).pk])
    if view.endswith("evidence_file"):
        return reverse(view, args=[app.reference, app.evidence.first().pk])
    return reverse(view, args=[app.reference])


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", CONSOLE_PAGES + PORTAL_PAGES)
def test_page_visibility(client, make_case, actors, view, role, own):
    app = make_case("submitted")
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).get(_url(view, app))
    assert (not _denied(response)) == expected_page(view, role, own, app.channel), (
        response.status_code
    )


# --- actions -------------------------------------------------------------------------------

ACTIONS = {
    # view: (state before, POST data builder, state after if allowed, roles allowed)
    "console:start_review": (
        "submitted",
        lambda app: {"version": app.version},
        "in_review",
        {"caseworker", "supervisor"},
    ),
    "console:request_correction": (
        "in_review",
        lambda app: {"version": app.version, "message": "Add it."},
        "correction_requested",
        {"caseworker", "supervisor"},
    ),
    "console:approve": (
        "in_review",
        lambda app: {"version": app.version},
        "approved",
        {"caseworker", "supervisor"},
    ),
    "console:refuse": (
        "in_review",
        lambda app: {"version": app.version, "reason_means": "Too little."},
        "refusal_proposed",
        {"caseworker", "supervisor"},
    ),
    "console:confirm_refusal": (
        "refusal_proposed",
        lambda app: {"version": app.version, "confirm": "on"},
        "refused",
        {"supervisor"},
    ),
    "console:return_refusal": (
        "refusal_proposed",
        lambda app: {"version": app.version, "reason": "Recheck."},
        "in_review",
        {"supervisor"},
    ),
    "console:propose_approval": (
        ("in_review", {"evidence": NO_LANGUAGE_EVIDENCE}),
        lambda app: {"version": app.version, "exception_language": "Works in French daily."},
        "approval_proposed",
        {"caseworker", "supervisor"},
    ),
    "console:confirm_approval": (
        ("approval_proposed", {"evidence": NO_LANGUAGE_EVIDENCE}),
        lambda app: {"version": app.version},
        "approved",
        {"supervisor"},
    ),
    "console:return_approval": (
        ("approval_proposed", {"evidence": NO_LANGUAGE_EVIDENCE}),
        lambda app: {"version": app.version, "reason": "Ask for the certificate."},
        "in_review",
        {"supervisor"},
    ),
    "portal:withdraw": ("submitted", lambda app: {"confirm": "on"}, "withdrawn", {"owner"}),
}


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", list(ACTIONS))
def test_action_effect(client, make_case, actors, view, role, own):
    before, data, after, allowed = ACTIONS[view]
    before, case_options = before if isinstance(before, tuple) else (before, {})
    app = make_case(before, **case_options)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).post(_url(view, app), data(app))
    app.refresh_from_db()
    may = role in allowed and (own or role == "owner")
    assert (app.state == after) == may, (response.status_code, app.state)
    if not may:
        assert app.state == before
        assert response.status_code in (302, 400, 403, 404)


# --- walk-in invitations (issue 11, finding 5) ----------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "invited"])
def test_walkin_link_is_used_only_by_the_invited_address(client, staff, actors, role):
    """Anyone holding the link sees the page; only the applicant account of the invited
    address links the case (the others: an error, nothing changes)."""
    from django.core import mail
    from tests.conftest import PROFILE

    from relocard.cases import walkins
    from relocard.cases.models import WalkInInvitation

    app = walkins.embassy_case_open(
        actor=staff["consular_officer"],
        email="invited@example.test",
        profile={**PROFILE, "passport_number": "771234567"},
    )
    url = next(w for w in mail.outbox[-1].body.split() if "/walk-in/" in w)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    if role == "invited":
        from relocard.accounts.models import Role, User

        user = User.objects.create_user("invited@example.test", "a-long-pass", role=Role.APPLICANT)
    else:
        user = actors(role, "FR", app.applicant.user)
    _client(client, user)
    assert client.get(path).status_code == 200
    client.post(path)
    linked = WalkInInvitation.objects.get(application=app).linked_at is not None
    assert linked == (role == "invited")


# --- changes of identity details -------------------------------------------------------------

IDENTITY_PAGES = [
    "console:identity_changes",
    "console:identity_change",
    "console:identity_change_file",
    "portal:identity_change",
]


def _identity_request(app):
    from tests.conftest import png_bytes, upload

    from relocard.cases.identity_changes import identity_change_request

    return identity_change_request(
        actor=app.applicant.user,
        applicant=app.applicant,
        kind="new_passport",
        data={"surname_latin": "PETROVA"},
        upload=upload(png_bytes(), "p.png", "image/png"),
    )


def expected_identity_page(view: str, role: str, own: bool) -> bool:
    if view == "console:identity_changes":  # each sees the list of their own member state
        return role in {"caseworker", "supervisor"}
    if view == "portal:identity_change":  # applicants, each their own
        return role in {"owner", "other_applicant"}
    return role in {"caseworker", "supervisor"} and own


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
def test_resolving_a_possible_duplicate(client, make_case, actors, role, own):
    """Only caseworkers and supervisors of the case's member state resolve its hits."""
    from relocard.cases import services as cs
    from relocard.cases.models import DuplicateHit

    app = make_case("submitted")
    other = cs.application_start(
        actor=app.applicant.user, applicant=app.applicant, member_state_code="DE"
    )
    hit = DuplicateHit.objects.create(
        application=app,
        kind="open_case",
        matched_on="passport",
        other_application=other,
        other_member_state_id="DE",
        other_reference=other.reference,
        found_at=app.submitted_at,
    )
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).post(
        reverse("console:resolve_duplicate", args=[app.reference, hit.pk]), {"reason": "Checked."}
    )
    hit.refresh_from_db()
    may = role in {"caseworker", "supervisor"} and own
    assert (hit.resolved_at is not None) == may, response.status_code


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", IDENTITY_PAGES)
def test_identity_change_page_visibility(client, make_case, actors, view, role, own):
    app = make_case("approved")
    request = _identity_request(app)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    lists = ("console:identity_changes", "portal:identity_change")
    url = reverse(view) if view in lists else reverse(view, args=[request.pk])
    response = _client(client, user).get(url)
    assert (not _denied(response)) == expected_identity_page(view, role, own), response.status_code


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
def test_identity_change_decision(client, make_case, actors, role, own):
    app = make_case("approved")
    request = _identity_request(app)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).post(
        reverse("console:identity_change", args=[request.pk]), {"outcome": "approve"}
    )
    request.refresh_from_db()
    may = role in {"caseworker", "supervisor"} and own
    assert (request.status == "approved") == may, (response.status_code, request.status)
    if not may:
        assert request.status == "requested"
        assert response.status_code in (302, 400, 403, 404)


# --- at the mission (relocard.enrolment) -----------------------------------------------------

MISSION_PAGES = [
    "enrolment:mission",
    "enrolment:photo_upload",
    "enrolment:photo",
    "enrolment:receipt",
]


def _embassy_case_with_photo_and_fee(make_case, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.enrolment.conftest import photo_bytes

    from relocard.cases.models import Channel
    from relocard.enrolment import services

    app = make_case("submitted")
    Application.objects.filter(pk=app.pk).update(channel=Channel.EMBASSY)
    app.refresh_from_db()
    officer = staff["consular_officer"]
    services.fee_record(actor=officer, application=app, amount="99", method="cash")
    upload = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    services.photo_upload(actor=officer, application=app, upload=upload)
    return app


def expected_mission_page(view: str, role: str, own: bool) -> bool:
    if view == "enrolment:mission":
        return role == "consular_officer" and own
    if view == "enrolment:photo_upload":
        return role == "owner" or (role == "consular_officer" and own)
    # the photo and the receipt: whoever may read the case
    if role == "programme_admin":
        return True
    return role == "owner" or (role in STAFF_READERS | {"consular_officer"} and own)


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", MISSION_PAGES)
def test_mission_page_visibility(client, make_case, staff, actors, view, role, own):
    app = _embassy_case_with_photo_and_fee(make_case, staff)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).get(reverse(view, args=[app.reference]))
    assert (not _denied(response)) == expected_mission_page(view, role, own), response.status_code


@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
def test_recording_biometrics(client, make_case, staff, actors, role, own):
    from relocard.enrolment.models import BiometricEnrolment

    app = _embassy_case_with_photo_and_fee(make_case, staff)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    response = _client(client, user).post(
        reverse("enrolment:biometrics", args=[app.reference]),
        {"device_reference": "ST-7", "place": "Moscow"},
    )
    may = role == "consular_officer" and own
    assert BiometricEnrolment.objects.filter(application=app).exists() == may
    if not may:
        assert response.status_code in (302, 404)


# --- decision letters ------------------------------------------------------------------------


@pytest.mark.render_letters
@pytest.mark.parametrize("own", [True, False], ids=["own_state", "other_state"])
@pytest.mark.parametrize("role", ROLES)
def test_decision_letter_download(client, make_case, actors, role, own):
    from relocard.audit.models import AuditEvent
    from relocard.letters.models import DecisionLetter

    app = make_case("approved")
    letter = DecisionLetter.objects.get(application=app)
    user = actors(role, "FR" if own else "DE", app.applicant.user)
    url = reverse("letters:download", args=[app.reference, letter.reference])
    response = _client(client, user).get(url)
    allowed = role == "owner" or role == "programme_admin" or (role in STAFF_READERS and own)
    assert (not _denied(response)) == allowed, (role, own, response.status_code)
    downloads = AuditEvent.objects.filter(action="letter.downloaded", object_id=str(letter.pk))
    if allowed:
        assert response["Content-Type"] == "application/pdf"
        assert (
            b"".join(response.streaming_content if response.streaming else [response.content])[:5]
            == b"%PDF-"
        )
        assert downloads.get().actor_id == user.pk
    else:
        assert not downloads.exists()
