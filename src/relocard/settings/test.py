"""Settings for the test suite: same as production but for speed and isolation.

``DATABASE_URL`` still selects PostgreSQL, so that the suite runs on both databases.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("RELOCARD_VAR_DIR", tempfile.mkdtemp(prefix="relocard-test-"))
# Under pytest-xdist every worker inherits the controller's environment: give each worker its
# own state folder (evidence files, keys, mail) inside it, so that tests which count files or
# rotate keys never see another worker's. (pytest-django already gives each worker its own
# test database.)
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["RELOCARD_VAR_DIR"] = os.path.join(os.environ["RELOCARD_VAR_DIR"], _worker)
    os.environ.pop("RELOCARD_KEY_DIR", None)
os.environ.setdefault("RELOCARD_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from relocard.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    # Holds enqueued tasks without running them (tests/conftest.py empties it between tests).
    "deferred": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
}
# Rendering and sealing a decision letter takes about half a second, and almost every test
# that takes a decision does not read its letter: the letter is still recorded in the
# decision's transaction and its rendering task enqueued, on the backend that does not run
# it. The letters' tests, and any test that downloads or checks a letter, render at once
# (marker or fixture ``render_letters``, tests/conftest.py).
RELOCARD_LETTER_TASK_BACKEND = "deferred"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ALLOWED_HOSTS = ["*"]
# The suites of other areas approve cases without screening officers; the screening tests turn
# the gate on (``settings.RELOCARD_SCREENING_REQUIRED = True``, see tests/screening).
RELOCARD_SCREENING_REQUIRED = False
# Each test process keeps its own counters (the autouse fixture clears them between tests);
# the tests of limits shared across processes configure the database cache themselves.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Let the test database be emptied between tests despite the audit log's append-only
# triggers (see audit/migrations/0002_append_only.py); a test turns the guard back on.
RELOCARD_AUDIT_PURGE_ALLOWED = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c relocard.audit_purge=on"  # noqa: F405
    # Parallel runs against one server need distinct test databases.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RELOCARD_TEST_DB", "test_relocard")}  # noqa: F405
