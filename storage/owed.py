"""Materials a case still owes (容缺 accepted missing, 告知承诺 signed for): when due, when they came.

The same table at the village and at the center (migration m019), kept in the transaction of
the event that changes it: the filing (submitted, corrected) opens a row per owed material,
a `material_supplied` event (or a correction that now provides the material) closes it.
`plan` works out the due dates (pure); the rest reads and writes the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from forms.model import ServiceItem
from forms.workdays import WorkingCalendar
from storage.db import Database

OWED_STATES = ("missing", "commitment")  # 容缺, 告知承诺
# A case that ended without its result (or lost it) owes nothing any more.
NOT_OWING = ("rejected", "revoked")


@dataclass(frozen=True)
class Due:
    """One owed material as a filing opens it."""

    material: str
    state: str  # missing | commitment
    due: date
    approximate: bool


@dataclass(frozen=True)
class Owed:
    """One owed material as the table holds it."""

    application_id: str
    material: str
    state: str
    due_date: str
    due_approximate: bool
    supplied_on: str | None
    status: str = ""  # the case's status, for lists

    def overdue(self, today: date) -> bool:
        return self.supplied_on is None and self.due_date < today.isoformat()

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def plan(item: ServiceItem, materials: Mapping[str, Any], start: date,
         calendar: WorkingCalendar) -> tuple[Due, ...]:
    """The materials `materials` (code -> state, as filed) leaves owed, each with its due date:
    `item.supply_days(code)` working days after `start` (pure)."""
    out = []
    for code, state in materials.items():
        if state in OWED_STATES:
            deadline = calendar.add_working_days(start, item.supply_days(str(code)))
            out.append(Due(str(code), str(state), deadline.due, deadline.approximate))
    return tuple(out)


def file(db: sqlite_utils.Database, application_id: str, dues: Iterable[Due], *,
         provided: Iterable[str] = (), on: date | None = None) -> None:
    """Open a row for each newly owed material; close those the filing now provides.

    A material owed before keeps its first due date (a correction does not extend it);
    `provided` are the codes the filing marks provided, closed on `on`.
    """
    for d in dues:
        db.execute("INSERT INTO owed_materials (application_id, material, state,"
                   " due_date, due_approximate) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   (application_id, d.material, d.state, d.due.isoformat(), int(d.approximate)))
    codes = list(provided)
    if codes and on is not None:
        db.execute(f"UPDATE owed_materials SET supplied_on = ? WHERE application_id = ?"
                   f" AND supplied_on IS NULL AND material IN ({', '.join('?' * len(codes))})",
                   [on.isoformat(), application_id, *codes])


def supplied(db: sqlite_utils.Database, application_id: str, material: str, on: str) -> bool:
    """Close an owed material (True if it was open)."""
    cursor = db.execute("UPDATE owed_materials SET supplied_on = ? WHERE application_id = ?"
                        " AND material = ? AND supplied_on IS NULL", (on, application_id, material))
    return bool(cursor.rowcount)


def provided_codes(materials: Mapping[str, Any]) -> list[str]:
    return [str(code) for code, state in materials.items() if state == "provided"]


def _rows(db: sqlite_utils.Database, where: str, params: Sequence[Any]) -> list[Owed]:
    return [Owed(str(a), str(m), str(s), str(d), bool(x), None if o is None else str(o), str(st))
            for a, m, s, d, x, o, st in db.execute(
                "SELECT o.application_id, o.material, o.state, o.due_date, o.due_approximate,"
                " o.supplied_on, a.status FROM owed_materials o"
                f" JOIN applications a ON a.id = o.application_id WHERE {where}"
                " ORDER BY o.due_date, o.application_id, o.material", params).fetchall()]


def of_case(db: sqlite_utils.Database, application_id: str) -> list[Owed]:
    """Every owed material of a case, supplied or not, earliest due first."""
    return _rows(db, "o.application_id = ?", [application_id])


def outstanding(database: Database, *, application_ids: Sequence[str] | None = None) -> list[Owed]:
    """What is still owed (not supplied) on cases that still owe, earliest due first."""
    where = (f"o.supplied_on IS NULL AND a.status NOT IN ({', '.join('?' * len(NOT_OWING))})")
    params: list[Any] = [*NOT_OWING]
    if application_ids is not None:
        where += f" AND o.application_id IN ({', '.join('?' * len(application_ids)) or 'NULL'})"
        params += list(application_ids)
    with database.read() as db:
        return _rows(db, where, params)


def overdue(database: Database, today: date) -> list[Owed]:
    """Owed materials past their due date (the alarm at both ends)."""
    return [o for o in outstanding(database) if o.overdue(today)]


def had_commitment(db: sqlite_utils.Database, application_id: str) -> bool:
    """The case was filed with a signed commitment (告知承诺) in place of a material."""
    return db.execute("SELECT 1 FROM owed_materials WHERE application_id = ? AND state ="
                      " 'commitment' LIMIT 1", [application_id]).fetchone() is not None
