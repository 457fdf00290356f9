"""A fresh Relocard installation for tests that run the ``relocard`` command and servers as
an operator would: its own state folder, and its own database (SQLite in the folder, or a
database of its own on the PostgreSQL server when the suite runs on PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _fresh_pg_database(name: str) -> str:
    import psycopg

    base = _pg_url()
    server = base.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    server = _pg_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Installation:
    """A state folder and a database, driven through the ``relocard`` command."""

    def __init__(self, root: Path, name: str, **env: str):
        self.var = root / name
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("RELOCARD_", "DATABASE_URL", "PYTEST_XDIST"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="relocard.settings.base",
            RELOCARD_VAR_DIR=str(self.var),
            RELOCARD_LOG_LEVEL="WARNING",
            RELOCARD_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        self.env.update(env)
        self.db_name = None
        if _pg_url():
            self.db_name = f"{os.environ.get('RELOCARD_TEST_DB', 'test_relocard')}_{name}"
            self.env["DATABASE_URL"] = _fresh_pg_database(self.db_name)

    def run(self, *args: str, check: bool = True, **env) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "relocard.cli", *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"relocard {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def script(self, code: str, *args: str) -> dict:
        """Run a Python script with Django set up for this installation; its JSON output."""
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    def is_empty(self) -> bool:
        files = [
            p
            for folder in ("evidence", "keys")
            if (self.var / folder).exists()
            for p in (self.var / folder).rglob("*")
        ]
        leftovers = [p.name for p in self.var.glob(".restore-*")] if self.var.exists() else []
        if self.db_name:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                tables = conn.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                ).fetchone()[0]
        else:
            tables = int((self.var / "relocard.sqlite3").exists())
        return not files and not leftovers and tables == 0

    def drop(self) -> None:
        if self.db_name:
            _drop_pg_database(self.db_name)
