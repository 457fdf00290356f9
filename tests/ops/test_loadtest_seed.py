"""``relocard loadtest seed``: a tiny seed on PostgreSQL, as CI runs it, and its refusals.

The seed of 300,000 applicants is measured by ``bench/web_load.py``, never here.
"""

from __future__ import annotations

import json
import os
import secrets
import stat

import pytest
from click.testing import CliRunner
from django.db import connection
from ops_installation import Installation

from relocard.cli import main

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="the seed writes with PostgreSQL's COPY: the suite runs on SQLite"
)

CHECK = """
import json
import django
django.setup()
from collections import Counter
from django.conf import settings
from relocard.accounts.models import Applicant
from relocard.cards.credentials import verify_payload
from relocard.cards.models import Card, CardCredential
from relocard.cases.models import Application
from relocard.common.person_index import applicant_keys
from relocard.verification.models import ShareCode
from relocard.verification.services.share_codes import code_digest
seeded = json.loads((settings.VAR_DIR / "loadtest.json").read_text())
keys_ok = all(
    (a.passport_index, a.name_index) == applicant_keys(a)
    for a in Applicant.objects.filter(user__email__startswith="applicant")[:50]
)
codes_ok = all(
    ShareCode.objects.filter(digest=code_digest(c["code"])).exists()
    for c in seeded["share_codes"]
)
print(json.dumps({
    "states": Counter(Application.objects.values_list("state", flat=True)),
    "member_states": sorted(set(Application.objects.values_list("member_state", flat=True))),
    "cards": Card.objects.count(),
    "signed": CardCredential.objects.values("card").distinct().count(),
    "keys_ok": keys_ok,
    "codes_ok": codes_ok and bool(seeded["share_codes"]),
    "probes": len(seeded["probe_applicants"]),
    "qr": len(seeded["qr_payloads"]),
    # Every seeded QR code checks as a verifier checks it: valid, signed by a signer whose
    # certificate was valid when the card was signed (months before the seed ran).
    "qr_checks": sorted({verify_payload(p["payload"]).status for p in seeded["qr_payloads"]}),
}))
"""


@pytest.mark.django_db
@pytest.mark.skipif(ON_POSTGRES, reason="this test is about SQLite")
def test_the_seed_refuses_sqlite_and_writes_nothing():
    from relocard.accounts.models import User

    result = CliRunner().invoke(main, ["loadtest", "seed", "--applicants", "10"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the load-test seed needs PostgreSQL")
    assert len(result.stderr.strip().splitlines()) == 1
    assert connection.vendor == "sqlite" and not User.objects.exists()


def test_the_seed_refuses_an_unusable_count():
    result = CliRunner().invoke(main, ["loadtest", "seed", "--applicants", "0"])
    assert result.exit_code == 2 and "--applicants" in result.stderr


@needs_postgres
def test_a_small_seed_on_postgresql_is_complete_verifies_and_refuses_a_second_run(tmp_path):
    inst = Installation(tmp_path, f"seed_{secrets.token_hex(3)}")
    try:
        inst.run("migrate")
        done = inst.run("loadtest", "seed", "--applicants", "300")
        counts = json.loads(done.stdout)["counts"]
        assert counts["accounts.applicant"] == 300 and counts["cases.application"] == 300
        for table in ("cases.evidenceitem", "cards.card", "presence.trip", "audit.auditevent"):
            assert counts[table] > 0, table
        # The audit chain the sealer built over the seeded events verifies.
        assert "audit log intact" in inst.run("audit", "verify").stdout
        facts = inst.script(CHECK)
        assert set(facts["states"]) == {
            "draft",
            "submitted",
            "in_review",
            "correction_requested",
            "refusal_proposed",
            "approval_proposed",
            "approved",
            "refused",
            "withdrawn",
        }
        assert facts["member_states"] == ["CY", "DE", "FR", "PL"]
        assert facts["cards"] == facts["signed"] == facts["states"]["approved"]
        assert facts["keys_ok"] and facts["codes_ok"] and facts["probes"] and facts["qr"]
        assert facts["qr_checks"] == ["valid"]
        path = inst.var / "loadtest.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # A second seed into the same database is refused, and changes nothing.
        again = inst.run("loadtest", "seed", "--applicants", "5", check=False)
        assert again.returncode == 2
        assert "is not empty" in again.stderr and len(again.stderr.strip().splitlines()) == 1
        assert inst.script(CHECK)["cards"] == facts["cards"]
    finally:
        inst.drop()


@needs_postgres
def test_the_seed_refuses_an_installation_served_over_https(tmp_path):
    inst = Installation(
        tmp_path, f"seed_https_{secrets.token_hex(3)}", RELOCARD_BASE_URL="https://relocard.test"
    )
    try:
        inst.run("migrate")
        refused = inst.run("loadtest", "seed", "--applicants", "5", check=False)
        assert refused.returncode == 2
        assert "served over https" in refused.stderr
        assert inst.script(CHECK.split("seeded =")[0] + "print(Application.objects.count())") == 0
    finally:
        inst.drop()
