"""Home, the applications list and detail, the ledger: what the agent sees matches what is stored."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from textual.widgets import DataTable, Input, Select

from forms.catalog import Catalog
from forms.idnumber import make as make_id_number
from forms.templates import attachment_names
from storage.store import Session
from sync.receipts import vouch
from tests.app_helpers import (
    SIZE,
    enter_text,
    log_in,
    open_applications,
    screen_text,
    settle,
    text_of,
    type_into,
    village_app,
)
from tests.conftest import TODAY, VILLAGE_CODE
from tests.helpers import raw_db, scan, template_data
from village_agent import intake, printing
from village_agent.app.applications import DetailScreen
from village_agent.app.ledger import LedgerScreen
from village_agent.i18n import event_text, status_text, t

pytestmark = pytest.mark.anyio


def take(session: Session, catalog: Catalog, code: str, day: date = TODAY) -> str:
    data = template_data(catalog, code, today=day)
    scans = [scan(name) for name in attachment_names(catalog.get(code), data)]
    return intake.take(session, catalog, session.calendar(), code, data, scans,
                       today=day).application_ids[0]


def intake_day_for(session: Session, working_days: int, left: int) -> date:
    """A day on which taking in an item of `working_days` makes it due `left` working days after TODAY."""
    calendar = session.calendar()
    for back in range(1, 90):
        day = TODAY - timedelta(days=back)
        due = calendar.add_working_days(day, working_days).due
        if due >= TODAY and calendar.working_days_between(TODAY, due) == left:
            return day
    raise AssertionError("no such day")


class TestHome:
    async def test_home_counts_by_status_and_flags_overdue_and_nearly_due_cases(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        overdue = take(session, catalog, "MZ-GLJT", TODAY - timedelta(days=60))
        nearly = take(session, catalog, "MZ-GLJT", intake_day_for(session, 15, left=2))
        fresh = take(session, catalog, "MZ-GLJT")
        done = take(session, catalog, "MZ-GLJT", TODAY - timedelta(days=60))
        session.add_event(done, "completed", {})  # closed cases are never red, however late

        stored = {s.id: s for s in session.list()}
        assert stored[overdue].due_date is not None and stored[overdue].due_date < TODAY.isoformat()
        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            counts = text_of(app, "#home-counts")
            assert t("home.total", n=4) in counts
            assert f"{status_text('submitted')}：3" in counts
            assert f"{status_text('completed')}：1" in counts
            assert t("home.red_yellow", red=1, yellow=1) in counts
            from sync.overview import overview

            waiting = overview(session.store).unsealed
            assert waiting == 8  # created + submitted for each of four cases, kept until enrolled
            assert text_of(app, "#home-sync") == t("sync.not_enrolled", n=waiting)
            table = app.screen.query_one("#home-flagged", DataTable)
            flagged = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert flagged == [overdue, nearly]  # the late one first
            assert fresh not in flagged and done not in flagged
            left = table.get_row_at(1)[4]
            assert str(left) == t("home.days_left", n=2) and "yellow" in str(left.style)
            assert "red" in str(table.get_row_at(0)[4].style)


class TestApplications:
    async def test_list_filters_by_status_and_item_searches_and_opens_the_timeline(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        allowance = take(session, catalog, "MZ-GLJT")
        accepted = take(session, catalog, "MZ-GLJT")
        session.add_event(accepted, "accepted", {})
        pension = take(session, catalog, "RS-CXJMYLDY")
        names = {s.id: s.applicant_name for s in session.list()}

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            screen = await open_applications(pilot)
            table = screen.query_one("#list-table", DataTable)

            def shown() -> set[str]:
                return {str(table.get_row_at(i)[0]) for i in range(table.row_count)}

            assert shown() == {allowance, accepted, pension}
            screen.query_one("#list-item", Select).value = "MZ-GLJT"
            await settle(pilot)
            assert shown() == {allowance, accepted}
            screen.query_one("#list-status", Select).value = "accepted"
            await settle(pilot)
            assert shown() == {accepted}
            assert text_of(app, "#list-count") == t("list.count", shown=1, total=3)
            screen.query_one("#list-item", Select).value = Select.NULL
            screen.query_one("#list-status", Select).value = Select.NULL
            await enter_text(pilot, "#list-search", pension[-5:])  # by the number's tail
            assert shown() == {pension}
            screen.query_one("#list-search", Input).value = names[pension]
            await settle(pilot)
            assert pension in shown()

            table.focus()
            table.move_cursor(row=[str(table.get_row_at(i)[0]) for i in range(table.row_count)]
                              .index(pension))
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            summary, events = session.show(pension)
            events_table = app.screen.query_one("#detail-events", DataTable)
            assert [str(events_table.get_row_at(i)[1]) for i in range(events_table.row_count)] == [
                event_text(e.type) for e in events]
            assert status_text(summary.status) in text_of(app, "#detail-summary")
            await pilot.press("r")
            await settle(pilot)
            assert text_of(app, "#receipt-text") == vouch(session, printing.receipt_document(
                summary, events, catalog.item("RS-CXJMYLDY"), session.store.info),
                summary, events).text()  # signed by this device (sync/receipts.py)


def take_for(session: Session, catalog: Catalog, code: str, day: date, name: str,
             id_number: str) -> str:
    """An application filed on `day` (noon UTC: the same day on any village clock) for this person."""
    with time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc),
                             tick=False):
        data = template_data(catalog, code, today=day)
        was = data["applicant"]
        swap = {was["name"]: name, was["id_number"]: id_number}
        data = {part: ({k: swap.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
                       if isinstance(values, dict) else values) for part, values in data.items()}
        scans = [scan(label) for label in attachment_names(catalog.get(code), data)]
        return intake.take(session, catalog, session.calendar(), code, data, scans,
                           today=day).application_ids[0]


class TestApplicationFilters:
    async def test_date_and_applicant_filters_combine_with_status_item_and_search(
        self, session: Session, catalog: Catalog, home: Path
    ) -> None:
        born = date(TODAY.year - 86, 3, 5)  # the templates' applicant: 86, a woman
        zhang = make_id_number(VILLAGE_CODE[:6], born, 1, female=True)
        # A number ending in X, typed with a small x below: the filter reads it as the form does.
        fang = next(n for i in range(2, 100)
                    if (n := make_id_number(VILLAGE_CODE[:6], born, i, female=True)).endswith("X"))
        li = make_id_number(VILLAGE_CODE[:6], born, 21, female=True)
        assert len({zhang, fang, li}) == 3
        today = take_for(session, catalog, "MZ-GLJT", TODAY, "张桂英", zhang)
        week = take_for(session, catalog, "MZ-GLJT", TODAY - timedelta(days=4), "李秀兰", li)
        month = take_for(session, catalog, "RS-CXJMYLDY", date(2026, 11, 5), "张桂芳", fang)
        last_month = take_for(session, catalog, "RS-CXJMYLDY", date(2026, 10, 28), "李秀兰", li)
        older = take_for(session, catalog, "MZ-GLJT", date(2026, 9, 30), "张桂英", zhang)
        session.add_event(last_month, "accepted", {})

        # What is stored: the day each was filed (on this PC's clock), who applied, its status.
        stored = {s.id: s for s in session.list()}
        assert {i: printing.local_time(s.created_at) for i, s in stored.items()} == {
            today: "2026-11-23", week: "2026-11-19", month: "2026-11-05",
            last_month: "2026-10-28", older: "2026-09-30"}
        assert {i: s.applicant_name for i, s in stored.items()} == {
            today: "张桂英", week: "李秀兰", month: "张桂芳", last_month: "李秀兰", older: "张桂英"}
        assert session.find_applicant(fang.lower())["applicant"]["name"] == "张桂芳"
        assert stored[last_month].status == "accepted"

        app = village_app(home)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            screen = await open_applications(pilot)
            table = screen.query_one("#list-table", DataTable)
            date_box = screen.query_one("#list-date", Select)
            applicant = screen.query_one("#list-applicant", Input)

            def shown() -> set[str]:
                return {str(table.get_row_at(i)[0]) for i in range(table.row_count)}

            async def period(value: object) -> set[str]:
                date_box.value = value
                await settle(pilot)
                return shown()

            async def person(text: str) -> set[str]:
                applicant.value = text
                await settle(pilot)
                return shown()

            everyone = {today, week, month, last_month, older}
            assert shown() == everyone
            # The date filter, by keyboard: focus it, open it, move down to 近7天, take it.
            date_box.focus()
            await pilot.press("enter", "down", "down", "enter")
            await settle(pilot)
            assert date_box.value == "week"
            assert t("list.period.week") in screen_text(app)
            assert shown() == {today, week}
            assert await period("today") == {today}
            assert await period("month") == {today, week, month}
            assert await period("last_month") == {last_month}
            assert await period(Select.NULL) == everyone
            assert text_of(app, "#list-count") == t("list.count", shown=5, total=5)

            # The applicant filter, typed: part of a name, an ID number's tail, a whole number.
            await type_into(pilot, "#list-applicant", "李秀兰")
            await settle(pilot)
            assert shown() == {week, last_month}
            assert await person("张桂") == {today, month, older}
            assert await person(fang[-6:].lower()) == {month}
            assert await person(f" {zhang} ") == {today, older}
            assert await person("王") == set()
            assert await person("") == everyone

            # Combined with each other and with status, item and search.
            assert await person("张桂") == {today, month, older}
            assert await period("month") == {today, month}
            screen.query_one("#list-item", Select).value = "MZ-GLJT"
            await settle(pilot)
            assert shown() == {today}
            assert await period(Select.NULL) == {today, older}
            await enter_text(pilot, "#list-search", older[-5:])
            await settle(pilot)
            assert shown() == {older}
            assert text_of(app, "#list-count") == t("list.count", shown=1, total=5)
            screen.query_one("#list-search", Input).value = ""
            screen.query_one("#list-item", Select).value = Select.NULL
            assert await person(li[-4:]) == {week, last_month}
            screen.query_one("#list-status", Select).value = "accepted"
            await settle(pilot)
            assert shown() == {last_month}
            assert await period("last_month") == {last_month}
            assert await period("week") == set()
            assert text_of(app, "#list-count") == t("list.count", shown=0, total=5)

        # The ID numbers were opened for the filter only: nothing readable reached the disk.
        for path in home.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert all(n.encode() not in content for n in (zhang, fang, li)), path


class TestLedger:
    async def test_monthly_ledger_counts_by_item_and_status_and_exports_csv_and_xlsx(
        self, session: Session, catalog: Catalog, home: Path, tmp_path: Path
    ) -> None:
        first = take(session, catalog, "MZ-GLJT")
        take(session, catalog, "MZ-GLJT")
        take(session, catalog, "WG-AQYH")
        session.add_event(first, "accepted", {})
        stored = session.list()
        month = printing.local_time(stored[0].created_at)[:7]  # the PC's month when recorded
        out = tmp_path / "usb"

        app = village_app(home, export_dir=out)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await log_in(pilot)
            await pilot.press("ctrl+p", *"台账", "enter")  # by the command palette this time
            await settle(pilot)
            assert isinstance(app.screen, LedgerScreen)
            await enter_text(pilot, "#ledger-month", month)
            await settle(pilot)
            assert t("ledger.total", month=month, n=3) in text_of(app, "#ledger-note")
            app.screen.query_one("#ledger-month").focus()  # as it opens: the key works from a box
            await pilot.pause()
            await pilot.press("ctrl+e")
            await settle(pilot)
            assert "csv" in text_of(app, "#ledger-status")
            # The table itself (the export's toast may lie over part of the screen).
            table = app.screen.query_one("#ledger-table", DataTable)
            assert "高龄津贴申领" in {str(table.get_row_at(i)[1]) for i in range(table.row_count)}

        stem = f"台账-{session.store.info.village_code}-{month}"
        with (out / f"{stem}.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        header = rows[0]
        by_item = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
        expected: dict[str, dict[str, int]] = {}
        for s in stored:
            expected.setdefault(s.item_code, {}).setdefault(s.status, 0)
            expected[s.item_code][s.status] += 1
        for code, counts in expected.items():
            for status, n in counts.items():
                assert by_item[code][status_text(status)] == str(n)
        assert by_item["合计"]["合计"] == "3"
        with zipfile.ZipFile(out / f"{stem}.xlsx") as book:
            strings = book.read("xl/sharedStrings.xml").decode()
            assert "高龄津贴申领" in strings and status_text("accepted") in strings
        with raw_db(home) as conn:  # the export is in the audit chain, without personal data
            assert conn.execute("SELECT target FROM audit WHERE action = 'ledger.export'"
                                ).fetchall() == [(month,)]


def test_the_list_shows_this_years_dates_short_and_others_whole() -> None:
    from village_agent.app.applications import short_date

    assert short_date("2026-11-20", "2026-") == "11-20"
    assert short_date("2027-01-08", "2026-") == "2027-01-08"  # due next year: the year is said
    assert short_date(None, "2026-") is None
