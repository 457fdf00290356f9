"""Nothing on a page calls a foreign server (issue 14): for people inside Russia, a request to a
third party (a font, a script, analytics) would tell its owner, and whoever watches the line,
that they use the programme. The main pages of the portal, the console, the verification
pages and the humanitarian route are rendered; every URL they load or link (``src``,
``href``, ``action``, ``srcset``, ``url()`` in styles, and in the style sheets they load) must
be of this site, and the Content-Security-Policy must allow no other origin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from tests.enrolment.conftest import photo_bytes

pytestmark = pytest.mark.django_db

_URL_ATTRIBUTES = {"src", "href", "action", "srcset", "poster", "data", "formaction"}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""")
_CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""")
_SAFE_SOURCES = {"'self'", "'none'", "data:", "blob:", "'unsafe-inline'"}


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.stylesheets: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRIBUTES:
                parts = value.split(",") if name == "srcset" else [value]
                self.urls += [(f"<{tag} {name}>", p.strip().split(" ")[0]) for p in parts]
            if name == "style":
                self.urls += [(f"<{tag} style>", u) for u in _CSS_URL.findall(value)]
        if tag == "link" and "stylesheet" in (values.get("rel") or ""):
            self.stylesheets.append(values.get("href") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", u) for u in _CSS_URL.findall(data)]
            self.urls += [("<style> @import", u) for u in _CSS_IMPORT.findall(data)]


def _external(url: str) -> bool:
    """A URL that leaves this site: another scheme's resource or another host."""
    url = url.strip()
    if url.startswith(("#", "data:", "blob:", "mailto:")) or not url:
        return False
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return True  # javascript:, ftp:, ...
    return bool(parts.netloc) and parts.hostname not in ("testserver", "127.0.0.1", "localhost")


def external_urls(html: str) -> list[tuple[str, str]]:
    parser = _Urls()
    parser.feed(html)
    found = [(where, url) for where, url in parser.urls if _external(url)]
    for sheet in parser.stylesheets:
        path = urlsplit(sheet).path
        if path.startswith("/static/"):
            local = finders.find(path.removeprefix("/static/"))
            assert local, f"style sheet {sheet} not found"
            with open(local, encoding="utf-8") as fh:
                css = fh.read()
            found += [
                (sheet, u) for u in _CSS_URL.findall(css) + _CSS_IMPORT.findall(css) if _external(u)
            ]
    return found


def foreign_sources(csp: str) -> list[str]:
    """Sources in a Content-Security-Policy that allow another origin."""
    bad = []
    for directive in filter(None, (d.strip() for d in csp.split(";"))):
        name, *sources = directive.split()
        if name in ("sandbox", "upgrade-insecure-requests", "block-all-mixed-content"):
            continue
        bad += [f"{name} {s}" for s in sources if s not in _SAFE_SOURCES]
    return bad


def test_the_checks_see_what_they_forbid():
    html = (
        '<link rel="stylesheet" href="https://fonts.example.com/css">'
        '<script src="//cdn.example.net/a.js"></script><img srcset="/a.png 1x, https://x.test/b.png 2x">'
        '<a href="https://analytics.example.org/">x</a><div style="background:url(https://x.test/i.png)"></div>'
        '<style>@import "https://fonts.example.com/f.css";</style><form action="http://evil.test/"></form>'
        '<a href="/apply/">ok</a><img src="data:image/png;base64,AA"><a href="#main">ok</a>'
    )  # fmt: skip
    assert len(external_urls(html)) == 7
    assert foreign_sources("default-src 'self'; img-src 'self' data: blob:") == []
    assert foreign_sources("default-src 'self' https://cdn.example.net; script-src *") == [
        "default-src https://cdn.example.net",
        "script-src *",
    ]


def _pages(make_case, make_user, staff):
    """(user or None, path) of the main pages of each part of the site."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relocard.accounts.models import Role
    from relocard.cases.models import Application, Channel
    from relocard.enrolment import services as mission
    from relocard.verification import services as vs

    app = make_case("approved")
    Application.objects.filter(pk=app.pk).update(channel=Channel.EMBASSY)
    app.refresh_from_db()
    upload = SimpleUploadedFile("p.jpg", photo_bytes(), content_type="image/jpeg")
    mission.photo_upload(actor=app.applicant.user, application=app, upload=upload)
    holder = app.applicant.user
    card = app.cards.get()
    verifier = vs.organisation_register(
        email="bank@example.test", password="a-long-test-password", name="Bank",
        kind="bank", country="FR", registration_number="RCS 1",
    )  # fmt: skip
    humanitarian_officer = make_user(Role.HUMANITARIAN_OFFICER, "FR")
    ref = app.reference
    return [
        (None, "/"),
        (None, reverse("accounts:login")),
        (None, reverse("accounts:signup")),
        (None, reverse("privacy")),
        (None, reverse("verification:confirm")),
        (None, reverse("verification:register")),
        (holder, reverse("portal:dashboard")),
        (holder, reverse("portal:case", args=[ref])),
        (holder, reverse("portal:card", args=[ref, card.pk])),
        (holder, reverse("enrolment:photo_upload", args=[ref])),
        (holder, reverse("presence:trips")),
        (holder, reverse("verification:share_codes")),
        (holder, reverse("humanitarian:mine")),
        (holder, reverse("humanitarian:new")),
        (staff["caseworker"], reverse("console:queue")),
        (staff["caseworker"], reverse("console:case", args=[ref])),
        (staff["consular_officer"], reverse("enrolment:mission", args=[ref])),
        (staff["consular_officer"], reverse("console:embassy_new")),
        (verifier, reverse("verification:home")),
        (humanitarian_officer, reverse("humanitarian:queue")),
    ]


def test_the_main_pages_load_nothing_from_other_servers(client, make_case, make_user, staff):
    checked = 0
    for user, path in _pages(make_case, make_user, staff):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert external_urls(response.content.decode()) == [], path
        assert foreign_sources(response["Content-Security-Policy"]) == [], path
        checked += 1
    assert checked == 20


def test_every_page_of_an_applicant_says_what_is_kept_and_offers_safe_mode(client, make_case):
    app = make_case("submitted")
    user = app.applicant.user
    app.applicant.safe_mode = False
    app.applicant.save(update_fields=["safe_mode"])
    client.force_login(user)
    for path in (reverse("portal:dashboard"), reverse("portal:case", args=[app.reference])):
        body = client.get(path).content.decode()
        assert "on servers in the European Union only" in body and reverse("privacy") in body
        assert "Turn safe mode on" in body
    response = client.post(
        reverse("accounts:safe_mode"), {"safe_mode": "on", "next": reverse("presence:trips")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("presence:trips")
    app.applicant.refresh_from_db()
    assert app.applicant.safe_mode is True
    assert "Turn safe mode off" in client.get(reverse("presence:trips")).content.decode()
    # An outside address is not followed; a bad value changes nothing.
    response = client.post(
        reverse("accounts:safe_mode"), {"safe_mode": "maybe", "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("portal:dashboard")
    app.applicant.refresh_from_db()
    assert app.applicant.safe_mode is True


def test_visitors_see_the_notice_and_staff_do_not(client, staff):
    assert "on servers in the European Union only" in client.get("/").content.decode()
    client.force_login(staff["caseworker"])
    body = client.get(reverse("console:queue")).content.decode()
    assert "on servers in the European Union only" not in body
    assert client.post(reverse("accounts:safe_mode"), {"safe_mode": "on"}).status_code == 404
