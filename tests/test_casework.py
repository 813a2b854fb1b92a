"""Casework after intake, without the app: correction requests that name what to fix, delivery, rating.

Real stores, a real township center on loopback, the real `village-agent` and
`service-center` commands in subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from forms.errors import ValidationFailed
from storage.errors import InvalidRequest
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.corrections import Reason, open_request, parse_reasons
from sync.node import Node
from tests.conftest import ROOT, TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.helpers import table_counts
from tests.sync_helpers import CLERK, CLERK_PIN, statuses
from village_agent import intake, printing
from village_agent.i18n import t


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


NEW_BANK = "资兴农商银行兴宁支行"


def _enroll(session: Session, township: tuple[Node, str]) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))


def _apply(session: Session, catalog: Catalog, code: str = "MZ-GLJT") -> str:
    data = example(catalog.get(code))
    return intake.take(session, catalog, session.calendar(), code, data,
                       today=TODAY).application_ids[0]


def _sync(session: Session) -> None:
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report


def _event(session: Session, app_id: str, kind: str) -> Any:
    _, events = session.show(app_id)
    found = [e for e in events if e.type == kind]
    assert found, f"no {kind} event on {app_id}"
    return found[-1]


def _asked_to_correct(session: Session, township: tuple[Node, str], catalog: Catalog,
                      reasons: list[Any]) -> str:
    """An application taken in, synced, and sent back by the township with these reasons."""
    _enroll(session, township)
    app_id = _apply(session, catalog)
    _sync(session)
    node, _ = township
    ingest.decide(node, app_id, "correction_requested", {"reasons": reasons})
    _sync(session)
    assert statuses(session)[app_id] == "correction_requested"
    return app_id


def _completed(session: Session, township: tuple[Node, str], catalog: Catalog) -> str:
    _enroll(session, township)
    app_id = _apply(session, catalog)
    _sync(session)
    node, _ = township
    ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元，次月起发放"})
    _sync(session)
    assert statuses(session)[app_id] == "completed"
    return app_id


class TestCorrectionRequests:
    def test_named_reasons_travel_to_the_village_beside_plain_ones(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        app_id = _asked_to_correct(session, township, catalog, [
            {"field": "bank_name", "text": "开户行名称与银行卡不符"},
            {"material": "bank_card", "text": "银行卡照片不清晰，请重新拍照"},
            "请本人或监护人签字",
        ])
        _, events = session.show(app_id)
        assert open_request(events) == [
            Reason("开户行名称与银行卡不符", field="bank_name"),
            Reason("银行卡照片不清晰，请重新拍照", material="bank_card"),
            Reason("请本人或监护人签字"),
        ]
        line = printing.event_zh("correction_requested", _event(session, app_id,
                                 "correction_requested").payload, catalog.get("MZ-GLJT"))
        assert "【开户银行】开户行名称与银行卡不符" in line
        assert "【社保卡或本人银行卡】银行卡照片不清晰" in line
        assert line.endswith("；请本人或监护人签字")

    def test_the_village_changes_the_named_field_and_the_township_receives_it_again(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        app_id = _asked_to_correct(session, township, catalog,
                                   [{"field": "bank_name", "text": "开户行名称与银行卡不符"}])
        data = intake.current_data(session.show(app_id)[1])
        before = json.loads(json.dumps(data))
        data["fields"]["bank_name"] = NEW_BANK
        intake.correct(session, catalog, app_id, data, today=TODAY)
        assert statuses(session)[app_id] == "submitted"

        corrected = _event(session, app_id, "corrected").payload
        assert corrected["fields"]["bank_name"] == NEW_BANK
        assert {k: v for k, v in corrected["fields"].items() if k != "bank_name"} == {
            k: v for k, v in before["fields"].items() if k != "bank_name"}
        assert corrected["materials"] == before["materials"]
        assert session.find_applicant(before["applicant"]["id_number"])["fields"]["bank_name"] == (
            NEW_BANK)  # the next form prefills the corrected answer

        _sync(session)
        node, _ = township
        assert statuses(node.session)[app_id] == "received"
        assert _event(node.session, app_id, "corrected").payload["fields"]["bank_name"] == NEW_BANK

    def test_a_change_the_request_did_not_name_is_refused_and_nothing_is_stored(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        app_id = _asked_to_correct(session, township, catalog,
                                   [{"field": "bank_name", "text": "开户行名称与银行卡不符"}])
        data = intake.current_data(session.show(app_id)[1])
        data["fields"]["bank_name"] = NEW_BANK
        data["fields"]["household_address"] = "湖南省资兴市兴宁镇石鼓村5组2号"
        data["applicant"]["phone"] = "13900001111"
        counts = table_counts(home)
        with pytest.raises(ValidationFailed) as refused:
            intake.correct(session, catalog, app_id, data, today=TODAY)
        assert {i.path for i in refused.value.issues} == {
            "fields.household_address", "applicant.phone"}
        assert t("correct.not_asked", what="户籍地址") in [i.message for i in refused.value.issues]
        assert table_counts(home) == counts
        assert statuses(session)[app_id] == "correction_requested"

    def test_a_field_the_named_change_makes_necessary_may_be_filled_in(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        app_id = _asked_to_correct(session, township, catalog,
                                   [{"field": "living_status", "text": "老人已入住敬老院"}])
        data = intake.current_data(session.show(app_id)[1])
        data["fields"]["living_status"] = "入住养老机构"
        with pytest.raises(ValidationFailed) as missing:  # now the institution is required
            intake.correct(session, catalog, app_id, data, today=TODAY)
        assert [i.path for i in missing.value.issues] == ["fields.institution_name"]
        data["fields"]["institution_name"] = "兴宁镇敬老院"
        intake.correct(session, catalog, app_id, data, today=TODAY)
        assert _event(session, app_id, "corrected").payload["fields"]["institution_name"] == (
            "兴宁镇敬老院")

    def test_plain_reasons_leave_the_whole_application_open(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        app_id = _asked_to_correct(session, township, catalog, ["户口簿缺本人页"])
        data = intake.current_data(session.show(app_id)[1])
        data["fields"]["household_address"] = "湖南省资兴市兴宁镇石鼓村5组2号"
        intake.correct(session, catalog, app_id, data, today=TODAY)
        assert _event(session, app_id, "corrected").payload["fields"]["household_address"] == (
            "湖南省资兴市兴宁镇石鼓村5组2号")

    def test_a_new_scan_for_a_named_material_is_kept_and_sent(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        from tests.helpers import scan

        app_id = _asked_to_correct(session, township, catalog,
                                   [{"material": "bank_card", "text": "银行卡照片不清晰"}])
        data = intake.current_data(session.show(app_id)[1])
        with pytest.raises(ValidationFailed) as other:  # a scan of something not asked for
            intake.correct(session, catalog, app_id, data, [scan("photo")], today=TODAY)
        assert [i.path for i in other.value.issues] == ["attachments.photo"]
        intake.correct(session, catalog, app_id, data, [scan("bank_card", "卡.jpg")], today=TODAY)
        corrected = _event(session, app_id, "corrected").payload
        assert [a["label"] for a in corrected["attachments"]] == ["bank_card"]
        _sync(session)
        _sync(session)  # the scan's chunks go after the event
        node, _ = township
        with node.session.store.database.read() as db:
            labels = {r[0] for r in db.execute(
                "SELECT label FROM application_attachments WHERE application_id = ?", [app_id])}
        assert "bank_card" in labels

    def test_the_center_refuses_a_reason_naming_what_the_item_does_not_have(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        _enroll(session, township)
        app_id = _apply(session, catalog)
        _sync(session)
        node, _ = township
        center_home = node.session.store.home
        before = table_counts(center_home)
        for reasons in ([{"field": "no_such_field", "text": "有误"}],
                        [{"material": "marriage_certificate", "text": "缺"}],
                        [{"field": "bank_name", "text": "  "}],
                        [{"field": "bank_name", "text": "有误", "extra": "x"}]):
            with pytest.raises(ingest.DecisionError) as refused:
                ingest.decide(node, app_id, "correction_requested", {"reasons": reasons})
            assert "补正理由" in refused.value.zh
        assert table_counts(center_home) == before
        assert statuses(node.session)[app_id] == "received"


class TestDeliveryAndRating:
    def test_result_handed_over_and_rated_reaches_the_township(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        app_id = _completed(session, township, catalog)
        intake.deliver(session, app_id, how="family", to_whom="李小红", note="女儿代领")
        assert statuses(session)[app_id] == "delivered"
        intake.rate(session, app_id, intake.check_rating(4, ["overdue"], "办理时间太长"))
        assert statuses(session)[app_id] == "rated"
        delivered = _event(session, app_id, "delivered").payload
        assert (delivered["how"], delivered["to_whom"], delivered["outcome"]) == (
            "family", "李小红", "completed")
        rated = _event(session, app_id, "rated").payload
        assert (rated["rating"], rated["reasons"], rated["note"]) == (4, ["overdue"], "办理时间太长")

        _sync(session)
        node, _ = township
        assert statuses(node.session)[app_id] == "rated"
        assert _event(node.session, app_id, "rated").payload["note"] == "办理时间太长"
        assert _event(node.session, app_id, "delivered").payload["to_whom"] == "李小红"

        summary, events = session.show(app_id)
        text = printing.receipt(summary, events, catalog.item("MZ-GLJT"), session.store.info)
        assert "办理结果：核定高龄津贴每月100元，次月起发放" in text
        assert "家属代领，领取人李小红" in text and "不满意（超时；办理时间太长）" in text

    def test_a_rejection_notice_is_handed_over_too(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        _enroll(session, township)
        app_id = _apply(session, catalog)
        _sync(session)
        node, _ = township
        ingest.decide(node, app_id, "rejected", {"reason": "户籍不在本县"})
        _sync(session)
        intake.deliver(session, app_id)
        intake.rate(session, app_id, intake.check_rating(2))
        assert statuses(session)[app_id] == "rated"
        assert _event(session, app_id, "delivered").payload["outcome"] == "rejected"

    def test_refusals_change_nothing(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        early = _apply(session, catalog)
        done = _completed(session, township, catalog)

        def refused(call: Any, message: str) -> None:
            counts = table_counts(home)
            with pytest.raises(InvalidRequest) as exc:
                call()
            assert exc.value.zh == message
            assert table_counts(home) == counts

        assert statuses(session)[early] == "received"  # it went up with the other
        refused(lambda: intake.deliver(session, early),
                t("deliver.not_ready", id=early, status="乡镇已接收"))
        refused(lambda: intake.rate(session, done, intake.Rating(1)),
                t("rate.not_delivered", id=done, status="已办结"))
        refused(lambda: intake.deliver(session, done, how="family"), t("deliver.need_receiver"))
        intake.deliver(session, done)
        refused(lambda: intake.deliver(session, done), t("deliver.already", id=done, status="已送达"))
        refused(lambda: intake.rate(session, done, intake.Rating(5, (), "  ")),
                t("rate.reason_required"))
        intake.rate(session, done, intake.check_rating(1, ["fast"]))
        refused(lambda: intake.rate(session, done, intake.Rating(4, (), "又不满意了")),
                t("rate.already", id=done))
        refused(lambda: intake.deliver(session, done), t("deliver.already", id=done, status="已评价"))
        _, events = session.show(done)
        assert [e.type for e in events].count("delivered") == 1
        assert [e.type for e in events].count("rated") == 1


class TestCommandLine:
    def test_deliver_and_rate_from_the_command_line_with_json(
        self, cli: Cli, session: Session, catalog: Catalog
    ) -> None:
        app_id = _apply(session, catalog)
        session.add_event(app_id, "accepted", {})
        session.add_event(app_id, "completed", {"result": "核定高龄津贴每月100元"})

        early = cli("rate", app_id, "2", "--json")
        assert early.code == 1 and early.json()["ok"] is False
        assert early.json()["message"] == t("rate.not_delivered", id=app_id, status="已办结")

        done = cli("deliver", app_id, "--note", "本人来村部领取", "--json")
        assert done.code == 0, done.stderr
        assert done.json() == {"ok": True, "id": app_id, "seq": done.json()["seq"],
                               "status": "delivered", "how": "in_person"}
        again = cli("deliver", app_id, "--json")
        assert again.code == 1 and again.json()["message"] == t(
            "deliver.already", id=app_id, status="已送达")

        bad = cli("rate", app_id, "4", "--json")
        assert bad.code == 1 and bad.json()["message"] == t("rate.reason_required")
        nonsense = cli("rate", app_id, "9", "--json")
        assert nonsense.code == 1 and nonsense.json()["message"] == t("rate.bad_level", level="9")
        rated = cli("rate", app_id, "4", "--reason", "多次跑动", "--json")
        assert rated.code == 0, rated.stderr
        assert rated.json()["rating"] == 4 and rated.json()["status"] == "rated"

        _, events = session.show(app_id)
        assert [e.type for e in events][-2:] == ["delivered", "rated"]
        assert events[-2].payload["note"] == "本人来村部领取"
        assert events[-1].payload == {"rating": 4, "reasons": ["trips"], "note": "",
                                      "rated_on": events[-1].payload["rated_on"]}
        shown = cli("show", app_id)
        assert "已送达（本人领取）" in shown.stdout and "已评价：不满意（多次跑动）" in shown.stdout

    def test_center_command_names_fields_and_materials_and_refuses_unknown_ones(
        self, session: Session, township: tuple[Node, str], catalog: Catalog
    ) -> None:
        _enroll(session, township)
        app_id = _apply(session, catalog)
        _sync(session)
        node, _ = township
        env = {**os.environ, "VILLAGE_AGENT_HOME": str(node.session.store.home),
               "VILLAGE_AGENT_PIN": CLERK_PIN, "VILLAGE_AGENT_OPERATOR": CLERK,
               "VILLAGE_AGENT_TEST_KDF": "1", "VILLAGE_AGENT_LANG": "zh",
               "PYTHONIOENCODING": "utf-8"}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "center.cli", "--json",
                                   "request-correction", app_id, *args],
                                  capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

        unknown = run("--field", "spouse_name=配偶姓名有误")
        assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
        assert "spouse_name" in json.loads(unknown.stdout)["message"]
        malformed = run("--field", "bank_name")
        assert malformed.returncode == 1
        assert json.loads(malformed.stdout)["message"] == t(
            "center.reason_format", option="field", value="bank_name")
        assert statuses(node.session)[app_id] == "received"  # neither wrote anything

        ok = run("--reason", "请本人签字", "--field", "bank_name=开户行有误",
                 "--material", "bank_card=照片不清晰", "--field", "applicant.phone=电话打不通")
        assert ok.returncode == 0, ok.stdout + ok.stderr
        request = _event(node.session, app_id, "correction_requested").payload
        assert parse_reasons(request["reasons"]) == [
            Reason("请本人签字"), Reason("开户行有误", field="bank_name"),
            Reason("照片不清晰", material="bank_card"),
            Reason("电话打不通", field="applicant.phone")]
        assert request["reasons"][0] == "请本人签字"  # plain reasons keep the first format
