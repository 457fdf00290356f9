"""The benchmark's baseline endpoint: mounted only on the benchmark's server.

bench/verify_http.py sets RELOCARD_BENCH_BASELINE for the server it starts; the endpoint
authenticates the API key, appends one audit event through the audit writer and commits.
"""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings

from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.verification import benchmark

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def test_production_urls_have_no_baseline(client, api_key):
    assert settings.RELOCARD_BENCH_BASELINE is False
    response = client.post("/api/bench/audited-write", HTTP_X_API_KEY=api_key[0])
    assert response.status_code == 404
    assert not any("bench" in path for path in client.get("/api/openapi.json").json()["paths"])
    assert not AuditEvent.objects.filter(action=benchmark.ACTION).exists()


@pytest.fixture
def bench_client():
    """The baseline mounted on an API of its own, as the benchmark's server mounts it."""
    from ninja import NinjaAPI
    from ninja.testing import TestClient

    from relocard.verification.api import ApiKeyAuth, mount_bench_baseline

    bench_api = NinjaAPI(auth=ApiKeyAuth(), urls_namespace=f"bench-test-{next(_n)}")
    mount_bench_baseline(bench_api)
    return TestClient(bench_api)


def test_the_baseline_is_one_audited_write_for_a_valid_key(bench_client, api_key):
    key, _user = api_key
    before = AuditEvent.objects.count()
    response = bench_client.post("/bench/audited-write", META={"HTTP_X_API_KEY": key})
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action=benchmark.ACTION)
    assert event.object_type == "verification.apikey" and event.member_state == "FR"
    assert audit_chain_verify().ok  # its hash is the audit writer's
    refused = bench_client.post("/bench/audited-write", META={"HTTP_X_API_KEY": "rck_nope"})
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action=benchmark.ACTION).count() == 1
