"""Working-day arithmetic on the Chinese calendar: public holidays and make-up working days.

Promised time limits (承诺时限) count working days. The year tables come from
the `chinesecalendar` package (the State Council's annual notices, 2004 on) and
can be extended or corrected by data files: `forms/calendar/<year>.toml`
shipped with the app, or tables the county pushes down later (`add_year`).
For a year no table covers, weekends alone are used and every answer says so.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from forms.errors import CatalogError
from forms.messages import both, listed

CALENDAR_DIR = Path(__file__).with_name("calendar")


@dataclass(frozen=True)
class YearTable:
    """One year's exceptions to the Monday-Friday week."""

    year: int
    holidays: frozenset[date]  # days off (weekdays among them matter)
    workdays: frozenset[date]  # make-up working days (weekends among them matter)
    source: str = ""
    version: str = ""

    @classmethod
    def from_mapping(cls, data: dict[str, Any], origin: str) -> YearTable:
        try:
            year = int(data["year"])
            holidays = frozenset(date.fromisoformat(str(d)) for d in data.get("holidays", []))
            workdays = frozenset(date.fromisoformat(str(d)) for d in data.get("workdays", []))
        except (KeyError, ValueError, TypeError) as exc:
            raise CatalogError(f"{origin}: calendar table is malformed ({exc})") from None
        stray = [d for d in holidays | workdays if d.year != year]
        if stray:
            raise CatalogError(f"{origin}: date {min(stray)} is not in year {year}")
        if holidays & workdays:
            raise CatalogError(f"{origin}: {min(holidays & workdays)} is both holiday and workday")
        return cls(year, holidays, workdays, str(data.get("source", "")), str(data.get("version", "")))

    @classmethod
    def from_file(cls, path: Path) -> YearTable:
        """A table file as the county sends it; CatalogError naming the file for anything wrong."""
        try:
            return cls.from_mapping(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"{path.name}: cannot read the table ({exc})") from None

    def as_mapping(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "version": self.version,
            "source": self.source,
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }


# The statutory holidays that fall on fixed solar dates (全国年节及纪念日放假办法, 2025): New
# Year's Day, Labour Day (1-2 May), National Day (1-3 October). In a year whose table is not
# yet published they are skipped as holidays; the lunar ones and the make-up working days
# cannot be known, so such a deadline stays approximate.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class Deadline:
    due: date
    working_days: int
    approximate: bool  # True when a year on the way had no holiday table
    unknown_years: tuple[int, ...] = ()

    def note_zh(self) -> str:
        if not self.approximate:
            return ""
        return both("forms.deadline.approximate", years=listed(self.unknown_years)).zh


@dataclass
class WorkingCalendar:
    tables: dict[int, YearTable] = field(default_factory=dict)

    @classmethod
    def default(cls) -> WorkingCalendar:
        return cls(dict(_shipped_tables()))

    def add_year(self, table: YearTable) -> None:
        """Install or replace a year's table (data wins over the library)."""
        self.tables[table.year] = table

    @property
    def known_years(self) -> list[int]:
        return sorted(self.tables)

    def knows(self, year: int) -> bool:
        return year in self.tables

    def is_working_day(self, day: date) -> bool:
        table = self.tables.get(day.year)
        if table is not None:
            if day in table.workdays:
                return True
            if day in table.holidays:
                return False
        elif (day.month, day.day) in FIXED_HOLIDAYS:
            return False  # a year not yet published: its fixed-date holidays are still holidays
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The date `days` working days after `start` (the start day itself never counts).

        0 days is an immediate item: due the same day.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        day, left = start, days
        unknown: set[int] = set()
        while left > 0:
            day += timedelta(days=1)
            if not self.knows(day.year):
                unknown.add(day.year)
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, days, bool(unknown), tuple(sorted(unknown)))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for i in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=i))
        )


@cache
def _shipped_tables() -> tuple[tuple[int, YearTable], ...]:
    """The library's years with the shipped data laid over them (data wins), built once.

    Read once per process: a center filing an application asks for a calendar several times
    per message, and rebuilding this took half of the message's cost (bench/ingest.py).
    The tables are frozen; each calendar gets its own dict to lay a store's years over.
    """
    cal: dict[int, YearTable] = {}
    for table in _library_tables():
        cal[table.year] = table
    for path in sorted(CALENDAR_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            table = YearTable.from_mapping(tomllib.load(fh), path.name)
        cal[table.year] = table
    return tuple(cal.items())


def _library_tables() -> Iterable[YearTable]:
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - it is a declared dependency
        return []
    holidays: dict[int, set[date]] = {}
    workdays: dict[int, set[date]] = {}
    for d in chinese_calendar.holidays:
        holidays.setdefault(d.year, set()).add(d)
    for d in chinese_calendar.workdays:
        workdays.setdefault(d.year, set()).add(d)
    version = getattr(chinese_calendar, "__version__", "")
    return [
        YearTable(y, frozenset(holidays.get(y, ())), frozenset(workdays.get(y, ())),
                  source="chinesecalendar", version=str(version))
        for y in sorted(set(holidays) | set(workdays))
    ]
