"""``relocard screening``: the EU consolidated sanctions list and the national checks.

``match`` is a thin layer over :mod:`relocard.core.screening` (a file, no database); ``load``,
``versions``, ``diff`` and ``export-checks`` work on the installation's database through
:mod:`relocard.screening`. Input it cannot use gives one ``error: ...`` line and exit code 2.
Every command here is documented in ``docs/screening.md`` (a test checks it).
"""

from __future__ import annotations

import getpass
import os
import re

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


def _django() -> None:
    # Local import: the commands that use the database set Django up first.
    from relocard.cli.platform import setup_django

    setup_django()


def _print_changes(changes, refs: dict[str, str]) -> None:
    for kind in ("added", "removed", "changed"):
        ids = getattr(changes, kind) if hasattr(changes, kind) else changes.get(kind, [])
        click.echo(f"{kind}: {len(ids)}")
        for logical_id in ids:
            ref = refs.get(logical_id) or "-"
            click.echo(f"  {kind[0].upper()} logicalId {logical_id}  {ref}")


@cli.command(name="load")
@click.argument("list_path", metavar="FILE.xml")
@click.option(
    "--operator",
    default=None,
    help="Who loads the list (recorded with the version); default: the system user name.",
)
def load_command(list_path: str, operator: str | None) -> None:
    """Store a list file as a new version and show what changed since the last one.

    The whole file or nothing: a malformed file is refused and nothing is written; a file
    already loaded (same SHA-256) is refused with the version it was loaded as. The worker
    (`relocard worker`) then re-screens every holder and open case against the new version.
    """
    try:
        with open(list_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        fail(f"cannot read {list_path}: {exc.strerror or exc}")
    _django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.errors import RelocardError
    from relocard.screening.selectors import version_changes
    from relocard.screening.services import list_version_load

    try:
        who = operator or getpass.getuser()
    except (KeyError, OSError):
        who = "command line"
    try:
        result = list_version_load(data=data, loaded_by=who)
    except ListFormatError as exc:
        fail(f"{list_path}: {exc}")
    except RelocardError as exc:
        fail(f"{list_path}: {exc.message}")
    v = result.version
    click.echo(
        f"loaded list version #{v.pk}: generated {v.generation_date.isoformat()}, file id "
        f"{v.global_file_id or '-'}, sha256 {v.sha256}"
    )
    click.echo(f"{v.persons} persons, {v.enterprises} enterprises, {v.aliases} names")
    if result.previous is None:
        click.echo("first version: nothing to compare with")
    else:
        click.echo(f"changes since version #{result.previous.pk}:")
        refs = {c.logical_id: c.reference for c in version_changes(v)}
        _print_changes(result.changes, refs)
    click.echo("holders and open cases are re-screened by the worker (relocard worker)")


@cli.command(name="versions")
def versions_command() -> None:
    """List the loaded versions, newest first."""
    _django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.screening.selectors import list_versions

    rows = list_versions()
    if not rows:
        click.echo("no list version loaded (relocard screening load FILE.xml)")
        return
    click.echo("version  generated                  file id   persons  enterprises  loaded")
    for v in rows:
        click.echo(
            f"#{v.pk:<7} {v.generation_date.isoformat()[:25]:<26} {v.global_file_id or '-':<9} "
            f"{v.persons:>7}  {v.enterprises:>11}  {v.loaded_at.isoformat()[:19]} by "
            f"{v.loaded_by}  sha256 {v.sha256[:16]}"
        )


@cli.command(name="diff")
@click.argument("version_id", required=False, type=int)
def diff_command(version_id: int | None) -> None:
    """Show what a version (default: the latest) changed since the one loaded before it."""
    _django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.screening.selectors import get_version, latest_version, version_changes

    version = get_version(version_id) if version_id else latest_version()
    if version is None:
        fail(f"no list version #{version_id}" if version_id else "no list version loaded")
    previous = version.changes.get("previous")
    if previous is None:
        click.echo(f"version #{version.pk} is the first version: nothing to compare with")
        return
    click.echo(f"version #{version.pk} since version #{previous}:")
    refs = {c.logical_id: c.reference for c in version_changes(version)}
    _print_changes(version.changes, refs)


@cli.command(name="export-checks")
@click.option("--member-state", "member_state", required=True, metavar="XX")
@click.option("--out", "out", required=True, metavar="DIR", help="Folder to write the files to.")
def export_checks_command(member_state: str, out: str) -> None:
    """Write each national check of a member state still waiting for an answer as a signed
    request (DIR/<request_id>.jws, compact JWS, ES256; format in docs/screening.md)."""
    code = member_state.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        fail(f"--member-state {member_state!r}: give two letters, e.g. FR")
    _django()
    # Local import: the command sets Django up before it loads the apps.
    from relocard.common.filemodes import private_dir
    from relocard.screening.selectors import checks_to_export, member_state_exists
    from relocard.screening.services import check_request_document, check_request_export

    if not member_state_exists(code):
        fail(f"--member-state {code}: no such member state")
    try:
        folder = private_dir(out)
    except OSError as exc:
        fail(f"cannot create {out}: {exc.strerror or exc}")
    written = 0
    for check in checks_to_export(code):
        token = check_request_export(actor=None, check=check, via="cli")
        name = check_request_document(check)["request_id"] + ".jws"
        path = folder / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(token + "\n")
        except OSError as exc:
            fail(f"cannot write {path}: {exc.strerror or exc}")
        written += 1
    click.echo(f"wrote {written} signed check request(s) for {code} to {folder}")
