"""``relocard screening load|versions|diff|export-checks`` on small files in the published format
(Cyrillic and Latin aliases, year-only dates of birth, an enterprise)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import stat

import pytest
from click.testing import CliRunner
from joserfc import jws
from joserfc.jwk import ECKey
from tests.screening.conftest import ZHUKOVA_PROFILE

from relocard.cards.credentials import keystore
from relocard.cli import main
from relocard.screening.models import ListedEntity, ListVersion, ScreeningRun

pytestmark = pytest.mark.django_db

SAMPLE = pathlib.Path(__file__).resolve().parents[1] / "core" / "screening" / "data"
SAMPLE = SAMPLE / "eu_list_small.xml"


def _entity(text: str, logical_id: str) -> str:
    start = text.rfind("<sanctionEntity", 0, text.index(f'logicalId="{logical_id}"'))
    end = text.index("</sanctionEntity>", start) + len("</sanctionEntity>")
    return text[start:end]


def second_version(tmp_path) -> pathlib.Path:
    """The sample a day later: Kozlov (900105) delisted, Volkova's year-only date changed, a
    new person listed with a year of birth only (Cyrillic and Latin names)."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        'generationDate="2026-05-08T14:10:07.123+02:00" globalFileId="184961"',
        'generationDate="2026-05-09T14:10:07.123+02:00" globalFileId="184990"',
    )
    text = text.replace(_entity(text, "900105"), "")
    text = text.replace('monthOfYear="4" year="1975"', 'monthOfYear="5" year="1975"')
    new = """<sanctionEntity designationDate="2026-05-09" designationDetails="" unitedNationId="" euReferenceNumber="EU.9001.10" logicalId="900110">
        <subjectType code="person" classificationCode="P"/>
        <nameAlias firstName="Yuliya" middleName="" lastName="ZHUKOVA" wholeName="Yuliya ZHUKOVA" function="" gender="F" title="" nameLanguage="" strong="true" regulationLanguage="en" logicalId="901001"/>
        <nameAlias firstName="" middleName="" lastName="" wholeName="Юлия Жукова" function="" gender="F" title="" nameLanguage="RU" strong="true" regulationLanguage="en" logicalId="901002"/>
        <birthdate circa="false" calendarType="GREGORIAN" city="" zipCode="" year="1980" region="" place="" countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION" regulationLanguage="en" logicalId="901003"/>
    </sanctionEntity>
</export>"""
    text = text.replace("</export>", new)
    path = tmp_path / "eu_list_v2.xml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, ["screening", *map(str, args)])


def test_load_stores_a_version_and_lists_it():
    result = run("load", SAMPLE, "--operator", "Ops Desk")
    assert result.exit_code == 0, result.output
    version = ListVersion.objects.get()
    assert f"loaded list version #{version.pk}" in result.output
    assert "file id 184961" in result.output
    assert "8 persons, 1 enterprises" in result.output
    assert version.loaded_by == "Ops Desk"
    assert ListedEntity.objects.filter(version=version).count() == 9
    assert "first version" in result.output
    listing = run("versions")
    assert listing.exit_code == 0
    assert f"#{version.pk}" in listing.output and "184961" in listing.output


def test_loading_the_same_file_twice_changes_nothing():
    run("load", SAMPLE)
    again = run("load", SAMPLE)
    assert again.exit_code == 2
    assert re.search(r"already loaded as list version #\d+: nothing to do", again.stderr)
    assert ListVersion.objects.count() == 1


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda t: t[: len(t) // 2], "not well-formed XML"),
        (lambda t: t.replace('logicalId="900103"', ""), "missing logicalId"),
        (lambda t: t.replace('year="1965"', 'year="19x5"'), "900102"),
        (lambda t: t.replace('code="enterprise"', 'code="vessel"'), "vessel"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_written(tmp_path, damage, message):
    bad = tmp_path / "bad.xml"
    bad.write_text(damage(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("load", bad)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert not ListVersion.objects.exists() and not ListedEntity.objects.exists()


def test_an_unreadable_file_is_one_line():
    result = run("load", "/nonexistent/list.xml")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read /nonexistent/list.xml")


def test_what_changed_on_load_and_with_diff(tmp_path):
    run("load", SAMPLE)
    result = run("load", second_version(tmp_path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "added: 1" in out and "A logicalId 900110  EU.9001.10" in out
    assert "removed: 1" in out and "R logicalId 900105  -" in out
    assert "changed: 1" in out and "C logicalId 900108  EU.9001.08" in out
    latest = ListVersion.objects.order_by("-id").first()
    diff = run("diff")
    assert diff.exit_code == 0
    assert "A logicalId 900110" in diff.output and "R logicalId 900105" in diff.output
    first = run("diff", latest.pk - 1)
    assert "first version" in first.output
    missing = run("diff", 999)
    assert missing.exit_code == 2 and "no list version #999" in missing.stderr


def test_a_new_version_rescreens_open_cases(tmp_path, screening_on, filed_case):
    run("load", SAMPLE)
    app = filed_case({**ZHUKOVA_PROFILE, "given_names_cyrillic": "Юлия"})
    assert ScreeningRun.objects.filter(application=app).count() == 1
    run("load", second_version(tmp_path))
    latest = ScreeningRun.objects.filter(application=app).order_by("-id").first()
    assert latest.trigger == "new_version" and latest.result == "possible_match"
    assert "900110" in {h["list_id"] for h in latest.hits}  # listed with the year only


def test_export_checks_writes_signed_requests(tmp_path, screening_on, filed_case):
    run("load", SAMPLE)
    app = filed_case()
    out = tmp_path / "out"
    result = run("export-checks", "--member-state", "fr", "--out", out)
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [
        f"{app.reference}-1-{c}.jws" for c in ("intelligence", "police", "sis")
    ]
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    key = ECKey.import_key(keystore().ensure_member_state("FR").private_key.public_key())
    doc = json.loads(jws.deserialize_compact(files[2].read_text().strip(), key).payload)
    assert doc["check"] == "sis" and doc["member_state"] == "FR"
    assert set(doc["person"]) == {
        "surname_latin",
        "given_names_latin",
        "surname_cyrillic",
        "given_names_cyrillic",
        "date_of_birth",
        "nationality",
        "passport_number",
        "passport_expiry",
    }
    bad = run("export-checks", "--member-state", "XX1", "--out", out)
    assert bad.exit_code == 2 and "give two letters" in bad.stderr
    unknown = run("export-checks", "--member-state", "ZZ", "--out", out)
    assert unknown.exit_code == 2 and "no such member state" in unknown.stderr
