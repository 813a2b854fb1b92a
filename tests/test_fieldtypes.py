"""Each field type turns what the agent typed into one stored form, or says in Chinese what is wrong."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.fieldtypes import FieldError, check_person_name, normalize
from forms.idnumber import make
from forms.model import FieldSpec
from tests.conftest import TODAY
from tests.forms_helpers import CJK

SPECS = {
    "text": FieldSpec("household_address", "户籍地址", "text", max_length=20),
    "number": FieldSpec("floors", "建筑层数", "number", min="1", max="5", integer=True),
    "money": FieldSpec("monthly_income", "月收入（元）", "money", min="0"),
    "date": FieldSpec("incident_date", "发生日期", "date", max="today"),
    "boolean": FieldSpec("owns_vehicle", "是否拥有机动车", "boolean"),
    "choice": FieldSpec("living_status", "居住情况", "choice", choices=("独居", "与配偶同住", "与子女同住")),
    "multichoice": FieldSpec(
        "poverty_reasons", "致困原因", "multichoice", choices=("因病", "因残", "因灾"),
        min_items=1, max_items=2,
    ),
    "id_number": FieldSpec("member_id_number", "身份证号", "id_number"),
    "phone": FieldSpec("guardian_phone", "监护人联系电话", "phone"),
    "division_code": FieldSpec("village_division_code", "村级区划代码", "division_code"),
    "bank_account": FieldSpec("bank_account", "银行账号（社保卡金融账号）", "bank_account"),
    "attachment": FieldSpec("photo", "现场照片", "attachment"),
}
AREA = FieldSpec("area_mu", "采伐面积（亩）", "number", min="0.1", max="3000")
CERTIFICATE_NO = FieldSpec(
    "birth_certificate_no", "出生医学证明编号", "text", pattern=r"[A-Z][0-9]{9}",
    pattern_message="出生医学证明编号为1位大写字母加9位数字",
)

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.decimals() | st.dates() | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
numberish = (
    st.integers(-10**30, 10**30) | st.floats() | st.decimals()
    | st.text("0123456789.,-+eE ", max_size=14)
    | st.sampled_from(["1e30", "-1e30", "1e999999999", "1e-999999999", "0E+100", "1,234.5"])
)
digits_anywhere = st.text(
    st.characters(categories=("Nd",)) | st.sampled_from(list("0123456789 -+")), max_size=26
)
valid_ids = st.builds(make, st.just("430481"), st.dates(date(1900, 1, 1), TODAY),
                      st.integers(0, 99), female=st.booleans())
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "text": st.text(max_size=30),
    "number": numberish,
    "money": numberish,
    "date": st.dates() | st.datetimes() | st.dates().map(date.isoformat)
    | st.dates().map(lambda d: d.strftime("%Y/%m/%d")) | st.text("0123456789-/.W", max_size=12),
    "boolean": st.sampled_from([True, False, 0, 1, 2, "是", "否", " TRUE ", "no", "maybe", ""]),
    "choice": st.sampled_from(["独居", " 与子女同住 ", "入住养老机构", ""]),
    "multichoice": st.lists(st.sampled_from(["因病", "因残", "因灾", "因学"]), max_size=4),
    "id_number": valid_ids | valid_ids.map(str.lower) | st.text("0123456789Xx", max_size=19),
    "phone": st.from_regex(r"(\+86)?1[0-9]{10}", fullmatch=True) | digits_anywhere,
    "division_code": st.from_regex(r"[1-6][0-9]{11}", fullmatch=True) | digits_anywhere,
    "bank_account": digits_anywhere,
    "attachment": st.text(max_size=20),
}
PLAIN_DIGITS = {
    "id_number": re.compile(r"[0-9]{17}[0-9X]"),
    "phone": re.compile(r"1[3-9][0-9]{9}"),
    "division_code": re.compile(r"[1-9][0-9]{11}"),
    "bank_account": re.compile(r"[0-9]{12,25}"),
}


def clean(spec: FieldSpec, raw: Any) -> Any:
    return normalize(spec, raw, TODAY)


def refusal(spec: FieldSpec, raw: Any) -> FieldError:
    with pytest.raises(FieldError) as caught:
        clean(spec, raw)
    assert CJK.search(caught.value.message), caught.value.message
    return caught.value


# ---- properties ----------------------------------------------------------------------------

@pytest.mark.parametrize("type_name", sorted(SPECS))
@given(data=st.data())
def test_every_type_stores_a_value_it_accepts_again_unchanged_or_refuses_in_chinese(
    type_name: str, data: st.DataObject
) -> None:
    spec = SPECS[type_name]
    raw = data.draw(PLAUSIBLE[type_name] | anything, label="typed")
    try:
        stored = clean(spec, raw)
    except FieldError as exc:
        assert CJK.search(exc.message), exc.message
        return
    assert clean(spec, stored) == stored
    assert type(clean(spec, stored)) is type(stored)


@pytest.mark.parametrize("type_name", sorted(PLAIN_DIGITS))
@given(data=st.data())
def test_numbers_and_codes_are_stored_as_plain_ascii_digits(
    type_name: str, data: st.DataObject
) -> None:
    raw = data.draw(PLAUSIBLE[type_name])
    try:
        stored = clean(SPECS[type_name], raw)
    except FieldError:
        return
    assert PLAIN_DIGITS[type_name].fullmatch(stored), stored
    assert stored.isascii()


@given(numberish)
def test_decimal_number_keeps_its_value(raw: Any) -> None:
    try:
        stored = clean(AREA, raw)
    except FieldError:
        return
    assert Decimal(str(stored)) == Decimal(str(raw).strip().replace(",", ""))


# ---- known answers -------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["139 0735 1234", "139-0735-1234", "+86 13907351234", 13907351234])
def test_phone_typed_with_separators_or_country_code_is_stored_as_11_digits(raw: Any) -> None:
    assert clean(SPECS["phone"], raw) == "13907351234"


@pytest.mark.parametrize("raw", ["12907351234", "1390735123", "139073512345", "１３９０７３５１２３４"])
def test_phone_that_is_not_a_mainland_mobile_is_refused(raw: str) -> None:
    assert "手机号" in refusal(SPECS["phone"], raw).message


@pytest.mark.parametrize(
    ("type_name", "raw"),
    [
        ("phone", "13９０７３５１２３４"),  # full-width digits from a Chinese input method
        ("division_code", "43０４８１１０１２０１"),
        ("bank_account", "６２３０９０１２３４５６７８９０１２３"),
        ("bank_account", "6230901234567890١٢٣"),  # Arabic-Indic digits
    ],
)
def test_digits_other_than_ascii_are_refused_rather_than_stored(type_name: str, raw: str) -> None:
    refusal(SPECS[type_name], raw)


def test_money_keeps_two_decimal_places_and_drops_thousands_separators() -> None:
    assert clean(SPECS["money"], "1,234.5") == "1234.50"
    assert clean(SPECS["money"], 650) == "650.00"
    assert clean(SPECS["money"], "0.1") == "0.10"


def test_money_with_fractions_of_a_fen_is_refused() -> None:
    assert "两位小数" in refusal(SPECS["money"], "12.345").message


def test_money_below_the_minimum_is_a_range_problem() -> None:
    error = refusal(SPECS["money"], "-1")
    assert error.code == "range"
    assert "不能小于0" in error.message


@pytest.mark.parametrize("raw", ["1e30", 1e300, "9" * 40])
def test_absurdly_large_money_is_refused_not_crashed(raw: Any) -> None:
    refusal(SPECS["money"], raw)


def test_whole_number_field_refuses_fractions_and_out_of_range_values() -> None:
    assert clean(SPECS["number"], "3") == 3
    assert "整数" in refusal(SPECS["number"], "2.5").message
    assert refusal(SPECS["number"], 6).code == "range"
    assert "不是有效的数字" in refusal(SPECS["number"], "三").message


def test_decimal_number_is_stored_without_trailing_zeros() -> None:
    assert clean(AREA, "12.50") == "12.5"
    assert clean(AREA, "12.0") == 12


def test_date_accepts_slashes_and_refuses_impossible_or_future_days() -> None:
    assert clean(SPECS["date"], "2026/03/05") == "2026-03-05"
    assert clean(SPECS["date"], date(2026, 3, 5)) == "2026-03-05"
    assert "格式不正确" in refusal(SPECS["date"], "2026-02-30").message
    assert refusal(SPECS["date"], "2026-11-24").code == "range"  # TODAY is 2026-11-23
    assert clean(SPECS["date"], "2026-11-23") == "2026-11-23"


def test_date_given_with_a_time_of_day_is_stored_as_the_day() -> None:
    assert clean(SPECS["date"], datetime(2026, 3, 5, 9, 30)) == "2026-03-05"


@pytest.mark.parametrize(("raw", "value"), [("是", True), ("否", False), (" true ", True), (0, False)])
def test_boolean_understands_chinese_and_english(raw: Any, value: bool) -> None:
    assert clean(SPECS["boolean"], raw) is value


@pytest.mark.parametrize("raw", ["也许", 2, [True], {"是": True}])
def test_boolean_refuses_anything_but_yes_or_no(raw: Any) -> None:
    assert "是" in refusal(SPECS["boolean"], raw).message


def test_choice_must_be_one_of_the_listed_options_and_says_which() -> None:
    assert clean(SPECS["choice"], " 独居 ") == "独居"
    assert "独居、与配偶同住、与子女同住" in refusal(SPECS["choice"], "入住养老机构").message


def test_multichoice_drops_repeats_keeps_order_and_counts_items() -> None:
    spec = SPECS["multichoice"]
    assert clean(spec, ["因残", "因病", "因残"]) == ["因残", "因病"]
    assert clean(spec, "因灾") == ["因灾"]
    assert refusal(spec, ["因病", "因残", "因灾"]).code == "range"
    assert refusal(spec, []).code == "range"
    assert "因学" in refusal(spec, ["因学"]).message


def test_id_number_field_stores_the_normalised_number() -> None:
    assert clean(SPECS["id_number"], "11010519491231002x") == "11010519491231002X"
    assert "校验位" in refusal(SPECS["id_number"], "110105194912310021").message


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("43048110120", "12位"),
        ("990481101201", "省级代码"),
        ("430481000201", "000"),
        ("430481101000", "000"),
    ],
)
def test_village_division_code_must_have_the_statistical_structure(raw: str, says: str) -> None:
    assert clean(SPECS["division_code"], "430481101201") == "430481101201"
    assert says in refusal(SPECS["division_code"], raw).message


def test_bank_account_accepts_spaces_and_refuses_letters_or_short_numbers() -> None:
    spec = SPECS["bank_account"]
    assert clean(spec, "6230 9012 3456 7890 123") == "6230901234567890123"
    assert "只能包含数字" in refusal(spec, "6230A01234567890123").message
    assert "12至25位" in refusal(spec, "62309012345").message


def test_text_longer_than_its_limit_or_off_pattern_is_refused() -> None:
    assert clean(SPECS["text"], "  石鼓村3组18号  ") == "石鼓村3组18号"
    assert refusal(SPECS["text"], "村" * 21).code == "range"
    assert clean(CERTIFICATE_NO, "R430123456") == "R430123456"
    assert refusal(CERTIFICATE_NO, "430123456").message == "出生医学证明编号为1位大写字母加9位数字"


def test_attachment_is_stored_as_the_file_name() -> None:
    assert clean(SPECS["attachment"], " photo.jpg ") == "photo.jpg"
    assert "文件" in refusal(SPECS["attachment"], ["photo.jpg"]).message


@pytest.mark.parametrize("name", ["王秀梅", "阿依古丽·买买提", "Li Na"])
def test_person_names_in_han_latin_or_with_a_middle_dot_are_accepted(name: str) -> None:
    assert check_person_name(f" {name} ") == name


@pytest.mark.parametrize("name", ["王", "王秀梅1", "张" * 31])
def test_person_name_with_digits_or_wrong_length_is_refused(name: str) -> None:
    with pytest.raises(FieldError, match="姓名"):
        check_person_name(name)


# ---- what a data file can put under a field's name ---------------------------------------------

JSON_NOT_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.lists(st.text(max_size=3), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2),
)
TEXTUAL = ("text", "choice", "multichoice", "id_number", "phone", "division_code", "bank_account")


@given(raw=JSON_NOT_TEXT, type_name=st.sampled_from(TEXTUAL))
def test_a_value_that_is_not_typed_text_is_refused_never_stored_as_its_spelling(
    raw: Any, type_name: str
) -> None:
    """Infinity, 1e400, a list or an object under a text's name: refused in Chinese, not "inf"."""
    if raw is None:
        return  # blank: the engine's required check, not the type's
    with pytest.raises(FieldError) as refused:
        normalize(SPECS[type_name], raw, TODAY)
    assert re.search(r"[\u4e00-\u9fff]", refused.value.message)


@given(raw=st.integers())
def test_a_number_under_a_text_fields_name_is_refused_and_under_a_codes_only_if_it_can_be_one(
    raw: int,
) -> None:
    with pytest.raises(FieldError, match="应填写文字"):
        normalize(SPECS["text"], raw, TODAY)
    if abs(raw) >= 10**40:  # longer than any phone, account or ID: refused before str()
        with pytest.raises(FieldError, match="应填写文字或数字"):
            normalize(SPECS["bank_account"], raw, TODAY)


@given(raw=st.one_of(st.floats(), st.integers(), st.text(max_size=30), JSON_NOT_TEXT))
def test_a_number_field_takes_any_json_value_without_crashing(raw: Any) -> None:
    try:
        stored = normalize(SPECS["money"], raw, TODAY)
    except FieldError as exc:
        assert re.search(r"[\u4e00-\u9fff]", exc.message)
    else:
        assert Decimal(stored).is_finite() and Decimal(stored) >= 0


def test_money_written_as_a_json_float_keeps_its_decimal_value() -> None:
    assert normalize(SPECS["money"], 0.1, TODAY) == "0.10"
    assert normalize(SPECS["money"], 1234.5, TODAY) == "1234.50"
    with pytest.raises(FieldError):
        normalize(SPECS["money"], float("inf"), TODAY)
