"""Validate an application against a service item or bundle: every problem reported at once.

Pure: takes plain data and a date, returns a cleaned application or raises
ValidationFailed carrying field-level Chinese messages. Nothing here touches disk.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from forms.errors import Issue, ValidationFailed
from forms.expr import Expression, Scope, render_message
from forms.fieldtypes import (
    FieldError,
    check_person_name,
    check_phone,
    is_blank,
    normalize,
)
from forms.idnumber import InvalidIdNumber, parse
from forms.model import Bundle, FieldSpec, MaterialSpec, ServiceItem

MATERIAL_STATUSES = {"provided": "已提供", "commitment": "告知承诺", "missing": "容缺"}
_STATUS_ALIASES = {
    "provided": "provided", "已提供": "provided", "提供": "provided",
    "commitment": "commitment", "告知承诺": "commitment", "承诺": "commitment",
    "missing": "missing", "容缺": "missing", "缺": "missing",
}
APPLICANT_KEYS = {
    "name": "姓名", "id_number": "身份证号", "phone": "联系电话", "address": "住址",
    "village_group": "村民小组", "ethnicity": "民族",
}
DERIVED_APPLICANT_KEYS = ("birth_date", "sex", "age")


@dataclass(frozen=True)
class CleanApplication:
    """Application data after validation: normalised, calculated, hidden fields dropped."""

    item_code: str
    item_version: str
    item_digest: str
    applicant: dict[str, Any]
    fields: dict[str, Any]
    materials: dict[str, str]  # material code -> provided | commitment | missing
    members: tuple[str, ...] = ()  # member item codes for a bundle

    @property
    def gaps(self) -> list[str]:
        """Materials accepted as missing (容缺), to be filled later."""
        return [code for code, status in self.materials.items() if status == "missing"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_code": self.item_code,
            "item_version": self.item_version,
            "item_digest": self.item_digest,
            "applicant": self.applicant,
            "fields": self.fields,
            "materials": self.materials,
        }


@dataclass
class _Run:
    today: date
    attachments: Collection[str]
    issues: list[Issue] = field(default_factory=list)
    bad: set[str] = field(default_factory=set)  # paths with issues, so rules do not pile on

    def add(self, path: str, message: str, code: str = "invalid") -> None:
        self.issues.append(Issue(path, message, code))
        self.bad.add(path)

    def forget(self, path: str) -> None:
        """Drop complaints about a field the form hides (and its rows)."""
        inside = (path, path + "[", path + ".")
        self.issues = [i for i in self.issues if not (i.path == path or i.path.startswith(inside[1:]))]
        self.bad = {p for p in self.bad if not (p == path or p.startswith(inside[1:]))}


def validate(
    entry: ServiceItem | Bundle,
    data: Any,
    *,
    today: date,
    attachments: Collection[str] = (),
) -> CleanApplication:
    """Check `data` ({"applicant", "fields", "materials"}) against an item or bundle."""
    run = _Run(today=today, attachments=attachments)
    if not isinstance(data, Mapping):
        raise ValidationFailed([Issue("", "申请数据应为包含 applicant、fields、materials 的对象")])
    for key in set(data) - {"applicant", "fields", "materials"}:
        run.add(str(key), f"无法识别的数据项“{key}”，只能包含 applicant、fields、materials", "unknown")
    members = entry.items if isinstance(entry, Bundle) else (entry,)
    inspection = all(m.kind == "inspection" for m in members)
    phone_required = any(m.phone_required for m in members) and not inspection

    applicant = _applicant(run, _mapping(run, data, "applicant"), inspection, phone_required)
    raw_fields = _mapping(run, data, "fields")
    scope = Scope([], applicant, today)
    fields = _fields(run, entry.fields, raw_fields, scope, "fields")
    scope = Scope([fields], applicant, today)
    for member in members:
        for rule in member.rules:
            _rule(run, rule.check, rule.message, rule.field, scope)
    materials = _materials(run, entry.materials, _mapping(run, data, "materials"), scope)
    if run.issues:
        raise ValidationFailed(run.issues)
    return CleanApplication(
        item_code=entry.code, item_version=entry.version, item_digest=entry.digest,
        applicant=applicant, fields=fields, materials=materials,
        members=tuple(m.code for m in members) if isinstance(entry, Bundle) else (),
    )


def split_bundle(bundle: Bundle, clean: CleanApplication) -> list[CleanApplication]:
    """Fan one bundle submission out to one application per member item."""
    out = []
    for item in bundle.items:
        names = {f.name for f in item.fields}
        codes = {m.code for m in item.materials}
        out.append(CleanApplication(
            item_code=item.code, item_version=item.version, item_digest=item.digest,
            applicant=clean.applicant,
            fields={k: v for k, v in clean.fields.items() if k in names},
            materials={k: v for k, v in clean.materials.items() if k in codes},
        ))
    return out


def _mapping(run: _Run, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        run.add(key, f"“{key}”应为对象（键值对）")
        return {}
    return value


def _applicant(
    run: _Run, raw: Mapping[str, Any], optional: bool, phone_required: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in set(raw) - set(APPLICANT_KEYS) - set(DERIVED_APPLICANT_KEYS):
        run.add(f"applicant.{key}", f"无法识别的申请人信息“{key}”", "unknown")
    if optional and all(is_blank(raw.get(k)) for k in APPLICANT_KEYS):
        return out
    name, number, phone = raw.get("name"), raw.get("id_number"), raw.get("phone")
    if is_blank(name):
        run.add("applicant.name", "请填写申请人姓名", "required")
    else:
        try:
            out["name"] = check_person_name(str(name))
        except FieldError as exc:
            run.add("applicant.name", exc.message)
    if is_blank(number):
        run.add("applicant.id_number", "请填写申请人身份证号", "required")
    else:
        try:
            rid = parse(str(number), today=run.today)
        except InvalidIdNumber as exc:
            run.add("applicant.id_number", exc.message)
        else:
            out.update(
                id_number=rid.number, birth_date=rid.birth_date.isoformat(), sex=rid.sex,
                age=rid.age_on(run.today),
            )
    if is_blank(phone):
        if phone_required:
            run.add("applicant.phone", "请填写申请人或家属的手机号，以便通知办理结果", "required")
    else:
        try:
            out["phone"] = check_phone(str(phone))
        except FieldError as exc:
            run.add("applicant.phone", exc.message)
    for key, limit in (("address", 100), ("village_group", 30), ("ethnicity", 20)):
        value = raw.get(key)
        if is_blank(value):
            continue
        text = str(value).strip()
        if len(text) > limit:
            run.add(f"applicant.{key}", f"{APPLICANT_KEYS[key]}不能超过{limit}个字", "range")
        else:
            out[key] = text
    return out


def _fields(
    run: _Run, specs: Sequence[FieldSpec], raw: Mapping[str, Any], outer: Scope, path: str
) -> dict[str, Any]:
    known = {s.name for s in specs}
    for key in set(raw) - known:
        run.add(f"{path}.{key}", f"本事项没有“{key}”这一项，请删除或核对名称", "unknown")
    values: dict[str, Any] = {}
    scope = outer.inner(values)  # sees values as they fill in
    groups = []
    for spec in specs:
        if spec.calc is not None:
            continue
        value = raw.get(spec.name)
        if spec.type == "attachment" and is_blank(value) and spec.name in run.attachments:
            value = spec.name  # attached under the field's own name: --attach photo=scan.jpg
        if is_blank(value):
            continue
        where = f"{path}.{spec.name}"
        if spec.type == "group":
            groups.append((spec, value, where))
            continue
        try:
            values[spec.name] = normalize(spec, value, run.today)
        except FieldError as exc:
            run.add(where, f"{spec.label}：{exc.message}", exc.code)
            continue
        if spec.type == "attachment" and values[spec.name] not in run.attachments:
            run.add(where, f"{spec.label}：未找到附件“{value}”，请附上文件（--attach {spec.name}=文件路径）")
    # Rows come after the plain fields, so a row's conditions can read the item's answers.
    for spec, value, where in groups:
        rows = _group(run, spec, value, scope, where)
        if rows is not None:
            values[spec.name] = rows
    for spec in specs:
        if spec.calc is not None:
            result = _calc(spec.calc, scope, money=spec.type == "money")
            if result is not None:
                values[spec.name] = result
    for spec in specs:
        where = f"{path}.{spec.name}"
        if spec.show_if is not None and not spec.show_if.truthy(scope):
            values.pop(spec.name, None)  # hidden: neither required, nor checked, nor stored
            run.forget(where)
            continue
        required = spec.required or (spec.required_if is not None and spec.required_if.truthy(scope))
        if required and spec.name not in values and where not in run.bad and spec.calc is None:
            run.add(where, f"请填写“{spec.label}”", "required")
    return values


def _group(
    run: _Run, spec: FieldSpec, value: Any, outer: Scope, where: str
) -> list[dict[str, Any]] | None:
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        run.add(where, f"{spec.label}：应为若干条记录的列表")
        return None
    if spec.min_items is not None and len(value) < spec.min_items:
        run.add(where, f"{spec.label}：至少填写{spec.min_items}条", "range")
    if spec.max_items is not None and len(value) > spec.max_items:
        run.add(where, f"{spec.label}：最多填写{spec.max_items}条", "range")
    rows = []
    for i, row in enumerate(value):
        before = len(run.issues)
        cleaned = _fields(run, spec.fields, row, outer, f"{where}[{i}]")
        for j in range(before, len(run.issues)):
            issue = run.issues[j]
            run.issues[j] = Issue(issue.path, f"{spec.label}第{i + 1}条：{issue.message}", issue.code)
        rows.append(cleaned)
    return rows


def _calc(expr: Expression, scope: Scope, *, money: bool = False) -> Any:
    try:
        value = expr.evaluate(scope)
        if money and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            # Stored like a typed money field: a 2-place decimal string, "650.00" not 650.
            return format(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP), "f")
    except (TypeError, ArithmeticError, ValueError):
        return None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return format(value.quantize(Decimal("0.01")), "f")
    return value


def _rule(run: _Run, check: Expression, message: str, field_path: str, scope: Scope) -> None:
    reads = {f"fields.{n}" for n in check.names} | {
        "applicant." + ("id_number" if key in DERIVED_APPLICANT_KEYS else key)
        for key in check.applicant_keys
    }
    if reads & run.bad:
        return  # a field it reads is already wrong; one message per problem
    if not check.truthy(scope):
        where = field_path if field_path.startswith("applicant.") or not field_path else (
            f"fields.{field_path}"
        )
        run.add(where or "fields", render_message(message, scope), "rule")


def _materials(
    run: _Run, specs: Sequence[MaterialSpec], raw: Mapping[str, Any], scope: Scope
) -> dict[str, str]:
    known = {m.code for m in specs}
    for key in set(raw) - known:
        run.add(f"materials.{key}", f"本事项没有材料“{key}”，请核对材料代码", "unknown")
    out: dict[str, str] = {}
    for m in specs:
        if m.required_if is not None and not m.required_if.truthy(scope):
            continue
        where = f"materials.{m.code}"
        given = raw.get(m.code)
        if is_blank(given):
            run.add(where, f"请确认材料“{m.name}”：已提供、告知承诺或容缺", "material")
            continue
        status = _STATUS_ALIASES.get(str(given).strip().lower())
        if status is None:
            run.add(where, f"材料“{m.name}”的状态“{given}”无法识别，应为 已提供/告知承诺/容缺")
        elif status == "commitment" and not m.commitment_allowed:
            run.add(where, f"材料“{m.name}”不适用告知承诺，须提供原件或复印件", "material")
        elif status == "missing" and not m.may_be_missing:
            run.add(where, f"材料“{m.name}”为必要材料，不能容缺受理，请补齐后再提交", "material")
        else:
            out[m.code] = status
    return out
