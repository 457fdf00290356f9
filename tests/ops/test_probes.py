"""/healthz, /readyz and /metrics: answers, failures, protection, and no personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from relocard.ops import health
from relocard.ops.heartbeat import beat, forget
from relocard.ops.models import WorkerHeartbeat


@pytest.fixture
def keys(settings, tmp_path):
    from relocard.cards.credentials import keystore

    settings.RELOCARD_KEY_DIR = tmp_path / "keys"
    keystore.cache_clear()
    health._keystore_ok_until = 0.0
    keystore().ensure_programme()
    yield keystore()
    keystore.cache_clear()
    health._keystore_ok_until = 0.0


def test_healthz_touches_no_database(client):
    # No django_db mark: pytest-django makes any database access in this test an error.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_with_database_cache_keys_and_a_worker(client, keys):
    beat("host:1:abcd")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "keystore", "worker"}
    assert body["checks"]["worker"]["workers"] == 1


@pytest.mark.django_db
def test_readyz_fails_without_a_worker_heartbeat(client, keys):
    response = client.get("/readyz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False and "relocard worker" in worker["detail"]
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_readyz_fails_when_the_heartbeat_is_stale(client, keys, settings):
    settings.RELOCARD_WORKER_STALE_SECONDS = 60
    beat("host:1:abcd")
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=61))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "over 60 s" in response.json()["checks"]["worker"]["detail"]
    forget("host:1:abcd")
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_readyz_fails_closed_when_the_key_store_cannot_be_read(client, settings, tmp_path):
    from relocard.cards.credentials import keystore

    settings.RELOCARD_KEY_DIR = tmp_path / "empty"
    keystore.cache_clear()
    health._keystore_ok_until = 0.0
    beat("host:1:abcd")
    try:
        response = client.get("/readyz")
    finally:
        keystore.cache_clear()
    assert response.status_code == 503
    detail = response.json()["checks"]["keystore"]["detail"]
    assert "credential keys init" in detail
    assert str(tmp_path) not in response.content.decode()  # no paths to strangers


@pytest.mark.django_db
def test_readyz_fails_closed_when_the_wrong_passphrase_is_set(client, keys, monkeypatch):
    from relocard.cards.credentials import keystore
    from relocard.core.credentials import KeyStore

    # Re-encrypt: a store written with a passphrase, read with another one.
    directory = keys.directory
    for path in directory.rglob("*"):
        if path.is_file():
            path.unlink()
    KeyStore(directory, passphrase=b"right").ensure_programme()
    monkeypatch.setenv("RELOCARD_KEY_PASSPHRASE", "wrong")
    keystore.cache_clear()
    health._keystore_ok_until = 0.0
    beat("host:1:abcd")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["keystore"]["ok"] is False


@pytest.mark.django_db
def test_a_check_that_raises_fails_the_probe_without_leaking_the_error(client, keys, monkeypatch):
    def broken():
        raise ConnectionError("redis://:secret@10.0.0.7:6379/0 refused")

    monkeypatch.setattr(health, "READINESS", (health.check_database, broken))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broken"] == {
        "ok": False,
        "detail": "broken unavailable (ConnectionError)",
    }
    assert "secret" not in response.content.decode()


@pytest.mark.django_db
def test_probes_are_not_rate_limited(client, keys):
    beat("host:1:abcd")
    for _ in range(200):
        assert client.get("/healthz").status_code == 200
    for _ in range(50):
        assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
@override_settings(RELOCARD_HTTPS=True, SECURE_SSL_REDIRECT=True)
def test_probes_are_not_redirected_to_https(client, keys):
    beat("host:1:abcd")
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/privacy/").status_code == 301  # the rest still is


def test_probes_answer_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


# --- metrics ----------------------------------------------------------------------------------


def _metrics(client, **extra):
    return client.get("/metrics", REMOTE_ADDR=extra.pop("REMOTE_ADDR", "127.0.0.1"), **extra)


@pytest.mark.django_db
def test_metrics_from_loopback_without_a_token(client, keys):
    assert _metrics(client).status_code == 200
    assert _metrics(client, REMOTE_ADDR="203.0.113.9").status_code == 404
    # Through a proxy on the same host the address is loopback: the forwarding header tells.
    assert _metrics(client, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404


@pytest.mark.django_db
def test_metrics_with_a_token_need_it_from_everywhere(client, keys, settings):
    settings.RELOCARD_METRICS_TOKEN = "s3cret-token"
    assert _metrics(client).status_code == 404
    assert _metrics(client, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert _metrics(client, HTTP_AUTHORIZATION="Bearer sеcret-tоken").status_code == 404
    ok = _metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def _value(text: str, name: str, **labels) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


@pytest.mark.django_db
def test_metrics_count_queues_decisions_checks_tasks_and_lists(
    client, keys, make_case, member_states, staff, settings
):
    from django_tasks_db.models import DBTaskResult

    from relocard.audit.tasks import seal_audit_log
    from relocard.verification.models import CardCheck, VerifierOrganisation

    applicant_case = make_case("in_review")
    approved = make_case("approved")
    make_case("refused")
    card = approved.cards.get()
    org = VerifierOrganisation.objects.create(
        name="Lettings", kind="letting_agent", country_id="FR"
    )
    for n, result in enumerate(["valid", "valid", "no_match"]):
        CardCheck.objects.create(
            check_id=f"chk{n}",
            organisation=org,
            checked_by=staff["caseworker"],
            card=card,
            method="qr",
            purpose="rent",
            reason="Tenancy",
            result=result,
            checked_at=timezone.now(),
        )
    CardCheck.objects.filter(check_id="chk1").update(checked_at=timezone.now() - timedelta(hours=2))
    beat("host:1:abcd")
    # One task due for ten minutes, and one deferred to tomorrow (not due: no lag).
    from django.tasks import task_backends

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    task_backends._settings = None  # re-read TASKS
    try:
        seal_audit_log.enqueue(False)
        seal_audit_log.using(run_after=timezone.now() + timedelta(days=1)).enqueue(False)
    finally:
        task_backends._settings = None
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))

    text = _metrics(client).content.decode()
    assert _value(text, "relocard_cases", member_state="FR", state="in_review") == 1
    assert _value(text, "relocard_cases", member_state="FR", state="approved") == 1
    assert _value(text, "relocard_decisions_24h", outcome="approve", status="confirmed") == 1
    assert _value(text, "relocard_checks_1h", method="qr", result="valid") == 1
    assert _value(text, "relocard_checks_1h", method="qr", result="no_match") == 1
    assert _value(text, "relocard_tasks_due", queue="default") == 1
    assert 590 < _value(text, "relocard_worker_lag_seconds", queue="default") < 700
    assert _value(text, "relocard_workers_alive") == 1
    assert _value(text, "relocard_status_list_age_seconds", member_state="FR") < 60
    assert _value(text, "relocard_info", version=__import__("relocard").__version__) == 1
    assert applicant_case.reference not in text
    assert "IVANOVA" not in text and "Иванова" not in text


@pytest.mark.django_db
def test_metrics_cost_a_fixed_number_of_queries(client, keys, make_case):
    """Grouped counts only: the number of queries does not grow with the programme."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_case("approved")
    _metrics(client)  # status lists built and cached once
    with CaptureQueriesContext(connection) as small:
        assert _metrics(client).status_code == 200
    for state in ("approved", "in_review", "refused", "submitted"):
        make_case(state)
    _metrics(client)
    with CaptureQueriesContext(connection) as larger:
        assert _metrics(client).status_code == 200
    assert len(larger) == len(small), [q["sql"] for q in larger.captured_queries]
