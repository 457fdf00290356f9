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


# --- psycopg's internals live in one module -----------------------------------------------------

SRC = CORE.parent
#: The one module that may reach below Django's cursor into psycopg (COPY through libpq).
PGBULK = SRC / "cards" / "compliance" / "pgbulk.py"
#: Attributes that exist only on psycopg's connections and libpq handles.
PSYCOPG_INTERNALS = {"pgconn", "pgresult", "get_copy_data", "put_copy_data", "send_query"}


def _psycopg_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, a.name)
                for a in node.names
                if a.name.split(".")[0] in ("psycopg", "psycopg_c")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in ("psycopg", "psycopg_c"):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Attribute) and node.attr in PSYCOPG_INTERNALS:
            found.append((node.lineno, f".{node.attr}"))
    return found


def test_only_pgbulk_touches_psycopg() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == PGBULK:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{path.relative_to(SRC)}:{line} {what}" for line, what in _psycopg_uses(tree)
        ]
    assert offenders == []


def test_the_psycopg_check_sees_what_it_forbids() -> None:
    assert {w for _line, w in _psycopg_uses(ast.parse(PGBULK.read_text(encoding="utf-8")))} >= {
        "psycopg",
        ".pgconn",
        ".get_copy_data",
    }
    sample = "import psycopg.pq\nfrom psycopg import pq\nconn.pgconn.send_query(b'')\n"
    assert sorted(line for line, _w in _psycopg_uses(ast.parse(sample))) == [1, 2, 3, 3]
