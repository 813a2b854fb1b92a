"""Casework in the app: a correction request answered in the form, the result handed over and rated.

The township is a real center on loopback; every test asserts on what the village store holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, RadioButton, SelectionList

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.app_helpers import SIZE, enter_text, field, log_in, settle, text_of, village_app
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.helpers import table_counts
from tests.sync_helpers import statuses
from village_agent import intake
from village_agent.app.applications import ApplicationsScreen, DetailScreen
from village_agent.app.base import ConfirmScreen, MessageScreen
from village_agent.app.casework import CorrectionScreen, DeliverScreen, RatingScreen
from village_agent.app.home import HomeScreen
from village_agent.i18n import status_text, t

pytestmark = pytest.mark.anyio

NEW_BANK = "资兴农商银行兴宁支行"
RESULT = "核定高龄津贴每月100元，次月起发放"


def _sync(session: Session) -> None:
    report = sync_once(session.store, session=session, force=True)
    assert report.ok, report


def _taken_in_and_synced(session: Session, township: tuple[Node, str], catalog: Catalog) -> str:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    data = example(catalog.get("MZ-GLJT"))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                         today=TODAY).application_ids[0]
    _sync(session)
    return app_id


def _events(session: Session, app_id: str, kind: str) -> list[Any]:
    return [e for e in session.show(app_id)[1] if e.type == kind]


async def _open_detail(pilot: Pilot[Any], app_id: str, key: str = "a") -> DetailScreen:
    """From home, by `key` (a: every case; c: the correction requests), Enter on the case."""
    await pilot.press(key)
    await settle(pilot)
    listing = pilot.app.screen
    assert isinstance(listing, ApplicationsScreen)
    table = listing.query_one("#list-table", DataTable)
    rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
    table.focus()
    table.move_cursor(row=rows.index(app_id))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DetailScreen)
    return pilot.app.screen


class TestCorrection:
    async def test_agent_edits_only_the_named_field_and_the_case_goes_back_up(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        app_id = _taken_in_and_synced(session, township, catalog)
        other = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                            example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
        node, _ = township
        ingest.decide(node, app_id, "correction_requested", {"reasons": [
            {"field": "bank_name", "text": "开户行名称与银行卡不符"}, "请本人在申请表上签字"]})
        _sync(session)
        submitted = _events(session, app_id, "submitted")[0].payload

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert t("home.casework", correct=1, deliver=0, rate=0) in text_of(app, "#home-casework")
            await pilot.press("c")  # the correction requests, already filtered
            await settle(pilot)
            listing = app.screen
            assert isinstance(listing, ApplicationsScreen)
            table = listing.query_one("#list-table", DataTable)
            assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [app_id]
            assert other in {s.id for s in listing.summaries}  # there, but filtered out
            await pilot.press("escape")
            await settle(pilot)

            detail = await _open_detail(pilot, app_id, key="c")
            shown = text_of(app, "#detail-casework")
            assert "【开户银行】开户行名称与银行卡不符" in shown and "请本人在申请表上签字" in shown
            assert detail.check_action("correct", ()) and not detail.check_action("deliver", ())

            await pilot.press("c")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, CorrectionScreen)
            assert "开户行名称与银行卡不符" in text_of(app, "#correction-reasons-text")
            address = field(form, "household_address")
            assert address.disabled and address.raw() == submitted["fields"]["household_address"]
            address.control.focus()  # a read-only field cannot take the cursor, nor keys
            await pilot.press("x", "y")
            await pilot.pause()
            assert address.raw() == submitted["fields"]["household_address"]
            assert not field(form, "bank_name").disabled
            assert not form.check_action("pick_scan", ())  # no scan asked for: no ^o either

            # Blank where an answer is required: said in Chinese, nothing stored.
            counts = table_counts(home)
            await enter_text(pilot, "#f-bank_name .control", "")
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert app.screen is form
            assert "开户银行" in str(form.query_one("#f-bank_name .field-error").render())
            assert table_counts(home) == counts

            await enter_text(pilot, "#f-bank_name .control", NEW_BANK)
            await pilot.press("ctrl+r")
            await settle(pilot)
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            assert NEW_BANK in confirm.question and "户籍地址" not in confirm.question
            confirm.query_one("#confirm-yes", Button).press()
            await settle(pilot)
            assert isinstance(app.screen, MessageScreen)
            assert app.screen.body == t("correct.done", id=app_id)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is detail
            assert status_text("submitted") in text_of(app, "#detail-summary")
            assert not detail.check_action("correct", ())

        [corrected] = _events(session, app_id, "corrected")
        assert corrected.payload["fields"] == {**submitted["fields"], "bank_name": NEW_BANK}
        assert corrected.payload["applicant"] == submitted["applicant"]
        assert corrected.payload["materials"] == submitted["materials"]
        assert statuses(session)[app_id] == "submitted"
        _sync(session)
        assert statuses(node.session)[app_id] == "received"

    async def test_reasons_naming_nothing_leave_every_field_editable(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        app_id = _taken_in_and_synced(session, township, catalog)
        node, _ = township
        ingest.decide(node, app_id, "correction_requested", {"reasons": ["户口簿缺本人页"]})
        _sync(session)
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await _open_detail(pilot, app_id)
            await pilot.press("c")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, CorrectionScreen)
            assert t("correct.scope_open") in text_of(app, "#correction-reasons-text")
            assert not any(box.disabled for _, box in form.walk())
            await enter_text(pilot, "#f-household_address .control", "湖南省资兴市兴宁镇石鼓村5组2号")
            await pilot.press("escape")  # changed: asks before throwing the change away
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            app.screen.query_one("#confirm-yes", Button).press()
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
        assert _events(session, app_id, "corrected") == []
        assert session.drafts() == []  # a correction is never kept as a new-application draft


class TestHandOver:
    async def test_agent_delivers_the_result_and_records_a_bad_rating_with_its_reason(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        app_id = _taken_in_and_synced(session, township, catalog)
        node, _ = township
        ingest.decide(node, app_id, "accepted", {})
        ingest.decide(node, app_id, "completed", {"result": RESULT})
        _sync(session)

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            assert t("home.casework", correct=0, deliver=1, rate=0) in text_of(app, "#home-casework")
            detail = await _open_detail(pilot, app_id)
            assert f"办理结果：{RESULT}" in text_of(app, "#detail-casework")
            assert not detail.check_action("rate", ())
            await pilot.press("g")  # no rating before the hand-over: the key does nothing
            await settle(pilot)
            assert app.screen is detail

            await pilot.press("d")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, DeliverScreen)
            assert RESULT in str(dialog.query_one("#deliver-question").render())
            dialog.query_one("#how-family", RadioButton).value = True
            counts = table_counts(home)
            dialog.query_one("#deliver-ok", Button).press()
            await settle(pilot)
            assert app.screen is dialog  # a family member must be named
            assert str(dialog.query_one(".dialog-error").render()) == t("deliver.need_receiver")
            assert table_counts(home) == counts
            dialog.query_one("#deliver-to", Input).value = "李小红"
            dialog.query_one("#deliver-ok", Button).press()
            await settle(pilot)

            rating = app.screen
            assert isinstance(rating, RatingScreen)  # asked right after the hand-over
            assert statuses(session)[app_id] == "delivered"
            rating.query_one("#rate-5", RadioButton).value = True
            await pilot.pause()
            rating.query_one("#rate-ok", Button).press()
            await settle(pilot)
            assert str(rating.query_one(".dialog-error").render()) == t("rate.reason_required")
            assert _events(session, app_id, "rated") == []
            reasons = rating.query_one("#rate-reasons", SelectionList)
            assert reasons.get_option_at_index(0).value == "trips"  # the bad reasons for a bad level
            reasons.focus()
            reasons.highlighted = 1
            await pilot.press("space")
            await pilot.pause()
            assert reasons.selected == ["overdue"]
            rating.query_one("#rate-reason", Input).value = "办理时间太长"
            rating.query_one("#rate-ok", Button).press()
            await settle(pilot)
            assert app.screen is detail
            assert status_text("rated") in text_of(app, "#detail-summary")
            assert "非常不满意（超时；办理时间太长）" in text_of(app, "#detail-casework")
            assert t("followup.waiting") in text_of(app, "#detail-casework")

            await pilot.press("d")  # delivered already: the key is gone, nothing is recorded twice
            await settle(pilot)
            assert app.screen is detail and not detail.check_action("deliver", ())
            await pilot.press("escape", "escape")
            await settle(pilot)
            assert isinstance(app.screen, HomeScreen)
            assert t("home.casework", correct=0, deliver=0, rate=0) in text_of(app, "#home-casework")

        [delivered] = _events(session, app_id, "delivered")
        assert (delivered.payload["how"], delivered.payload["to_whom"]) == ("family", "李小红")
        [rated] = _events(session, app_id, "rated")
        assert (rated.payload["rating"], rated.payload["reasons"], rated.payload["note"]) == (
            5, ["overdue"], "办理时间太长")
        assert statuses(session)[app_id] == "rated"
        _sync(session)
        assert statuses(node.session)[app_id] == "rated"

    async def test_rating_put_off_is_collected_later_from_the_detail(
        self, session: Session, township: tuple[Node, str], catalog: Catalog, home: Path
    ) -> None:
        app_id = _taken_in_and_synced(session, township, catalog)
        node, _ = township
        ingest.decide(node, app_id, "rejected", {"reason": "户籍不在本县"})
        _sync(session)
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            detail = await _open_detail(pilot, app_id)
            assert "不予受理理由：户籍不在本县" in text_of(app, "#detail-casework")
            await pilot.press("d")
            await settle(pilot)
            app.screen.query_one("#deliver-ok", Button).press()
            await settle(pilot)
            assert isinstance(app.screen, RatingScreen)
            app.screen.query_one("#rate-later", Button).press()
            await settle(pilot)
            assert app.screen is detail and detail.check_action("rate", ())
            await pilot.press("escape", "escape")
            await settle(pilot)
            assert t("home.casework", correct=0, deliver=0, rate=1) in text_of(app, "#home-casework")
            detail = await _open_detail(pilot, app_id)
            await pilot.press("g")
            await settle(pilot)
            rating = app.screen
            assert isinstance(rating, RatingScreen)
            rating.query_one("#rate-2", RadioButton).value = True
            rating.query_one("#rate-ok", Button).press()
            await settle(pilot)
        [delivered] = _events(session, app_id, "delivered")
        assert delivered.payload["outcome"] == "rejected" and delivered.payload["how"] == "in_person"
        [rated] = _events(session, app_id, "rated")
        assert rated.payload == {"rating": 2, "reasons": [], "note": "", "rated_on": TODAY.isoformat()}
