"""The encrypted backup container: round trip, wrong passphrase, and every kind of damage."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relocard.ops.archive import (
    CHUNK,
    ArchiveError,
    EncryptedReader,
    EncryptedWriter,
    WrongPassphrase,
)

PASS = "a long passphrase"
FAST = 2**14  # the smallest cost the reader accepts: tests stay quick


def seal(data: bytes, passphrase: str = PASS, *, pieces: int = 1) -> bytes:
    out = io.BytesIO()
    writer = EncryptedWriter(out, passphrase, n=FAST)
    step = max(1, len(data) // pieces)
    for i in range(0, len(data), step):
        writer.write(data[i : i + step])
    writer.close()
    return out.getvalue()


def unseal(blob: bytes, passphrase: str = PASS) -> bytes:
    reader = EncryptedReader(io.BytesIO(blob), passphrase)
    data = reader.read()
    reader.drain()
    return data


def test_round_trip_across_several_records():
    data = os.urandom(2 * CHUNK + 12345)
    blob = seal(data, pieces=7)
    assert unseal(blob) == data
    assert data[:1000] not in blob


@settings(max_examples=25)  # each example derives a key (scrypt)
@given(st.binary(max_size=3000))
def test_round_trip_any_bytes(data):
    assert unseal(seal(data)) == data


def test_wrong_passphrase_is_told_apart_from_damage():
    blob = seal(b"x" * 100)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        unseal(blob, "another long passphrase")


def test_a_short_passphrase_is_refused():
    with pytest.raises(ArchiveError, match="at least 12 characters"):
        EncryptedWriter(io.BytesIO(), "short", n=FAST)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[:-10], "truncated"),
        (lambda b: b[: len(b) // 2], "truncated|damaged"),
        (lambda b: b + b"extra", "after its last part"),
        (lambda b: b[:-40] + bytes([b[-40] ^ 1]) + b[-39:], "integrity check"),
        (lambda b: b"NOT-A-BACKUP" + b, "not a Relocard backup"),
        (lambda b: b"", "not a Relocard backup"),
    ],
)
def test_damage_is_a_clear_error(damage, message):
    blob = seal(os.urandom(CHUNK + 100), pieces=3)
    with pytest.raises(ArchiveError, match=message):
        unseal(damage(blob))


def test_records_cannot_be_dropped_or_reordered():
    data = os.urandom(3 * CHUNK)
    blob = seal(data)
    header_end = blob.index(b"}") + 1
    records, rest = [], blob[header_end:]
    while rest:
        n = int.from_bytes(rest[:4], "big") + 4
        records.append(rest[:n])
        rest = rest[n:]
    assert len(records) == 3  # the third is the final record
    head = blob[:header_end]
    with pytest.raises(ArchiveError, match="integrity check"):
        unseal(head + records[1] + records[0] + b"".join(records[2:]))
    with pytest.raises(ArchiveError, match="integrity check"):
        unseal(head + records[0] + b"".join(records[2:]))
    with pytest.raises(ArchiveError, match="truncated"):
        unseal(head + b"".join(records[:2]))  # the final record dropped


def test_a_changed_header_fails():
    blob = seal(b"payload")
    changed = blob.replace(b'"chunk": 1048576', b'"chunk": 1048577')
    with pytest.raises(ArchiveError, match="header is damaged"):
        unseal(changed)
    # Cost parameters outside the accepted range are refused before any work.
    with pytest.raises(ArchiveError, match="header is damaged"):
        unseal(blob.replace(b'"n": 16384', b'"n": 16383'))
