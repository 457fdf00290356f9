"""The humanitarian route stays apart from the card (docs/humanitarian.md, privacy design).

* Architecture: no module of the card apps imports ``relocard.humanitarian``, names its
  models, its tables or the access functions that hand out its objects.
* Access matrix: card staff, verifiers, applicants who are not the person, programme admins
  and officers of another member state reach no request and no officer page ("not found");
  humanitarian officers reach no card page.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re

import pytest
from django.urls import reverse

import relocard
from relocard.common import access

SRC = pathlib.Path(relocard.__file__).parent
CARD_APPS = ("cases", "cards", "presence", "verification", "portal", "console")
MODELS = {
    "HumanitarianRequest",
    "Traveller",
    "SealedGrounds",
    "DecisionReasons",
    "Assignment",
    "CategoryMove",
    "HumanitarianDecision",
    "LedgerRecord",
    "LedgerHead",
    "ReferringOrganisation",
    "ReferrerMembership",
}
#: Reverse accessors from the user model into the humanitarian tables.
RELATED = {"humanitarian_requests", "referrer_membership"}
TABLE = re.compile(r"\bhumanitarian_[a-z]+")


def _humanitarian_access_functions() -> set[str]:
    names = set()
    for name, func in inspect.getmembers(access, inspect.isfunction):
        if func.__module__ != access.__name__:
            continue
        source = inspect.getsource(func)
        if any(model in source for model in MODELS) or "referrer_membership(" in source:
            names.add(name)
    return names


def offences(tree: ast.AST, forbidden_names: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if "humanitarian" in a.name]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if "humanitarian" in module or any(a.name == "humanitarian" for a in node.names):
                found.append((node.lineno, module))
        elif isinstance(node, ast.Name) and node.id in MODELS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and (
            node.attr in MODELS or node.attr in RELATED or node.attr in forbidden_names
        ):
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.keyword) and node.arg:
            if any(node.arg.startswith(r) or f"__{r}" in node.arg for r in RELATED):
                found.append((node.lineno, node.arg))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if TABLE.search(text) or text in ("humanitarian", "relocard.humanitarian"):
                found.append((node.lineno, repr(text)[:40]))
            if any(f"__{r}" in text or text.startswith(f"{r}__") for r in RELATED):
                found.append((node.lineno, repr(text)[:40]))
    return found


def test_no_card_app_imports_or_queries_the_humanitarian_app() -> None:
    forbidden = _humanitarian_access_functions()
    assert {"humanitarian_requests", "get_humanitarian_request", "person_requests"} <= forbidden
    bad = []
    for app in CARD_APPS:
        for path in sorted((SRC / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bad += [
                f"{path.relative_to(SRC)}:{line} {what}" for line, what in offences(tree, forbidden)
            ]
    assert bad == []


def test_the_check_sees_what_it_forbids() -> None:
    sample = (
        "import relocard.humanitarian.models\n"
        "from relocard.humanitarian.models import HumanitarianRequest\n"
        "from relocard import humanitarian\n"
        "apps.get_model('humanitarian', 'SealedGrounds')\n"
        "cursor.execute('SELECT * FROM humanitarian_sealedgrounds')\n"
        "user.humanitarian_requests.all()\n"
        "access.humanitarian_requests(user)\n"
        "User.objects.filter(referrer_membership__isnull=False)\n"
    )
    lines = {line for line, _ in offences(ast.parse(sample), _humanitarian_access_functions())}
    assert lines == {1, 2, 3, 4, 5, 6, 7, 8}


@pytest.fixture
def outsiders(staff, make_user, officers):
    from relocard.accounts.models import Role

    return {
        **{k: v for k, v in staff.items()},
        "verifier": make_user(Role.VERIFIER, "FR"),
        "applicant": make_user(),
        "officer_de": officers["de"],
    }


@pytest.mark.django_db
def test_no_card_role_reaches_a_request_or_an_officer_page(client, make_request, outsiders):
    request = make_request()
    entry = request.entry_id
    pages = [
        reverse("humanitarian:queue"),
        reverse("humanitarian:statistics"),
        reverse("humanitarian:request", args=[entry]),
        reverse("humanitarian:grounds", args=[entry]),
        reverse("humanitarian:receipt", args=[entry]),
    ]
    posts = [
        reverse("humanitarian:act", args=[entry, action])
        for action in ("assign", "triage", "move", "invite", "decide", "remove")
    ] + [reverse("humanitarian:withdraw", args=[entry])]
    for name, user in outsiders.items():
        client.force_login(user)
        for url in pages[2:] if name == "officer_de" else pages:  # DE's own queue is theirs
            assert client.get(url).status_code in (302, 404), (name, url)
            if client.get(url).status_code == 302:  # e.g. an applicant page sends staff away
                assert "/humanitarian/" not in client.get(url)["Location"], (name, url)
        for url in posts:
            assert client.post(url, {"category": "standard"}).status_code == 404, (name, url)
    request.refresh_from_db()
    assert request.status == "registered" and request.assignments.count() == 2


@pytest.mark.django_db
def test_a_humanitarian_officer_reaches_no_card_page(client, officers, make_case):
    case = make_case("submitted")
    client.force_login(officers["a"])
    assert client.get(reverse("console:queue")).status_code == 404
    assert client.get(reverse("console:case", args=[case.reference])).status_code == 404
    assert client.get("/").status_code == 302 and client.get("/")["Location"] == reverse(
        "humanitarian:queue"
    )
