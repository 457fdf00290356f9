"""Small helpers shared by the CLI modules: JSON output and the one-line error contract.

Every command prints its result on stdout (JSON where the interface says so) and, for input it
cannot use, one line on stderr and exit code 2. Tracebacks are never shown to users.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Print ``error: <message>`` as one line on stderr and exit with code 2."""
    one_line = " ".join(str(message).split())
    click.echo(f"error: {one_line}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON with non-ASCII kept readable (Cyrillic explanations)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def read_json_file(path: str) -> Any:
    """Read a JSON document from a path (``-`` for stdin); bad JSON is a one-line error."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
