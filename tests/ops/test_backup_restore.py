"""``relocard backup`` and ``relocard restore``, end to end, as an operator runs them.

The demo is seeded into a fresh installation (its own state folder and database: SQLite, or
a database of its own on the PostgreSQL server when the suite runs there), backed up, and
restored into another fresh installation. Afterwards the audit log verifies, the same cards
verify with the same result and the same share codes check. A wrong passphrase, a damaged
archive and a non-empty target are one-line errors that leave the target as it was.
"""

from __future__ import annotations

import json
import secrets
import textwrap

import pytest
from ops_installation import Installation

PASSPHRASE = "a long backup passphrase"

PROBE = textwrap.dedent(
    """
    import json, sys
    from datetime import date
    import django
    django.setup()
    from relocard.cards.credentials import latest, verify_payload
    from relocard.cards.models import Card
    from relocard.verification.models import VerifierMembership
    from relocard.verification.services import check_by_share_code, share_code_create

    mode = sys.argv[1]
    membership = VerifierMembership.objects.select_related("organisation", "user").get(
        user__email__startswith="checks@bank.")
    out = {"cards": {}, "codes": []}
    if mode == "make":
        card = Card.objects.get(applicant__user__email__startswith="applicant0@")
        _row, code = share_code_create(actor=card.applicant.user, card=card, purpose="bank")
        codes = [[code, card.applicant.date_of_birth.isoformat()]]
    else:
        codes = json.loads(sys.argv[2])
    for card in Card.objects.order_by("pk"):
        credential = latest(card, "rc1")
        if credential is not None:
            result = verify_payload(credential.payload)
            out["cards"][card.number] = [
                card.status, str(getattr(result, "status", result))]
    for code, dob in codes:
        check = check_by_share_code(organisation=membership.organisation, code=code,
            date_of_birth=date.fromisoformat(dob), reason="Opening an account",
            user=membership.user)
        out["codes"].append([code, dob, check.result])
    print(json.dumps(out))
    """
)


STATISTICS = textwrap.dedent(
    """
    import json
    import django
    django.setup()
    from django.db import connection
    if connection.vendor == "sqlite":
        print(json.dumps("sqlite"))
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'cases_application'")
            print(json.dumps("analysed" if cursor.fetchone()[0] else "no statistics"))
    """
)


@pytest.fixture(scope="module")
def installations(tmp_path_factory):
    root = tmp_path_factory.mktemp("backup")
    made = []

    def make(name: str) -> Installation:
        inst = Installation(
            root, f"{name}_{secrets.token_hex(3)}", RELOCARD_BACKUP_PASSPHRASE=PASSPHRASE
        )
        made.append(inst)
        return inst

    yield root, make
    for inst in made:
        inst.drop()


@pytest.fixture(scope="module")
def backed_up(installations):
    """The demo, checked once (the expected answers), then backed up."""
    root, make = installations
    source = make("src")
    source.run("demo", "--no-serve", "--applicants", "8")
    expected = source.script(PROBE, "make")
    archive = root / "demo.relocard-backup"
    done = source.run("backup", str(archive))
    assert "written to" in done.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    return source, archive, expected


def test_a_restored_demo_verifies_and_checks_the_same(installations, backed_up):
    _root, make = installations
    _source, archive, expected = backed_up
    assert expected["codes"][0][2] == "valid"
    assert any(status == "active" for status, _ in expected["cards"].values())

    target = make("dst")
    done = target.run("restore", str(archive))
    assert "restored backup" in done.stdout
    # On PostgreSQL the restore gathers the planner's statistics (a dump has none).
    assert target.script(STATISTICS) in ("sqlite", "analysed")
    verified = target.run("audit", "verify")
    assert "audit log intact" in verified.stdout
    # The same cards verify with the same result; the same share code checks again.
    codes = json.dumps([[c, d] for c, d, _ in expected["codes"]])
    again = target.script(PROBE, "check", codes)
    assert again["cards"] == expected["cards"]
    assert again["codes"] == expected["codes"]
    # The restore is in the audit log (and the backup's own making, which it contains).
    verified = target.run("audit", "verify")
    assert "audit log intact" in verified.stdout
    # A second restore into the now-filled installation is refused, and changes nothing.
    refused = target.run("restore", str(archive), check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: this installation's database is not empty")
    assert "Traceback" not in refused.stderr


def test_wrong_passphrase_writes_nothing(installations, backed_up):
    _root, make = installations
    _source, archive, _expected = backed_up
    target = make("wrongpass")
    done = target.run(
        "restore", str(archive), check=False, RELOCARD_BACKUP_PASSPHRASE="not the passphrase"
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: wrong passphrase for this backup"
    assert target.is_empty()


def test_a_damaged_archive_writes_nothing(installations, backed_up):
    root, make = installations
    _source, archive, _expected = backed_up
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = root / "damaged.relocard-backup"
    damaged.write_bytes(bytes(data))
    target = make("damaged")
    done = target.run("restore", str(damaged), check=False)
    assert done.returncode == 2
    assert "damaged or was altered" in done.stderr and "Traceback" not in done.stderr
    assert target.is_empty()
    truncated = root / "truncated.relocard-backup"
    truncated.write_bytes(bytes(archive.read_bytes()[:-100]))
    done = target.run("restore", str(truncated), check=False)
    assert done.returncode == 2 and "truncated" in done.stderr
    assert target.is_empty()


def test_a_different_secret_key_is_refused(installations, backed_up):
    _root, make = installations
    _source, archive, _expected = backed_up
    target = make("secret")
    done = target.run(
        "restore", str(archive), check=False, RELOCARD_SECRET_KEY="another-secret-key-0123456789"
    )
    assert done.returncode == 2 and "RELOCARD_SECRET_KEY differs" in done.stderr
    assert target.is_empty()


def test_backup_refuses_to_overwrite_and_short_passphrases(installations, backed_up):
    _root, _make = installations
    source, archive, _expected = backed_up
    before = archive.read_bytes()
    done = source.run("backup", str(archive), check=False)
    assert done.returncode == 2 and "exists already" in done.stderr
    assert archive.read_bytes() == before
    done = source.run(
        "backup", str(archive.with_name("new")), check=False, RELOCARD_BACKUP_PASSPHRASE="short"
    )
    assert done.returncode == 2 and "at least 12 characters" in done.stderr
    assert not archive.with_name("new").exists()
