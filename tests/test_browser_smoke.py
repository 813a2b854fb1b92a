"""The real-browser plumbing end to end: Chromium loads a page from a loopback HTTP server,
runs its script on a click, and takes a screenshot."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>浏览器冒烟测试</title></head>
<body>
  <p id="status">未点击</p>
  <button id="go" type="button">点我</button>
  <script>
    document.getElementById("go").addEventListener("click", () => {
      document.getElementById("status").textContent = "已点击 " + navigator.language;
    });
  </script>
</body>
</html>
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no request log on stderr
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A directory with index.html, served by http.server on a free loopback port: its URL."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="smoke-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_click_changes_text_and_screenshot(page: Page, site: str, tmp_path: Path) -> None:
    response = page.goto(site)
    assert response is not None and response.ok
    assert page.title() == "浏览器冒烟测试"
    assert page.viewport_size == {"width": 1366, "height": 768}
    assert page.text_content("#status") == "未点击"

    page.get_by_role("button", name="点我").click()
    page.wait_for_function("document.getElementById('status').textContent !== '未点击'")
    assert page.text_content("#status") == "已点击 zh-CN"

    shot = tmp_path / "smoke.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert len(data) > 1000
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_contexts_are_isolated(chromium: Browser, page: Page, site: str) -> None:
    """`page` has a context of its own: what it stores, another context of the browser never sees."""
    page.goto(site)
    assert page.evaluate("localStorage.length") == 0
    page.evaluate("localStorage.setItem('k', 'v')")
    assert page.context.cookies() == []
    assert page.context in chromium.contexts

    other = chromium.new_context()
    try:
        other_page = other.new_page()
        other_page.goto(site)
        assert other_page.evaluate("localStorage.length") == 0
    finally:
        other.close()


def test_asyncio_still_runs_between_browser_tests() -> None:
    """Playwright's sync API is started for the session; a plain asyncio run still works."""

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42


@pytest.mark.anyio
async def test_anyio_still_runs_after_browser_tests() -> None:
    """anyio's plugin (the app's Pilot tests) runs its loop with the browser session open."""
    await asyncio.sleep(0)
