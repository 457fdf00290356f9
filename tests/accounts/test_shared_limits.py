"""Finding 4: per-IP check limits were counted per server process (local-memory cache).

Two real processes against one database, with the default settings (no Redis): the shared
cache created by ``migrate`` makes them count together.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COUNT = (
    "import django, sys\n"
    "django.setup()\n"
    "from relocard.verification.ratelimit import check_allowed\n"
    "from relocard.verification.errors import RateLimited\n"
    "ok = 0\n"
    "for _ in range(60):\n"
    "    try:\n"
    "        check_allowed(ip='198.51.100.1', organisation_id=None)\n"
    "        ok += 1\n"
    "    except RateLimited:\n"
    "        pass\n"
    "print(ok)\n"
)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A fresh instance's state folder, migrated once with the default (production) settings."""
    var = tmp_path_factory.mktemp("instance")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RELOCARD_REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="relocard.settings.base",
        RELOCARD_VAR_DIR=str(var),
        RELOCARD_SECRET_KEY="test-shared-limits",
        RELOCARD_CHECK_RATE_PER_IP="30/3600",
    )
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True, timeout=300
    )
    return env


def _two_processes(env) -> list[int]:
    procs = [
        subprocess.Popen([sys.executable, "-c", COUNT], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    return [int(p.communicate(timeout=600)[0].strip()) for p in procs]


def test_two_server_processes_share_the_per_ip_limit(instance):
    counts = _two_processes(instance)
    assert sum(counts) == 30, counts


def test_with_a_per_process_cache_they_did_not(instance):
    """The defect as it was: the local-memory cache lets each process allow the full limit."""
    code = (
        "from relocard.settings.base import *  # noqa\n"
        "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}\n"
    )
    mod = os.path.join(instance["RELOCARD_VAR_DIR"], "locmem_settings.py")
    with open(mod, "w", encoding="utf-8") as fh:
        fh.write(code)
    env = {
        **instance,
        "DJANGO_SETTINGS_MODULE": "locmem_settings",
        "PYTHONPATH": instance["RELOCARD_VAR_DIR"] + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    assert sum(_two_processes(env)) == 60


def test_the_database_cache_counts_atomically_across_clients(db):
    """Two cache clients (as in two processes) on one table: no increment is lost, and the
    counter keeps the expiry it was created with."""
    from django.core.management import call_command
    from django.db import connection

    from relocard.common.cache import DatabaseCache

    call_command("createcachetable", "relocard_test_cache", verbosity=0)
    try:
        one = DatabaseCache("relocard_test_cache", {})
        two = DatabaseCache("relocard_test_cache", {})

        def expires():
            with connection.cursor() as cursor:
                cursor.execute("SELECT expires FROM relocard_test_cache")
                return cursor.fetchone()[0]

        assert one.add("k", 1, 3600)
        created = expires()
        for i in range(20):
            (one if i % 2 else two).incr("k")
        assert two.get("k") == 21
        assert expires() == created  # Django's own incr would reset it to the default 300 s
        with pytest.raises(ValueError):
            one.incr("missing")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE relocard_test_cache")


@pytest.mark.django_db(transaction=True)
def test_a_counter_commits_lazily_alone_and_never_makes_a_callers_commit_lazy():
    """On PostgreSQL a counter's own transaction commits without waiting for the disk; the
    setting ends with it. Inside a caller's transaction (a check that counts and then writes
    its record) the counter leaves the setting alone: the caller's commit stays durable."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from relocard.common.cache import DatabaseCache

    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    call_command("createcachetable", "relocard_test_cache", verbosity=0)
    try:
        cache = DatabaseCache("relocard_test_cache", {})
        assert cache.add("k", 1, 3600)
        with CaptureQueriesContext(connection) as ctx:
            assert cache.incr("k") == 2
        assert any("synchronous_commit = off" in q["sql"] for q in ctx.captured_queries)
        assert setting() == "on"  # ended with the counter's transaction
        with transaction.atomic():
            with CaptureQueriesContext(connection) as ctx:
                assert cache.incr("k") == 3
            assert not any("synchronous_commit" in q["sql"] for q in ctx.captured_queries)
            assert setting() == "on"  # the caller's commit waits for the disk
        assert cache.get("k") == 3
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE relocard_test_cache")
