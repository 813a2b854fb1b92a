"""The catalog's data model: service items, their fields, materials and rules, and bundles."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from forms.expr import Expression
from forms.values_data import LEVEL_NAMES, MANY_DEPARTMENTS

FIELD_TYPES = frozenset({
    "text", "number", "money", "date", "boolean", "choice", "multichoice", "id_number",
    "phone", "division_code", "bank_account", "attachment", "group",
})
LEVELS = LEVEL_NAMES
KINDS = frozenset({"service", "inspection"})
DEFAULT_SUPPLY_DAYS = 5  # working days to hand in an owed material, unless the item says otherwise


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool = False
    required_if: Expression | None = None
    show_if: Expression | None = None
    calc: Expression | None = None
    help: str = ""
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str = ""
    min: str | None = None  # number/money as decimal text, date as ISO or "today"
    max: str | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    fields: tuple[FieldSpec, ...] = ()

    def shape(self) -> tuple[object, ...]:
        """What must agree when two items in a bundle share this field."""
        return (self.type, self.label, self.choices, tuple(f.shape() for f in self.fields))


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    form: str = ""
    commitment_allowed: bool = False
    may_be_missing: bool = False
    required_if: Expression | None = None
    note: str = ""
    # Working days after intake to hand in this material when it was accepted missing (容缺)
    # or replaced by a commitment (告知承诺); None: the item's `supply_within_days`.
    supply_within_days: int | None = None


@dataclass(frozen=True)
class Rule:
    check: Expression
    message: str
    field: str = ""


@dataclass(frozen=True)
class Example:
    """Hints for `catalog template`: an applicant's age/sex and field values that satisfy the rules."""

    applicant_age: int | None = None
    applicant_sex: str | None = None
    fields: dict[str, object] = field(default_factory=dict)
    materials: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceItem:
    code: str
    kind: str
    version: str
    name: str
    short_name: str
    department: str
    level: str
    time_limit_days: int
    fields: tuple[FieldSpec, ...]
    materials: tuple[MaterialSpec, ...]
    rules: tuple[Rule, ...] = ()
    keywords: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    eligibility: str = ""
    process: tuple[str, ...] = ()
    legal_time_limit_days: int | None = None
    fee: Decimal = Decimal(0)
    fee_note: str = ""
    result: str = ""
    phone_required: bool = True
    # A township item the township may pass up to the county (乡镇初审、县级审批 when a case
    # is beyond the township's authority, e.g. 临时救助 over its amount): the village seals it
    # to the county too, so the county can read what the villager filed when it is forwarded.
    passes_up: bool = False
    example: Example = field(default_factory=Example)
    digest: str = ""  # sha256 of the source file: which exact text an application used
    # Working days after intake within which an owed material (容缺, 告知承诺) is handed in.
    supply_within_days: int = DEFAULT_SUPPLY_DAYS
    # 绿色通道: the shorter promised time for an applicant flagged 老/弱/病/残/军 (forms/priority.py),
    # fewer working days than `time_limit_days`; None: the same time for everyone.
    priority_time_limit_days: int | None = None

    @property
    def is_immediate(self) -> bool:
        return self.time_limit_days == 0

    def promised_days(self, priority: bool = False) -> int:
        """Working days promised: the 绿色通道 time for a flagged applicant where the item has one."""
        if priority and self.priority_time_limit_days is not None:
            return self.priority_time_limit_days
        return self.time_limit_days

    def supply_days(self, material_code: str) -> int:
        """Working days to hand in `material_code` when it is owed: its own, else the item's."""
        for m in self.materials:
            if m.code == material_code and m.supply_within_days is not None:
                return m.supply_within_days
        return self.supply_within_days

    @property
    def member_codes(self) -> tuple[str, ...]:
        return (self.code,)


@dataclass(frozen=True)
class Bundle:
    """一件事: one form and one set of materials fanned out to several service items."""

    code: str
    version: str
    name: str
    short_name: str
    description: str
    items: tuple[ServiceItem, ...]
    fields: tuple[FieldSpec, ...]
    materials: tuple[MaterialSpec, ...]
    digest: str = ""
    kind: str = "bundle"
    department: str = MANY_DEPARTMENTS
    keywords: tuple[str, ...] = ()

    @property
    def member_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def time_limit_days(self) -> int:
        return max(i.time_limit_days for i in self.items)

    @property
    def level(self) -> str:
        order = list(LEVELS)
        return max((i.level for i in self.items), key=order.index)
