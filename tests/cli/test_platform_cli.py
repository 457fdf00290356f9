"""The platform commands, and the rule that every command is documented in the README."""

from __future__ import annotations

import logging
import pathlib
import re

import pytest
from click.testing import CliRunner
from django.db import connection, transaction

from relocard.audit.services import audit_record
from relocard.cli import COMMANDS, main

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_every_command_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if not re.search(rf"relocard {name}\b", text)]
    assert missing == []


def test_quick_start_is_two_commands_and_says_how_to_get_uv():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = quick.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [c.split()[:2] for c in commands] == [["uv", "run"], ["uv", "run"]]
    # A fresh machine has Python but not uv: the quick start says how to get it.
    assert "python3 -m pip install uv" in quick.split("```sh", 1)[0]


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.django_db
def test_audit_seal_and_verify_report_intact_and_broken_chains():
    runner = CliRunner()
    ids = []
    for i in range(3):
        with transaction.atomic():
            ids.append(audit_record(actor=None, action="t", object_type="t", object_id=i).pk)
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "3 recent events" in result.output
    result = runner.invoke(main, ["audit", "seal"])
    assert result.exit_code == 0 and "sealed 3 events" in result.output
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0 and "3 events, 1 sealed blocks verified" in result.output
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [ids[1]])
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"event #{ids[1]}" in result.output


@pytest.mark.django_db
def test_createadmin_validates_and_creates():
    from relocard.accounts.models import User

    runner = CliRunner()
    bad = runner.invoke(main, ["createadmin", "--email", "not-an-email", "--password", "x"])
    assert bad.exit_code == 2 and "not an e-mail address" in bad.output
    weak = runner.invoke(
        main, ["createadmin", "--email", "admin@example.test", "--password", "123"]
    )
    assert weak.exit_code == 2 and "too weak" in weak.output
    assert not User.objects.exists()
    ok = runner.invoke(
        main, ["createadmin", "--email", "admin@example.test", "--password", "a sturdy passphrase"]
    )
    assert ok.exit_code == 0, ok.output
    user = User.objects.get()
    assert (
        user.role == "programme_admin"
        and user.is_staff
        and user.check_password("a sturdy passphrase")
    )


def test_every_setting_read_from_the_environment_is_documented():
    import relocard

    src = pathlib.Path(relocard.__file__).parent
    names = set()
    for path in src.rglob("*.py"):
        names |= set(
            re.findall(
                r"environ(?:\.get)?\(\s*\"(RELOCARD_[A-Z0-9_]+)\"", path.read_text(encoding="utf-8")
            )
        )
        names |= set(
            re.findall(r"envvar=\"(RELOCARD_[A-Z0-9_]+)\"", path.read_text(encoding="utf-8"))
        )
        names |= set(
            re.findall(r"_ENV = \"(RELOCARD_[A-Z0-9_]+)\"", path.read_text(encoding="utf-8"))
        )
    readme = README.read_text(encoding="utf-8")
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert names and missing == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:p%40ss%2Fword@mail.example.org",
            {"host": "mail.example.org", "port": 587, "username": "mailer",
             "password": "p@ss/word", "use_tls": True, "use_ssl": False},
        ),
        (
            "smtps://mail.example.org:2465",
            {"host": "mail.example.org", "port": 2465, "username": "", "password": "",
             "use_tls": False, "use_ssl": True},
        ),
        (
            "smtp+plain://localhost",
            {"host": "localhost", "port": 25, "use_tls": False, "use_ssl": False},
        ),
    ],
)  # fmt: skip
def test_email_url_configures_smtp(monkeypatch, url, expected):
    from relocard.settings.base import mailer_config

    monkeypatch.setenv("RELOCARD_EMAIL_URL", url)
    config = mailer_config()
    assert config["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert expected.items() <= config["OPTIONS"].items()


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mail.example.org:25"])
def test_a_wrong_email_url_is_refused_with_the_expected_form(monkeypatch, url):
    from django.core.exceptions import ImproperlyConfigured

    from relocard.settings.base import mailer_config

    monkeypatch.setenv("RELOCARD_EMAIL_URL", url)
    with pytest.raises(ImproperlyConfigured, match="smtp://user:password@host:587"):
        mailer_config()


def test_file_mailer_writes_under_the_var_dir(monkeypatch):
    from relocard.settings.base import VAR_DIR, mailer_config

    monkeypatch.delenv("RELOCARD_EMAIL_URL", raising=False)
    monkeypatch.setenv("RELOCARD_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    assert mailer_config()["OPTIONS"] == {"file_path": str(VAR_DIR / "mail")}
    monkeypatch.delenv("RELOCARD_EMAIL_BACKEND")
    assert mailer_config() == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_postgres_urls_prepare_statements_and_other_urls_are_left_alone(monkeypatch):
    from relocard.settings.base import database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://relocard@db.example.org:5432/relocard")
    options = database_config()["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/relocard/relocard.sqlite3")
    config = database_config()
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "server_side_binding" not in config.get("OPTIONS", {})


@pytest.mark.parametrize("root_level", [logging.INFO, logging.WARNING])
def test_the_worker_logs_tasks_no_lower_than_the_configured_level(root_level):
    """django-tasks-db's command sets its loggers to INFO on its own; `relocard worker` keeps
    them at the level RELOCARD_LOG_LEVEL gives the root logger (the demo uses WARNING)."""
    from django_tasks_db.compat import TASKS_LOGGER

    from relocard.cli.platform import _quiet_db_worker

    names = (TASKS_LOGGER, "django_tasks_db")
    root = logging.getLogger()
    saved = root.level, [logging.getLogger(n).level for n in names]
    try:
        root.setLevel(root_level)
        _quiet_db_worker().configure_logging(1)
        assert [logging.getLogger(n).level for n in names] == [root_level, root_level]
    finally:
        root.setLevel(saved[0])
        for name, level in zip(names, saved[1], strict=True):
            logging.getLogger(name).setLevel(level)
