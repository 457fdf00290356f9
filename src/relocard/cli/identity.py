"""``relocard identity``: the passport's machine-readable zone, transliteration, OCR and photo.

A thin layer over :mod:`relocard.core.identity`: read the input, call the library, print JSON
(or the Latin name). Input it cannot use gives one ``error: ...`` line and exit code 2. Every
command here is documented in ``docs/identity.md`` (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from relocard.cli._common import fail, print_json
from relocard.core.identity import IdentityError, mrz_name, parse_td3
from relocard.core.translit import icao_transliterate

#: A machine-readable zone is 90 bytes; anything much larger is not one.
MAX_MRZ_FILE_BYTES = 4096
#: Photos and scans: read at most this much (the library then refuses what is over its limit).
MAX_IMAGE_FILE_BYTES = 16 * 1024 * 1024


def _read_bytes(path: str, limit: int) -> bytes:
    """The first ``limit + 1`` bytes of ``path`` (``-`` for stdin); unreadable is exit 2."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(path, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@click.group(name="identity")
def cli() -> None:
    """Passports: machine-readable zone, ICAO transliteration, OCR and photo checks."""


@cli.command(name="mrz")
@click.argument("path", metavar="FILE")
def mrz_command(path: str) -> None:
    """Read a passport's machine-readable zone (two lines of 44 characters) and check it.

    FILE holds the two lines ("-" reads standard input). Prints one JSON object; exit 0 when
    the lines can be read, even if a check digit fails ("valid": false), exit 2 when not.
    """
    data = _read_bytes(path, MAX_MRZ_FILE_BYTES)
    if len(data) > MAX_MRZ_FILE_BYTES:
        fail(f"{path} is larger than {MAX_MRZ_FILE_BYTES} bytes: not a machine-readable zone")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{path} is not UTF-8 text (byte {exc.start + 1})")
    try:
        result = parse_td3(text, today=_today())
    except IdentityError as exc:
        fail(str(exc))
    print_json(result.to_dict())


@cli.command(name="translit")
@click.argument("text")
@click.option(
    "--mrz", "as_mrz", is_flag=True, help="Print it as in the machine-readable zone (< for spaces)."
)
def translit_command(text: str, as_mrz: bool) -> None:
    """Print the ICAO 9303 Latin form of a Cyrillic name (e.g. Юлия -> IULIIA)."""
    if not text.strip():
        fail("nothing to transliterate: give a name, e.g. relocard identity translit 'Юлия'")
    click.echo(mrz_name(text) if as_mrz else " ".join(icao_transliterate(text).split()))


@cli.command(name="ocr")
@click.argument("path", metavar="IMAGE")
def ocr_command(path: str) -> None:
    """Read the machine-readable zone from a photo or scan of a passport's photo page.

    IMAGE is a JPEG or PNG file ("-" reads standard input). Prints the same JSON as
    "relocard identity mrz" plus "lines"; exit 2 when no zone can be read.
    """
    # Local import: OCR and photo checks load Tesseract and OpenCV, only for the command that needs them.
    from relocard.core.identity import read_mrz

    data = _read_bytes(path, MAX_IMAGE_FILE_BYTES)
    try:
        result = read_mrz(data, today=_today())
    except IdentityError as exc:
        fail(str(exc))
    print_json({**result.to_dict(), "lines": list(result.lines)})


@cli.command(name="photo")
@click.argument("path", metavar="IMAGE")
def photo_command(path: str) -> None:
    """Check a passport-style photo: format, size, 35 x 45 mm shape and one face.

    IMAGE is a JPEG or PNG file ("-" reads standard input). Prints the result as JSON with
    "acceptable" and the problems found; exit 2 when the file is not a usable image.
    """
    # Local import: OCR and photo checks load Tesseract and OpenCV, only for the command that needs them.
    from relocard.core.identity import check_photo

    result = check_photo(_read_bytes(path, MAX_IMAGE_FILE_BYTES))
    if not result.readable:
        fail(result.problems[0].message())
    print_json(result.to_dict())
