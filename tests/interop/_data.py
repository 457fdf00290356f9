"""Where the shared public test vectors are, and what happens when they are missing.

A missing folder fails the run, locally as in CI: each suite has a guard test that needs its
vectors (``test_the_suite_is_there_and_mostly_run``, ``test_suite_is_not_empty``,
``test_vectors_are_present``), so that a run never passes by silently testing nothing. The
tests of single vectors then skip with the reason locally (one failure says it, not hundreds)
and fail under ``CI=true``. Point the environment variable a suite names at another copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def vectors_dir(name: str, env: str | None = None) -> Path:
    configured = os.environ.get(env) if env else None
    path = Path(configured) if configured else PROJECT_ROOT / ".." / "shared" / "testdata" / name
    if not path.is_dir():
        reason = f"test vectors not found at {path} (set {env or 'the shared testdata folder'})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path.resolve()
