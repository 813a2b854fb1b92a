"""投诉: complaints taken at the village and at the center's 投诉监督台, answered, the answer sent down.

A village agent's complaint travels to a real township over real HTTP, is filed with its due
day and blue card, answered by a clerk with the real `service-center`, and the answer comes
back to the village case. A clerk takes a complaint about a window at the console. Refusals
are said in Chinese and write nothing; the words are never in plain in any store file.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center import complaints as desk
from center import supervision
from center.desks import set_up_windows
from forms.catalog import Catalog
from storage import events
from storage.errors import InvalidRequest, NotFound, NotPermitted
from storage.store import Session
from sync import complaints as rules
from sync.client import sync_once
from sync.node import Node
from tests import center_db
from tests.center_db import stored_bytes, table_counts
from tests.conftest import TODAY, Cli
from tests.sync_helpers import make_center
from tests.test_center_show import center_cli, without_login
from tests.test_console import _token, log_in
from tests.test_village_level import TOWNSHIP_ITEM, _enrolled, _take
from village_agent import complaining, printing

TRACEBACK = re.compile(r"Traceback|File \"")
WORDS = "窗口工作人员态度生硬，三次让我回去补材料却不说清楚缺什么"
ANSWER = "经核实情况属实，已对民政窗口工作人员批评教育，所缺户口簿复印件已电话告知"


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


# ---- the number and the words, pure ----------------------------------------------------------

@given(st.integers(min_value=0, max_value=50))
def test_a_complaint_number_reads_back_however_it_is_typed(_: int) -> None:
    number = rules.new_id()
    assert rules.is_id(number) and re.fullmatch(r"TS-[0-9A-Z]{5}-[0-9A-Z]{5}", number)
    typed = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert rules.normalize_id(typed) == number


@given(st.text(max_size=30))
def test_anything_else_is_no_number_or_reads_as_one(text: str) -> None:
    found = rules.normalize_id(text)
    assert found is None or (rules.is_id(found) and rules.normalize_id(found) == found)
    assert rules.is_id(text) == (found == text)


@given(st.text(max_size=2100))
def test_the_words_are_kept_trimmed_or_refused_in_chinese(text: str) -> None:
    kept = text.strip()
    if kept and len(kept) <= rules.MAX_TEXT:
        assert complaining.check_complaint(text) == kept == desk.check_text(text)
    else:
        for check in (complaining.check_complaint, desk.check_text):
            with pytest.raises(InvalidRequest) as caught:
                check(text)
            assert re.search(r"[\u4e00-\u9fff]", caught.value.zh)


# ---- village -> township -> village over a real sync -----------------------------------------

def _complaint_rows(home: Path) -> list[tuple[Any, ...]]:
    return center_db.rows(home, "SELECT id, application_id, window_code, source, received_on,"
                          " due_on, yellow_from, red_from, clerk, answered_on FROM complaints")


def _cards(home: Path, subject_id: str) -> list[tuple[Any, ...]]:
    return center_db.rows(home, "SELECT colour, cleared_on FROM cards WHERE subject = 'complaint'"
                          " AND subject_id = ?", [subject_id])


def test_a_village_complaint_is_filed_answered_and_the_answer_reaches_the_village(
    session: Session, township: tuple[Node, str], catalog: Catalog, cli: Cli
) -> None:
    node = _enrolled(session, township)
    app_id = _take(session, catalog, TOWNSHIP_ITEM)
    assert sync_once(session.store, session=session, force=True).ok
    done = complaining.complain(session, app_id, f"  {WORDS} ", today=TODAY)
    assert rules.is_id(done.complaint_id)
    [event] = [e for e in session.show(app_id)[1] if e.type == "complained"]
    assert event.payload == {"complaint_id": done.complaint_id, "text": WORDS, "about": "case",
                             "complained_on": TODAY.isoformat(), "agent": session.operator.name}
    assert session.show(app_id)[0].status == "received"  # a complaint moves no status
    assert sync_once(session.store, session=session, force=True).ok

    # Filed at the township: due in complaint_days working days, the case's window, a blue card.
    home = node.session.store.home
    [row] = _complaint_rows(home)
    with node.session.store.database.read() as db:
        window, clerk = db.execute("SELECT window_code, clerk FROM applications WHERE id = ?",
                                   [app_id]).fetchone()
        days = supervision.settings(db).complaint_days
        counted = db.execute("SELECT sum(n) FROM figure_counts WHERE counter = 'complaints'"
                             " AND dim = 'all'").fetchone()[0]
    today = date.today()
    due = node.session.calendar().add_working_days(today, days).due
    assert row[:6] == (done.complaint_id, app_id, window, "village", today.isoformat(),
                       due.isoformat())
    assert row[7] == (due + timedelta(days=1)).isoformat() and row[8] == clerk and row[9] is None
    assert _cards(home, done.complaint_id) == [("blue", None)]
    assert counted == 1
    [listed] = desk.listing(node)
    assert listed.text == WORDS and listed.colour(today) == "blue"
    shown = center_cli(home, "complaints", "--open")
    assert shown.code == 0, shown.stderr
    assert done.complaint_id in shown.stdout and WORDS in shown.stdout and "蓝牌" in shown.stdout

    # Answered by a clerk with the real command; once.
    answered = center_cli(home, "answer-complaint", done.complaint_id.lower(), "--text", ANSWER)
    assert answered.code == 0, answered.stderr
    assert "已答复" in answered.stdout and "下次同步" in answered.stdout
    assert _complaint_rows(home)[0][9] == today.isoformat()
    assert _cards(home, done.complaint_id) == [("blue", today.isoformat())]
    before = table_counts(home)
    again = center_cli(home, "answer-complaint", done.complaint_id, "--text", "再答复一次")
    assert again.code != 0 and "不能重复答复" in again.stderr
    assert not TRACEBACK.search(again.stderr)
    assert without_login(before, home) == before
    assert center_cli(home, "complaints", "--open").stdout.strip() == "没有未答复的投诉"
    timeline = center_cli(home, "show", app_id).stdout  # the case's log at the center says both
    assert f"村代办点代为投诉（{done.complaint_id}）：{WORDS}" in timeline
    assert f"投诉答复（{done.complaint_id}）：{ANSWER}" in timeline

    # The answer comes down on the case: the village shows it to tell the villager.
    assert sync_once(session.store, session=session, force=True).ok
    log = session.show(app_id)[1]
    [back] = [e for e in log if e.type == "complaint_answered"]
    assert back.payload["complaint_id"] == done.complaint_id and back.payload["answer"] == ANSWER
    lines = printing.complaint_lines(log)
    assert any(ANSWER in line and done.complaint_id in line for line in lines)
    listed_cli = cli("show", app_id)
    assert listed_cli.code == 0, listed_cli.stderr
    assert ANSWER in listed_cli.stdout and "投诉已答复" in listed_cli.stdout

    # The words and the answer are sealed in every file of both stores.
    for where in (home, session.store.home):
        raw = stored_bytes(where)
        for text in (WORDS, ANSWER):
            assert text.encode("utf-8") not in raw and text.encode("utf-16-le") not in raw
            assert text[:8].encode("utf-8") not in raw


def test_the_village_refuses_an_empty_complaint_or_an_unknown_case_and_writes_nothing(
    cli: Cli, catalog: Catalog, tmp_path: Path
) -> None:
    import json

    from tests.forms_helpers import example

    cli.init()
    data = tmp_path / "data.json"
    data.write_text(json.dumps(example(catalog.get(TOWNSHIP_ITEM)), ensure_ascii=False), "utf-8")
    taken = cli("--json", "apply", "--item", TOWNSHIP_ITEM, "--data", str(data))
    assert taken.code == 0, taken.stderr
    app_id = taken.json()["applications"][0]["id"]
    before = table_counts(cli.home)
    empty = cli("complain", app_id, "--text", "   ")
    assert empty.code != 0 and "请填写投诉内容" in empty.stderr
    unknown = cli("complain", "XX-NOT-A-CASE", "--text", WORDS)
    assert unknown.code != 0 and re.search(r"[\u4e00-\u9fff]", unknown.stderr)
    for refused in (empty, unknown):
        assert not TRACEBACK.search(refused.stderr)
    after = table_counts(cli.home)
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"}
    done = cli("--json", "complain", app_id, "--text", WORDS)
    assert done.code == 0, done.stderr
    assert rules.is_id(done.json()["complaint_id"])
    assert "已投诉" in cli("show", app_id).stdout


def test_a_malformed_complaint_from_a_village_is_refused_at_the_township(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node = _enrolled(session, township)
    app_id = _take(session, catalog, TOWNSHIP_ITEM)
    assert sync_once(session.store, session=session, force=True).ok
    with session.store.database.write() as db:  # what `complaining` would never write
        device = events.DeviceState(db)
        events.append(db, session.keys, device, application_id=app_id, event_type="complained",
                      payload={"complaint_id": "TS-1", "text": WORDS, "about": "case"},
                      operator_id=session.operator.id)
        device.save()
    assert sync_once(session.store, session=session, force=True).ok
    with node.session.store.database.read() as db:
        alarms = {r[0] for r in db.execute("SELECT kind FROM alarms")}
    assert "malformed_payload" in alarms
    assert _complaint_rows(node.session.store.home) == []


# ---- at the center: a window, the console, the refusals ---------------------------------------

def test_a_clerk_takes_a_complaint_about_a_window_and_refusals_write_nothing(
    township: tuple[Node, str]
) -> None:
    node, url = township
    home = node.session.store.home
    taken = center_cli(home, "--json", "complain", "--window", "zh", "--text", WORDS)
    assert taken.code == 0, taken.stderr
    filed = taken.json()
    assert filed["window_code"] == "ZH" and filed["application_id"] is None
    assert filed["source"] == "center" and rules.is_id(filed["id"])
    assert _cards(home, filed["id"]) == [("blue", None)]

    before = table_counts(home)
    for args, said in (
            (("complain", "--window", "NOPE", "--text", WORDS), "没有窗口 NOPE"),
            (("complain", "--case", "430481101201-X-0001", "--text", WORDS), "没有办件"),
            (("complain", "--case", "A", "--window", "ZH", "--text", WORDS), "二者选一"),
            (("complain", "--window", "ZH", "--text", "  "), "请填写投诉内容"),
            (("answer-complaint", "TS-00000-00000", "--text", ANSWER), "没有投诉"),
            (("answer-complaint", filed["id"], "--text", " "), "请填写答复内容")):
        refused = center_cli(home, *args)
        assert refused.code != 0, (args, refused.stdout)
        assert said in refused.stderr and not TRACEBACK.search(refused.stderr), refused.stderr
    assert without_login(before, home) == before

    # The console's desk lists it, takes another and answers one; a refusal shows, writes nothing.
    with log_in(url) as client:
        page = client.get("/console/complaints")
        assert page.status_code == 200 and filed["id"] in page.text and WORDS in page.text
        csrf = _token(page.text, "csrf")
        counts = table_counts(home)
        bad = client.post("/console/complaints", data={"csrf": csrf, "window": "NOPE",
                                                       "text": WORDS})
        assert bad.status_code == 400 and "没有窗口 NOPE" in bad.text
        assert table_counts(home) == counts
        made = client.post("/console/complaints", data={"csrf": csrf, "case": "",
                                                        "window": "ZH", "text": "大厅排队叫号混乱"})
        assert made.status_code == 200 and "已登记投诉" in made.text
        assert len(_complaint_rows(home)) == 2
        forged = client.post(f"/console/complaints/{filed['id']}/answer",
                             data={"csrf": "wrong", "answer": ANSWER})
        assert forged.status_code == 403
        answered = client.post(f"/console/complaints/{filed['id']}/answer",
                               data={"csrf": csrf, "answer": ANSWER})
        assert answered.status_code == 200 and "已答复" in answered.text
        shown = client.get("/console/complaints", params={"state": "answered"}).text
        assert ANSWER in shown and filed["id"] in shown
        assert filed["id"] not in client.get("/console/complaints").text  # open only
    assert _cards(home, filed["id"]) == [("blue", date.today().isoformat())]
    raw = stored_bytes(home)
    assert WORDS.encode() not in raw and ANSWER.encode() not in raw


def test_a_complaint_turns_yellow_then_red_as_its_working_days_pass(
        tmp_path: Path, center_backend: str | None) -> None:
    node = Node.of(make_center(tmp_path / "township", database=center_backend))
    set_up_windows(node)
    received = date(2026, 11, 2)  # a Monday
    number = desk.record(node, window_code="ZH", text=WORDS, today=received)
    [c] = desk.listing(node)
    calendar = node.session.calendar()
    assert c.id == number and c.received_on == received.isoformat()
    due = date.fromisoformat(c.due_on)
    assert calendar.working_days_between(received, due) == 15 and calendar.is_working_day(due)
    yellow = date.fromisoformat(c.yellow_from)
    assert calendar.working_days_between(yellow, due) <= 2
    assert calendar.working_days_between(yellow - timedelta(days=1), due) > 2
    assert c.colour(yellow - timedelta(days=1)) == "blue"
    assert c.colour(yellow) == "yellow" and c.colour(due) == "yellow"
    assert c.colour(due + timedelta(days=1)) == "red"
    with node.session.store.database.write() as db:
        assert supervision.settle(db, calendar, due + timedelta(days=1)) >= 2
    with node.session.store.database.read() as db:
        colours = {r[0] for r in db.execute(
            "SELECT colour FROM cards WHERE subject = 'complaint' AND cleared_on IS NULL")}
    assert colours == {"blue", "red"}
    node.session.store.close()


def test_only_a_centers_clerk_takes_or_answers_a_complaint(session: Session) -> None:
    village = Node.of(session)  # a village agent's session: not a clerk of any center
    before = table_counts(session.store.home)
    with pytest.raises(NotPermitted) as caught:
        desk.record(village, window_code="ZH", text=WORDS)
    assert "工作人员" in caught.value.zh
    with pytest.raises(NotPermitted):
        desk.answer(village, rules.new_id(), ANSWER)
    with pytest.raises(NotFound):
        complaining.complain(session, "430481101201-NOPE", WORDS)
    assert table_counts(session.store.home) == before


@pytest.mark.anyio
async def test_the_agent_takes_a_complaint_on_the_case_screen(
    session: Session, catalog: Catalog
) -> None:
    from textual.widgets import Button, Input

    from tests.app_helpers import SIZE, log_in, settle, text_of, village_app
    from tests.test_app_casework import _open_detail
    from village_agent.app.complaint import ComplainScreen

    app_id = _take(session, catalog, TOWNSHIP_ITEM)
    home = session.store.home
    app = village_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in(pilot)
        detail = await _open_detail(pilot, app_id)
        assert detail.check_action("complain", ())
        await pilot.press("t")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ComplainScreen)
        counts = table_counts(home)
        dialog.query_one("#complain-ok", Button).press()  # no words: refused, nothing written
        await settle(pilot)
        assert app.screen is dialog and table_counts(home) == counts
        assert "请填写投诉内容" in str(dialog.query_one(".dialog-error").render())
        dialog.query_one("#complain-text", Input).value = WORDS
        dialog.query_one("#complain-ok", Button).press()
        await settle(pilot)
        assert app.screen is detail
        [event] = [e for e in session.show(app_id)[1] if e.type == "complained"]
        number = event.payload["complaint_id"]
        assert rules.is_id(number) and event.payload["text"] == WORDS
        shown = text_of(app, "#detail-casework")
        assert number in shown and "待中心答复" in shown
