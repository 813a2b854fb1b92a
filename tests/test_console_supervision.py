"""The supervision pages over real HTTP: a township on loopback, fed by a real village's sync.

A case filed before 国庆 turns yellow, then red, on each clerk's card worklist and in the
manager's roll-ups (and the card history is written as the pages are looked at); the figures
page shows the month's and the quarter's numbers with its charts as SVG images of their own;
the public hall board shows masked numbers only, sets no cookie and refuses a POST; the
supervision settings are the manager's alone. `service-center cards` and `figures` say the
same numbers.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

import httpx
import pytest
import time_machine

from center import supervision
from center.console import watching
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import windows
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import ROOT, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import CLERK, CLERK_PIN
from tests.test_console import _token, log_in
from village_agent import intake

RECEIVED = date(2026, 9, 24)  # Thursday before 中秋 and 国庆: due 22 Oct, yellow 20 Oct, red 23 Oct
A, B = "王建国", "赵丽"
PINS = {A: "730192", B: "730293"}
OTHER_VILLAGE = "430481101202"
LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc),
                               tick=False)


@dataclass
class Hall:
    node: Node
    url: str
    app_id: str
    name: str
    id_number: str


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's supervision pages run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


@pytest.fixture
def hall(session: Session, township: tuple[Node, str], catalog: Catalog) -> Iterator[Hall]:
    """One 高龄津贴 case received at the township on RECEIVED; clerk A sits at its window."""
    node, url = township
    with _at(RECEIVED):
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        data = example(catalog.get("MZ-GLJT"), today=RECEIVED)
        app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                             today=RECEIVED).application_ids[0]
        assert sync_once(session.store, session=session).ok
        for name in (A, B):
            node.session.add_operator(name, "clerk", PINS[name])
        window = next(w for w in windows.windows(node.session.store.database)
                      if "民政" in w.departments)
        windows.set_desk(node.session.store.database, node.session.keys, A,
                         window_code=window.code, standin="", by=CLERK)
    yield Hall(node, url, app_id, data["applicant"]["name"], data["applicant"]["id_number"])


def _rows(html: str, table: str) -> dict[str, list[str]]:
    """A table's body rows by their data-key (or id), each as its cells' text."""
    body = re.search(rf'<table[^>]*id="{table}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, f"no table {table}"
    found = {}
    for attrs, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body.group(1), re.S):
        key = re.search(r'(?:data-key|id)="([^"]*)"', attrs)
        found[key.group(1) if key else ""] = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", cells, re.S)]
    return found


def _total(html: str) -> list[str]:
    row = re.search(r'<tr id="figures-total">(.*?)</tr>', html, re.S)
    assert row, "no total row"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>",
                                                                    row.group(1), re.S)]


def _history(node: Node) -> list[tuple[str, str, str | None]]:
    with node.session.store.database.read() as db:
        return [(str(c), str(r), x) for c, r, x in db.execute(
            "SELECT colour, raised_on, cleared_on FROM cards WHERE subject = 'case' ORDER BY id")]


# --- cards ------------------------------------------------------------------------------------


def test_a_case_turns_yellow_then_red_on_the_clerks_and_the_managers_card_lists(hall: Hall) -> None:
    with _at(date(2026, 10, 19)), log_in(hall.url) as manager:
        page = manager.get("/console/cards")
        assert page.status_code == 200 and "没有预警件" in page.text
    assert _history(hall.node) == []

    with _at(date(2026, 10, 20)):
        with log_in(hall.url) as manager:
            page = manager.get("/console/cards")
            assert page.status_code == 200
            row = _rows(page.text, "cards")[f"card-case-{hall.app_id}"]
            assert row[0] == "黄牌" and row[1] == "办件" and row[2] == hall.app_id
            assert row[3] == "高龄津贴申领（MZ-GLJT）" and row[4] == VILLAGE_CODE
            assert (row[8], row[9]) == ("2026-10-22", "2")  # two working days left
            assert f'href="/console/case/{hall.app_id}"' in page.text
            assert _rows(page.text, "rollup-village")[VILLAGE_CODE] == [VILLAGE_CODE, "1", "0", "0"]
            assert _rows(page.text, "rollup-department")["MZ"][1:] == ["1", "0", "0"]
            assert 'id="rollup-township"' not in page.text  # a township has no townships below
            mine = manager.get("/console/cards?scope=mine")  # the manager took no case: none
            assert "没有预警件" in mine.text and 'id="rollup-village"' not in mine.text
        with log_in(hall.url, A, PINS[A]) as clerk:  # A's window's case, nobody has taken it
            page = clerk.get("/console/cards")
            assert list(_rows(page.text, "cards")) == [f"card-case-{hall.app_id}"]
            assert 'id="rollup-village"' not in page.text  # the roll-ups are the manager's
        with log_in(hall.url, B, PINS[B]) as clerk:  # B sits at no window and holds no case
            assert "没有预警件" in clerk.get("/console/cards").text
    assert _history(hall.node) == [("yellow", "2026-10-20", None)]

    with _at(date(2026, 10, 23)), log_in(hall.url) as manager:
        page = manager.get("/console/cards")
        row = _rows(page.text, "cards")[f"card-case-{hall.app_id}"]
        assert row[0] == "红牌" and row[9] == "超期 1 个工作日"
        assert _rows(page.text, "rollup-village")[VILLAGE_CODE] == [VILLAGE_CODE, "0", "1", "0"]
        assert "黄牌 0 件，红牌 1 件，蓝牌 0 件" in page.text
    assert _history(hall.node) == [("yellow", "2026-10-20", "2026-10-23"), ("red", "2026-10-23", None)]


# --- figures ----------------------------------------------------------------------------------


def _file(node: Node, app_id: str, item: str, *, instant: bool, received: str, due: str,
          finished: str, rating: int) -> None:
    """A case of another village, as a township's status record files it."""
    with node.session.store.database.write() as db:
        assert supervision.file_facts(db, {
            "application_id": app_id, "township": node.code, "village_code": OTHER_VILLAGE,
            "item_code": item, "window_code": "", "clerk": A, "agent": f"{OTHER_VILLAGE}/李四",
            "instant": int(instant), "status": "rated", "received_on": received, "due_on": due,
            "yellow_from": None, "red_from": None, "finished_on": finished, "late": 0,
            "rating": rating, "rated_on": finished, "followup_closed": 0})


@pytest.fixture
def month(hall: Hall) -> Hall:
    """October: the September case finished late; two of another village's, on time, rated 1 and 4."""
    from center import ingest

    with _at(date(2026, 10, 26)):
        ingest.decide(hall.node, hall.app_id, "accepted", {})
        ingest.decide(hall.node, hall.app_id, "completed", {"result": "核定高龄津贴每月100元"})
    _file(hall.node, "20261012-TEST-00001", "YB-CXJMCB", instant=True, received="2026-10-12",
          due="2026-10-12", finished="2026-10-12", rating=1)
    _file(hall.node, "20261012-TEST-00002", "MZ-LSJZ", instant=False, received="2026-10-12",
          due="2026-10-30", finished="2026-10-16", rating=4)
    return hall


def test_the_figures_page_shows_the_months_rates_and_its_charts(month: Hall) -> None:
    with _at(date(2026, 11, 3)), log_in(month.url) as clerk:
        page = clerk.get("/console/figures", params={"period": "2026-10", "by": "item"})
        assert page.status_code == 200
        # 办件量, 即办件/承诺件按期办结率, 超期件数, 满意度, 差评整改率, 投诉
        assert _total(page.text) == ["合计", "2", "100.0%", "50.0%", "1", "50.0%", "0.0%", "0"]
        rows = _rows(page.text, "figures")
        assert rows["MZ-GLJT"] == ["高龄津贴申领（MZ-GLJT）", "0", "—", "0.0%", "1", "—", "—", "0"]
        assert rows["YB-CXJMCB"][1:] == ["1", "100.0%", "—", "0", "100.0%", "—", "0"]
        assert rows["MZ-LSJZ"][1:] == ["1", "—", "100.0%", "0", "0.0%", "0.0%", "0"]
        line = _rows(page.text, "values-months")
        assert list(line)[-1] == "2026-10" and len(line) == 12
        assert line["2026-09"] == ["2026-09", "1", "—"] and line["2026-10"] == ["2026-10", "2", "66.7%"]
        assert _rows(page.text, "values-villages") == {
            OTHER_VILLAGE: [OTHER_VILLAGE, "2"], VILLAGE_CODE: [VILLAGE_CODE, "0"]}
        for name in ("months", "villages", "items"):
            assert f'src="/console/figures/chart/{name}.svg?period=2026-10"' in page.text

        chart = clerk.get("/console/figures/chart/months.svg", params={"period": "2026-10"})
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert chart.text.startswith("<svg") and "<script" not in chart.text
        labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart.text)
        assert {"近12个月办件量与按期办结率", "2026-10", "66.7%", "办件量（件）"} <= set(labels)
        bars = clerk.get("/console/figures/chart/items.svg", params={"period": "2026-10"})
        assert {"城乡居民基本医疗保险参保登记", "临时救助申请"} <= {
            t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", bars.text)} | set(
            re.findall(r"<title>([^<]*)</title>", bars.text))

        by_village = clerk.get("/console/figures", params={"period": "2026-10", "by": "village"})
        assert _rows(by_village.text, "figures")[OTHER_VILLAGE][1:3] == ["2", "100.0%"]
        quarter = clerk.get("/console/figures", params={"period": "2026-q3", "by": "agent"})
        assert _total(quarter.text)[:2] == ["合计", "1"]
        assert next(iter(_rows(quarter.text, "figures"))).startswith(VILLAGE_CODE + "/")
        assert _total(clerk.get("/console/figures?period=2026-Q4").text)[:2] == ["合计", "2"]

        bad = clerk.get("/console/figures", params={"period": "2026-13"})
        assert bad.status_code == 400 and "月份写作 2026-10，季度写作 2026-Q4" in bad.text
        assert 'id="figures"' not in bad.text
        wrong = clerk.get("/console/figures", params={"period": "2026-10", "by": "township"})
        assert wrong.status_code == 400 and "不能按“township”分组" in wrong.text
        assert clerk.get("/console/figures/chart/pie.svg").status_code == 404


def test_the_figures_are_for_clerks_only(month: Hall) -> None:
    with httpx.Client(base_url=month.url, timeout=30) as anyone:
        for path in ("/console/cards", "/console/figures", "/console/figures/chart/months.svg"):
            got = anyone.get(path)
            assert got.status_code == 303 and got.headers["location"] == "/console/login"


# --- the hall board ---------------------------------------------------------------------------


def test_the_hall_board_shows_masked_numbers_only_sets_no_cookie_and_refuses_a_post(
        hall: Hall) -> None:
    with _at(RECEIVED), httpx.Client(base_url=hall.url, timeout=30) as anyone:
        board = anyone.get("/board")
        assert board.status_code == 200 and "set-cookie" not in board.headers
        assert '<meta http-equiv="refresh" content="30">' in board.text
        masked = hall.app_id[:4] + "*" * (len(hall.app_id) - 7) + hall.app_id[-3:]
        assert _rows(board.text, "today-cases") == {"": [masked, "高龄津贴申领", "乡镇已接收"]}
        for secret in (hall.app_id, hall.name, hall.id_number, hall.id_number[-6:], CLERK_PIN,
                       CLERK):
            assert secret not in board.text
        received = re.search(r'id="today-received">.*?class="value">(\d+)<', board.text, re.S)
        assert received and received.group(1) == "1"
        refused = anyone.post("/board", data={"x": "1"})
        assert refused.status_code == 405 and "set-cookie" not in refused.headers
        assert len(anyone.cookies.jar) == 0
    with _at(date(2026, 10, 23)), httpx.Client(base_url=hall.url, timeout=30) as anyone:
        board = anyone.get("/board", params={"lang": "en"})
        red = re.search(r'id="open-red">.*?class="value">(\d+)<', board.text, re.S)
        assert red and red.group(1) == "1" and "No cases yet today" in board.text


def test_mask_keeps_the_first_four_and_last_three() -> None:
    assert watching.mask("20260924-AB12-00001") == "2026************001"
    assert watching.mask("1234567") == "*******"


# --- settings ---------------------------------------------------------------------------------


def _settings(node: Node) -> supervision.Settings:
    with node.session.store.database.read() as db:
        return supervision.settings(db)


def test_the_manager_sets_the_yellow_days_and_bad_input_changes_nothing(hall: Hall) -> None:
    with log_in(hall.url) as manager:
        page = manager.get("/console/settings/supervision")
        assert page.status_code == 200 and 'name="item.MZ-GLJT"' in page.text
        csrf = _token(page.text, "csrf")
        form = {"csrf": csrf, "yellow_days": "3", "followup_days": "10", "complaint_days": "12",
                "item.MZ-GLJT": "5", "item.MZ-LSJZ": ""}
        saved = manager.post("/console/settings/supervision", data=form)
        assert saved.status_code == 200 and "已保存电子监察设置" in saved.text
        assert 'value="5"' in saved.text
        expected = supervision.Settings(3, {"MZ-GLJT": 5}, 10, 12)
        assert _settings(hall.node) == expected
        for bad, problem in (
                (dict(form, yellow_days="三"), "“默认黄牌预警天数（工作日）”须填0至30的整数，现为“三”"),
                (dict(form, **{"item.MZ-GLJT": "-1"}), "“高龄津贴申领（MZ-GLJT）”须填0至30的整数"),
                (dict(form, yellow_days="31"), "现为“31”；设置未保存"),
                (dict(form, followup_days="0"), "“差评整改期限（工作日）”须填1至30的整数")):
            refused = manager.post("/console/settings/supervision", data=bad)
            assert refused.status_code == 400, bad
            found = re.search(r'id="problem-settings">([^<]*)<', refused.text)
            assert found and problem in found.group(1), refused.text
            assert _settings(hall.node) == expected
        forged = manager.post("/console/settings/supervision", data=dict(form, csrf="x", yellow_days="1"))
        assert forged.status_code == 403 and _settings(hall.node) == expected
    with log_in(hall.url, A, PINS[A]) as clerk:
        assert clerk.get("/console/settings/supervision").status_code == 403
        csrf = _token(clerk.get("/console/me").text, "csrf")
        denied = clerk.post("/console/settings/supervision", data={
            "csrf": csrf, "yellow_days": "1", "followup_days": "1", "complaint_days": "1"})
        assert denied.status_code == 403 and _settings(hall.node) == expected
        assert "/console/settings/supervision" not in clerk.get("/console/cards").text  # no nav link


# --- the command line -------------------------------------------------------------------------


def _center_cli(node: Node, day: date, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `service-center`, its clock on `day` under libfaketime."""
    env = {**os.environ, "VILLAGE_AGENT_HOME": str(node.session.store.home),
           "VILLAGE_AGENT_PIN": CLERK_PIN, "VILLAGE_AGENT_OPERATOR": CLERK,
           "VILLAGE_AGENT_TEST_KDF": "1", "VILLAGE_AGENT_LANG": "zh", "PYTHONIOENCODING": "utf-8",
           "LD_PRELOAD": LIBFAKETIME[0], "FAKETIME": f"@{day.isoformat()} 10:00:00",
           "DONT_FAKE_MONOTONIC": "1"}
    env.pop("VILLAGE_AGENT_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "center.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.skipif(not LIBFAKETIME, reason="libfaketime is installed by install.sh")
def test_the_command_line_says_the_cards_and_figures(month: Hall) -> None:
    node = month.node
    rolled = _center_cli(node, date(2026, 11, 3), "--json", "cards", "--by", "village")
    assert rolled.returncode == 0, rolled.stderr
    assert json.loads(rolled.stdout) == []  # finished on 26 Oct: no card left
    figures = _center_cli(node, date(2026, 11, 3), "--json", "figures", "--period", "2026-10",
                          "--by", "village")
    assert figures.returncode == 0, figures.stderr
    shown = json.loads(figures.stdout)
    assert shown["months"] == ["2026-10"] and shown["total"]["received"] == 2
    assert [(r["key"], r["received"], r["satisfaction"]) for r in shown["rows"]] == [
        (OTHER_VILLAGE, 2, 0.5), (VILLAGE_CODE, 0, None)]
    text = _center_cli(node, date(2026, 11, 3), "figures", "--period", "2026-Q4")
    assert text.returncode == 0 and text.stdout.strip().startswith("合计  办件量 2")
    assert "承诺件按期办结率 50.0%" in text.stdout
    bad = _center_cli(node, date(2026, 11, 3), "figures", "--period", "2026-13")
    assert bad.returncode != 0 and "季度写作 2026-Q4" in bad.stderr and bad.stdout == ""
    wrong = _center_cli(node, date(2026, 11, 3), "cards", "--by", "agent")
    assert wrong.returncode != 0 and "不能按“agent”分组" in wrong.stderr


@pytest.mark.skipif(not LIBFAKETIME, reason="libfaketime is installed by install.sh")
def test_the_command_line_lists_a_red_card(hall: Hall) -> None:
    listed = _center_cli(hall.node, date(2026, 10, 23), "cards")
    assert listed.returncode == 0, listed.stderr
    first, count = listed.stdout.strip().splitlines()
    assert first.startswith(f"红牌  办件  {hall.app_id}  高龄津贴申领  期限 2026-10-22  超期 1 个工作日")
    assert count == "黄牌 0 件，红牌 1 件，蓝牌 0 件"
    rolled = _center_cli(hall.node, date(2026, 10, 23), "--json", "cards", "--by", "village")
    assert json.loads(rolled.stdout) == [{"key": VILLAGE_CODE, "yellow": 0, "red": 1, "blue": 0}]
    mine = _center_cli(hall.node, date(2026, 10, 23), "--json", "cards", "--mine")
    assert json.loads(mine.stdout) == []  # the manager holds no case
