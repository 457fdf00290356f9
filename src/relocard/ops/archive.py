"""The encrypted backup container: a byte stream sealed with a passphrase (no Django here).

Layout::

    MAGIC (16 bytes) | version (1 byte) | header length (4 bytes, big-endian) | header (JSON)
    then records: ciphertext length (4 bytes, big-endian) | AES-256-GCM ciphertext and tag

The header names the key derivation (scrypt: salt, n, r, p), a random 7-byte nonce prefix and
a check value (SHA-256 of the second half of scrypt's 64-byte output) that tells a wrong
passphrase from a damaged archive. Each record holds at most :data:`CHUNK` bytes of plaintext;
its nonce is the prefix, the record's number (4 bytes) and a flag byte that is 1 on the last
record only, and every record authenticates the whole header as associated data. So a
reordered, dropped, truncated, appended or altered record, or a changed header, fails to
decrypt (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár).

Errors: :class:`ArchiveError` (not a backup, damaged, truncated) and its subclass
:class:`WrongPassphrase`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

__all__ = ["CHUNK", "ArchiveError", "EncryptedReader", "EncryptedWriter", "WrongPassphrase"]

MAGIC = b"RELOCARD-BACKUP\n"
VERSION = 1
CHUNK = 1 << 20
#: scrypt's cost: 2**17 x 8 x 128 bytes = 128 MiB of memory, about half a second.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 12
_TAG = 16
_MAX_HEADER = 4096


class ArchiveError(Exception):
    """The file is not a Relocard backup, or it is damaged (the message says which)."""


class WrongPassphrase(ArchiveError):
    """The passphrase does not open this backup."""


def check_passphrase(passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ArchiveError(f"the backup passphrase must have at least {MIN_PASSPHRASE} characters")
    return passphrase.encode("utf-8")


def _derive(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    out = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase)
    return out[:32], hashlib.sha256(out[32:]).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class EncryptedWriter:
    """A write-only binary stream that seals what is written into ``fh``; :meth:`close`
    writes the final record (a stream not closed is rejected as truncated when read)."""

    def __init__(self, fh: BinaryIO, passphrase: str, *, n: int = SCRYPT_N):
        secret = check_passphrase(passphrase)
        salt = os.urandom(16)
        self._prefix = os.urandom(7)
        self._key, check = _derive(secret, salt, n, SCRYPT_R, SCRYPT_P)
        header = json.dumps(
            {
                "kdf": "scrypt",
                "salt": _b64(salt),
                "n": n,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "cipher": "AES-256-GCM",
                "chunk": CHUNK,
                "nonce_prefix": _b64(self._prefix),
                "check": _b64(check),
            },
            sort_keys=True,
        ).encode("ascii")
        self._aad = MAGIC + bytes([VERSION]) + len(header).to_bytes(4, "big") + header
        self._fh = fh
        self._fh.write(self._aad)
        self._aead = AESGCM(self._key)
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.closed:
            raise ValueError("write to a closed backup stream")
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._record(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        self._fh.flush()

    def _record(self, plain: bytes, *, final: bool) -> None:
        nonce = self._prefix + self._counter.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
        sealed = self._aead.encrypt(nonce, plain, self._aad)
        self._fh.write(len(sealed).to_bytes(4, "big") + sealed)
        self._counter += 1
        if self._counter >= 2**32:
            raise ArchiveError("the backup is too large for one archive")

    def close(self) -> None:
        if not self.closed:
            self._record(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._fh.flush()
            self.closed = True


class EncryptedReader:
    """A read-only binary stream of what :class:`EncryptedWriter` sealed. The passphrase is
    checked when it is opened; each record is authenticated before any of it is returned."""

    def __init__(self, fh: BinaryIO, passphrase: str):
        self._fh = fh
        start = fh.read(len(MAGIC) + 5)
        if len(start) < len(MAGIC) + 5 or not start.startswith(MAGIC):
            raise ArchiveError("this file is not a Relocard backup")
        if start[len(MAGIC)] != VERSION:
            raise ArchiveError(
                f"this backup has format version {start[len(MAGIC)]}; this Relocard reads "
                f"version {VERSION}"
            )
        length = int.from_bytes(start[-4:], "big")
        if length > _MAX_HEADER:
            raise ArchiveError("the backup's header is damaged")
        raw = fh.read(length)
        try:
            header = json.loads(raw)
            salt = base64.b64decode(header["salt"], validate=True)
            prefix = base64.b64decode(header["nonce_prefix"], validate=True)
            check = base64.b64decode(header["check"], validate=True)
            n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
            valid = (
                header["kdf"] == "scrypt"
                and header["cipher"] == "AES-256-GCM"
                and int(header["chunk"]) == CHUNK
                and len(salt) == 16
                and len(prefix) == 7
                and len(check) == 32
                and 2**14 <= n <= 2**20
                and n & (n - 1) == 0
                and 1 <= r <= 16
                and 1 <= p <= 4
            )
        except (ValueError, KeyError, TypeError):
            valid = False
        if len(raw) != length or not valid:
            raise ArchiveError("the backup's header is damaged")
        key, expected = _derive(passphrase.encode("utf-8"), salt, n, r, p)
        if not hmac.compare_digest(check, expected):
            raise WrongPassphrase("wrong passphrase for this backup")
        self._aad = start + raw
        self._aead = AESGCM(key)
        self._prefix = prefix
        self._counter = 0
        self._buffer = bytearray()
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_record(self) -> None:
        size = self._fh.read(4)
        if len(size) < 4:
            raise ArchiveError("the backup is truncated (its last part is missing)")
        length = int.from_bytes(size, "big")
        if not _TAG <= length <= CHUNK + _TAG:
            raise ArchiveError(f"the backup is damaged (part {self._counter + 1})")
        sealed = self._fh.read(length)
        if len(sealed) < length:
            raise ArchiveError("the backup is truncated (its last part is missing)")
        for final in (False, True):
            nonce = (
                self._prefix + self._counter.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
            )
            try:
                plain = self._aead.decrypt(nonce, sealed, self._aad)
            except InvalidTag:
                continue
            break
        else:
            raise ArchiveError(
                f"the backup is damaged or was altered (part {self._counter + 1} fails its "
                "integrity check)"
            )
        self._counter += 1
        self._buffer += plain
        if final:
            if self._fh.read(1):
                raise ArchiveError("the backup is damaged (data after its last part)")
            self._done = True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._next_record()
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def drain(self) -> None:
        """Read and authenticate the rest (after the payload's own end, e.g. tar padding)."""
        while not self._done:
            self._next_record()
            self._buffer.clear()
