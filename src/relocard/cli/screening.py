"""``relocard screening``: screen a person against the EU consolidated sanctions list.

A thin layer over :mod:`relocard.core.screening`: read the list file and the query, screen,
print JSON. A list or a query it cannot use gives one ``error: ...`` line and exit code 2.
Every command here is documented in ``docs/screening.md`` (a test checks it).
"""

from __future__ import annotations

import click

from relocard.cli._common import fail, print_json, read_json_file
from relocard.core.screening import (
    ListFormatError,
    QueryError,
    ScreeningIndex,
    parse_list,
    parse_query,
)


@click.group(name="screening")
def cli() -> None:
    """Sanctions screening against the EU consolidated financial-sanctions list."""


@cli.command(name="match")
@click.option(
    "--list",
    "list_path",
    required=True,
    metavar="FILE.xml",
    help="The EU consolidated list as published (Financial Sanctions Files, XML).",
)
@click.argument("query_path", metavar="QUERY.json")
def match_command(list_path: str, query_path: str) -> None:
    """Screen one person against the persons on the list.

    QUERY.json: {"names": ["IULIIA ZHUKOVA", "Юлия Жукова"], "birth_date": "1980-09-30"}
    ("birth_date" may be left out; "-" reads standard input). Prints {"hits": [...]}: the listed
    persons an officer must look at, best first, each with its score and reasons.
    """
    raw = read_json_file(query_path)
    try:
        query = parse_query(raw)
    except QueryError as exc:
        fail(f"{query_path}: {exc}")
    try:
        with open(list_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        fail(f"cannot read {list_path}: {exc.strerror or exc}")
    try:
        sanctions = parse_list(data)
    except ListFormatError as exc:
        fail(f"{list_path}: {exc}")
    hits = ScreeningIndex(sanctions.entities, workers=1).screen(query)
    print_json({"hits": [hit.to_dict() for hit in hits]})
