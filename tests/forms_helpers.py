"""Helpers shared by the forms tests: applicants of a given age, example applications, issue lookup."""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta
from typing import Any

import pytest

from forms.engine import CleanApplication, validate
from forms.errors import Issue, ValidationFailed
from forms.idnumber import make
from forms.model import Bundle, ServiceItem
from forms.templates import attachment_names, template
from tests.conftest import TODAY, VILLAGE_CODE

REGION = VILLAGE_CODE[:6]
CJK = re.compile(r"[\u4e00-\u9fff]")

Entry = ServiceItem | Bundle


def born_years_ago(years: int, *, today: date = TODAY, days_later: int = 0) -> date:
    """The birth date of someone who turns `years` on `today` (or `days_later` days after it)."""
    return today.replace(year=today.year - years) + timedelta(days=days_later)


def id_number_of_age(years: int, *, female: bool = False, serial: int = 12, days_later: int = 0) -> str:
    return make(REGION, born_years_ago(years, days_later=days_later), serial, female=female)


def example(entry: Entry, *, today: date = TODAY) -> dict[str, Any]:
    """A fresh copy of the catalog's own example application for `entry`."""
    return copy.deepcopy(template(entry, village_code=VILLAGE_CODE, today=today))


def accept(entry: Entry, data: dict[str, Any], *, today: date = TODAY) -> CleanApplication:
    return validate(entry, data, today=today, attachments=attachment_names(entry, data))


def issues(entry: Entry, data: dict[str, Any], *, today: date = TODAY) -> dict[str, Issue]:
    """The issues `validate` raises, by path; fails the test if the data is accepted."""
    try:
        accept(entry, data, today=today)
    except ValidationFailed as exc:
        found = {i.path: i for i in exc.issues}
        assert len(found) == len(exc.issues), f"two issues on one path: {exc.issues}"
        return found
    pytest.fail("the application was accepted but should have been refused")

