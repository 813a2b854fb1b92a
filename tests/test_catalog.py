"""The service catalog as the county ships it, and the loader that refuses malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.catalog import CATALOG_DIR, Catalog, load_catalog
from forms.errors import CatalogError
from forms.model import Bundle, ServiceItem
from tests.forms_helpers import accept, example

ENTRY_CODES = sorted(path.stem for path in CATALOG_DIR.glob("*.toml"))
DEPARTMENT_OF_PREFIX = {
    "MZ": "民政", "RS": "人社", "YB": "医保", "NY": "农业农村", "LY": "林业", "ZR": "自然资源",
    "WJ": "卫健", "CL": "残联", "LL": "老龄", "WG": "网格", "TY": "退役军人事务", "GA": "公安",
    "ZJ": "住建",
}
SHARED_FIELDS = {  # docs/catalog-format.md, "Shared field names"
    "household_address": ("户籍地址", "text"),
    "household_members": ("家庭成员", "group"),
    "bank_name": ("开户银行", "text"),
    "bank_account": ("银行账号（社保卡金融账号）", "bank_account"),
    "account_holder": ("账户户名", "text"),
    "disability_certificate_no": ("残疾人证号", "text"),
    "disability_category": ("残疾类别", "choice"),
    "disability_grade": ("残疾等级", "choice"),
    "child_name": ("子女姓名", "text"),
    "child_birth_date": ("子女出生日期", "date"),
    "child_sex": ("子女性别", "choice"),
    "child_id_number": ("子女身份证号", "id_number"),
    "mother_name": ("母亲姓名", "text"),
    "father_name": ("父亲姓名", "text"),
}


def services(catalog: Catalog) -> list[ServiceItem]:
    return [i for i in catalog.items.values() if i.kind == "service"]


# ---- what the county ships -----------------------------------------------------------------

def test_catalog_covers_at_least_40_services_across_8_departments(catalog: Catalog) -> None:
    assert len(services(catalog)) >= 40
    assert len({i.department for i in services(catalog)}) >= 8


def test_every_service_item_cites_its_basis_and_promises_its_time(catalog: Catalog) -> None:
    for item in services(catalog):
        assert item.legal_basis and all(b.startswith("《") for b in item.legal_basis), item.code
        assert item.legal_time_limit_days is not None, item.code
        assert item.eligibility and item.process and item.result, item.code
        assert item.keywords, item.code  # everyday words for the agent's search
        for m in item.materials:
            assert m.name and m.form, (item.code, m.code)


def test_items_are_decided_at_all_three_levels(catalog: Catalog) -> None:
    """放权下沉: at least six items are decided at the village point itself (seed 001)."""
    by_level = {level: [i.code for i in services(catalog) if i.level == level]
                for level in ("village", "township", "county")}
    assert len(by_level["village"]) >= 6
    assert by_level["township"] and by_level["county"]
    assert all(i.level != "village" or i.kind == "service" for i in catalog.items.values())


def test_catalog_has_grid_inspection_forms_and_one_stop_bundles(catalog: Catalog) -> None:
    inspections = [i for i in catalog.items.values() if i.kind == "inspection"]
    assert len(inspections) >= 3
    assert all(i.code.startswith("WG-") for i in inspections)
    assert len(catalog.bundles) >= 2
    assert all(code.startswith("YJS-") for code in catalog.bundles)


def test_every_file_in_the_catalog_is_loaded_under_its_own_code(catalog: Catalog) -> None:
    assert sorted([*catalog.items, *catalog.bundles]) == ENTRY_CODES


def test_every_service_item_lists_its_materials(catalog: Catalog) -> None:
    for item in services(catalog):
        assert item.materials, item.code
        assert "authorization" not in {m.code for m in item.materials}, item.code  # app records it


def test_commitment_and_missing_at_intake_are_both_used_somewhere(catalog: Catalog) -> None:
    materials = [m for i in catalog.items.values() for m in i.materials]
    assert any(m.commitment_allowed for m in materials)
    assert any(m.may_be_missing for m in materials)
    assert any(not m.commitment_allowed and not m.may_be_missing for m in materials)


def test_service_codes_name_their_department(catalog: Catalog) -> None:
    for item in catalog.items.values():
        assert DEPARTMENT_OF_PREFIX[item.code.split("-")[0]] == item.department, item.code


def test_promised_limit_never_exceeds_the_statutory_limit(catalog: Catalog) -> None:
    for item in services(catalog):
        if item.legal_time_limit_days is not None:
            assert item.time_limit_days <= item.legal_time_limit_days, item.code


def test_shared_field_names_keep_the_documented_label_and_type(catalog: Catalog) -> None:
    for item in catalog.items.values():
        for field in item.fields:
            if field.name in SHARED_FIELDS:
                assert (field.label, field.type) == SHARED_FIELDS[field.name], (item.code, field.name)


def test_bundle_form_is_the_union_of_its_members(catalog: Catalog) -> None:
    for bundle in catalog.bundles.values():
        assert {f.name for f in bundle.fields} == {f.name for i in bundle.items for f in i.fields}
        assert {m.code for m in bundle.materials} == {
            m.code for i in bundle.items for m in i.materials
        }


@pytest.mark.parametrize("code", ENTRY_CODES)
def test_catalog_template_is_a_valid_application(catalog: Catalog, code: str) -> None:
    entry = catalog.get(code)
    clean = accept(entry, example(entry))
    assert clean.item_code == code
    if isinstance(entry, Bundle) or entry.kind == "service":
        assert clean.applicant["id_number"]
        assert clean.materials


# ---- the loader refuses malformed files ----------------------------------------------------

ITEM = """\
[item]
code = "{code}"
kind = "service"
version = "2026.1"
name = "测试津贴申领"
short_name = "测试津贴"
department = "民政"
level = "township"
time_limit_days = 15

[[fields]]
name = "household_address"
label = "{address_label}"
type = "text"
required = true

[[fields]]
name = "living_status"
label = "居住情况"
type = "choice"
choices = ["独居", "入住养老机构"]
required = true

[[fields]]
name = "institution_name"
label = "养老机构名称"
type = "text"
show_if = "living_status == '入住养老机构'"

[[rules]]
check = "applicant.age >= 80"
message = "须年满80周岁"
field = "applicant.id_number"

[[materials]]
code = "id_card"
name = "申请人居民身份证"
may_be_missing = false
"""
BUNDLE = """\
[bundle]
code = "YJS-TEST"
version = "2026.1"
name = "测试一件事"
items = ["MZ-AAA", "MZ-BBB"]
"""


def write_item(directory: Path, code: str = "MZ-TEST", *, file_code: str | None = None,
               address_label: str = "户籍地址", change: tuple[str, str] | None = None) -> Path:
    text = ITEM.format(code=code, address_label=address_label)
    if change is not None:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    path = directory / f"{file_code or code}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(directory: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory)
    return str(caught.value)


def test_loader_accepts_the_well_formed_test_item(tmp_path: Path) -> None:
    write_item(tmp_path)
    item = load_catalog(tmp_path).item("MZ-TEST")
    assert [f.name for f in item.fields] == ["household_address", "living_status", "institution_name"]
    assert item.fields[2].show_if is not None


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("required = true", "requried = true"), "requried"),
        (('type = "choice"', 'type = "dropdown"'), "dropdown"),
        (("living_status == '入住养老机构'", "open('/etc/passwd') == 1"), "show_if"),
        (("living_status == '入住养老机构'", "living_stauts == '入住养老机构'"), "living_stauts"),
        (("applicant.age >= 80", "applicant.agee >= 80"), "agee"),
        (("living_status == '入住养老机构'", "living_status =="), "show_if"),
        (("applicant.age >= 80", "applicant.__class__ != None"), "__class__"),
        (('[[materials]]\ncode = "id_card"\nname = "申请人居民身份证"\nmay_be_missing = false\n', ""),
         "materials"),
        (('may_be_missing = false', 'may_be_missing = "否"'), "may_be_missing"),
        (('level = "township"', 'level = "province"'), "level"),
        (('time_limit_days = 15', 'time_limit_days = -1'), "time_limit_days"),
        (('[[rules]]', '[[fields]]\nname = "living_status"\nlabel = "重复"\ntype = "text"\n\n[[rules]]'),
         "living_status"),
        (('choices = ["独居", "入住养老机构"]', 'choices = ["独居", "入住养老机构"'), "TOML"),
    ],
    ids=[
        "typo-requried", "bad-field-type", "call-outside-allow-list", "unknown-field-name",
        "unknown-applicant-key", "expression-syntax", "dunder-attribute", "service-without-materials",
        "flag-not-boolean", "bad-level", "negative-limit", "duplicate-field", "not-toml",
    ],
)
def test_loader_refuses_malformed_item_naming_the_file_and_the_key(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    write_item(tmp_path, change=change)
    message = refusal(tmp_path)
    assert "MZ-TEST.toml" in message
    assert named in message


def test_loader_refuses_code_that_does_not_match_the_file_name(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-OTHER", file_code="MZ-TEST")
    message = refusal(tmp_path)
    assert "MZ-TEST.toml" in message
    assert "MZ-OTHER" in message


def test_loader_refuses_unknown_field_even_when_code_and_file_name_differ(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-OTHER", file_code="MZ-TEST",
               change=("living_status == '入住养老机构'", "living_stauts == '入住养老机构'"))
    assert "MZ-TEST.toml" in refusal(tmp_path)


def test_loader_accepts_inspection_form_without_materials(tmp_path: Path) -> None:
    write_item(tmp_path, "WG-TEST", change=('kind = "service"', 'kind = "inspection"'))
    path = tmp_path / "WG-TEST.toml"
    text = path.read_text(encoding="utf-8").replace('department = "民政"', 'department = "网格"')
    path.write_text(text.split("[[materials]]")[0], encoding="utf-8")
    assert load_catalog(tmp_path).item("WG-TEST").materials == ()


def test_loader_joins_a_bundle_whose_members_agree(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-AAA")
    write_item(tmp_path, "MZ-BBB")
    (tmp_path / "YJS-TEST.toml").write_text(BUNDLE, encoding="utf-8")
    bundle = load_catalog(tmp_path).bundles["YJS-TEST"]
    assert bundle.member_codes == ("MZ-AAA", "MZ-BBB")
    assert [f.name for f in bundle.fields] == ["household_address", "living_status", "institution_name"]


def test_loader_refuses_bundle_whose_members_disagree_on_a_shared_field(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-AAA")
    write_item(tmp_path, "MZ-BBB", address_label="家庭住址")
    (tmp_path / "YJS-TEST.toml").write_text(BUNDLE, encoding="utf-8")
    message = refusal(tmp_path)
    assert "YJS-TEST.toml" in message
    assert "household_address" in message


def test_loader_refuses_bundle_of_an_unknown_item(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-AAA")
    (tmp_path / "YJS-TEST.toml").write_text(BUNDLE, encoding="utf-8")
    message = refusal(tmp_path)
    assert "YJS-TEST.toml" in message
    assert "MZ-BBB" in message


def test_loader_refuses_bundle_code_that_does_not_match_the_file_name(tmp_path: Path) -> None:
    write_item(tmp_path, "MZ-AAA")
    write_item(tmp_path, "MZ-BBB")
    (tmp_path / "YJS-OTHER.toml").write_text(BUNDLE, encoding="utf-8")
    message = refusal(tmp_path)
    assert "YJS-OTHER.toml" in message
    assert "YJS-TEST" in message
