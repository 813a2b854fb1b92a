"""The clerks' console over real HTTP: a township served on loopback, fed by a real village sync.

Login and access (session cookie, CSRF, lock-out), the worklist, the case page with its scan,
decisions (confirmed, recorded once, a second clerk refused) and the audit of what was viewed.
The same flows in a real browser are in tests/test_console_browser.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from center.enroll import issue_code
from forms.catalog import Catalog
from storage.attachments import IncomingFile
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests import center_db
from tests.conftest import VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN
from village_agent import intake

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
       b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
SECOND = "赵晓燕"
SECOND_PIN = "730591"


def _token(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


@contextmanager
def log_in(url: str, name: str = CLERK, pin: str = CLERK_PIN) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as client:
        page = client.get("/console/login")
        got = client.post("/console/login", data={"login_token": _token(page.text, "login_token"),
                                                  "name": name, "pin": pin})
        assert got.status_code == 200 and "/console/login" not in str(got.url), got.text
        yield client


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's console tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


@pytest.fixture
def filed(session: Session, township: tuple[Node, str], catalog: Catalog) -> dict[str, Any]:
    """One application with a scan, taken in at the village and synced to the township."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    data = example(catalog.get("MZ-GLJT"))
    result = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                         [IncomingFile("id_card", "身份证.png", PNG)])
    assert sync_once(session.store, session=session, force=True).ok
    node.session.add_operator(SECOND, "clerk", SECOND_PIN)
    return {"id": result.application_ids[0], "data": data, "node": node, "url": url}


def test_every_console_page_without_a_session_goes_to_login_and_shows_nothing(
        filed: dict[str, Any]) -> None:
    app_id = filed["id"]
    name = filed["data"]["applicant"]["name"]
    with httpx.Client(base_url=filed["url"], timeout=30) as anon:
        for path in ("/console/", f"/console/case/{app_id}", f"/console/case/{app_id}/scan/x",
                     "/console/alarms", "/console/devices"):
            got = anon.get(path)
            assert got.status_code == 303 and got.headers["location"] == "/console/login", path
            assert name not in got.text and app_id not in got.text
        for path in (f"/console/case/{app_id}/confirm", f"/console/case/{app_id}/decide",
                     "/console/logout"):
            got = anon.post(path, data={"decision": "accepted"})
            assert got.status_code == 303 and got.headers["location"] == "/console/login", path
    assert _status(filed) == "received"


def test_a_post_without_the_csrf_token_is_refused_and_records_nothing(filed: dict[str, Any]) -> None:
    with log_in(filed["url"]) as clerk:
        page = clerk.get(f"/console/case/{filed['id']}")
        seen = _token(page.text, "seen")
        for csrf in ("", "forged"):
            got = clerk.post(f"/console/case/{filed['id']}/decide",
                             data={"csrf": csrf, "decision": "accepted", "seen": seen})
            assert got.status_code == 403 and "页面已过期" in got.text
    assert _status(filed) == "received"


def test_a_wrong_pin_counts_toward_lock_out(filed: dict[str, Any]) -> None:
    with httpx.Client(base_url=filed["url"], timeout=30) as client:
        for left in (4, 3):
            page = client.get("/console/login")
            got = client.post("/console/login", data={
                "login_token": _token(page.text, "login_token"), "name": SECOND, "pin": "000000"})
            assert got.status_code == 401 and f"还可尝试{left}次" in got.text
        got = client.post("/console/login", data={"login_token": "x", "name": SECOND,
                                                  "pin": SECOND_PIN})
        assert got.status_code == 403  # the login form's own token is checked too
    assert center_db.one(filed["node"].session.store.home,
                         "SELECT failed_attempts FROM operators WHERE name = ?", [SECOND]) == 2


def test_the_worklist_finds_the_case_by_number_and_colours_nothing_yet(filed: dict[str, Any]) -> None:
    with log_in(filed["url"]) as clerk:
        page = clerk.get("/console/")
        assert filed["id"] in page.text and "共 1 件" in page.text
        assert clerk.get("/console/", params={"q": filed["id"][-5:]}).text.count(filed["id"]) >= 1
        none = clerk.get("/console/", params={"q": "nothing-like-it"}, headers={"HX-Request": "true"})
        assert "没有符合条件的办件" in none.text and "<html" not in none.text  # htmx: rows only
        bad = clerk.get("/console/", params={"since": "not a date"})
        assert bad.status_code == 200 and "日期格式不正确" in bad.text


def test_the_case_page_shows_labelled_fields_and_the_scan_and_both_are_audited(
        filed: dict[str, Any]) -> None:
    data = filed["data"]
    with log_in(filed["url"]) as clerk:
        page = clerk.get(f"/console/case/{filed['id']}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert data["applicant"]["name"] in page.text and "高龄津贴" in page.text
        scan_url = re.search(r'src="(/console/case/[^"]+/scan/[^"]+)"', page.text)
        assert scan_url, "no inline scan"
        scan = clerk.get(scan_url.group(1))
        assert scan.content == PNG and scan.headers["content-type"] == "image/png"
        assert scan.headers["cache-control"] == "no-store"
        other = clerk.get(f"/console/case/{filed['id']}/scan/not-this-cases")
        assert other.status_code == 404
    actions = [r[0] for r in center_db.rows(
        filed["node"].session.store.home,
        "SELECT action FROM audit WHERE target = ? AND operator = ?", [filed["id"], CLERK])]
    assert "application.viewed" in actions and "attachment.opened" in actions


def test_a_decision_is_confirmed_then_recorded_once_and_a_second_clerk_is_refused(
        filed: dict[str, Any]) -> None:
    app_id = filed["id"]
    with log_in(filed["url"]) as first, log_in(filed["url"], SECOND, SECOND_PIN) as second:
        page_one = first.get(f"/console/case/{app_id}").text
        page_two = second.get(f"/console/case/{app_id}").text
        form = {"csrf": _token(page_one, "csrf"), "decision": "accepted",
                "seen": _token(page_one, "seen"), "form_token": _token(page_one, "form_token")}
        confirm = first.post(f"/console/case/{app_id}/confirm", data=form)
        assert confirm.status_code == 200 and "确认办理" in confirm.text
        assert _status(filed) == "received"  # nothing recorded before the confirmation
        done = first.post(f"/console/case/{app_id}/decide", data=form)
        assert done.status_code == 200 and "已记录" in done.text
        again = first.post(f"/console/case/{app_id}/decide", data=form)  # a double click
        assert again.status_code == 200
        late = second.post(f"/console/case/{app_id}/decide", data={
            "csrf": _token(page_two, "csrf"), "decision": "rejected", "reason": "材料不全",
            "seen": _token(page_two, "seen"), "form_token": _token(page_two, "form_token")})
        assert late.status_code == 409 and "其他工作人员" in late.text
    assert _status(filed) == "accepted"
    decided = center_db.one(filed["node"].session.store.home,
                            "SELECT COUNT(*) FROM events WHERE application_id = ? AND type IN"
                            " ('accepted', 'rejected')", [app_id])
    assert decided == 1


def test_a_correction_names_the_fields_picked_and_the_village_gets_exactly_those(
        filed: dict[str, Any], session: Session) -> None:
    app_id = filed["id"]
    with log_in(filed["url"]) as clerk:
        page = clerk.get(f"/console/case/{app_id}").text
        picks = re.findall(r'name="pick:(field:[^"]+)"', page)
        assert len(picks) >= 2
        chosen = picks[:2]
        form = {"csrf": _token(page, "csrf"), "decision": "correction_requested",
                "seen": _token(page, "seen"), "form_token": _token(page, "form_token"),
                **{f"pick:{p}": "1" for p in chosen},
                f"text:{chosen[0]}": "与身份证不一致"}
        empty = clerk.post(f"/console/case/{app_id}/confirm",
                           data={k: v for k, v in form.items() if not k.startswith("pick:")})
        assert empty.status_code == 400 and "至少勾选一项" in empty.text
        assert clerk.post(f"/console/case/{app_id}/decide", data=form).status_code == 200
    assert sync_once(session.store, session=session, force=True).ok
    _, history = session.show(app_id)
    asked = [e for e in history if e.type == "correction_requested"][-1].payload["reasons"]
    assert [r["field"] for r in asked] == [p.split(":", 1)[1] for p in chosen]
    assert asked[0]["text"] == "与身份证不一致"


def test_no_applicant_name_or_id_number_in_plaintext_under_the_centers_home(
        filed: dict[str, Any], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import tempfile
    import time

    began = time.time() - 1
    with log_in(filed["url"]) as clerk:
        page = clerk.get(f"/console/case/{filed['id']}").text
        scan = clerk.get(re.search(r'src="(/console/case/[^"]+/scan/[^"]+)"', page).group(1))  # type: ignore[union-attr]
        assert scan.status_code == 200 and scan.content
    applicant = filed["data"]["applicant"]
    secrets = [applicant["name"].encode(), applicant["id_number"].encode()]
    home = filed["node"].session.store.home
    # The store, its -wal and -shm, and anything else under the center's home; on PostgreSQL
    # also what the server holds (pg_dump, where a BYTEA column is written out in hex).
    raw = center_db.stored_bytes(home)
    for secret in secrets:
        assert secret not in raw and secret.hex().encode() not in raw, secret.decode()
    # No temporary file written while the case and its scan were shown (other pytest
    # sessions' folders on this machine are theirs, with the same example villagers).
    # os.walk, not rglob: a folder another job removes during the walk is skipped, not raised.
    ours = tmp_path.parent  # this session's basetemp
    for folder, _, names in os.walk(tempfile.gettempdir()):
        if "pytest-of-" in folder and ours not in Path(folder, "x").parents:
            continue
        for name in names:
            path = Path(folder, name)
            try:
                if (not path.is_file() or path.stat().st_mtime < began
                        or path.stat().st_size >= 50_000_000):
                    continue
                raw = path.read_bytes()
            except OSError:
                continue
            for secret in secrets:
                assert secret not in raw, f"{secret.decode()} in {path}"
    # Nor in what the server logged.
    out, err = capfd.readouterr()
    for secret in secrets:
        assert secret.decode() not in out + err


def _status(filed: dict[str, Any]) -> str:
    return str(center_db.one(filed["node"].session.store.home,
                             "SELECT status FROM applications WHERE id = ?", [filed["id"]]))


def test_a_session_idle_past_the_limit_is_gone(filed: dict[str, Any]) -> None:
    """Idle log-out after 15 minutes, on the one clock the sessions open, touch and expire by."""
    from center.console import auth

    now = [1000.0]
    sessions = auth.Sessions(clock=lambda: now[0])
    clerk = sessions.open(filed["node"].session, filed["node"], "zh")
    now[0] += auth.IDLE_SECONDS - 1
    assert sessions.get(clerk.token) is clerk  # used within the limit: kept, and touched
    now[0] += auth.IDLE_SECONDS - 1
    assert sessions.get(clerk.token) is clerk
    now[0] += auth.IDLE_SECONDS + 1
    assert sessions.get(clerk.token) is None
    assert sessions.get(None) is None and sessions.get("") is None


@settings(max_examples=200, deadline=None)
@given(today=st.dates(min_value=date(2020, 1, 1), max_value=date(2028, 12, 31)),
       days=st.lists(st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)),
                     min_size=1, max_size=8))
def test_the_worklists_day_counter_agrees_with_the_calendar(today: date, days: list[date]) -> None:
    from center.console.cases import DayCounter
    from forms.workdays import WorkingCalendar

    calendar = WorkingCalendar.default()
    counter = DayCounter(calendar, days, today)
    for day in days:
        assert counter.between(today, day) == calendar.working_days_between(today, day)


def test_an_alarm_says_what_it_means_and_what_to_do_in_the_clerks_language(
        filed: dict[str, Any]) -> None:
    from storage import sync_alarms

    database = filed["node"].session.store.database
    with database.write() as db:
        sync_alarms.alarm(db, "conflict", "abcdef0123456789", 7, "test")
    with log_in(filed["url"]) as clerk:
        zh = clerk.get("/console/alarms").text
        assert "备份恢复" in zh and "核对此办件" in zh
        csrf = _token(zh, "csrf")
        en = clerk.post("/console/lang", data={"csrf": csrf, "lang": "en",
                                               "back": "/console/alarms"}).text
        assert "restored from a backup" in en and "ask the village to check the case" in en


def test_a_clerk_disabled_while_logged_in_is_sent_to_the_login_page(filed: dict[str, Any]) -> None:
    with log_in(filed["url"], SECOND, SECOND_PIN) as clerk:
        assert clerk.get(f"/console/case/{filed['id']}").url.path.startswith("/console/case/")
        filed["node"].session.disable_operator(SECOND)
        page = clerk.get(f"/console/case/{filed['id']}")
        assert page.url.path == "/console/login"
        assert filed["data"]["applicant"]["name"] not in page.text
