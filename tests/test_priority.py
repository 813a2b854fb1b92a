"""绿色通道 (老、弱、病、残、军 first): flagged at intake, carried to the township, sorted first.

老 follows from the ID number (60 or older on the day of intake); the other grounds the agent
chooses (CLI `--priority`, the app's review screen). The flag travels sealed in the `submitted`
payload; the township marks the case, its worklist and `service-center applications` put it
first, and an item with `priority_time_limit_days` promises the shorter time. The 委托书
(letter of authorisation) is printed like the receipt, as text and PDF.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from center.console.cases import Filters, worklist
from center.enroll import issue_code
from forms import priority
from forms.catalog import Catalog, load_catalog
from forms.errors import CatalogError
from forms.idnumber import make
from forms.model import ServiceItem
from storage.errors import InvalidRequest
from storage.schema import WORKLIST_ORDER
from storage.store import Session
from sync import messages
from sync.client import enroll_online, sync_once
from sync.errors import BundleRejected
from sync.node import Node
from tests import center_db
from tests.conftest import AGENT, TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import REGION, example, id_number_of_age
from tests.test_catalog import write_item
from tests.test_center_show import center_cli
from tests.test_console import log_in
from tests.test_printing_pdf import squash
from village_agent import intake, printing

SHORTER = "MZ-LSJZ"  # 临时救助: 10 working days, 5 on the green channel
PLAIN = "MZ-GLJT"  # 高龄津贴: 15 working days for everyone
QUICK = "RS-JYSYDJ"  # 就业失业登记: 3 working days


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


def take(session: Session, catalog: Catalog, code: str, age: int, chosen: tuple[str, ...] = (),
         *, serial: int = 12) -> intake.IntakeResult:
    data = example(catalog.get(code))
    data["applicant"]["id_number"] = id_number_of_age(age, serial=serial)
    return intake.take(session, catalog, session.calendar(), code, data, today=TODAY,
                       priority=chosen)


def submitted_payload(session: Session, app_id: str) -> dict[str, Any]:
    _, events = session.show(app_id)
    return next(e.payload for e in events if e.type == "submitted")


# ---------------------------------------------------------------- who is flagged --

@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 99), st.booleans())
def test_elderly_is_exactly_sixty_full_years_on_the_day_of_intake(
        born: date, serial: int, female: bool) -> None:
    number = make(REGION, born, serial, female=female)
    years = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    assert priority.is_elderly(number, TODAY) is (years >= 60)
    assert ("elderly" in priority.grounds({"id_number": number}, (), TODAY)) is (years >= 60)


def test_sixty_today_is_elderly_and_sixty_tomorrow_is_not() -> None:
    assert priority.grounds({"id_number": id_number_of_age(60)}, (), TODAY) == ("elderly",)
    assert priority.grounds({"id_number": id_number_of_age(60, days_later=1)}, (), TODAY) == ()


@given(st.lists(st.sampled_from(priority.GROUNDS)))
def test_grounds_come_back_once_each_in_order_and_the_wire_takes_them(chosen: list[str]) -> None:
    found = priority.grounds({"id_number": id_number_of_age(30)}, chosen, TODAY)
    assert found == tuple(g for g in priority.GROUNDS if g in chosen)
    assert priority.from_wire(list(found)) == found


@given(st.lists(st.text(max_size=10), min_size=1))
def test_the_wire_refuses_anything_but_known_grounds_once_each_in_order(value: list[str]) -> None:
    canonical = [g for g in priority.GROUNDS if g in value]
    if value == canonical:
        assert priority.from_wire(value) == tuple(value)
    else:
        with pytest.raises(ValueError):
            priority.from_wire(value)


def test_a_center_refuses_a_filing_with_an_unknown_ground() -> None:
    body = {"type": "submitted", "item_code": SHORTER, "item_version": "1",
            "payload": {"applicant": {}, "priority": ["vip"]}}
    with pytest.raises(BundleRejected) as refused:
        messages.check_village_event(body)
    assert refused.value.reason == "malformed_payload"
    messages.check_village_event({**body, "payload": {"applicant": {}, "priority": ["disabled"]}})


def test_an_applicant_sixty_or_older_by_id_number_is_flagged_and_promised_the_shorter_time(
        session: Session, catalog: Catalog) -> None:
    result = take(session, catalog, SHORTER, 72)
    assert result.priority == ("elderly",)
    (summary,) = session.list()
    assert summary.priority
    assert submitted_payload(session, summary.id)["priority"] == ["elderly"]
    assert submitted_payload(session, summary.id)["promised_days"] == 5
    assert summary.due_date == session.calendar().add_working_days(TODAY, 5).due.isoformat()


def test_a_disabled_applicant_chosen_by_the_agent_is_flagged_and_a_young_one_is_not(
        session: Session, catalog: Catalog) -> None:
    flagged = take(session, catalog, SHORTER, 35, ("disabled",), serial=21)
    plain = take(session, catalog, SHORTER, 35, serial=22)
    assert flagged.priority == ("disabled",) and plain.priority == ()
    rows = {s.id: s for s in session.list()}
    assert rows[flagged.application_ids[0]].priority
    assert not rows[plain.application_ids[0]].priority
    assert "priority" not in submitted_payload(session, plain.application_ids[0])
    assert flagged.deadlines[0] is not None and plain.deadlines[0] is not None
    assert (flagged.deadlines[0].working_days, plain.deadlines[0].working_days) == (5, 10)


def test_an_item_without_a_green_channel_time_promises_everyone_the_same(
        session: Session, catalog: Catalog) -> None:
    result = take(session, catalog, PLAIN, 86, ("ill",))
    assert result.priority == ("elderly", "ill")
    assert result.deadlines[0] is not None and result.deadlines[0].working_days == 15


def test_an_unknown_ground_is_refused_in_chinese_and_records_nothing(
        session: Session, catalog: Catalog) -> None:
    with pytest.raises(InvalidRequest) as refused:
        take(session, catalog, SHORTER, 35, ("vip",))
    assert "“vip”不是绿色通道的类别" in refused.value.zh and "残（disabled）" in refused.value.zh
    assert session.list() == []


# ----------------------------------------------------------------- the catalog --

@pytest.mark.parametrize("value", ["15", "20", "-1", "true", '"5"', "2.5"])
def test_the_loader_refuses_a_green_channel_time_not_shorter_than_the_items(
        tmp_path: Path, value: str) -> None:
    write_item(tmp_path, change=("time_limit_days = 15",
                                 f"time_limit_days = 15\npriority_time_limit_days = {value}"))
    with pytest.raises(CatalogError) as refused:
        load_catalog(tmp_path)
    assert "MZ-TEST" in str(refused.value) and "priority_time_limit_days" in str(refused.value)


@pytest.mark.parametrize("value", [0, 7, 14])
def test_the_loader_takes_a_shorter_green_channel_time(tmp_path: Path, value: int) -> None:
    write_item(tmp_path, change=("time_limit_days = 15",
                                 f"time_limit_days = 15\npriority_time_limit_days = {value}"))
    item = load_catalog(tmp_path).item("MZ-TEST")
    assert (item.promised_days(True), item.promised_days(False)) == (value, 15)


def test_real_items_set_a_green_channel_time(catalog: Catalog) -> None:
    shorter = {i.code: i.priority_time_limit_days for i in catalog.entries()
               if isinstance(i, ServiceItem) and i.priority_time_limit_days is not None}
    assert shorter[SHORTER] == 5 and len(shorter) >= 3
    assert catalog.item(PLAIN).priority_time_limit_days is None


# ------------------------------------------------------- to the township and first --

def test_the_flag_reaches_the_township_and_its_case_sorts_first(
        session: Session, township: tuple[Node, str], catalog: Catalog) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    late = take(session, catalog, SHORTER, 35, serial=31).application_ids[0]  # due in 10 days
    soon = take(session, catalog, QUICK, 35, serial=32).application_ids[0]  # due in 3 days
    first = take(session, catalog, PLAIN, 86, serial=33).application_ids[0]  # 老, due in 15
    green = take(session, catalog, SHORTER, 40, ("military",), serial=34).application_ids[0]
    assert sync_once(session.store, session=session, force=True).ok

    rows = {s.id: s for s in node.session.list()}
    assert {i for i, s in rows.items() if s.priority} == {first, green}
    assert all(s.status == "received" for s in rows.values())
    today = date.today()  # the township's clock starts at its receipt
    cal = node.session.calendar()
    assert rows[green].due_date == cal.add_working_days(today, 5).due.isoformat()
    assert rows[late].due_date == cal.add_working_days(today, 10).due.isoformat()

    listing = worklist(node.session, Filters(scope="all"))
    assert [r.id for r in listing.rows] == [green, first, soon, late]
    assert [r.priority for r in listing.rows] == [True, True, False, False]

    with log_in(url) as client:
        page = client.get("/console/", params={"scope": "all"})
        assert page.status_code == 200
        shown = re.findall(r'href="/console/case/([^"/]+)"', page.text)
        assert shown == [green, first, soon, late]
        assert page.text.count('class="badge priority"') == 2
        case = client.get(f"/console/case/{green}")
        assert "绿色通道（军）" in case.text

    listed = center_cli(node.session.store.home, "--json", "applications")
    assert listed.code == 0, listed.stderr
    assert [r["id"] for r in listed.json()] == [green, first, soon, late]  # then newest first
    assert [r["priority"] for r in listed.json()] == [True, True, False, False]
    text = center_cli(node.session.store.home, "applications")
    lines = text.stdout.splitlines()
    assert all("【绿色通道】" in line for line in lines[:2])
    assert not any("【绿色通道】" in line for line in lines[2:])
    shown_case = center_cli(node.session.store.home, "show", green)
    assert "绿色通道（军）" in shown_case.stdout


def test_the_worklist_walks_its_index_without_sorting(township: tuple[Node, str]) -> None:
    node, _ = township
    home = node.session.store.home
    for where, args in (("1 = 1", ()), ("status = ?", ("received",)),
                        ("village_code = ?", (VILLAGE_CODE,))):
        sql = (f"SELECT id FROM applications WHERE {where} ORDER BY {WORKLIST_ORDER} LIMIT 50")
        if center_db.is_postgres(home):
            nodes = center_db.pg_plan(home, sql, args)
            scans = [n for n in nodes if "Scan" in n["Node Type"]]
            assert [n["Node Type"] for n in scans] == ["Index Scan"], nodes
            assert scans[0]["Index Name"].startswith("applications_"), nodes
            assert not any("Sort" in n["Node Type"] for n in nodes), nodes
            continue
        with center_db.raw_center(home) as conn:
            plan = " ".join(str(r[3]) for r in conn.rows(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "USING INDEX applications_" in plan and "TEMP B-TREE" not in plan, plan


# ------------------------------------------------------------ the CLI and the 委托书 --

def test_the_cli_takes_priority_grounds_and_prints_the_authorisation_as_pdf(
        cli: Cli, catalog: Catalog, tmp_path: Path) -> None:
    cli.init()
    data = example(catalog.get(SHORTER))
    data["applicant"]["id_number"] = id_number = id_number_of_age(45)
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = cli("apply", "--item", SHORTER, "--data", str(path), "--priority", "贵宾")
    assert refused.code == 1 and "“贵宾”不是绿色通道的类别" in refused.stderr
    assert "Traceback" not in refused.stderr

    took = cli("--json", "apply", "--item", SHORTER, "--data", str(path), "--priority", "残,军",
               "--date", TODAY.isoformat())
    assert took.code == 0, took.stderr
    answer = took.json()
    assert answer["priority"] == ["disabled", "military"]
    app_id = answer["applications"][0]["id"]
    assert answer["applications"][0]["working_days"] == 5

    listed = cli("list")
    assert "【绿色通道】" in listed.stdout
    receipt = cli("receipt", app_id)
    assert "绿色通道：残、军" in receipt.stdout and "承诺时限：5个工作日" in receipt.stdout

    text = cli("authorisation", app_id)
    assert text.code == 0, text.stderr
    name = data["applicant"]["name"]
    item = catalog.item(SHORTER)
    masked = printing.mask_id(id_number)
    for said in (f"委托人（申请人）：{name}", f"受托人（代办员）：{AGENT}", item.name, masked,
                 "委托人签名", "按手印", f"日期：{TODAY.isoformat()}", "绿色通道"):
        assert said in text.stdout, said
    assert id_number not in text.stdout

    pdf = tmp_path / "authorisation.pdf"
    made = cli("authorisation", app_id, "--pdf", str(pdf))
    assert made.code == 0, made.stderr
    pages = "".join(squash(p.extract_text()) for p in PdfReader(pdf).pages)
    for said in (name, AGENT, item.name, masked, "授权委托书"):
        assert squash(said) in pages, said
    assert id_number not in pages


def test_the_authorisation_names_the_case_and_the_agents_point_and_no_green_channel_unflagged(
        session: Session, catalog: Catalog) -> None:
    result = take(session, catalog, SHORTER, 35)
    summary, events = session.show(result.application_ids[0])
    doc = printing.authorisation_document(summary, events, catalog.item(SHORTER), session.store.info)
    text = doc.text()
    assert doc.kind == "authorisation" and doc.reference == summary.id
    assert "石鼓村便民服务代办点" in text and summary.id in text
    assert "绿色通道" not in text  # not flagged: no green-channel line
    assert TODAY.isoformat() in text
