"""The compliance package's shape: small modules, imports only from below, a curated API."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest

import relocard.cards.compliance
import relocard.core.compliance

PACKAGE = pathlib.Path(relocard.cards.compliance.__file__).parent
CORE = pathlib.Path(relocard.core.compliance.__file__).parent
MODULES = sorted([*PACKAGE.glob("*.py"), *CORE.glob("*.py")])

#: What the compliance package may import from the project: the core, the common layer (but
#: not the notifier, which must not need the package either), the models and selectors of the
#: apps whose data it judges, the audit writer, and its own modules.
ALLOWED = (
    "relocard.cards.compliance",
    "relocard.cards.models",
    "relocard.cards.selectors",
    "relocard.cards.signals",
    "relocard.core",
    "relocard.common",
    "relocard.reference",
    "relocard.accounts.models",
    "relocard.accounts.selectors",
    "relocard.cases.models",
    "relocard.cases.selectors",
    "relocard.presence.models",
    "relocard.presence.selectors",
    "relocard.audit.services",
)
FORBIDDEN = ("relocard.common.notifications",)


def _is_project_import(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.startswith("relocard") for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return bool(node.level) or (node.module or "").startswith("relocard")
    return False


def _project_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    return [node for node in ast.walk(tree) if _is_project_import(node)]


def _names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    assert node.level == 0, "use absolute imports"
    return [f"{node.module}.{a.name}" for a in node.names]


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 500


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_come_from_below_and_sit_at_the_top(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # The module's own statements, and those of its top-level ``if TYPE_CHECKING:``.
    top = {id(n) for n in tree.body} | {
        id(inner) for n in tree.body if isinstance(n, ast.If) for inner in n.body
    }
    for node in _project_imports(tree):
        assert id(node) in top, f"{path.name}:{node.lineno}: a project import inside a function"
        for name in _names(node):
            assert _within(name, ALLOWED), f"{path.name}:{node.lineno}: {name}"
            assert not _within(name, FORBIDDEN), f"{path.name}:{node.lineno}: {name}"


def test_the_core_half_imports_only_the_core():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _project_imports(tree):
            assert all(_within(n, ("relocard.core",)) for n in _names(node)), path.name


def test_the_layout_check_catches_a_local_import_and_a_forbidden_one():
    tree = ast.parse("def f():\n    from relocard.common.notifications import notify_many\n")
    (node,) = _project_imports(tree)
    assert id(node) not in {id(n) for n in tree.body}
    assert _within(_names(node)[0], FORBIDDEN)
    assert not _within("relocard.portal.views.x", ALLOWED)


def test_the_public_names_all_resolve():
    for name in relocard.cards.compliance.__all__:
        assert getattr(relocard.cards.compliance, name) is not None, name
    for name in relocard.core.compliance.__all__:
        assert getattr(relocard.core.compliance, name) is not None, name
    with pytest.raises(AttributeError):
        _ = relocard.cards.compliance.no_such_name


def test_explaining_a_verdict_loads_no_polars():
    """Pages and e-mails that word a verdict import the package, not the run's heavy half."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "import relocard.core.compliance\n"
        "from relocard.cards.compliance import explain, holder_advice, compliance_by_user\n"
        "print('polars' in sys.modules)\n"
        "from relocard.cards.compliance import compliance_run\n"
        "print('polars' in sys.modules)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "relocard.settings.base"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "True"]
