"""电子监察 and 统计分析: each case's facts, its cards, and the figures, kept as cases move.

A center keeps one `case_facts` row per case (codes, staff names, days; nothing personal),
rewritten inside the transaction that files or decides an event (`note_event`), and the
month's counters in `figure_counts` moved by the difference between the old row and the new
one, under every dimension the figures are read by. A figures page then sums a few hundred
counter rows, whatever the store holds; only "open and red today" is counted at read time,
from the open cases' partial index. A county files its townships' status records with the
same function (`file_facts`), so its figures are the same arithmetic over every township.

Colours follow the working-day calendar: a case is yellow from `yellow_from` (N working days
left or fewer, N from the center's settings) and red from `red_from` (the day after the
promised day), so today's colour is a comparison of days. `late` is sticky: a case red once
counts as late when it is finished. `settle` writes the card history (each card's first
day and the day it cleared) for the supervision pages; today's cards are read live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from center import error_texts as error_texts  # the settings' refusals join the catalogue
from forms.errors import UnknownItemError
from forms.workdays import WorkingCalendar
from storage import audit
from storage.crypto import Keys
from storage.errors import InvalidRequest
from storage.messages import both
from storage.status import BAD_RATING, OPEN_STATUSES, derive_status, moves_on, rating_level

DIMS = ("township", "village", "item", "window", "clerk", "agent")
COUNTERS = ("received", "done_instant", "ontime_instant", "done_promised", "ontime_promised",
            "late_done", "rated", "satisfied", "bad", "bad_closed", "complaints")
FINISHED = ("completed", "rejected")
# A case waiting for the villager's correction is on the villager's clock, not the center's.
PAUSED = ("correction_requested",)
SETTINGS_KEY = "supervision.settings"
FACT_FIELDS = ("township", "village_code", "item_code", "window_code", "clerk", "agent",
               "instant", "status", "received_on", "due_on", "yellow_from", "red_from",
               "finished_on", "late", "rating", "rated_on", "followup_closed", "blue_since")
MAX_DAYS = 30


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    yellow_days: int = 2
    item_yellow_days: dict[str, int] = field(default_factory=dict)
    followup_days: int = 15
    complaint_days: int = 15

    def yellow_for(self, item_code: str) -> int:
        return self.item_yellow_days.get(item_code, self.yellow_days)

    def as_dict(self) -> dict[str, Any]:
        return {"yellow_days": self.yellow_days, "item_yellow_days": dict(self.item_yellow_days),
                "followup_days": self.followup_days, "complaint_days": self.complaint_days}


_SETTING_NAMES = {"yellow_days": "sup.setting.yellow_days", "followup_days": "sup.setting.followup_days",
                  "complaint_days": "sup.setting.complaint_days"}


def _days_value(value: Any, what: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_DAYS:
        name = both(_SETTING_NAMES[what]) if what in _SETTING_NAMES else both(
            "sup.setting.item_yellow_days", item=what)
        raise InvalidRequest("sup.setting.days_range", name=name, low=low, high=MAX_DAYS)
    return value


def settings(db: sqlite_utils.Database) -> Settings:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [SETTINGS_KEY]).fetchone()
    if row is None:
        return Settings()
    try:
        data = json.loads(row[0])
        return Settings(int(data["yellow_days"]),
                        {str(k): int(v) for k, v in dict(data.get("item_yellow_days", {})).items()},
                        int(data["followup_days"]), int(data["complaint_days"]))
    except (ValueError, KeyError, TypeError):
        return Settings()


def save_settings(db: sqlite_utils.Database, keys: Keys, new: Settings, operator: str, *,
                  calendar: WorkingCalendar | None = None) -> None:
    """The manager's settings, checked whole before anything is written, and audited; with the
    calendar, the open cases take the new yellow days at once (`restamp`)."""
    _days_value(new.yellow_days, "yellow_days")
    for code, days in new.item_yellow_days.items():
        if not isinstance(code, str) or not code.strip() or len(code) > 64:
            raise InvalidRequest("sup.setting.bad_item")
        _days_value(days, code)
    _days_value(new.followup_days, "followup_days", 1)
    _days_value(new.complaint_days, "complaint_days", 1)
    text = json.dumps(new.as_dict(), ensure_ascii=False, sort_keys=True)
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
               " value = excluded.value", [SETTINGS_KEY, text])
    audit.append(db, operator, "supervision.settings", "", text, keys)
    if calendar is not None:
        restamp(db, calendar)


# ---------------------------------------------------------------- days


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def yellow_start(calendar: WorkingCalendar, due: date, days: int) -> date:
    """The first day with at most `days` working days left until `due` (working days in (d, due])."""
    day, left = due, 0
    while True:
        previous = day - timedelta(days=1)
        if calendar.is_working_day(day):
            left += 1
        if left > days:
            return day
        day = previous
        if (due - day).days > 400:  # a calendar with no working days: never reached in practice
            return day


def windows_of(calendar: WorkingCalendar, due_on: str | None, days: int) -> tuple[str | None, str | None]:
    due = _day(due_on)
    if due is None:
        return None, None
    return yellow_start(calendar, due, days).isoformat(), (due + timedelta(days=1)).isoformat()


def _month(day: str | None) -> str | None:
    return day[:7] if day else None


# ---------------------------------------------------------------- figure deltas


def contributions(facts: dict[str, Any] | None) -> Iterator[tuple[str, str]]:
    """(month, counter) pairs one case adds to the figures (before dims are applied)."""
    if not facts:
        return
    received = _month(facts.get("received_on"))
    if received:
        yield received, "received"
    finished = _month(facts.get("finished_on"))
    if finished:
        kind = "instant" if facts.get("instant") else "promised"
        yield finished, f"done_{kind}"
        if facts.get("late"):
            yield finished, "late_done"
        else:
            yield finished, f"ontime_{kind}"
    rated = _month(facts.get("rated_on"))
    level = facts.get("rating")
    if rated and isinstance(level, int):
        yield rated, "rated"
        if level < BAD_RATING:
            yield rated, "satisfied"
        else:
            yield rated, "bad"
            if facts.get("followup_closed"):
                yield rated, "bad_closed"


def dim_keys(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [("all", ""), ("township", str(facts.get("township") or "")),
            ("village", str(facts.get("village_code") or "")),
            ("item", str(facts.get("item_code") or "")),
            ("window", str(facts.get("window_code") or "")),
            ("clerk", str(facts.get("clerk") or "")),
            ("agent", str(facts.get("agent") or ""))]


def deltas(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[tuple[str, str, str, str], int]:
    """The counter moves that turn `old`'s contribution into `new`'s, under every dim."""
    moves: dict[tuple[str, str, str, str], int] = {}
    for facts, sign in ((old, -1), (new, 1)):
        if not facts:
            continue
        keys = dim_keys(facts)
        for month, counter in contributions(facts):
            for dim, key in keys:
                moves[(month, dim, key, counter)] = moves.get((month, dim, key, counter), 0) + sign
    return {k: v for k, v in moves.items() if v}


def apply_deltas(db: sqlite_utils.Database, moves: dict[tuple[str, str, str, str], int]) -> None:
    if not moves:
        return
    db.conn.executemany(
        "INSERT INTO figure_counts (month, dim, key, counter, n) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(month, dim, key, counter) DO UPDATE SET n = figure_counts.n + excluded.n",
        [(*k, v) for k, v in moves.items()])


# ---------------------------------------------------------------- facts


def _row(db: sqlite_utils.Database, app_id: str) -> dict[str, Any] | None:
    cursor = db.execute("SELECT * FROM case_facts WHERE application_id = ?", [app_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def _write(db: sqlite_utils.Database, app_id: str, old: dict[str, Any] | None,
           new: dict[str, Any], *, source: str, version: int | None = None) -> bool:
    """Store `new` if it differs from `old` (or is a newer record); move the counters."""
    if old is not None and all(old.get(k) == new.get(k) for k in FACT_FIELDS) and (
            version is None or version <= int(old["version"])):
        return False
    if version is not None:
        number = version
    elif old is not None:
        number = int(old["version"]) + 1
    else:  # a case new here; after a restore, past any version the county holds (center.recovery)
        number = int(_meta(db, "facts_version_floor") or 0) + 1
    values = {k: new.get(k) for k in FACT_FIELDS}
    values.update(application_id=app_id, source=source, version=number,
                  updated_at=date.today().isoformat())
    for key in ("township", "village_code", "item_code", "window_code", "clerk", "agent"):
        values[key] = str(values.get(key) or "")
    for key in ("instant", "late", "followup_closed"):
        values[key] = int(bool(values.get(key)))
    columns = list(values)
    db.execute(
        f"INSERT INTO case_facts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        " ON CONFLICT(application_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns if c != "application_id"),
        [values[c] for c in columns])
    apply_deltas(db, deltas(old, values))
    return True


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _township_of(node: Any, village_code: str) -> str:
    if node.kind == "township":
        return str(node.session.store.info.village_code)
    return village_code[:9] if len(village_code) >= 9 else ""


def _instant(node: Any, item_code: str) -> bool:
    try:
        return bool(node.session.store.catalog().item(item_code).time_limit_days == 0)
    except UnknownItemError:
        return False


def note_event(node: Any, db: sqlite_utils.Database, app_id: str, event_type: str,
               payload: dict[str, Any], *, today: date | None = None, replay: bool = False,
               status: str | None = None) -> None:
    """Refresh the case's facts after an event was filed or decided here (caller's transaction)."""
    today = today or date.today()
    row = db.execute(
        "SELECT status, item_code, due_date, village_code, window_code, clerk FROM applications"
        " WHERE id = ?", [app_id]).fetchone()
    if row is None:
        return
    current, item_code, due_on, village_code, window_code, clerk = row
    status = status or current  # a replay gives the status the case had at that event
    old = _row(db, app_id)
    # Our own copy of a case (a county's passed-up case) supersedes a township's record of it:
    # start afresh, and the deltas take the record's counts out.
    new: dict[str, Any] = dict(old) if old is not None and old["source"] == "own" else {}
    calendar = node.session.calendar()
    new.update(status=status, item_code=item_code, village_code=village_code or "",
               window_code=window_code or new.get("window_code") or "",
               township=_township_of(node, village_code or ""),
               instant=_instant(node, item_code))
    if clerk:
        new["clerk"] = clerk
    elif event_type in FINISHED and payload.get("clerk") and payload.get("by") != "village":
        new["clerk"] = str(payload["clerk"])
    if event_type == "created" and payload.get("operator"):
        new["agent"] = f"{village_code or ''}/{payload['operator']}"
    if event_type == "received" and payload.get("received_on"):
        new["received_on"] = str(payload["received_on"])[:10]
    elif event_type in ("submitted", "inspection_recorded") and not new.get("received_on") and (
            _village_decided(node, item_code)):
        new["received_on"] = today.isoformat()
    # Sticky lateness: red before this event (its old dates), or red now.
    if old is not None and old.get("red_from") and not old.get("finished_on") and (
            str(old["red_from"]) <= today.isoformat()):
        new["late"] = 1
    if event_type in FINISHED and not new.get("finished_on"):
        new["finished_on"] = today.isoformat()
    if event_type == "rated":
        level = rating_level(payload.get("rating"))
        if level is not None:
            # The villager's day (the village's clock), never later than its arrival here.
            day = _day(payload.get("rated_on"))
            rated_on = min(day, today) if day is not None else today
            new.update(rating=level, rated_on=rated_on.isoformat(), followup_closed=0)
    if replay:  # the promised day as it was at this event, not as it is now
        given = _day(payload.get("due_date"))
        due_on = given.isoformat() if given else (new.get("due_on") or due_on)
    new["due_on"] = due_on
    upstairs = node.kind == "township" and _passed_up(db, app_id)
    if upstairs:  # the county decides it: the county's clock and cards, not ours
        new["yellow_from"], new["red_from"] = None, None
    elif new.get("finished_on") or (status in OPEN_STATUSES and status not in PAUSED):
        new["yellow_from"], new["red_from"] = windows_of(
            calendar, due_on, settings(db).yellow_for(item_code))
    else:  # paused for the villager's correction, or not yet filed: no clock runs
        new["yellow_from"], new["red_from"] = None, None
    if new.get("finished_on") and new.get("red_from") and str(new["finished_on"]) >= str(new["red_from"]):
        new["late"] = 1
    changed = _write(db, app_id, old, new, source="own")
    if changed:
        _clear_case_cards(db, app_id, today)
        _owe_county(node, db, app_id)
    if event_type == "rated" and isinstance(new.get("rating"), int) and (
            new["rating"] >= BAD_RATING) and not upstairs and not replay:
        open_followup(node, db, app_id, int(new["rating"]), str(new["rated_on"]), today=today)


def backfill(node: Any, *, batch: int = 500) -> int:
    """Facts for the cases filed before this version (or any with none), read once from their
    sealed events with the store's key: each event replayed on its own day, so the figures
    count them in their months. Old bad ratings count as 差评 but open no follow-up today.
    Runs at `serve`'s start; a batch of cases is one transaction, and a second run finds
    nothing to do."""
    from storage import events as store_events

    database, done = node.session.store.database, 0
    while True:
        with database.write() as db:
            ids = [r[0] for r in db.execute(
                "SELECT a.id FROM applications a WHERE a.status != 'draft' AND NOT EXISTS"
                " (SELECT 1 FROM case_facts f WHERE f.application_id = a.id) LIMIT ?", [batch])]
            for app_id in ids:
                history = store_events.load(db, node.session.keys, app_id)
                for n, event in enumerate(history):
                    note_event(node, db, app_id, event.type, event.payload,
                               today=_day(event.recorded_at) or date.today(), replay=True,
                               status=derive_status(e.type for e in history[: n + 1]))
                if not history or _row(db, app_id) is None:  # nothing to count: mark it seen
                    _write(db, app_id, None, {"status": "draft"}, source="own")
        done += len(ids)
        if len(ids) < batch:
            return done


def restamp(db: sqlite_utils.Database, calendar: WorkingCalendar) -> int:
    """New yellow days from the settings for every open case (after the manager changed N)."""
    current, moved = settings(db), 0
    for app_id, item, due, yellow in db.execute(
            "SELECT application_id, item_code, due_on, yellow_from FROM case_facts WHERE"
            " finished_on IS NULL AND source = 'own' AND red_from IS NOT NULL").fetchall():
        fresh, _ = windows_of(calendar, due, current.yellow_for(item))
        if fresh != yellow:
            db.execute("UPDATE case_facts SET yellow_from = ?, version = version + 1"
                       " WHERE application_id = ?", [fresh, app_id])
            # A township's county is told (the row is only there at a township).
            db.execute("UPDATE status_out SET version = (SELECT version FROM case_facts WHERE"
                       " application_id = ?) WHERE application_id = ?", [app_id, app_id])
            moved += 1
    return moved


def _passed_up(db: sqlite_utils.Database, app_id: str) -> bool:
    from center.ingest import passed_up

    return passed_up(db, app_id)


def _owe_county(node: Any, db: sqlite_utils.Database, app_id: str) -> None:
    """A township owes its county a status record of the case's newest facts."""
    if node.kind != "township":
        return
    version = db.execute("SELECT version FROM case_facts WHERE application_id = ?",
                         [app_id]).fetchone()[0]
    db.execute("INSERT INTO status_out (application_id, version) VALUES (?, ?)"
               " ON CONFLICT(application_id) DO UPDATE SET version = excluded.version",
               [app_id, version])


def refresh_blue(node: Any, db: sqlite_utils.Database, app_id: str | None) -> None:
    """The first day of the case's open follow-up or complaint, kept in its facts (and so told
    to the county, which shows the township's blue cards from it)."""
    if not app_id:
        return
    old = _row(db, app_id)
    if old is None:
        return
    since = db.execute(
        "SELECT MIN(d) FROM (SELECT opened_on AS d FROM followups WHERE application_id = ?"
        " AND closed_on IS NULL UNION ALL SELECT received_on FROM complaints"
        " WHERE application_id = ? AND answered_on IS NULL) open_items", [app_id, app_id]).fetchone()[0]
    if _write(db, app_id, old, {**old, "blue_since": since}, source=str(old["source"])):
        _owe_county(node, db, app_id)


def _village_decided(node: Any, item_code: str) -> bool:
    from sync.items import decided_at

    return decided_at(item_code, node.session.store.catalog()) == "village"


def file_facts(db: sqlite_utils.Database, facts: dict[str, Any], *, source: str = "own",
               version: int | None = None) -> bool:
    """One case's facts as given (a township's status record at its county): newer replaces
    older, a resend or an older record changes nothing, and a case held here is kept."""
    app_id = str(facts["application_id"])
    old = _row(db, app_id)
    if old is not None and source != "own" and old["source"] == "own":
        return False
    if old is not None and version is not None and version <= int(old["version"]):
        return False
    if old is not None and source != "own" and not moves_on(str(old["status"]),
                                                            str(facts.get("status"))):
        return False  # never backwards: a township restored from a backup files older facts
    return _write(db, app_id, old, dict(facts), source=source, version=version)


def facts_record(db: sqlite_utils.Database, app_id: str) -> dict[str, Any] | None:
    """The case's facts as a status record carries them (no version, no local stamps)."""
    row = _row(db, app_id)
    if row is None:
        return None
    return {"application_id": app_id, **{k: row[k] for k in FACT_FIELDS}}


def mark_followup_closed(node: Any, db: sqlite_utils.Database, app_id: str) -> None:
    old = _row(db, app_id)
    if old is None or old.get("followup_closed"):
        return
    if _write(db, app_id, old, {**old, "followup_closed": 1}, source=str(old["source"])):
        _owe_county(node, db, app_id)


# ---------------------------------------------------------------- follow-ups and complaints


def open_followup(node: Any, db: sqlite_utils.Database, app_id: str, level: int, rated_on: str,
                  *, today: date | None = None) -> int | None:
    """A bad rating opens a follow-up (核实, 整改, 回访) due in `followup_days` working days."""
    today = today or date.today()
    facts = _row(db, app_id) or {}
    current = settings(db)
    days = current.followup_days
    calendar = node.session.calendar()
    due = calendar.add_working_days(today, days).due.isoformat()
    yellow, red = windows_of(calendar, due, min(current.yellow_days, days))
    cursor = db.execute(
        "INSERT INTO followups (application_id, rating, rated_on, opened_on, due_on,"
        " yellow_from, red_from, window_code, clerk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [app_id, level, rated_on, today.isoformat(), due, yellow, red,
         str(facts.get("window_code") or ""), str(facts.get("clerk") or "")])
    if not cursor.rowcount:
        return None
    followup_id = int(db.execute(  # by its unique key: PostgreSQL has no lastrowid
        "SELECT id FROM followups WHERE application_id = ? AND rated_on = ? AND rating = ?",
        [app_id, rated_on, level]).fetchone()[0])
    _raise(db, "followup", str(followup_id), app_id, "blue", today.isoformat())
    refresh_blue(node, db, app_id)
    return followup_id


def note_followup(node: Any, db: sqlite_utils.Database, followup_id: int) -> None:
    """After a follow-up step: a closed follow-up clears its cards and counts as rectified."""
    row = db.execute("SELECT application_id, closed_on FROM followups WHERE id = ?",
                     [followup_id]).fetchone()
    if row is None or not row[1]:
        return
    _clear(db, "followup", str(followup_id), str(row[1]))
    mark_followup_closed(node, db, str(row[0]))
    refresh_blue(node, db, str(row[0]))


def note_complaint(db: sqlite_utils.Database, complaint_id: str, *, filed: bool = False,
                   node: Any = None) -> None:
    """After a complaint is filed (`filed=True`: counts it, raises its blue card) or answered."""
    row = db.execute("SELECT application_id, window_code, received_on, answered_on, village_code"
                     " FROM complaints WHERE id = ?", [complaint_id]).fetchone()
    if row is None:
        return
    app_id, window_code, received_on, answered_on, village_code = row
    if filed and _raise(db, "complaint", complaint_id, app_id, "blue", str(received_on)):
        facts = _row(db, str(app_id)) if app_id else None
        keys = dim_keys(facts) if facts else [
            ("all", ""), ("township", _township_here(db, str(village_code or ""))),
            ("window", str(window_code))]
        apply_deltas(db, {(str(received_on)[:7], dim, key, "complaints"): 1 for dim, key in keys})
    if answered_on:
        _clear(db, "complaint", complaint_id, str(answered_on))
    if node is not None:
        refresh_blue(node, db, app_id)


def _township_here(db: sqlite_utils.Database, village_code: str) -> str:
    """The township a complaint with no case belongs to: its village's, else this township's."""
    if village_code:
        return village_code[:9]
    row = db.execute("SELECT key, value FROM meta WHERE key IN ('node', 'village_code')").fetchall()
    meta = dict(row)
    return str(meta.get("village_code", "")) if meta.get("node") == "township" else ""


# ---------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    subject: str
    subject_id: str
    application_id: str | None
    colour: str
    raised_on: str
    due_on: str | None
    item_code: str
    village_code: str
    township: str
    window_code: str
    clerk: str
    days_left: int | None = None


def _raise(db: sqlite_utils.Database, subject: str, subject_id: str, app_id: str | None,
           colour: str, day: str) -> bool:
    if db.execute("SELECT 1 FROM cards WHERE subject = ? AND subject_id = ? AND colour = ?"
                  " AND cleared_on IS NULL", [subject, subject_id, colour]).fetchone():
        return False
    cursor = db.execute(
        "INSERT INTO cards (subject, subject_id, application_id, colour, raised_on)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", [subject, subject_id, app_id, colour, day])
    return bool(cursor.rowcount)


def _clear(db: sqlite_utils.Database, subject: str, subject_id: str, day: str,
           colours: Iterable[str] = ("yellow", "red", "blue")) -> None:
    marks = list(colours)
    # The later of two days as CASE: scalar MAX(a, b) is SQLite's, GREATEST PostgreSQL's.
    db.execute(f"UPDATE cards SET cleared_on = CASE WHEN raised_on > ? THEN raised_on ELSE ? END"
               f" WHERE subject = ? AND subject_id = ?"
               f" AND cleared_on IS NULL AND colour IN ({', '.join('?' * len(marks))})",
               [day, day, subject, subject_id, *marks])


def _clear_case_cards(db: sqlite_utils.Database, app_id: str, today: date) -> None:
    """A case that moved on out of a colour (finished, paused, a new promised day) clears it."""
    row = db.execute("SELECT yellow_from, red_from, finished_on FROM case_facts WHERE"
                     " application_id = ?", [app_id]).fetchone()
    if row is None:
        return
    yellow, red, finished = row
    day = today.isoformat()
    gone = []
    if finished or not red or red > day:
        gone.append("red")
    if finished or not yellow or yellow > day or (red and red <= day):
        gone.append("yellow")
    if gone:
        _clear(db, "case", app_id, str(finished or day), gone)


def settle(db: sqlite_utils.Database, calendar: WorkingCalendar | None = None,
           today: date | None = None) -> int:
    """Write the card history up to `today` (idempotent): each yellow and red card of a case,
    follow-up or complaint from its first day, and the day it cleared. Marks red cases late.
    Returns the number of cards raised."""
    del calendar  # the days were counted on the calendar when the facts were written
    day = (today or date.today()).isoformat()
    raised = 0
    for subject, table, key, done in (("case", "case_facts", "application_id", "finished_on"),
                                      ("followup", "followups", "id", "closed_on"),
                                      ("complaint", "complaints", "id", "answered_on")):
        app = "application_id"
        rows = db.execute(
            f"SELECT {key}, {app}, yellow_from, red_from FROM {table} WHERE {done} IS NULL"
            f" AND yellow_from IS NOT NULL AND yellow_from <= ?", [day]).fetchall()
        for subject_id, app_id, yellow, red in rows:
            if _raise(db, subject, str(subject_id), app_id, "yellow", str(yellow)):
                raised += 1
            if red and red <= day:
                if _raise(db, subject, str(subject_id), app_id, "red", str(red)):
                    raised += 1
                _clear(db, subject, str(subject_id), str(red), ["yellow"])
        if subject == "case":
            db.execute("UPDATE case_facts SET late = 1 WHERE finished_on IS NULL AND late = 0"
                       " AND red_from IS NOT NULL AND red_from <= ?", [day])
        # Finished subjects clear their open cards on the day they finished.
        db.execute(
            f"UPDATE cards SET cleared_on = (SELECT CASE WHEN cards.raised_on > t.{done}"
            f" THEN cards.raised_on ELSE t.{done} END FROM {table} t WHERE"
            f" CAST(t.{key} AS TEXT) = cards.subject_id) WHERE subject = ? AND cleared_on IS NULL"
            f" AND EXISTS (SELECT 1 FROM {table} t WHERE CAST(t.{key} AS TEXT) = cards.subject_id"
            f" AND t.{done} IS NOT NULL)", [subject])
    return raised


_CASE_CARD_SQL = (
    "SELECT 'case' AS subject, application_id AS subject_id, application_id,"
    " CASE WHEN red_from <= :today THEN 'red' ELSE 'yellow' END AS colour,"
    " CASE WHEN red_from <= :today THEN red_from ELSE yellow_from END AS raised_on, due_on,"
    " item_code, village_code, township, window_code, clerk FROM case_facts"
    " WHERE finished_on IS NULL AND yellow_from IS NOT NULL AND yellow_from <= :today"
    " AND status NOT IN ('correction_requested')")
_SUB_CARD_SQL = (
    "SELECT '{subject}', CAST(s.id AS TEXT), s.application_id, {colour}, {raised}, s.due_on,"
    " COALESCE(f.item_code, ''), COALESCE(f.village_code, {village}), COALESCE(f.township, {township}),"
    " COALESCE(NULLIF(s.window_code, ''), f.window_code, ''), COALESCE(NULLIF(s.clerk, ''), f.clerk, '')"
    " FROM {table} s LEFT JOIN case_facts f ON f.application_id = s.application_id"
    " WHERE s.{done} IS NULL {extra}")


def _card_sql() -> str:
    parts = [_CASE_CARD_SQL]
    for subject, table, done, village in (("followup", "followups", "closed_on", "''"),
                                          ("complaint", "complaints", "answered_on", "s.village_code")):
        township = "substr(s.village_code, 1, 9)" if subject == "complaint" else "''"
        parts.append(_SUB_CARD_SQL.format(subject=subject, table=table, done=done, colour="'blue'",
                                          raised="s.opened_on" if subject == "followup" else "s.received_on",
                                          village=village, township=township, extra=""))
        parts.append(_SUB_CARD_SQL.format(
            subject=subject, table=table, done=done, village=village, township=township,
            colour="CASE WHEN s.red_from <= :today THEN 'red' ELSE 'yellow' END",
            raised="CASE WHEN s.red_from <= :today THEN s.red_from ELSE s.yellow_from END",
            extra="AND s.yellow_from <= :today"))
    # At a county: a township's open follow-up or complaint, told by its status records.
    parts.append(
        "SELECT 'case', application_id, application_id, 'blue', blue_since, NULL, item_code,"
        " village_code, township, window_code, clerk FROM case_facts WHERE source = 'township'"
        " AND blue_since IS NOT NULL AND blue_since <= :today")
    return " UNION ALL ".join(parts)


def _days_left(calendar: WorkingCalendar | None, today: date, due: str | None) -> int | None:
    day = _day(due)
    if calendar is None or day is None:
        return None
    return calendar.working_days_between(today, day)


def open_cards(db: sqlite_utils.Database, today: date | None = None, *, clerk: str | None = None,
               township: str | None = None, colour: str | None = None, window: str | None = None,
               limit: int = 200, calendar: WorkingCalendar | None = None) -> list[Card]:
    """Today's cards, red first, then yellow, then blue, each by due day."""
    today = today or date.today()
    where, params = [], {"today": today.isoformat(), "limit": limit}
    for column, value in (("clerk", clerk), ("township", township), ("colour", colour),
                          ("window_code", window)):
        if value is not None:
            where.append(f"{column} = :{column}")
            params[column] = value
    sql = f"SELECT * FROM ({_card_sql()}) cards_today"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += (" ORDER BY CASE colour WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END,"
            " due_on, subject_id LIMIT :limit")
    rows = db.execute(sql, params).fetchall()
    return [Card(subject=str(r[0]), subject_id=str(r[1]),
                 application_id=None if r[2] is None else str(r[2]), colour=str(r[3]),
                 raised_on=str(r[4]), due_on=None if r[5] is None else str(r[5]),
                 item_code=str(r[6] or ""), village_code=str(r[7] or ""), township=str(r[8] or ""),
                 window_code=str(r[9] or ""), clerk=str(r[10] or ""),
                 days_left=_days_left(calendar, today, r[5])) for r in rows]


ROLLUP_BY = (*DIMS, "department")


def card_rollup(db: sqlite_utils.Database, today: date | None = None, by: str = "window", *,
                township: str | None = None) -> list[tuple[str, int, int, int]]:
    """(key, yellow, red, blue) of today's cards grouped by a dim or by department, most red first."""
    if by not in ROLLUP_BY:
        raise InvalidRequest("sup.rollup.bad_by", by=by)
    column = {"village": "village_code", "item": "item_code", "window": "window_code",
              "department": "CASE WHEN instr(item_code, '-') > 0 THEN substr(item_code, 1,"
                            " instr(item_code, '-') - 1) ELSE item_code END",
              "agent": "''"}.get(by, by)
    where = "WHERE township = :township" if township is not None else ""
    # Counts as SUM(CASE ...): a comparison is an integer in SQLite only (PostgreSQL: boolean).
    yellow, red, blue = (f"SUM(CASE WHEN colour = '{c}' THEN 1 ELSE 0 END)"
                         for c in ("yellow", "red", "blue"))
    sql = (f"SELECT {column} AS k, {yellow}, {red}, {blue}"
           f" FROM ({_card_sql()}) cards_today {where} GROUP BY 1"
           f" ORDER BY {red} DESC, {yellow} DESC, 1")
    params = {"today": (today or date.today()).isoformat(), "township": township}
    return [(str(r[0] or ""), int(r[1] or 0), int(r[2] or 0), int(r[3] or 0))
            for r in db.execute(sql, params).fetchall()]


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    key: str
    received: int = 0
    done_instant: int = 0
    ontime_instant: int = 0
    done_promised: int = 0
    ontime_promised: int = 0
    late: int = 0
    rated: int = 0
    satisfied: int = 0
    bad: int = 0
    bad_closed: int = 0
    complaints: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def done(self) -> int:
        return self.done_instant + self.done_promised

    @property
    def ontime_rate_instant(self) -> float | None:
        return self._rate(self.ontime_instant, self.done_instant)

    @property
    def ontime_rate_promised(self) -> float | None:
        return self._rate(self.ontime_promised, self.done_promised)

    @property
    def ontime_rate(self) -> float | None:
        return self._rate(self.ontime_instant + self.ontime_promised, self.done)

    @property
    def satisfaction(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def rectify_rate(self) -> float | None:
        return self._rate(self.bad_closed, self.bad)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "received": self.received, "done": self.done,
                "done_instant": self.done_instant, "ontime_instant": self.ontime_instant,
                "done_promised": self.done_promised, "ontime_promised": self.ontime_promised,
                "late": self.late, "rated": self.rated, "satisfied": self.satisfied,
                "bad": self.bad, "bad_closed": self.bad_closed, "complaints": self.complaints,
                "ontime_rate_instant": self.ontime_rate_instant,
                "ontime_rate_promised": self.ontime_rate_promised,
                "satisfaction": self.satisfaction, "rectify_rate": self.rectify_rate}


def months_of(period: str) -> list[str]:
    """'2026-10' -> ['2026-10']; '2026-Q4' -> ['2026-10', '2026-11', '2026-12']."""
    text = period.strip().upper()
    quarter = re.fullmatch(r"(\d{4})-?Q([1-4])", text)
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if quarter and int(quarter[1]) >= 2000:
        year, q = int(quarter[1]), int(quarter[2])
        return [f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    if month and int(month[1]) >= 2000 and 1 <= int(month[2]) <= 12:
        return [text]
    raise InvalidRequest("sup.period.bad", period=period)


def last_months(today: date, count: int = 12) -> list[str]:
    year, month, out = today.year, today.month, []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


_DIM_COLUMN = {"township": "township", "village": "village_code", "item": "item_code",
               "window": "window_code", "clerk": "clerk", "agent": "agent", "all": "''"}


def _open_red(db: sqlite_utils.Database, by: str, today: date, within: str | None) -> dict[str, int]:
    column = _DIM_COLUMN[by]
    sql = (f"SELECT {column}, COUNT(*) FROM case_facts WHERE finished_on IS NULL"
           " AND red_from IS NOT NULL AND red_from <= ? AND status NOT IN ('correction_requested')")
    params: list[Any] = [today.isoformat()]
    if within:
        sql += " AND village_code LIKE ?"
        params.append(within + "%")
    return {str(k or ""): int(n) for k, n in db.execute(sql + " GROUP BY 1", params)}


def figures(db: sqlite_utils.Database, months: list[str], *, by: str = "all",
            within: str | None = None, today: date | None = None) -> list[Figures]:
    """The figures of the months (summed) under one dim, a row per key, largest first.

    `within`: a township's (or village's) code prefix, for a county looking at one township
    (only dims whose keys carry the code: village, township, agent; for the others the
    counters are the whole center's). The current month's late count includes open cases red
    today."""
    if by not in _DIM_COLUMN:
        raise InvalidRequest("sup.figures.bad_by", by=by)
    today = today or date.today()
    sql = (f"SELECT key, counter, SUM(n) FROM figure_counts WHERE dim = ? AND month IN"
           f" ({', '.join('?' * len(months))})")
    params: list[Any] = [by, *months]
    if within and by in ("village", "township", "agent"):
        sql += " AND key LIKE ?"
        params.append(within + "%")
    table: dict[str, dict[str, int]] = {}
    for key, counter, n in db.execute(sql + " GROUP BY key, counter", params):
        table.setdefault(str(key), {})[str(counter)] = int(n)
    if f"{today.year:04d}-{today.month:02d}" in months:
        for key, n in _open_red(db, by, today, within if by in ("village", "township", "agent")
                                else None).items():
            table.setdefault(key, {})["open_red"] = n
    rows = []
    for key, counts in table.items():
        values = {c: counts.get(c, 0) for c in COUNTERS if c != "late_done"}
        late = counts.get("late_done", 0) + counts.get("open_red", 0)
        if not any(values.values()) and not late:
            continue
        rows.append(Figures(key=key, late=late, **values))
    rows.sort(key=lambda f: (-f.received, f.key))
    return rows


def series(db: sqlite_utils.Database, months: list[str], *, within: str | None = None,
           today: date | None = None) -> list[tuple[str, Figures]]:
    """One all-center row per month, in order (a month with nothing is zeros)."""
    out = []
    for month in months:
        if within:
            found = figures(db, [month], by="township", within=within, today=today)
            merged = _sum(found, "")
        else:
            found = figures(db, [month], by="all", today=today)
            merged = found[0] if found else Figures(key="")
        out.append((month, replace(merged, key=month)))
    return out


def _sum(rows: list[Figures], key: str) -> Figures:
    total = Figures(key=key)
    for row in rows:
        total = Figures(key=key, **{c: getattr(total, c) + getattr(row, c) for c in (
            "received", "done_instant", "ontime_instant", "done_promised", "ontime_promised",
            "late", "rated", "satisfied", "bad", "bad_closed", "complaints")})
    return total
