"""Load and check the service catalog: one TOML file per item, inspection form or bundle."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from forms.engine import APPLICANT_KEYS, DERIVED_APPLICANT_KEYS
from forms.errors import CatalogError, ExpressionError, UnknownItemError
from forms.expr import Expression
from forms.model import (
    DEFAULT_SUPPLY_DAYS,
    FIELD_TYPES,
    KINDS,
    LEVELS,
    Bundle,
    Example,
    FieldSpec,
    MaterialSpec,
    Rule,
    ServiceItem,
)

CATALOG_DIR = Path(__file__).with_name("catalog")
_CODE = re.compile(r"^[A-Z]{2,4}-[A-Z0-9]{2,12}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_ITEM_KEYS = {
    "code", "kind", "version", "name", "short_name", "department", "level", "keywords",
    "legal_basis", "eligibility", "process", "time_limit_days", "legal_time_limit_days", "fee",
    "fee_note", "result", "phone_required", "passes_up", "supply_within_days",
    "priority_time_limit_days",
}
_FIELD_KEYS = {
    "name", "label", "type", "required", "required_if", "show_if", "calc", "help", "min_length",
    "max_length", "pattern", "pattern_message", "min", "max", "integer", "choices", "min_items",
    "max_items", "fields",
}
_MATERIAL_KEYS = {"code", "name", "form", "commitment_allowed", "may_be_missing", "required_if", "note",
                  "supply_within_days"}
MAX_SUPPLY_DAYS = 60  # working days: about three months, longer than any item's own time limit
_RULE_KEYS = {"check", "message", "field"}
_EXAMPLE_KEYS = {"applicant_age", "applicant_sex", "fields", "materials"}
_BUNDLE_KEYS = {"code", "version", "name", "short_name", "description", "items", "keywords"}


class _Reader:
    """Reads one table of one file, naming the file and key in every complaint."""

    def __init__(self, origin: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        self.origin = origin
        self.table = table
        unknown = set(table) - allowed
        if unknown:
            raise CatalogError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")

    def fail(self, key: str, why: str) -> CatalogError:
        return CatalogError(f"{self.origin}: {key}: {why}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(key, "required text is missing" if value is None else "must be text")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def whole(self, key: str, default: int | None = None) -> int | None:
        value = self.table.get(key, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise self.fail(key, "must be a whole number >= 0")
        return value

    def supply_days(self, key: str) -> int | None:
        """Working days to hand in an owed material: a whole number 1..MAX_SUPPLY_DAYS, or absent."""
        value = self.table.get(key)
        if value is None:
            return None
        if (not isinstance(value, int) or isinstance(value, bool)
                or not 1 <= value <= MAX_SUPPLY_DAYS):
            raise self.fail(key, f"must be a whole number of working days from 1 to {MAX_SUPPLY_DAYS}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of text")
        return tuple(value)

    def expr(self, key: str) -> Expression | None:
        source = self.table.get(key)
        if source is None or source == "":
            return None
        if not isinstance(source, str):
            raise self.fail(key, "must be an expression in text")
        try:
            return Expression(source)
        except ExpressionError as exc:
            raise self.fail(key, str(exc)) from None

    def bound(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, "must be a number, a date text or 'today'")
        return str(value)

    def tables(self, key: str) -> list[Mapping[str, Any]]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(key, f"must be [[{key}]] tables")
        return value


def _field(origin: str, table: Mapping[str, Any]) -> FieldSpec:
    r = _Reader(origin, table, _FIELD_KEYS)
    name = r.text("name")
    r.origin = f"{origin} field {name!r}"
    if not _NAME.match(name):
        raise r.fail("name", "must be snake_case English")
    ftype = r.text("type")
    if ftype not in FIELD_TYPES:
        raise r.fail("type", f"{ftype!r} is not one of {', '.join(sorted(FIELD_TYPES))}")
    choices = r.texts("choices")
    if ftype in ("choice", "multichoice") and not choices:
        raise r.fail("choices", f"a {ftype} field needs choices")
    subfields = tuple(_field(f"{r.origin} ›", t) for t in r.tables("fields"))
    if ftype == "group" and not subfields:
        raise r.fail("fields", "a group needs [[fields.fields]]")
    _unique([f.name for f in subfields], r.origin, "field")
    pattern = table.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise r.fail("pattern", f"not a valid regular expression ({exc})") from None
    spec = FieldSpec(
        name=name, label=r.text("label"), type=ftype, required=r.flag("required"),
        required_if=r.expr("required_if"), show_if=r.expr("show_if"), calc=r.expr("calc"),
        help=r.text("help", ""), min_length=r.whole("min_length"), max_length=r.whole("max_length"),
        pattern=pattern, pattern_message=r.text("pattern_message", ""), min=r.bound("min"),
        max=r.bound("max"), integer=r.flag("integer"), choices=choices,
        min_items=r.whole("min_items"), max_items=r.whole("max_items"), fields=subfields,
    )
    for bound in (spec.min, spec.max):
        if bound is not None and ftype in ("number", "money"):
            try:
                Decimal(bound)
            except InvalidOperation:
                raise r.fail("min/max", f"{bound!r} is not a number") from None
    return spec


def _unique(names: Iterable[str], origin: str, what: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise CatalogError(f"{origin}: {what} {n!r} appears twice")
        seen.add(n)


def _priority_limit(r: _Reader, kind: str, time_limit: int) -> int | None:
    """绿色通道's promised time: a whole number of working days shorter than `time_limit_days`
    (0: done on the spot, 老年即办), on a service item only; absent: the same for everyone."""
    key = "priority_time_limit_days"
    value = r.table.get(key)
    if value is None:
        return None
    if kind != "service":
        raise r.fail(key, "only a service item promises a time")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < time_limit:
        raise r.fail(key, f"must be a whole number of working days from 0 to {time_limit - 1},"
                          " shorter than time_limit_days" if time_limit else
                     "an immediate item (time_limit_days = 0) cannot be shorter")
    return value


def parse_item(text: bytes, origin: str) -> ServiceItem:
    try:
        doc = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{origin}: not valid TOML ({exc})") from None
    r = _Reader(origin, doc.get("item") or {}, _ITEM_KEYS)
    code = r.text("code")
    if not _CODE.match(code):
        raise r.fail("code", "must look like MZ-GLJT (department letters, dash, letters/digits)")
    kind = r.text("kind", "service")
    if kind not in KINDS:
        raise r.fail("kind", f"must be one of {', '.join(sorted(KINDS))}")
    level = r.text("level")
    if level not in LEVELS:
        raise r.fail("level", f"must be one of {', '.join(LEVELS)}")
    if r.flag("passes_up") and level != "township":
        raise r.fail("passes_up", "only a township item may be passed up to the county")
    top = _Reader(origin, doc, {"item", "fields", "materials", "rules", "example"})
    fields = tuple(_field(origin, t) for t in top.tables("fields"))
    _unique([f.name for f in fields], origin, "field")
    materials = []
    for t in top.tables("materials"):
        m = _Reader(f"{origin} material", t, _MATERIAL_KEYS)
        mcode = m.text("code")
        if not _NAME.match(mcode):
            raise m.fail("code", "must be snake_case English")
        m.origin = f"{origin} material {mcode!r}"
        materials.append(MaterialSpec(
            code=mcode, name=m.text("name"), form=m.text("form", ""),
            commitment_allowed=m.flag("commitment_allowed"), may_be_missing=m.flag("may_be_missing"),
            required_if=m.expr("required_if"), note=m.text("note", ""),
            supply_within_days=m.supply_days("supply_within_days"),
        ))
    _unique([m.code for m in materials], origin, "material")
    if kind == "service" and not materials:
        raise CatalogError(f"{origin}: a service item must list its materials")
    rules = []
    for t in top.tables("rules"):
        rr = _Reader(f"{origin} rule", t, _RULE_KEYS)
        check = rr.expr("check")
        if check is None:
            raise rr.fail("check", "required expression is missing")
        rules.append(Rule(check=check, message=rr.text("message"), field=rr.text("field", "")))
    ex = _Reader(f"{origin} example", doc.get("example") or {}, _EXAMPLE_KEYS)
    time_limit = r.whole("time_limit_days")
    if time_limit is None:
        raise r.fail("time_limit_days", "required (0 for an immediate item)")
    priority_limit = _priority_limit(r, kind, time_limit)
    fee_text = str(r.table.get("fee", "0"))
    try:
        fee = Decimal(fee_text)
    except InvalidOperation:
        raise r.fail("fee", "must be a decimal amount in yuan") from None
    item = ServiceItem(
        code=code, kind=kind, version=r.text("version"), name=r.text("name"),
        short_name=r.text("short_name", "") or r.text("name"), department=r.text("department"),
        level=level, time_limit_days=time_limit, fields=fields, materials=tuple(materials),
        rules=tuple(rules), keywords=r.texts("keywords"), legal_basis=r.texts("legal_basis"),
        eligibility=r.text("eligibility", ""), process=r.texts("process"),
        legal_time_limit_days=r.whole("legal_time_limit_days"), fee=fee,
        fee_note=r.text("fee_note", ""), result=r.text("result", ""),
        phone_required=r.flag("phone_required", True),
        passes_up=r.flag("passes_up"),
        supply_within_days=r.supply_days("supply_within_days") or DEFAULT_SUPPLY_DAYS,
        priority_time_limit_days=priority_limit,
        example=Example(
            applicant_age=ex.whole("applicant_age"),
            applicant_sex=ex.table.get("applicant_sex"),
            fields=dict(ex.table.get("fields", {})),
            materials=dict(ex.table.get("materials", {})),
        ),
        digest=hashlib.sha256(text).hexdigest(),
    )
    _check_names(item, origin)
    return item


def _check_names(item: ServiceItem, origin: str) -> None:
    """Every name an expression reads must be a field of the item or an applicant key
    (typos fail at load time)."""
    known = {f.name for f in item.fields}
    applicant = {*APPLICANT_KEYS, *DERIVED_APPLICANT_KEYS}

    def check(expr: Expression | None, where: str, extra: set[str]) -> None:
        if expr is None:
            return
        unknown = sorted(expr.names - known - extra) + [
            f"applicant.{k}" for k in sorted(expr.applicant_keys - applicant)
        ]
        if unknown:
            raise CatalogError(f"{origin}: {where}: unknown name(s) {', '.join(unknown)}")

    for f in item.fields:
        sub = {s.name for s in f.fields}
        for attr in ("required_if", "show_if", "calc"):
            check(getattr(f, attr), f"field {f.name!r} {attr}", set())
        for s in f.fields:
            for attr in ("required_if", "show_if", "calc"):
                check(getattr(s, attr), f"field {f.name}.{s.name} {attr}", sub)
    for m in item.materials:
        check(m.required_if, f"material {m.code!r} required_if", set())
    for rule in item.rules:
        check(rule.check, f"rule {rule.check.source!r}", set())


@dataclass
class Catalog:
    items: dict[str, ServiceItem] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """One digest over every file: two villages on the same catalog agree on it."""
        h = hashlib.sha256()
        for code in sorted(self.items):
            h.update(f"{code}:{self.items[code].digest}\n".encode())
        for code in sorted(self.bundles):
            h.update(f"{code}:{self.bundles[code].digest}\n".encode())
        return h.hexdigest()[:16]

    def get(self, code: str) -> ServiceItem | Bundle:
        key = code.strip().upper()
        if key in self.items:
            return self.items[key]
        if key in self.bundles:
            return self.bundles[key]
        raise UnknownItemError(code)

    def item(self, code: str) -> ServiceItem:
        found = self.get(code)
        if not isinstance(found, ServiceItem):
            raise UnknownItemError(code)
        return found

    def entries(self) -> list[ServiceItem | Bundle]:
        out: list[ServiceItem | Bundle] = [*self.items.values(), *self.bundles.values()]
        return sorted(out, key=lambda e: (e.kind, e.department, e.code))


def _merge(origin: str, members: list[ServiceItem]) -> tuple[tuple[FieldSpec, ...], tuple[MaterialSpec, ...]]:
    fields: dict[str, FieldSpec] = {}
    materials: dict[str, MaterialSpec] = {}
    for item in members:
        for f in item.fields:
            if f.name not in fields:
                fields[f.name] = f
                continue
            if fields[f.name].shape() != f.shape():
                raise CatalogError(
                    f"{origin}: field {f.name!r} differs between member items (type, label or choices)"
                )
            fields[f.name] = _join_field(origin, fields[f.name], f)
        for m in item.materials:
            materials[m.code] = _join_material(origin, materials[m.code], m) if (
                m.code in materials
            ) else m
    return tuple(fields.values()), tuple(materials.values())


# The bundle's one form must ask whatever any member asks, or a member would receive an
# application it refuses on its own: show a shared field when either member shows it, require
# it when either requires it, accept commitment or a gap only where every member does.

def _any_of(origin: str, where: str, sources: list[str]) -> Expression:
    unique = list(dict.fromkeys(sources))
    try:
        return Expression(unique[0] if len(unique) == 1 else " or ".join(f"({s})" for s in unique))
    except ExpressionError as exc:
        raise CatalogError(f"{origin}: {where}: {exc}") from None


def _asks_for(f: FieldSpec) -> str | None:
    """When a member needs `f` filled in, as expression source (None: never)."""
    need = "True" if f.required else (f.required_if.source if f.required_if else None)
    if need is None or f.show_if is None:
        return need
    return f"({f.show_if.source}) and ({need})"


def _join_field(origin: str, a: FieldSpec, b: FieldSpec) -> FieldSpec:
    where = f"field {a.name!r}"
    show = None if a.show_if is None or b.show_if is None else _any_of(
        origin, where, [a.show_if.source, b.show_if.source]
    )
    needs = [n for n in (_asks_for(a), _asks_for(b)) if n is not None]
    if "True" in needs:
        return replace(a, show_if=show, required=True, required_if=None)
    return replace(a, show_if=show, required=False,
                   required_if=_any_of(origin, where, needs) if needs else None)


def _join_material(origin: str, a: MaterialSpec, b: MaterialSpec) -> MaterialSpec:
    needed = None if a.required_if is None or b.required_if is None else _any_of(
        origin, f"material {a.code!r}", [a.required_if.source, b.required_if.source]
    )
    return replace(
        a, required_if=needed, commitment_allowed=a.commitment_allowed and b.commitment_allowed,
        may_be_missing=a.may_be_missing and b.may_be_missing,
    )


def parse_bundle(text: bytes, origin: str, items: Mapping[str, ServiceItem]) -> Bundle:
    try:
        doc = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{origin}: not valid TOML ({exc})") from None
    _Reader(origin, doc, {"bundle"})
    r = _Reader(origin, doc["bundle"], _BUNDLE_KEYS)
    codes = r.texts("items")
    if len(codes) < 2:
        raise r.fail("items", "a bundle joins at least two service items")
    missing = [c for c in codes if c not in items]
    if missing:
        raise r.fail("items", f"unknown item(s) {', '.join(missing)}")
    members = [items[c] for c in codes]
    if any(m.kind != "service" for m in members):
        raise r.fail("items", "only service items can be bundled")
    fields, materials = _merge(origin, members)
    return Bundle(
        code=r.text("code"), version=r.text("version"), name=r.text("name"),
        short_name=r.text("short_name", "") or r.text("name"), description=r.text("description", ""),
        items=tuple(members), fields=fields, materials=materials, keywords=r.texts("keywords"),
        digest=hashlib.sha256(text).hexdigest(),
    )


def catalog_files(directory: Path | None = None) -> dict[str, bytes]:
    """The catalog's files by name, as published: one TOML file per item, inspection form or bundle."""
    directory = directory or CATALOG_DIR
    if not directory.is_dir():
        raise CatalogError(f"{directory}: not a folder of catalog files")
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.toml"))}


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load every file; the first malformed one stops the load with a CatalogError naming it."""
    return catalog_from_files(catalog_files(directory))


def catalog_from_files(files: Mapping[str, bytes]) -> Catalog:
    """Build a catalog from file names and contents (a folder, or a release the county published)."""
    catalog = Catalog()
    bundle_files: list[tuple[str, bytes]] = []
    for name in sorted(files):
        text = files[name]
        if not name.endswith(".toml") or "/" in name or "\\" in name:
            raise CatalogError(f"{name}: catalog files are named CODE.toml")
        if b"[bundle]" in text.split(b"\n[", 1)[0] or text.lstrip().startswith(b"[bundle]"):
            bundle_files.append((name, text))
            continue
        item = parse_item(text, name)
        if item.code != Path(name).stem:
            raise CatalogError(f"{name}: code {item.code!r} does not match the file name")
        catalog.items[item.code] = item
    if not catalog.items:
        raise CatalogError("the catalog has no service items")
    for name, text in bundle_files:
        bundle = parse_bundle(text, name, catalog.items)
        if bundle.code != Path(name).stem:
            raise CatalogError(f"{name}: code {bundle.code!r} does not match the file name")
        catalog.bundles[bundle.code] = bundle
    return catalog
