"""The supervision pages in a real browser (Debian's Chromium via Playwright): cards, figures, board.

A township on loopback with a real village's case (yellow at once: the manager set 30 yellow
days) and one red case filed as a status record. The clerk opens the card list and follows a
card to its case; the figures page's charts load as images under the page's CSP, their values
beside them; the hall board fits a 1920x1080 television without scrolling, in large type.
Screenshots are written for a person to look at (CONSOLE_SCREENSHOTS=DIR keeps them).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from center import supervision
from center.enroll import issue_code
from forms.catalog import Catalog
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN
from tests.test_console_browser import _log_in, _shots
from village_agent import intake

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow
RED_CASE = "20260101-TEST-00009"


@pytest.fixture
def hall(session: Session, township: tuple[Node, str], catalog: Catalog) -> tuple[Node, str, str]:
    node, url = township
    today = date.today()
    with node.session.store.database.write() as db:
        supervision.save_settings(db, node.session.keys, supervision.Settings(yellow_days=30),
                                  CLERK)
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT"), today=today),
                         today=today).application_ids[0]
    assert sync_once(session.store, session=session, force=True).ok
    with node.session.store.database.write() as db:
        assert supervision.file_facts(db, {
            "application_id": RED_CASE, "township": node.code, "village_code": VILLAGE_CODE,
            "item_code": "MZ-LSJZ", "window_code": "", "clerk": CLERK, "agent": "",
            "instant": 0, "status": "accepted", "received_on": today.isoformat(),
            "due_on": (today - timedelta(days=3)).isoformat(),
            "yellow_from": (today - timedelta(days=6)).isoformat(),
            "red_from": (today - timedelta(days=2)).isoformat(), "finished_on": None, "late": 0,
            "rating": None, "rated_on": None, "followup_closed": 0})
    return node, url, app_id


def _csp_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text or "Refused" in m.text else None)
    return errors


def test_the_manager_follows_a_card_to_its_case(hall: tuple[Node, str, str], page: Page,
                                                tmp_path: Path) -> None:
    _node, url, app_id = hall
    errors = _csp_errors(page)
    _log_in(page, url, CLERK, CLERK_PIN)
    page.get_by_role("link", name="监察预警").click()
    page.wait_for_url(f"{url}/console/cards")
    red = page.locator(f"#card-case-{RED_CASE}")
    yellow = page.locator(f"#card-case-{app_id}")
    assert red.get_attribute("data-colour") == "red" and "红牌" in red.inner_text()
    assert yellow.get_attribute("data-colour") == "yellow" and "黄牌" in yellow.inner_text()
    # Red first, and coloured so: the row's background is the red one, not the yellow.
    assert page.locator("#cards tbody tr").first.get_attribute("id") == f"card-case-{RED_CASE}"
    assert red.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor") == \
        "rgb(253, 231, 229)"
    assert "黄牌 1 件，红牌 1 件，蓝牌 0 件" in page.inner_text("#card-count")
    assert page.locator(f"#rollup-village tr[data-key='{VILLAGE_CODE}']").inner_text().split() == [
        VILLAGE_CODE, "1", "1", "0"]
    page.screenshot(path=str(_shots(tmp_path) / "cards-1366.png"), full_page=True)
    with page.expect_navigation():
        yellow.get_by_role("link", name=app_id).click()
    assert page.url == f"{url}/console/case/{app_id}" and "高龄津贴" in page.inner_text("main")
    assert errors == []


def test_the_figures_page_draws_its_charts_under_the_pages_csp(
        hall: tuple[Node, str, str], page: Page, tmp_path: Path) -> None:
    _node, url, _app_id = hall
    errors = _csp_errors(page)
    _log_in(page, url, CLERK, CLERK_PIN)
    page.goto(f"{url}/console/figures?by=village")
    month = f"{date.today():%Y-%m}"
    assert page.input_value("#period") == month
    assert page.locator("#figures-total").inner_text().split()[:2] == ["合计", "2"]
    for name in ("months", "villages", "items"):
        chart = page.locator(f"#chart-{name}")
        chart.scroll_into_view_if_needed()
        page.wait_for_function("id => { const i = document.getElementById(id);"
                               " return i.complete && i.naturalWidth > 0; }", arg=f"chart-{name}")
        assert chart.get_attribute("alt")  # the chart says what it is
    assert page.locator(f"#values-months tr[data-key='{month}']").inner_text().split()[:2] == [
        month, "2"]
    assert page.locator(f"#values-villages tr[data-key='{VILLAGE_CODE}']").inner_text().split() == [
        VILLAGE_CODE, "2"]
    page.select_option("#by", "item")
    page.fill("#period", "2000-13")
    with page.expect_navigation():
        page.get_by_role("button", name="统计").click()
    assert "月份写作 2026-10" in page.inner_text("#problem")
    page.goto(f"{url}/console/figures")
    page.screenshot(path=str(_shots(tmp_path) / "figures-1366.png"), full_page=True)
    assert errors == []


def test_the_hall_board_fits_a_1920_by_1080_television(hall: tuple[Node, str, str],
                                                       chromium: Browser, tmp_path: Path) -> None:
    _node, url, app_id = hall
    context = chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    try:
        tv = context.new_page()
        errors = _csp_errors(tv)
        tv.goto(f"{url}/board")
        masked = app_id[:4] + "*" * (len(app_id) - 7) + app_id[-3:]
        numbers = tv.locator("#today-cases td.number").all_inner_texts()
        assert masked in numbers and app_id not in tv.content()
        assert tv.inner_text("#today-received .value") == "2"
        assert tv.inner_text("#open-red .value") == "1" and tv.inner_text("#open-yellow .value") == "1"
        assert tv.evaluate("document.documentElement.scrollHeight") <= 1080
        assert tv.evaluate("document.documentElement.scrollWidth") <= 1920
        size = tv.locator("#today-received .value").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 64
        assert context.cookies() == []  # the board opened no session
        tv.screenshot(path=str(_shots(tmp_path) / "board-1920.png"))
        assert errors == []
    finally:
        context.close()
