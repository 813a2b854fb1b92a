"""A clerk reads a case at the center: `service-center applications`, `show` and `attachment`.

Real stores and a real sync: a village point files an application with its scans through the
sync client, over HTTP on loopback, to a township (and for a county item on to the county);
the real `service-center` command runs in a subprocess against the center's home. Reading
personal data is audited; bad input is said in Chinese (English with VILLAGE_AGENT_LANG=en),
exits 1 and changes nothing.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from center import ingest
from center.cases import read_case
from center.console.cases import Filters, worklist
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage.crypto import TEST_KDF
from storage.errors import NotFound
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.i18n import due_text
from sync.node import Node
from tests import center_db
from tests.center_db import table_counts
from tests.conftest import AGENT, PIN, ROOT, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.forms_helpers import example, id_number_of_age
from tests.helpers import scan
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE, make_center, serving
from village_agent import intake

COUNTY_CODE = "430481"
ITEM = "MZ-GLJT"  # 高龄津贴申领: decided by the township, 15 working days
COUNTY_ITEM = "CL-CJRZ"  # 残疾人证: decided by the county
FRONT = b"%PDF-1.4 front of the ID card \x00\x01\x02" + bytes(range(256)) * 40
BACK = b"\xff\xd8\xff\xe0 back of the ID card" + bytes(range(255, -1, -1)) * 3
BANK = b"\xff\xd8\xff\xe0 bank card" + b"\x07" * 5000
TRACEBACK = re.compile(r"Traceback|File \"")


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


@pytest.fixture
def county_backend(center_backend: str | None, request: pytest.FixtureRequest
                   ) -> Iterator[str | None]:
    """The county's store on the township's engine: a database of its own on PostgreSQL."""
    if center_backend is None:
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    yield url
    server.drop(url)


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def center_cli(home: Path, *args: str, lang: str = "zh") -> Ran:
    """The real `service-center`, as a clerk at the window runs it."""
    env = {**os.environ, "VILLAGE_AGENT_HOME": str(home), "VILLAGE_AGENT_PIN": CLERK_PIN,
           "VILLAGE_AGENT_OPERATOR": CLERK, "VILLAGE_AGENT_TEST_KDF": "1",
           "VILLAGE_AGENT_LANG": lang, "PYTHONIOENCODING": "utf-8"}
    env.pop("VILLAGE_AGENT_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "center.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def audit_rows(home: Path) -> list[tuple[Any, ...]]:
    return center_db.rows(home, "SELECT operator, action, target, detail FROM audit ORDER BY seq")


def without_login(before: dict[str, int], home: Path) -> dict[str, int]:
    """Row counts after a refused command, less the audit row of the clerk's own login."""
    after = table_counts(home)
    logins = sum(1 for r in audit_rows(home)[before["audit"]:] if r[1] == "operator.login")
    return {**after, "audit": after["audit"] - logins}


def _sync(session: Session) -> None:
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report


@pytest.fixture
def filed(session: Session, township: tuple[Node, str], catalog: Catalog
          ) -> tuple[Node, str, dict[str, Any]]:
    """An application for 高龄津贴 with three scans (two of the ID card), the 户口簿 容缺,
    taken in at the village and synced to the township: (township, id, data as filed)."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    data = example(catalog.get(ITEM))
    data["materials"]["household_register"] = "missing"
    files = [scan("id_card", "id-front.pdf", FRONT), scan("id_card", "id-back.jpg", BACK),
             scan("bank_card", "bank.jpg", BANK)]
    app_id = intake.take(session, catalog, session.calendar(), ITEM, data, files,
                         today=TODAY).application_ids[0]
    _sync(session)
    return node, app_id, data


def _home(node: Node) -> Path:
    return node.session.store.home


def _promised(node: Node) -> tuple[str, bool]:
    """The township's own promise: 15 working days from its receipt (today, on its clock)."""
    deadline = node.session.calendar().add_working_days(date.today(), 15)
    return deadline.due.isoformat(), deadline.approximate


class TestApplications:
    def test_the_township_lists_the_applicants_name_and_its_promised_date(
        self, filed: tuple[Node, str, dict[str, Any]]
    ) -> None:
        node, app_id, data = filed
        due, approximate = _promised(node)
        listed = center_cli(_home(node), "--json", "applications")
        assert listed.code == 0, listed.stderr
        [row] = listed.json()
        assert row["id"] == app_id and row["applicant_name"] == data["applicant"]["name"]
        assert (row["due_date"], row["due_approximate"]) == (due, approximate)
        assert row["status"] == "received" and row["status_text"] == "乡镇已接收"
        text = center_cli(_home(node), "applications")
        assert text.code == 0, text.stderr
        [line] = text.stdout.splitlines()
        assert line.startswith(app_id) and "乡镇已接收" in line
        assert data["applicant"]["name"] in line and f"期限{due_text(due, approximate)}" in line

    def test_a_center_store_filed_before_the_fix_gets_its_names_back_once(
        self, filed: tuple[Node, str, dict[str, Any]]
    ) -> None:
        """Cases ingested by an earlier version have no applicant linked: the next command
        links them from their filing (once; a meta flag), and verify still passes."""
        node, _, data = filed
        home = _home(node)
        with node.session.store.database.write() as db:
            db.execute("UPDATE applications SET applicant_id = NULL, applicant_version = NULL")
            db.execute("DELETE FROM meta WHERE key = 'applicants_linked'")
        assert node.session.list()[0].applicant_name == ""
        listed = center_cli(home, "--json", "applications")
        assert listed.code == 0, listed.stderr
        assert listed.json()[0]["applicant_name"] == data["applicant"]["name"]
        with center_db.raw_center(home) as conn:
            assert conn.one("SELECT value FROM meta WHERE key = 'applicants_linked'") == "1"
            assert conn.one("SELECT count(*) FROM applicants") == 1
        assert center_cli(home, "verify").code == 0

    def test_a_correction_of_the_id_number_links_the_case_to_that_person(
        self, session: Session, filed: tuple[Node, str, dict[str, Any]], catalog: Catalog
    ) -> None:
        node, app_id, data = filed
        ingest.decide(node, app_id, "correction_requested",
                      {"reasons": [{"field": "applicant.id_number", "text": "身份证号有误"}]})
        _sync(session)
        fixed = intake.current_data(session.show(app_id)[1])
        fixed["applicant"]["id_number"] = id_number_of_age(86, female=True, serial=57)
        intake.correct(session, catalog, app_id, fixed, today=TODAY)
        _sync(session)
        index = node.session.keys.blind_index("id_number", fixed["applicant"]["id_number"])
        with node.session.store.database.read() as db:
            linked = db.execute("SELECT a.applicant_id = p.id FROM applications a, applicants p"
                                " WHERE a.id = ? AND p.id_index = ?", (app_id, index)).fetchone()
        assert linked == (1,)
        [row] = center_cli(_home(node), "--json", "applications").json()
        assert row["applicant_name"] == data["applicant"]["name"] and row["status"] == "received"
        shown = center_cli(_home(node), "--json", "show", app_id).json()
        assert {e["name"]: e["raw"] for e in shown["applicant"]}["id_number"] == (
            fixed["applicant"]["id_number"])
        assert [s["type"] for s in shown["timeline"]][-2:] == ["corrected", "received"]


def test_the_worklist_finds_a_case_by_part_of_its_number_however_it_is_typed(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    """A number holds the village device's tag in capitals (here ABCDEF): a clerk may type it
    in small letters, and the worklist finds the case the same on either engine."""
    node, url = township
    village = Store.create(tmp_path / "village", village_code=VILLAGE_CODE,
                           village_name=VILLAGE_NAME, operator_name=AGENT, pin=PIN,
                           kdf=TEST_KDF, device_id="abcdef0123456789")
    try:
        session = village.login(AGENT, PIN)
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        app_id = intake.take(session, catalog, session.calendar(), ITEM,
                             example(catalog.get(ITEM)), today=TODAY).application_ids[0]
        _sync(session)
    finally:
        village.close()
    assert app_id.split("-")[1] == "ABCDEF"
    for typed in ("ABCDEF", "abcdef", "cDe", app_id.lower()):
        found = worklist(node.session, Filters(scope="all", search=typed))
        assert [r.id for r in found.rows] == [app_id], typed
    assert worklist(node.session, Filters(scope="all", search="abcdef9")).rows == []


@pytest.fixture
def centers(tmp_path: Path, township_backend: str | None, county_backend: str | None
            ) -> Iterator[tuple[Node, str, Node, str]]:
    county = Node.of(make_center(tmp_path / "county", "county", COUNTY_CODE,
                                 database=county_backend))
    township = Node.of(make_center(tmp_path / "township", database=township_backend))
    with serving(county) as county_url, serving(township) as township_url:
        enroll_online(township.session, county_url, issue_code(county, TOWNSHIP_CODE))
        yield township, township_url, county, county_url
    county.session.store.close()
    township.session.store.close()


def test_the_county_says_its_own_cases_are_received_by_the_county(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    data = example(catalog.get(COUNTY_ITEM))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM, data,
                         today=TODAY).application_ids[0]
    _sync(session)
    assert forward_once(township).ok

    at_county = center_cli(_home(county), "applications")
    assert at_county.code == 0, at_county.stderr
    [line] = at_county.stdout.splitlines()
    assert app_id in line and "县级已接收" in line and "乡镇已接收" not in line
    assert data["applicant"]["name"] in line
    [row] = center_cli(_home(county), "--json", "applications").json()
    assert row["status"] == "received" and row["status_text"] == "县级已接收"
    assert row["applicant_name"] == data["applicant"]["name"] and row["due_date"]
    english = center_cli(_home(county), "applications", lang="en")
    assert "received by the county" in english.stdout
    # The township holds the same case as received at the township; the timeline says both.
    assert "乡镇已接收" in center_cli(_home(township), "applications").stdout
    shown = center_cli(_home(county), "--json", "show", app_id).json()
    assert shown["status_text"] == "县级已接收" and shown["node"] == "county"
    received = [s for s in shown["timeline"] if s["type"] == "received"]
    assert [s["by_role"] for s in received] == ["county"]
    assert received[0]["what"].startswith("县级中心接收，承诺") and received[0]["by"] == (
        f"本县级中心（{CLERK}）")
    county_text = center_cli(_home(county), "show", app_id).stdout
    assert "状态：县级已接收" in county_text


class TestShow:
    def test_show_prints_the_case_as_a_clerk_reads_it(
        self, filed: tuple[Node, str, dict[str, Any]], catalog: Catalog
    ) -> None:
        node, app_id, data = filed
        item = catalog.item(ITEM)
        due, approximate = _promised(node)
        shown = center_cli(_home(node), "show", app_id)
        assert shown.code == 0, shown.stderr
        text = shown.stdout
        lines = text.splitlines()
        assert lines[0] == f"办件编号：{app_id}"
        assert lines[1] == f"事项：{item.name}（{ITEM}，{item.version}版）"
        assert f"村代办点：{VILLAGE_CODE}" in lines and "状态：乡镇已接收" in lines
        left = node.session.calendar().working_days_between(date.today(), date.fromisoformat(due))
        assert f"承诺办结：{due_text(due, approximate)}（剩{left}个工作日）" in lines
        person = data["applicant"]
        for label, key in (("姓名", "name"), ("身份证号", "id_number"), ("联系电话", "phone"),
                           ("住址", "address")):
            assert f"  {label}：{person[key]}" in lines
        labels = {f.name: f.label for f in item.fields}
        for name, value in data["fields"].items():  # every field under the form's own label
            assert f"  {labels[name]}：{value}" in lines, name
        names = {m.code: m.name for m in item.materials}
        assert f"  {names['id_card']}（id_card）：已提供" in lines
        [owed] = node.session.owed_materials(app_id)  # 容缺: owed, due on the center's calendar
        assert (f"  {names['household_register']}（household_register）：容缺，应于{owed.due_date}"
                "前补交") in [line.removesuffix("（已逾期）") for line in lines]
        assert f"  尚欠材料：{names['household_register']}" in lines
        assert f"  id_card  {names['id_card']}  id-front.pdf  {len(FRONT) / 1024:.1f} KB" in lines
        assert f"  id_card  {names['id_card']}  id-back.jpg  {len(BACK)}字节" in lines
        assert f"  bank_card  {names['bank_card']}  bank.jpg  {len(BANK) / 1024:.1f} KB" in lines
        timeline = lines[lines.index("办理过程："):]
        assert timeline[1].endswith(f"  村代办点 {VILLAGE_CODE}（{AGENT}）  代办收件建档")
        assert timeline[2].endswith(f"  村代办点 {VILLAGE_CODE}（{AGENT}）  提交申请（扫描件3份）")
        assert timeline[3].endswith(
            f"  本乡镇中心（{CLERK}）  乡镇中心接收，承诺{due_text(due, approximate)}前办结")
        assert not TRACEBACK.search(shown.stderr)
        assert audit_rows(_home(node))[-1] == (CLERK, "application.viewed", app_id, "cli")

    def test_show_json_carries_the_same_case(
        self, filed: tuple[Node, str, dict[str, Any]], catalog: Catalog
    ) -> None:
        node, app_id, data = filed
        shown = center_cli(_home(node), "--json", "show", f"  {app_id} ")
        assert shown.code == 0, shown.stderr
        case = shown.json()
        item = catalog.item(ITEM)
        assert (case["id"], case["item_code"], case["item_name"], case["item_version"]) == (
            app_id, ITEM, item.name, item.version)
        assert case["village_code"] == VILLAGE_CODE and case["node"] == "township"
        assert (case["due_date"], case["due_approximate"]) == _promised(node)
        assert isinstance(case["days_left"], int) and case["days_left"] >= 0
        applicant = {e["name"]: e["raw"] for e in case["applicant"]}
        assert {k: applicant.get(k) for k in data["applicant"]} == data["applicant"]
        as_filed = next(e.payload for e in node.session.show(app_id)[1] if e.type == "submitted")
        assert as_filed["fields"]["age_band"] and "age_band" not in data["fields"]  # calculated
        assert [e["name"] for e in case["fields"]] == [
            f.name for f in item.fields if f.name in as_filed["fields"]]  # the form's order
        assert {e["name"]: e["raw"] for e in case["fields"]} == as_filed["fields"]
        states = {m["code"]: (m["state"], m["owed"]) for m in case["materials"]}
        assert states == {code: (state, state == "missing")
                          for code, state in data["materials"].items()}
        assert case["owed"] == ["household_register"]
        assert [(a["material"], a["name"], a["size"], a["media_type"])
                for a in case["attachments"]] == [  # in the order the village filed them
            ("id_card", "id-front.pdf", len(FRONT), "application/pdf"),
            ("id_card", "id-back.jpg", len(BACK), "image/jpeg"),
            ("bank_card", "bank.jpg", len(BANK), "image/jpeg")]
        assert [s["type"] for s in case["timeline"]] == ["created", "submitted", "received"]
        assert [s["by_role"] for s in case["timeline"]] == ["village", "village", "township"]
        assert case["last_event"] > 0

    def test_a_correction_request_shows_what_it_names_and_english_says_it_all(
        self, filed: tuple[Node, str, dict[str, Any]], catalog: Catalog
    ) -> None:
        node, app_id, _ = filed
        ingest.decide(node, app_id, "correction_requested", {"reasons": [
            {"field": "bank_name", "text": "开户行名称与银行卡不符"},
            {"material": "bank_card", "text": "银行卡照片不清晰"}, "请本人签字"]})
        text = center_cli(_home(node), "show", app_id).stdout
        assert ("一次性告知补正：【开户银行】开户行名称与银行卡不符；"
                "【社保卡或本人银行卡】银行卡照片不清晰；请本人签字") in text
        assert "状态：需补正" in text
        english = center_cli(_home(node), "show", app_id, lang="en")
        assert english.code == 0, english.stderr
        assert "Status: to correct" in english.stdout and "Timeline:" in english.stdout
        assert "correction requested: [开户银行] 开户行名称与银行卡不符" in english.stdout
        # Nothing of ours is Chinese: only catalog data, the applicant and the agent's name.
        item = catalog.item(ITEM)
        case = read_case(node.session, app_id, lang="en", audit=False)
        allowed = [item.name, *(f.label for f in item.fields), *(m.name for m in item.materials),
                   *(e.value for e in case.applicant), *(e.value for e in case.fields), AGENT,
                   CLERK, "开户行名称与银行卡不符", "银行卡照片不清晰", "请本人签字"]
        rest = english.stdout
        for word in sorted(allowed, key=len, reverse=True):
            rest = rest.replace(word, " ")
        assert re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", rest) == []


def test_read_case_is_the_api_the_console_can_reuse(
    filed: tuple[Node, str, dict[str, Any]]
) -> None:
    node, app_id, data = filed
    before = len(audit_rows(_home(node)))
    quiet = read_case(node.session, app_id, audit=False)
    assert len(audit_rows(_home(node))) == before  # audit=False reads without a trace
    case = read_case(node.session, app_id, via="console", lang="en")
    assert audit_rows(_home(node))[-1] == (CLERK, "application.viewed", app_id, "console")
    assert case.status_text == "received" and quiet.status_text == "乡镇已接收"
    assert [m.code for m in case.owed] == ["household_register"]
    assert json.loads(json.dumps(case.as_dict()))["applicant"][0]["value"] == (
        data["applicant"]["name"])
    with pytest.raises(NotFound) as missing:
        read_case(node.session, "20261123-XXXXXX-00001")
    assert "没有编号为“20261123-XXXXXX-00001”的办件" in str(missing.value.zh)


class TestAttachment:
    def test_the_scan_is_written_byte_for_byte_and_the_opening_audited(
        self, filed: tuple[Node, str, dict[str, Any]], tmp_path: Path
    ) -> None:
        node, app_id, _ = filed
        out = tmp_path / "out" / "bank.jpg"
        out.parent.mkdir()
        ran = center_cli(_home(node), "attachment", app_id, "bank_card", "--out", str(out))
        assert ran.code == 0, ran.stderr
        assert out.read_bytes() == BANK
        assert f"写入 {out}" in ran.stdout and "bank.jpg" in ran.stdout
        assert audit_rows(_home(node))[-1] == (CLERK, "attachment.opened", app_id,
                                               "bank_card (cli)")
        assert sorted(p.name for p in out.parent.iterdir()) == ["bank.jpg"]  # no .part left

        second = tmp_path / "out" / "back.jpg"
        chosen = center_cli(_home(node), "--json", "attachment", app_id, "id_card", "--which",
                            "2", "--out", str(second))
        assert chosen.code == 0, chosen.stderr
        assert second.read_bytes() == BACK
        assert chosen.json() == {"ok": True, "id": app_id, "material": "id_card",
                                 "name": "id-back.jpg", "size": len(BACK),
                                 "media_type": "image/jpeg", "out": str(second)}

    def test_an_existing_file_is_kept_unless_forced(
        self, filed: tuple[Node, str, dict[str, Any]], tmp_path: Path
    ) -> None:
        node, app_id, _ = filed
        out = tmp_path / "front.pdf"
        out.write_bytes(b"the clerk's own notes")
        before = table_counts(_home(node))
        kept = center_cli(_home(node), "attachment", app_id, "id_card", "--which", "1",
                          "--out", str(out))
        assert kept.code == 1 and f"{out} 已存在，未覆盖" in kept.stderr
        assert out.read_bytes() == b"the clerk's own notes"
        assert table_counts(_home(node)) == before  # refused before the PIN: not even a login
        forced = center_cli(_home(node), "attachment", app_id, "id_card", "--which", "1",
                            "--out", str(out), "--force")
        assert forced.code == 0, forced.stderr
        assert out.read_bytes() == FRONT
        assert sorted(p.name for p in tmp_path.iterdir() if "front" in p.name) == ["front.pdf"]


class TestBadInput:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_refusals_are_said_exit_1_and_change_nothing(
        self, filed: tuple[Node, str, dict[str, Any]], tmp_path: Path, lang: str,
        catalog: Catalog
    ) -> None:
        node, app_id, _ = filed
        home = _home(node)
        out = tmp_path / "scan.pdf"
        cases = {
            "unknown_id_show": (("show", "20261123-NOSUCH-00009"), {
                "zh": "没有编号为“20261123-NOSUCH-00009”的办件，请核对编号",
                "en": "No application '20261123-NOSUCH-00009' here"}),
            "unknown_id_scan": (("attachment", "20261123-NOSUCH-00009", "id_card", "--out",
                                 str(out)), {"zh": "没有编号为“20261123-NOSUCH-00009”的办件",
                                             "en": "No application '20261123-NOSUCH-00009'"}),
            "unknown_material": (("attachment", app_id, "photo", "--out", str(out)), {
                "zh": f"办件 {app_id} 没有材料“photo”的扫描件。此办件有扫描件的材料：",
                "en": f"Application {app_id} has no scan of material 'photo'"}),
            "several_scans": (("attachment", app_id, "id_card", "--out", str(out)), {
                "zh": "材料“id_card”有2份扫描件，请用 --which 指定第几份（1至2）",
                "en": "Material 'id_card' has 2 scans; choose one with --which 1 to 2"}),
            "which_out_of_range": (("attachment", app_id, "id_card", "--which", "3", "--out",
                                    str(out)), {"zh": "材料“id_card”只有2份扫描件，没有第3份",
                                                "en": "there is no number 3"}),
            "no_folder": (("attachment", app_id, "bank_card", "--out",
                           str(tmp_path / "unplugged" / "scan.jpg")), {
                "zh": f"文件夹不存在：{tmp_path / 'unplugged'}",
                "en": f"No such folder: {tmp_path / 'unplugged'}"}),
            "out_is_a_folder": (("attachment", app_id, "bank_card", "--out", str(tmp_path)), {
                "zh": f"{tmp_path} 是文件夹", "en": f"{tmp_path} is a folder"}),
        }
        for name, (args, said) in cases.items():
            before = table_counts(home)
            ran = center_cli(home, *args, lang=lang)
            assert ran.code == 1, (name, ran.stdout, ran.stderr)
            assert said[lang] in ran.stderr, (name, ran.stderr)
            assert not TRACEBACK.search(ran.stderr) and ran.stdout == "", name
            assert without_login(before, home) == before, name  # only the login's audit row
            assert not any(r[1] in ("application.viewed", "attachment.opened")
                           for r in audit_rows(home)[before["audit"]:]), name
            if lang == "en":  # only catalog data (the materials' names) stays as filed
                rest = ran.stderr
                for material in catalog.item(ITEM).materials:
                    rest = rest.replace(material.name, "")
                assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", rest), name
        assert not out.exists() and not (tmp_path / "unplugged").exists()
        as_json = center_cli(home, "--json", "show", "20261123-NOSUCH-00009", lang=lang)
        assert as_json.code == 1 and json.loads(as_json.stdout)["ok"] is False


def test_the_case_module_speaks_only_through_the_catalogue() -> None:
    """center/cases.py says nothing in Chinese itself: every word is a key of center/texts.py."""
    tree = ast.parse((ROOT / "center" / "cases.py").read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)}
    data_words = {"男", "女"}  # the sex as the form records it, read, not shown
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
             and isinstance(n.value, str) and id(n) not in docstrings
             and n.value not in data_words and re.search(r"[\u4e00-\u9fff]", n.value)]
    assert found == []
