"""Platform commands: demo, serve, migrate, createadmin, worker, audit verify.

Each sets up Django only when it runs, so that the core's commands stay light.
"""

from __future__ import annotations

import os
import sys

import click

from relocard.cli._common import fail


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocard.settings.base")
    import django

    django.setup()


def run_migrations(verbosity: int = 1) -> None:
    from django.conf import settings
    from django.core.management import call_command

    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.filemodes import tighten

    call_command("migrate", interactive=False, verbosity=verbosity)
    # A state folder made by an older version (or with a looser umask) becomes private.
    tighten(settings.VAR_DIR)


@click.command()
@click.option(
    "--bind", default="127.0.0.1:8000", show_default=True, help="Address and port to listen on."
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes [default: 2 x cores + 1].",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
def serve(bind: str, workers: int | None, threads: int) -> None:
    """Serve the platform with gunicorn (a production WSGI server)."""
    setup_django()
    _gunicorn(bind=bind, workers=workers, threads=threads)


def _gunicorn(*, bind: str, workers: int | None, threads: int) -> None:
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    # Local import: the command sets Django up first; models load only after that.
    from relocard.wsgi import application

    workers = workers or (2 * (os.cpu_count() or 1) + 1)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            # Paths only: query strings may carry search terms; names never appear in paths.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            # Every field escaped: a URL with %0a cannot forge a log line.
            self.cfg.set(
                "logger_class",
                "relocard.ops.logs.JsonGunicornLogger"
                if settings.RELOCARD_LOG_FORMAT == "json"
                else "relocard.common.accesslog.EscapingLogger",
            )
            self.cfg.set("timeout", 60)
            # No runtime control socket (gunicorn 25.1+ opens one in the home directory by
            # default): a second server on the machine would take it over, and nothing here
            # uses it. Stop and reload the server with signals as before.
            self.cfg.set("control_socket_disable", True)

        def load(self):
            return application

    click.echo(
        f"Relocard is serving on http://{bind}/ (gunicorn, {_count(workers, 'worker')}"
        f" x {_count(threads, 'thread')})"
    )
    Server().run()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@click.command()
def migrate() -> None:
    """Create or update the database tables."""
    setup_django()
    run_migrations()


@click.command()
@click.option(
    "--email", prompt="E-mail address of the programme admin", help="Sign-in e-mail address."
)
@click.option(
    "--password",
    envvar="RELOCARD_ADMIN_PASSWORD",
    default=None,
    help="Password (or RELOCARD_ADMIN_PASSWORD); asked for when missing.",
)
def createadmin(email: str, password: str | None) -> None:
    """Create a programme admin, who can sign in to the console and the admin site."""
    setup_django()
    from django.contrib.auth import password_validation
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    # Local import: the command sets Django up first; models load only after that.
    from relocard.accounts.models import Role, User
    from relocard.accounts.services import staff_user_create

    try:
        validate_email(email)
    except ValidationError:
        fail(f"{email!r} is not an e-mail address")
    if User.objects.filter(email__iexact=email).exists():
        fail(f"an account with {email} exists already")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        fail("the password is too weak: " + " ".join(exc.messages))
    staff_user_create(
        actor=None, email=email, password=password, role=Role.PROGRAMME_ADMIN, member_state=None
    )
    click.echo(f"Programme admin {email} created.")


@click.command()
@click.option(
    "--queue-name", default="default", show_default=True, help="Queue to take tasks from."
)
@click.option(
    "--interval", default=1.0, show_default=True, type=float, help="Seconds between polls."
)
@click.option("--batch", is_flag=True, help="Exit when the queue is empty (for cron and tests).")
def worker(queue_name: str, interval: float, batch: bool) -> None:
    """Run the background task worker (django-tasks-db: tasks are rows in the database)."""
    setup_django()
    from django.core.management import call_command

    # Local import: the command sets Django up first; models load only after that.
    from relocard.cli.schedule import ensure_recurring_tasks
    from relocard.ops.heartbeat import Heartbeat, new_worker_id

    ensure_recurring_tasks()
    # The worker's id is its heartbeat's (host:pid:random), so that the tasks it ran
    # (django-tasks-db records worker ids) and its heartbeat name the same process.
    worker_id = new_worker_id()
    args = ["--queue-name", queue_name, "--interval", str(interval), "--worker-id", worker_id]
    if batch:
        args.append("--batch")
    heartbeat = Heartbeat(worker_id)
    heartbeat.start()
    try:
        call_command(_quiet_db_worker(), *args)
    finally:
        heartbeat.stop()


def _quiet_db_worker():
    """django-tasks-db's worker command, minus its habit of setting its loggers to INFO
    whatever the settings say: here they never log below the root level that
    ``RELOCARD_LOG_LEVEL`` sets (the demo sets WARNING, so that a line per task does not
    bury its sign-ins; failures are still logged)."""
    import logging

    from django_tasks_db.compat import TASKS_LOGGER
    from django_tasks_db.management.commands.db_worker import Command

    class Worker(Command):
        def configure_logging(self, verbosity: int) -> None:
            super().configure_logging(verbosity)
            floor = logging.getLogger().level
            for name in (TASKS_LOGGER, "django_tasks_db"):
                task_logger = logging.getLogger(name)
                task_logger.setLevel(max(task_logger.level, floor))

    return Worker()


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute every event's and every block's hash; exit 1 naming the first problem."""
    setup_django()
    # Local import: the command sets Django up first; models load only after that.
    from relocard.audit.selectors import audit_chain_verify

    report = audit_chain_verify()
    if report.ok:
        click.echo(
            f"audit log intact: {report.events} events, {report.blocks} sealed blocks verified"
            + (
                f"; {report.unsealed} recent events match their hashes and await sealing"
                if report.unsealed
                else ""
            )
        )
        return
    click.echo(f"audit log BROKEN: {report.problem} ({report.events} events read)", err=True)
    sys.exit(1)


@audit.command("seal")
def audit_seal_command() -> None:
    """Seal the events written since the last seal into the hash chain (the worker does this
    every two minutes)."""
    setup_django()
    # Local import: the command sets Django up first; models load only after that.
    from relocard.audit.services import audit_seal

    click.echo(f"sealed {audit_seal()} events")


@click.command()
@click.option(
    "--bind", default="127.0.0.1:8000", show_default=True, help="Address and port to listen on."
)
@click.option(
    "--applicants",
    default=300,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Synthetic applicants to create on the first run.",
)
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop (no server).")
def demo(bind: str, applicants: int, no_serve: bool) -> None:
    """Migrate, seed a synthetic programme (first run only), print demo sign-ins, and serve."""
    os.environ.setdefault("RELOCARD_DEBUG", "0")
    # Links in e-mails and on cards point at this server; e-mails go to files, one per
    # message, rather than flooding the console with those the seeding sends.
    os.environ.setdefault("RELOCARD_BASE_URL", f"http://{bind}")
    os.environ.setdefault(
        "RELOCARD_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
    )
    setup_django()
    # Local import: the command sets Django up first; models load only after that.
    from relocard import demo as seed

    run_migrations(verbosity=0)
    credentials = seed.ensure_demo(applicants=applicants, echo=click.echo)
    click.echo("")
    for line in seed.sign_in_lines(credentials):
        click.echo(line)
    click.echo(
        "Staff and the bank sign in with a second factor: add the key to an authenticator app"
        " (FreeOTP, Aegis, a password manager) and type the code it shows. Passkeys work when"
        " the demo is opened at http://localhost:8000."
    )
    if not no_serve:
        click.echo("")
        worker = _start_worker()
        try:
            _gunicorn(bind=bind, workers=2, threads=4)
        finally:
            worker.terminate()
            worker.wait(10)


def _start_worker():
    """The demo runs the task worker beside the web server, so e-mails and the nightly
    compliance run happen as in production."""
    import subprocess

    from django.conf import settings

    click.echo("Starting the task worker (django-tasks-db) beside the server.")
    file_path = settings.MAILERS["default"].get("OPTIONS", {}).get("file_path")
    if file_path:
        click.echo(f"E-mails the platform sends are written to {file_path}/.")
    # A line per task would bury the sign-ins printed above; warnings and errors still show.
    env = {"RELOCARD_LOG_LEVEL": "WARNING", **os.environ}
    return subprocess.Popen([sys.executable, "-m", "relocard.cli", "worker"], env=env)
