"""Resident ID numbers (GB 11643): check digit, birth date, sex and age, as the agent's window needs them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from forms.idnumber import InvalidIdNumber, age_on, check_digit, is_valid, make, normalize, parse
from tests.conftest import TODAY
from tests.forms_helpers import CJK

VALID_FIRST_DIGITS = "1234568"  # mainland regions 1-6; 8 for SAR and Taiwan residence permits
DIGITS = "0123456789"


def reference_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 written from the standard's formula, not from the weight table."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


regions = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(VALID_FIRST_DIGITS),
    st.text(DIGITS, min_size=5, max_size=5),
)
valid_numbers = st.builds(
    make, regions, st.dates(date(1900, 1, 1), TODAY), st.integers(0, 99), female=st.booleans()
)


# ---- known answers -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "女"),  # the example in GB 11643-1999
        ("440524188001010014", date(1880, 1, 1), "男"),  # the standard's second example
    ],
)
def test_standard_examples_decode_to_birth_date_and_sex(number: str, born: date, sex: str) -> None:
    rid = parse(number, today=TODAY)
    assert (rid.birth_date, rid.sex, rid.region_code) == (born, sex, number[:6])
    assert check_digit(number[:17]) == number[17]


def test_number_typed_with_spaces_and_lower_case_x_is_accepted_as_the_same_number() -> None:
    assert parse(" 110105 19491231 002x ", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("110105194912310021", "校验位"),  # one wrong check digit
        ("11010519491231002", "18位"),  # a digit dropped
        ("1101051949123100212", "18位"),  # a digit doubled
        ("11010519491231A02X", "前17位"),
        ("010105194912310027", "地区码"),
        ("110105174912310023", "出生年份"),
        ("110105194902300024", "出生日期"),  # 30 February
        ("110105194502290023", "出生日期"),  # 1945 was not a leap year
    ],
)
def test_wrong_numbers_are_refused_with_a_chinese_reason(raw: str, says: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse(raw, today=TODAY)
    assert says in caught.value.message
    assert not is_valid(raw, today=TODAY)


def test_birth_date_after_today_is_refused() -> None:
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)
    number = make("430481", tomorrow, 1, female=False)
    with pytest.raises(InvalidIdNumber, match="晚于今天"):
        parse(number, today=TODAY)
    assert parse(number, today=tomorrow).birth_date == tomorrow


def test_29_february_birthday_counts_from_1_march_in_common_years() -> None:
    born = date(2000, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 25
    assert age_on(born, date(2026, 3, 1)) == 26
    assert age_on(born, date(2028, 2, 28)) == 27
    assert age_on(born, date(2028, 2, 29)) == 28


def test_leap_day_id_number_gives_80th_birthday_on_1_march() -> None:
    rid = parse(make("430481", date(1944, 2, 29), 7, female=True), today=TODAY)
    assert rid.birth_date == date(1944, 2, 29)
    assert rid.age_on(date(2024, 2, 28)) == 79
    assert rid.age_on(date(2024, 2, 29)) == 80
    assert rid.age_on(date(2025, 2, 28)) == 80
    assert rid.age_on(date(2025, 3, 1)) == 81


def test_age_is_one_less_the_day_before_a_birthday() -> None:
    born = date(1946, 11, 24)
    assert age_on(born, date(2026, 11, 23)) == 79
    assert age_on(born, date(2026, 11, 24)) == 80


def test_check_digit_needs_exactly_17_digits() -> None:
    with pytest.raises(ValueError, match="17"):
        check_digit("1234")


# ---- properties ----------------------------------------------------------------------------

@given(
    region=st.text(DIGITS, min_size=6, max_size=6),
    born=st.dates(date(1700, 1, 1), TODAY),
    serial=st.integers(0, 99),
    female=st.booleans(),
)
def test_every_made_number_parses_back_with_its_birth_date_and_sex(
    region: str, born: date, serial: int, female: bool
) -> None:
    try:
        number = make(region, born, serial, female=female)
    except ValueError:
        # make may only refuse what no valid number can carry.
        assert region[0] not in VALID_FIRST_DIGITS or born.year < 1800
        return
    rid = parse(number, today=TODAY)
    assert rid.number == number
    assert rid.birth_date == born
    assert rid.sex == ("女" if female else "男")
    assert rid.region_code == region


_replacements = (
    st.sampled_from(list(DIGITS + "Xx ")) | st.characters(categories=("Nd",)) | st.characters()
)


@given(number=valid_numbers, position=st.integers(0, 17), replacement=_replacements)
def test_changing_one_character_makes_the_number_invalid_or_leaves_it_the_same(
    number: str, position: int, replacement: str
) -> None:
    changed = number[:position] + replacement + number[position + 1 :]
    assume(changed != number)
    try:
        rid = parse(changed, today=TODAY)
    except InvalidIdNumber:
        return
    assert rid.number == number


@given(st.text(DIGITS, min_size=17, max_size=17))
def test_check_digit_matches_the_standard_formula(first17: str) -> None:
    assert check_digit(first17) == reference_check_digit(first17)


@given(
    st.text(min_size=18, max_size=18)
    | st.text(DIGITS + "Xx", min_size=18, max_size=18)
    | st.text(max_size=30)
)
def test_random_strings_are_decoded_or_refused_never_crash(raw: str) -> None:
    try:
        rid = parse(raw, today=TODAY)
    except InvalidIdNumber as exc:
        assert CJK.search(exc.message), exc.message
        assert not is_valid(raw, today=TODAY)
        return
    assert rid.number == normalize(raw)
    assert rid.number.isascii()
    assert check_digit(rid.number[:17]) == rid.number[17]
    assert rid.birth_date <= TODAY


@given(valid_numbers)
def test_odd_17th_digit_means_male(number: str) -> None:
    rid = parse(number, today=TODAY)
    assert rid.sex == ("男" if int(number[16]) % 2 else "女")
