"""Complete, valid example applications for an item (`catalog template`): realistic data, valid check digits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from forms.engine import validate
from forms.errors import ValidationFailed
from forms.idnumber import make
from forms.model import Bundle, FieldSpec, ServiceItem
from forms.sample_data import _NAMES, _TEXT_SAMPLES, SAMPLE_NAME, SAMPLE_OF
from forms.values_data import FEMALE, MALE

_AGES = (86, 65, 45, 32, 70, 92, 101, 60, 55, 25, 18)


def template(entry: ServiceItem | Bundle, *, village_code: str, today: date) -> dict[str, Any]:
    """A data file for `apply` that validates against `entry` (raises ValidationFailed if none found)."""
    last: ValidationFailed | None = None
    for candidate in _candidates(entry, village_code, today):
        attachments = _attachment_names(entry.fields, candidate["fields"])
        try:
            clean = validate(entry, candidate, today=today, attachments=attachments)
        except ValidationFailed as exc:
            last = exc
            continue
        # Drop what the form hides for this case, so the example shows only what is asked.
        candidate["fields"] = {k: v for k, v in candidate["fields"].items() if k in clean.fields}
        candidate["materials"] = {
            k: v for k, v in candidate["materials"].items() if k in clean.materials
        }
        return candidate
    assert last is not None
    raise last


def attachment_names(entry: ServiceItem | Bundle, data: dict[str, Any]) -> set[str]:
    return _attachment_names(entry.fields, data.get("fields", {}))


def _attachment_names(specs: tuple[FieldSpec, ...], values: dict[str, Any]) -> set[str]:
    return {str(values[s.name]) for s in specs if s.type == "attachment" and s.name in values}


def _examples(entry: ServiceItem | Bundle) -> list[Any]:
    members = entry.items if isinstance(entry, Bundle) else (entry,)
    return [m.example for m in members]


def _candidates(entry: ServiceItem | Bundle, village_code: str, today: date) -> Iterator[dict[str, Any]]:
    examples = _examples(entry)
    ages = [e.applicant_age for e in examples if e.applicant_age is not None] or list(_AGES)
    sexes = [e.applicant_sex for e in examples if e.applicant_sex] or [FEMALE, MALE]
    region = village_code[:6]
    for age in ages:
        for sex in sexes:
            for fill_optional in (False, True):
                name = _NAMES[sex][0]
                born = date(today.year - age, 3, 5) if (today.month, today.day) >= (3, 5) else date(
                    today.year - age - 1, 3, 5)
                applicant = {
                    "name": name,
                    "id_number": make(region, born, 12, female=sex == FEMALE),
                    "phone": "13907351234",
                    "address": _TEXT_SAMPLES["address"],
                }
                ctx = _Ctx(today, region, name, fill_optional)
                fields = {s.name: v for s in entry.fields if (v := ctx.value(s)) is not None}
                materials: dict[str, str] = {m.code: "provided" for m in entry.materials}
                for e in examples:
                    fields.update(e.fields)
                    materials.update(e.materials)
                yield {"applicant": applicant, "fields": fields, "materials": materials}


class _Ctx:
    def __init__(self, today: date, region: str, applicant_name: str, fill_optional: bool) -> None:
        self.today, self.region, self.applicant_name = today, region, applicant_name
        self.fill_optional = fill_optional
        self.serial = 20

    def value(self, spec: FieldSpec) -> Any:
        if spec.calc is not None:
            return None
        if not (spec.required or self.fill_optional or spec.required_if is not None):
            return None
        maker = getattr(self, "_" + spec.type)
        return maker(spec)

    def _text(self, spec: FieldSpec) -> str:
        if spec.name in _TEXT_SAMPLES:
            text = _TEXT_SAMPLES[spec.name]
        elif spec.name in ("account_holder",):
            text = self.applicant_name
        elif spec.name.endswith("_name") or spec.name.endswith("name"):
            text = SAMPLE_NAME
        else:
            text = SAMPLE_OF.format(label=spec.label)
        limit = spec.max_length or 200
        return text[:limit]

    def _number(self, spec: FieldSpec) -> Any:
        lo = Decimal(spec.min) if spec.min is not None else Decimal(1)
        hi = Decimal(spec.max) if spec.max is not None else lo + 10
        mid = (lo + hi) / 2
        return int(mid) if spec.integer or mid == mid.to_integral_value() else float(mid)

    def _money(self, spec: FieldSpec) -> str:
        lo = Decimal(spec.min) if spec.min is not None else Decimal(0)
        hi = Decimal(spec.max) if spec.max is not None else Decimal(1000)
        value = min(max(Decimal(500), lo), hi)
        return format(value.quantize(Decimal("0.01")), "f")

    def _date(self, spec: FieldSpec) -> str:
        day = self.today - timedelta(days=30)
        if spec.min is not None:
            lo = self.today if spec.min == "today" else date.fromisoformat(spec.min)
            day = max(day, lo + timedelta(days=15 if spec.min == "today" else 0))
        if spec.max is not None:
            hi = self.today if spec.max == "today" else date.fromisoformat(spec.max)
            day = min(day, hi)
        return day.isoformat()

    def _boolean(self, spec: FieldSpec) -> bool:
        return False

    def _choice(self, spec: FieldSpec) -> str:
        return spec.choices[0]

    def _multichoice(self, spec: FieldSpec) -> list[str]:
        return list(spec.choices[: max(1, spec.min_items or 1)])

    def _id_number(self, spec: FieldSpec) -> str:
        self.serial += 1
        young = "child" in spec.name
        born = self.today - timedelta(days=60) if young else date(self.today.year - 40, 6, 1)
        return make(self.region, born, self.serial, female=self.serial % 2 == 0)

    def _phone(self, spec: FieldSpec) -> str:
        return "13574561234"

    def _division_code(self, spec: FieldSpec) -> str:
        return self.region + "101201"

    def _bank_account(self, spec: FieldSpec) -> str:
        return "6230901234567890123"

    def _attachment(self, spec: FieldSpec) -> str:
        return spec.name  # satisfied by `--attach <field name>=PATH`

    def _group(self, spec: FieldSpec) -> list[dict[str, Any]]:
        rows = max(spec.min_items or 0, 2)
        if spec.max_items is not None:
            rows = min(rows, spec.max_items)
        out = []
        for _ in range(rows):
            row = {s.name: v for s in spec.fields if (v := self.value(s)) is not None}
            out.append(row)
        return out
