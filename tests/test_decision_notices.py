"""Decision notices: 办结通知书 and 不予受理通知书, the same paper at the center and at the village.

The builder is pure (facts in, a Document out) and tested on its own, in Chinese and English;
its QR code is checked module by module against segno's. The rest runs on real stores and a
real sync over loopback: the real `service-center notice` in a subprocess, the console over
HTTP, the real `village-agent decision-notice` and the terminal app once the decision has come
down. The PDFs are read back with pypdf.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from pypdf import PdfReader

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from storage.applications import Summary
from storage.events import Event
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.i18n import t_in
from sync.node import Node
from sync.paper import pdf, qr
from sync.paper.decisions import DecisionFacts, decision_facts, notice_document
from sync.paper.document import Document
from sync.paper.fonts import CjkFont, find_cjk_font
from tests.app_helpers import SIZE, log_in, screen_text, settle, village_app
from tests.center_db import table_counts
from tests.conftest import AGENT, TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.sync_helpers import CLERK
from tests.test_center_show import audit_rows, center_cli, without_login
from tests.test_console import log_in as console_log_in
from village_agent import intake
from village_agent.app.applications import DetailScreen
from village_agent.app.printout import PrintoutScreen

ITEM = "MZ-GLJT"
ITEM_NAME = "高龄津贴申领"
CENTER = "兴宁镇便民服务中心"  # tests/sync_helpers.make_center's township
RESULT = "核定高龄津贴每月100元，次月起发放"
REASON = "申请人年满80周岁的日期在下月，请届时再申请"
RIGHTS = "如不服本决定，可自收到本通知书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。"
NUMBER = "20261123-430481101201-00012"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


COMPLETED = DecisionFacts("completed", NUMBER, ITEM_NAME, "张桂英", RESULT, CENTER, CLERK,
                          "2026-11-25")
REJECTED = DecisionFacts("rejected", NUMBER, ITEM_NAME, "张桂英", REASON, CENTER, CLERK,
                         "2026-11-25")


def squash(text: str) -> str:
    """PDF text without whitespace or pypdf's NULs (see tests/test_printing_pdf.py)."""
    return "".join(text.replace("\x00", "").split())


def pdf_text(path: Path) -> str:
    return "".join(squash(page.extract_text()) for page in PdfReader(path).pages)


def texts(doc: Document) -> list[str]:
    return [line.text for line in doc.lines if line.text]


@pytest.fixture(scope="module")
def font() -> CjkFont:
    return find_cjk_font()


# ------------------------------------------------------------------ the builder --

class TestBuilder:
    def test_the_completion_notice_says_item_number_applicant_result_center_clerk_and_date(
        self,
    ) -> None:
        doc = notice_document(COMPLETED, "zh")
        assert (doc.kind, doc.title, doc.service_point, doc.reference, doc.lang) == (
            "completed", "办结通知书", CENTER, NUMBER, "zh")
        assert texts(doc) == [
            "办结通知书", "申请人：张桂英", f"办件编号：{NUMBER}", f"申请事项：{ITEM_NAME}",
            f"您申请的“{ITEM_NAME}”事项已办理完毕，现将办理结果告知如下：", f"办理结果：{RESULT}",
            f"办理机构：{CENTER}", f"经办人：{CLERK}", "办结日期：2026-11-25",
            f"扫描二维码核对办件编号：{NUMBER}"]
        assert RIGHTS not in doc.text()  # a completion is not a refusal
        [code] = [line for line in doc.lines if line.kind == "qr"]
        assert code.data == NUMBER

    def test_the_rejection_notice_gives_the_reason_and_the_reconsideration_and_lawsuit_periods(
        self,
    ) -> None:
        doc = notice_document(REJECTED, "zh")
        assert (doc.kind, doc.title) == ("rejected", "不予受理通知书")
        lines = texts(doc)
        assert lines[:4] == ["不予受理通知书", "申请人：张桂英", f"办件编号：{NUMBER}",
                             f"申请事项：{ITEM_NAME}"]
        assert f"不予受理理由：{REASON}" in lines
        assert lines.index(RIGHTS) == lines.index(f"不予受理理由：{REASON}") + 1
        assert lines[-4:] == [f"办理机构：{CENTER}", f"经办人：{CLERK}", "决定日期：2026-11-25",
                              f"扫描二维码核对办件编号：{NUMBER}"]

    @pytest.mark.parametrize("facts", [COMPLETED, REJECTED], ids=["completed", "rejected"])
    def test_in_english_nothing_of_ours_is_chinese(self, facts: DecisionFacts) -> None:
        doc = notice_document(facts, "en")
        text = doc.text()
        for filed in (ITEM_NAME, "张桂英", facts.outcome, CENTER, CLERK):
            assert filed in text  # catalog data and names stay as filed
            text = text.replace(filed, "")
        assert CJK.findall(text) == []
        assert f"Application number: {NUMBER}" in doc.text()
        assert f"Clerk: {CLERK}" in doc.text() and "2026-11-25" in doc.text()
        if facts.kind == "rejected":
            assert "administrative reconsideration within sixty days" in doc.text()
            assert "administrative lawsuit within six months" in doc.text()
        else:
            assert "reconsideration" not in doc.text()

    def test_an_older_decision_without_center_or_clerk_leaves_those_lines_out(self) -> None:
        doc = notice_document(DecisionFacts("completed", NUMBER, ITEM_NAME, "", "", "", "",
                                            "2026-11-25"), "zh")
        assert texts(doc) == [
            "办结通知书", f"办件编号：{NUMBER}", f"申请事项：{ITEM_NAME}",
            f"您申请的“{ITEM_NAME}”事项已办理完毕，现将办理结果告知如下：", "办理结果：—",
            "办结日期：2026-11-25", f"扫描二维码核对办件编号：{NUMBER}"]
        assert doc.service_point == ""


def _event(kind: str, payload: dict[str, Any], *, device: str = "T1", operator: int | None = 1,
           at: str = "2026-11-25T02:00:00+00:00") -> Event:
    return Event(1, NUMBER, kind, device, 1, "0", at, operator, payload)


SUMMARY = Summary(NUMBER, "service", ITEM, "1", None, None, "completed", "", "2026-11-23", None,
                  False, "王秀梅")


class TestFacts:
    def test_the_decision_names_its_center_and_clerk_and_the_filing_its_applicant(self) -> None:
        events = [_event("submitted", {"applicant": {"name": "张桂英"}}, device="V1"),
                  _event("completed", {"result": RESULT, "center": CENTER, "clerk": CLERK})]
        facts = decision_facts(SUMMARY, events, ITEM_NAME)
        assert facts == DecisionFacts("completed", NUMBER, ITEM_NAME, "张桂英", RESULT, CENTER,
                                      CLERK, "2026-11-25")

    def test_a_center_still_names_itself_and_its_clerk_on_its_own_older_decisions(self) -> None:
        events = [_event("rejected", {"reason": REASON}, device="T1", operator=7)]
        ours = decision_facts(SUMMARY, events, ITEM_NAME, own_device="T1", own_name=CENTER,
                              clerks={7: CLERK})
        assert ours is not None and (ours.center, ours.clerk, ours.outcome) == (CENTER, CLERK,
                                                                                REASON)
        theirs = decision_facts(SUMMARY, events, ITEM_NAME, own_device="V1", own_name="石鼓村",
                                clerks={7: "王秀梅"})
        assert theirs is not None and (theirs.center, theirs.clerk) == ("", "")

    def test_an_open_case_has_no_notice(self) -> None:
        assert decision_facts(SUMMARY, [_event("accepted", {})], ITEM_NAME) is None


# ---------------------------------------------------------------------- the QR --

def drawn_matrix(doc: Document, font: CjkFont) -> list[list[bool]]:
    """The QR code as the PDF draws it, read back from the filled boxes into modules."""
    with pdf.measurer(font) as measure:
        [page] = pdf.layout([doc], measure)
    boxes = [p for p in page.pieces if isinstance(p, pdf.Box)]
    assert boxes
    left, top = min(b.x for b in boxes), min(b.y for b in boxes)
    size = round((max(b.x + b.width for b in boxes) - left) / pdf.QR_MODULE)
    matrix = [[False] * size for _ in range(size)]
    for b in boxes:
        assert round(b.height / pdf.QR_MODULE) == 1
        row, column = round((b.y - top) / pdf.QR_MODULE), round((b.x - left) / pdf.QR_MODULE)
        for c in range(column, column + round(b.width / pdf.QR_MODULE)):
            assert not matrix[row][c], "two boxes over one module"
            matrix[row][c] = True
    return matrix


class TestQrCode:
    @pytest.mark.parametrize("facts", [COMPLETED, REJECTED], ids=["completed", "rejected"])
    def test_the_drawn_modules_are_segnos_code_for_the_application_number(
        self, facts: DecisionFacts, font: CjkFont
    ) -> None:
        expected = [[bool(m) for m in row] for row in segno.make_qr(NUMBER, error="m").matrix]
        assert drawn_matrix(notice_document(facts, "zh"), font) == expected
        other = [[bool(m) for m in row] for row in segno.make_qr(NUMBER[:-1] + "3").matrix]
        assert expected != other  # a different number would not pass

    def test_the_code_has_its_quiet_zone_and_sits_inside_the_page(self, font: CjkFont) -> None:
        with pdf.measurer(font) as measure:
            [page] = pdf.layout([notice_document(COMPLETED, "zh")], measure)
        boxes = [p for p in page.pieces if isinstance(p, pdf.Box)]
        top, bottom = min(b.y for b in boxes), max(b.y + b.height for b in boxes)
        above = [p for p in page.pieces if isinstance(p, pdf.Run) and p.y + p.height <= top]
        assert top - max(r.y + r.height for r in above) >= qr.QUIET * pdf.QR_MODULE
        assert min(b.x for b in boxes) >= pdf.MARGIN and bottom <= pdf.BODY_BOTTOM

    def test_the_pdf_fills_one_rectangle_for_each_run_of_dark_modules(
        self, font: CjkFont, tmp_path: Path
    ) -> None:
        out = pdf.write_pdf([notice_document(REJECTED, "zh")], tmp_path / "n.pdf", font=font)
        content = PdfReader(out).pages[0].get_contents()
        assert content is not None
        operations = content.operations
        filled = [ops for ops, op in pairwise(operations)
                  if ops[1] == b"re" and op[1] == b"f"]
        assert len(filled) == len(qr.runs(qr.modules(NUMBER)))


# ------------------------------------------------------------ real stores, synced --

@pytest.fixture
def case(session: Session, township: tuple[Node, str], catalog: Catalog) -> dict[str, Any]:
    """A 高龄津贴 application taken in at the village and synced to the township."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    data = example(catalog.get(ITEM))
    app_id = intake.take(session, catalog, session.calendar(), ITEM, data,
                         today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session, force=True).ok
    return {"id": app_id, "node": node, "url": url, "name": data["applicant"]["name"],
            "home": node.session.store.home}


def _decide(case: dict[str, Any], kind: str, session: Session | None = None) -> None:
    node = case["node"]
    ingest.decide(node, case["id"], "accepted", {})
    ingest.decide(node, case["id"], kind,
                  {"result": RESULT} if kind == "completed" else {"reason": REASON})
    if session is not None:  # the decision comes down to the village
        assert sync_once(session.store, session=session, force=True).ok


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """A folder of its own for what a test writes (the stores' homes are in tmp_path too)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _today() -> str:
    return date.today().isoformat()  # decisions are dated by the center's clock, not TODAY


class TestCenterCommand:
    def test_the_clerk_writes_the_completion_notice_and_the_printing_is_audited(
        self, case: dict[str, Any], outdir: Path
    ) -> None:
        _decide(case, "completed")
        out = outdir / "办结通知书.pdf"
        ran = center_cli(case["home"], "notice", case["id"], "--out", str(out))
        assert ran.code == 0, ran.stderr
        assert ran.stdout.strip() == t_in("zh", "notice.written", title="办结通知书", id=case["id"],
                                          path=out)
        text = pdf_text(out)
        for said in ("办结通知书", f"办件编号：{case['id']}", f"申请人：{case['name']}",
                     f"办理结果：{RESULT}", f"办理机构：{CENTER}", f"经办人：{CLERK}",
                     f"办结日期：{_today()}", "第1页/共1页"):
            assert squash(said) in text, said
        assert audit_rows(case["home"])[-1] == (CLERK, "notice.printed", case["id"], "cli")
        assert [p.name for p in outdir.iterdir()] == [out.name]  # no temporary file left

    def test_the_rejection_notice_in_english_keeps_the_names_as_filed(
        self, case: dict[str, Any], outdir: Path
    ) -> None:
        _decide(case, "rejected")
        out = outdir / "notice.pdf"
        ran = center_cli(case["home"], "--json", "notice", case["id"], "--out", str(out),
                         lang="en")
        assert ran.code == 0, ran.stderr
        assert ran.json()["kind"] == "rejected" and ran.json()["out"] == str(out)
        text = pdf_text(out)
        for said in ("Notice of non-acceptance", f"Reason: {REASON}", f"Decided by: {CENTER}",
                     f"Clerk: {CLERK}", "within sixty days", "Page 1 of 1"):
            assert squash(said) in text, said

    def test_an_open_case_is_refused_in_chinese_and_nothing_changes(
        self, case: dict[str, Any], outdir: Path
    ) -> None:
        out = outdir / "notice.pdf"
        before = table_counts(case["home"])
        ran = center_cli(case["home"], "notice", case["id"], "--out", str(out))
        assert ran.code == 1
        assert t_in("zh", "notice.not_decided", id=case["id"]) in ran.stderr
        assert "Traceback" not in ran.stderr
        assert not out.exists() and list(outdir.iterdir()) == []
        assert without_login(before, case["home"]) == before

    def test_an_existing_file_is_kept_unless_forced(
        self, case: dict[str, Any], outdir: Path
    ) -> None:
        _decide(case, "completed")
        out = outdir / "notice.pdf"
        out.write_bytes(b"the clerk's other file")
        kept = center_cli(case["home"], "notice", case["id"], "--out", str(out))
        assert kept.code == 1 and str(out) in kept.stderr
        assert out.read_bytes() == b"the clerk's other file"
        assert not any(r[1] == "notice.printed" for r in audit_rows(case["home"]))
        forced = center_cli(case["home"], "notice", case["id"], "--out", str(out), "--force")
        assert forced.code == 0, forced.stderr
        assert out.read_bytes().startswith(b"%PDF") and squash(RESULT) in pdf_text(out)

    def test_an_older_decision_made_here_still_names_the_center_and_the_clerk(
        self, case: dict[str, Any], outdir: Path
    ) -> None:
        """Recorded before decisions carried `center` and `clerk`: the center knows itself."""
        node: Node = case["node"]
        node.session.add_event(case["id"], "completed", {"result": RESULT})
        out = outdir / "notice.pdf"
        ran = center_cli(case["home"], "notice", case["id"], "--out", str(out))
        assert ran.code == 0, ran.stderr
        text = pdf_text(out)
        assert squash(f"办理机构：{CENTER}") in text and squash(f"经办人：{CLERK}") in text


def _files(home: Path) -> set[str]:
    return {p.relative_to(home).as_posix() for p in home.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


class TestConsole:
    def test_the_notice_needs_a_session(self, case: dict[str, Any]) -> None:
        _decide(case, "completed")
        got = httpx.get(f"{case['url']}/console/case/{case['id']}/notice.pdf", timeout=30)
        assert got.status_code == 303 and got.headers["location"] == "/console/login"
        assert not got.content.startswith(b"%PDF")
        assert not any(r[1] == "notice.printed" for r in audit_rows(case["home"]))

    def test_a_clerk_opens_the_pdf_from_the_case_page_never_kept_on_disk(
        self, case: dict[str, Any], tmp_path: Path
    ) -> None:
        _decide(case, "completed")
        files = _files(case["home"])
        with console_log_in(case["url"]) as client:
            page = client.get(f"/console/case/{case['id']}")
            link = f'href="/console/case/{case["id"]}/notice.pdf"'
            assert link in page.text and "打印通知书" in page.text
            got = client.get(f"/console/case/{case['id']}/notice.pdf")
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["cache-control"] == "no-store"
        assert got.headers["content-disposition"].startswith("inline;")
        saved = tmp_path / "got.pdf"
        saved.write_bytes(got.content)
        text = pdf_text(saved)
        for said in (f"办件编号：{case['id']}", f"办理机构：{CENTER}", f"经办人：{CLERK}",
                     f"办结日期：{_today()}", f"申请人：{case['name']}"):
            assert squash(said) in text, said
        assert audit_rows(case["home"])[-1] == (CLERK, "notice.printed", case["id"], "console")
        assert _files(case["home"]) == files  # nothing written beside the store

    def test_an_open_case_has_no_link_and_its_notice_is_refused(self, case: dict[str, Any]
                                                                 ) -> None:
        with console_log_in(case["url"]) as client:
            page = client.get(f"/console/case/{case['id']}")
            assert page.status_code == 200 and "notice.pdf" not in page.text
            got = client.get(f"/console/case/{case['id']}/notice.pdf")
        assert got.status_code == 409
        assert t_in("zh", "notice.not_decided", id=case["id"]) in got.text
        assert not any(r[1] == "notice.printed" for r in audit_rows(case["home"]))


# --------------------------------------------------------------------- the village --

@pytest.fixture
def center_pdf(case: dict[str, Any], session: Session, tmp_path: Path) -> Iterator[Path]:
    """The case rejected at the township, the decision synced down, the center's own PDF."""
    _decide(case, "rejected", session)
    out = tmp_path / "center.pdf"
    ran = center_cli(case["home"], "notice", case["id"], "--out", str(out))
    assert ran.code == 0, ran.stderr
    yield out


def page_lines(path: Path) -> list[str]:
    return [squash(line) for page in PdfReader(path).pages
            for line in page.extract_text().splitlines() if squash(line)]


def decided_lines(path: Path) -> list[str]:
    """A notice's lines above its verification code, which each end signs with its own key
    (sync/receipts.py): the center's print and the village's say the same decision."""
    lines = page_lines(path)
    return lines[:next(i for i, line in enumerate(lines) if "由开具设备签名" in line)]


async def open_case(pilot: Any, app_id: str) -> None:
    """Log in as the agent and open the case's detail screen."""
    await pilot.pause()
    await log_in(pilot)
    pilot.app.open_application(app_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, DetailScreen)


class TestVillage:
    def test_the_village_prints_the_same_notice_once_the_decision_has_arrived(
        self, case: dict[str, Any], session: Session, center_pdf: Path, tmp_path: Path
    ) -> None:
        cli = Cli(session.store.home)
        shown = cli("decision-notice", case["id"])  # the plain text, on the terminal
        assert shown.code == 0, shown.stderr
        assert RIGHTS in shown.stdout and f"经办人：{CLERK}" in shown.stdout
        village = tmp_path / "village.pdf"
        ran = cli("decision-notice", case["id"], "--pdf", str(village))
        assert ran.code == 0, ran.stderr
        assert ran.stdout.strip() == t_in("zh", "pdf.saved", path=village)
        assert decided_lines(village) == decided_lines(center_pdf)
        assert squash(RIGHTS) in "".join(page_lines(village))
        assert audit_rows(session.store.home)[-1] == (AGENT, "notice.printed", case["id"], "cli")

    def test_before_the_decision_arrives_the_village_is_told_to_sync(
        self, case: dict[str, Any], session: Session, tmp_path: Path
    ) -> None:
        _decide(case, "completed")  # decided at the township, not yet synced down
        before = table_counts(session.store.home)
        ran = Cli(session.store.home)("decision-notice", case["id"], "--pdf",
                                      str(tmp_path / "n.pdf"))
        assert ran.code == 1
        assert t_in("zh", "notice.not_arrived", id=case["id"]) in ran.stderr
        assert not (tmp_path / "n.pdf").exists()
        after = table_counts(session.store.home)
        assert after["events"] == before["events"]

    @pytest.mark.anyio
    async def test_the_app_offers_the_notice_and_prints_the_centers_lines(
        self, case: dict[str, Any], session: Session, center_pdf: Path, tmp_path: Path,
        font: CjkFont, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("PATH", str(tmp_path / "no-printer"))  # no lp, no viewer: saved only
        monkeypatch.setenv("VILLAGE_AGENT_FONT", f"{font.regular.path}#{font.regular.index}")
        out = tmp_path / "export"
        out.mkdir()
        app = village_app(session.store.home, export_dir=out)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, case["id"])
            assert t_in("zh", "notice.print") in screen_text(app)  # offered in the footer
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, PrintoutScreen)
            assert "不予受理通知书" in screen_text(app)
            await pilot.press("p")
            await settle(pilot)
        [saved] = list(out.iterdir())
        assert saved.name == f"不予受理通知书-{case['id']}-{TODAY.isoformat()}.pdf"
        assert decided_lines(saved) == decided_lines(center_pdf)
        assert audit_rows(session.store.home)[-1] == (AGENT, "notice.printed", case["id"], "app")

    @pytest.mark.anyio
    async def test_an_open_case_offers_no_notice(
        self, case: dict[str, Any], session: Session
    ) -> None:
        app = village_app(session.store.home)
        async with app.run_test(size=SIZE) as pilot:
            await open_case(pilot, case["id"])
            assert t_in("zh", "notice.print") not in screen_text(app)
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
