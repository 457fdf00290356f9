"""``relocard letters pending|render``: the letters still owed are visible and can be retried."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from relocard.cli.letters import cli
from relocard.letters.models import DecisionLetter

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.render_letters]


def test_pending_then_render(make_case, settings, tmp_path):
    fonts = settings.RELOCARD_LETTER_FONT_DIR
    settings.RELOCARD_LETTER_FONT_DIR = str(tmp_path)  # rendering fails: no fonts
    app = make_case("approved")
    runner = CliRunner()
    result = runner.invoke(cli, ["pending"])
    assert result.exit_code == 1
    rows = json.loads(result.output)
    assert [r["kind"] for r in rows] == ["approval"] and "DejaVuSans" in rows[0]["last_error"]
    assert runner.invoke(cli, ["render"]).exit_code == 1  # still failing, recorded again
    assert DecisionLetter.objects.get(application=app).attempts == 2
    settings.RELOCARD_LETTER_FONT_DIR = fonts
    result = runner.invoke(cli, ["render"])
    assert result.exit_code == 0 and json.loads(result.output) == {"issued": 1, "failed": 0}
    assert runner.invoke(cli, ["pending"]).exit_code == 0
    assert DecisionLetter.objects.get(application=app).status == "issued"
