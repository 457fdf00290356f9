"""PostgreSQL bulk helpers of the nightly run: COPY out and in, binary rows, an advisory lock.

The only module of the project that reaches into psycopg below its public cursor API (the
connection's libpq handle, ``conn.pgconn``); an architecture test keeps it so. Everything here
runs on Django's default connection and only on PostgreSQL: callers choose the ORM elsewhere.

* :func:`copy_out`: the raw output of ``COPY (...) TO STDOUT``, in large chunks;
* :func:`copy_csv`: a queryset's rows as CSV with a header, for Polars to parse;
* :func:`copy_binary_rows`: fixed-width rows of a binary COPY, as numpy structured arrays;
  :func:`epoch_day_sql` and :func:`epoch_days` carry nullable dates through it;
* :func:`copy_upsert`: COPY into a temporary table, then one ``INSERT ... ON CONFLICT``;
* :func:`advisory_lock`: a session-level ``pg_try_advisory_lock``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import polars as pl
import psycopg
from django.db import connection
from django.db.models import Model, QuerySet
from psycopg import pq

#: Stands for NULL in the int4 day columns of a binary COPY (see :func:`epoch_day_sql`).
NULL_DAY = -(2**31)
_NAT = np.iinfo(np.int64).min
#: The binary COPY header: signature (11 bytes), flags (4), header extension length (4).
_BINARY_HEADER = 19
#: What may follow the last row of a binary COPY: nothing yet, or the file trailer (-1).
_BINARY_ENDS = (b"", b"\xff\xff")


def copy_out(sql: str, *, chunk: int = 1 << 24) -> Iterator[bytes]:
    """The output of ``COPY (...) TO STDOUT`` in chunks of about ``chunk`` bytes.

    libpq hands COPY data over one row at a time. psycopg's ``cursor.copy()`` iterates them
    through its generic wait loop, about 1.3 us of Python per row (20 s for 15 million trips);
    calling ``PQgetCopyData`` directly in a tight loop costs a third of that, so this reads the
    rows through the connection's libpq handle, holding the connection's lock. A database
    error is raised as psycopg's exception; a reader closed early drains the rest, so that the
    connection stays usable.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # opens the transaction psycopg would open, if any
    conn = connection.connection
    pgconn = conn.pgconn
    with conn.lock:
        pgconn.send_query(sql.encode())
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            while pgconn.get_result() is not None:
                pass
            raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
        get = pgconn.get_copy_data
        buffer = bytearray()
        size = 1
        try:
            while True:
                size, data = get(0)
                if size <= 0:
                    break
                buffer += data
                if len(buffer) >= chunk:
                    yield bytes(buffer)
                    buffer.clear()
        finally:
            # If the reader stopped early, drain the rest so that the connection stays usable.
            while size > 0:
                size = get(0)[0]
            final = pgconn.get_result()
            while pgconn.get_result() is not None:
                pass
        if size == -2 or final is None or final.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(final, encoding=conn.info.encoding)
        if buffer:
            yield bytes(buffer)


def copy_csv(qs: QuerySet) -> bytes:
    """The rows of ``qs`` (a ``values_list`` queryset) as CSV with a header line."""
    sql, params = qs.query.sql_with_params()
    inner = connection.ops.compose_sql(sql, params)
    return b"".join(copy_out(f"COPY ({inner}) TO STDOUT WITH (FORMAT csv, HEADER true)"))


def binary_row(*fields: tuple[str, str]) -> np.dtype:
    """The numpy dtype of one binary COPY row of fixed-width, never-null ``fields``
    (name, big-endian numpy type such as ``">i8"``): the field count, then each field's length
    and value."""
    layout = [("n", ">i2")]
    for i, (name, kind) in enumerate(fields):
        layout += [(f"len{i}", ">i4"), (name, kind)]
    return np.dtype(layout)


def copy_binary_rows(select_sql: str, row: np.dtype) -> Iterator[np.ndarray]:
    """The rows of ``select_sql`` through ``COPY ... (FORMAT binary)``, parsed by numpy a chunk
    at a time (no Python loop over rows) into structured arrays of dtype ``row`` (see
    :func:`binary_row`; every column must be fixed-width and never null).

    Raises :class:`RuntimeError` when the data does not end on a row boundary.
    """
    pending = b""
    header = True
    for block in copy_out(f"COPY ({select_sql}) TO STDOUT WITH (FORMAT binary)"):
        data = pending + block if pending else block
        start = _BINARY_HEADER if header else 0
        header = False
        count = (len(data) - start) // row.itemsize
        if count:
            yield np.frombuffer(data, dtype=row, count=count, offset=start)
        pending = data[start + count * row.itemsize :]
    if pending not in _BINARY_ENDS:
        raise RuntimeError("unexpected end of a binary COPY")


def epoch_day_sql(column: str) -> str:
    """SQL for a date column as int4 days since 1970-01-01, NULL as :data:`NULL_DAY` (so that a
    binary COPY row keeps its width)."""
    return f"COALESCE({column} - DATE '1970-01-01', {NULL_DAY})::int4"


def epoch_days(days: np.ndarray) -> np.ndarray:
    """int32 epoch days with the :data:`NULL_DAY` marker -> datetime64[D] with NaT."""
    wide = days.astype(np.int64)
    wide[days == NULL_DAY] = _NAT
    return wide.view("datetime64[D]")


def copy_upsert(
    model: type[Model],
    rows: pl.DataFrame,
    *,
    now: datetime,
    stamp: str,
    conflict: Sequence[str],
    update: Sequence[str] = (),
    not_null_text: Sequence[str] = (),
) -> None:
    """COPY ``rows`` into a temporary table, then INSERT ... ON CONFLICT into ``model``'s
    table (DO UPDATE of ``update`` and ``stamp``, or DO NOTHING), in the caller's transaction.

    ``stamp`` is the timestamp column set to ``now``; ``not_null_text`` are text columns whose
    empty value is the empty string (CSV would read it as NULL).
    """
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in rows.columns)
    data = rows.write_csv(include_header=False).encode()
    if update:
        action = "DO UPDATE SET " + ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in [*update, stamp])
    else:
        action = "DO NOTHING"
    force = f", FORCE_NOT_NULL ({', '.join(q(c) for c in not_null_text)})" if not_null_text else ""
    with connection.cursor() as cursor:
        # CREATE TABLE AS keeps the column types but not NOT NULL (the stamp comes later).
        cursor.execute(
            f"CREATE TEMPORARY TABLE _relocard_in ON COMMIT DROP AS "  # noqa: S608 (model names, quoted)
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY _relocard_in ({names}) FROM STDIN WITH (FORMAT csv{force})") as c:
            c.write(data)
        cursor.execute(
            f"INSERT INTO {table} ({names}, {q(stamp)}) "  # noqa: S608 (model names, quoted)
            f"SELECT {names}, %s FROM _relocard_in "
            f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) {action}",
            [now],
        )
        cursor.execute("DROP TABLE _relocard_in")


@contextmanager
def advisory_lock(key: int, *, shared: bool = False) -> Iterator[bool]:
    """Try to take the session-level advisory lock ``key`` (``shared``: in shared mode, which
    other shared holders may hold too, but not an exclusive one); yields whether it was
    taken, and releases it on leaving when it was."""
    suffix = "_shared" if shared else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_try_advisory_lock{suffix}(%s)", [key])
        (locked,) = cursor.fetchone()
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_unlock{suffix}(%s)", [key])
