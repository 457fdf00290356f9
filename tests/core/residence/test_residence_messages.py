"""The message catalogue: every code the package raises or warns with has one English text."""

from __future__ import annotations

import ast
import pathlib
import string

import relocard.core.residence as residence
from relocard.core.residence import ERROR_TEMPLATES, WARNING_TEMPLATES, ResidenceInputError

PACKAGE = pathlib.Path(residence.__file__).parent


def _codes(constructor: str) -> set[str]:
    """String literals passed first to ``constructor(...)`` anywhere in the package."""
    found = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == constructor
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_warning_code_used_has_a_text_and_every_text_is_used() -> None:
    assert _codes("PresenceWarning") == set(WARNING_TEMPLATES)


def test_every_error_code_used_has_a_text_and_every_text_is_used() -> None:
    assert _codes("ResidenceInputError") == set(ERROR_TEMPLATES)


def test_every_error_text_names_the_path_first() -> None:
    for code, template in ERROR_TEMPLATES.items():
        assert template.startswith("{path}: "), code


def test_texts_are_one_line_sentences() -> None:
    for template in [*WARNING_TEMPLATES.values(), *ERROR_TEMPLATES.values()]:
        assert "\n" not in template
        assert template.rstrip().endswith((".", "}"))


def test_errors_render_with_their_parameters() -> None:
    for code, template in ERROR_TEMPLATES.items():
        params = {name: "x" for name in _fields(template) if name != "path"}
        error = ResidenceInputError(code, "records[2].left", **params)
        assert str(error).startswith("records[2].left: ")
        assert error.index == 2
        assert error.under("input").path == "input.records[2].left"


def test_every_text_is_marked_for_translation() -> None:
    """Extractors only see texts wrapped in gettext_noop(...): all of them must be."""
    tree = ast.parse((PACKAGE / "messages.py").read_text(encoding="utf-8"))
    values = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict):
            values.extend(node.value.values)
    assert len(values) == len(WARNING_TEMPLATES) + len(ERROR_TEMPLATES)
    for value in values:
        assert isinstance(value, ast.Call)
        assert isinstance(value.func, ast.Name) and value.func.id == "gettext_noop"
