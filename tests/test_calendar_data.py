"""The holiday calendar is data: a year the app does not know is flagged, and the county's table fixes it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from storage.store import Session
from tests.conftest import Cli

TABLE_2027 = """
year = 2027
version = "2027.1"
source = "国务院办公厅关于2027年部分节假日安排的通知"
holidays = ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"]
workdays = ["2027-02-06"]
"""


def test_deadline_into_an_unknown_year_is_flagged_until_the_table_is_imported(
    cli: Cli, tmp_path: Path
) -> None:
    cli.init()
    before = cli("calendar", "deadline", "--days", "10", "--from", "2026-12-24", "--json").json()
    assert before == {"from": "2026-12-24", "working_days": 10, "due": "2027-01-08",
                      "approximate": True, "unknown_years": [2027]}
    table = tmp_path / "2027.toml"
    table.write_text(TABLE_2027, encoding="utf-8")
    imported = cli("calendar", "import", str(table))
    assert imported.code == 0, imported.stderr
    after = cli("calendar", "deadline", "--days", "10", "--from", "2026-12-24", "--json").json()
    # New Year's Day 2027 is now a holiday: the deadline moves one working day later.
    assert after["due"] == "2027-01-08" and after["approximate"] is False


def test_a_table_with_dates_of_another_year_is_refused_and_changes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    cli.init()
    bad = tmp_path / "2027.toml"
    bad.write_text('year = 2027\nholidays = ["2026-10-01"]\n', encoding="utf-8")
    result = cli("calendar", "import", str(bad))
    assert result.code == 1 and "2026-10-01" in result.stderr and "Traceback" not in result.stderr
    assert cli("calendar", "show", "--year", "2027", "--json").json() == {"year": 2027, "known": False}


def test_imported_tables_survive_reopening_and_are_audited(session: Session) -> None:
    from forms.workdays import YearTable

    table = YearTable(2030, frozenset({date(2030, 10, 1)}), frozenset({date(2030, 9, 29)}),
                      source="test", version="2030.1")
    session.import_calendar(table)
    cal = session.calendar()
    assert cal.knows(2030)
    assert not cal.is_working_day(date(2030, 10, 1)) and cal.is_working_day(date(2030, 9, 29))
    assert session.verify().ok
    actions = [r[0] for r in session.store.database.db.execute("SELECT action FROM audit")]
    assert "calendar.import" in actions
