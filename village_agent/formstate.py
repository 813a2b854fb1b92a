"""A form being filled in (pure): which fields show, what validation says, what prefill offers.

The screens hold widgets; this module holds the rules they follow, over plain
data, so they can be tested and reused without a terminal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from forms.engine import APPLICANT_KEYS, CleanApplication, validate
from forms.errors import Issue, ValidationFailed
from forms.expr import Scope
from forms.fieldtypes import FieldError, is_blank, normalize
from forms.idnumber import InvalidIdNumber, parse
from forms.model import Bundle, FieldSpec, ServiceItem
from forms.values_data import FEMALE, MALE
from village_agent.i18n import issue_text, t

Entry = ServiceItem | Bundle

# The applicant block every form starts with; the ID number first, because it finds the person.
APPLICANT_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("id_number", APPLICANT_KEYS["id_number"], "id_number"),
    FieldSpec("name", APPLICANT_KEYS["name"], "text", max_length=30),
    FieldSpec("phone", APPLICANT_KEYS["phone"], "phone"),
    FieldSpec("address", APPLICANT_KEYS["address"], "text", max_length=100),
    FieldSpec("village_group", APPLICANT_KEYS["village_group"], "text", max_length=30),
    FieldSpec("ethnicity", APPLICANT_KEYS["ethnicity"], "text", max_length=20),
)


def applicant_specs() -> tuple[FieldSpec, ...]:
    """APPLICANT_SPECS labelled in the user's language."""
    return tuple(replace(s, label=t(f"forms.applicant.{s.name}")) for s in APPLICANT_SPECS)


MATERIAL_OPTIONS = ("provided", "commitment", "missing")
SEX_KEYS = {MALE: "sex.male", FEMALE: "sex.female"}  # the ID number's sex, as the catalogue says it


@dataclass(frozen=True)
class Check:
    """One validation pass: the clean application when everything is right, else the issues."""

    clean: CleanApplication | None
    issues: tuple[Issue, ...]

    def by_path(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for issue in self.issues:
            out.setdefault(issue.path, []).append(issue_text(issue))
        return out


def check(entry: Entry, data: Mapping[str, Any], today: date, attachments: Collection[str]) -> Check:
    try:
        return Check(validate(entry, data, today=today, attachments=attachments), ())
    except ValidationFailed as exc:
        return Check(None, tuple(exc.issues))


def material_options(entry: Entry, code: str) -> tuple[str, ...]:
    """Only what the material allows: provided always, a signed commitment or 容缺 where permitted."""
    spec = next(m for m in entry.materials if m.code == code)
    return tuple(o for o in MATERIAL_OPTIONS if o == "provided"
                 or (o == "commitment" and spec.commitment_allowed)
                 or (o == "missing" and spec.may_be_missing))


def derived(number: Any, today: date) -> dict[str, Any] | None:
    """What a complete, valid ID number says (number, birth date, sex, age on `today`); else None."""
    if not isinstance(number, str) or not number.strip():
        return None
    try:
        rid = parse(number, today=today)
    except InvalidIdNumber:
        return None
    return {"id_number": rid.number, "birth_date": rid.birth_date.isoformat(), "sex": rid.sex,
            "age": rid.age_on(today)}


def applicant_scope(raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The applicant as conditions see it: age and sex derived once the ID number is right."""
    out: dict[str, Any] = {k: v.strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}
    out.pop("id_number", None)
    out.update(derived(raw.get("id_number"), today) or {})
    return out


def _values(specs: tuple[FieldSpec, ...], raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """What can be read so far; a value that does not parse yet is simply not there."""
    values: dict[str, Any] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if spec.calc is not None or is_blank(value):
            continue
        if spec.type == "group":
            if isinstance(value, list):
                values[spec.name] = [
                    _values(spec.fields, row, today) for row in value if isinstance(row, Mapping)
                ]
            continue
        try:
            values[spec.name] = normalize(spec, value, today)
        except FieldError:
            continue
    return values


def _calculate(specs: tuple[FieldSpec, ...], scope: Scope, values: dict[str, Any]) -> None:
    for spec in specs:
        if spec.calc is None:
            continue
        try:
            values[spec.name] = spec.calc.evaluate(scope)
        except (TypeError, ArithmeticError, ValueError):
            continue


def hidden(entry: Entry, data: Mapping[str, Any], today: date) -> set[str]:
    """Paths the form does not ask for with these answers (show_if false, material not required).

    Follows the engine's order: plain fields, then calculations, then conditions in
    field order, a hidden field's value dropped before later conditions read it.
    """
    fields_raw = data.get("fields") or {}
    applicant = applicant_scope(data.get("applicant") or {}, today)
    values = _values(entry.fields, fields_raw, today)
    scope = Scope([values], applicant, today)
    _calculate(entry.fields, scope, values)
    out: set[str] = set()
    for spec in entry.fields:
        path = f"fields.{spec.name}"
        if spec.show_if is not None and not spec.show_if.truthy(scope):
            out.add(path)
            values.pop(spec.name, None)
            continue
        if spec.type == "group":
            for i, row in enumerate(values.get(spec.name) or []):
                inner = scope.inner(row)
                for sub in spec.fields:
                    if sub.show_if is not None and not sub.show_if.truthy(inner):
                        out.add(f"{path}[{i}].{sub.name}")
    for m in entry.materials:
        if m.required_if is not None and not m.required_if.truthy(scope):
            out.add(f"materials.{m.code}")
    return out


def prefill(found: Mapping[str, Any], entry: Entry) -> dict[str, Any]:
    """From `Session.find_applicant`: the applicant block and the earlier answers this form asks for."""
    applicant = {k: v for k, v in (found.get("applicant") or {}).items()
                 if k in APPLICANT_KEYS and not is_blank(v)}
    names = {f.name for f in entry.fields if f.calc is None and f.type != "attachment"}
    fields = {k: v for k, v in (found.get("fields") or {}).items() if k in names and not is_blank(v)}
    return {"applicant": applicant, "fields": fields}


def attachment_labels(entry: Entry) -> list[tuple[str, str]]:
    """(label, what it is) for every scan this form can take: materials and attachment fields."""
    out = [(m.code, m.name) for m in entry.materials]
    out += [(f.name, f.label) for f in entry.fields if f.type == "attachment"]
    return out
