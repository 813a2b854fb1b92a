"""What the console's pages show, read from the center's store: the worklist and one case.

Pure reading (plus the audit rows of 查询留痕); the pages only format what is returned here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from forms.model import ServiceItem
from forms.workdays import WorkingCalendar
from storage import applicants, attachments, events
from storage.errors import InvalidRequest
from storage.schema import WORKLIST_ORDER
from storage.store import Session
from sync.i18n import EVENTS, t_in

STATUSES = ("received", "accepted", "correction_requested", "forwarded", "rejected", "completed",
            "delivered", "rated", "submitted")
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}
YELLOW_DAYS = 3  # due within this many working days: yellow
OPEN = {"submitted", "received", "accepted", "correction_requested", "forwarded"}
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


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
    page: int = 1


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


@dataclass
class Listing:
    rows: list[Row]
    total: int
    items: list[tuple[str, str]]
    villages: list[str]
    pages: list[int]


def _villages(db: Any) -> dict[str, str]:
    """Application id -> the village that filed it (the first village device on the case)."""
    return {str(a): str(v) for a, v in db.execute(
        "SELECT e.application_id, p.village_code FROM events e JOIN peers p ON p.device_id = e.device_id"
        " WHERE p.role = 'village' GROUP BY e.application_id HAVING e.id = MIN(e.id)")}


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
        raise InvalidRequest(f"{what}: not a date", f"{what}日期格式不正确，请写成 2026-12-07 这样") from None


def worklist(session: Session, filters: Filters, *, since_seen: str = "",
             page_size: int = 50) -> Listing:
    """待办: the cases filtered and searched, open ones first by promised date, one page of them.

    The order is the `applications_worklist` index's (storage/schema.py WORKLIST_ORDER), so a
    page costs a page: only its rows are read and only their applicants' names decrypted.
    A search by name is the exception: names are sealed, so it opens every applicant's.
    """
    since, until = _parse_day(filters.since, "起始"), _parse_day(filters.until, "截止")
    where, params = ["1 = 1"], []
    for column, value in (("status", filters.status), ("item_code", filters.item),
                          ("village_code", filters.village)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("created_at >= ?")
        params.append(since.isoformat())
    if until:
        where.append("created_at < date(?, '+1 day')")
        params.append(until.isoformat())
    search = filters.search
    catalog = session.store.catalog()
    with session.store.database.read() as db:
        if search and _ID_NUMBER.match(search):
            where.append("applicant_id IN (SELECT id FROM applicants WHERE id_index = ?)")
            params.append(session.keys.blind_index("id_number", search.upper()))
        elif search and re.fullmatch(r"[0-9A-Za-z-]+", search):
            where.append("id LIKE ? ESCAPE '\\'")
            params.append("%" + search.replace("%", "").replace("_", "\\_") + "%")
        elif search:  # a name: sealed, so every applicant's is opened (names have no index)
            ids = [str(r[0]) for r in db.execute("SELECT id FROM applicants")
                   if search in applicants.name_of(db, session.keys, str(r[0]))]
            where.append(f"applicant_id IN ({', '.join('?' * len(ids)) or 'NULL'})")
            params.extend(ids)
        clause = " AND ".join(where)
        total = int(db.execute(f"SELECT COUNT(*) FROM applications WHERE {clause}", params).fetchone()[0])
        pages = list(range(1, (total + page_size - 1) // page_size + 1)) or [1]
        page = min(filters.page, pages[-1])
        found = db.execute(
            "SELECT id, item_code, village_code, status, applicant_id, created_at, due_date,"
            f" due_approximate FROM applications WHERE {clause} ORDER BY {WORKLIST_ORDER}"
            " LIMIT ? OFFSET ?", [*params, page_size, (page - 1) * page_size]).fetchall()
        rows = []
        counter = DayCounter(session.calendar(), [d for d in (_day(r[6]) for r in found) if d])
        for app_id, item, village, status, applicant_id, created, due, approx in found:
            days_left, colour = _colour(counter, due, status)
            rows.append(Row(str(app_id), str(item), catalog_name(catalog, str(item)), str(village),
                            str(status), applicants.name_of(db, session.keys, applicant_id),
                            str(created), due, bool(approx), days_left, colour,
                            bool(since_seen) and str(created) > since_seen))
        villages = sorted({str(r[0]) for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'village'")})
    items = sorted((e.code, e.name) for e in catalog.entries() if isinstance(e, ServiceItem))
    return Listing(rows, total, items, villages, pages)


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
class Scan:
    label: str
    label_text: str
    name: str
    media_type: str
    size: int
    address: str

    @property
    def image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass
class Case:
    id: str
    item_code: str
    item_name: str
    status: str
    village: str
    created_at: str
    due_date: str | None
    due_approximate: bool
    days_left: int | None
    colour: str
    applicant: list[tuple[str, str]]
    fields: list[tuple[str, str]]
    materials: list[tuple[str, str, bool]]  # name, state, still owed
    scans: list[Scan]
    timeline: list[tuple[str, str, str]]  # when, what, note
    last_event: int
    correctable: list[Target] = field(default_factory=list)


APPLICANT_LABELS = (("name", "姓名", "Name"), ("id_number", "身份证号", "ID number"),
                    ("phone", "联系电话", "Phone"), ("address", "住址", "Address"))
MATERIAL_STATES = {"provided": ("已提供", "provided"), "commitment": ("告知承诺", "commitment"),
                   "missing": ("容缺（后补）", "missing, to follow")}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "，".join(f"{k}：{_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def read(session: Session, application_id: str, audit: bool = True) -> Case:
    """One case as a clerk reads it before deciding; the view is audited (查询留痕)."""
    summary, history = session.show(application_id)
    entry: ServiceItem | None = None
    pinned = session.store.catalog_entry(summary.item_code, summary.item_version)
    if isinstance(pinned, ServiceItem):
        entry = pinned
    else:
        try:
            found = session.store.catalog().get(summary.item_code)
            entry = found if isinstance(found, ServiceItem) else None
        except Exception:
            entry = None
    filed: dict[str, Any] = {}
    for event in history:
        if event.type in ("submitted", "inspection_recorded", "corrected") and event.payload:
            filed = {**filed, **{k: v for k, v in event.payload.items() if v not in (None, {}, [])}}
    applicant_data = filed.get("applicant") or {}
    applicant = [(zh, _text(applicant_data.get(key))) for key, zh, _ in APPLICANT_LABELS
                 if applicant_data.get(key)]
    labels = {f.name: f.label for f in entry.fields} if entry else {}
    values = filed.get("fields") or {}
    fields = [(labels.get(name, name), _text(value)) for name, value in values.items()]
    if entry:  # the form's own order
        order = {f.name: i for i, f in enumerate(entry.fields)}
        fields = [(labels.get(n, n), _text(v)) for n, v in
                  sorted(values.items(), key=lambda kv: order.get(kv[0], 999))]
    material_names = {m.code: m.name for m in entry.materials} if entry else {}
    materials = []
    for code, state in (filed.get("materials") or {}).items():
        zh = MATERIAL_STATES.get(str(state), (str(state), str(state)))[0]
        materials.append((material_names.get(code, code), zh, state in ("commitment", "missing")))
    with session.store.database.read() as db:
        village = _villages(db).get(summary.id, "")
        scans = []
        for label, address in db.execute(
                "SELECT label, attachment_id FROM application_attachments WHERE application_id = ?"
                " ORDER BY label", [summary.id]):
            meta_row = db.execute("SELECT size, meta FROM attachments WHERE id = ?", [address]).fetchone()
            meta = session.keys.open_json(meta_row[1], f"attachment-meta:{address}") if meta_row else {}
            scans.append(Scan(str(label), material_names.get(str(label), labels.get(str(label), str(label))),
                              str(meta.get("name", label)), str(meta.get("media_type", "")),
                              int(meta_row[0]) if meta_row else 0, str(address)))
        last = int(db.execute("SELECT MAX(id) FROM events WHERE application_id = ?",
                              [summary.id]).fetchone()[0] or 0)
        where = {str(d): (str(r), str(v)) for d, r, v in
                 db.execute("SELECT device_id, role, village_code FROM peers")}
    own = {"township": "乡镇", "county": "县级"}

    def by(device: str) -> str:
        role, code = where.get(device, (session.store.node, session.store.info.village_code))
        return f"村 {code}" if role == "village" else own.get(role, role)

    timeline = [(_local(e.recorded_at), f"{EVENTS.get(e.type, {}).get('zh', e.type)}（{by(e.device_id)}）",
                 _event_note(e)) for e in history]
    correctable = [Target("field", f.name, f.label, f"{f.label}需补正") for f in entry.fields] if entry else []
    correctable += [Target("material", m.code, m.name, f"请补交{m.name}") for m in entry.materials] if entry else []
    due_day = _day(summary.due_date)
    days_left, colour = _colour(DayCounter(session.calendar(), [due_day] if due_day else []),
                                summary.due_date, summary.status)
    item_name = entry.name if entry else summary.item_code
    if audit:
        session.log("application.viewed", summary.id, "console")
    return Case(summary.id, summary.item_code, item_name, summary.status, village, summary.created_at,
                summary.due_date, summary.due_approximate, days_left, colour, applicant, fields,
                materials, scans, timeline, last, correctable)


def _local(stamp: str) -> str:
    """A stored UTC stamp as the center's own clock reads it (the hall's wall clock)."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp[:16].replace("T", " ")


def _event_note(event: events.Event) -> str:
    p = event.payload or {}
    if event.type == "correction_requested":
        return "；".join(str(r.get("text", r)) if isinstance(r, dict) else str(r)
                        for r in p.get("reasons", []))
    for key in ("reason", "result", "note", "rating"):
        if p.get(key):
            return _text(p[key])
    if p.get("due_date"):
        return f"承诺办结 {p['due_date']}" + ("（约）" if p.get("due_approximate") else "")
    return ""


def open_scan(session: Session, application_id: str, address: str) -> tuple[bytes, str, str]:
    """A scan of this case, decrypted in memory only; the opening is audited."""
    with session.store.database.read() as db:
        row = db.execute("SELECT label FROM application_attachments WHERE application_id = ?"
                         " AND attachment_id = ?", [application_id, address]).fetchone()
        if row is None:
            raise InvalidRequest("no such scan on this case", "此办件没有这份材料")
        meta_row = db.execute("SELECT meta FROM attachments WHERE id = ?", [address]).fetchone()
        meta = session.keys.open_json(meta_row[0], f"attachment-meta:{address}") if meta_row else {}
        content = attachments.load(db, session.keys, address)
    session.log("attachment.opened", application_id, str(row[0]))
    media_type = str(meta.get("media_type") or "application/octet-stream")
    if media_type not in INLINE_TYPES:
        media_type = "application/octet-stream"
    return content, media_type, str(meta.get("name", "scan"))


def missing_text(decision: str, body: dict[str, Any], lang: str) -> str:
    """What a decision form still lacks, said for the clerk; "" when it is complete."""
    if decision == "correction_requested" and not body.get("reasons"):
        return t_in(lang, "console.need_reasons")
    if decision == "rejected" and not body.get("reason"):
        return t_in(lang, "console.need_reason")
    if decision == "completed" and not body.get("result"):
        return t_in(lang, "console.need_result")
    return ""


ALARMS = {
    "malformed_payload": ("一条消息内容不合规，已拒收", "请联系该村代办点，核对其软件版本后重新同步"),
    "not_permitted": ("有设备发送了它无权发送的内容，已拒收", "核实该设备是否被冒用，必要时注销该设备"),
    "foreign_application": ("有设备试图修改其他村的办件，已拒收", "核实该设备，必要时注销"),
    "downstream_incomplete": ("下发内容不完整，未确认", "下次同步会自动补齐；多次出现请检查网络"),
    "clash": ("同一编号收到了不同内容", "联系该村核对此办件"),
    "restored_copy": ("该设备从备份恢复过", "核对该村最近的办件是否齐全"),
}


def alarm_meaning(kind: str, lang: str) -> tuple[str, str]:
    zh = ALARMS.get(kind, (kind, "请联系县级技术人员"))
    return zh if lang == "zh" else (kind, "see docs/sync-protocol.md")
