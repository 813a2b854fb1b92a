"""Real-browser fixtures: Debian's Chromium (/usr/bin/chromium) driven by Playwright's sync API.

    def test_login_page(page: Page) -> None:      # page: a fresh context per test
        page.goto(url)
        page.get_by_role("button", name="登录").click()

`chromium` is the session's one Browser (launched once, on first use); `page` is a Page in a
new BrowserContext (1366x768, locale zh-CN, no cookies or storage from other tests), closed
after the test. Browser tests are plain `def` tests: the sync API refuses to run inside a
running asyncio loop, so they are never `async def` nor marked anyio.

The browser is the distribution's, installed by install.sh (TEST_PKGS); `playwright install`
is never run and nothing is downloaded. Without /usr/bin/chromium (or without the playwright
package) the browser tests skip, unless CI_REQUIRE_BROWSER is set (.ci/run sets it to 1):
then they fail.

Playwright's sync API marks its own event loop as the thread's running loop between calls,
for as long as it is started. Left so, every later test in the session that runs asyncio
(anyio's Pilot tests, `asyncio.run`) would fail with "Already running asyncio in this
thread". `_playwright_loop` below therefore shows that loop as running only during the
tests that use the browser, and hides it again after each one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
# As root (this sandbox, CI) Chromium only starts with --no-sandbox. The network here is closed
# but for loopback: the rest keeps the browser from trying (and logging) background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
LOCALE = "zh-CN"


def browser_required() -> bool:
    """CI_REQUIRE_BROWSER set (and not 0): a missing browser fails instead of skipping."""
    return os.environ.get("CI_REQUIRE_BROWSER", "") not in ("", "0")


def _unavailable(reason: str) -> NoReturn:
    if browser_required():
        pytest.fail(f"{reason}, and CI_REQUIRE_BROWSER is set: install it (./install.sh)",
                    pytrace=False)
    pytest.skip(f"{reason} (./install.sh installs it; CI_REQUIRE_BROWSER=1 makes this fail)")


class _LoopMark:
    """Playwright's event loop, shown to asyncio as the running one only while a test uses it."""

    loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def capture(cls) -> None:
        # Right after a sync call the thread's running loop is Playwright's.
        cls.loop = asyncio._get_running_loop()

    @classmethod
    def show(cls) -> None:
        if cls.loop is not None and not cls.loop.is_closed():
            asyncio._set_running_loop(cls.loop)

    @classmethod
    def hide(cls) -> None:
        if cls.loop is not None and asyncio._get_running_loop() is cls.loop:
            asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The session's headless Chromium (Debian's), launched once on first use."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    playwright: Playwright = sync_playwright().start()
    _LoopMark.capture()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except BaseException:
        playwright.stop()
        _LoopMark.loop = None
        raise
    try:
        yield browser
    finally:
        _LoopMark.show()
        try:
            browser.close()
        finally:
            playwright.stop()  # clears the running-loop mark itself
            _LoopMark.loop = None


@pytest.fixture(autouse=True)
def _playwright_loop(request: pytest.FixtureRequest) -> Iterator[None]:
    """Around a test that uses the browser, Playwright's loop is the running one; else not."""
    if "chromium" not in request.fixturenames:
        yield
        return
    _LoopMark.show()
    try:
        yield
    finally:
        _LoopMark.hide()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh Page in its own BrowserContext: 1366x768, locale zh-CN; closed after the test."""
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE)
    try:
        yield context.new_page()
    finally:
        context.close()
