"""Evidence in an S3-compatible object store, tested against a real S3 server (moto's
standalone server, started on a free port): the bucket holds ciphertext only, names are never
overwritten, a moved object does not decrypt, ``relocard evidence`` maintenance works on it,
and an upload through the case service lands in the bucket and is served back by the app."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.conftest import pdf_bytes

from relocard.common import envelope
from relocard.common.storage import EncryptedS3Storage, evidence_keys

boto3 = pytest.importorskip("boto3")
BUCKET = "relocard-evidence-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server in its own process, on a free port of the loopback."""
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "x"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "moto did not start"
            time.sleep(0.2)
        client = boto3.client(
            "s3",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing-secret",
            region_name="eu-central-1",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        yield url, client
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def storage(s3_server, request):
    url, client = s3_server
    prefix = f"t/{request.node.name}"
    return (
        EncryptedS3Storage(
            bucket_name=BUCKET,
            endpoint_url=url,
            region_name="eu-central-1",
            location=prefix,
            **CREDENTIALS,
        ),
        client,
        prefix,
    )


def _object(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_the_bucket_holds_ciphertext_and_the_storage_reads_the_document(storage):
    store, client, prefix = storage
    document = b"%PDF-1.4 diploma of ANNA IVANOVA, ISCED 7"
    name = store.save("2026/12/diploma.pdf", ContentFile(document))
    stored = _object(client, f"{prefix}/{name}")
    assert stored.startswith(envelope.MAGIC) and b"IVANOVA" not in stored
    with store.open(name) as fh:
        assert fh.read() == document


def test_a_taken_name_is_never_overwritten(storage):
    store, _client, _prefix = storage
    first = store.save("2026/12/lease.pdf", ContentFile(b"first lease"))
    second = store.save("2026/12/lease.pdf", ContentFile(b"second lease"))
    assert first != second
    assert store.open(first).read() == b"first lease"
    assert store.open(second).read() == b"second lease"


def test_an_object_moved_to_another_name_does_not_decrypt(storage):
    store, client, prefix = storage
    name = store.save("a.pdf", ContentFile(b"the document of one case"))
    client.put_object(
        Bucket=BUCKET, Key=f"{prefix}/b.pdf", Body=_object(client, f"{prefix}/{name}")
    )
    with pytest.raises(envelope.EnvelopeError):
        store.open("b.pdf")


def test_maintenance_encrypts_clear_objects_and_rewraps_after_a_rotation(storage):
    store, client, prefix = storage
    client.put_object(Bucket=BUCKET, Key=f"{prefix}/old/clear.pdf", Body=b"written in clear")
    encrypted = store.save("new.pdf", ContentFile(b"written encrypted"))
    assert store.names() == sorted(["old/clear.pdf", encrypted])
    kek = evidence_keys().current_id()
    assert store.key_ids_in_use() == {"clear": 1, kek: 1}
    assert store.encrypt_in_place("old/clear.pdf") == "encrypted"
    assert store.open("old/clear.pdf").read() == b"written in clear"
    assert _object(client, f"{prefix}/old/clear.pdf").startswith(envelope.MAGIC)
    evidence_keys().rotate()
    new_kek = evidence_keys().current_id()
    assert sorted(store.encrypt_in_place(n) for n in store.names()) == ["rewrapped", "rewrapped"]
    assert store.key_ids_in_use() == {new_kek: 2}
    assert store.open(encrypted).read() == b"written encrypted"


@pytest.mark.django_db
def test_an_upload_through_the_case_service_goes_to_the_bucket(
    storage, make_case, client, monkeypatch
):
    from relocard.cases import services as cs
    from relocard.cases.models import EvidenceItem

    store, s3, prefix = storage
    # The evidence field holds the storage made at start-up from the settings: swap it in.
    monkeypatch.setattr(EvidenceItem._meta.get_field("file"), "storage", store)
    app = make_case("draft")
    document = pdf_bytes("Diploma ISCED 7")
    item = cs.evidence_add(
        actor=app.applicant.user,
        application=app,
        kind="diploma",
        upload=SimpleUploadedFile("diploma.pdf", document, "application/pdf"),
        facts_data={"diploma-isced_level": "7"},
    )
    stored = _object(s3, f"{prefix}/{EvidenceItem.objects.get(pk=item.pk).file.name}")
    assert stored.startswith(envelope.MAGIC) and document not in stored
    client.force_login(app.applicant.user)
    served = client.get(f"/apply/{app.reference}/documents/{item.pk}/")
    assert served.status_code == 200
    body = b"".join(served.streaming_content) if served.streaming else served.content
    assert body == document


def test_settings_select_the_s3_storage_from_the_environment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELOCARD_", "DATABASE_URL"))}
    env.update(
        RELOCARD_VAR_DIR=str(tmp_path),
        RELOCARD_EVIDENCE_STORAGE="s3",
        RELOCARD_S3_BUCKET="programme-evidence",
        RELOCARD_S3_ENDPOINT_URL="http://127.0.0.1:9",
        DJANGO_SETTINGS_MODULE="relocard.settings.base",
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "e = settings.STORAGES['evidence']; print(e['BACKEND'], e['OPTIONS']['bucket_name'])"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.split() == [
        "relocard.common.storage.EncryptedS3Storage",
        "programme-evidence",
    ]
    del env["RELOCARD_S3_BUCKET"]
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "needs RELOCARD_S3_BUCKET" in refused.stderr
