"""Evidence is encrypted at rest: the bytes on disk are not the document, serving still works,
keys rotate, and files written before encryption are encrypted in place by a command."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from tests.conftest import pdf_bytes

from relocard.audit.models import AuditEvent
from relocard.cli import main
from relocard.common import envelope
from relocard.common.storage import evidence_keys

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_evidence_folder(monkeypatch, tmp_path):
    """These tests run `relocard evidence`, which walks every stored file: give them a folder
    of their own (the worker's folder holds other tests' files, under other tests' keys). The
    evidence field and the command share the one storage object: point it elsewhere."""
    storage = storages["evidence"]
    folder = str(tmp_path / "evidence")
    monkeypatch.setattr(storage, "base_location", folder)
    monkeypatch.setattr(storage, "location", folder)


def _on_disk(item) -> bytes:
    return Path(item.file.path).read_bytes()


def test_the_bytes_on_disk_are_not_the_document_and_serving_still_works(client, make_case):
    app = make_case("draft")
    item = app.evidence.first()
    blob = _on_disk(item)
    assert blob.startswith(envelope.MAGIC)
    assert b"%PDF" not in blob and hashlib.sha256(blob).hexdigest() != item.sha256
    client.force_login(app.applicant.user)
    response = client.get(reverse("portal:evidence_file", args=[app.reference, item.pk]))
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"%PDF-") and hashlib.sha256(served).hexdigest() == item.sha256


def test_without_the_key_store_or_under_another_name_nothing_decrypts(make_case, tmp_path):
    item = make_case("draft").evidence.first()
    blob = _on_disk(item)
    stranger = envelope.EvidenceKeys(tmp_path / "other-keys")
    stranger.current_id()  # a key store, but not ours: a stolen disk with a guessed key
    with pytest.raises(envelope.EnvelopeError):
        envelope.decrypt(blob, name=item.file.name, keys=stranger)
    with pytest.raises(envelope.EnvelopeError):
        envelope.decrypt(blob, name="2026/01/another.pdf", keys=evidence_keys())
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(envelope.EnvelopeError):
        envelope.decrypt(tampered, name=item.file.name, keys=evidence_keys())


def test_rotation_re_wraps_every_file_and_the_old_key_can_go(client, make_case):
    app = make_case("draft")
    old = evidence_keys().current_id()
    runner = CliRunner()
    result = runner.invoke(main, ["evidence", "new-key"])
    assert result.exit_code == 0, result.output
    new = evidence_keys().current_id()
    assert new != old
    result = runner.invoke(main, ["evidence", "encrypt"])
    assert result.exit_code == 0, result.output
    assert f"{app.evidence.count()} re-wrapped" in result.output or "re-wrapped" in result.output
    status = runner.invoke(main, ["evidence", "status"]).output
    assert f"key {old}: 0 files" in status
    (Path(settings.RELOCARD_KEY_DIR) / "evidence" / f"{old}.kek").unlink()
    item = app.evidence.first()
    assert envelope.kek_id_of(_on_disk(item)) == new
    client.force_login(app.applicant.user)
    response = client.get(reverse("portal:evidence_file", args=[app.reference, item.pk]))
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == item.sha256
    assert AuditEvent.objects.filter(action="evidence.key_rotated", object_id=new).exists()
    assert AuditEvent.objects.filter(action="evidence.encrypted").exists()


def test_a_file_stored_in_clear_before_is_encrypted_in_place(make_case):
    app = make_case("draft")
    item = app.evidence.first()
    path = Path(item.file.path)
    # As an older version left it: the document itself on disk.
    path.write_bytes(pdf_bytes())
    with item.file.open("rb") as fh:  # still readable meanwhile
        assert fh.read() == pdf_bytes()
    result = CliRunner().invoke(main, ["evidence", "encrypt"])
    assert result.exit_code == 0 and "1 encrypted" in result.output, result.output
    assert path.read_bytes().startswith(envelope.MAGIC)
    assert path.stat().st_mode & 0o077 == 0
    item.refresh_from_db()
    with item.file.open("rb") as fh:
        assert fh.read() == pdf_bytes()


def test_a_name_taken_meanwhile_is_bound_into_the_file():
    storage = storages["evidence"]
    first = storage.save("name-race/same.pdf", ContentFile(b"one"))
    second = storage.save("name-race/same.pdf", ContentFile(b"two"))
    assert first != second
    assert storage.open(second).read() == b"two" and storage.open(first).read() == b"one"
    shutil.rmtree(Path(storage.location) / "name-race")
