"""Envelope encryption of stored files (evidence): AES-256-GCM under a per-file data key.

Each file gets its own random 256-bit data key; the file is encrypted with it (AES-GCM, a
random 96-bit nonce, the file's storage name as associated data, so that a file moved onto
another record's name does not decrypt); the data key is wrapped (AES key wrap, RFC 3394) by a
key-encryption key (KEK) from the key store, and stored wrapped in the file's header::

    b"RCENV1" | len(kek_id) (1 byte) | kek_id (ASCII) | wrapped data key (40 bytes)
              | nonce (12 bytes) | ciphertext and GCM tag

The KEKs are files in ``<key dir>/evidence/`` (``<id>.kek``, 32 random bytes, mode 0600;
``current`` names the one new files use). Rotation: :meth:`EvidenceKeys.rotate` makes a new
current KEK; :func:`rewrap` moves a file's data key under it without touching the ciphertext;
an old KEK can be removed once no file uses it (``relocard evidence status`` says). Without
the key directory the files reveal nothing: keep it on another volume than the files (or in a
secrets mount) in production.

Pure Python (cryptography), no Django: the storage in :mod:`relocard.common.storage` uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

__all__ = [
    "MAGIC",
    "EnvelopeError",
    "EvidenceKeys",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "kek_id_of",
    "rewrap",
]

MAGIC = b"RCENV1"
_WRAPPED = 40
_NONCE = 12


class EnvelopeError(Exception):
    """A file cannot be decrypted: damaged, moved to another name, or its KEK is missing."""


class EvidenceKeys:
    """The key-encryption keys in one directory."""

    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)

    def _ensure(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._ensure()
        fd = os.open(self.directory / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, name: str, data: bytes) -> None:
        tmp = self.directory / f".{name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.directory / name)

    def _new_key(self) -> str:
        kek_id = secrets.token_hex(4)
        self._write(f"{kek_id}.kek", secrets.token_bytes(32))
        self._write("current", kek_id.encode("ascii"))
        return kek_id

    def current_id(self) -> str:
        """The id of the KEK new files are wrapped with (made on first use)."""
        path = self.directory / "current"
        if path.is_file():
            return path.read_text("ascii").strip()
        with self._locked():
            if path.is_file():
                return path.read_text("ascii").strip()
            return self._new_key()

    def rotate(self) -> str:
        """Make a new current KEK and return its id; older ones stay for reading."""
        with self._locked():
            return self._new_key()

    def ids(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.kek"))

    def key(self, kek_id: str) -> bytes:
        if not kek_id.isalnum():
            raise EnvelopeError("a damaged file header")
        try:
            data = (self.directory / f"{kek_id}.kek").read_bytes()
        except FileNotFoundError:
            raise EnvelopeError(
                f"key-encryption key {kek_id} is missing from the key store"
            ) from None
        if len(data) != 32:
            raise EnvelopeError(f"key-encryption key {kek_id} is damaged")
        return data


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def _parse(blob: bytes) -> tuple[str, bytes, bytes, bytes]:
    if not is_encrypted(blob) or len(blob) < len(MAGIC) + 1:
        raise EnvelopeError("not an encrypted file")
    at = len(MAGIC)
    n = blob[at]
    at += 1
    kek_id = blob[at : at + n].decode("ascii", "replace")
    at += n
    wrapped = blob[at : at + _WRAPPED]
    at += _WRAPPED
    nonce = blob[at : at + _NONCE]
    at += _NONCE
    if len(wrapped) != _WRAPPED or len(nonce) != _NONCE or len(blob) - at < 16:
        raise EnvelopeError("a damaged file header")
    return kek_id, wrapped, nonce, blob[at:]


def _header(kek_id: str, wrapped: bytes, nonce: bytes) -> bytes:
    ident = kek_id.encode("ascii")
    return MAGIC + bytes([len(ident)]) + ident + wrapped + nonce


def kek_id_of(blob: bytes) -> str:
    return _parse(blob)[0]


def encrypt(plaintext: bytes, *, name: str, keys: EvidenceKeys) -> bytes:
    kek_id = keys.current_id()
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, name.encode("utf-8"))
    return _header(kek_id, aes_key_wrap(keys.key(kek_id), data_key), nonce) + ciphertext


def _data_key(kek_id: str, wrapped: bytes, keys: EvidenceKeys) -> bytes:
    try:
        return aes_key_unwrap(keys.key(kek_id), wrapped)
    except InvalidUnwrap:
        raise EnvelopeError(f"the data key does not unwrap under {kek_id}") from None


def decrypt(blob: bytes, *, name: str, keys: EvidenceKeys) -> bytes:
    kek_id, wrapped, nonce, ciphertext = _parse(blob)
    try:
        return AESGCM(_data_key(kek_id, wrapped, keys)).decrypt(
            nonce, ciphertext, name.encode("utf-8")
        )
    except InvalidTag:
        raise EnvelopeError("the file is damaged or belongs to another name") from None


def rewrap(blob: bytes, *, keys: EvidenceKeys) -> bytes:
    """The same file with its data key wrapped by the current KEK (ciphertext unchanged)."""
    kek_id, wrapped, nonce, ciphertext = _parse(blob)
    current = keys.current_id()
    if kek_id == current:
        return blob
    data_key = _data_key(kek_id, wrapped, keys)
    return _header(current, aes_key_wrap(keys.key(current), data_key), nonce) + ciphertext
