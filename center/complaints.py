"""投诉监督台: complaints about a case or a window, filed, due, answered, the answer sent down.

A complaint comes from a village (the agent took it down: a `complained` event on the case,
filed here by ingest through `file_village_complaint`) or is taken at the center by a clerk
(`record`). Either is due in `supervision.settings(db).complaint_days` working days on the
center's calendar, raises its blue card (`supervision.note_complaint`) and is answered once
(`answer`). The words and the answer are kept sealed in `complaints.body` (AEAD under the
store's keys, associated data naming the complaint); only codes and days stay readable. The
answer to a complaint about a case is a center event on the case (`complaint_answered`), sent
down to the village sealed like a decision, so the agent can tell the villager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from center import supervision
from center.console import complaint_texts as _texts  # noqa: F401  (the words below)
from storage import audit
from storage.crypto import Keys
from storage.errors import InvalidRequest, NotPermitted
from sync import complaints as rules
from sync.node import Node

STATES = ("open", "answered", "all")
CLERK_ROLES = ("clerk", "manager")


@dataclass(frozen=True)
class Complaint:
    id: str
    application_id: str | None
    window_code: str
    village_code: str
    source: str  # village | center
    received_on: str
    due_on: str
    yellow_from: str
    red_from: str
    clerk: str
    answered_on: str | None
    text: str
    answer: str
    recorded_by: str
    answered_by: str

    def colour(self, today: date) -> str:
        """red (past due), yellow (due soon), blue (open, in time), or '' once answered."""
        if self.answered_on:
            return ""
        day = today.isoformat()
        return "red" if day >= self.red_from else "yellow" if day >= self.yellow_from else "blue"

    def as_dict(self, today: date) -> dict[str, Any]:
        return {**self.__dict__, "colour": self.colour(today)}


def refusal(key: str, **values: object) -> InvalidRequest:
    return InvalidRequest(key, **values)


def _aad(complaint_id: str) -> str:
    return f"complaint:{complaint_id}"


def _seal(keys: Keys, complaint_id: str, body: dict[str, Any]) -> bytes:
    return keys.seal_json(body, _aad(complaint_id))


def _dates(node: Node, db: sqlite_utils.Database, today: date) -> tuple[str, str, str]:
    """(due_on, yellow_from, red_from) of a complaint received today, on our calendar."""
    rules_now = supervision.settings(db)
    calendar = node.session.calendar()
    due = calendar.add_working_days(today, rules_now.complaint_days).due.isoformat()
    yellow, red = supervision.windows_of(calendar, due, min(rules_now.yellow_days,
                                                            rules_now.complaint_days))
    return due, str(yellow), str(red)


def _insert(node: Node, db: sqlite_utils.Database, complaint_id: str, *, app_id: str | None,
            window_code: str, village_code: str, source: str, clerk: str, body: dict[str, Any],
            today: date) -> bool:
    due, yellow, red = _dates(node, db, today)
    cursor = db.execute(
        "INSERT INTO complaints (id, application_id, window_code, village_code, source,"
        " received_on, due_on, yellow_from, red_from, clerk, body)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (complaint_id, app_id, window_code, village_code, source, today.isoformat(), due, yellow,
         red, clerk, _seal(node.session.keys, complaint_id, body)))
    if not cursor.rowcount:
        return False
    supervision.note_complaint(db, complaint_id, filed=True, node=node)
    return True


def file_village_complaint(node: Node, db: sqlite_utils.Database, app_id: str,
                           body: dict[str, Any], *, today: date | None = None) -> bool:
    """A village's `complained` event, filed here in ingest's transaction (checked already by
    `sync.messages.check_village_event`). Once: False if the number is filed already."""
    row = db.execute("SELECT window_code, clerk, village_code FROM applications WHERE id = ?",
                     [app_id]).fetchone()
    if row is None:
        return False
    return _insert(node, db, str(body["complaint_id"]), app_id=app_id, window_code=str(row[0]),
                   village_code=str(row[2]), source="village", clerk=str(row[1]),
                   body={"text": str(body.get("text") or "").strip(),
                         "recorded_by": str(body.get("agent") or "")},
                   today=today or date.today())


def _clerk_of(node: Node) -> str:
    operator = node.session.operator
    if operator.role not in CLERK_ROLES:
        raise NotPermitted("complaint.not_clerk")
    return operator.name


def check_text(text: str, key: str = "complaint.need_text") -> str:
    """The words as they will be kept, or a refusal naming what is wrong (pure)."""
    kept = rules.clean_text(text)
    if kept is None:
        if (text or "").strip():
            raise refusal("complaint.too_long", n=rules.MAX_TEXT)
        raise refusal(key)
    return kept


def record(node: Node, *, application_id: str | None = None, window_code: str | None = None,
           text: str, today: date | None = None) -> str:
    """A complaint taken at the center about a case (its number) or a window (its code).
    Returns the complaint number to give the complainant. Refused, nothing is written."""
    name = _clerk_of(node)
    case, window = (application_id or "").strip(), (window_code or "").strip().upper()
    if bool(case) == bool(window):
        raise refusal("complaint.case_or_window")
    words = check_text(text)
    today = today or date.today()
    with node.session.store.database.write() as db:
        if case:
            row = db.execute("SELECT window_code, clerk, village_code FROM applications"
                             " WHERE id = ?", [case]).fetchone()
            if row is None:
                raise refusal("complaint.no_case", id=case)
            window, clerk, village = str(row[0]), str(row[1]), str(row[2])
        else:
            if db.execute("SELECT 1 FROM windows WHERE code = ?", [window]).fetchone() is None:
                raise refusal("complaint.no_window", code=window)
            clerk, village = "", ""
        complaint_id = rules.new_id()
        while db.execute("SELECT 1 FROM complaints WHERE id = ?", [complaint_id]).fetchone():
            complaint_id = rules.new_id()  # 50 random bits: practically never
        _insert(node, db, complaint_id, app_id=case or None, window_code=window,
                village_code=village, source="center", clerk=clerk,
                body={"text": words, "recorded_by": name}, today=today)
        audit.append(db, name, "complaint.recorded", complaint_id, case or window,
                     node.session.keys)
    return complaint_id


def answer(node: Node, complaint_id: str, text: str, *, today: date | None = None) -> Complaint:
    """The center's answer, once; about a case, it goes down to the village on the case."""
    from center.ingest import _decide_in, _village_of

    name = _clerk_of(node)
    cid = rules.normalize_id(complaint_id)
    words = check_text(text, "complaint.need_answer")
    today = today or date.today()
    keys = node.session.keys
    with node.session.store.database.write() as db:
        found = _read(db, keys, "WHERE id = ?", [cid or complaint_id.strip()])
        if not found:
            raise refusal("complaint.unknown", id=complaint_id.strip())
        complaint = found[0]
        if complaint.answered_on:
            raise refusal("complaint.already", id=complaint.id, day=complaint.answered_on)
        body = {"text": complaint.text, "recorded_by": complaint.recorded_by, "answer": words,
                "answered_by": name}
        db.execute("UPDATE complaints SET answered_on = ?, body = ? WHERE id = ?",
                   (today.isoformat(), _seal(keys, complaint.id, body), complaint.id))
        audit.append(db, name, "complaint.answered", complaint.id,
                     complaint.application_id or complaint.window_code, keys)
        if complaint.application_id:
            item = db.execute("SELECT item_code FROM applications WHERE id = ?",
                              [complaint.application_id]).fetchone()
            _decide_in(node, db, complaint.application_id, "complaint_answered",
                       {"complaint_id": complaint.id, "answer": words,
                        "answered_on": today.isoformat()},
                       _village_of(db, complaint.application_id), str(item[0]) if item else "")
        supervision.note_complaint(db, complaint.id, node=node)
        return _read(db, keys, "WHERE id = ?", [complaint.id])[0]


_COLUMNS = ("id, application_id, window_code, village_code, source, received_on, due_on,"
            " yellow_from, red_from, clerk, answered_on, body")


def _read(db: sqlite_utils.Database, keys: Keys, where: str, params: list[Any]) -> list[Complaint]:
    out = []
    for row in db.execute(f"SELECT {_COLUMNS} FROM complaints {where}", params).fetchall():
        body = keys.open_json(row[11], _aad(str(row[0])))
        out.append(Complaint(
            str(row[0]), row[1], str(row[2]), str(row[3]), str(row[4]), str(row[5]), str(row[6]),
            str(row[7]), str(row[8]), str(row[9]), row[10], str(body.get("text", "")),
            str(body.get("answer", "")), str(body.get("recorded_by", "")),
            str(body.get("answered_by", ""))))
    return out


def listing(node: Node, *, state: str = "open", window: str = "", case: str = "",
            limit: int = 500) -> list[Complaint]:
    """Complaints, oldest due first; `state` open | answered | all, optionally one window or case."""
    if state not in STATES:
        raise refusal("complaint.bad_state")
    clauses, params = [], []
    if state == "open":
        clauses.append("answered_on IS NULL")
    elif state == "answered":
        clauses.append("answered_on IS NOT NULL")
    if window:
        clauses.append("window_code = ?")
        params.append(window.strip().upper())
    if case:
        clauses.append("application_id = ?")
        params.append(case.strip())
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    order = " ORDER BY answered_on IS NOT NULL, due_on, received_on, id LIMIT ?"
    with node.session.store.database.read() as db:
        return _read(db, node.session.keys, where + order, [*params, limit])
