"""The evidence storage: files encrypted at rest (:mod:`relocard.common.envelope`), on a local
(or shared) folder or in an S3-compatible object store, through Django's storage API.

``STORAGES["evidence"]`` is one of

* :class:`EncryptedFileSystemStorage` (the default): files in ``RELOCARD_VAR_DIR/evidence``;
* :class:`EncryptedS3Storage` (``RELOCARD_EVIDENCE_STORAGE=s3``): objects in a bucket of an
  S3-compatible store (django-storages' ``S3Storage``; see docs/operations.md for the
  variables), for several machines without a shared file system.

Either way, what is saved is encrypted under a fresh data key before it leaves the process (the
bucket holds ciphertext only), and what is opened is decrypted (and authenticated) in memory;
evidence files are at most ``RELOCARD_EVIDENCE_MAX_BYTES``. The key-encryption keys live in
``RELOCARD_KEY_DIR/evidence``, never in the store. A file written before encryption was
introduced is read as it is until ``relocard evidence encrypt`` has encrypted it in place.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from relocard.common import envelope


def evidence_keys() -> envelope.EvidenceKeys:
    return envelope.EvidenceKeys(Path(settings.RELOCARD_KEY_DIR) / "evidence")


class EnvelopeStorageMixin:
    """Encrypt on save, decrypt on open, and the maintenance of ``relocard evidence``, over a
    storage that can read and replace a stored blob (:meth:`_read_raw`, :meth:`_replace`) and
    list its names (:meth:`names`)."""

    def _save(self, name, content):
        content.seek(0)
        plaintext = content.read()
        if isinstance(plaintext, str):
            plaintext = plaintext.encode("utf-8")
        # The name is bound into the ciphertext, so fix it first (as the storage would).
        name = self.get_available_name(name)
        blob = envelope.encrypt(plaintext, name=name, keys=evidence_keys())
        final = super()._save(name, ContentFile(blob))
        if final != name:  # another process took the name meanwhile: bind the final one
            self._replace(final, envelope.encrypt(plaintext, name=final, keys=evidence_keys()))
        return final

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("evidence files are written through save() only")
        blob = self._read_raw(name)
        if envelope.is_encrypted(blob):
            blob = envelope.decrypt(blob, name=name, keys=evidence_keys())
        file = ContentFile(blob, name=name)
        return File(file.file, name=name)

    # --- maintenance (relocard evidence encrypt | status) -------------------------------------

    def encrypt_in_place(self, name: str) -> str:
        """Encrypt a file still in clear, or re-wrap its data key under the current KEK.

        Returns ``"encrypted"``, ``"rewrapped"`` or ``"unchanged"``.
        """
        blob = self._read_raw(name)
        keys = evidence_keys()
        if not envelope.is_encrypted(blob):
            self._replace(name, envelope.encrypt(blob, name=name, keys=keys))
            return "encrypted"
        new = envelope.rewrap(blob, keys=keys)
        if new is blob:
            return "unchanged"
        self._replace(name, new)
        return "rewrapped"

    def key_ids_in_use(self) -> dict[str, int]:
        """How many files each KEK wraps (``"clear"`` for files not yet encrypted)."""
        counts: dict[str, int] = {}
        for name in self.names():
            head = self._read_head(name)  # the header and the tag of the shortest file
            kek = envelope.kek_id_of(head) if envelope.is_encrypted(head) else "clear"
            counts[kek] = counts.get(kek, 0) + 1
        return counts


class EncryptedFileSystemStorage(EnvelopeStorageMixin, FileSystemStorage):
    """Evidence in a local (or shared) folder, encrypted (see the module)."""

    def names(self) -> list[str]:
        root = Path(self.location)
        if not root.is_dir():
            return []
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def _read_raw(self, name: str) -> bytes:
        with open(self.path(name), "rb") as fh:
            return fh.read()

    def _read_head(self, name: str) -> bytes:
        with open(self.path(name), "rb") as fh:
            return fh.read(256)

    def _replace(self, name: str, blob: bytes) -> None:
        path = Path(self.path(name))
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


class EncryptedS3Storage(EnvelopeStorageMixin, S3Storage):
    """Evidence as objects of an S3-compatible bucket, encrypted before upload (see the module).

    Names are never overwritten (``file_overwrite`` is off: a taken name gets a random suffix,
    as on disk); objects are private (no ACL, no public URL is ever made: evidence is served
    only by a view after an access check).
    """

    def __init__(self, **settings_):
        settings_.setdefault("file_overwrite", False)
        settings_.setdefault("default_acl", None)
        settings_.setdefault("querystring_auth", True)
        super().__init__(**settings_)

    def names(self) -> list[str]:
        prefix = f"{self.location.rstrip('/')}/" if self.location else ""
        return sorted(
            obj.key[len(prefix) :]
            for obj in self.bucket.objects.filter(Prefix=prefix)
            if not obj.key.endswith("/")
        )

    def _read_raw(self, name: str) -> bytes:
        with S3Storage._open(self, name, "rb") as fh:  # the object's bytes, not decrypted
            return fh.read()

    def _read_head(self, name: str) -> bytes:
        return self._read_raw(name)[:256]

    def _replace(self, name: str, blob: bytes) -> None:
        # One PUT replaces an object atomically; S3Storage._save writes to the exact name.
        S3Storage._save(self, name, ContentFile(blob))
