"""Resident ID numbers (GB 11643-1999): check digit, birth date, sex, age."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from forms.messages import both
from forms.values_data import FEMALE, MALE

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[1-9]\d{5}(18|19|20)\d{2}\d{4}\d{3}[0-9X]$")
# First digit of the region code: 1-6 are the mainland's six large regions, 8 the
# special administrative regions and Taiwan residence permits.
_REGION_FIRST = set("123456" "8")


class InvalidIdNumber(ValueError):
    """Carries a message for the agent: `message` in Chinese, `en` in English."""

    def __init__(self, message: str, en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.en = en or message

    @classmethod
    def of(cls, key: str, /, **values: object) -> InvalidIdNumber:
        zh, en = both(key, **values)
        return cls(zh, en)


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: date
    sex: str  # "男" or "女"

    def age_on(self, day: date) -> int:
        return age_on(self.birth_date, day)


def check_digit(first17: str) -> str:
    """The mod 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces and make a trailing x upper-case, as people type it."""
    return raw.strip().replace(" ", "").upper()


def parse(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and decode it.

    Raises InvalidIdNumber with a message that says what is wrong.
    """
    number = normalize(raw)
    if len(number) != 18:
        raise InvalidIdNumber.of("forms.id.length", n=len(number))
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):  # not \d: it also matches "٣", "３"
        raise InvalidIdNumber.of("forms.id.digits")
    if number[0] not in _REGION_FIRST or not _SHAPE.match(number):
        raise InvalidIdNumber.of("forms.id.region")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber.of("forms.id.no_date", digits=number[6:14]) from None
    today = today or date.today()
    if born > today:
        raise InvalidIdNumber.of("forms.id.future")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber.of("forms.id.check_digit")
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return ResidentId(number=number, region_code=number[:6], birth_date=born, sex=sex)


def is_valid(raw: str, *, today: date | None = None) -> bool:
    try:
        parse(raw, today=today)
    except InvalidIdNumber:
        return False
    return True


def age_on(born: date, day: date) -> int:
    """Full years of age on `day` (a 29 February birthday counts from 1 March)."""
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def make(region_code: str, born: date, serial: int, *, female: bool) -> str:
    """Build a valid ID number; used for sample data and tests (serial 0-99)."""
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise ValueError("region code must be 6 digits")
    if region_code[0] not in _REGION_FIRST or not 1800 <= born.year <= 2099:
        raise ValueError("no valid ID number has this region code or birth year")
    order = serial * 10 + (2 * (serial % 5) if female else 2 * (serial % 5) + 1)
    first17 = f"{region_code}{born:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)
