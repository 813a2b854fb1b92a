"""一窗受理 at a center: its windows, who sits at which, and who answers for each case.

A case is assigned to a window when the center receives it (the window that takes the
item's department, else the 综合窗口); a clerk of that window takes it (deciding an
untaken case takes it too); the responsible clerk, or the center's manager, may hand it to
another window. While a clerk is away (leave, training) their AB 岗 stand-in decides their
cases, and the record says so. A clerk with no window is a generalist: they may take any
untaken case. With no windows set up at all, every case is open to every clerk, as before.

Every step is a row of `assignments` (the case's timeline shows them) and of the audit chain.
A hand-over's note may name the villager, so it is sealed like every other note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from storage import audit
from storage.crypto import Keys
from storage.db import Database
from storage.errors import InvalidRequest, NotPermitted
from storage.messages import both, listed, say

GENERAL = "ZH"  # 综合窗口: receives what no other window does
GENERAL_NAME = say("zh", "window.general")  # stored as the center names it
ACTIONS = ("assigned", "taken", "handed", "stand_in", "forwarded")
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


@dataclass(frozen=True)
class Window:
    code: str
    name: str
    departments: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    at: str
    action: str
    window_code: str
    clerk: str
    by: str
    note: str


@dataclass(frozen=True)
class Desk:
    """Who answers for a case now."""

    window_code: str
    clerk: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def windows(database: Database) -> list[Window]:
    with database.read() as db:
        return _windows(db)


def _windows(db: sqlite_utils.Database) -> list[Window]:
    return [Window(str(c), str(n), tuple(json.loads(str(d))))
            for c, n, d in db.execute("SELECT code, name, departments FROM windows ORDER BY code")]


def names(db: sqlite_utils.Database) -> dict[str, str]:
    """Window code -> its name."""
    return {w.code: w.name for w in _windows(db)}


def check_code(code: str) -> str:
    code = code.strip().upper()
    if not code or len(code) > 12 or not set(code) <= _CODE_CHARS:
        raise InvalidRequest("storage.window.code")
    return code


def save_window(database: Database, keys: Keys, code: str, name: str,
                departments: Iterable[str], *, by: str) -> Window:
    """Add a window or change its name and departments (a department is received by one window)."""
    code, name = check_code(code), name.strip()
    if not name or len(name) > 30:
        raise InvalidRequest("storage.window.name_length")
    wanted = tuple(dict.fromkeys(d.strip() for d in departments if d.strip()))
    with database.write() as db:
        for other in _windows(db):
            taken = set(wanted) & set(other.departments)
            if other.code != code and taken:
                raise InvalidRequest("storage.window.department_taken",
                                     departments=listed(sorted(taken)), window=other.name)
        db.execute("INSERT INTO windows (code, name, departments, created_at) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT(code) DO UPDATE SET name = excluded.name,"
                   " departments = excluded.departments",
                   (code, name, json.dumps(wanted, ensure_ascii=False), _now()))
        audit.append(db, by, "window.save", code, f"{name}: {'/'.join(wanted)}", keys)
    return Window(code, name, wanted)


def ensure_defaults(database: Database, keys: Keys, departments: dict[str, str], *, by: str) -> int:
    """First use at a center: a window per department it handles and the 综合窗口. Returns how many made.

    `departments`: department name -> window code (the catalog's item codes begin with
    their department's letters: MZ-… 民政, RS-… 人社).
    """
    with database.read() as db:
        if db.execute("SELECT 1 FROM windows LIMIT 1").fetchone():
            return 0
    used = {GENERAL}
    for department, code in sorted(departments.items()):
        code = check_code(code) if code and check_code(code) not in used else f"W{len(used):02d}"
        used.add(code)
        save_window(database, keys, code, say("zh", "window.of_department", department=department),
                    [department], by=by)
    save_window(database, keys, GENERAL, GENERAL_NAME, [], by=by)
    return len(used)


def departments_of(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(item code, department) pairs -> department -> code (the item codes' common prefix)."""
    out: dict[str, str] = {}
    for code, department in items:
        out.setdefault(department, code.split("-")[0])
    return out


def window_for(db: sqlite_utils.Database, department: str) -> str:
    """The window that receives this department's items: its own, else the 综合窗口, else ''."""
    general = ""
    for window in _windows(db):
        if department in window.departments:
            return window.code
        if window.code == GENERAL:
            general = window.code
    return general


def assign_received(db: sqlite_utils.Database, application_id: str, department: str) -> None:
    """On receipt: the case goes to its window (once; a correction round keeps where it is)."""
    row = db.execute("SELECT window_code FROM applications WHERE id = ?", [application_id]).fetchone()
    if row is None or row[0]:
        return
    code = window_for(db, department)
    if not code:
        return
    db.execute("UPDATE applications SET window_code = ? WHERE id = ?", (code, application_id))
    _log(db, None, application_id, "assigned", code, "", "", "")


def _log(db: sqlite_utils.Database, keys: Keys | None, application_id: str, action: str,
         window_code: str, clerk: str, by: str, note: str) -> None:
    sealed = keys.seal_json({"note": note}, f"assignment:{application_id}").hex() if (
        keys and note) else ""
    db.execute("INSERT INTO assignments (application_id, action, window_code, clerk, by_operator,"
               " note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
               (application_id, action, window_code, clerk, by, sealed, _now()))


def desk(db: sqlite_utils.Database, application_id: str) -> Desk:
    row = db.execute("SELECT window_code, clerk FROM applications WHERE id = ?",
                     [application_id]).fetchone()
    if row is None:
        raise InvalidRequest("storage.window.no_case", id=application_id)
    return Desk(str(row[0]), str(row[1]))


def _operator(db: sqlite_utils.Database, name: str) -> tuple[str, str, str, bool] | None:
    """(role, window, stand-in, away) of an active operator."""
    row = db.execute("SELECT role, window_code, standin, away FROM operators WHERE name = ?"
                     " AND active = 1", [name]).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]), bool(row[3]))


def claim_for_decision(db: sqlite_utils.Database, keys: Keys, application_id: str,
                       operator: str) -> str:
    """Inside a decision's write transaction: may `operator` decide this case? Takes it if untaken.

    Returns "" or "stand_in" (deciding for an away clerk); raises NotPermitted with what
    to do otherwise. The case's responsible clerk decides; an untaken case is taken by a
    clerk of its window (or one with no window, or the manager) by deciding it.
    """
    current = desk(db, application_id)
    me = _operator(db, operator)
    if me is None:  # disabled since they logged in (a console session may still be open)
        raise NotPermitted("storage.window.operator_disabled", name=operator)
    role, my_window, _, _ = me
    if current.clerk == operator:
        return ""
    if not current.clerk:
        if current.window_code and my_window and my_window != current.window_code and role != "manager":
            name = _window_name(db, current.window_code)
            raise NotPermitted("storage.window.not_yours", id=application_id, window=name)
        db.execute("UPDATE applications SET clerk = ? WHERE id = ?", (operator, application_id))
        _log(db, keys, application_id, "taken", current.window_code, operator, operator, "")
        return ""
    holder = _operator(db, current.clerk)
    if holder is not None and holder[3] and holder[2] == operator:
        _log(db, keys, application_id, "stand_in", current.window_code, operator, operator,
             current.clerk)
        return "stand_in"
    away = both("storage.window.away", standin=holder[2]) if holder and holder[3] and holder[2] else ""
    raise NotPermitted("storage.window.someone_elses", id=application_id, clerk=current.clerk,
                       away=away)


def _window_name(db: sqlite_utils.Database, code: str) -> str:
    row = db.execute("SELECT name FROM windows WHERE code = ?", [code]).fetchone()
    return str(row[0]) if row else code


def take(database: Database, keys: Keys, application_id: str, operator: str) -> None:
    """A clerk takes an untaken case of their window (认领)."""
    with database.write() as db:
        current = desk(db, application_id)
        if current.clerk == operator:
            return
        if current.clerk:
            raise NotPermitted("storage.window.taken", id=application_id, clerk=current.clerk)
        claim_for_decision(db, keys, application_id, operator)
        audit.append(db, operator, "case.take", application_id, current.window_code, keys)


def hand_over(database: Database, keys: Keys, application_id: str, *, window_code: str,
              clerk: str = "", note: str = "", by: str) -> Desk:
    """Move a case to another window (and clerk): by its responsible clerk, a clerk of its
    window while untaken, or the manager. The note says why; it travels with the case here."""
    with database.write() as db:
        current = desk(db, application_id)
        me = _operator(db, by)
        if me is None:
            raise NotPermitted("storage.window.inactive")
        role, my_window, _, _ = me
        allowed = role == "manager" or current.clerk == by or (
            not current.clerk and my_window in ("", current.window_code))
        if not allowed:
            raise NotPermitted("storage.window.not_yours_to_hand", id=application_id,
                               clerk=current.clerk or "")
        target = check_code(window_code)
        if not db.execute("SELECT 1 FROM windows WHERE code = ?", [target]).fetchone():
            raise InvalidRequest("storage.window.unknown", code=target)
        if clerk:
            person = _operator(db, clerk)
            if person is None:
                raise InvalidRequest("storage.window.no_clerk", name=clerk)
            if person[1] not in ("", target):
                raise InvalidRequest("storage.window.clerk_elsewhere", name=clerk,
                                     window=_window_name(db, person[1]))
        if (target, clerk) == (current.window_code, current.clerk):
            raise InvalidRequest("storage.window.there_already")
        if not note.strip():
            raise InvalidRequest("storage.window.why")
        db.execute("UPDATE applications SET window_code = ?, clerk = ? WHERE id = ?",
                   (target, clerk, application_id))
        _log(db, keys, application_id, "handed", target, clerk, by, note.strip()[:500])
        audit.append(db, by, "case.hand_over", application_id, f"{target} {clerk}".strip(), keys)
        return Desk(target, clerk)


def record_forward(db: sqlite_utils.Database, keys: Keys, application_id: str, by: str,
                   note: str) -> None:
    current = desk(db, application_id)
    _log(db, keys, application_id, "forwarded", current.window_code, current.clerk, by, note)


def history(database: Database, keys: Keys, application_id: str) -> list[Assignment]:
    with database.read() as db:
        rows = db.execute("SELECT at, action, window_code, clerk, by_operator, note FROM assignments"
                          " WHERE application_id = ? ORDER BY id", [application_id]).fetchall()
    out = []
    for at, action, window_code, clerk, by, note in rows:
        text = str(keys.open_json(bytes.fromhex(note), f"assignment:{application_id}")["note"]) if (
            note) else ""
        out.append(Assignment(str(at), str(action), str(window_code), str(clerk), str(by), text))
    return out


def set_desk(database: Database, keys: Keys, name: str, *, window_code: str, standin: str,
             by: str) -> None:
    """The manager seats a clerk at a window and names their AB 岗 stand-in."""
    with database.write() as db:
        if _operator(db, name) is None:
            raise InvalidRequest("storage.window.no_clerk", name=name)
        code = check_code(window_code) if window_code.strip() else ""
        if code and not db.execute("SELECT 1 FROM windows WHERE code = ?", [code]).fetchone():
            raise InvalidRequest("storage.window.unknown", code=code)
        standin = standin.strip()
        if standin == name:
            raise InvalidRequest("storage.window.self_standin")
        if standin and _operator(db, standin) is None:
            raise InvalidRequest("storage.window.no_clerk", name=standin)
        db.execute("UPDATE operators SET window_code = ?, standin = ? WHERE name = ?",
                   (code, standin, name))
        audit.append(db, by, "operator.desk", name, f"{code} / {standin}", keys)


def set_away(database: Database, keys: Keys, name: str, away: bool, *, by: str) -> None:
    """A clerk is away (their stand-in decides their cases) or back."""
    with database.write() as db:
        person = _operator(db, name)
        if person is None:
            raise InvalidRequest("storage.window.no_clerk", name=name)
        if away and not person[2]:
            raise InvalidRequest("storage.window.no_standin", name=name)
        db.execute("UPDATE operators SET away = ? WHERE name = ?", (int(away), name))
        audit.append(db, by, "operator.away" if away else "operator.back", name, "", keys)


def covered_by(db: sqlite_utils.Database, operator: str) -> list[str]:
    """The away clerks whose cases `operator` stands in for now."""
    return [str(r[0]) for r in db.execute(
        "SELECT name FROM operators WHERE away = 1 AND standin = ? AND active = 1", [operator])]


