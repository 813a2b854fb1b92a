"""Verifiable receipts: every paper of a case carries a code its device signed, checked at both ends.

The code itself (pure, with hypothesis): it round-trips, stays scannable, reads back from its
typed-in form, and any one mistyped character is said to be mistyped, never taken for forgery.
Then real stores: the village prints a receipt with `village-agent receipt` and checks it with
`village-agent check-receipt` (subprocesses); a township served on loopback with the village
enrolled checks it with `service-center check-receipt` and on its console page over real HTTP,
against the case it holds. A changed digit, another village's key and a malformed text fail.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from center.enroll import issue_code
from forms.catalog import Catalog
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import receipts
from sync.client import enroll_online, sync_once
from sync.keys import DeviceKeys
from sync.node import Node
from sync.paper.decisions import read_notice
from sync.paper.fonts import find_cjk_font
from sync.receipts import Issuer, ReceiptCodeError, Signed, Statement
from tests.conftest import TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.helpers import db_path, template_data
from tests.test_center_show import center_cli
from tests.test_console import _token, log_in
from village_agent import intake, printing

ITEM = "MZ-GLJT"  # 高龄津贴申领, decided by the township
DEVICE = "5eedc0de00000001"
KEYS = DeviceKeys.from_private_bytes(DEVICE, bytes(range(32)), bytes(range(32, 64)))
HERE = {DEVICE: Issuer(DEVICE, KEYS.public.sign_public, "village", VILLAGE_CODE, ours=True)}
STATEMENT = Statement("receipt", "20261123-5EEDC0-00012", ITEM, TODAY, date(2026, 12, 14), DEVICE)


def outcome(text: str, issuers: dict[str, Issuer] = HERE) -> str:
    """What a check says of `text`: genuine, forged, unknown_issuer, or the refusal's key."""
    try:
        return receipts.verify(text, issuers).outcome
    except ReceiptCodeError as exc:
        return "refused: " + str(exc)


def recoded(code: str, **changes: Any) -> str:
    """The code with the statement changed and the signature kept: what a forger types in."""
    signed = receipts.decode(code)
    return receipts.encode(Signed(replace(signed.statement, **changes), signed.signature))


def code_of(text: str) -> str:
    """The verification code as printed under its caption (核验码：, then its grouped lines)."""
    lines = text.splitlines()
    start = lines.index("  核验码：") + 1
    return "".join(line.strip() for line in lines[start:] if line.strip()).replace(" ", "")


# ------------------------------------------------------------------ the code --

numbers = st.one_of(
    st.builds(lambda d, tag, seq: f"{d:%Y%m%d}-{tag}-{seq:05d}",
              st.just(TODAY), st.sampled_from(["5EEDC0", "A1B2C3"]), st.integers(0, 999_999)),
    st.from_regex(r"[0-9A-Za-z-]{1,40}", fullmatch=True))
days = st.dates(date(2000, 1, 2), date(2099, 12, 31))
statements = st.builds(
    Statement, kind=st.sampled_from(receipts.KINDS), application_id=numbers,
    item_code=st.from_regex(r"[A-Z]{2}-[A-Z]{2,10}", fullmatch=True), intake=days,
    due=st.one_of(st.none(), days), device_id=st.just(DEVICE))


class TestCode:
    @given(statements)
    def test_a_signed_statement_reads_back_whole_and_verifies(self, statement: Statement) -> None:
        code = receipts.sign(statement, KEYS)
        assert receipts.decode(code).statement == statement
        assert receipts.verify(code, HERE).outcome == "genuine"

    @given(statements, st.data())
    def test_any_one_mistyped_character_is_said_to_be_mistyped(self, statement: Statement,
                                                             data: st.DataObject) -> None:
        code = receipts.sign(statement, KEYS)
        at = data.draw(st.integers(len(receipts.PREFIX), len(code) - 1))
        typed = data.draw(st.sampled_from(receipts.ALPHABET).filter(lambda c: c != code[at]))
        with pytest.raises(ReceiptCodeError) as refused:
            receipts.decode(code[:at] + typed + code[at + 1:])
        assert "输错" in refused.value.zh

    def test_a_usual_receipt_code_is_short_and_a_small_alphanumeric_qr_code(self) -> None:
        code = receipts.sign(STATEMENT, KEYS)
        assert code.startswith("VR1.") and len(code) <= 150
        symbol = segno.make_qr(code, error="m")
        assert symbol.mode == "alphanumeric" and symbol.version == 6  # 41 modules: 41 mm

    def test_the_typed_in_form_verifies_however_the_clerk_types_it(self) -> None:
        code = receipts.sign(STATEMENT, KEYS)
        lines = receipts.grouped(code)
        assert all(len(g) == 4 for g in " ".join(lines).split()[1:-1])
        sloppy = "\n".join(lines).lower().replace("0", "o").replace("1", "l")
        full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in sloppy)
        assert outcome(sloppy) == outcome(full_width) == "genuine"

    @pytest.mark.parametrize("change", [
        {"due": date(2026, 12, 24)},  # one digit of the promised day
        {"application_id": "20261123-5EEDC0-00013"},  # one digit of the number
        {"intake": TODAY - timedelta(days=1)},
        {"kind": "completed"},
    ], ids=["due", "number", "intake", "kind"])
    def test_a_statement_changed_in_one_digit_does_not_match_the_signature(
        self, change: dict[str, Any]
    ) -> None:
        code = receipts.sign(STATEMENT, KEYS)
        assert outcome(recoded(code, **change)) == "forged"
        assert outcome(code) == "genuine"

    def test_a_code_signed_by_another_key_fails(self) -> None:
        impostor = DeviceKeys.generate(DEVICE)  # another village's PC claiming this device
        assert outcome(receipts.sign(STATEMENT, impostor)) == "forged"
        stranger = DeviceKeys.generate("0123456789abcdef")
        assert outcome(receipts.sign(replace(STATEMENT, device_id=stranger.device_id),
                                     stranger)) == "unknown_issuer"

    @pytest.mark.parametrize(("text", "said"), [
        ("", "请输入或扫描"),
        ("20261123-5EEDC0-00012", "这不是回执核验码"),
        ("VR2.ABCD", "版本 VR2"),
        ("VR1.ABCD!EF", "不该出现的字符：!"),
        ("VR1.ABCDU", "不该出现的字符：U"),
    ])
    def test_a_text_that_is_no_code_gets_a_clear_chinese_reason(self, text: str, said: str) -> None:
        with pytest.raises(ReceiptCodeError) as refused:
            receipts.decode(text)
        assert said in refused.value.zh and str(refused.value)  # and English beside it

    def test_a_code_cut_short_is_refused_not_checked(self) -> None:
        code = receipts.sign(STATEMENT, KEYS)
        body = code[4:-20]
        assert outcome("VR1." + body + receipts.luhn(body)).startswith("refused: ")


# ------------------------------------------------------------ at the village --

def _take(session: Session, catalog: Catalog) -> str:
    return intake.take(session, catalog, session.calendar(), ITEM, template_data(catalog, ITEM),
                       today=TODAY).application_ids[0]


class TestAtTheVillage:
    def test_the_printed_receipt_verifies_here_and_a_changed_digit_does_not(
        self, cli: Cli, session: Session, catalog: Catalog
    ) -> None:
        app_id = _take(session, catalog)
        printed = cli("receipt", app_id)
        assert printed.code == 0, printed.stderr
        code = code_of(printed.stdout)
        assert receipts.decode(code).statement.application_id == app_id

        typed = printed.stdout.splitlines()[printed.stdout.splitlines().index("  核验码：") + 1:]
        genuine = cli("check-receipt", *" ".join(typed).split())  # typed group by group
        assert genuine.code == 0, genuine.stderr
        assert genuine.stdout.startswith("真实：本服务点") and app_id in genuine.stdout

        due = receipts.decode(code).statement.due
        assert due is not None
        forged = cli("check-receipt", recoded(code, due=due + timedelta(days=10)))
        assert forged.code == 4 and forged.stdout.startswith("不符")

        slip = code[:30] + ("2" if code[30] != "2" else "3") + code[31:]
        mistyped = cli("check-receipt", slip)
        assert mistyped.code == 1 and "输错" in mistyped.stderr and "Traceback" not in mistyped.stderr

    def test_a_receipt_from_another_village_is_not_this_points(
        self, cli: Cli, store: Store, tmp_path: Path
    ) -> None:
        other = Store.create(tmp_path / "other", village_code="430481101202", village_name="邻村",
                             operator_name="赵敏", pin="620815", kdf=TEST_KDF)
        theirs = receipts.sign(replace(STATEMENT, device_id=other.info.device_id),
                               Node.of(other.login("赵敏", "620815")).keys)
        other.close()
        said = cli("check-receipt", theirs, "--json")
        assert said.code == 4
        assert said.json()["outcome"] == "unknown_issuer"
        assert said.json()["text"].startswith("不是本服务点开具")

    def test_the_receipt_in_the_pdf_carries_the_qr_code_of_its_code_and_the_code_to_type(
        self, session: Session, catalog: Catalog, tmp_path: Path
    ) -> None:
        app_id = _take(session, catalog)
        summary, events = session.show(app_id)
        doc = receipts.vouch(session, printing.receipt_document(
            summary, events, catalog.item(ITEM), session.store.info), summary, events)
        [qr] = [line for line in doc.lines if line.kind == "qr"]
        assert receipts.check(session.store, qr.data).verdict.outcome == "genuine"
        assert code_of(doc.text()) == qr.data

        from sync.paper import pdf
        from tests.test_decision_notices import drawn_matrix
        from tests.test_printing_pdf import pages_text

        font = find_cjk_font()
        expected = [[bool(m) for m in row] for row in segno.make_qr(qr.data, error="m").matrix]
        assert drawn_matrix(doc, font) == expected
        [page] = pages_text(pdf.write_pdf([doc], tmp_path / "receipt.pdf", font=font))
        assert "".join(receipts.grouped(qr.data)).replace(" ", "") in page  # typed form printed


# ------------------------------------------------------------ at the township --

@pytest.fixture
def case(session: Session, township: tuple[Node, str], catalog: Catalog) -> dict[str, Any]:
    """A 高龄津贴 application taken in at an enrolled village and synced to the township."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), ITEM, example(catalog.get(ITEM)),
                         today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session, force=True).ok
    summary, events = session.show(app_id)
    doc = receipts.vouch(session, printing.receipt_document(
        summary, events, catalog.item(ITEM), session.store.info), summary, events)
    [qr] = [line for line in doc.lines if line.kind == "qr"]
    return {"id": app_id, "node": node, "url": url, "code": qr.data, "village": session}


def _audited(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path(home)) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT action, target FROM audit WHERE action = 'receipt.checked'")]


class TestAtTheTownship:
    def test_a_genuine_receipt_names_its_village_and_matches_the_case_held(
        self, case: dict[str, Any]
    ) -> None:
        node = case["node"]
        checked = receipts.check(node.session.store, case["code"], node.session)
        assert checked.verdict.outcome == "genuine"
        assert checked.verdict.issuer is not None
        assert (checked.verdict.issuer.role, checked.verdict.issuer.code) == ("village", VILLAGE_CODE)
        assert checked.case is not None and checked.case.agrees, checked.case

        home = node.session.store.home
        said = center_cli(home, "check-receipt", case["code"])
        assert said.code == 0, said.stderr
        assert said.stdout.startswith(f"真实：村代办点 {VILLAGE_CODE}")
        assert "与本处所存办件一致" in said.stdout
        assert (("receipt.checked", case["id"]) in _audited(home))

    def test_a_changed_digit_and_another_villages_key_fail_at_the_township(
        self, case: dict[str, Any], tmp_path: Path
    ) -> None:
        node, code = case["node"], case["code"]
        statement = receipts.decode(code).statement
        forged = center_cli(node.session.store.home, "check-receipt",
                            recoded(code, intake=statement.intake + timedelta(days=1)))
        assert forged.code == 4 and forged.stdout.startswith("不符")

        other = Store.create(tmp_path / "other", village_code="430481101202", village_name="邻村",
                             operator_name="赵敏", pin="620815", kdf=TEST_KDF)
        theirs = Node.of(other.login("赵敏", "620815")).keys
        other.close()
        unknown = receipts.sign(replace(statement, device_id=theirs.device_id), theirs)
        said = center_cli(node.session.store.home, "check-receipt", unknown)
        assert said.code == 4 and said.stdout.startswith("不是本中心登记的服务点开具")
        # ...and the other village's key under the enrolled village's device id does not pass
        impostor = DeviceKeys.from_private_bytes(statement.device_id, *theirs.private_bytes())
        assert receipts.check(node.session.store, receipts.sign(statement, impostor)
                              ).verdict.outcome == "forged"

    def test_a_genuine_receipt_of_a_case_not_yet_arrived_says_so(
        self, case: dict[str, Any], catalog: Catalog
    ) -> None:
        village: Session = case["village"]
        later = _take(village, catalog)  # not synced
        summary, events = village.show(later)
        doc = receipts.vouch(village, printing.receipt_document(
            summary, events, catalog.item(ITEM), village.store.info), summary, events)
        [qr] = [line for line in doc.lines if line.kind == "qr"]
        node = case["node"]
        checked = receipts.check(node.session.store, qr.data, node.session)
        assert checked.verdict.outcome == "genuine"
        assert checked.case is not None and not checked.case.found

    def test_the_decision_notice_the_township_prints_is_signed_by_the_township(
        self, case: dict[str, Any]
    ) -> None:
        from center import ingest

        node, village = case["node"], case["village"]
        ingest.decide(node, case["id"], "accepted", {})
        ingest.decide(node, case["id"], "completed", {"result": "每月100元"})
        doc = receipts.vouch(node.session, read_notice(node.session, case["id"], lang="zh"))
        [qr] = [line for line in doc.lines if line.kind == "qr"]
        assert "办件编号" in qr.text and case["id"] in qr.text
        here = receipts.check(node.session.store, qr.data, node.session)
        assert here.verdict.outcome == "genuine" and here.verdict.issuer is not None
        assert here.verdict.issuer.ours and here.verdict.statement.kind == "completed"
        assert here.case is not None and here.case.agrees
        # the village trusts its township's key too
        assert receipts.check(village.store, qr.data).verdict.outcome == "genuine"


    def test_a_genuine_signature_on_a_false_paper_does_not_pass(
        self, case: dict[str, Any]
    ) -> None:
        """The village's key signs a 办结通知书 for a case its township rejected: the signature
        verifies, the paper does not fit the case, and the check says no (exit 4)."""
        from center import ingest

        node, village = case["node"], case["village"]
        ingest.decide(node, case["id"], "rejected", {"reason": "不符合高龄津贴申领年龄"})
        statement = receipts.decode(case["code"]).statement
        false_paper = receipts.sign(replace(statement, kind="completed"),
                                    Node.of(village).keys)
        checked = receipts.check(node.session.store, false_paper, node.session)
        assert checked.verdict.outcome == "genuine" and checked.case is not None
        assert [f.name for f in checked.case.fields if not f.same] == ["kind"]
        assert not checked.trusted
        said = center_cli(node.session.store.home, "--json", "check-receipt", false_paper)
        assert said.code == 4 and said.json()["genuine"] is False
        # the same village's true paper of the rejection passes
        true_paper = receipts.sign(replace(statement, kind="rejected"), Node.of(village).keys)
        assert receipts.check(node.session.store, true_paper, node.session).trusted


    def test_a_code_of_a_revoked_device_is_flagged_and_not_passed(self, case: dict[str, Any]) -> None:
        from center.revocation import revoke

        node = case["node"]
        issuer = receipts.decode(case["code"]).statement.device_id
        assert receipts.check(node.session.store, case["code"], node.session).trusted
        revoke(node, issuer)  # the PC was stolen: whoever holds its key can still sign
        checked = receipts.check(node.session.store, case["code"], node.session)
        assert checked.verdict.outcome == "genuine" and checked.verdict.issuer is not None
        assert checked.verdict.issuer.revoked and not checked.trusted
        said = center_cli(node.session.store.home, "check-receipt", case["code"])
        assert said.code == 4, said.stdout


class TestConsole:
    def test_a_clerk_checks_a_receipt_on_the_console_page(self, case: dict[str, Any]) -> None:
        with httpx.Client(base_url=case["url"], timeout=30) as anonymous:
            away = anonymous.get("/console/check")
            assert away.status_code in (302, 303) and "/console/login" in away.headers["location"]
            assert anonymous.post("/console/check", data={"code": case["code"]}).status_code in (
                302, 303, 403)
        with log_in(case["url"]) as client:
            form = client.get("/console/check")
            assert form.status_code == 200 and "核验回执" in form.text
            csrf = _token(form.text, "csrf")
            refused = client.post("/console/check", data={"code": case["code"]})
            assert refused.status_code == 403  # no CSRF token: nothing checked
            assert _audited(case["node"].session.store.home) == []

            grouped = " ".join(receipts.grouped(case["code"]))  # as typed from the paper
            page = client.post("/console/check", data={"code": grouped, "csrf": csrf})
            assert page.status_code == 200
            assert 'data-outcome="genuine"' in page.text
            assert f"村代办点 {VILLAGE_CODE}" in page.text
            assert "与本处所存办件一致" in page.text and case["id"] in page.text
            assert f'href="/console/case/{case["id"]}"' in page.text

            statement = receipts.decode(case["code"]).statement
            assert statement.due is not None
            forged = client.post("/console/check", data={
                "code": recoded(case["code"], due=statement.due + timedelta(days=30)), "csrf": csrf})
            assert forged.status_code == 200 and 'data-outcome="forged"' in forged.text
            assert "不符" in forged.text and "与本处所存办件一致" not in forged.text

            junk = client.post("/console/check", data={"code": "你好", "csrf": csrf})
            assert junk.status_code == 400 and "这不是回执核验码" in junk.text
            assert "data-outcome" not in junk.text
        assert len(_audited(case["node"].session.store.home)) == 2  # the two codes checked

    def test_the_page_speaks_english_to_an_english_clerk(self, case: dict[str, Any]) -> None:
        with log_in(case["url"]) as client:
            form = client.get("/console/check")
            client.post("/console/lang", data={"csrf": _token(form.text, "csrf"), "lang": "en",
                                               "back": "/console/check"})
            page = client.get("/console/check")
            answer = client.post("/console/check", data={"code": case["code"],
                                                         "csrf": _token(page.text, "csrf")})
            assert re.search(r"Genuine: issued by village point \d{12}", answer.text)
