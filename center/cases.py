"""One case as a clerk reads it before deciding, and its scans: read from the center's store.

`service-center show` and `service-center attachment` use it, and the console may: the data is
assembled here, in the language asked for, and callers only format it (text, JSON, a page).
Reading personal data is audited (查询留痕): `application.viewed` and `attachment.opened`, with
where it was read (`via`: "cli", "console") as the detail. Nothing else is written.

The item is read as it was filed: the catalog entry at the application's version (a later
catalog release changes no label), else the item in force, else bare codes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from center.console import complaint_texts as _complaint_texts  # noqa: F401  (its words)
from forms import priority
from forms.model import FieldSpec, ServiceItem
from forms.values_data import FEMALE, MALE
from storage import events as store_events
from storage import owed as owed_table
from storage.errors import InvalidRequest, NotFound
from storage.status import OPEN_STATUSES
from storage.store import Session
from sync.corrections import parse_reasons
from sync.i18n import (
    FOLLOWUP_STEP,
    followup_words,
    language,
    priority_words,
    rating_words,
    status_in,
    t_in,
)

# Statuses in which the promised date still runs (a working-day count is shown).
OPEN = frozenset(OPEN_STATUSES)  # cases a deadline can still hurt
FILED = frozenset({"submitted", "corrected", "inspection_recorded"})
APPLICANT_KEYS = ("name", "id_number", "phone", "address", "village_group", "ethnicity")
MATERIAL_STATES = ("provided", "commitment", "missing")
DERIVED = ("birth_date", "sex")
SEXES = {MALE: "center.sex.male", FEMALE: "center.sex.female"}  # as the form records them


@dataclass(frozen=True)
class Entry:
    """A labelled value: an applicant's detail or a form field, as filed."""

    name: str  # the key as filed (applicant key or field name)
    label: str  # the label the form gives it
    value: str  # as shown
    raw: Any  # as filed


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    state: str  # provided | commitment (告知承诺) | missing (容缺), as filed
    state_text: str
    owed: bool  # missing (容缺) or signed for (告知承诺), and not supplied since
    supplied_on: str | None  # when an owed material was supplied, if it was
    due_date: str | None = None  # when an owed material is due (our calendar)
    overdue: bool = False  # owed and past its due date


@dataclass(frozen=True)
class Attachment:
    """A scan the center holds for the case (its content is opened only by `open_attachment`)."""

    material: str  # its label: a material code, or an attachment field's name
    material_name: str
    name: str  # the file name it was scanned under
    size: int
    media_type: str
    address: str  # content address in the store


@dataclass(frozen=True)
class Step:
    """One event of the case's timeline: when, who and where, what."""

    type: str
    recorded_at: str  # the writer's clock, UTC, as stored (shown, never trusted)
    local_time: str  # the same moment on this center's clock
    by_role: str  # village | township | county ("" if the device is unknown here)
    place: str  # the village's code, or this/that center
    person: str  # the agent or clerk, where known
    by: str  # place and person, as shown
    what: str  # what happened, with its reasons, result or promised date
    device_id: str


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # service | inspection
    item_code: str
    item_name: str
    item_version: str
    village_code: str
    node: str  # where it is read: township | county
    status: str
    status_text: str
    created_at: str
    due_date: str | None
    due_approximate: bool
    due_text: str  # ≈ marks a date while that year's holidays are unpublished
    days_left: int | None  # working days to the promised date (negative: late); None if closed
    applicant: tuple[Entry, ...]
    fields: tuple[Entry, ...]
    materials: tuple[Material, ...]
    attachments: tuple[Attachment, ...]
    timeline: tuple[Step, ...]
    last_event: int  # the newest event's row id (what `ingest.decide(expect_last=)` compares)
    priority: tuple[str, ...] = ()  # 绿色通道 grounds the village filed (forms/priority.py)
    priority_text: str = ""  # 绿色通道（老、残）, in the reader's language; "" for everyone else

    @property
    def owed(self) -> tuple[Material, ...]:
        """Materials still to be handed in (容缺 or 告知承诺 not yet supplied)."""
        return tuple(m for m in self.materials if m.owed)

    @property
    def had_commitment(self) -> bool:
        """Filed with a signed commitment in place of a material: a false one revokes the result."""
        return any(m.state == "commitment" for m in self.materials)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["owed"] = [m.code for m in self.owed]
        return out


@dataclass(frozen=True)
class OpenedAttachment:
    attachment: Attachment
    content: bytes


def _lang(lang: str | None) -> str:
    return lang if lang in ("zh", "en") else language()


def filed_item(session: Session, code: str, version: str) -> ServiceItem | None:
    """The item at the version filed, else as in force here, else None (unknown here)."""
    pinned = session.store.catalog_entry(code, version)
    if isinstance(pinned, ServiceItem):
        return pinned
    try:
        found = session.store.catalog().get(code)
    except Exception:  # an item this center's catalog does not know: its code is enough
        return None
    return found if isinstance(found, ServiceItem) else None


def _known(session: Session, application_id: str, lang: str) -> str:
    """The application's id as stored, or NotFound said for a clerk."""
    wanted = application_id.strip()
    with session.store.database.read() as db:
        row = db.execute("SELECT id FROM applications WHERE id = ?", [wanted]).fetchone()
    if row is None:
        raise NotFound("center.no_case", id=wanted)
    return str(row[0])


def _shown(value: Any, spec: FieldSpec | None, lang: str) -> str:
    """A filed value as the clerk reads it (a group's rows under their own labels)."""
    if isinstance(value, bool):
        return t_in(lang, "center.yes" if value else "center.no")
    if value is None or value == "":
        return "—"
    sub = {f.name: f for f in spec.fields} if spec is not None else {}
    if isinstance(value, dict):  # one row of a group: each part under its own label
        return t_in(lang, "center.sep.clause").join(
            t_in(lang, "center.show.pair", label=sub[k].label if k in sub else k,
                 value=_shown(v, sub.get(k), lang)) for k, v in value.items())
    if isinstance(value, list):
        if (spec is not None and spec.type == "group") or any(isinstance(v, dict) for v in value):
            return t_in(lang, "center.sep.rows").join(
                t_in(lang, "center.show.row", n=n, text=_shown(v, spec, lang))
                for n, v in enumerate(value, 1))
        return t_in(lang, "app.sep.list").join(_shown(v, None, lang) for v in value)
    return str(value)


def _section(filed: dict[str, Any], key: str) -> dict[str, Any]:
    value = filed.get(key)
    return dict(value) if isinstance(value, dict) else {}


def local_time(stamp: str) -> str:
    """A stored UTC stamp on this center's clock."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp[:16].replace("T", " ")


def _material_name(entry: ServiceItem | None, code: str) -> str:
    if entry is not None:
        for m in entry.materials:
            if m.code == code:
                return m.name
        for f in entry.fields:
            if f.name == code:
                return f.label
    return code


def _attachments(session: Session, db: Any, application_id: str, entry: ServiceItem | None,
                 history: list[store_events.Event]) -> list[Attachment]:
    """The scans the center holds for the case, in the order the village filed them.

    The village's manifest names each scan by its label, file name and size (its content
    address is under the village's key, not ours), so that is what places each one.
    """
    filed_order: dict[tuple[str, str, int], int] = {}
    for event in history:
        if event.type not in FILED:
            continue
        for item in event.payload.get("attachments") or []:
            if isinstance(item, dict) and isinstance(item.get("size"), int):
                filed_order.setdefault((str(item.get("label")), str(item.get("name")),
                                        int(item["size"])), len(filed_order))
    out = []
    for label, address, size, meta in db.execute(
            "SELECT l.label, l.attachment_id, a.size, a.meta"
            " FROM application_attachments l JOIN attachments a ON a.id = l.attachment_id"
            " WHERE l.application_id = ? ORDER BY a.created_at, l.label, a.id",
            [application_id]).fetchall():
        facts = session.keys.open_json(meta, f"attachment-meta:{address}")
        out.append(Attachment(str(label), _material_name(entry, str(label)),
                              str(facts.get("name") or label), int(size),
                              str(facts.get("media_type") or "application/octet-stream"),
                              str(address)))
    last = len(filed_order)
    return sorted(out, key=lambda a: filed_order.get((a.material, a.name, a.size), last))


def _reason_text(reason: Any, entry: ServiceItem | None, lang: str) -> str:
    what = ""
    if reason.field:
        key = reason.field.partition(".")[2] if reason.field.startswith("applicant.") else ""
        if key in APPLICANT_KEYS:
            what = t_in(lang, f"forms.applicant.{key}")
        else:
            what = next((f.label for f in entry.fields if f.name == reason.field),
                        reason.field) if entry is not None else reason.field
    if reason.material:
        name = _material_name(entry, reason.material)
        what = t_in(lang, "app.sep.list").join(x for x in (what, name) if x)
    return t_in(lang, "center.reason_named", what=what, text=reason.text) if what else reason.text


def _what(event: store_events.Event, entry: ServiceItem | None, lang: str) -> str:
    """What an event says, for the timeline."""
    p = event.payload or {}
    kind = event.type

    def with_due(key: str) -> str:
        due = p.get("due_date")
        if isinstance(due, str) and due:
            return t_in(lang, f"{key}_due", due=_due(due, p.get("due_approximate") is True, lang))
        return t_in(lang, key)

    if kind == "received":
        return with_due("center.event.received_county" if p.get("by") == "county"
                        else "center.event.received_township")
    if kind == "accepted":
        return with_due("center.event.accepted")
    if kind == "correction_requested":
        reasons = t_in(lang, "center.sep.rows").join(
            _reason_text(r, entry, lang) for r in parse_reasons(p.get("reasons")))
        return t_in(lang, "center.event.correction_requested", reasons=reasons or "—")
    if kind == "rejected":
        return t_in(lang, "center.event.rejected", reason=str(p.get("reason") or "—"))
    if kind == "completed":
        return t_in(lang, "center.event.completed", result=str(p.get("result") or "—"))
    if kind == "revoked":
        return t_in(lang, "center.event.revoked", reason=str(p.get("reason") or "—"))
    if kind == "delivered":
        how = str(p.get("how") or "in_person")
        how_text = t_in(lang, f"center.how.{how}") if how in ("in_person", "family",
                                                                "home_visit") else how
        parts = [how_text, *(str(p[k]) for k in ("to_whom", "note") if p.get(k))]
        return t_in(lang, "center.event.delivered", how=t_in(lang, "center.sep.clause").join(parts))
    if kind == "rated":  # five levels; an older store's good/bad reads as its level
        return t_in(lang, "center.event.rated", rating=rating_words(p, lang))
    if kind in FOLLOWUP_STEP:  # 核实, 整改, 回访 of a bad rating
        return followup_words(kind, p, lang)
    if kind == "material_supplied":
        return t_in(lang, "center.event.material_supplied",
                    material=_material_name(entry, str(p.get("material") or "")))
    if kind == "note" and p.get("kind") == "passed_up":
        return t_in(lang, "center.event.passed_up", center=str(p.get("center") or "—"),
                    clerk=str(p.get("clerk") or "—"), note=str(p.get("note") or "—"))
    if kind == "forwarded":
        return t_in(lang, "center.event.forwarded_note", note=str(p.get("note") or "—"))
    if kind == "submitted":
        scans = len(p.get("attachments") or [])
        return t_in(lang, "center.event.submitted", n=scans)
    if kind == "corrected":
        return t_in(lang, "center.event.corrected", n=len(p.get("attachments") or []))
    if kind in ("complained", "complaint_answered"):  # 投诉 and its answer (complaint_texts)
        return t_in(lang, f"center.event.{kind}", id=str(p.get("complaint_id") or "—"),
                    text=str(p.get("text") or p.get("answer") or "—"))
    key = f"center.event.{kind}"
    try:
        return t_in(lang, key)
    except KeyError:
        return kind


def _due(due: str, approximate: bool, lang: str) -> str:
    return t_in(lang, "due.approximate", due=due) if approximate else due


def _days_left(session: Session, due: str | None, status: str) -> int | None:
    if not due or status not in OPEN:
        return None
    try:
        day = date.fromisoformat(due)
    except ValueError:
        return None
    return session.calendar().working_days_between(date.today(), day)


def read_case(session: Session, application_id: str, *, lang: str | None = None,
              audit: bool = True, via: str = "cli") -> Case:
    """The case `application_id` as a clerk reads it, in `lang` (the user's language by default).

    Raises NotFound (said in both languages) for a number this center does not hold. The
    reading is audited as `application.viewed` (detail: `via`) unless `audit` is False.
    """
    lang = _lang(lang)
    app_id = _known(session, application_id, lang)
    summary, history = session.show(app_id)
    node = session.store.node
    me = session.store.info.device_id

    filed: dict[str, Any] = {}
    version = summary.item_version
    supplied: dict[str, str] = {}
    grounds: tuple[str, ...] = ()
    for event in history:
        if event.type == "submitted":  # the grounds travel with the filing, not its corrections
            grounds = priority.of_filing(event.payload or {})
        if event.type in FILED:
            filed = event.payload or {}
            version = str(filed.get("item_version") or version)
        elif event.type == "material_supplied" and event.payload.get("material"):
            supplied[str(event.payload["material"])] = str(
                event.payload.get("supplied_on") or event.recorded_at[:10])
    entry = filed_item(session, summary.item_code, version)
    specs = {f.name: f for f in entry.fields} if entry is not None else {}

    person: dict[str, Any] = _section(filed, "applicant")
    applicant = [Entry(k, t_in(lang, f"forms.applicant.{k}"), _shown(person[k], None, lang),
                       person[k]) for k in APPLICANT_KEYS if person.get(k) not in (None, "")]
    # What the ID number tells (birth date, sex), as the form derived it; anything else as filed.
    applicant += [Entry(k, t_in(lang, f"center.applicant.{k}") if k in DERIVED else k,
                        t_in(lang, SEXES[v]) if k == "sex" and v in SEXES else _shown(v, None, lang),
                        v) for k, v in person.items()
                  if k not in APPLICANT_KEYS and k != "age" and v not in (None, "")]

    values: dict[str, Any] = _section(filed, "fields")
    order = {name: n for n, name in enumerate(specs)}
    fields = [Entry(name, specs[name].label if name in specs else name,
                    _shown(value, specs.get(name), lang), value)
              for name, value in sorted(values.items(), key=lambda kv: (order.get(kv[0], 10**6),
                                                                         kv[0]))]

    states: dict[str, Any] = _section(filed, "materials")
    codes = [m.code for m in entry.materials] if entry is not None else []
    codes += sorted(c for c in states if c not in codes)
    with session.store.database.read() as db:
        tracked = {o.material: o for o in owed_table.of_case(db, app_id)}
    today = date.today()
    materials = []
    for code in codes:
        if code not in states:
            continue
        state = str(states[code])
        text = (t_in(lang, f"center.material.{state}") if state in MATERIAL_STATES else state)
        row = tracked.get(code)
        on = row.supplied_on if row is not None and row.supplied_on else supplied.get(code)
        owed = state in owed_table.OWED_STATES and on is None
        late = False
        if state in owed_table.OWED_STATES and on is not None:
            text = t_in(lang, "center.material.supplied" if state == "missing"
                        else "center.material.commitment_supplied", on=on)
        elif owed and row is not None:
            late = row.overdue(today) and summary.status not in owed_table.NOT_OWING
            text = t_in(lang, f"center.material.{state}_owed",
                        due=_due(row.due_date, row.due_approximate, lang))
            if late:
                text += t_in(lang, "center.material.overdue")
        materials.append(Material(code, _material_name(entry, code), state, text, owed, on,
                                  row.due_date if row is not None else None, late))

    with session.store.database.read() as db:
        scans = _attachments(session, db, app_id, entry, history)
        village = db.execute(
            "SELECT p.village_code FROM events e JOIN peers p ON p.device_id = e.device_id"
            " WHERE e.application_id = ? AND p.role = 'village' ORDER BY e.id LIMIT 1",
            [app_id]).fetchone()
        peers = {str(d): (str(r), str(v)) for d, r, v in
                 db.execute("SELECT device_id, role, village_code FROM peers")}
        clerks = {int(i): str(n) for i, n in db.execute("SELECT id, name FROM operators")}
        last = int(db.execute("SELECT MAX(id) FROM events WHERE application_id = ?",
                              [app_id]).fetchone()[0] or 0)

    agent = ""
    timeline = []
    for event in history:
        if event.type == "created":
            agent = str(event.payload.get("operator") or "")
        if event.device_id == me:
            role, place = node, t_in(lang, f"center.by.{node}_here")
            who = clerks.get(event.operator_id or -1, "")
        elif event.device_id in peers:
            role, code = peers[event.device_id]
            place = (t_in(lang, "center.by.village", code=code) if role == "village"
                     else t_in(lang, f"center.by.{role}") if role in ("township", "county")
                     else role)
            who = agent if role == "village" and event.type in ("created", "submitted") else ""
        else:
            role, who = "", ""
            place = t_in(lang, "center.by.device", device=event.device_id[:6].upper())
        by = t_in(lang, "center.by.person", place=place, person=who) if who else place
        timeline.append(Step(event.type, event.recorded_at, local_time(event.recorded_at), role,
                             place, who, by, _what(event, entry, lang), event.device_id))

    if audit:
        session.log("application.viewed", app_id, via)
    return Case(
        id=app_id, kind=summary.kind, item_code=summary.item_code,
        item_name=entry.name if entry is not None else summary.item_code, item_version=version,
        village_code=str(village[0]) if village else "", node=node, status=summary.status,
        status_text=status_in(lang, summary.status, node), created_at=summary.created_at,
        due_date=summary.due_date, due_approximate=summary.due_approximate,
        due_text=_due_text(summary.due_date, summary.due_approximate, lang),
        days_left=_days_left(session, summary.due_date, summary.status),
        applicant=tuple(applicant), fields=tuple(fields), materials=tuple(materials),
        attachments=tuple(scans), timeline=tuple(timeline), last_event=last, priority=grounds,
        priority_text=t_in(lang, "priority.grounds", grounds=priority_words(grounds, lang))
        if grounds else "",
    )


def _due_text(due: str | None, approximate: bool, lang: str) -> str:
    """`sync.i18n.due_text` in the language given: "—" when none, ≈ while approximate."""
    return _due(due, approximate, lang) if due else "—"


def attachments_of(session: Session, application_id: str, material: str, *,
                   lang: str | None = None) -> list[Attachment]:
    """The scans of one material (or attachment field) of a case, oldest first; nothing is opened.

    Raises NotFound for an unknown case and InvalidRequest (both languages) for a material
    the case has no scan of, naming the ones it has.
    """
    lang = _lang(lang)
    app_id = _known(session, application_id, lang)
    summary, history = session.show(app_id)
    version = next((str(e.payload["item_version"]) for e in reversed(history)
                    if e.type in FILED and e.payload.get("item_version")), summary.item_version)
    entry = filed_item(session, summary.item_code, version)
    with session.store.database.read() as db:
        scans = _attachments(session, db, app_id, entry, history)
    wanted = material.strip()
    found = [a for a in scans if a.material == wanted]
    if not found:
        known = t_in(lang, "app.sep.list").join(sorted(
            {t_in(lang, "center.material_ref", code=a.material, name=a.material_name)
             for a in scans}))
        key = "center.no_material" if scans else "center.no_scans"
        raise InvalidRequest(key, id=app_id, material=wanted, known=known)
    return found


def open_attachment(session: Session, application_id: str, material: str, *,
                    which: int | None = None, lang: str | None = None,
                    via: str = "cli") -> OpenedAttachment:
    """One scan of a case, decrypted in memory; the opening is audited (`attachment.opened`).

    `which` (1-based, in the order `read_case` lists them) picks among several scans of the
    same material; it is required when there are several. Errors (unknown case, material,
    number) are raised before anything is opened or audited.
    """
    from storage import attachments

    lang = _lang(lang)
    found = attachments_of(session, application_id, material, lang=lang)
    if which is None and len(found) > 1:
        listed = t_in(lang, "app.sep.list").join(f"{n}. {a.name}" for n, a in enumerate(found, 1))
        raise InvalidRequest("center.which_needed", material=found[0].material, n=len(found),
                             listed=listed)
    if which is not None and not 1 <= which <= len(found):
        raise InvalidRequest("center.which_range", material=found[0].material, n=len(found),
                             which=which)
    chosen = found[(which or 1) - 1]
    with session.store.database.read() as db:
        content = attachments.load(db, session.keys, chosen.address)
    app_id = application_id.strip()
    session.log("attachment.opened", app_id, f"{chosen.material} ({via})")
    return OpenedAttachment(chosen, content)


def open_by_address(session: Session, application_id: str, address: str, *,
                    via: str = "console") -> OpenedAttachment:
    """One scan of a case by its content address (the console's links), decrypted in memory;
    audited like `open_attachment`. InvalidRequest for a scan the case does not have."""
    from storage import attachments

    app_id = _known(session, application_id, language())
    summary, history = session.show(app_id)
    entry = filed_item(session, summary.item_code, summary.item_version)
    with session.store.database.read() as db:
        found = [a for a in _attachments(session, db, app_id, entry, history) if a.address == address]
        if not found:
            raise InvalidRequest("center.no_such_scan", id=app_id)
        content = attachments.load(db, session.keys, address)
    session.log("attachment.opened", app_id, f"{found[0].material} ({via})")
    return OpenedAttachment(found[0], content)
