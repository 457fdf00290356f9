"""The API's error codes are its own, published, stable table.

``PUBLISHED`` below is the list as documented to API clients (docs/verification.md, the
OpenAPI schema). A code may be added to the API; none may be renamed, removed or moved to
another HTTP status, and each service error keeps its code whatever its field or message is
called. Changing this file to make a test pass is changing the public API: clients' code
switches on these strings.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from relocard.common.errors import InvalidInput, InvalidState, NotAllowed, RelocardError
from relocard.verification import api
from relocard.verification.errors import (
    InvalidPayload,
    InvalidReason,
    InvalidShareCode,
    QrImageError,
    RateLimited,
    WrongPurpose,
)

PUBLISHED = {
    "bad_request": 400,
    "invalid_share_code": 400,
    "wrong_purpose": 400,
    "invalid_reason": 400,
    "invalid_payload": 400,
    "qr_not_found": 400,
    "unauthorized": 401,
    "not_approved": 403,
    "not_found": 404,
    "payload_too_large": 413,
    "invalid_request": 422,
    "rate_limited": 429,
}

SERVICE_ERRORS = [
    (InvalidShareCode("x", field="code"), "invalid_share_code"),
    (InvalidReason("x", field="reason"), "invalid_reason"),
    (InvalidPayload("x", field="payload"), "invalid_payload"),
    (WrongPurpose("x", field="code"), "wrong_purpose"),
    (WrongPurpose("x", field="purpose"), "wrong_purpose"),
    (QrImageError("x"), "qr_not_found"),
    (NotAllowed("x"), "not_approved"),
    (RateLimited("x", retry_after=3, scope="ip"), "rate_limited"),
    (InvalidInput("x", field="date_of_birth"), "invalid_request"),
    (InvalidState("x"), "bad_request"),
    (RelocardError("x"), "bad_request"),
]


def test_no_published_code_changes_or_disappears():
    for code, status in PUBLISHED.items():
        assert code in api.PUBLIC_ERRORS, f"public error code {code!r} disappeared"
        assert api.PUBLIC_ERRORS[code][0] == status, f"{code!r} moved to another status"
        assert api.PUBLIC_ERRORS[code][1], f"{code!r} has no meaning documented"


@pytest.mark.parametrize(("error", "code"), SERVICE_ERRORS, ids=lambda v: type(v).__name__)
def test_each_service_error_keeps_its_code(error, code):
    assert api.error_code(error) == code
    assert api.ERROR_CODES.get(type(error), code) == code


@pytest.mark.parametrize(
    "error_class", [InvalidShareCode, InvalidReason, InvalidPayload, WrongPurpose]
)
def test_renaming_a_field_changes_no_code(error_class):
    assert api.error_code(error_class("x", field="renamed")) == api.error_code(error_class("x"))


def test_every_code_the_table_gives_is_public():
    assert set(api.ERROR_CODES.values()) <= set(api.PUBLIC_ERRORS)


def test_the_schema_lists_every_code_and_its_meaning(client):
    schema = client.get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["Error"]["properties"]["code"]
    assert set(error["enum"]) == set(api.PUBLIC_ERRORS)
    for code, (status, meaning) in api.PUBLIC_ERRORS.items():
        assert f"`{code}` ({status}): {meaning}" in error["description"]


def test_the_docs_list_every_code_with_its_status():
    docs = pathlib.Path(__file__).resolve().parents[2] / "docs" / "verification.md"
    text = docs.read_text()
    for code, (status, _meaning) in api.PUBLIC_ERRORS.items():
        assert f"| `{code}` | {status} |" in text, code


@pytest.mark.django_db
def test_a_service_error_without_a_code_of_its_own_is_an_invalid_request(rf, api_key):
    """A service's input error that no API field can cause today still answers a listed
    code with its status, and says which field."""
    from relocard.verification.services import api_key_authenticate

    request = rf.post("/api/checks/share-code")
    request.api_key = api_key_authenticate(api_key[0])
    response = api._relocard_error(request, InvalidInput("Enter it.", field="date_of_birth"))
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "code": "invalid_request",
        "message": "Enter it.",
        "fields": [{"field": "date_of_birth", "message": "Enter it."}],
    }
