"""The catalog's expression language: what it computes, and everything it must refuse."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.errors import ExpressionError
from forms.expr import Expression, Scope, render_message
from tests.conftest import TODAY
from tests.forms_helpers import id_number_of_age

APPLICANT = {"name": "张桂英", "age": 86, "sex": "女", "birth_date": "1940-03-05"}
MEMBERS = [
    {"member_name": "刘建国", "relation": "配偶", "monthly_income": "300.00"},
    {"member_name": "刘子涵", "relation": "子女", "monthly_income": None},
    {"member_name": "刘小红", "relation": "子女", "monthly_income": "120.50"},
]

PLAIN_VALUES = (bool, int, Decimal, str, list, dict, date, timedelta)


def run(source: str, **fields: Any) -> Any:
    return Expression(source).evaluate(Scope([fields], APPLICANT, TODAY))


# ---- refusals ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        "household_address.upper",  # attribute access on anything but applicant
        "applicant.name.upper()",
        "applicant.__class__",  # dunder attribute, even on applicant
        "__import__('os')",
        "__builtins__",  # dunder name
        "__class__ == None",
        "[m for m in household_members]",  # comprehensions
        "{m: 1 for m in household_members}",
        "lambda: 1",
        "household_members[0]",  # subscripts
        "applicant.name[0]",
        "(x := 1)",
        "open('/etc/passwd')",  # a function outside the list
        "eval('1')",
        "getattr(applicant, 'name')",
        "len(household_members, key=1)",
        "min(*household_members)",
        "age ** 2",
        "age % 2",
        "age // 2",
        "~age",
        "age & 1",
        "age << 1",
        "age is None",
        "{1, 2}",
        "{'a': 1}",
        "f'{age}'",
        "b'raw'",
        "1j",
        "...",
        "age = 1",
        "import os",
        "x if y",
        "",
        "a" * 501,
    ],
)
def test_constructs_outside_the_allow_list_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(source)


junk_alphabet = st.sampled_from(
    [
        *"abcxyz_ ()[]{}+-*/%<>=!.,:'\"0123456789\\@#~&|^;",
        "and ", "or ", "not ", " if ", " else ", "lambda", "for ", " in ", "applicant.",
        "len(", "count(", "__", "None", "True", "today", "\n", "\x00",
    ]
)


@given(st.text(max_size=80) | st.lists(junk_alphabet, max_size=25).map("".join))
def test_random_text_either_parses_or_is_refused_with_expression_error(source: str) -> None:
    try:
        expression = Expression(source)
    except ExpressionError:
        return
    assert expression.source == source
    assert all(not name.startswith("__") for name in expression.names)


# Well-formed expressions from the allowed grammar, to check evaluation never escapes.
_atoms = st.sampled_from([
    "None", "True", "False", "0", "1", "2.5", "-3", "'独居'", "''", "today", "age", "name",
    "household_members", "applicant.age", "applicant.name", "applicant.phone", "[1, 2]", "[]",
    "1e308", "1e-400",
])
_calls = ["len({})", "count({})", "age_of({})", "years_since({})", "round({}, 2)", "min({}, 1)",
          "max({}, 'a')", "sum_of({}, 'monthly_income')", "days_between({}, today)",
          "count_where({}, 'relation', '子女')"]
_expressions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "<", ">=", "==", "!=", "and", "or",
                                          "in", "not in"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"(not {e})"),
        inner.map(lambda e: f"(-{e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(st.sampled_from(_calls), inner).map(lambda t: t[0].format(t[1])),
    ),
    max_leaves=8,
)


@given(_expressions)
def test_allowed_expressions_evaluate_or_fail_only_in_ways_the_engine_catches(source: str) -> None:
    expression = Expression(source)
    scope = Scope([{"age": 86, "name": "张桂英", "household_members": MEMBERS}], APPLICANT, TODAY)
    with contextlib.suppress(TypeError, ArithmeticError, ValueError):
        value = expression.evaluate(scope)
        assert value is None or isinstance(value, PLAIN_VALUES), repr(value)
    assert isinstance(expression.truthy(Scope([{}], APPLICANT, TODAY)), bool)


# ---- what expressions compute --------------------------------------------------------------

def test_missing_field_equals_none_and_fails_every_ordering() -> None:
    assert run("guardian_name == None") is True
    assert run("guardian_name != None", guardian_name="刘建国") is True
    assert run("guardian_name != None", guardian_name="") is False  # blank counts as missing
    assert run("age < 80") is False
    assert run("age >= 80") is False
    assert run("age + 1") is None


def test_money_arithmetic_is_exact_decimal() -> None:
    assert run("0.1 + 0.2 == 0.3") is True
    assert run("income * 3", income="216.67") == Decimal("650.01")


def test_division_by_zero_gives_none_rather_than_an_error() -> None:
    assert run("total / count(household_members)", total="100.00", household_members=[]) is None


def test_group_functions_count_and_sum_household_members() -> None:
    assert run("count(household_members)", household_members=MEMBERS) == 3
    assert run("sum_of(household_members, 'monthly_income')", household_members=MEMBERS) == Decimal(
        "420.50"
    )
    assert run("count_where(household_members, 'relation', '子女')", household_members=MEMBERS) == 2
    assert run("count(household_members)") == 0


def test_per_capita_income_rounds_to_fen() -> None:
    source = ("round((applicant_monthly_income + sum_of(household_members, 'monthly_income')) "
              "/ (count(household_members) + 1), 2)")
    assert run(source, applicant_monthly_income="0.00", household_members=MEMBERS) == Decimal(
        "105.13"
    )


def test_age_of_reads_an_id_number_or_a_date() -> None:
    assert run("age_of(guardian_id_number)", guardian_id_number=id_number_of_age(45)) == 45
    assert run("age_of(child_birth_date)", child_birth_date="2025-11-24") == 0
    assert run("years_since(first_contribution_date)", first_contribution_date="2011-07-01") == 15
    assert run("age_of(guardian_id_number)", guardian_id_number="not a number") is None


def test_days_between_counts_calendar_days_and_compares_with_today() -> None:
    assert run("days_between(admission_date, discharge_date)",
               admission_date="2026-10-28", discharge_date="2026-11-03") == 6
    assert run("days_between(discharge_date, today) <= 365", discharge_date="2025-11-22") is False
    assert run("discharge_date <= today", discharge_date="2026-11-23") is True


def test_min_max_and_conditional_expressions() -> None:
    assert run("min(a, b, 5)", a=7, b=None) == 5
    assert run("max(a, b)", a=None, b=None) is None
    assert run("'90-99周岁' if applicant.age >= 90 else '80-89周岁'") == "80-89周岁"


def test_membership_in_lists_and_multichoice_values() -> None:
    assert run("disability_category in ['智力', '精神']", disability_category="精神") is True
    assert run("'其他' in poverty_reasons", poverty_reasons=["因病", "其他"]) is True
    assert run("'其他' not in poverty_reasons") is True  # not chosen at all
    assert run("subsidy in [100, 200]", subsidy="100.00") is True


def test_applicant_keys_are_read_through_applicant_dot() -> None:
    assert run("applicant.age >= 80 and applicant.sex == '女'") is True
    assert run("applicant.phone == None") is True


def test_names_lists_the_fields_an_expression_reads() -> None:
    expression = Expression("guardian_name != None and len(x) > applicant.age or today > y")
    assert expression.names == {"guardian_name", "x", "y"}


def test_half_filled_data_makes_a_condition_false_not_an_error() -> None:
    scope = Scope([{"age": "八十"}], APPLICANT, TODAY)
    assert Expression("age - 1 > 3").truthy(scope) is False
    with pytest.raises(TypeError):
        Expression("age - 1 > 3").evaluate(scope)


def test_rule_message_fills_in_applicant_and_field_values() -> None:
    scope = Scope([{"per_capita_income": "700.50", "missing": None}], APPLICANT, TODAY)
    message = render_message("人均{per_capita_income}元，申请人{applicant.age}岁{missing}", scope)
    assert message == "人均700.50元，申请人86岁"
    assert render_message("未闭合{applicant.age", scope) == "未闭合{applicant.age"


def test_parsed_expression_keeps_today_as_a_date() -> None:
    assert run("today") == TODAY
    assert isinstance(run("today"), date)


def test_deeply_nested_expression_is_refused_at_load_not_crashing_at_the_window() -> None:
    from forms.errors import ExpressionError
    from forms.expr import Expression

    with pytest.raises(ExpressionError, match="nested"):
        Expression("-" * 300 + "1")
    assert Expression("-" * 10 + "1") is not None
