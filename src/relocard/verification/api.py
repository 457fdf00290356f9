"""The verification API for banks', employers' and letting agents' own systems (django-ninja).

OpenAPI at ``/api/openapi.json``, documentation at ``/api/docs``. One endpoint per operation,
each with its own input and output schema. Every request but ``/api/ping`` carries the
organisation's key in the ``X-API-Key`` header (made on the organisation page, shown once,
stored hashed). Every error is ``{"code": ..., "message": ...}`` with a stable ``code`` from
the API's own table, :data:`PUBLIC_ERRORS` (code, HTTP status, meaning; the schema's
``Error.code`` lists them); :data:`ERROR_CODES` says which code each service error gets, by
its class, never by a field's or class's name. A public code never changes meaning or
disappears (tests/verification/test_api_errors.py holds the published list).

A share code and date of birth that do not match are not an error: the check is recorded
and answered ``"result": "no_match"``, the same bytes (but for the check id and time) whether
the code or the date of birth was wrong.

The benchmark's baseline, ``POST /api/bench/audited-write`` (bench/verify_http.py), is mounted
only when ``RELOCARD_BENCH_BASELINE`` is set, never in production.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.conf import settings
from django.http import Http404, HttpResponse
from ninja import File, Form, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security import APIKeyHeader
from pydantic import Field

from relocard.common import access
from relocard.common.errors import InvalidInput, NotAllowed, RelocardError
from relocard.common.text import FreeText
from relocard.verification import benchmark, ratelimit, selectors, services
from relocard.verification.codes import CodeFormatError, normalise_check_id
from relocard.verification.errors import (
    InvalidPayload,
    InvalidReason,
    InvalidShareCode,
    QrImageError,
    RateLimited,
    WrongPurpose,
)
from relocard.verification.models import CardCheck
from relocard.verification.qrimage import decode_qr
from relocard.verification.record import check_record_pdf

PurposeName = Literal["work", "rent", "bank"]
ResultName = Literal[
    "valid", "not_valid", "no_match", "not_genuine", "not_relocard", "status_unknown"
]


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def _get_key(self, request):
        # The header as the WSGI server passed it, without building request.headers.
        return request.META.get("HTTP_X_API_KEY")

    def authenticate(self, request, key):
        api_key = services.api_key_authenticate(key) if key else None
        if api_key is not None:
            request.api_key = api_key
        return api_key


api = NinjaAPI(
    title="Relocard verification API",
    version="1",
    description=(
        "Check a relocatee card from your own systems: by share code and date of birth, or "
        "by the card's QR code. Authenticate with your organisation's key in `X-API-Key`. "
        "Every check is recorded and shown to the card holder."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=ApiKeyAuth(),
)


# --- error codes: the API's own, stable -------------------------------------------------------

#: Every public error code: its HTTP status and what it means. Part of the API's contract: a
#: code may be added, never renamed, removed or moved to another status.
PUBLIC_ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "the body is not JSON or not a form"),
    "invalid_share_code": (400, "the share code has the wrong shape (not: no such code)"),
    "wrong_purpose": (400, "the code or purpose is not one this organisation checks"),
    "invalid_reason": (400, "the stated reason is empty or too long"),
    "invalid_payload": (400, "no QR text given"),
    "qr_not_found": (400, "the upload holds no readable QR code"),
    "unauthorized": (401, "no key, or a key that is not valid"),
    "not_approved": (403, "the organisation is not approved (yet, or any more)"),
    "not_found": (404, "no such check of this organisation"),
    "payload_too_large": (413, "the upload is too large"),
    "invalid_request": (422, "a field is missing or of the wrong type (fields says which)"),
    "rate_limited": (429, "too many checks; wait Retry-After seconds"),
}

#: The public code of each service error (:mod:`relocard.verification.errors`): the most
#: specific class listed wins. Keyed on the classes, so that renaming a service's field or a
#: message changes nothing here.
ERROR_CODES: dict[type[RelocardError], str] = {
    RateLimited: "rate_limited",
    NotAllowed: "not_approved",
    WrongPurpose: "wrong_purpose",
    QrImageError: "qr_not_found",
    InvalidShareCode: "invalid_share_code",
    InvalidReason: "invalid_reason",
    InvalidPayload: "invalid_payload",
    InvalidInput: "invalid_request",
    RelocardError: "bad_request",
}


def error_code(exc: RelocardError) -> str:
    """The public code of a service error, from :data:`ERROR_CODES`."""
    return next(ERROR_CODES[cls] for cls in type(exc).__mro__ if cls in ERROR_CODES)


ErrorCode = Literal[tuple(PUBLIC_ERRORS)]


# --- schemas --------------------------------------------------------------------------------


class FieldError(Schema):
    field: str
    message: str


class Error(Schema):
    code: ErrorCode = Field(
        description="Stable, machine-readable error code: "
        + "; ".join(f"`{c}` ({s}): {m}" for c, (s, m) in PUBLIC_ERRORS.items())
        + "."
    )
    message: str = Field(description="What was wrong and what to do, in English.")
    fields: list[FieldError] | None = Field(
        default=None, description="For invalid_request: which fields were wrong."
    )


class Ping(Schema):
    status: Literal["ok"]


class ShareCodeCheckIn(Schema):
    code: str = Field(
        min_length=1,
        max_length=40,
        description="The 9-character share code the holder gave you, e.g. R7K 3MX 9QH.",
    )
    date_of_birth: date = Field(description="The holder's date of birth, YYYY-MM-DD.")
    reason: FreeText = Field(
        min_length=1,
        max_length=200,
        description="Why you are checking; the holder reads it.",
    )


class QrCheckIn(Schema):
    payload: str = Field(
        min_length=1,
        max_length=4000,
        description="The text of the card's QR code, starting with 'RC1:'.",
    )
    reason: FreeText = Field(min_length=1, max_length=200)
    purpose: PurposeName | None = Field(
        default=None, description="Defaults to the purpose your organisation checks."
    )


class QrImageIn(Schema):
    reason: FreeText = Field(min_length=1, max_length=200)
    purpose: PurposeName | None = None


class Holder(Schema):
    name: str = Field(description="Surname, given names, as in the passport's Latin line.")
    member_state: str = Field(description="The member state that issued the card.")
    valid_until: date | None
    right: str = Field(description="The right this purpose is about, e.g. Right to rent.")
    has_right: bool | None = Field(
        description=(
            "True when the card is valid today, false when it is not; null when the card is "
            "genuine but its revocation could not be checked (result `status_unknown`): "
            "do not rely on the card then."
        )
    )


class CheckOut(Schema):
    check_id: str
    checked_at: datetime
    method: Literal["share_code", "qr"]
    purpose: PurposeName
    result: ResultName = Field(
        description=(
            "`valid`: the card is valid today. `not_valid`: it is not (revoked, suspended, "
            "expired or not yet valid). `no_match`: the share code and date of birth do not "
            "match a code in use. `not_genuine`: the QR code is in the card's format but "
            "not a genuine card (a bad signature, an unknown issuer, damaged or tampered "
            "data): treat it as a possible forgery. `not_relocard`: the QR code is not a "
            "relocatee card's at all (another kind of code was scanned). "
            "`status_unknown`: a genuine card whose revocation could not be checked (its "
            "status list could not be fetched, did not verify, is older than its "
            "time-to-live or does not cover the card); never treat it as valid, check "
            "again later."
        )
    )
    message: str
    holder: Holder | None = Field(
        description="Only when the details matched or the QR code is a genuine card."
    )
    record_url: str = Field(description="The PDF record of this check (same API key).")
    confirm_url: str = Field(description="Where anyone can confirm the check by its id.")


class Step(Schema):
    step: str
    ok: bool | None
    detail: str


class QrCheckOut(CheckOut):
    status: str = Field(
        description=(
            "The offline verifier's verdict: valid, revoked, suspended, expired, "
            "not_yet_valid, status_unknown (revocation could not be checked), "
            "unknown_issuer, bad_signature, malformed or not_relocard (not a relocatee "
            "card's format at all)."
        )
    )
    steps: list[Step] = Field(description="Each layer the verifier checked, in order.")


# --- errors ---------------------------------------------------------------------------------


def _error(request, code: str, message, fields=None, headers=None) -> HttpResponse:
    body = {"code": code, "message": str(message)}
    if fields is not None:
        body["fields"] = fields
    response = api.create_response(request, body, status=PUBLIC_ERRORS[code][0])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(RelocardError)
def _relocard_error(request, exc: RelocardError):
    code = error_code(exc)
    if isinstance(exc, RateLimited):
        return _error(request, code, exc.message, headers={"Retry-After": str(exc.retry_after)})
    if code == "invalid_request":
        fields = [{"field": exc.field or "", "message": str(exc.message)}]
        return _error(request, code, exc.message, fields)
    return _error(request, code, exc.message)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _error(
        request,
        "unauthorized",
        "Send your organisation's API key in the X-API-Key header. Make one on your organisation's page.",
        headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'},
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {400: "bad_request", 401: "unauthorized", 403: "not_approved", 404: "not_found"}
    return _error(request, codes.get(exc.status_code, "bad_request"), exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    # Locations and messages only, never the input: nothing the caller sent is echoed.
    fields = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload")),
            "message": str(e.get("msg", "invalid")),
        }
        for e in exc.errors
    ]
    return _error(
        request, "invalid_request", "Some fields are missing or wrong: see fields.", fields
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, "not_found", "No check of your organisation has this id.")


# --- helpers --------------------------------------------------------------------------------


ERRORS = {400: Error, 401: Error, 403: Error, 422: Error, 429: Error}
MESSAGES = {
    "valid": "The card is valid: the holder has this right today.",
    "not_valid": "The card is not valid today: the holder cannot rely on it for this right.",
    "no_match": (
        "The share code and the date of birth do not match a code in use. Check both with the "
        "person: a code may also have expired or been revoked."
    ),
    "not_genuine": "This QR code is not a genuine relocatee card.",
    "not_relocard": (
        "This is not a relocatee card's QR code: ask the holder for the QR code on their "
        "card or in their wallet."
    ),
    "status_unknown": (
        "Status unknown: revocation could not be checked. The card is genuine, but whether it "
        "was revoked or suspended could not be checked now. Do not rely on it; check again later."
    ),
}


def _limit(request) -> None:
    ratelimit.check_allowed(
        ip=ratelimit.client_ip(request), organisation_id=request.api_key.organisation_id
    )


def _out(request, check: CardCheck) -> dict:
    summary = selectors.check_summary(check)
    holder = None
    if summary.matched:
        holder = {
            "name": summary.name,
            "member_state": summary.member_state,
            "valid_until": summary.valid_until,
            "right": summary.right_label,
            "has_right": summary.has_right,
        }
    base = settings.RELOCARD_BASE_URL
    return {
        "check_id": summary.check_id,
        "checked_at": summary.checked_at,
        "method": summary.method,
        "purpose": summary.purpose,
        "result": summary.result,
        "message": MESSAGES[summary.result],
        "holder": holder,
        "record_url": f"{base}/api/checks/{summary.check_id}/record.pdf",
        "confirm_url": f"{base}/verify/confirm/?check_id={summary.check_id}",
    }


def _qr_out(request, check: CardCheck, verification) -> dict:
    out = _out(request, check)
    out["status"] = verification.status
    out["steps"] = [c.to_dict() for c in verification.checks]
    return out


def _rendered(body: dict) -> HttpResponse:
    """A check's answer, rendered as django-ninja would render it, without validating it
    against its schema again on every request: ``_out`` builds exactly the schema's fields, in
    its order and types (tests/verification/test_api.py compares the two renderings)."""
    return HttpResponse(
        api.renderer.render(None, body, response_status=200), content_type=api.get_content_type()
    )


def _qr_check(request, payload: str, purpose: str | None, reason: str) -> HttpResponse:
    organisation = request.api_key.organisation
    check, verification = services.check_by_qr(
        organisation=organisation,
        api_key=request.api_key,
        payload=payload,
        purpose=purpose or organisation.purposes[0],
        reason=reason,
    )
    return _rendered(_qr_out(request, check, verification))


# --- endpoints ------------------------------------------------------------------------------


@api.get("/ping", auth=None, response=Ping, summary="Is the service up?", tags=["service"])
def ping(request):
    """Touches no database: for load balancers and to measure the server itself."""
    return {"status": "ok"}


@api.post(
    "/checks/share-code",
    response={200: CheckOut, **ERRORS},
    summary="Check a card by share code and date of birth",
    tags=["checks"],
)
def check_share_code(request, body: ShareCodeCheckIn):
    """The holder's share code and date of birth; the result shows only what the code's
    purpose needs. A mismatch is ``result: no_match``, the same for a wrong code or date."""
    _limit(request)
    check = services.check_by_share_code(
        organisation=request.api_key.organisation,
        api_key=request.api_key,
        code=body.code,
        date_of_birth=body.date_of_birth,
        reason=body.reason,
    )
    return _rendered(_out(request, check))


@api.post(
    "/checks/qr",
    response={200: QrCheckOut, **ERRORS},
    summary="Check a card by the text of its QR code",
    tags=["checks"],
)
def check_qr(request, body: QrCheckIn):
    """Offline verification of the signed QR payload, revocation by the status list included."""
    _limit(request)
    return _qr_check(request, body.payload, body.purpose, body.reason)


@api.post(
    "/checks/qr-image",
    response={200: QrCheckOut, 413: Error, **ERRORS},
    summary="Check a card from a photo, scan or PDF of it",
    tags=["checks"],
)
def check_qr_image(request, file: File[UploadedFile], data: Form[QrImageIn]):
    """The QR code is read on the server (PNG, JPEG or PDF, at most 10 MB)."""
    _limit(request)
    limit = settings.RELOCARD_QR_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        return Status(
            413,
            {
                "code": "payload_too_large",
                "message": f"The file is larger than {limit} bytes. Upload a smaller photo or scan.",
            },
        )
    payload = decode_qr(file.read(limit + 1))
    return _qr_check(request, payload, data.purpose, data.reason)


@api.get(
    "/checks/{check_id}",
    response={200: CheckOut, 401: Error, 404: Error},
    summary="A check your organisation made",
    tags=["checks"],
)
def get_check(request, check_id: str):
    check = _key_check(request, check_id)
    return Status(200, _out(request, check))


@api.get(
    "/checks/{check_id}/record.pdf",
    response={401: Error, 404: Error},
    summary="The PDF record of a check",
    tags=["checks"],
    openapi_extra={
        "responses": {
            "200": {
                "description": "The record, as a PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_check_record(request, check_id: str):
    check = _key_check(request, check_id)
    summary = selectors.check_summary(check)
    by = (
        f"API key {check.api_key.prefix}... ({check.api_key.name})"
        if check.api_key_id
        else (check.checked_by.email if check.checked_by_id else "")
    )
    response = HttpResponse(
        check_record_pdf(summary, checked_by=by), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{check.check_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _key_check(request, check_id: str) -> CardCheck:
    """A check of the key's organisation (its view audited), or 404."""
    try:
        normalised = normalise_check_id(check_id)
    except CodeFormatError:
        raise Http404("No such check.") from None
    check = access.get_key_check(request.api_key, normalised)
    services.check_viewed(actor=None, check=check, api_key=request.api_key)
    return check


# --- the benchmark's baseline (never mounted in production) --------------------------------


def bench_audited_write(request):
    """Authenticate the key, append one audit event through the audit writer, commit: what a
    durable, audited write costs on this server, the checks' baseline in bench/verify_http.py."""
    benchmark.audited_write(api_key=request.api_key)
    return {"status": "ok"}


def mount_bench_baseline(target: NinjaAPI) -> None:
    """Add ``POST /bench/audited-write`` to ``target`` (left out of its OpenAPI schema)."""
    target.post("/bench/audited-write", response=Ping, include_in_schema=False)(bench_audited_write)


if settings.RELOCARD_BENCH_BASELINE:  # set by bench/verify_http.py for its own server only
    mount_bench_baseline(api)
