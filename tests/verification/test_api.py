"""The verification API over HTTP: keys, both checks, errors, rate limits, no echo."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from django.test.utils import override_settings

from relocard.audit.models import AuditEvent
from relocard.cards import credentials as creds
from relocard.verification.models import CardCheck

pytestmark = pytest.mark.django_db
URL = "/api/checks/share-code"


def post(client, key, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_X_API_KEY=key)


def body(code, birthday, reason="Tenancy application"):
    return {"code": code, "date_of_birth": str(birthday), "reason": reason}


def test_ping_needs_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/api/ping")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_docs_and_schema_are_served_with_our_csp(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/checks/share-code", "/api/checks/qr", "/api/checks/qr-image"} <= set(
        schema["paths"]
    )
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"/static/ninja/swagger-ui-bundle.js" in docs.content
    assert "script-src 'self'" in docs["Content-Security-Policy"]


@pytest.mark.parametrize("key", [None, "", "rck_nope", "x" * 500])
def test_no_key_no_check(client, card, make_code, key):
    code = make_code("rent")
    headers = {} if key is None else {"HTTP_X_API_KEY": key}
    response = client.post(
        URL,
        json.dumps(body(code, card.applicant.date_of_birth)),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized" and "X-API-Key" in response.json()["message"]
    assert not CardCheck.objects.exists()


def test_a_share_code_check(client, card, make_code, api_key):
    key, _user = api_key
    code = make_code("rent")
    response = post(client, key, URL, body(code, card.applicant.date_of_birth))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (
        data["result"] == "valid" and data["purpose"] == "rent" and data["method"] == "share_code"
    )
    assert data["holder"] == {
        "name": card.applicant.latin_name,
        "member_state": "FR",
        "valid_until": card.valid_until.isoformat(),
        "right": "Right to rent",
        "has_right": True,
    }
    # Only what the purpose needs: no birthday, card number, passport or Cyrillic name.
    text = response.content.decode()
    for secret in (
        card.number,
        card.applicant.passport_number,
        card.applicant.surname_cyrillic,
        card.applicant.date_of_birth.isoformat(),
    ):
        assert secret not in text
    recorded = CardCheck.objects.get(check_id=data["check_id"])
    assert recorded.api_key.prefix == key[:12] and recorded.checked_by is None
    # The same check can be read again and printed, by the same organisation only.
    again = client.get(f"/api/checks/{data['check_id']}", HTTP_X_API_KEY=key)
    assert again.status_code == 200 and again.json()["result"] == "valid"
    pdf = client.get(f"/api/checks/{data['check_id']}/record.pdf", HTTP_X_API_KEY=key)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="verification.check_viewed").count() == 2


def test_another_organisation_cannot_read_a_check(client, card, make_code, api_key, make_verifier):
    from relocard.verification import services

    key, _user = api_key
    data = post(client, key, URL, body(make_code("rent"), card.applicant.date_of_birth)).json()
    _row, other = services.api_key_create(actor=make_verifier("letting_agent"), name="Other")
    for path in (f"/api/checks/{data['check_id']}", f"/api/checks/{data['check_id']}/record.pdf"):
        response = client.get(path, HTTP_X_API_KEY=other)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def _masked(response) -> bytes:
    text = response.content.decode()
    text = re.sub(r"CHK-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}", "CHK-ID", text)
    return re.sub(r'"checked_at":\s*"[^"]+"', '"checked_at": "TIME"', text).encode()


def test_wrong_code_and_wrong_birthday_give_the_same_bytes(client, card, make_code, api_key):
    key, _user = api_key
    code = make_code("rent")
    other = "R" + ("2" if code[1] != "2" else "3") + code[2:]
    wrong_code = post(client, key, URL, body(other, card.applicant.date_of_birth))
    wrong_birthday = post(client, key, URL, body(code, "1971-01-02"))
    assert wrong_code.status_code == wrong_birthday.status_code == 200
    assert wrong_code.json()["result"] == "no_match" and wrong_code.json()["holder"] is None
    assert _masked(wrong_code) == _masked(wrong_birthday)
    assert wrong_code.content != wrong_birthday.content  # only the ids and times differ
    assert sorted(wrong_code.headers.items()) == sorted(wrong_birthday.headers.items())


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"code": "R12", "date_of_birth": "1990-01-01", "reason": "x"}, 400, "invalid_share_code"),
        ({"code": "W12345678", "date_of_birth": "1990-01-01", "reason": "x"}, 400, "wrong_purpose"),
        (
            {"code": "R12345678", "date_of_birth": "1990-13-01", "reason": "x"},
            422,
            "invalid_request",
        ),
        ({"code": "R12345678", "reason": "x"}, 422, "invalid_request"),
        (
            {"code": "R12345678", "date_of_birth": "1990-01-01", "reason": ""},
            422,
            "invalid_request",
        ),
        (
            {"code": "R12345678", "date_of_birth": "1990-01-01", "reason": "   "},
            400,
            "invalid_reason",
        ),
    ],
)
def test_errors_have_a_stable_code_and_echo_nothing(client, api_key, payload, status, code):
    key, _user = api_key
    response = post(client, key, URL, payload)
    assert response.status_code == status, response.content
    data = response.json()
    assert data["code"] == code and data["message"]
    assert "R12345678" not in response.content.decode() and "1990" not in response.content.decode()
    assert not CardCheck.objects.exists()


def test_a_body_that_is_not_json(client, api_key):
    key, _user = api_key
    response = client.post(URL, "{nope", content_type="application/json", HTTP_X_API_KEY=key)
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_an_unapproved_organisation_gets_403(client, make_verifier, staff):
    from relocard.verification import services
    from relocard.verification.models import VerifierOrganisation

    user = make_verifier("letting_agent")
    _row, key = services.api_key_create(actor=user, name="x")
    services.organisation_decide(
        actor=staff["programme_admin"],
        organisation=VerifierOrganisation.objects.get(memberships__user=user),
        status="suspended",
    )
    response = post(client, key, URL, body("R12345678", "1990-01-01"))
    assert response.status_code == 403 and response.json()["code"] == "not_approved"


@override_settings(RELOCARD_CHECK_RATE_PER_ORGANISATION="3/60", RELOCARD_CHECK_RATE_PER_IP="100/60")
def test_rate_limit_per_organisation(client, api_key):
    key, _user = api_key
    for _ in range(3):
        assert post(client, key, URL, body("R12345678", "1990-01-01")).status_code == 200
    limited = post(client, key, URL, body("R12345678", "1990-01-01"))
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert CardCheck.objects.count() == 3


@override_settings(RELOCARD_CHECK_RATE_PER_IP="2/60", RELOCARD_CHECK_RATE_PER_ORGANISATION="100/60")
def test_rate_limit_per_address(client, api_key, make_verifier):
    from relocard.verification import services

    key, _user = api_key
    _row, other = services.api_key_create(actor=make_verifier("letting_agent"), name="Other")
    assert post(client, key, URL, body("R12345678", "1990-01-01")).status_code == 200
    assert post(client, other, URL, body("R12345678", "1990-01-01")).status_code == 200
    assert post(client, other, URL, body("R12345678", "1990-01-01")).status_code == 429
    elsewhere = client.post(
        URL,
        json.dumps(body("R12345678", "1990-01-01")),
        content_type="application/json",
        HTTP_X_API_KEY=other,
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 200


def test_qr_check(client, card, api_key, staff):
    from tests.verification.test_services import revoke_card

    key, _user = api_key
    payload = creds.latest(card, "rc1").payload
    response = post(client, key, "/api/checks/qr", {"payload": payload, "reason": "Viewing"})
    data = response.json()
    assert response.status_code == 200 and data["result"] == "valid" and data["status"] == "valid"
    assert [s["step"] for s in data["steps"]][:2] == ["prefix", "base45"]
    assert data["holder"]["name"] == card.applicant.latin_name
    revoke_card(card, staff)
    data = post(client, key, "/api/checks/qr", {"payload": payload, "reason": "Viewing"}).json()
    assert data["result"] == "not_valid" and data["status"] == "revoked"
    assert data["holder"]["has_right"] is False
    other = post(client, key, "/api/checks/qr", {"payload": "hello world", "reason": "Viewing"})
    data = other.json()
    assert other.status_code == 200 and data["holder"] is None
    assert (data["result"], data["status"]) == ("not_relocard", "not_relocard")
    assert "not a relocatee card's QR code" in data["message"]
    forged = post(client, key, "/api/checks/qr", {"payload": "RC1:ABC", "reason": "Viewing"}).json()
    assert forged["result"] == "not_genuine" and forged["holder"] is None
    wrong = post(
        client, key, "/api/checks/qr", {"payload": payload, "reason": "x", "purpose": "work"}
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_purpose"


def _card_png(card) -> bytes:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(creds.card_pdf(card, size="A4"))
    image = pdf[0].render(scale=3).to_pil()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_qr_image_check_from_a_png_and_a_pdf(client, card, api_key):
    key, _user = api_key
    for _name, content in (
        ("card.png", _card_png(card)),
        ("card.pdf", creds.card_pdf(card, size="ID-1")),
    ):
        response = client.post(
            "/api/checks/qr-image",
            {"file": io.BytesIO(content), "reason": "Viewing"},
            HTTP_X_API_KEY=key,
        )
        assert response.status_code == 200, response.content
        assert response.json()["result"] == "valid"
    blank = client.post(
        "/api/checks/qr-image",
        {"file": io.BytesIO(b"not an image"), "reason": "Viewing"},
        HTTP_X_API_KEY=key,
    )
    assert blank.status_code == 400 and blank.json()["code"] == "qr_not_found"


def _as_the_schema_renders(schema, content: bytes) -> bytes:
    """What django-ninja would send for this answer: validated against ``schema``, dumped,
    rendered. The checks render their answers directly; both must give the same bytes."""
    from relocard.verification.api import api

    dumped = schema.model_validate(json.loads(content)).model_dump()
    return api.renderer.render(None, dumped, response_status=200).encode()


def test_checks_render_exactly_what_their_schema_says(client, card, make_code, api_key, staff):
    from relocard.verification.api import CheckOut, QrCheckOut

    key, _user = api_key
    payload = creds.latest(card, "rc1").payload
    answers = [
        (CheckOut, post(client, key, URL, body(make_code("rent"), card.applicant.date_of_birth))),
        (CheckOut, post(client, key, URL, body(make_code("rent"), "1971-01-02"))),
        (QrCheckOut, post(client, key, "/api/checks/qr", {"payload": payload, "reason": "x"})),
        (QrCheckOut, post(client, key, "/api/checks/qr", {"payload": "RC1:ABC", "reason": "x"})),
    ]
    results = set()
    for schema, response in answers:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content == _as_the_schema_renders(schema, response.content)
        results.add(response.json()["result"])
    assert results == {"valid", "no_match", "not_genuine"}
    # The GET of a check still goes through the schema: the same bytes but for nothing.
    check_id = answers[0][1].json()["check_id"]
    again = client.get(f"/api/checks/{check_id}", HTTP_X_API_KEY=key)
    assert again.content == answers[0][1].content


def test_an_api_check_loads_no_session_and_no_user(client, card, make_code, api_key, monkeypatch):
    from django.contrib import auth
    from django.contrib.sessions.backends.base import SessionBase
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key, _user = api_key
    payload = creds.latest(card, "rc1").payload
    codes = [make_code("rent") for _ in range(2)]
    # Warm up: the key and the QR verifier's lists are kept for a few seconds per process.
    assert post(client, key, URL, body(codes[0], card.applicant.date_of_birth)).status_code == 200
    assert (
        post(client, key, "/api/checks/qr", {"payload": payload, "reason": "x"}).status_code == 200
    )

    def refuse(*args, **kwargs):
        raise AssertionError("an API check must not load a session or a user")

    monkeypatch.setattr(auth, "get_user", refuse)
    monkeypatch.setattr(SessionBase, "_get_session", refuse)
    with CaptureQueriesContext(connection) as queries:
        share = post(client, key, URL, body(codes[1], card.applicant.date_of_birth))
        qr = post(client, key, "/api/checks/qr", {"payload": payload, "reason": "Viewing"})
    assert share.json()["result"] == qr.json()["result"] == "valid"
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "django_session" not in sql and "accounts_user" not in sql
    if connection.vendor == "postgresql":
        # The share code's lookup and one write; the QR check's lookup and write are one.
        assert len(queries.captured_queries) == 3


@override_settings(
    RELOCARD_CHECK_RATE_PER_IP="100/3600", RELOCARD_CHECK_RATE_PER_ORGANISATION="100/3600"
)
def test_rate_limits_cost_one_cache_call_per_limit(monkeypatch):
    from django.core.cache import cache

    from relocard.verification import ratelimit

    calls = []
    for name in ("add", "get", "get_many", "incr", "set", "set_many"):
        original = getattr(cache, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(cache, name, counted)
    ratelimit.check_allowed(ip="192.0.2.1", organisation_id=7)  # creates the window's counters
    calls.clear()
    for _ in range(3):
        ratelimit.check_allowed(ip="192.0.2.1", organisation_id=7)
    assert calls == ["incr", "incr"] * 3
    assert cache.get(f"rl:check-ip:192.0.2.1:{int(time.time() // 3600)}") == 4
