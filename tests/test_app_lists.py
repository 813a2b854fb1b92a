"""Home, the applications list and detail, the ledger: what the agent sees matches what is stored."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from forms.catalog import Catalog
from forms.templates import attachment_names
from storage.store import Session
from tests.app_helpers import SIZE, enter_text, log_in, screen_text, settle, text_of, village_app
from tests.conftest import TODAY
from tests.helpers import raw_db, scan, template_data
from village_agent import intake, printing
from village_agent.app.applications import ApplicationsScreen, DetailScreen
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
            await pilot.press("a")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ApplicationsScreen)
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
            assert text_of(app, "#receipt-text") == printing.receipt(
                summary, events, catalog.item("RS-CXJMYLDY"), session.store.info)


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
            assert "高龄津贴申领" in screen_text(app)

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
