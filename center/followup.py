"""A bad rating's follow-up at the center: 核实 (verify), 整改 (rectify), 回访 (call back), in order.

A 不满意 or 非常不满意 that reaches the center opens a `followups` row (`supervision.open_followup`,
called by `supervision.note_event`), due in the settings' `followup_days` working days. The clerk
who handled the case (or their AB 岗 stand-in, or the manager) records each step with a note; the
call back also records the villager's answer and closes the follow-up. Each step is a center event
on the case (`followup_verified`, `followup_rectified`, `followup_called`: no status moves) written
by `ingest._decide_in`, so it is sealed, audited and sent down to the village like a decision, and
the agent can tell the villager. The notes live only in those sealed events; the row keeps days.
Bad input, a step out of order, a closed follow-up or someone else's is refused, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from center import supervision
from center.console import followup_texts as _texts  # noqa: F401  (the words below)
from forms.workdays import WorkingCalendar
from storage.errors import InvalidRequest, NotPermitted, StorageError
from storage.status import CALL_RESULTS
from sync.i18n import t_in
from sync.node import Node

STEPS = ("verify", "rectify", "call")
STEP_EVENT = {"verify": "followup_verified", "rectify": "followup_rectified",
              "call": "followup_called"}
STEP_COLUMN = {"verify": "verified_on", "rectify": "rectified_on", "call": "called_on"}
MAX_NOTE = 500
CLERK_ROLES = ("clerk", "manager")
_COLUMNS = ("id", "application_id", "rating", "rated_on", "opened_on", "due_on", "yellow_from",
            "red_from", "window_code", "clerk", "verified_on", "rectified_on", "called_on",
            "call_result", "closed_on")


@dataclass(frozen=True)
class Followup:
    id: int
    application_id: str
    rating: int
    rated_on: str
    opened_on: str
    due_on: str
    yellow_from: str
    red_from: str
    window_code: str
    clerk: str
    verified_on: str | None
    rectified_on: str | None
    called_on: str | None
    call_result: str | None
    closed_on: str | None

    @property
    def next_step(self) -> str | None:
        """The step to record now (None once closed)."""
        for step in STEPS:
            if getattr(self, STEP_COLUMN[step]) is None:
                return step
        return None

    def colour(self, today: date) -> str:
        """red past its due day, yellow in its last working days, else blue while open; "" closed."""
        if self.closed_on:
            return ""
        day = today.isoformat()
        return "red" if day >= self.red_from else "yellow" if day >= self.yellow_from else "blue"

    def days_left(self, calendar: WorkingCalendar, today: date) -> int:
        """Working days until it is due (negative once late)."""
        return calendar.working_days_between(today, date.fromisoformat(self.due_on))

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _COLUMNS} | {"next_step": self.next_step}


def _refusal(key: str, exc: type[StorageError] = InvalidRequest, **values: object) -> StorageError:
    """A refusal by its catalogue key, said in the reader's language (`describe`)."""
    return exc(key, **values)


def _of(row: Any) -> Followup:
    return Followup(*row)


def followups(db: sqlite_utils.Database, *, open_only: bool = False,
              application_id: str | None = None) -> list[Followup]:
    """Follow-ups, the most urgent first (open before closed, then by due day)."""
    where, params = ["1 = 1"], []
    if open_only:
        where.append("closed_on IS NULL")
    if application_id is not None:
        where.append("application_id = ?")
        params.append(application_id)
    rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM followups WHERE {' AND '.join(where)}"
                      " ORDER BY closed_on IS NOT NULL, due_on, id", params).fetchall()
    return [_of(r) for r in rows]


def for_case(db: sqlite_utils.Database, application_id: str) -> Followup | None:
    """The case's follow-up (its latest, should a case ever carry two)."""
    found = followups(db, application_id=application_id)
    return max(found, key=lambda f: f.id) if found else None


def check_step(step: str, note: str, result: str = "") -> tuple[str, str]:
    """(note, result) as they will be kept; refuses an unknown step, no note, a wrong result (pure)."""
    if step not in STEPS:
        raise _refusal("followup.bad_step", step=step)
    text = (note or "").strip()
    if not text:
        raise _refusal("followup.need_note", step=t_in("zh", f"followup.step_name.{step}"))
    if len(text) > MAX_NOTE:
        raise _refusal("followup.too_long", n=MAX_NOTE)
    result = (result or "").strip()
    if step == "call" and result not in CALL_RESULTS:
        raise _refusal("followup.need_result")
    if step != "call" and result:
        raise _refusal("followup.result_only_call")
    return text, result


def _may_record(db: sqlite_utils.Database, found: Followup, operator: str) -> None:
    """The clerk who handled the case, their stand-in while they are away, or the manager."""
    me = db.execute("SELECT role, window_code FROM operators WHERE name = ? AND active = 1",
                    [operator]).fetchone()
    if me is None or me[0] not in CLERK_ROLES:
        raise _refusal("followup.not_clerk", NotPermitted)
    role, window = str(me[0]), str(me[1] or "")
    if role == "manager" or found.clerk == operator:
        return
    if found.clerk:
        holder = db.execute("SELECT away, standin FROM operators WHERE name = ? AND active = 1",
                            [found.clerk]).fetchone()
        if holder is not None and holder[0] and holder[1] == operator:
            return
        raise _refusal("followup.not_yours", NotPermitted, id=found.id, clerk=found.clerk)
    if found.window_code and window and window != found.window_code:
        raise _refusal("followup.not_window", NotPermitted, id=found.id, window=found.window_code)


def record(node: Node, followup_id: int, step: str, note: str, result: str = "", *,
           today: date | None = None) -> Followup:
    """Record one step of follow-up `followup_id` in order; the call back closes it."""
    from center import ingest

    note, result = check_step(step, note, result)
    today = today or date.today()
    database = node.session.store.database
    operator = node.session.operator.name
    with database.write() as db:
        row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM followups WHERE id = ?",
                         [followup_id]).fetchone()
        if row is None:
            raise _refusal("followup.unknown", id=followup_id)
        found = _of(row)
        if found.closed_on:
            raise _refusal("followup.closed_already", id=found.id, day=found.closed_on)
        if found.next_step != step:
            raise _refusal("followup.wrong_order", id=found.id,
                           next=t_in("zh", f"followup.step_name.{found.next_step}"),
                           step=t_in("zh", f"followup.step_name.{step}"))
        _may_record(db, found, operator)
        app = db.execute("SELECT item_code FROM applications WHERE id = ?",
                         [found.application_id]).fetchone()
        body: dict[str, Any] = {"followup": found.id, "step": step, "note": note,
                                "on": today.isoformat()}
        if result:
            body["result"] = result
        ingest._decide_in(node, db, found.application_id, STEP_EVENT[step], body,
                          ingest._village_of(db, found.application_id),
                          str(app[0]) if app else "")
        closed = today.isoformat() if step == "call" else None
        db.execute(f"UPDATE followups SET {STEP_COLUMN[step]} = ?,"
                   " call_result = COALESCE(?, call_result), closed_on = COALESCE(?, closed_on),"
                   " clerk = CASE WHEN clerk = '' THEN ? ELSE clerk END WHERE id = ?",
                   [today.isoformat(), result or None, closed, operator, found.id])
        supervision.note_followup(node, db, found.id)
        return _of(db.execute(f"SELECT {', '.join(_COLUMNS)} FROM followups WHERE id = ?",
                              [found.id]).fetchone())


def step_text(step: str, lang: str) -> str:
    return t_in(lang, f"followup.step_name.{step}")


def state_text(found: Followup, today: date, lang: str) -> str:
    """已办结（日期）, or the colour and the step to record next."""
    if found.closed_on:
        return t_in(lang, "followup.state.closed", day=found.closed_on)
    return t_in(lang, f"followup.state.{found.colour(today)}") + " " + t_in(
        lang, "followup.state.next", step=step_text(found.next_step or "call", lang))
