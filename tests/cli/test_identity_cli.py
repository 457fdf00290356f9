"""``relocard identity``: the stable JSON of ``mrz``, ``translit``, and exit 2 for bad input."""

from __future__ import annotations

import json
import pathlib
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner
from tests.core.identity.passports import SPECIMEN_LINES, russian_passport

from relocard.cli import main
from relocard.cli.identity import cli as identity_group
from relocard.core.identity import format_td3, mrz_name

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "identity.md"
SPECIMEN = "\n".join(SPECIMEN_LINES) + "\n"
KEYS = [
    "document_type", "issuing_state", "surname", "given_names", "document_number",
    "nationality", "birth_date", "expiry_date", "sex", "personal_number", "checks", "valid",
]  # fmt: skip


def invoke(args: list[str], stdin: str | bytes | None = None):
    return CliRunner().invoke(main, args, input=stdin)


def test_mrz_prints_the_specimen(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "mrz.txt"
    path.write_text(SPECIMEN, encoding="utf-8")
    result = invoke(["identity", "mrz", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == KEYS
    assert out == {
        "document_type": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "sex": "F",
        "personal_number": "ZE184226B",
        "checks": {
            "document_number": True,
            "birth_date": True,
            "expiry_date": True,
            "personal_number": True,
            "composite": True,
        },
        "valid": True,
    }


def test_mrz_reads_standard_input_as_a_document_reader_types_it() -> None:
    result = invoke(["identity", "mrz", "-"], stdin=SPECIMEN.replace("\n", "\r\n"))
    assert result.exit_code == 0 and json.loads(result.stdout)["valid"] is True


@pytest.mark.parametrize("seed", range(8))
def test_mrz_on_generated_russian_passports(seed: int) -> None:
    passport = russian_passport(random.Random(seed))
    result = invoke(["identity", "mrz", "-"], stdin=passport.text)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["valid"] is True
    assert out["issuing_state"] == out["nationality"] == "RUS"
    assert out["surname"] == mrz_name(passport.surname).replace("<", " ")
    assert out["given_names"] == mrz_name(passport.given_names).replace("<", " ")
    assert out["birth_date"] == passport.birth_date.isoformat()
    assert out["expiry_date"] == passport.expiry_date.isoformat()
    assert out["document_number"] == passport.document_number


def test_a_failed_check_digit_still_exits_0() -> None:
    result = invoke(["identity", "mrz", "-"], stdin=SPECIMEN.replace("C36UTO", "C37UTO"))
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["valid"] is False
    assert out["checks"] == {
        "document_number": False, "birth_date": True, "expiry_date": True,
        "personal_number": True, "composite": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("", "the input is empty"),
        (SPECIMEN_LINES[0], "has 1 lines"),
        (SPECIMEN + SPECIMEN_LINES[1], "has 3 lines"),
        (SPECIMEN.replace("<10\n", "<1\n"), "Line 2 has 43 characters"),
        (SPECIMEN.replace("ERIKSSON", "Eriksson"), "Line 1, position 7: 'r' (U+0072)"),
        (SPECIMEN.replace("ANNA<", "ANNA "), "U+0020 is not allowed"),
        ("".join(SPECIMEN_LINES), "ran together"),
        (SPECIMEN.replace("7408122", "7413122"), "741312 is not a date"),
        (b"\xff\xfe" + SPECIMEN.encode("utf-16-le"), "is not UTF-8 text"),
        ("P" * 5000, "larger than 4096 bytes"),
    ],
)
def test_unreadable_lines_exit_2_with_one_line_on_stderr(stdin: str | bytes, message: str) -> None:
    result = invoke(["identity", "mrz", "-"], stdin=stdin)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_missing_file_exits_2(tmp_path: pathlib.Path) -> None:
    result = invoke(["identity", "mrz", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "mrz.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SPECIMEN.encode())
    assert invoke(["identity", "mrz", str(path)]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "out"),
    [
        (["Юлия Щукина"], "IULIIA SHCHUKINA\n"),
        (["Соловьёв-Седой"], "SOLOVEV-SEDOI\n"),
        (["  Пётр   Ильич "], "PETR ILICH\n"),
        (["--mrz", "Анна-Мария Подъячева"], "ANNA<MARIIA<PODIEIACHEVA\n"),
    ],
)
def test_translit(args: list[str], out: str) -> None:
    result = invoke(["identity", "translit", *args])
    assert result.exit_code == 0 and result.stdout == out


def test_translit_of_nothing_exits_2() -> None:
    result = invoke(["identity", "translit", "  "])
    assert result.exit_code == 2 and result.stderr.startswith("error: nothing to transliterate")


def test_the_installed_command_runs_without_django() -> None:
    """The real entry point, in a fresh interpreter: stdin to JSON, and no Django loaded."""
    code = (
        "import sys\n"
        "from relocard.cli import main\n"
        "try:\n"
        "    main(['identity', 'mrz', '-'])\n"
        "except SystemExit as exc:\n"
        "    assert not any(m == 'django' for m in sys.modules), 'django imported'\n"
        "    raise\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=SPECIMEN, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["surname"] == "ERIKSSON"


def test_every_identity_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in identity_group.commands if f"relocard identity {name}" not in text]
    assert missing == []


def test_the_documented_specimen_output_is_what_the_command_prints() -> None:
    """docs/identity.md shows the specimen's JSON; keep it true."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("```json\n", text.index("relocard identity mrz specimen.txt")) + 8
    shown = json.loads(text[start : text.index("```", start)])
    result = invoke(["identity", "mrz", "-"], stdin=SPECIMEN)
    assert shown == json.loads(result.stdout)


def test_format_and_cli_agree_on_a_written_zone() -> None:
    import datetime as dt

    lines = format_td3(
        surname="Иванова", given_names="Ксения", document_number="123456789", nationality="RUS",
        birth_date=dt.date(1985, 3, 9), expiry_date=dt.date(2030, 3, 9), sex="F",
    )  # fmt: skip
    out = json.loads(invoke(["identity", "mrz", "-"], stdin="\n".join(lines)).stdout)
    assert (out["surname"], out["given_names"], out["valid"]) == ("IVANOVA", "KSENIIA", True)


# --- ocr and photo ------------------------------------------------------------------------


def _needs_tesseract() -> None:
    import os

    from relocard.core.identity import OCRUnavailableError
    from relocard.core.identity.ocr import tessdata_path

    try:
        tessdata_path()
    except OCRUnavailableError:
        if os.environ.get("CI") == "true":
            pytest.fail("Tesseract's English model is needed; .ci/run installs tesseract-ocr-eng")
        pytest.skip("Tesseract's English model (Debian package tesseract-ocr-eng) is missing")


def test_ocr_reads_a_page_image(tmp_path: pathlib.Path) -> None:
    from tests.core.identity.passports import render_page

    _needs_tesseract()
    path = tmp_path / "page.jpg"
    path.write_bytes(render_page(SPECIMEN_LINES, jpeg_quality=90))
    result = invoke(["identity", "ocr", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out) == [*KEYS, "lines"]
    assert out["lines"] == list(SPECIMEN_LINES) and out["valid"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"not an image", "not a JPEG or PNG image"),
    ],
)
def test_ocr_of_unusable_input_exits_2(data: bytes, message: str) -> None:
    result = invoke(["identity", "ocr", "-"], stdin=data)
    assert result.exit_code == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_ocr_of_a_page_without_a_zone_exits_2() -> None:
    import io

    from PIL import Image

    _needs_tesseract()
    out = io.BytesIO()
    Image.new("L", (800, 560), 240).save(out, "PNG")
    result = invoke(["identity", "ocr", "-"], stdin=out.getvalue())
    assert result.exit_code == 2 and "No machine-readable zone was found" in result.stderr


def test_photo_prints_the_check() -> None:
    import io

    from PIL import Image

    portrait = pathlib.Path(__file__).resolve().parents[1] / "core/identity/images/grace_hopper.jpg"
    out = io.BytesIO()
    Image.open(portrait).crop((85, 8, 443, 468)).resize((420, 540)).save(out, "JPEG")
    result = invoke(["identity", "photo", "-"], stdin=out.getvalue())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "acceptable": True, "format": "JPEG", "width": 420, "height": 540, "faces": 1,
        "problems": [],
    }  # fmt: skip
    result = invoke(["identity", "photo", str(portrait)])
    assert result.exit_code == 0
    assert [p["code"] for p in json.loads(result.stdout)["problems"]] == ["wrong_aspect_ratio"]


def test_photo_of_a_file_that_is_no_image_exits_2() -> None:
    result = invoke(["identity", "photo", "-"], stdin=b"GIF89a......")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: The file is a GIF image; only JPEG and PNG images are accepted.\n"
    )
