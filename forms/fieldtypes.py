"""Normalise and check one field value by its type; each check returns a Chinese message on failure."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.idnumber import InvalidIdNumber, parse
from forms.model import FieldSpec


class FieldError(ValueError):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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
        raise FieldError("手机号应为以1开头的11位数字，请核对")
    return text


def check_division_code(raw: str) -> str:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) != 12:
        raise FieldError(f"村级区划代码应为12位数字，当前为{len(text)}位")
    if not _DIVISION.match(text) or text[:2] not in _PROVINCES:
        raise FieldError(f"区划代码前两位{text[:2]}不是有效的省级代码")
    if text[9:] == "000" or text[6:9] == "000":
        raise FieldError("村级区划代码的乡镇段（第7-9位）和村段（第10-12位）不能为000")
    return text


def check_bank_account(raw: str) -> str:
    text = re.sub(r"[\s-]", "", raw)
    if not (text.isascii() and text.isdigit()):
        raise FieldError("银行账号只能包含数字，请按卡面或存折逐位填写")
    if not 12 <= len(text) <= 25:
        raise FieldError(f"银行账号应为12至25位数字，当前为{len(text)}位")
    return text


def check_person_name(raw: str) -> str:
    text = raw.strip()
    if not _NAME_CHARS.match(text):
        raise FieldError("姓名应为2至30个汉字或字母（少数民族姓名可含间隔号·）")
    return text


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise FieldError("应填写数字")
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError(f"“{raw}”不是有效的数字") from None
    if not value.is_finite():
        raise FieldError(f"“{raw}”不是有效的数字")
    # Beyond this no real amount or count exists, and Decimal would overflow or build huge ints.
    if value and not -10 <= value.adjusted() < 16:
        raise FieldError(f"“{raw}”超出可填写的范围（最多16位整数、10位小数）", "range")
    places = value.normalize().as_tuple().exponent  # safe now: the exponent is small
    if isinstance(places, int) and places < -10:
        raise FieldError(f"“{raw}”超出可填写的范围（最多16位整数、10位小数）", "range")
    return value


def _bounds(spec: FieldSpec, value: Decimal, unit: str = "") -> None:
    if spec.min is not None and value < Decimal(spec.min):
        raise FieldError(f"不能小于{spec.min}{unit}", "range")
    if spec.max is not None and value > Decimal(spec.max):
        raise FieldError(f"不能大于{spec.max}{unit}", "range")


def _date_bound(bound: str, today: date) -> date:
    return today if bound == "today" else date.fromisoformat(bound)


def normalize(spec: FieldSpec, raw: Any, today: date) -> Any:
    """The stored form of `raw` for a non-group field, or FieldError."""
    handler = _HANDLERS[spec.type]
    return handler(spec, raw, today)


def _text(spec: FieldSpec, raw: Any, today: date) -> str:
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise FieldError("应填写文字")
    text = str(raw).strip()
    limit = spec.max_length or 200
    if len(text) > limit:
        raise FieldError(f"不能超过{limit}个字，当前{len(text)}个字", "range")
    if spec.min_length and len(text) < spec.min_length:
        raise FieldError(f"至少{spec.min_length}个字", "range")
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        raise FieldError(spec.pattern_message or "格式不正确")
    return text


def _number(spec: FieldSpec, raw: Any, today: date) -> int | str:
    value = _decimal(raw)
    if spec.integer and value != value.to_integral_value():
        raise FieldError("应填写整数")
    _bounds(spec, value)
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def _money(spec: FieldSpec, raw: Any, today: date) -> str:
    value = _decimal(raw)
    if value != value.quantize(Decimal("0.01")):
        raise FieldError("金额最多保留两位小数（元）")
    _bounds(spec, value, "元")
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
            raise FieldError(f"日期“{raw}”格式不正确，应为 年-月-日，如 2026-03-05") from None
    if spec.min is not None and value < _date_bound(spec.min, today):
        raise FieldError(f"日期不能早于{_date_bound(spec.min, today)}", "range")
    if spec.max is not None and value > _date_bound(spec.max, today):
        raise FieldError(f"日期不能晚于{_date_bound(spec.max, today)}", "range")
    return value.isoformat()


_TRUE = {True, "true", "是", "yes", "1"}
_FALSE = {False, "false", "否", "no", "0"}


def _boolean(spec: FieldSpec, raw: Any, today: date) -> bool:
    if not isinstance(raw, (str, int)):  # also keeps unhashable lists out of the set lookups
        raise FieldError("应选择“是”或“否”")
    key = raw.strip().lower() if isinstance(raw, str) else raw
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise FieldError("应选择“是”或“否”")


def _choice(spec: FieldSpec, raw: Any, today: date) -> str:
    text = str(raw).strip()
    if text not in spec.choices:
        raise FieldError(f"“{text}”不是可选项，请从以下选择：{'、'.join(spec.choices)}")
    return text


def _multichoice(spec: FieldSpec, raw: Any, today: date) -> list[str]:
    values = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for v in values:
        text = str(v).strip()
        if text not in spec.choices:
            raise FieldError(f"“{text}”不是可选项，请从以下选择：{'、'.join(spec.choices)}")
        if text not in out:
            out.append(text)
    if spec.min_items is not None and len(out) < spec.min_items:
        raise FieldError(f"至少选择{spec.min_items}项", "range")
    if spec.max_items is not None and len(out) > spec.max_items:
        raise FieldError(f"最多选择{spec.max_items}项", "range")
    return out


def _id_number(spec: FieldSpec, raw: Any, today: date) -> str:
    try:
        return parse(str(raw), today=today).number
    except InvalidIdNumber as exc:
        raise FieldError(exc.message) from None


def _wrap(check: Callable[[str], str]) -> Callable[[FieldSpec, Any, date], str]:
    def handler(spec: FieldSpec, raw: Any, today: date) -> str:
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raise FieldError("应填写文字或数字")
        return check(str(raw))

    return handler


def _attachment(spec: FieldSpec, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise FieldError("应为所附文件的名称")
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
