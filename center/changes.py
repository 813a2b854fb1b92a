"""What a catalog release or a year's holiday table would change, compared with what is in force.

Pure functions over loaded catalogs and year tables, for the county's preview before it
publishes. Each difference is a message key with its values, so the page says it in the
clerk's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from forms.catalog import Catalog
from forms.model import LEVELS, Bundle, FieldSpec, MaterialSpec, ServiceItem
from forms.workdays import YearTable

Entry = ServiceItem | Bundle


@dataclass(frozen=True)
class Note:
    """One difference: a message key (publish.change.*) and what it names."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryLine:
    code: str
    name: str
    version: str
    is_bundle: bool


@dataclass(frozen=True)
class EntryChange:
    code: str
    name: str
    is_bundle: bool
    old_version: str
    new_version: str
    notes: tuple[Note, ...]

    @property
    def version_kept(self) -> bool:
        """The text changed but the version did not: an application started on the old text
        and one on the new would claim the same version."""
        return self.old_version == self.new_version


@dataclass(frozen=True)
class CatalogChanges:
    old_version: str
    new_version: str
    added: tuple[EntryLine, ...]
    removed: tuple[EntryLine, ...]
    changed: tuple[EntryChange, ...]
    unchanged: int
    items: int  # service items and inspection forms in the new release
    bundles: int

    @property
    def none(self) -> bool:
        return not (self.added or self.removed or self.changed)


def catalog_changes(old: Catalog, new: Catalog) -> CatalogChanges:
    before, after = _entries(old), _entries(new)
    added = tuple(_line(after[c]) for c in sorted(after.keys() - before.keys()))
    removed = tuple(_line(before[c]) for c in sorted(before.keys() - after.keys()))
    changed: list[EntryChange] = []
    unchanged = 0
    for code in sorted(before.keys() & after.keys()):
        a, b = before[code], after[code]
        if a.digest == b.digest:
            unchanged += 1
            continue
        notes = tuple(_notes(a, b))
        changed.append(EntryChange(code, b.name, isinstance(b, Bundle), a.version, b.version,
                                   notes or (Note("publish.change.other"),)))
    return CatalogChanges(old.version, new.version, added, removed, tuple(changed), unchanged,
                          len(new.items), len(new.bundles))


def _entries(catalog: Catalog) -> dict[str, Entry]:
    return {**catalog.items, **catalog.bundles}


def _line(entry: Entry) -> EntryLine:
    return EntryLine(entry.code, entry.name, entry.version, isinstance(entry, Bundle))


def _notes(a: Entry, b: Entry) -> Iterable[Note]:
    if a.version != b.version:
        yield Note("publish.change.version", {"old": a.version, "new": b.version})
    if a.name != b.name:
        yield Note("publish.change.name", {"old": a.name, "new": b.name})
    if a.time_limit_days != b.time_limit_days:
        yield Note("publish.change.time_limit",
                   {"old": str(a.time_limit_days), "new": str(b.time_limit_days)})
    if isinstance(a, ServiceItem) and isinstance(b, ServiceItem):
        yield from _item_notes(a, b)
    if isinstance(a, ServiceItem) and isinstance(b, ServiceItem) and a.level != b.level:
        yield Note("publish.change.level",
                   {"old": LEVELS.get(a.level, a.level), "new": LEVELS.get(b.level, b.level)})
    if a.department != b.department:
        yield Note("publish.change.department", {"old": a.department, "new": b.department})
    if isinstance(a, Bundle) and isinstance(b, Bundle) and a.member_codes != b.member_codes:
        yield Note("publish.change.members", {"old": "、".join(a.member_codes),
                                              "new": "、".join(b.member_codes)})
    yield from _named("fields", _fields(a.fields), _fields(b.fields))
    yield from _named("materials", _materials(a.materials), _materials(b.materials))


def _item_notes(a: ServiceItem, b: ServiceItem) -> Iterable[Note]:
    """The item's own promises: the green channel's time and the days to supply owed materials."""
    if a.priority_time_limit_days != b.priority_time_limit_days:
        yield Note("publish.change.priority_time_limit",
                   {"old": _days(a.priority_time_limit_days), "new": _days(b.priority_time_limit_days)})
    if a.supply_within_days != b.supply_within_days:
        yield Note("publish.change.supply_within",
                   {"old": str(a.supply_within_days), "new": str(b.supply_within_days)})


def _days(value: int | None) -> str:
    return "—" if value is None else str(value)


def _fields(specs: Iterable[FieldSpec], prefix: str = "") -> dict[str, tuple[str, str]]:
    """Every field by its path (a group's members as group.member): its label and its whole spec."""
    out: dict[str, tuple[str, str]] = {}
    for spec in specs:
        path = prefix + spec.name
        out[path] = (spec.label, repr(replace(spec, fields=())))
        out.update(_fields(spec.fields, path + "."))
    return out


def _materials(specs: Iterable[MaterialSpec]) -> dict[str, tuple[str, str]]:
    return {m.code: (m.name, repr(m)) for m in specs}


def _named(what: str, old: dict[str, tuple[str, str]], new: dict[str, tuple[str, str]]
           ) -> Iterable[Note]:
    def names(keys: Iterable[str], table: dict[str, tuple[str, str]]) -> str:
        return "、".join(f"{table[k][0]}（{k}）" for k in sorted(keys))

    added, removed = new.keys() - old.keys(), old.keys() - new.keys()
    altered = {k for k in old.keys() & new.keys() if old[k][1] != new[k][1]}
    if added:
        yield Note(f"publish.change.{what}_added", {"names": names(added, new)})
    if removed:
        yield Note(f"publish.change.{what}_removed", {"names": names(removed, old)})
    if altered:
        yield Note(f"publish.change.{what}_changed", {"names": names(altered, new)})


# ---- a year's holiday table ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarChanges:
    year: int
    old: YearTable | None  # the table in force for that year, if any
    new: YearTable
    holidays_added: tuple[date, ...]
    holidays_removed: tuple[date, ...]
    workdays_added: tuple[date, ...]
    workdays_removed: tuple[date, ...]

    @property
    def none(self) -> bool:
        return (self.old is not None and not (self.holidays_added or self.holidays_removed
                                              or self.workdays_added or self.workdays_removed)
                and (self.old.version, self.old.source) == (self.new.version, self.new.source))


def calendar_changes(old: YearTable | None, new: YearTable) -> CalendarChanges:
    holidays = old.holidays if old else frozenset()
    workdays = old.workdays if old else frozenset()
    return CalendarChanges(
        new.year, old, new,
        tuple(sorted(new.holidays - holidays)), tuple(sorted(holidays - new.holidays)),
        tuple(sorted(new.workdays - workdays)), tuple(sorted(workdays - new.workdays)))
