"""Browser journeys: Playwright driving the system's Chromium against pytest-django's live server.

Chromium is the Debian package (``/usr/bin/chromium``); the tests never download a browser.
Without it the journeys are skipped with a reason, except under ``CI=true``, where they fail.
Every page of a journey is checked with axe-core at the journey's size and at a phone's (390 x 844):
no serious or critical violation, and at 390 px nothing wider than the screen.
"""

from __future__ import annotations

import os
import pathlib

import pytest

CHROMIUM = os.environ.get("RELOCARD_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = pathlib.Path(os.environ.get("RELOCARD_E2E_SCREENSHOTS", "test-results/e2e"))
PASSWORD = "a-long-e2e-password"
PHONE = {"width": 390, "height": 844}
# The elements that stick out past the screen's right edge, or whose content (a long word, an
# e-mail address) sticks out of them, outermost first.
WIDEST = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right + window.scrollX > width + 1
    || (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflowX === 'visible'))
  .map(e => [e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''),
             Math.round(e.getBoundingClientRect().right + window.scrollX), e.scrollWidth,
             (e.textContent || '').trim().slice(0, 60)])
  .slice(0, 8)"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium():
    if not pathlib.Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"Chromium is missing at {CHROMIUM}: CI must install the Debian package 'chromium'"
            )
        pytest.skip(f"browser journeys need Chromium at {CHROMIUM} (Debian package 'chromium')")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
    # set-up happen outside it, but Django cannot tell, so allow them explicitly.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Journey:
    """Helpers a journey uses: sign in and out, follow links, check accessibility."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.step = 0
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()

    def fill_date(self, field_id: str, iso: str) -> None:
        """Type a date (YYYY-MM-DD) into a day / month / year field, as a person would."""
        year, month, day = str(iso).split("-")
        self.page.locator(f"#{field_id}_0").fill(str(int(day)))
        self.page.locator(f"#{field_id}_1").fill(str(int(month)))
        self.page.locator(f"#{field_id}_2").fill(year)

    def check(self, label: str) -> None:
        """Run axe-core on the current page at the journey's size and at a phone's (390 x 844),
        keep a screenshot of each, and check that at the phone's width nothing is wider than
        the screen; the viewport is restored afterwards."""
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        size = page.viewport_size
        problems = self._check_at(label, phone=size["width"] <= PHONE["width"])
        if size["width"] > PHONE["width"]:
            page.set_viewport_size(PHONE)
            try:
                problems += self._check_at(label, phone=True)
            finally:
                page.set_viewport_size(size)
        assert problems == [], f"{label} ({page.url}): {problems}"

    def _check_at(self, label: str, *, phone: bool) -> list[str]:
        page = self.page
        where = "phone" if phone else "desktop"
        suffix = "-phone" if phone else ""
        page.screenshot(
            path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{label}{suffix}.png"),
            full_page=True,
        )
        # axe-core is injected once per document: the phone's run reuses the desktop's copy.
        if page.evaluate("typeof window.axe === 'undefined'"):
            page.evaluate(self.axe.axe_script)
        violations = page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")
        problems = [
            f"axe-core at {where}: {v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        if phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                # Name the widest elements, so that a failure says what to fix.
                problems.append(
                    f"{width} px wide at {PHONE['width']} px: {page.evaluate(WIDEST, PHONE['width'])}"
                )
        return problems

    def sign_in(self, email: str, password: str = PASSWORD, path: str = "/accounts/login/") -> None:
        """Sign in with the password, then the second factor when asked for it: a code from the
        user's authenticator app (enrolled here with the key the page shows if they have none)."""
        self.page.goto(path)
        self.page.get_by_label("E-mail address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.locator("main").get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        self.pass_second_factor(email)

    def pass_second_factor(self, email: str) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice
        from tests.conftest import totp_code

        page = self.page
        if "/accounts/second-factor/app/" in page.url:  # first sign-in: enrol the app
            import pyotp

            secret = page.locator("#totp-secret").inner_text().replace(" ", "")
            page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Confirm").click()
            page.get_by_role("link", name="I have kept them, continue").click()
        elif "/accounts/second-factor/" in page.url:
            device = TOTPDevice.objects.get(user__email=email, confirmed=True)
            page.get_by_label("Code").fill(totp_code(device))
            page.locator("main").get_by_role("button", name="Continue").click()
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out", exact=True).click()


@pytest.fixture
def journey(browser_page, request):
    return Journey(browser_page, request.node.name)
