"""Findings 6 and 8: caching of personal data, TLS settings, access-log forgery, admin form."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from relocard.accounts.models import Role


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _fill(pattern: str) -> str:
    import re

    path = re.sub(r"<int:[^>]+>", "1", pattern)
    path = re.sub(r"<[^>]+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$").replace("\\Z", "").replace("^", "")


def test_every_url_answers_a_signed_in_user_with_no_store(client, make_case, staff):
    """Every URL pattern, as a caseworker and as an applicant, GET: never kept in a cache."""
    app = make_case("submitted")
    paths = sorted({_fill(p) for p in _patterns()})
    assert len(paths) > 60
    for user in (staff["caseworker"], app.applicant.user):
        client.force_login(user)
        for path in paths:
            if "logout" in path:
                continue
            response = client.get(path.replace("/x/", f"/{app.reference}/"))
            assert "no-store" in response.get("Cache-Control", ""), (path, response.status_code)


def test_api_answers_are_never_cached(client, db):
    response = client.get("/api/ping")
    assert response["Cache-Control"] == "no-store"


def test_public_lists_keep_their_own_caching(client, db):
    response = client.get("/")
    assert response["Cache-Control"] == "no-store"


def _settings_with(env: dict) -> dict:
    # Reading settings needs no app registry: without django.setup() the fresh process
    # imports the settings module only (a fraction of a second, not seconds).
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "print(json.dumps({k: getattr(settings, k, None) for k in ("
        "'SECURE_HSTS_SECONDS','SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE',"
        "'SECURE_PROXY_SSL_HEADER','SESSION_COOKIE_NAME','SECURE_HSTS_INCLUDE_SUBDOMAINS')}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "relocard.settings.base", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(out.stdout)


def test_https_settings_behind_relocard_https(tmp_path):
    on = _settings_with({"RELOCARD_HTTPS": "1", "RELOCARD_VAR_DIR": str(tmp_path)})
    assert on["SECURE_HSTS_SECONDS"] >= 31536000 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert on["SECURE_SSL_REDIRECT"] and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert on["SESSION_COOKIE_NAME"].startswith("__Host-")
    off = _settings_with({"RELOCARD_HTTPS": "0", "RELOCARD_VAR_DIR": str(tmp_path)})
    assert not off["SECURE_HSTS_SECONDS"] and not off["SESSION_COOKIE_SECURE"]


def test_the_access_log_escapes_what_the_url_carries():
    from gunicorn.config import Config

    from relocard.common.accesslog import EscapingLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
    logger = EscapingLogger(cfg)
    out = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(out)]
    resp = type("R", (), {"status": "200 OK", "sent": 10, "headers": []})()
    forged = '/x\n127.0.0.1 "GET /admin/" 200 1 1ms\r\x1b[2J\u202e"'
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/x",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": forged,
        "REMOTE_ADDR": "127.0.0.1",
    }
    req = type("Q", (), {"headers": []})()
    logger.access(resp, req, environ, timedelta(milliseconds=3))
    text = out.getvalue()
    assert text.count("\n") == 1 and "\r" not in text and "\x1b" not in text
    assert "\u202e" not in text
    assert '\\x0a127.0.0.1 \\"GET /admin/\\"' in text


def test_the_admin_staff_form_runs_the_password_validators(member_states):
    from relocard.accounts.admin import StaffCreationForm

    form = StaffCreationForm(
        {
            "email": "new.caseworker@example.test",
            "role": Role.CASEWORKER,
            "member_state": "FR",
            "password1": "12345",
        }
    )
    assert not form.is_valid()
    assert "password1" in form.errors
    good = StaffCreationForm(
        {
            "email": "new.caseworker@example.test",
            "role": Role.CASEWORKER,
            "member_state": "FR",
            "password1": "a-long-unusual-passphrase",
        }
    )
    assert good.is_valid(), good.errors


@pytest.mark.django_db
def test_the_admin_add_page_refuses_a_weak_password(client, make_user):
    admin = make_user(Role.PROGRAMME_ADMIN, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "weak@example.test",
            "role": "caseworker",
            "member_state": "FR",
            "password1": "password",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode() or "too short" in response.content.decode()
