"""The clerks' console in a real browser (Debian's Chromium, driven by Playwright) against a real
`service-center serve` process on loopback, fed by a real village sync.

A clerk logs in, opens the new case and its scan, and asks for a correction naming two fields,
by keyboard alone; the village syncs and shows exactly those two reasons. A second clerk's
decision on the same case is refused. Screenshots at 1366x768 and 1024x768 are written for a
person to look at (CONSOLE_SCREENSHOTS=DIR keeps them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from forms.catalog import load_catalog
from storage.attachments import IncomingFile
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from tests.conftest import AGENT, PIN, VILLAGE_CODE, VILLAGE_NAME
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE
from tests.test_console import PNG, SECOND, SECOND_PIN
from tests.test_ingest_authority import Township
from village_agent import intake

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow


@dataclass
class Hall:
    township: Township
    url: str
    village: Session
    app_id: str
    name: str


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[Hall]:
    township = Township(tmp_path / "township")
    township.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name", "兴宁镇便民服务中心",
                 "--operator", CLERK)
    township.run("operator", "add", SECOND)  # VILLAGE_AGENT_NEW_PIN below
    url = township.start()
    store = Store.create(tmp_path / "village", village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
    village = store.login(AGENT, PIN)
    try:
        code = json.loads(township.run("--json", "enroll-code", "--village-code", VILLAGE_CODE))["code"]
        enroll_online(village, url, code)
        catalog = load_catalog()
        data = example(catalog.get("MZ-GLJT"))
        app_id = intake.take(village, catalog, village.calendar(), "MZ-GLJT", data,
                             [IncomingFile("id_card", "身份证.png", PNG)]).application_ids[0]
        assert sync_once(village.store, session=village, force=True).ok
        yield Hall(township, url, village, app_id, data["applicant"]["name"])
    finally:
        township.stop()
        store.close()
    log = township.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log


@pytest.fixture(autouse=True)
def _second_clerks_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VILLAGE_AGENT_NEW_PIN", SECOND_PIN)


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _log_in(page: Page, url: str, name: str, pin: str) -> None:
    page.goto(f"{url}/console/")
    assert page.url.endswith("/console/login")  # no session: the login page, nothing else
    assert page.evaluate("document.activeElement.id") == "name"  # autofocus: typing goes there
    page.keyboard.type(name)
    page.keyboard.press("Escape")  # close the name suggestions, if the browser showed them
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "pin"
    page.keyboard.type(pin)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Say why when the login was refused, not only that the page did not change.
    assert page.url == f"{url}/console/", page.inner_text("main")


def test_a_clerk_asks_for_two_fields_by_keyboard_and_the_village_gets_exactly_those(
        hall: Hall, page: Page, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    page.goto(f"{hall.url}/console/login")
    page.screenshot(path=str(shots / "login-1366.png"))
    _log_in(page, hall.url, CLERK, CLERK_PIN)
    row = page.locator("table.cases tbody tr", has_text=hall.app_id)
    assert row.count() == 1 and "高龄津贴" in row.inner_text()
    assert hall.name in row.inner_text()  # the applicant, decrypted for the row shown
    assert row.locator(".badge.new").count() == 0  # a first look ever: nothing to compare with

    # A case arrives while the clerk works: the next look marks it, and only it, as new.
    catalog = load_catalog()
    later = intake.take(hall.village, catalog, hall.village.calendar(), "MZ-GLJT",
                        example(catalog.get("MZ-GLJT"))).application_ids[0]
    assert sync_once(hall.village.store, session=hall.village, force=True).ok
    page.reload()
    fresh = page.locator("table.cases tbody tr", has_text=later)
    assert fresh.locator(".badge.new").count() == 1 and row.locator(".badge.new").count() == 0
    assert "新到 1 件" in page.inner_text("#new-count")
    page.screenshot(path=str(shots / "worklist-1366.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(shots / "worklist-1024.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    page.locator(f"a[href='/console/case/{hall.app_id}']").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/case/{hall.app_id}")
    assert hall.name in page.inner_text("main")
    scan = page.locator(".scans img")
    assert scan.count() == 1
    assert page.evaluate("img => img.naturalWidth", scan.element_handle()) == 1  # decoded: a real image
    page.screenshot(path=str(shots / "case-1366.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(shots / "case-1024.png"), full_page=True)

    # The correction form, by keyboard: open it, tick two fields, write one reason, submit.
    page.locator("details summary", has_text="一次性告知补正").focus()
    page.keyboard.press("Enter")
    boxes = page.locator("#form-correction_requested input[type=checkbox][name^='pick:field:']")
    picked = [boxes.nth(0).get_attribute("name"), boxes.nth(1).get_attribute("name")]
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the reason's own text box
    page.keyboard.type("与身份证不一致")
    boxes.nth(1).focus()
    page.keyboard.press("Space")
    page.locator("#form-correction_requested button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirm")
    assert hall.township.status(hall.app_id)[0] == "received"  # not before it is confirmed
    page.screenshot(path=str(shots / "confirm-1024.png"))
    assert page.evaluate("document.activeElement.id") == "confirm"
    page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    assert hall.township.status(hall.app_id)[0] == "correction_requested"

    assert sync_once(hall.village.store, session=hall.village, force=True).ok
    _, history = hall.village.show(hall.app_id)
    reasons = [e for e in history if e.type == "correction_requested"][-1].payload["reasons"]
    assert [r["field"] for r in reasons] == [str(n).split(":")[-1] for n in picked]
    assert reasons[0]["text"] == "与身份证不一致"
    assert {a.id: a.status for a in hall.village.list()}[hall.app_id] == "correction_requested"


def test_a_second_clerk_deciding_the_same_case_is_refused(hall: Hall, page: Page) -> None:
    from playwright.sync_api import Browser

    browser: Browser = page.context.browser  # type: ignore[assignment]
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    try:
        _log_in(page, hall.url, CLERK, CLERK_PIN)
        _log_in(other, hall.url, SECOND, SECOND_PIN)
        for p in (page, other):
            p.goto(f"{hall.url}/console/case/{hall.app_id}")
        # Both reach the confirmation at once; the first to confirm records, the second is
        # refused when it confirms (the check on the case's last event, inside the write).
        page.click("#form-accepted button[type=submit]")
        page.wait_for_selector("#confirm")
        other.locator("details summary", has_text="不予受理").click()
        other.fill("#reason", "材料不全")
        other.click("#form-rejected button[type=submit]")
        other.wait_for_selector("#confirm")
        page.click("#confirm")
        page.wait_for_selector("#done")
        other.click("#confirm")
        other.wait_for_selector("#problem")
        assert "其他工作人员" in other.inner_text("#problem")
        # Opened again, the case is the first clerk's now: no decision is offered to the second.
        other.goto(f"{hall.url}/console/case/{hall.app_id}")
        assert other.locator("#form-rejected").count() == 0
        assert CLERK in other.inner_text("#why-not")
    finally:
        other.context.close()
    assert hall.township.status(hall.app_id)[0] == "accepted"


def test_a_wrong_pin_in_the_browser_says_how_many_tries_are_left(hall: Hall, page: Page) -> None:
    page.goto(f"{hall.url}/console/login")
    page.fill("#name", SECOND)
    page.fill("#pin", "000000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#login-error")
    assert "还可尝试4次" in page.inner_text("#login-error")
    page.goto(f"{hall.url}/console/case/{hall.app_id}")
    assert page.url.endswith("/console/login") and hall.name not in page.content()
