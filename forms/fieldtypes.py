"""Normalise and check one field value by its type; a failure carries its message in Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.idnumber import InvalidIdNumber, parse
from forms.messages import Text, both, listed
from forms.model import FieldSpec
from forms.values_data import NO_WORDS, YES_WORDS


class FieldError(ValueError):
    """One value is wrong: `message` in Chinese, `en` in English, `code` the kind of problem."""

    def __init__(self, message: str, code: str = "invalid", en: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.en = en or message

    @classmethod
    def of(cls, key: str, code: str = "invalid", /, **values: object) -> FieldError:
        zh, en = both(key, **values)
        return cls(zh, code, en)


_PHONE = re.compile(r"^1[3-9][0-9]{9}$")  # [0-9], not \d: only ASCII digits are stored
# 统计用区划代码: 2 province, 2 city, 2 county, 3 township, 3 village.
_DIVISION = re.compile(r"^[1-9][0-9]{11}$")
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
}
_NAME_CHARS = re.compile(r"^[\u3400-\u9fffA-Za-z·•\s]{2,30}$")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def check_phone(raw: str) -> str:
    text = re.sub(r"[\s-]", "", raw)
    if text.startswith("+86"):
        text = text[3:]
    if not _PHONE.match(text):
        raise FieldError.of("forms.field.phone")
    return text


def check_division_code(raw: str) -> str:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) != 12:
        raise FieldError.of("forms.field.division_length", n=len(text))
    if not _DIVISION.match(text) or text[:2] not in _PROVINCES:
        raise FieldError.of("forms.field.division_province", prefix=text[:2])
    if text[9:] == "000" or text[6:9] == "000":
        raise FieldError.of("forms.field.division_zero")
    return text


def check_bank_account(raw: str) -> str:
    text = re.sub(r"[\s-]", "", raw)
    if not (text.isascii() and text.isdigit()):
        raise FieldError.of("forms.field.bank_digits")
    if not 12 <= len(text) <= 25:
        raise FieldError.of("forms.field.bank_length", n=len(text))
    return text


def check_person_name(raw: str) -> str:
    text = raw.strip()
    if not _NAME_CHARS.match(text):
        raise FieldError.of("forms.field.person_name")
    return text


_BIG = 10**40  # no phone, account or ID number is longer; str() of a huge int is slow or refused


def scalar_text(raw: Any, *, numbers: bool) -> str:
    """`raw` as the text a person typed, or FieldError: a string, or (if `numbers`) an integer.

    A data file or a message can put anything under a text's name: a float (NaN, 1e400 read
    as infinity), a list, an object, true. None of them is what anyone wrote in the box, so
    each is refused instead of being stored as its Python spelling ("inf", "['a']").
    """
    if isinstance(raw, str):
        return raw.strip()
    if numbers and isinstance(raw, int) and not isinstance(raw, bool) and -_BIG < raw < _BIG:
        return str(raw)
    raise FieldError.of("forms.field.text_or_number" if numbers else "forms.field.text_needed")


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise FieldError.of("forms.field.number_needed")
    try:
        text = repr(raw) if isinstance(raw, float) else scalar_text(raw, numbers=True)
    except FieldError:
        raise FieldError.of("forms.field.number_needed") from None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise FieldError.of("forms.field.not_number", raw=raw) from None
    if not value.is_finite():
        raise FieldError.of("forms.field.not_number", raw=raw)
    # Beyond this no real amount or count exists, and Decimal would overflow or build huge ints.
    if value and not -10 <= value.adjusted() < 16:
        raise FieldError.of("forms.field.number_range", "range", raw=raw)
    places = value.normalize().as_tuple().exponent  # safe now: the exponent is small
    if isinstance(places, int) and places < -10:
        raise FieldError.of("forms.field.number_range", "range", raw=raw)
    return value


def _bounds(spec: FieldSpec, value: Decimal, unit: Text | str = "") -> None:
    if spec.min is not None and value < Decimal(spec.min):
        raise FieldError.of("forms.field.too_small", "range", min=spec.min, unit=unit)
    if spec.max is not None and value > Decimal(spec.max):
        raise FieldError.of("forms.field.too_big", "range", max=spec.max, unit=unit)


def _date_bound(bound: str, today: date) -> date:
    return today if bound == "today" else date.fromisoformat(bound)


def normalize(spec: FieldSpec, raw: Any, today: date) -> Any:
    """The stored form of `raw` for a non-group field, or FieldError."""
    handler = _HANDLERS[spec.type]
    return handler(spec, raw, today)


def _text(spec: FieldSpec, raw: Any, today: date) -> str:
    text = scalar_text(raw, numbers=False)
    limit = spec.max_length or 200
    if len(text) > limit:
        raise FieldError.of("forms.field.text_too_long", "range", limit=limit, n=len(text))
    if spec.min_length and len(text) < spec.min_length:
        raise FieldError.of("forms.field.text_too_short", "range", n=spec.min_length)
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        if spec.pattern_message:  # the catalog's own words
            raise FieldError(spec.pattern_message)
        raise FieldError.of("forms.field.bad_format")
    return text


def _number(spec: FieldSpec, raw: Any, today: date) -> int | str:
    value = _decimal(raw)
    if spec.integer and value != value.to_integral_value():
        raise FieldError.of("forms.field.integer")
    _bounds(spec, value)
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def _money(spec: FieldSpec, raw: Any, today: date) -> str:
    value = _decimal(raw)
    if value != value.quantize(Decimal("0.01")):
        raise FieldError.of("forms.field.money_places")
    _bounds(spec, value, both("forms.field.yuan"))
    return format(value.quantize(Decimal("0.01")), "f")


def _date(spec: FieldSpec, raw: Any, today: date) -> str:
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        text = str(raw).strip().replace("/", "-").replace(".", "-")
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise FieldError.of("forms.field.date_format", raw=raw) from None
    if spec.min is not None and value < _date_bound(spec.min, today):
        raise FieldError.of("forms.field.date_early", "range", bound=_date_bound(spec.min, today))
    if spec.max is not None and value > _date_bound(spec.max, today):
        raise FieldError.of("forms.field.date_late", "range", bound=_date_bound(spec.max, today))
    return value.isoformat()


_TRUE = {True, "true", *YES_WORDS, "yes", "1"}
_FALSE = {False, "false", *NO_WORDS, "no", "0"}


def _boolean(spec: FieldSpec, raw: Any, today: date) -> bool:
    if not isinstance(raw, (str, int)):  # also keeps unhashable lists out of the set lookups
        raise FieldError.of("forms.field.yes_no")
    key = raw.strip().lower() if isinstance(raw, str) else raw
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise FieldError.of("forms.field.yes_no")


def _choice(spec: FieldSpec, raw: Any, today: date) -> str:
    text = scalar_text(raw, numbers=True)
    if text not in spec.choices:
        raise FieldError.of("forms.field.not_choice", text=text, choices=listed(spec.choices))
    return text


def _multichoice(spec: FieldSpec, raw: Any, today: date) -> list[str]:
    values = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for v in values:
        text = scalar_text(v, numbers=True)
        if text not in spec.choices:
            raise FieldError.of("forms.field.not_choice", text=text, choices=listed(spec.choices))
        if text not in out:
            out.append(text)
    if spec.min_items is not None and len(out) < spec.min_items:
        raise FieldError.of("forms.field.min_choices", "range", n=spec.min_items)
    if spec.max_items is not None and len(out) > spec.max_items:
        raise FieldError.of("forms.field.max_choices", "range", n=spec.max_items)
    return out


def _id_number(spec: FieldSpec, raw: Any, today: date) -> str:
    try:
        return parse(scalar_text(raw, numbers=True), today=today).number
    except InvalidIdNumber as exc:
        raise FieldError(exc.message, en=exc.en) from None


def _wrap(check: Callable[[str], str]) -> Callable[[FieldSpec, Any, date], str]:
    def handler(spec: FieldSpec, raw: Any, today: date) -> str:
        return check(scalar_text(raw, numbers=True))

    return handler


def _attachment(spec: FieldSpec, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise FieldError.of("forms.field.attachment_name")
    return raw.strip()


_HANDLERS: dict[str, Callable[[FieldSpec, Any, date], Any]] = {
    "text": _text,
    "number": _number,
    "money": _money,
    "date": _date,
    "boolean": _boolean,
    "choice": _choice,
    "multichoice": _multichoice,
    "id_number": _id_number,
    "phone": _wrap(check_phone),
    "division_code": _wrap(check_division_code),
    "bank_account": _wrap(check_bank_account),
    "attachment": _attachment,
}
