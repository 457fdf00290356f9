"""Where the shared public test vectors are, and what to do when they are missing.

Locally a missing folder skips the tests with the reason; under ``CI=true`` it fails, so that
a CI run never passes by silently testing nothing.
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
