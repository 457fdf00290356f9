"""The evidence storage: files on disk, encrypted at rest (:mod:`relocard.common.envelope`).

``STORAGES["evidence"]`` uses :class:`EncryptedFileSystemStorage`: what is saved is encrypted
under a fresh data key before it reaches the disk, and what is opened is decrypted (and
authenticated) in memory; evidence files are at most ``RELOCARD_EVIDENCE_MAX_BYTES``. The
key-encryption keys live in ``RELOCARD_KEY_DIR/evidence``. A file written before encryption was
introduced is read as it is until ``relocard evidence encrypt`` has encrypted it in place.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from relocard.common import envelope


def evidence_keys() -> envelope.EvidenceKeys:
    return envelope.EvidenceKeys(Path(settings.RELOCARD_KEY_DIR) / "evidence")


class EncryptedFileSystemStorage(FileSystemStorage):
    """A FileSystemStorage whose files are AES-GCM envelopes (see relocard.common.envelope)."""

    def _save(self, name, content):
        content.seek(0)
        plaintext = content.read()
        if isinstance(plaintext, str):
            plaintext = plaintext.encode("utf-8")
        # The name is bound into the ciphertext, so fix it first (as FileSystemStorage would).
        name = self.get_available_name(name)
        blob = envelope.encrypt(plaintext, name=name, keys=evidence_keys())
        final = super()._save(name, ContentFile(blob))
        if final != name:  # another process took the name meanwhile: bind the final one
            self._replace(final, envelope.encrypt(plaintext, name=final, keys=evidence_keys()))
        return final

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("evidence files are written through save() only")
        with open(self.path(name), "rb") as fh:
            blob = fh.read()
        if envelope.is_encrypted(blob):
            blob = envelope.decrypt(blob, name=name, keys=evidence_keys())
        file = ContentFile(blob, name=name)
        return File(file.file, name=name)

    # --- maintenance (relocard evidence encrypt | status) -------------------------------------

    def names(self) -> list[str]:
        root = Path(self.location)
        if not root.is_dir():
            return []
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )

    def _replace(self, name: str, blob: bytes) -> None:
        path = Path(self.path(name))
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def encrypt_in_place(self, name: str) -> str:
        """Encrypt a file still in clear, or re-wrap its data key under the current KEK.

        Returns ``"encrypted"``, ``"rewrapped"`` or ``"unchanged"``.
        """
        blob = Path(self.path(name)).read_bytes()
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
            with open(self.path(name), "rb") as fh:
                head = fh.read(256)  # the header and the tag of the shortest file
            kek = envelope.kek_id_of(head) if envelope.is_encrypted(head) else "clear"
            counts[kek] = counts.get(kek, 0) + 1
        return counts
