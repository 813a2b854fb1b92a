"""Validate an application against a service item or bundle: every problem reported at once.

Pure: takes plain data and a date, returns a cleaned application or raises
ValidationFailed carrying field-level messages in Chinese and English (forms.messages). Nothing here touches disk.
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
    scalar_text,
)
from forms.idnumber import InvalidIdNumber, parse
from forms.messages import Text, both
from forms.model import Bundle, FieldSpec, MaterialSpec, ServiceItem
from forms.values_data import MATERIAL_STATE_WORDS

_STATUS_ALIASES = {
    "provided": "provided", "commitment": "commitment", "missing": "missing", **MATERIAL_STATE_WORDS,
}
APPLICANT_KEYS = {  # key -> its label in Chinese; applicant_label() gives both languages
    k: both(f"forms.applicant.{k}").zh
    for k in ("name", "id_number", "phone", "address", "village_group", "ethnicity")
}
DERIVED_APPLICANT_KEYS = ("birth_date", "sex", "age")


def applicant_label(key: str) -> Text:
    """The label of an applicant detail (APPLICANT_KEYS) in both languages."""
    return both(f"forms.applicant.{key}")


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

    def add(self, path: str, message: Text | str, code: str = "invalid") -> None:
        """A problem at `path`: our own message in both languages, or a catalog rule's own text."""
        zh, en = (message, "") if isinstance(message, str) else message
        self.issues.append(Issue(path, zh, code, en))
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
        zh, en = both("forms.engine.not_object")
        raise ValidationFailed([Issue("", zh, en=en)])
    for key in set(data) - {"applicant", "fields", "materials"}:
        run.add(str(key), both("forms.engine.unknown_part", key=key), "unknown")
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
        run.add(key, both("forms.engine.not_mapping", key=key))
        return {}
    return value


def _applicant(
    run: _Run, raw: Mapping[str, Any], optional: bool, phone_required: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in set(raw) - set(APPLICANT_KEYS) - set(DERIVED_APPLICANT_KEYS):
        run.add(f"applicant.{key}", both("forms.engine.unknown_applicant", key=key), "unknown")
    if optional and all(is_blank(raw.get(k)) for k in APPLICANT_KEYS):
        return out
    name, number, phone = raw.get("name"), raw.get("id_number"), raw.get("phone")
    if is_blank(name):
        run.add("applicant.name", both("forms.engine.name_required"), "required")
    else:
        try:
            out["name"] = check_person_name(scalar_text(name, numbers=False))
        except FieldError as exc:
            run.add("applicant.name", Text(exc.message, exc.en))
    if is_blank(number):
        run.add("applicant.id_number", both("forms.engine.id_required"), "required")
    else:
        try:
            rid = parse(scalar_text(number, numbers=True), today=run.today)
        except InvalidIdNumber as exc:
            run.add("applicant.id_number", Text(exc.message, exc.en))
        except FieldError as exc:
            run.add("applicant.id_number", Text(exc.message, exc.en))
        else:
            out.update(
                id_number=rid.number, birth_date=rid.birth_date.isoformat(), sex=rid.sex,
                age=rid.age_on(run.today),
            )
    if is_blank(phone):
        if phone_required:
            run.add("applicant.phone", both("forms.engine.phone_required"), "required")
    else:
        try:
            out["phone"] = check_phone(scalar_text(phone, numbers=True))
        except FieldError as exc:
            run.add("applicant.phone", Text(exc.message, exc.en))
    for key, limit in (("address", 100), ("village_group", 30), ("ethnicity", 20)):
        value = raw.get(key)
        if is_blank(value):
            continue
        try:
            text = scalar_text(value, numbers=False)
        except FieldError as exc:
            run.add(f"applicant.{key}", Text(exc.message, exc.en))
            continue
        if len(text) > limit:
            run.add(f"applicant.{key}", both("forms.engine.too_long", label=applicant_label(key), limit=limit),
                    "range")
        else:
            out[key] = text
    return out


def _fields(
    run: _Run, specs: Sequence[FieldSpec], raw: Mapping[str, Any], outer: Scope, path: str
) -> dict[str, Any]:
    known = {s.name for s in specs}
    for key in set(raw) - known:
        run.add(f"{path}.{key}", both("forms.engine.unknown_field", key=key), "unknown")
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
            run.add(where, both("forms.engine.field_error", label=spec.label, message=Text(exc.message, exc.en)),
                    exc.code)
            continue
        if spec.type == "attachment" and values[spec.name] not in run.attachments:
            run.add(where, both("forms.engine.no_attachment", label=spec.label, value=value, name=spec.name))
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
            run.add(where, both("forms.engine.field_required", label=spec.label), "required")
    return values


def _group(
    run: _Run, spec: FieldSpec, value: Any, outer: Scope, where: str
) -> list[dict[str, Any]] | None:
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        run.add(where, both("forms.engine.group_not_list", label=spec.label))
        return None
    if spec.min_items is not None and len(value) < spec.min_items:
        run.add(where, both("forms.engine.group_min", label=spec.label, n=spec.min_items), "range")
    if spec.max_items is not None and len(value) > spec.max_items:
        run.add(where, both("forms.engine.group_max", label=spec.label, n=spec.max_items), "range")
    rows = []
    for i, row in enumerate(value):
        before = len(run.issues)
        cleaned = _fields(run, spec.fields, row, outer, f"{where}[{i}]")
        for j in range(before, len(run.issues)):
            issue = run.issues[j]
            row = both("forms.engine.group_row", label=spec.label, n=i + 1,
                       message=Text(issue.message, issue.en or issue.message))
            run.issues[j] = Issue(issue.path, row.zh, issue.code, row.en)
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
        run.add(f"materials.{key}", both("forms.engine.unknown_material", key=key), "unknown")
    out: dict[str, str] = {}
    for m in specs:
        if m.required_if is not None and not m.required_if.truthy(scope):
            continue
        where = f"materials.{m.code}"
        given = raw.get(m.code)
        if is_blank(given):
            run.add(where, both("forms.engine.material_required", name=m.name), "material")
            continue
        status = _STATUS_ALIASES.get(str(given).strip().lower())
        if status is None:
            run.add(where, both("forms.engine.material_status", name=m.name, given=given))
        elif status == "commitment" and not m.commitment_allowed:
            run.add(where, both("forms.engine.no_commitment", name=m.name), "material")
        elif status == "missing" and not m.may_be_missing:
            run.add(where, both("forms.engine.not_missing", name=m.name), "material")
        else:
            out[m.code] = status
    return out
