"""The shared caches: Django's database cache with an atomic, expiry-keeping ``incr`` (the
default), and Django's Redis cache with one client per connection pool (``RedisCache``, below).

Rate limits and lockouts count in the cache. Django's database cache implements ``incr`` as a
read followed by a write, so two server processes counting at once lose increments, and the
write resets the counter's expiry to the default timeout. Here ``incr`` reads the row under a
lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
writers) and updates its value alone, inside one transaction: a counter shared by every process
counts every request, and its window ends when it was created to end. On PostgreSQL that
transaction commits without waiting for the disk (``synchronous_commit = off``, for it alone).

The table is created by ``relocard migrate`` (migration ``common.0001_cache_table``).
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        q = connection.ops.quote_name
        table = q(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # A counter's commit need not wait for the write-ahead log to reach the disk: a crash
        # of the database server loses at most its last fraction of a second of increments,
        # and the row lock is held for microseconds instead of a disk flush, which every
        # request counted on the same key waited for in turn (two per card check). Only when
        # the counter's transaction is its own: inside a caller's, the setting would last to
        # the caller's commit and make that one (a check, an audit event) not durable.
        lazy = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic(using=db), connection.cursor() as cursor:
            if lazy:
                cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                f"SELECT {q('value')}, {q('expires')} FROM {table} "  # noqa: S608 (quoted names)
                f"WHERE {q('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                expression = models.Expression(output_field=models.DateTimeField())
                converters = connection.ops.get_db_converters(
                    expression
                ) + expression.get_db_converters(connection)
                for converter in converters:
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = connection.ops.process_clob(row[0])
            new = pickle.loads(base64.b64decode(value.encode(), validate=True)) + delta  # noqa: S301 (our own table)
            cursor.execute(
                f"UPDATE {table} SET {q('value')} = %s WHERE {q('cache_key')} = %s",  # noqa: S608
                [base64.b64encode(pickle.dumps(new, self.pickle_protocol)).decode("latin1"), key],
            )
        return new


class _OneClientPerPool(RedisCacheClient):
    """Django makes a new redis-py client for every cache call, and redis-py (6 and later)
    fills a table of about 170 reply callbacks in each client's constructor: about 0.2 ms of
    CPU, twice per card check (its two rate-limit counters), more than the round trips. A
    client is a thin, thread-safe front of its connection pool, so one per pool does the same
    work."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with one redis-py client per connection pool (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool
