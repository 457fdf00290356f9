"""Wide tables stack on a phone (README: ``class="stack-small"`` and a ``data-label`` per cell).

At 390 px a table that only wraps squeezes seven columns into a few letters each; a stacked one
shows each row as a block of labelled cells. Two checks: every table in the templates stacks,
unless it is listed below with the reason it need not; and on the rendered pages each cell's
label is its column's heading (in the reader's language), so a cell the stylesheet labels is
never labelled wrongly or left bare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import html
from tests.consular.conftest import booked, day_ahead, missions, registered, window  # noqa: F401
from tests.humanitarian.conftest import make_request, officers, travellers  # noqa: F401

SRC = Path(__file__).resolve().parents[2] / "src" / "relocard"

#: Tables that need not stack, and why: each has at most three narrow columns, or rows headed
#: by a field's name (which a stacked row would lose).
NARROW = {
    "templates/accounts/security.html": "three columns: kind, last used, an action",
    "templates/console/statistics.html": "criteria named in refusals: two columns",
    "templates/console/identity_change.html": "rows headed by the field's name, three columns",
    "templates/console/what_if.html": "three columns of an outcome and two counts",
    "templates/enrolment/mission.html": "the passport comparison: rows headed by the field",
}

TABLE = re.compile(r"<table\b[^>]*>", re.S)


def test_every_table_in_the_templates_stacks_or_is_listed_as_narrow():
    templates = {p.relative_to(SRC).as_posix(): p for p in SRC.rglob("templates/**/*.html")}
    bare = [
        f"{name}: {tag}"
        for name, path in sorted(templates.items())
        for tag in TABLE.findall(path.read_text())
        if "stack-small" not in tag and name not in NARROW
    ]
    assert not bare, "tables that only wrap on a phone:\n" + "\n".join(bare)
    assert set(NARROW) <= set(templates), "a listed exception no longer exists"


def _heading(th) -> str:
    """A column's visible heading, or "" where it is only for screen readers (an action)."""
    if th.xpath(".//*[contains(@class, 'visually-hidden')]"):
        return ""
    return " ".join(th.text_content().split())


def assert_tables_stack(body: str, *, expect: int) -> None:
    """Each stacked table's data rows label every visibly headed cell with that heading."""
    tree = html.fromstring(body)
    tables = tree.xpath("//main//table[contains(concat(' ', @class, ' '), ' stack-small ')]")
    assert len(tables) >= expect, f"{len(tables)} stacked tables, expected {expect}"
    rows_seen = 0
    for table in tables:
        headings = [_heading(th) for th in table.xpath("./thead/tr/th")]
        for tr in table.xpath("./tbody/tr"):
            cells = tr.xpath("./td|./th")
            if any(c.get("colspan") for c in cells):
                continue  # "nothing yet"
            rows_seen += 1
            assert len(cells) == len(headings), (headings, html.tostring(tr))
            for heading, cell in zip(headings, cells, strict=True):
                label = " ".join((cell.get("data-label") or "").split())
                assert label == heading, f"cell labelled {label!r} under {heading!r}"
    assert rows_seen, "no data row to check"


def _page(client, user, name, language="en", **kwargs):
    client.force_login(user)
    client.cookies["relocard_language"] = language
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_consular_pages_stack(client, booked, day_ahead, missions, staff, language):  # noqa: F811
    officer = missions["officer"]
    mission = missions["fr"]
    body = _page(client, officer, "consular:mission", language, mission_id=mission.pk)
    assert_tables_stack(body, expect=2)  # windows and slots (nothing held)
    client.cookies["relocard_language"] = language
    body = client.get(
        reverse("consular:day", kwargs={"mission_id": mission.pk}), {"date": day_ahead.isoformat()}
    ).content.decode()
    assert_tables_stack(body, expect=2)
    if language == "ru":
        assert 'data-label="Дата рождения"' in body
    assert_tables_stack(_page(client, booked.user, "consular:mine", language), expect=1)
    assert_tables_stack(_page(client, staff["supervisor"], "consular:statistics"), expect=1)
    admin = staff["programme_admin"]
    assert_tables_stack(_page(client, admin, "consular:missions_manage", language), expect=1)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_humanitarian_pages_stack(client, make_request, officers, language):  # noqa: F811
    request = make_request(triage="priority", n=2)
    officer = officers["a"]
    assert_tables_stack(_page(client, officer, "humanitarian:queue", language), expect=1)
    assert_tables_stack(_page(client, officer, "humanitarian:statistics", language), expect=1)
    body = _page(client, officer, "humanitarian:grounds", language, entry_id=request.entry_id)
    assert_tables_stack(body, expect=1)


def test_the_helper_fails_on_a_table_that_only_wraps():
    wraps = "<main><table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table></main>"
    with pytest.raises(AssertionError, match="0 stacked tables"):
        assert_tables_stack(wraps, expect=1)
    mislabelled = wraps.replace("<table>", '<table class="stack-small">').replace(
        "<td>2", '<td data-label="A">2'
    )
    with pytest.raises(AssertionError, match="labelled"):
        assert_tables_stack(mislabelled, expect=1)
