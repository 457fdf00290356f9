"""House rules that hold for the whole tree: the core stays pure."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import relocard.core

CORE = pathlib.Path(relocard.core.__file__).parent


def _core_modules() -> list[pathlib.Path]:
    return sorted(CORE.rglob("*.py"))


def test_core_source_never_imports_django() -> None:
    offenders = []
    for path in _core_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(CORE)}:{node.lineno} {n}"
                for n in names
                if n == "django" or n.startswith("django.")
            ]
    assert offenders == []


def test_importing_the_whole_core_loads_no_django() -> None:
    """Transitive imports count too: load every core module in a clean interpreter."""
    modules = []
    for path in _core_modules():
        rel = path.relative_to(CORE.parent.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(".".join(parts))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
