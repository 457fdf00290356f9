"""Settings for Relocard, read from environment variables (see the README's table).

Database: SQLite in WAL mode under ``./var/`` by default; PostgreSQL when ``DATABASE_URL`` is
set (e.g. ``postgres://user@127.0.0.1:5432/relocard``). Background work: Django's tasks
framework with the django-tasks-db backend (``relocard worker`` runs the worker).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from relocard.common.filemodes import DIR_MODE, FILE_MODE, private_dir, restrict_umask

# Every process that loads these settings creates its files 0600 and folders 0700: the SQLite
# database and its WAL, evidence, keys, mail (see relocard.common.filemodes).
restrict_umask()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: Where the running instance keeps its state: the SQLite file, uploaded evidence, keys.
VAR_DIR = Path(os.environ.get("RELOCARD_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("RELOCARD_DEBUG", False)


def _secret_key() -> str:
    """RELOCARD_SECRET_KEY, or a random key kept in ``var/secret_key`` for a self-hosted demo."""
    key = os.environ.get("RELOCARD_SECRET_KEY", "").strip()
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        private_dir(VAR_DIR)
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h for h in os.environ.get("RELOCARD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("RELOCARD_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
#: Public base URL, used in printed cards, status-list URIs and e-mails.
RELOCARD_BASE_URL = os.environ.get("RELOCARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "relocard.common",
    "relocard.accounts",
    "relocard.reference",
    "relocard.audit",
    "relocard.cases",
    "relocard.cards",
    "relocard.enrolment",
    "relocard.letters",
    "relocard.presence",
    "relocard.portal",
    "relocard.console",
    "relocard.verification",
    "relocard.ops",
    "relocard.humanitarian",
    "relocard.screening",
    "relocard.consular",
    "ninja",  # serves the API documentation's scripts from our own static files (CSP)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in person's language comes from their account (after authentication).
    "relocard.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, then the second factor before any staff page.
    "relocard.accounts.middleware.SessionPolicyMiddleware",
    "relocard.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "relocard.common.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "relocard.urls"
WSGI_APPLICATION = "relocard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relocard.common.context_processors.relocard",
            ],
        },
    }
]


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        # Parameters bound by the server, and a statement prepared once a connection has run
        # it 5 times: hot statements (a check's lookup and write) are not parsed and planned
        # again on every request. A pooler in front needs to support prepared statements
        # (PgBouncer 1.21 or later with max_prepared_statements).
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
        return config
    private_dir(VAR_DIR)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "relocard.sqlite3",
        "OPTIONS": {
            # WAL lets the web server and the task worker read while one of them writes.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
#: Every sign-in by password goes through this backend, which refuses a throttled account or
#: address before it hashes anything (see relocard.accounts.throttle).
AUTHENTICATION_BACKENDS = ["relocard.accounts.backends.ThrottledModelBackend"]
#: Argon2id for new passwords; older hashes (PBKDF2) still verify and are upgraded to Argon2
#: at the next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
#: The interface's languages: adding one is the procedure of docs/languages.md (a test checks
#: that each has a format module, a catalogue, Babel's locale data and a native name).
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pl", _("Polish")),
    ("el", _("Greek")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
#: English pages use EU conventions (31 December 2026, 24-hour clock), not US ones.
FORMAT_MODULE_PATH = ["relocard.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Brussels"
LANGUAGE_COOKIE_NAME = "relocard_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from here after collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Evidence lives outside the web root and is only served by a view after an access check,
    # encrypted at rest under keys from RELOCARD_KEY_DIR (relocard.common.envelope).
    "evidence": {
        "BACKEND": "relocard.common.storage.EncryptedFileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "evidence", "base_url": None},
    },
}
#: ``s3``: evidence in an S3-compatible bucket (several machines without a shared folder);
#: encrypted before upload all the same (docs/operations.md lists the variables).
RELOCARD_EVIDENCE_STORAGE = os.environ.get("RELOCARD_EVIDENCE_STORAGE", "local").strip().lower()
if RELOCARD_EVIDENCE_STORAGE == "s3":
    if not os.environ.get("RELOCARD_S3_BUCKET"):
        raise ImproperlyConfigured("RELOCARD_EVIDENCE_STORAGE=s3 needs RELOCARD_S3_BUCKET")
    STORAGES["evidence"] = {
        "BACKEND": "relocard.common.storage.EncryptedS3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["RELOCARD_S3_BUCKET"],
            "location": os.environ.get("RELOCARD_S3_PREFIX", "evidence"),
            "endpoint_url": os.environ.get("RELOCARD_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("RELOCARD_S3_REGION") or None,
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID..., an instance role).
            "access_key": os.environ.get("RELOCARD_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("RELOCARD_S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("RELOCARD_S3_ADDRESSING_STYLE") or None,
        },
    }
elif RELOCARD_EVIDENCE_STORAGE != "local":
    raise ImproperlyConfigured("RELOCARD_EVIDENCE_STORAGE must be local or s3")
#: Stored files (evidence) and the folders made for them are the service user's only.
FILE_UPLOAD_PERMISSIONS = FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = DIR_MODE
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

#: Largest evidence file accepted, in bytes (default 10 MiB).
RELOCARD_EVIDENCE_MAX_BYTES = int(os.environ.get("RELOCARD_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

#: The security screening (docs/screening.md): no case is approved before it was screened
#: against the latest sanctions-list version and every national check its member state requires
#: was answered "no objection" with four eyes. Deliberately not read from the environment: a
#: deployment cannot switch it off (fail closed). Only the test settings turn it off, for the
#: suites of other areas; the screening tests turn it back on.
RELOCARD_SCREENING_REQUIRED = True

#: Where private signing keys live: files outside the database, never logged.
RELOCARD_KEY_DIR = Path(os.environ.get("RELOCARD_KEY_DIR", VAR_DIR / "keys")).resolve()
#: The DejaVu Sans fonts embedded in decision letters (Debian package fonts-dejavu-core).
RELOCARD_LETTER_FONT_DIR = os.environ.get(
    "RELOCARD_LETTER_FONT_DIR", "/usr/share/fonts/truetype/dejavu"
)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("RELOCARD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
#: The task backend that renders and seals decision letters (``letters.tasks.render_letter``):
#: the worker's, so that every letter is rendered right after its decision. Deliberately not
#: read from the environment; the letters' system check refuses a backend missing from
#: ``TASKS`` (and an enqueue there would roll the decision back: fail closed). Only the test
#: settings defer rendering, for the suites of other areas (see tests/conftest.py).
RELOCARD_LETTER_TASK_BACKEND = "default"


def mailer_config() -> dict:
    """Where e-mails go: the console by default (the demo), SMTP when RELOCARD_EMAIL_URL is set.

    ``smtp://user:password@host:587`` uses STARTTLS, ``smtps://...:465`` implicit TLS,
    ``smtp+plain://host:25`` neither (a relay on the same host). User and password are
    percent-decoded, so a password may hold any character.
    """
    url = os.environ.get("RELOCARD_EMAIL_URL", "").strip()
    if not url:
        backend = os.environ.get(
            "RELOCARD_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        )
        if backend.endswith("filebased.EmailBackend"):  # the demo: one file per e-mail
            return {"BACKEND": backend, "OPTIONS": {"file_path": str(VAR_DIR / "mail")}}
        return {"BACKEND": backend}
    parts = urlsplit(url)
    schemes = {
        "smtp": (True, False, 587),
        "smtps": (False, True, 465),
        "smtp+plain": (False, False, 25),
    }
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            "RELOCARD_EMAIL_URL must look like smtp://user:password@host:587 "
            "(schemes: smtp with STARTTLS, smtps, smtp+plain)."
        )
    use_tls, use_ssl, default_port = schemes[parts.scheme]
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname,
            "port": parts.port or default_port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": 20,
        },
    }


MAILERS = {"default": mailer_config()}
DEFAULT_FROM_EMAIL = os.environ.get("RELOCARD_FROM_EMAIL", "no-reply@relocard.invalid")

# --- sessions and transport -------------------------------------------------------------------
#: Behind TLS (directly or behind a proxy that sets X-Forwarded-Proto): secure cookies, HSTS,
#: redirect to https. Also on when the public address is https.
RELOCARD_HTTPS = env_bool("RELOCARD_HTTPS", RELOCARD_BASE_URL.startswith("https://"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = RELOCARD_HTTPS
CSRF_COOKIE_SECURE = RELOCARD_HTTPS
LANGUAGE_COOKIE_SECURE = RELOCARD_HTTPS
if RELOCARD_HTTPS:
    SESSION_COOKIE_NAME = "__Host-relocard_session"
    CSRF_COOKIE_NAME = "__Host-relocard_csrf"
    SECURE_SSL_REDIRECT = env_bool("RELOCARD_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("RELOCARD_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RELOCARD_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("RELOCARD_HSTS_PRELOAD", False)
    # The proxy in front terminates TLS and says so; set RELOCARD_PROXY_SSL_HEADER=0 when the
    # server faces the internet itself (then nobody can claim https with a forged header).
    if env_bool("RELOCARD_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

#: Session limits (seconds): idle time before a session ends, for staff and verifiers and for
#: everyone else; the absolute age of a session; how long a re-authentication (password and
#: second factor) covers decisions, key operations and factor changes.
RELOCARD_SESSION_IDLE_STAFF = int(os.environ.get("RELOCARD_SESSION_IDLE_STAFF", 30 * 60))
RELOCARD_SESSION_IDLE = int(os.environ.get("RELOCARD_SESSION_IDLE", 2 * 60 * 60))
RELOCARD_SESSION_ABSOLUTE = int(os.environ.get("RELOCARD_SESSION_ABSOLUTE", 12 * 60 * 60))
RELOCARD_REAUTH_SECONDS = int(os.environ.get("RELOCARD_REAUTH_SECONDS", 10 * 60))
SESSION_COOKIE_AGE = RELOCARD_SESSION_ABSOLUTE

#: Throttling of sign-in, sign-up, password reset and profile saves, COUNT/SECONDS, counted
#: in the shared cache (see relocard.accounts.throttle): failed sign-ins per account before it
#: locks for RELOCARD_LOCKOUT_SECONDS (its holder is told by e-mail), and attempts per address.
RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT = os.environ.get(
    "RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT", "10/900"
)
RELOCARD_SIGNIN_FAILURES_PER_IP = os.environ.get("RELOCARD_SIGNIN_FAILURES_PER_IP", "30/900")
RELOCARD_LOCKOUT_SECONDS = int(os.environ.get("RELOCARD_LOCKOUT_SECONDS", 15 * 60))
RELOCARD_SIGNUP_RATE_PER_IP = os.environ.get("RELOCARD_SIGNUP_RATE_PER_IP", "10/3600")
RELOCARD_RESET_RATE_PER_IP = os.environ.get("RELOCARD_RESET_RATE_PER_IP", "10/3600")
#: E-mails of one kind (sign-up or reset) to one address.
RELOCARD_EMAIL_RATE_PER_ADDRESS = os.environ.get("RELOCARD_EMAIL_RATE_PER_ADDRESS", "3/3600")
RELOCARD_PROFILE_RATE_PER_ACCOUNT = os.environ.get("RELOCARD_PROFILE_RATE_PER_ACCOUNT", "20/3600")
RELOCARD_PROFILE_RATE_PER_IP = os.environ.get("RELOCARD_PROFILE_RATE_PER_IP", "60/3600")
#: Password checks (Argon2 hashes) at once per server process; more are answered "busy".
RELOCARD_SIGNIN_CONCURRENCY = int(os.environ.get("RELOCARD_SIGNIN_CONCURRENCY", 2))
#: Codes typed for a second factor, per account, before the sign-in starts again.
RELOCARD_OTP_FAILURES_PER_ACCOUNT = os.environ.get("RELOCARD_OTP_FAILURES_PER_ACCOUNT", "5/300")

# --- second factor (django-otp, django-otp-webauthn) -----------------------------------------
OTP_TOTP_ISSUER = os.environ.get("RELOCARD_OTP_ISSUER", "Relocard")
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
# Passkeys need a domain name and a secure context: the public https address in production;
# without https, only http://localhost (any port), e.g. the demo opened at localhost:8000.
OTP_WEBAUTHN_RP_ID = (
    urlsplit(RELOCARD_BASE_URL).hostname if RELOCARD_BASE_URL.startswith("https://") else None
) or "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = (
    [RELOCARD_BASE_URL] if RELOCARD_BASE_URL.startswith("https://") else ["http://localhost"]
)
#: Passkeys are a second factor after the password, never a way in on their own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "relocard.accounts.passkeys.Helper"
#: The passkey ceremonies are django-rest-framework views: session sign-in only (with CSRF),
#: never HTTP Basic (which would check a password outside the sign-in page).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "UNAUTHENTICATED_USER": None,
}

# A cache shared by every server process: Redis when configured, else a table in the database
# (created by ``relocard migrate``), so that rate limits and lockouts hold with several server
# processes out of the box. The table's counters are incremented under a row lock
# (relocard.common.cache).
CACHES = {
    "default": {
        "BACKEND": "relocard.common.cache.DatabaseCache",
        "LOCATION": "relocard_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
if os.environ.get("RELOCARD_REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "relocard.common.cache.RedisCache",
        "LOCATION": os.environ["RELOCARD_REDIS_URL"],
    }

#: ``plain`` (one line of text per event) or ``json`` (one JSON object per line, for a log
#: pipeline); gunicorn's access and error logs follow it. Neither carries personal data.
RELOCARD_LOG_FORMAT = os.environ.get("RELOCARD_LOG_FORMAT", "plain").strip().lower()
if RELOCARD_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("RELOCARD_LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "relocard.ops.logs.formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": RELOCARD_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("RELOCARD_LOG_LEVEL", "INFO")},
}

# --- operations (relocard.ops) ---------------------------------------------------------------
#: Bearer token for ``/metrics``; unset: only direct connections from this machine may read it.
RELOCARD_METRICS_TOKEN = os.environ.get("RELOCARD_METRICS_TOKEN", "").strip()
#: How often ``relocard worker`` records its heartbeat, and after how long without one
#: ``/readyz`` reports the workers gone (seconds).
RELOCARD_HEARTBEAT_SECONDS = float(os.environ.get("RELOCARD_HEARTBEAT_SECONDS", 10))
RELOCARD_WORKER_STALE_SECONDS = int(os.environ.get("RELOCARD_WORKER_STALE_SECONDS", 120))
#: Probes speak plain http to the server behind the TLS proxy: never redirect them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- checking a card (relocard.verification) ---------------------------------------------------
#: Days a share code stays valid, and how many a holder may have in use at once.
RELOCARD_SHARE_CODE_DAYS = int(os.environ.get("RELOCARD_SHARE_CODE_DAYS", 90))
RELOCARD_SHARE_CODE_MAX_ACTIVE = int(os.environ.get("RELOCARD_SHARE_CODE_MAX_ACTIVE", 20))
#: Checks in a row with a wrong date of birth after which a code locks (its holder is told).
RELOCARD_SHARE_CODE_MAX_FAILURES = int(os.environ.get("RELOCARD_SHARE_CODE_MAX_FAILURES", 5))
#: Rate limits, COUNT/SECONDS, on checks (web and API) and on the public confirmation page.
RELOCARD_CHECK_RATE_PER_IP = os.environ.get("RELOCARD_CHECK_RATE_PER_IP", "30/60")
RELOCARD_CHECK_RATE_PER_ORGANISATION = os.environ.get(
    "RELOCARD_CHECK_RATE_PER_ORGANISATION", "300/60"
)
RELOCARD_CONFIRM_RATE_PER_IP = os.environ.get("RELOCARD_CONFIRM_RATE_PER_IP", "30/60")
#: Largest photo, scan or PDF accepted for a QR check.
RELOCARD_QR_UPLOAD_MAX_BYTES = int(os.environ.get("RELOCARD_QR_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
#: Seconds a server process trusts an API key it looked up (revocation reaches other processes
#: at the latest this much later), and reuses the trust and status lists for QR checks (a
#: revocation confirmed in the same process is seen at once).
RELOCARD_API_KEY_CACHE_SECONDS = int(os.environ.get("RELOCARD_API_KEY_CACHE_SECONDS", 10))
RELOCARD_QR_LISTS_CACHE_SECONDS = int(os.environ.get("RELOCARD_QR_LISTS_CACHE_SECONDS", 5))
#: Mounts the benchmark's baseline endpoint (POST /api/bench/audited-write): set only by
#: bench/verify_http.py for the server it starts, never in production.
RELOCARD_BENCH_BASELINE = os.environ.get("RELOCARD_BENCH_BASELINE", "") == "1"
