"""Validating applications at the window: conditions, calculations, rules, materials and bundles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms.catalog import Catalog
from forms.engine import split_bundle, validate
from forms.errors import ValidationFailed
from forms.idnumber import make
from forms.model import Bundle, ServiceItem
from tests.conftest import TODAY
from tests.forms_helpers import REGION, accept, example, id_number_of_age, issues


@pytest.fixture
def old_age(catalog: Catalog) -> ServiceItem:
    return catalog.item("MZ-GLJT")


@pytest.fixture
def low_income(catalog: Catalog) -> ServiceItem:
    return catalog.item("MZ-ZDSHBZ")


def member(name: str, income: str | None, serial: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "member_name": name, "member_id_number": id_number_of_age(40, serial=serial),
        "relation": "子女" if serial % 2 else "配偶",
    }
    if income is not None:
        row["monthly_income"] = income
    return row


# ---- the applicant's age, from the ID number -----------------------------------------------

def test_old_age_allowance_refuses_applicant_under_80(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["applicant"]["id_number"] = id_number_of_age(80, days_later=1, female=True)  # 80 tomorrow
    found = issues(old_age, data)
    assert set(found) == {"applicant.id_number"}
    assert found["applicant.id_number"].code == "rule"
    assert "年满80周岁" in found["applicant.id_number"].message
    assert "79岁" in found["applicant.id_number"].message


def test_old_age_allowance_accepts_applicant_on_80th_birthday(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["applicant"]["id_number"] = id_number_of_age(80, female=True)
    clean = accept(old_age, data)
    assert clean.applicant["age"] == 80
    assert clean.applicant["sex"] == "女"
    assert clean.fields["age_band"] == "80-89周岁"


@pytest.mark.parametrize(("age", "band"), [(92, "90-99周岁"), (100, "100周岁及以上")])
def test_old_age_allowance_band_is_calculated_from_the_id_number(
    old_age: ServiceItem, age: int, band: str
) -> None:
    data = example(old_age)
    data["applicant"]["id_number"] = id_number_of_age(age)
    data["fields"]["age_band"] = "80-89周岁"  # a typed value never overrides the calculation
    assert accept(old_age, data).fields["age_band"] == band


def test_old_age_allowance_for_a_29_february_birthday_starts_on_that_day_in_a_leap_year(
    old_age: ServiceItem,
) -> None:
    data = example(old_age)
    data["applicant"]["id_number"] = make(REGION, date(1948, 2, 29), 5, female=True)
    assert "applicant.id_number" in issues(old_age, data, today=date(2028, 2, 28))
    assert accept(old_age, data, today=date(2028, 2, 29)).applicant["age"] == 80


def test_homestead_applicant_born_29_february_comes_of_age_on_1_march(catalog: Catalog) -> None:
    homestead = catalog.item("ZR-ZJDJF")
    data = example(homestead)
    data["applicant"]["id_number"] = make(REGION, date(2008, 2, 29), 5, female=False)
    found = issues(homestead, data, today=date(2026, 2, 28))
    assert "17岁" in found["applicant.id_number"].message
    assert accept(homestead, data, today=date(2026, 3, 1)).applicant["age"] == 18


# ---- conditional fields --------------------------------------------------------------------

def test_nursing_home_name_is_required_only_when_living_in_one(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["fields"]["living_status"] = "入住养老机构"
    found = issues(old_age, data)
    assert set(found) == {"fields.institution_name"}
    assert found["fields.institution_name"].code == "required"
    assert "养老机构名称" in found["fields.institution_name"].message

    data["fields"]["institution_name"] = "资兴市兴宁镇敬老院"
    assert accept(old_age, data).fields["institution_name"] == "资兴市兴宁镇敬老院"


def test_hidden_nursing_home_name_is_not_stored(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["fields"].update(living_status="独居", institution_name="资兴市兴宁镇敬老院")
    clean = accept(old_age, data)
    assert "institution_name" not in clean.fields
    assert clean.fields["living_status"] == "独居"


def test_proxy_collector_phone_is_required_once_a_proxy_is_named(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["fields"].pop("guardian_phone", None)
    data["fields"].pop("guardian_name", None)
    assert "guardian_phone" not in accept(old_age, data).fields

    data["fields"]["guardian_name"] = "刘建国"
    found = issues(old_age, data)
    assert found["fields.guardian_phone"].code == "required"
    assert "代领人联系电话" in found["fields.guardian_phone"].message


def test_material_asked_only_when_its_condition_holds(low_income: ServiceItem) -> None:
    data = example(low_income)
    data["fields"]["poverty_reasons"] = ["因病"]
    data["materials"].pop("disability_certificate", None)
    assert "disability_certificate" not in accept(low_income, data).materials

    data["fields"]["poverty_reasons"] = ["因病", "因残"]
    found = issues(low_income, data)
    assert set(found) == {"materials.disability_certificate"}
    assert found["materials.disability_certificate"].code == "material"


# ---- calculated fields and rules -----------------------------------------------------------

def test_low_income_per_capita_income_is_calculated_from_household_members(
    low_income: ServiceItem,
) -> None:
    data = example(low_income)
    data["fields"]["applicant_monthly_income"] = "300"
    data["fields"]["household_members"] = [member("王秀英", "200", 21), member("刘思雨", None, 22)]
    data["fields"]["per_capita_income"] = "1.00"  # typed by mistake; the calculation wins
    clean = accept(low_income, data)
    assert clean.fields["household_size"] == 3
    assert clean.fields["per_capita_income"] == "166.67"  # 500 / 3, to the fen
    assert clean.fields["rural_standard"] == "650.00"


def test_low_income_per_capita_income_is_stored_as_money_even_when_whole(
    low_income: ServiceItem,
) -> None:
    data = example(low_income)
    data["fields"]["applicant_monthly_income"] = "900"
    data["fields"]["household_members"] = [member("王秀英", "300", 21)]
    assert accept(low_income, data).fields["per_capita_income"] == "600.00"


def test_low_income_refuses_household_above_the_standard_with_the_figures(
    low_income: ServiceItem,
) -> None:
    data = example(low_income)
    data["fields"]["applicant_monthly_income"] = "1000"
    data["fields"]["household_members"] = [member("王秀英", "401", 21)]
    found = issues(low_income, data)
    assert set(found) == {"fields.applicant_monthly_income"}
    issue = found["fields.applicant_monthly_income"]
    assert issue.code == "rule"
    assert "家庭人均月收入700.50元" in issue.message
    assert "低保标准650.00元" in issue.message


def test_group_row_problem_names_the_row(low_income: ServiceItem) -> None:
    data = example(low_income)
    bad = member("刘思雨", None, 22)
    number = bad["member_id_number"]
    bad["member_id_number"] = number[:17] + ("1" if number[17] == "0" else "0")
    data["fields"]["household_members"] = [member("王秀英", "0", 21), bad]
    found = issues(low_income, data)
    issue = found["fields.household_members[1].member_id_number"]
    assert issue.message.startswith("家庭成员第2条：")
    assert "校验位" in issue.message


def test_every_problem_is_reported_at_once(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["applicant"]["id_number"] = id_number_of_age(75)
    data["applicant"]["phone"] = "1390735"
    del data["fields"]["household_address"]
    data["fields"]["bank_account"] = "6230-90AB"
    data["fields"]["favourite_food"] = "米粉"
    data["materials"]["id_card"] = "commitment"
    del data["materials"]["household_register"]
    data["remarks"] = "急"
    found = issues(old_age, data)
    assert set(found) == {
        "applicant.id_number",  # under 80: the rule still runs though the phone is wrong
        "applicant.phone",
        "fields.household_address",
        "fields.bank_account",
        "fields.favourite_food",
        "materials.id_card",
        "materials.household_register",
        "remarks",
    }
    assert found["fields.household_address"].code == "required"
    assert found["fields.favourite_food"].code == "unknown"
    assert found["remarks"].code == "unknown"


@pytest.mark.parametrize(
    ("where", "key"),
    [("applicant", "nickname"), ("fields", "favourite_food")],
)
def test_unknown_keys_are_refused(old_age: ServiceItem, where: str, key: str) -> None:
    data = example(old_age)
    data[where][key] = "x"
    found = issues(old_age, data)
    assert set(found) == {f"{where}.{key}"}
    assert found[f"{where}.{key}"].code == "unknown"


def test_unknown_key_inside_a_group_row_is_refused(low_income: ServiceItem) -> None:
    data = example(low_income)
    row = member("王秀英", "0", 21)
    row["nickname"] = "秀"
    data["fields"]["household_members"] = [row]
    assert set(issues(low_income, data)) == {"fields.household_members[0].nickname"}


def test_application_that_is_not_an_object_is_refused(old_age: ServiceItem) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(old_age, ["not", "an", "object"], today=TODAY)
    assert len(caught.value.issues) == 1
    assert "applicant" in caught.value.issues[0].message


def test_phone_is_required_unless_the_item_waives_it(catalog: Catalog, old_age: ServiceItem) -> None:
    data = example(old_age)
    del data["applicant"]["phone"]
    assert issues(old_age, data)["applicant.phone"].code == "required"

    card = catalog.item("LL-LNRYDZ")
    assert not card.phone_required
    data = example(card)
    del data["applicant"]["phone"]
    assert "phone" not in accept(card, data).applicant


# ---- materials -----------------------------------------------------------------------------

def test_identity_card_cannot_be_replaced_by_a_commitment(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["materials"]["id_card"] = "告知承诺"
    found = issues(old_age, data)
    assert set(found) == {"materials.id_card"}
    assert "不适用告知承诺" in found["materials.id_card"].message


def test_identity_card_cannot_be_missing_at_intake(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["materials"]["id_card"] = "missing"
    found = issues(old_age, data)
    assert set(found) == {"materials.id_card"}
    assert "不能容缺" in found["materials.id_card"].message


def test_household_register_may_be_missing_and_is_listed_as_a_gap(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["materials"].update(household_register="容缺", photo="missing", id_card="已提供")
    clean = accept(old_age, data)
    assert clean.materials["id_card"] == "provided"
    assert clean.materials["household_register"] == "missing"
    assert sorted(clean.gaps) == ["household_register", "photo"]


def test_income_proof_may_be_replaced_by_a_signed_commitment(low_income: ServiceItem) -> None:
    data = example(low_income)
    data["materials"]["income_proof"] = "承诺"
    clean = accept(low_income, data)
    assert clean.materials["income_proof"] == "commitment"
    assert "income_proof" not in clean.gaps


def test_material_status_must_be_given_and_recognised(old_age: ServiceItem) -> None:
    data = example(old_age)
    data["materials"].update(photo="丢了", shoe_size="provided")
    del data["materials"]["bank_card"]
    found = issues(old_age, data)
    assert set(found) == {"materials.photo", "materials.shoe_size", "materials.bank_card"}
    assert "无法识别" in found["materials.photo"].message
    assert found["materials.shoe_size"].code == "unknown"
    assert "已提供、告知承诺或容缺" in found["materials.bank_card"].message


# ---- inspection forms and attachments ------------------------------------------------------

def test_inspection_form_needs_no_applicant_but_needs_its_photo_attached(catalog: Catalog) -> None:
    form = catalog.item("WG-AQYH")
    data = example(form)
    data["applicant"] = {}
    photo = next(f.name for f in form.fields if f.type == "attachment")
    clean = accept(form, data)
    assert clean.applicant == {}

    with pytest.raises(ValidationFailed) as caught:
        validate(form, data, today=TODAY, attachments=())
    assert [i.path for i in caught.value.issues] == [f"fields.{photo}"]
    assert "--attach" in caught.value.issues[0].message


# ---- bundles -------------------------------------------------------------------------------

def bundles(catalog: Catalog) -> list[Bundle]:
    return list(catalog.bundles.values())


def test_bundle_split_gives_each_member_only_its_own_fields_and_materials(
    catalog: Catalog,
) -> None:
    for bundle in bundles(catalog):
        clean = accept(bundle, example(bundle))
        parts = split_bundle(bundle, clean)
        assert [p.item_code for p in parts] == list(bundle.member_codes)
        assert clean.members == bundle.member_codes
        for part, item in zip(parts, bundle.items, strict=True):
            assert set(part.fields) <= {f.name for f in item.fields}
            assert set(part.materials) <= {m.code for m in item.materials}
            assert part.applicant == clean.applicant
            assert (part.item_version, part.item_digest) == (item.version, item.digest)
        assert set().union(*(p.fields for p in parts)) == set(clean.fields)
        assert set().union(*(p.materials for p in parts)) == set(clean.materials)
        shared = {f.name for f in bundle.items[0].fields} & {f.name for f in bundle.items[1].fields}
        assert all(k in parts[0].fields and k in parts[1].fields for k in shared & set(clean.fields))


def test_each_bundle_member_accepts_its_part_of_the_bundle_on_its_own(catalog: Catalog) -> None:
    for bundle in bundles(catalog):
        clean = accept(bundle, example(bundle))
        for part, item in zip(split_bundle(bundle, clean), bundle.items, strict=True):
            data = {"applicant": part.applicant, "fields": part.fields, "materials": part.materials}
            assert accept(item, data).fields == part.fields, item.code


def test_disability_bundle_asks_for_the_grade_when_a_certificate_is_already_held(
    catalog: Catalog,
) -> None:
    bundle = catalog.bundles["YJS-CJR"]
    data = example(bundle)
    data["fields"]["certificate_status"] = "已持有残疾人证"
    data["fields"]["disability_certificate_no"] = data["applicant"]["id_number"] + "43"
    data["fields"].pop("disability_grade", None)
    found = issues(bundle, data)
    assert found["fields.disability_grade"].code == "required"


def test_bundle_applies_every_member_rule(catalog: Catalog) -> None:
    bundle = catalog.bundles["YJS-CJR"]
    data = example(bundle)
    data["fields"]["account_holder"] = "陈德明"  # CL-LXBT: subsidy goes to the disabled person
    assert "fields.account_holder" in issues(bundle, data)
