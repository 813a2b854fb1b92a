"""Promised time limits in working days on the Chinese calendar: holidays, make-up days, unknown years."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.errors import CatalogError
from forms.workdays import WorkingCalendar, YearTable

# Dates whose deadlines (up to 40 working days) stay inside the years the library covers.
known_starts = st.dates(date(2005, 1, 1), date(2026, 10, 31))
unknown_starts = st.dates(date(2027, 1, 1), date(2090, 12, 31))
day_counts = st.integers(1, 40)


FIXED = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}  # written out again, on purpose


def weekends_only(start: date, days: int) -> date:
    """Deadline counting Monday-Friday less the fixed-date holidays, written independently."""
    day = start
    while days:
        day += timedelta(days=1)
        if day.isoweekday() <= 5 and (day.month, day.day) not in FIXED:
            days -= 1
    return day


@pytest.fixture(scope="module")
def only_2026(calendar: WorkingCalendar) -> WorkingCalendar:
    """A calendar that knows 2026 and nothing after it, whatever the installed library covers."""
    return WorkingCalendar({2026: calendar.tables[2026]})


# ---- known answers: the State Council's 2026 notice ---------------------------------------

def test_national_day_2026_five_day_limit_ends_on_the_make_up_saturday(
    calendar: WorkingCalendar,
) -> None:
    deadline = calendar.add_working_days(date(2026, 9, 28), 5)
    assert deadline.due == date(2026, 10, 10)
    assert deadline.due.weekday() == 5  # a Saturday, worked in place of a National Day holiday
    assert not deadline.approximate
    assert deadline.note_zh() == ""


def test_national_day_2026_fifteen_day_limit(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(date(2026, 9, 28), 15).due == date(2026, 10, 23)


def test_national_day_2026_golden_week_is_off_and_20_september_is_worked(
    calendar: WorkingCalendar,
) -> None:
    assert not any(calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working_day(date(2026, 9, 20))  # a Sunday, made up
    assert not calendar.is_working_day(date(2026, 9, 25))  # Mid-Autumn, a Friday


def test_spring_festival_2026_make_up_saturday_then_nine_days_off(
    calendar: WorkingCalendar,
) -> None:
    friday = date(2026, 2, 13)
    assert calendar.add_working_days(friday, 1).due == date(2026, 2, 14)  # Saturday, made up
    assert calendar.add_working_days(friday, 2).due == date(2026, 2, 24)  # after 15-23 Feb off
    assert not any(calendar.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert calendar.is_working_day(date(2026, 2, 28))  # Saturday, made up
    assert calendar.working_days_between(friday, date(2026, 2, 28)) == 6


def test_immediate_item_is_due_the_same_day_even_on_a_holiday(calendar: WorkingCalendar) -> None:
    deadline = calendar.add_working_days(date(2026, 10, 3), 0)
    assert deadline.due == date(2026, 10, 3)
    assert deadline.working_days == 0


def test_negative_working_days_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        calendar.add_working_days(date(2026, 9, 28), -1)


def test_working_days_between_is_negative_when_end_is_before_start(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.working_days_between(date(2026, 10, 10), date(2026, 9, 28)) == -5


# ---- unknown years and data updates -------------------------------------------------------

def test_deadline_running_into_an_unknown_year_is_flagged_approximate(
    only_2026: WorkingCalendar,
) -> None:
    deadline = only_2026.add_working_days(date(2026, 12, 28), 5)
    # 1 January is a holiday every year, published or not; the rest of 2027 is weekends only.
    assert deadline.due == date(2027, 1, 5)
    assert deadline.approximate
    assert deadline.unknown_years == (2027,)
    assert "2027" in deadline.note_zh()


def test_county_table_for_a_new_year_removes_the_approximation(
    only_2026: WorkingCalendar,
) -> None:
    calendar = WorkingCalendar(dict(only_2026.tables))
    calendar.add_year(YearTable.from_mapping(
        {"year": 2027, "version": "2027.1", "holidays": [date(2027, 1, 1)], "workdays": []},
        "2027.toml",
    ))
    deadline = calendar.add_working_days(date(2026, 12, 28), 5)
    assert deadline.due == date(2027, 1, 5)
    assert not deadline.approximate
    assert calendar.known_years == [2026, 2027]


def test_county_table_replaces_the_library_table_for_the_same_year(
    calendar: WorkingCalendar,
) -> None:
    table = calendar.tables[2026]
    corrected = WorkingCalendar(dict(calendar.tables))
    corrected.add_year(YearTable(2026, table.holidays, table.workdays - {date(2026, 10, 10)}))
    assert corrected.add_working_days(date(2026, 9, 28), 5).due == date(2026, 10, 12)
    assert calendar.add_working_days(date(2026, 9, 28), 5).due == date(2026, 10, 10)


def test_year_table_round_trips_through_its_mapping(calendar: WorkingCalendar) -> None:
    table = calendar.tables[2026]
    again = YearTable.from_mapping(table.as_mapping(), "2026.toml")
    assert (again.holidays, again.workdays) == (table.holidays, table.workdays)


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        ({"year": 2027, "holidays": ["2026-12-31"]}, "not in year 2027"),
        ({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "both"),
        ({"year": 2027, "holidays": ["2027-02-30"]}, "malformed"),
        ({"holidays": []}, "malformed"),
    ],
)
def test_malformed_year_table_is_refused_naming_the_file(
    mapping: dict[str, object], says: str
) -> None:
    with pytest.raises(CatalogError, match=says) as caught:
        YearTable.from_mapping(mapping, "2027.toml")
    assert "2027.toml" in str(caught.value)


# ---- properties ----------------------------------------------------------------------------

@given(start=known_starts, days=day_counts)
def test_deadline_is_a_working_day(calendar: WorkingCalendar, start: date, days: int) -> None:
    deadline = calendar.add_working_days(start, days)
    assert calendar.is_working_day(deadline.due)
    assert not deadline.approximate
    assert deadline.working_days == days


@given(start=known_starts, days=day_counts)
def test_exactly_n_working_days_lie_after_start_up_to_the_deadline(
    calendar: WorkingCalendar, start: date, days: int
) -> None:
    due = calendar.add_working_days(start, days).due
    span = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    worked = [d for d in span if calendar.is_working_day(d)]
    assert len(worked) == days
    assert worked[-1] == due  # the first day on which the count is reached, not a later one


@given(start=known_starts, days=day_counts, more=st.integers(1, 20))
def test_more_working_days_never_give_an_earlier_deadline(
    calendar: WorkingCalendar, start: date, days: int, more: int
) -> None:
    assert calendar.add_working_days(start, days).due < calendar.add_working_days(
        start, days + more
    ).due
    assert calendar.add_working_days(start, days).due > start


@given(start=known_starts, days=day_counts)
def test_working_days_between_undoes_add_working_days(
    calendar: WorkingCalendar, start: date, days: int
) -> None:
    due = calendar.add_working_days(start, days).due
    assert calendar.working_days_between(start, due) == days
    assert calendar.working_days_between(due, start) == -days


@given(start=known_starts, span=st.integers(1, 60))
def test_add_working_days_undoes_working_days_between(
    calendar: WorkingCalendar, start: date, span: int
) -> None:
    end = start + timedelta(days=span)
    counted = calendar.working_days_between(start, end)
    if counted == 0:
        return
    due = calendar.add_working_days(start, counted).due
    assert due <= end
    assert calendar.working_days_between(due, end) == 0  # no working day left between them


@given(start=unknown_starts, days=day_counts)
def test_unknown_year_counts_weekends_only_and_says_so(
    only_2026: WorkingCalendar, start: date, days: int
) -> None:
    deadline = only_2026.add_working_days(start, days)
    assert deadline.due == weekends_only(start, days)
    assert deadline.approximate
    assert deadline.due.year in deadline.unknown_years
    assert str(deadline.due.year) in deadline.note_zh()


@given(day=unknown_starts)
def test_unknown_year_working_day_is_monday_to_friday(
    only_2026: WorkingCalendar, day: date
) -> None:
    assert only_2026.is_working_day(day) == (day.isoweekday() <= 5
                                             and (day.month, day.day) not in FIXED)
    assert not only_2026.knows(day.year)
