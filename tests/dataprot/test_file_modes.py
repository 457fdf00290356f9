"""Finding 5: state files and folders are readable by the service's user only.

Each test starts a fresh process with the loose umask a shell usually has (022), as
``relocard serve``, ``manage.py`` or the worker would start, and checks the mode of what it
creates: the SQLite database with its WAL and shared-memory files, evidence files and their
folders, the key store and the demo's mail folder.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from relocard.common.filemodes import tighten

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    os.environ["DJANGO_SETTINGS_MODULE"] = "relocard.settings.base"
    import django
    django.setup()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from django.core.mail import EmailMessage
    from django.db import connection

    var = Path(settings.VAR_DIR)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE t (x TEXT)")
        cur.execute("INSERT INTO t VALUES ('Иванова')")
        # While the connection is open, the WAL and shared-memory files exist.
        modes = {
            p.name: oct(p.stat().st_mode & 0o777)
            for p in var.iterdir() if p.name.startswith("relocard.sqlite3")
        }
    name = storages["evidence"].save("2026/12/scan.pdf", ContentFile(b"%PDF-1.4 test"))
    evidence = var / "evidence"
    modes["evidence/"] = oct(evidence.stat().st_mode & 0o777)
    modes["evidence/2026/"] = oct((evidence / "2026").stat().st_mode & 0o777)
    modes["evidence/2026/12/"] = oct((evidence / "2026" / "12").stat().st_mode & 0o777)
    modes["evidence file"] = oct((evidence / name).stat().st_mode & 0o777)
    from relocard.cards.credentials import keystore
    keystore().ensure_member_state("FR")
    keys = Path(settings.RELOCARD_KEY_DIR)
    for p in [keys, *keys.rglob("*")]:
        modes["keys/" + str(p.relative_to(keys)) + ("/" if p.is_dir() else "")] = oct(p.stat().st_mode & 0o777)
    EmailMessage("reset", "link", to=["a@example.org"]).send()
    mail = var / "mail"
    modes["mail/"] = oct(mail.stat().st_mode & 0o777)
    for p in mail.iterdir():
        modes["mail file"] = oct(p.stat().st_mode & 0o777)
    modes["var/"] = oct(var.stat().st_mode & 0o777)
    modes["secret_key"] = oct((var / "secret_key").stat().st_mode & 0o777)
    print(json.dumps(modes))
    """
)


def run_with_loose_umask(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RELOCARD_", "DATABASE_URL", "DJANGO_"))
    }
    env |= {
        "RELOCARD_VAR_DIR": str(var_dir),
        "RELOCARD_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        umask=0o022,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_state_file_and_folder_is_private(tmp_path):
    modes = run_with_loose_umask(tmp_path / "var")
    assert {"relocard.sqlite3", "relocard.sqlite3-wal", "relocard.sqlite3-shm"} <= set(modes)
    assert any(k.startswith("keys/") and k.endswith(".pem") for k in modes)
    assert "mail file" in modes
    for name, mode in modes.items():
        expected = "0o700" if name.endswith("/") else "0o600"  # folders end with a slash
        assert mode == expected, f"{name} is {mode}, expected {expected}"


def test_tighten_repairs_a_folder_made_by_an_older_version(tmp_path):
    var = tmp_path / "var"
    (var / "evidence" / "2025" / "01").mkdir(parents=True, mode=0o755)
    for p in (var, var / "evidence", var / "evidence" / "2025", var / "evidence" / "2025" / "01"):
        p.chmod(0o755)
    scan = var / "evidence" / "2025" / "01" / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4")
    scan.chmod(0o644)
    db = var / "relocard.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    (var / "static").mkdir(mode=0o755)
    (var / "static").chmod(0o755)

    assert tighten(var) == 6
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert stat.S_IMODE((var / "evidence" / "2025" / "01").stat().st_mode) == 0o700
    assert stat.S_IMODE(scan.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "static").stat().st_mode) == 0o755  # public files, left alone
    assert tighten(var) == 0


def test_the_settings_set_a_private_umask():
    import relocard.settings.base  # noqa: F401  (loaded by the test settings already)

    current = os.umask(0o077)
    os.umask(current)
    assert current == 0o077
