"""Owed materials (容缺, 告知承诺) followed through, and a result revoked for a false commitment.

The catalog's `supply_within_days` is checked strictly (property tests on its bounds); the rest
runs on a real village store and a real township served on loopback, synced through the real
client, on a clock moved by time-machine: a 容缺 material owed at intake turns overdue at both
ends a week later and clears when it is supplied; a result given on a commitment is revoked at
the township and the village prints the 撤销决定通知书 (read back from the real CLI's PDF).
Every refusal is in Chinese and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from center import ingest
from center.cases import read_case
from center.console import cases as console_cases
from center.enroll import issue_code
from forms.catalog import CATALOG_DIR, Catalog, parse_item
from forms.errors import CatalogError
from forms.workdays import WorkingCalendar
from storage import owed
from storage.errors import InvalidRequest, NotFound
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from sync.paper.decisions import read_notice
from tests.conftest import TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.helpers import JPEG, scan, table_counts
from tests.test_center_show import without_login
from tests.test_console import log_in as console_log_in
from tests.test_decision_notices import squash
from village_agent import intake, worklist


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


GLJT = "MZ-GLJT"  # 高龄津贴: the household register may be missing (5个工作日内补交)
ZDSHBZ = "MZ-ZDSHBZ"  # 低保: the income proof may be replaced by a signed commitment
SUPPLY_DAY = TODAY + timedelta(days=8)  # the Tuesday a week after: one working day late
REVOKE_REASON = "经入户调查核实，申请人家庭有经营收入未如实申报"


def _morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)  # 10:00 in China


@pytest.fixture
def clock() -> Iterator[Any]:
    """Every clock of this process (the village's and the served township's) on TODAY."""
    with time_machine.travel(_morning(TODAY), tick=True) as traveller:
        yield traveller


@pytest.fixture
def linked(clock: Any, session: Session, township: tuple[Node, str]) -> dict[str, Any]:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return {"node": node, "url": url, "clock": clock}


def _sync(session: Session) -> None:
    assert sync_once(session.store, session=session, force=True).ok


def _take(session: Session, catalog: Catalog, code: str, materials: dict[str, str]) -> str:
    data = example(catalog.get(code))
    data["materials"].update(materials)
    return intake.take(session, catalog, session.calendar(), code, data,
                       today=date.today()).application_ids[0]


def _row(node: Node, app_id: str) -> console_cases.Row:
    listing = console_cases.worklist(node.session, console_cases.Filters(scope="all"))
    [row] = [r for r in listing.rows if r.id == app_id]
    return row


def _village_owed(session: Session, today: date) -> worklist.Overview:
    return worklist.overview(session.list(), today, session.calendar(), session.owed_materials())


# ------------------------------------------------------------------ the catalog --

def _item_text(item_extra: str = "", material_extra: str = "") -> bytes:
    """MZ-GLJT's own file with a line added to [item] and to its household register."""
    text = (CATALOG_DIR / f"{GLJT}.toml").read_text(encoding="utf-8")
    text = re.sub(r"\nsupply_within_days = 5\n", "\n", text)  # the file's own, if any
    text = text.replace("[item]\n", f"[item]\n{item_extra}\n", 1)
    return re.sub(r'(code = "household_register"\n)', rf"\1{material_extra}\n", text,
                  count=1).encode()


class TestCatalog:
    def test_the_material_s_own_days_override_the_item_s_and_the_item_s_default_is_five(
        self, catalog: Catalog
    ) -> None:
        low_income = catalog.item(ZDSHBZ)
        assert low_income.supply_days("medical_records") == 10  # "入户调查前补交"
        assert low_income.supply_days("household_register") == 5  # "5个工作日内补交"
        assert low_income.supply_days("income_proof") == low_income.supply_within_days == 5
        item = parse_item(_item_text("supply_within_days = 8", "supply_within_days = 3"), "x.toml")
        assert (item.supply_days("household_register"), item.supply_days("bank_card")) == (3, 8)

    @given(st.integers(1, 60), st.integers(1, 60))
    def test_any_whole_number_of_working_days_from_1_to_60_is_taken(self, own: int,
                                                                   item_days: int) -> None:
        item = parse_item(_item_text(f"supply_within_days = {item_days}",
                                     f"supply_within_days = {own}"), "x.toml")
        assert item.supply_days("household_register") == own
        assert item.supply_days("id_card") == item_days

    @given(st.one_of(st.integers(max_value=0), st.integers(min_value=61),
                     st.sampled_from(['"5"', "true", "5.0", "[5]"])))
    def test_anything_else_is_refused_naming_the_file_the_material_and_the_key(
        self, bad: object
    ) -> None:
        with pytest.raises(CatalogError) as material:
            parse_item(_item_text(material_extra=f"supply_within_days = {bad}"), "MZ-GLJT.toml")
        assert str(material.value).startswith("MZ-GLJT.toml material 'household_register':"
                                              " supply_within_days:")
        with pytest.raises(CatalogError) as item:
            parse_item(_item_text(item_extra=f"supply_within_days = {bad}"), "MZ-GLJT.toml")
        assert str(item.value).startswith("MZ-GLJT.toml: supply_within_days:")

    def test_due_dates_count_working_days_from_the_filing(self, catalog: Catalog,
                                                           calendar: WorkingCalendar) -> None:
        planned = owed.plan(catalog.item(ZDSHBZ), {"household_register": "missing",
                                                   "income_proof": "commitment",
                                                   "medical_records": "missing",
                                                   "id_card": "provided"}, TODAY, calendar)
        assert [(d.material, d.state, d.due) for d in planned] == [
            ("household_register", "missing", date(2026, 11, 30)),
            ("income_proof", "commitment", date(2026, 11, 30)),
            ("medical_records", "missing", date(2026, 12, 7)),
        ]


# ------------------------------------------- a 容缺 material, a week later --

def test_a_missing_material_supplied_a_week_later_clears_the_owed_mark_and_the_overdue_alarm(
    linked: dict[str, Any], session: Session, catalog: Catalog
) -> None:
    node: Node = linked["node"]
    app_id = _take(session, catalog, GLJT, {"household_register": "missing"})
    _sync(session)

    # Filed: owed at both ends, due five working days on, not late yet.
    [owing] = _village_owed(session, TODAY).owed
    assert (owing.owed.material, owing.owed.due_date, owing.overdue) == (
        "household_register", "2026-11-30", False)
    row = _row(node, app_id)
    assert (row.owed, row.owed_overdue) == (1, False)
    assert console_cases.owed_alarms(node.session) == []
    [material] = [m for m in read_case(node.session, app_id, lang="zh", audit=False).materials
                  if m.code == "household_register"]
    assert (material.owed, material.due_date, material.overdue) == (True, "2026-11-30", False)
    assert material.state_text == "容缺，应于2026-11-30前补交"

    # A week later it has not come: the alarm at both ends.
    linked["clock"].move_to(_morning(SUPPLY_DAY))
    village = _village_owed(session, SUPPLY_DAY)
    assert [f.owed.material for f in village.owed_overdue] == ["household_register"]
    assert village.owed_overdue[0].working_days_left == -1
    assert _row(node, app_id).owed_overdue
    [alarm] = console_cases.owed_alarms(node.session)
    assert (alarm.application_id, alarm.material, alarm.village) == (app_id, "户口簿", VILLAGE_CODE)

    # The villager brings it: scanned, recorded, synced.
    intake.supply(session, catalog, app_id, "household_register",
                  [scan("household_register", "户口簿.jpg")], today=SUPPLY_DAY)
    assert _village_owed(session, SUPPLY_DAY).owed == ()
    _sync(session)

    row = _row(node, app_id)
    assert (row.owed, row.owed_overdue) == (0, False)
    assert console_cases.owed_alarms(node.session) == []
    case = read_case(node.session, app_id, lang="zh", audit=False)
    [material] = [m for m in case.materials if m.code == "household_register"]
    assert (material.owed, material.supplied_on, material.overdue) == (
        False, SUPPLY_DAY.isoformat(), False)
    assert [(a.material, a.name) for a in case.attachments] == [("household_register", "户口簿.jpg")]
    assert case.timeline[-1].type == "material_supplied"
    assert case.timeline[-1].what == "补交材料：户口簿"


def test_the_console_shows_the_owed_mark_the_due_date_and_the_overdue_alarm(
    linked: dict[str, Any], session: Session, catalog: Catalog
) -> None:
    app_id = _take(session, catalog, GLJT, {"household_register": "missing"})
    _sync(session)
    linked["clock"].move_to(_morning(SUPPLY_DAY))
    with console_log_in(linked["url"]) as browser:
        worklist_page = browser.get("/console/?scope=all").text
        assert "补交逾期" in worklist_page and "待补1项" in worklist_page
        case_page = browser.get(f"/console/case/{app_id}").text
        assert "容缺，应于2026-11-30前补交（已逾期）" in case_page
        alarms = browser.get("/console/alarms").text
        assert "逾期未补交的材料" in alarms and "户口簿（容缺）应于2026-11-30前补交" in alarms
        intake.supply(session, catalog, app_id, "household_register",
                      [scan("household_register", "户口簿.jpg")], today=SUPPLY_DAY)
        _sync(session)
        assert "补交逾期" not in browser.get("/console/?scope=all").text
        assert "逾期未补交的材料" not in browser.get("/console/alarms").text
        assert "户口簿.jpg" in browser.get(f"/console/case/{app_id}").text


# ---------------------------------------------------------------- refusals --

def test_a_wrong_supply_is_refused_in_chinese_and_writes_nothing(
    linked: dict[str, Any], session: Session, catalog: Catalog
) -> None:
    app_id = _take(session, catalog, GLJT, {"household_register": "missing"})
    home = session.store.home
    before = table_counts(home)
    cases = [
        ("no_such", [scan("x")], "没有材料“no_such”。尚待补交：户口簿（household_register）"),
        ("id_card", [scan("x")], "“申请人居民身份证”收件时已提交，无需补交"),
        ("household_register", [], "请附上补交的“户口簿”扫描件"),
    ]
    for material, files, said in cases:
        with pytest.raises(InvalidRequest) as refused:
            intake.supply(session, catalog, app_id, material, files)
        assert said in refused.value.zh
    with pytest.raises(NotFound):
        intake.supply(session, catalog, "20261123-NOSUCH-00001", "household_register", [scan("x")])
    assert table_counts(home) == before

    intake.supply(session, catalog, app_id, "household_register", [scan("household_register")])
    once = table_counts(home)
    with pytest.raises(InvalidRequest) as again:
        intake.supply(session, catalog, app_id, "household_register", [scan("household_register")])
    assert "已于" in again.value.zh and "不能重复登记" in again.value.zh
    assert table_counts(home) == once


def test_the_cli_records_a_supply_and_refuses_a_closed_case(
    linked: dict[str, Any], session: Session, catalog: Catalog, cli: Cli, tmp_path: Path
) -> None:
    node: Node = linked["node"]
    app_id = _take(session, catalog, GLJT, {"household_register": "missing",
                                            "photo": "missing"})
    _sync(session)
    listed = cli("--json", "list").json()
    assert [o["material"] for o in listed[0]["owed"]] == ["household_register", "photo"]
    said = cli("list").stdout  # the CLI runs on the wall clock: overdue or not, the due date shows
    assert "待补交：户口簿（容缺，" in said and "2026-11-30前" in said
    picture = tmp_path / "户口簿.jpg"
    picture.write_bytes(JPEG)
    done = cli("supply", app_id, "--material", "household_register", "--attach", str(picture))
    assert done.code == 0, done.stderr
    assert f"已登记补交：{app_id} 的“户口簿”" in done.stdout
    assert "已补交：户口簿" in cli("show", app_id).stdout

    ingest.decide(node, app_id, "rejected", {"reason": "不符合条件"})
    _sync(session)
    home = session.store.home
    before = table_counts(home)
    refused = cli("supply", app_id, "--material", "photo", "--attach", str(picture))
    assert refused.code == 1
    assert "当前状态为“不予受理”，不再接收补交材料" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert without_login(before, home) == before  # the agent's login is audited, nothing else


# ------------------------------------------------- a false commitment --

def _completed_on_commitment(linked: dict[str, Any], session: Session,
                             catalog: Catalog) -> str:
    node: Node = linked["node"]
    app_id = _take(session, catalog, ZDSHBZ, {"income_proof": "commitment"})
    _sync(session)
    ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, app_id, "completed", {"result": "纳入低保，每月补差380元"})
    return app_id


def test_a_false_commitment_revokes_the_result_and_the_village_prints_the_notice(
    linked: dict[str, Any], session: Session, catalog: Catalog, cli: Cli, tmp_path: Path
) -> None:
    node: Node = linked["node"]
    app_id = _completed_on_commitment(linked, session, catalog)
    ingest.decide(node, app_id, "revoked", {"reason": REVOKE_REASON})
    assert read_case(node.session, app_id, audit=False).status == "revoked"
    _sync(session)

    summary, _ = session.show(app_id)
    assert summary.status == "revoked"
    assert _village_owed(session, TODAY).owed == ()  # a revoked case owes nothing any more
    notice = read_notice(session, app_id, lang="zh")
    lines = [line.text for line in notice.lines if line.text]
    assert notice.kind == "revoked" and lines[0] == "撤销决定通知书"
    assert f"撤销理由：{REVOKE_REASON}" in lines
    assert any(line.startswith("如不服本决定") for line in lines)

    # The real command prints the same Document (its PDF is a rendering of these lines).
    out = tmp_path / "撤销决定通知书.txt"
    printed = cli("decision-notice", app_id, "--out", str(out))
    assert printed.code == 0, printed.stderr
    text = squash(out.read_text(encoding="utf-8"))
    for said in ("撤销决定通知书", f"办件编号：{app_id}", f"撤销理由：{REVOKE_REASON}",
                 "办理机构：兴宁镇便民服务中心", "撤销日期："):
        assert squash(said) in text, said


def test_a_hand_over_recorded_before_the_revocation_arrived_is_filed_once_and_the_case_stays_revoked(
    linked: dict[str, Any], session: Session, catalog: Catalog
) -> None:
    node: Node = linked["node"]
    app_id = _completed_on_commitment(linked, session, catalog)
    _sync(session)  # the village knows it completed...
    ingest.decide(node, app_id, "revoked", {"reason": REVOKE_REASON})  # ...not yet revoked
    intake.deliver(session, app_id, to_whom="", note="")
    _sync(session)
    _sync(session)
    with session.store.database.read() as db:
        assert {r[0] for r in db.execute("SELECT state FROM outbox")} == {"done"}  # none resent
    assert [e.type for e in node.session.show(app_id)[1]].count("delivered") == 1
    assert read_case(node.session, app_id, audit=False).status == "revoked"
    assert session.show(app_id)[0].status == "revoked"


def test_a_revocation_is_refused_without_a_commitment_a_reason_or_a_result(
    linked: dict[str, Any], session: Session, catalog: Catalog
) -> None:
    node: Node = linked["node"]
    plain = _take(session, catalog, GLJT, {})
    on_commitment = _take(session, catalog, ZDSHBZ, {"income_proof": "commitment"})
    _sync(session)
    for app_id in (plain, on_commitment):
        ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, plain, "completed", {"result": "核定高龄津贴每月100元"})
    home = node.session.store.home
    before = table_counts(home)
    refusals = [
        (plain, {"reason": REVOKE_REASON}, "未以告知承诺方式办理"),
        (on_commitment, {"reason": REVOKE_REASON}, "办件当前状态不能执行此操作（当前：已受理）"),
        (on_commitment, {"reason": " "}, "撤销办理结果须写明理由"),
    ]
    for app_id, body, said in refusals:
        with pytest.raises(ingest.DecisionError) as refused:
            ingest.decide(node, app_id, "revoked", body)
        assert said in refused.value.zh
    assert table_counts(home) == before
    page = console_cases.read(node.session, plain, audit=False)
    assert "revoked" not in page.decisions  # no button where it would be refused
