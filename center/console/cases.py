"""What the console's pages show, read from the center's store: the worklist and one case.

Pure reading (plus the audit rows of 查询留痕); the pages only format what is returned here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from center import cases as center_cases
from center import texts as texts  # the center's words, in the shared catalogue
from center.console import worklist_texts as worklist_texts  # the filters' words
from forms.model import ServiceItem
from forms.workdays import WorkingCalendar
from storage import applicants, keyset, owed, windows
from storage.errors import InvalidRequest, StorageError
from storage.messages import both
from storage.schema import WORKLIST_ORDER
from storage.status import OPEN_STATUSES, decided_by
from storage.store import Session
from sync.errors import reason_text
from sync.i18n import MESSAGES, t_in
from sync.items import decided_at

STATUSES = ("received", "accepted", "correction_requested", "forwarded", "rejected", "completed",
            "delivered", "rated", "submitted", "revoked")
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}
YELLOW_DAYS = 3  # due within this many working days: yellow
OPEN = frozenset(OPEN_STATUSES)  # cases a deadline can still hurt
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
COUNT_CAP = 1000  # the worklist counts this far ("1000 件以上" past it): a count costs its rows
# WORKLIST_ORDER as keyset terms (tests check they spell it exactly, so the indexes serve them).
WORKLIST_TERMS = (
    keyset.Term("CASE WHEN status IN ('submitted', 'received', 'accepted', 'correction_requested',"
                " 'forwarded') THEN 0 ELSE 1 END", kind=int),
    keyset.Term("priority", desc=True, kind=int),
    keyset.Term("COALESCE(due_date, '9999-12-31')"),
    keyset.Term("id"),
)
_COLUMNS = ("id, item_code, village_code, status, applicant_id, created_at, due_date,"
            " due_approximate, window_code, clerk, rowid AS arrived, applicant_version, priority")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Filters:
    status: str = ""
    item: str = ""
    village: str = ""
    since: str = ""
    until: str = ""
    search: str = ""
    after: str = ""  # the cursor of the previous page's last row ("" the first page)
    scope: str = "mine"  # mine (my cases, my window's untaken ones, those I stand in for) | all
    new_only: bool = False


@dataclass
class Row:
    id: str
    item_code: str
    item_name: str
    village: str
    status: str
    applicant_name: str
    created_at: str
    due_date: str | None
    due_approximate: bool
    days_left: int | None
    colour: str  # "", "yellow", "red"
    new: bool
    window: str = ""
    clerk: str = ""
    owed: int = 0  # materials still owed (容缺, 告知承诺)
    owed_overdue: bool = False  # one of them is past its due date
    priority: bool = False  # 绿色通道: sorts first among the open cases (WORKLIST_ORDER)
    village_decided: bool = False  # 放权下沉: decided at the village; kept here for supervision


@dataclass
class Listing:
    rows: list[Row]
    total: int  # counted up to COUNT_CAP
    items: list[tuple[str, str]]
    villages: list[str]
    next_after: str = ""  # the cursor of the next page ("" none)
    new_count: int = 0  # arrived since the clerk last looked (whatever the filters)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


class DayCounter:
    """Working days between a day and today, for many days at once: one pass over the span,
    then each count is a subtraction (an overdue case from years ago costs no more)."""

    def __init__(self, calendar: WorkingCalendar, days: list[date], today: date | None = None) -> None:
        self.today = today or date.today()
        self.first = min([self.today, *days])
        last = max([self.today, *days])
        self.prefix = [0]
        day = self.first
        while day < last:
            day += timedelta(days=1)
            self.prefix.append(self.prefix[-1] + int(calendar.is_working_day(day)))

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end], negative when end is before start (as the calendar's)."""
        return self.prefix[(end - self.first).days] - self.prefix[(start - self.first).days]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _colour(counter: DayCounter, due: str | None, status: str) -> tuple[int | None, str]:
    due_day = _day(due)
    if due_day is None or status not in OPEN:
        return None, ""
    left = counter.between(counter.today, due_day)
    if due_day < counter.today:
        return left, "red"
    return left, "yellow" if left <= YELLOW_DAYS else ""


def _parse_day(text: str, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest("console.filter.bad_date", what=both(what)) from None


def worklist(session: Session, filters: Filters, *, since_seen: str = "",
             page_size: int = 50) -> Listing:
    """待办: the cases filtered and searched, open ones first by promised date, one page of them.

    The order is WORKLIST_ORDER, which the `applications_worklist` indexes (and those after
    village, status, clerk, clerk and window) hold, and a page starts after the previous page's
    last row (keyset: `filters.after`), so a page costs a page at any depth: only its rows are
    read and only their applicants' names decrypted. A name is found through its blind index.
    """
    since, until = (_parse_day(filters.since, "console.filter.since"),
                    _parse_day(filters.until, "console.filter.until"))
    try:
        after = keyset.decode(filters.after, WORKLIST_TERMS) if filters.after else None
    except ValueError:
        raise InvalidRequest("center.bad_cursor") from None
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("status", filters.status), ("item_code", filters.item),
                          ("village_code", filters.village)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("created_at >= ?")
        params.append(since.isoformat())
    if until:
        where.append("created_at < ?")  # the day after, reckoned here: SQL's date arithmetic
        params.append((until + timedelta(days=1)).isoformat())  # differs between engines
    search = filters.search
    catalog = session.store.catalog()
    with session.store.database.read() as db:
        if filters.new_only and since_seen:
            where.append("rowid > ?")  # arrival order: exact, where stamps are to the second
            params.append(int(since_seen))
        if search and _ID_NUMBER.match(search):
            where.append("applicant_id IN (SELECT id FROM applicants WHERE id_index = ?)")
            params.append(session.keys.blind_index("id_number", search.upper()))
        elif search and re.fullmatch(r"[0-9A-Za-z-]+", search):
            # Numbers are in capitals (the device's tag); LIKE ignores case on SQLite, not on
            # PostgreSQL: the search is put in capitals so both find the same cases.
            where.append("id LIKE ? ESCAPE '\\'")
            params.append("%" + search.upper().replace("%", "").replace("_", "\\_") + "%")
        elif search:  # a name: the names cases were filed with, by their blind index
            where.append(applicants.FILED_UNDER_NAME)
            params.append(applicants.name_index(session.keys, search))
        branches = _desks(db, session.operator.name) if filters.scope != "all" else [("1 = 1", [])]
        found = _page(db, where, params, branches, after, page_size + 1)
        more, found = len(found) > page_size, found[:page_size]
        anyone = " OR ".join(f"({c})" for c, _ in branches)
        total = int(db.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM applications WHERE"
            f" {' AND '.join([*where, f'({anyone})'])} LIMIT ?) capped",
            [*params, *(v for _, vs in branches for v in vs), COUNT_CAP + 1]).fetchone()[0])
        rows = []
        counter = DayCounter(session.calendar(), [d for d in (_day(r[6]) for r in found) if d])
        names = windows.names(db)
        seen = int(since_seen) if since_seen else None
        for (app_id, item, village, status, applicant_id, created, due, approx, window, clerk,
             arrived, version, flagged, *_) in found:
            days_left, colour = _colour(counter, due, status)
            rows.append(Row(str(app_id), str(item), catalog_name(catalog, str(item)), str(village),
                            str(status), applicants.filed_name(db, session.keys, version, applicant_id),
                            str(created), due, bool(approx), days_left, colour,
                            seen is not None and int(arrived) > seen,
                            names.get(str(window), str(window)), str(clerk),
                            priority=bool(flagged),
                            village_decided=decided_at(str(item), catalog) == "village"))
        _mark_owed(db, rows, counter.today)
        new_count = int(db.execute("SELECT COUNT(*) FROM applications WHERE rowid > ?",
                                   [seen]).fetchone()[0]) if seen is not None else 0
        villages = sorted({str(r[0]) for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'village'")})
    items = sorted((e.code, e.name) for e in catalog.entries() if isinstance(e, ServiceItem))
    next_after = keyset.encode(found[-1][-len(WORKLIST_TERMS):]) if more else ""
    return Listing(rows, total, items, villages, next_after, new_count)


def _desks(db: Any, me: str) -> list[tuple[str, list[Any]]]:
    """"Mine" as disjoint branches, each one range of an index in WORKLIST_ORDER: my cases, my
    window's untaken ones (and those of no window), and those of the clerks I stand in for."""
    window = str((db.execute("SELECT window_code FROM operators WHERE name = ?",
                             [me]).fetchone() or [""])[0])
    out: list[tuple[str, list[Any]]] = [("clerk = ?", [me])]
    if window:
        out += [("clerk = '' AND window_code = ?", [window]), ("clerk = '' AND window_code = ''", [])]
    else:
        out.append(("clerk = ''", []))
    out += [("clerk = ?", [c]) for c in windows.covered_by(db, me) if c not in ("", me)]
    return out


def _page(db: Any, where: list[str], params: list[Any], branches: list[tuple[str, list[Any]]],
          after: tuple[keyset.Value, ...] | None, limit: int) -> list[tuple[Any, ...]]:
    """Up to `limit` rows after `after`, in WORKLIST_ORDER, each ending with its sort key.

    Segment by segment of the keyset (storage/keyset.py); within one, each desk branch walks its
    own index and stops at `limit`, and their union is merged: rows read stay about a page.
    """
    keys = ", ".join(f"{t.sql} AS k{n}" for n, t in enumerate(WORKLIST_TERMS))
    merged = ", ".join(f"k{n}" + (" DESC" if t.desc else "") for n, t in enumerate(WORKLIST_TERMS))
    out: list[tuple[Any, ...]] = []
    for segment, bound in keyset.segments(WORKLIST_TERMS, after):
        parts: list[str] = []
        values: list[Any] = []
        for branch, branch_values in branches:
            clause = " AND ".join([*where, branch, segment])
            parts.append(f"SELECT * FROM (SELECT {_COLUMNS}, {keys} FROM applications"
                         f" WHERE {clause} ORDER BY {WORKLIST_ORDER} LIMIT ?) b{len(parts)}")
            values += [*params, *branch_values, *bound, limit - len(out)]
        sql = " UNION ALL ".join(parts)
        if len(parts) > 1:
            sql += f" ORDER BY {merged} LIMIT ?"
            values.append(limit - len(out))
        out += [tuple(r) for r in db.execute(sql, values).fetchall()]
        if len(out) >= limit:
            break
    return out


def _mark_owed(db: Any, rows: list[Row], today: date) -> None:
    """Mark the page's cases that still owe materials, and those owing one past its due date."""
    if not rows:
        return
    found = db.execute(
        "SELECT application_id, COUNT(*), MIN(due_date) FROM owed_materials WHERE supplied_on IS"
        f" NULL AND application_id IN ({', '.join('?' * len(rows))}) GROUP BY application_id",
        [r.id for r in rows]).fetchall()
    owing = {str(a): (int(n), str(first)) for a, n, first in found}
    for r in rows:
        if r.id in owing and r.status not in owed.NOT_OWING:
            r.owed, first = owing[r.id]
            r.owed_overdue = first < today.isoformat()


@dataclass(frozen=True)
class OwedAlarm:
    """An owed material past its due date: the center's alarm beside the sync alarms."""

    application_id: str
    village: str
    material: str  # its name, as the item filed gives it
    state: str
    due_date: str


def owed_alarms(session: Session, today: date | None = None) -> list[OwedAlarm]:
    """Every owed material past its due date on a case that still owes, earliest first."""
    today = today or date.today()
    late = owed.overdue(session.store.database, today)
    with session.store.database.read() as db:
        filed = {str(i): (str(c), str(v), str(vc)) for i, c, v, vc in db.execute(
            "SELECT id, item_code, item_version, village_code FROM applications WHERE id IN"
            f" ({', '.join('?' * len(late)) or 'NULL'})", [o.application_id for o in late])}
    out = []
    for o in late:
        code, version, village = filed.get(o.application_id, ("", "", ""))
        item = center_cases.filed_item(session, code, version) if code else None
        name = next((m.name for m in item.materials if m.code == o.material),
                    o.material) if item else o.material
        out.append(OwedAlarm(o.application_id, village, name, o.state, o.due_date))
    return out


def seen_key(name: str) -> str:
    return f"worklist_seen:{name}"


def last_looked(session: Session) -> str:
    """How far this clerk had seen at their last look ("" never; kept in the store: it outlives
    a log-out). A number of arrival order, not a time: cases arrive many a second."""
    from storage import events

    with session.store.database.read() as db:
        return events.meta_get(db, seen_key(session.operator.name)) or ""


def looked_now(session: Session) -> str:
    """Remember how far this clerk has seen: the newest case's arrival number (rowid)."""
    from storage import events

    with session.store.database.write() as db:
        newest = str(int(db.execute("SELECT COALESCE(MAX(rowid), 0) FROM applications")
                         .fetchone()[0]))
        events.meta_set(db, seen_key(session.operator.name), newest)
    return newest


def catalog_name(catalog: Any, code: str) -> str:
    try:
        return str(catalog.get(code).name)
    except Exception:
        return code


@dataclass
class Target:
    """A field or material of the application that a correction reason may name."""
    kind: str  # "field" or "material"
    name: str
    label: str
    default_reason: str


@dataclass
class CasePage:
    """One case as the console shows it: the case as a clerk reads it (center/cases.py), its
    colour, what a correction may name, and who answers for it (一窗受理)."""

    case: center_cases.Case
    colour: str
    correctable: list[Target]
    window_code: str
    window_name: str
    clerk: str
    timeline: list[tuple[str, str, str]]  # local time, who / where, what
    decisions: list[str]  # what this clerk may decide now
    can_take: bool
    windows: list[windows.Window]
    staff: list[str]  # active clerks, for a hand-over
    note: str = ""  # why decisions are not offered (forwarded, another clerk's case)
    followup: Any = None  # a bad rating's follow-up (center.followup.Followup), if any
    followup_colour: str = ""  # its card: blue, yellow, red ("" closed)


def _row_colour(days_left: int | None, status: str) -> str:
    if days_left is None or status not in OPEN:
        return ""
    return "red" if days_left < 0 else "yellow" if days_left <= YELLOW_DAYS else ""


def _entry(session: Session, case: center_cases.Case) -> ServiceItem | None:
    pinned = session.store.catalog_entry(case.item_code, case.item_version)
    if isinstance(pinned, ServiceItem):
        return pinned
    try:
        found = session.store.catalog().get(case.item_code)
    except Exception:  # an item this center's catalog does not know
        return None
    return found if isinstance(found, ServiceItem) else None


ACTION_TEXT = {"assigned": "console.desk.assigned", "taken": "console.desk.taken",
               "handed": "console.desk.handed", "stand_in": "console.desk.stand_in",
               "forwarded": "console.desk.forwarded"}


def read(session: Session, application_id: str, audit: bool = True, lang: str = "zh",
         kind: str = "township") -> CasePage:
    """One case for the case page; the view is audited (查询留痕) unless `audit` is False."""
    from center import ingest

    try:
        case = center_cases.read_case(session, application_id, lang=lang, audit=audit,
                                      via="console")
    except StorageError as exc:
        raise InvalidRequest(exc.key, **exc.params) from None
    entry = _entry(session, case)
    correctable = [Target("field", f.name, f.label, t_in("zh", "console.correct.field_default", label=f.label)) for f in entry.fields] if entry else []
    correctable += [Target("material", m.code, m.name, t_in("zh", "console.correct.material_default", name=m.name)) for m in entry.materials] if entry else []
    database = session.store.database
    me = session.operator
    with database.read() as db:
        desk = windows.desk(db, case.id)
        names = windows.names(db)
        away = {str(n): str(s) for n, s in db.execute(
            "SELECT name, standin FROM operators WHERE away = 1 AND active = 1")}
        passed_up = ingest.passed_up(db, case.id)
        staff = [str(r[0]) for r in db.execute(
            "SELECT name FROM operators WHERE active = 1 AND role IN ('clerk', 'manager') ORDER BY id")]
        from center.followup import for_case

        followed = for_case(db, case.id)
    steps = [(s.recorded_at, s.local_time, s.by, s.what) for s in case.timeline]
    for a in windows.history(database, session.keys, case.id):
        what = t_in(lang, ACTION_TEXT[a.action], window=names.get(a.window_code, a.window_code or "—"),
                    clerk=a.clerk or "—")
        if a.note:
            what += t_in(lang, "center.sep.clause") + a.note
        steps.append((a.at, center_cases.local_time(a.at), a.by or t_in(lang, "console.desk.system"), what))
    steps.sort(key=lambda s: s[0])
    note = ""
    possible = [d for d in ingest.DECISIONS if case.status in ingest.DECISIONS[d]]
    if "forwarded" in possible and not (kind == "township" and entry is not None and entry.passes_up):
        possible.remove("forwarded")
    if "revoked" in possible and not case.had_commitment:
        possible.remove("revoked")  # only a result given on a commitment is revoked for a false one
    mine = desk.clerk in ("", me.name) or away.get(desk.clerk) == me.name
    village_decided = entry is not None and decided_by(entry.level) == "village"
    if village_decided:  # 放权下沉: decided at the village point; the center keeps the record
        possible, note = [], t_in(lang, "center.village_decided", id=case.id)
    elif passed_up and kind == "township":
        possible, note = [], t_in(lang, "console.desk.passed_up")
    elif not mine and possible:
        possible, note = [], t_in(lang, "console.desk.not_yours", clerk=desk.clerk)
    return CasePage(case, _row_colour(case.days_left, case.status), correctable, desk.window_code,
                    names.get(desk.window_code, desk.window_code), desk.clerk,
                    [(when, by, what) for _, when, by, what in steps], possible,
                    not desk.clerk and case.status in OPEN and not passed_up and not village_decided,
                    windows.windows(database), staff, note, followed,
                    followed.colour(date.today()) if followed else "")


def open_scan(session: Session, application_id: str, address: str) -> tuple[bytes, str, str]:
    """A scan of this case, decrypted in memory only; the opening is audited."""
    opened = center_cases.open_by_address(session, application_id, address, via="console")
    media_type = opened.attachment.media_type
    if media_type not in INLINE_TYPES:
        media_type = "application/octet-stream"
    return opened.content, media_type, opened.attachment.name


def missing_text(decision: str, body: dict[str, Any], lang: str) -> str:
    """What a decision form still lacks, said for the clerk; "" when it is complete."""
    if decision == "correction_requested" and not body.get("reasons"):
        return t_in(lang, "console.need_reasons")
    if decision == "rejected" and not body.get("reason"):
        return t_in(lang, "console.need_reason")
    if decision == "completed" and not body.get("result"):
        return t_in(lang, "console.need_result")
    if decision == "revoked" and not body.get("reason"):
        return t_in(lang, "console.need_revoke_reason")
    return ""


def alarm_meaning(kind: str, lang: str, detail: str = "") -> tuple[str, str]:
    """What an alarm means and what to do about it, in the clerk's language.

    An alarm whose words name who and when (`village_recovered`) keeps those values in its
    detail as a JSON object; without them it says `<key>_unsaid`.
    """
    from sync.errors import REASONS_ZH

    own = f"console.alarm.{kind}"
    if own in MESSAGES:
        try:
            what = t_in(lang, own, **_alarm_values(detail))
        except KeyError:
            what = t_in(lang, own + "_unsaid") if own + "_unsaid" in MESSAGES else kind
    elif kind in REASONS_ZH:
        what = reason_text(kind, lang)
    else:
        what = kind
    do = f"console.alarm_do.{kind}"
    return what, t_in(lang, do if do in MESSAGES else "console.alarm_do.other")


def _alarm_values(detail: str) -> dict[str, str]:
    """The values an alarm's detail names (a JSON object of texts), or none."""
    try:
        values = json.loads(detail) if detail.startswith("{") else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}
