"""House rules that hold for the whole tree: the core stays pure."""

from __future__ import annotations

import ast
import pathlib
import re
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


# --- layers: no import cycle, no hidden imports ------------------------------------------------
#
# The layers themselves are import-linter contracts in pyproject.toml (`uv run lint-imports`).
# These tests keep what import-linter cannot see: a cycle among modules of one layer, and an
# import tucked inside a function to hide one.


def _project_graph():
    import grimp

    return grimp.build_graph("relocard", cache_dir=None, exclude_type_checking_imports=True)


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle_among_project_modules() -> None:
    graph = _project_graph()
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(imports) == []


def test_the_cycle_finder_finds_cycles() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert sorted(_cycles(imports)) == [["a", "b", "c"], ["e", "e2"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


#: A function-local import of a project module must say why on the line above it (or above
#: the block of imports it starts), e.g. ``# Local import: Django is set up first``.
LOCAL_IMPORT_REASON = re.compile(r"#\s*Local import:\s*\S")


def _local_project_imports(source: str, module: str) -> list[tuple[int, str, bool]]:
    """(line, imported module, explained) for each project import inside a function."""
    tree = ast.parse(source)
    lines = source.split("\n")
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    starts = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            starts[node.end_lineno] = node.lineno
    found: dict[tuple[int, str], bool] = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")
                if node.level:
                    base = base[: len(base) - node.level + 1]
                    names = [".".join([*base, node.module] if node.module else base)]
                else:
                    names = [node.module or ""]
            else:
                continue
            for name in names:
                if name != "relocard" and not name.startswith("relocard."):
                    continue
                # the block of imports this one belongs to, and the comments above it
                first = node.lineno
                while first - 1 in starts:
                    first = starts[first - 1]
                above = first - 2
                reason = bool(LOCAL_IMPORT_REASON.search(lines[node.lineno - 1]))
                while not reason and above >= 0 and lines[above].strip().startswith("#"):
                    reason = bool(LOCAL_IMPORT_REASON.search(lines[above]))
                    above -= 1
                found[node.lineno, name] = reason  # a nested function is walked twice
    return [(line, name, reason) for (line, name), reason in sorted(found.items())]


def _module_name(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts)


def test_no_unexplained_function_local_project_imports() -> None:
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found = _local_project_imports(path.read_text(encoding="utf-8"), _module_name(path))
        unexplained += [
            f"{path.relative_to(SRC)}:{line} {name}" for line, name, ok in found if not ok
        ]
    assert unexplained == []


def test_the_local_import_check_sees_what_it_forbids() -> None:
    sample = (
        "from relocard.core import eu\n"
        "def f():\n"
        "    from relocard.cases import services\n"
        "    # Local import: Django must be set up first.\n"
        "    from relocard.cards import models\n"
        "    from relocard.cards import views\n"
        "    import relocard.audit\n"
        "    from . import sibling\n"
        "    from os import path\n"
        "def g():\n"
        "    import relocard.demo  # Local import: slow to load.\n"
    )
    found = _local_project_imports(sample, "relocard.common.x")
    assert found == [
        (3, "relocard.cases", False),
        (5, "relocard.cards", True),
        (6, "relocard.cards", True),  # the same block of imports as the line above
        (7, "relocard.audit", True),
        (8, "relocard.common", True),
        (11, "relocard.demo", True),
    ]


# --- views and the API fetch through access functions and selectors --------------------------

#: Views still querying the ORM directly, with how many times: none. Views and the API fetch
#: objects through ``relocard.common.access`` (who may see or act on what) and read through the
#: apps' selectors; the test fails on any ``.objects`` in a ``views.py`` or ``api.py``.
VIEWS_STILL_QUERYING: dict[str, int] = {}


def _orm_queries(source: str) -> int:
    return sum(
        1
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    )


def test_views_and_the_api_do_not_query_the_orm() -> None:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        if path.name in ("views.py", "api.py") and (n := _orm_queries(path.read_text("utf-8"))):
            found[str(path.relative_to(SRC))] = n
    assert found == VIEWS_STILL_QUERYING


def test_the_orm_query_check_sees_what_it_forbids() -> None:
    assert _orm_queries("x = Card.objects.filter(pk=1)\ny = m.Trip.objects.get(pk=2)\n") == 2
    assert _orm_queries("x = access.get_card(user, ref, 1)\n") == 0
