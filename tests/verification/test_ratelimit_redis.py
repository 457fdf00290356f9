"""Rate limits counted in Redis (``RELOCARD_REDIS_URL``): shared by every server process.

Needs a Redis server on 127.0.0.1:6379 (or ``RELOCARD_TEST_REDIS_URL``); skipped with a reason
without one, except under ``CI=true``, where CI must provide it.
"""

from __future__ import annotations

import os
import secrets

import pytest
from django.core.cache import caches
from django.test import override_settings

from relocard.verification import ratelimit
from relocard.verification.errors import RateLimited

REDIS_URL = os.environ.get("RELOCARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}): CI must start it")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc})")
    config = {
        "default": {
            "BACKEND": "relocard.common.cache.RedisCache",  # what RELOCARD_REDIS_URL selects
            "LOCATION": REDIS_URL,
            # Each run its own keys, so that parallel runs never share counters.
            "KEY_PREFIX": f"test-{secrets.token_hex(6)}",
        }
    }
    with override_settings(CACHES=config):
        yield caches["default"]
        caches["default"].clear()


@override_settings(
    RELOCARD_CHECK_RATE_PER_IP="2/3600", RELOCARD_CHECK_RATE_PER_ORGANISATION="50/3600"
)
def test_processes_share_the_counters_and_the_limit_holds(redis_cache):
    ratelimit.check_allowed(ip="192.0.2.7", organisation_id=1)
    # Another server process: a client of its own, the same counters.
    other_process = caches.create_connection("default")
    keys = [k for k in redis_cache._cache.get_client().keys("*") if b"rl:check-ip:192.0.2.7" in k]
    assert len(keys) == 1
    key = keys[0].decode().split(":", 2)[-1]
    assert other_process.get(key) == 1
    ratelimit.check_allowed(ip="192.0.2.7", organisation_id=2)
    with pytest.raises(RateLimited) as refused:
        ratelimit.check_allowed(ip="192.0.2.7", organisation_id=3)
    assert refused.value.scope == "check-ip" and 1 <= refused.value.retry_after <= 3600
    assert other_process.get(key) == 3
    # The window's counter expires with the window.
    ttl = redis_cache._cache.get_client().ttl(keys[0])
    assert 0 < ttl <= 3601


def test_the_cache_keeps_one_client_per_pool_shared_by_threads(redis_cache):
    """Django made a redis-py client per call (0.2 ms of CPU each with redis-py 6+); ours is
    made once per connection pool and serves every call, from any thread."""
    from concurrent.futures import ThreadPoolExecutor

    client = redis_cache._cache.get_client(write=True)
    redis_cache.set("n", 0, 60)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _i: redis_cache.incr("n"), range(200)))
    assert redis_cache.get("n") == 200
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client() is client  # one server: reads use the same pool
