"""Taking in an application: validate, work out deadlines, read scans, record. Shared by CLI, app and tests."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from forms import priority, strictjson
from forms.catalog import Catalog
from forms.engine import APPLICANT_KEYS, CleanApplication, split_bundle, validate
from forms.errors import Issue, ValidationFailed
from forms.model import Bundle, ServiceItem
from forms.workdays import Deadline, WorkingCalendar
from storage import owed, sync_peers
from storage.applications import Planned
from storage.attachments import IncomingFile, read_file
from storage.errors import InvalidRequest
from storage.events import Event
from storage.messages import both
from storage.status import BAD_RATING, DELIVERY_METHODS, RATING_REASONS, rating_level
from storage.store import Session
from sync import corrections
from village_agent import intake_texts as intake_texts  # the data file refusals: catalogue
from village_agent.i18n import status_text, t, t_in


@dataclass(frozen=True)
class IntakeResult:
    application_ids: list[str]
    item_codes: list[str]
    deadlines: list[Deadline | None]
    priority: tuple[str, ...] = ()  # 绿色通道 grounds, the same for every application of a bundle

    def as_dict(self) -> dict[str, Any]:
        return {
            "priority": list(self.priority),
            "applications": [
                {
                    "id": app_id, "item_code": code,
                    "due_date": d.due.isoformat() if d else None,
                    "working_days": d.working_days if d else None,
                    "due_approximate": d.approximate if d else False,
                }
                for app_id, code, d in zip(self.application_ids, self.item_codes, self.deadlines, strict=True)
            ]
        }


def load_data_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequest("intake.data.missing", path=path) from None
    except (OSError, UnicodeDecodeError):
        raise InvalidRequest("intake.data.unreadable", path=path) from None
    try:
        return strictjson.loads(text, max_depth=DATA_DEPTH)
    except strictjson.InvalidJSON as exc:
        if exc.line:
            raise InvalidRequest("intake.data.syntax", name=path.name, line=exc.line,
                                 column=exc.column, reason=exc.reason) from None
        why = {"nested": "intake.data.why.nested", "longer": "intake.data.why.longer",
               "NaN": "intake.data.why.nan", "Infinity": "intake.data.why.infinity",
               "-Infinity": "intake.data.why.minus_infinity"}.get(exc.reason.split(" ")[0])
        raise InvalidRequest("intake.data.unusable", name=path.name,
                             why=both(why, depth=DATA_DEPTH) if why else exc.reason) from None


DATA_DEPTH = 8  # a form's data: fields, a table's rows, a row's cells, with room to spare


def parse_attach_args(values: Sequence[str]) -> list[IncomingFile]:
    """`LABEL=PATH` or just `PATH` (labelled by its file name)."""
    files = []
    for value in values:
        label, sep, path = value.partition("=")
        if not sep:
            label, path = Path(value).name, value
        files.append(read_file(label.strip(), Path(path)))
    return files


def filed_on(session: Session, catalog: Catalog, item_code: str, item_version: str) -> ServiceItem:
    """The item as it was when the application was filed (a later catalog release changes nothing)."""
    pinned = session.store.catalog_entry(item_code, item_version)
    return pinned if isinstance(pinned, ServiceItem) else catalog.item(item_code)


def take(
    session: Session,
    catalog: Catalog,
    calendar: WorkingCalendar,
    code: str,
    data: Any,
    files: Sequence[IncomingFile] = (),
    *,
    authorization: str = "signed",
    today: date | None = None,
    entry: ServiceItem | Bundle | None = None,
    draft_id: str | None = None,
    priority: Collection[str] = (),
) -> IntakeResult:
    """Validate everything first; record only if all of it is good (nothing half-written).

    `priority`: the 绿色通道 grounds the agent chose (forms/priority.py); 老 is added from the
    ID number. A flagged case is promised the item's shorter time where it has one.

    `entry` pins the item version a draft was started on (a catalog update since
    changes nothing for it); `draft_id` is forgotten in the same transaction.
    """
    today = today or date.today()
    entry = entry if entry is not None else catalog.get(code)
    names = {f.label for f in files} | {f.name for f in files}
    clean = validate(entry, data, today=today, attachments=names)
    _check_labels(entry, files)
    grounds = priority_grounds(clean.applicant, priority, today) if entry.kind != "inspection" else ()
    if isinstance(entry, Bundle):
        parts = split_bundle(entry, clean)
        kinds = ["service"] * len(parts)
        members = list(entry.items)
    else:
        parts, kinds, members = [clean], [entry.kind], [entry]
    planned = [
        Planned(part, kind, calendar.add_working_days(today, item.promised_days(bool(grounds))),
                owed.plan(item, part.materials, today, calendar), grounds)
        for part, kind, item in zip(parts, kinds, members, strict=True)
    ]
    with sealed_with(session):
        ids = session.record(
            planned, files, bundle_code=entry.code if isinstance(entry, Bundle) else None,
            authorization=authorization, today=today, draft_id=draft_id,
        )
    return IntakeResult(ids, [p.clean.item_code for p in planned], [p.deadline for p in planned],
                        grounds)


def priority_grounds(applicant: dict[str, Any], chosen: Collection[str], today: date) -> tuple[str, ...]:
    """The 绿色通道 grounds for this applicant: the agent's, and 老 by the ID number (a bad ground
    is refused in the user's words before anything is recorded)."""
    try:
        return priority.grounds(applicant, chosen, today)
    except priority.UnknownGround as exc:
        raise InvalidRequest("priority.unknown", ground=exc.ground, choices=priority_choices()) from None


def priority_choices() -> str:
    """老（elderly）、弱（frail）…: what `--priority` accepts."""
    return t("app.sep.list").join(t("priority.choice", word=t(f"priority.ground.{g}"), code=g)
                                  for g in priority.GROUNDS)


def priority_ground(text: str) -> str:
    """A ground as the agent types it: its key (disabled) or its word (残); anything else as typed."""
    text = text.strip()
    return next((g for g in priority.GROUNDS if text in (g, t_in("zh", f"priority.ground.{g}"))), text)


def _check_labels(entry: Any, files: Sequence[IncomingFile]) -> None:
    known = {m.code for m in entry.materials} | {f.name for f in entry.fields if f.type == "attachment"}
    issues = [
        Issue(f"attachments.{f.label}", t("intake.bad_label", label=f.label, known=t("app.sep.list").join(
            sorted(known)) or t("intake.no_labels")), "unknown")
        for f in files if f.label not in known and f.label != f.name
    ]
    if issues:
        raise ValidationFailed(issues)


def seal_for_sync(session: Session) -> int:
    """Seal new outbox rows to the township (and county) now, while the operator is here.

    Sync then needs no PIN, and this PC cannot read its own outbox. Before
    enrollment nothing is sealed; rows wait, encrypted at rest, and are sealed at
    the first login after enrollment. Inside the caller's write transaction (see
    `sealed_with`) the sealing commits with the rows it seals.
    """
    from sync.node import Node
    from sync.village import seal_outbox

    return seal_outbox(Node.of(session))  # nothing to seal to before enrollment: 0


@contextmanager
def sealed_with(session: Session) -> Iterator[None]:
    """One write transaction for an action and the sealing of the outbox rows it writes.

    A submit (or a correction, a delivery...) is then one commit, one fsync: the
    application, its applicant version, events, owed rows, audit entries, outbox rows
    and their sealed messages all land together, or (a crash, a refusal, a failure
    while sealing) none of them does.
    """
    with session.store.database.write():
        yield
        seal_for_sync(session)


def catch_up(session: Session) -> int:
    """At login: seal what waits and file the results a PIN-less sync or a stick brought in.

    Returns how many results were filed. Cheap when there is nothing to do.
    """
    from sync.node import Node
    from sync.village import apply_inbox

    if not any(p.role == "township" for p in sync_peers.peers(session.store.database)):
        return 0
    seal_for_sync(session)
    return apply_inbox(Node.of(session))


def current_data(events: Sequence[Event]) -> dict[str, Any]:
    """The application as it now stands: the last `submitted` or `corrected` answers (the form's shape)."""
    latest: dict[str, Any] = {}
    for event in events:
        if event.type in ("submitted", "corrected", "inspection_recorded"):
            latest = event.payload
    return {section: dict(latest.get(section) or {})
            for section in ("applicant", "fields", "materials")}


def scan_labels(events: Sequence[Event]) -> set[str]:
    """Labels of every scan sent with the application so far (they stand for a correction too)."""
    out: set[str] = set()
    for event in events:
        if event.type in ("submitted", "corrected", "inspection_recorded"):
            out |= {str(label) for label in event.payload.get("attachment_labels") or []}
            out |= {str(a.get("label")) for a in event.payload.get("attachments") or []
                    if isinstance(a, dict)}
    return out


def _expect_correction(application_id: str) -> Callable[[str], None]:
    def check(status: str) -> None:
        if status != "correction_requested":
            raise InvalidRequest("correct.not_waiting", id=application_id, status=status_text(status))
    return check


def correct(
    session: Session,
    catalog: Catalog,
    application_id: str,
    data: Any,
    files: Sequence[IncomingFile] = (),
    *,
    today: date | None = None,
) -> int:
    """Answer a correction request: the whole corrected application, validated, as a new event.

    When the request's reasons name fields or materials, only those may change
    (`unasked_changes`); scans may be added only for named materials. When no
    reason names anything, the whole application may be edited.
    """
    today = today or date.today()
    summary, events = session.show(application_id)
    expect = _expect_correction(summary.id)
    expect(summary.status)
    scope = corrections.scope_of(corrections.open_request(events) or [])
    entry = filed_on(session, catalog, summary.item_code, summary.item_version)
    before = current_data(events)
    earlier = scan_labels(events)
    names = {f.label for f in files} | {f.name for f in files} | earlier
    clean = validate(entry, data, today=today, attachments=names)
    _check_labels(entry, files)
    issues = unasked_changes(entry, scope, before, data, clean, today=today, attachments=names)
    issues += [
        Issue(f"attachments.{f.label}", t("correct.scan_not_asked", what=_label(entry, f.label)),
              "not_asked")
        for f in files if not (scope.allows(f"materials.{f.label}") or scope.allows(f"fields.{f.label}"))
    ]
    if issues:
        raise ValidationFailed(issues)
    dues = owed.plan(entry, clean.materials, today, session.calendar())

    def owing(db: Any) -> None:  # a material now provided is no longer owed; a new gap is
        owed.file(db, summary.id, dues, provided=owed.provided_codes(clean.materials), on=today)

    with sealed_with(session):
        seq = session.add_event(summary.id, "corrected", {
            "applicant": clean.applicant, "fields": clean.fields, "materials": clean.materials,
            "item_version": clean.item_version, "corrected_on": today.isoformat(),
            "attachment_labels": sorted(earlier | {f.label for f in files}),
        }, files=files, expect=expect, then=owing)
    return seq


def _label(entry: ServiceItem, name: str) -> str:
    spec = next((f.label for f in entry.fields if f.name == name), None)
    return spec or next((m.name for m in entry.materials if m.code == name), name)


def unasked_changes(
    entry: ServiceItem,
    scope: corrections.Scope,
    before: dict[str, Any],
    data: Any,
    clean: CleanApplication,
    *,
    today: date,
    attachments: Collection[str],
) -> list[Issue]:
    """Answers the correction changed although no reason named them (pure).

    Filling in an answer that was empty, or losing one the form now hides, is
    allowed: a named change can make another field necessary or moot. So is
    replacing an earlier answer the form no longer accepts (checked by putting
    it back). Anything else outside the named scope is refused.
    """
    if scope.open:
        return []
    calculated = {f.name for f in entry.fields if f.calc is not None}
    now = {"applicant": clean.applicant, "fields": clean.fields, "materials": clean.materials}
    issues = []
    for section in ("applicant", "fields", "materials"):
        old, new = before.get(section) or {}, now[section]
        for key in sorted(set(old) & set(new)):
            path = f"{section}.{key}"
            if (old[key] == new[key] or scope.allows(path) or key in calculated
                    or (section == "applicant" and key not in APPLICANT_KEYS)):
                continue
            if _no_longer_accepted(entry, data, section, key, old[key], today, attachments):
                continue
            what = t(f"forms.applicant.{key}") if section == "applicant" else _label(entry, key)
            issues.append(Issue(path, t("correct.not_asked", what=what), "not_asked"))
    return issues


def _no_longer_accepted(entry: ServiceItem, data: Any, section: str, key: str, old: Any,
                        today: date, attachments: Collection[str]) -> bool:
    trial = {s: dict(data.get(s) or {}) for s in ("applicant", "fields", "materials")}
    trial[section][key] = old
    path = f"{section}.{key}"
    try:
        validate(entry, trial, today=today, attachments=attachments)
    except ValidationFailed as exc:
        return any(i.path == path or i.path.startswith((path + "[", path + "."))
                   for i in exc.issues)
    return False


# Owed materials (容缺 accepted missing, 告知承诺 signed for) handed in later.
#
# The scan is the proof: a material is supplied with at least one scan of it, filed under the
# material's code, in the same transaction as the `material_supplied` event and the owed row
# it closes. A case that ended without its result (rejected, revoked) takes nothing more.
SUPPLY_CLOSED = frozenset({"draft", *owed.NOT_OWING})


def supply(
    session: Session,
    catalog: Catalog,
    application_id: str,
    material: str,
    files: Sequence[IncomingFile],
    *,
    today: date | None = None,
) -> int:
    """Record an owed material arriving: its scans, the owed row closed, one event sent up."""
    today = today or date.today()
    summary, _ = session.show(application_id)
    entry = filed_on(session, catalog, summary.item_code, summary.item_version)
    code = material.strip()
    with session.store.database.read() as db:
        rows = {o.material: o for o in owed.of_case(db, summary.id)}
    owing = [o.material for o in rows.values() if o.supplied_on is None]
    if code not in {m.code for m in entry.materials}:
        raise InvalidRequest("supply.unknown_material", id=summary.id, material=code, owed=_owed_list(entry, owing))
    if code not in rows:
        raise InvalidRequest("supply.not_owed", id=summary.id, what=_label(entry, code), owed=_owed_list(entry, owing))
    if rows[code].supplied_on is not None:
        raise InvalidRequest("supply.already", id=summary.id, what=_label(entry, code), day=rows[code].supplied_on)
    if not files:
        raise InvalidRequest("supply.no_scan", what=_label(entry, code))
    scans = [IncomingFile(code, f.name, f.content) for f in files]  # filed under the material

    def expect(status: str) -> None:
        if status in SUPPLY_CLOSED:
            raise InvalidRequest("supply.closed", id=summary.id, status=status_text(status))

    def close(db: Any) -> None:  # inside the write transaction: a second click finds it closed
        if not owed.supplied(db, summary.id, code, today.isoformat()):
            raise InvalidRequest("supply.already", id=summary.id, what=_label(entry, code), day=today.isoformat())

    expect(summary.status)
    with sealed_with(session):
        seq = session.add_event(summary.id, "material_supplied", {
            "material": code, "state": rows[code].state, "supplied_on": today.isoformat(),
        }, files=scans, expect=expect, then=close)
    return seq


def _owed_list(entry: ServiceItem, codes: Sequence[str]) -> str:
    if not codes:
        return t("supply.nothing_owed")
    return t("app.sep.list").join(t("app.name_code", name=_label(entry, c), code=c) for c in codes)


# Handing the result over, and the villager's rating (好差评).
#
# The result (a completion, or a rejection notice: that too is handed over) is
# delivered once; a rating is collected at that hand-over, so only a delivered
# case can be rated, and only once. A case completed but not yet handed over
# is delivered first: the app asks for the rating right after marking delivery.
DELIVERABLE = frozenset({"completed", "rejected"})
MAX_NOTE = 200
MAX_NAME = 30


def _text_arg(value: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidRequest("case.too_long", what=t(what), n=limit)
    return text


def check_delivery(how: str, to_whom: str, note: str) -> tuple[str, str]:
    """(to_whom, note) as they will be kept; refuses an unknown method or a family member unnamed (pure)."""
    if how not in DELIVERY_METHODS:
        raise InvalidRequest("deliver.bad_how", choices=t("app.sep.list").join(t(f"deliver.how.{h}") for h in DELIVERY_METHODS))
    to_whom = _text_arg(to_whom, "deliver.to_whom", MAX_NAME)
    note = _text_arg(note, "deliver.note", MAX_NOTE)
    if how == "family" and not to_whom:
        raise InvalidRequest("deliver.need_receiver")
    return to_whom, note


def deliver(
    session: Session,
    application_id: str,
    *,
    how: str = "in_person",
    to_whom: str = "",
    note: str = "",
    today: date | None = None,
) -> int:
    """Record that the result was handed over (once); travels to the township like every event."""
    to_whom, note = check_delivery(how, to_whom, note)
    today = today or date.today()
    summary, _ = session.show(application_id)

    def expect(status: str) -> None:
        if status in ("delivered", "rated"):
            raise InvalidRequest("deliver.already", id=summary.id, status=status_text(status))
        if status not in DELIVERABLE:
            raise InvalidRequest("deliver.not_ready", id=summary.id, status=status_text(status))

    expect(summary.status)
    with sealed_with(session):
        seq = session.add_event(summary.id, "delivered", {
            "how": how, "to_whom": to_whom, "note": note, "delivered_on": today.isoformat(),
            "outcome": summary.status,
        }, expect=expect)
    return seq


@dataclass(frozen=True)
class Rating:
    """The villager's rating as it will be kept: a level 1..5, reasons (keys), a free-text note."""

    level: int
    reasons: tuple[str, ...] = ()
    note: str = ""

    def payload(self, today: date) -> dict[str, Any]:
        return {"rating": self.level, "reasons": list(self.reasons), "note": self.note,
                "rated_on": today.isoformat()}


def check_rating(level: int | str, reasons: Sequence[str] = (), note: str = "") -> Rating:
    """The rating as it will be kept (pure, used by the CLI and the app's dialog too).

    A level is 1..5 (or its digit); a reason is a key of RATING_REASONS or its name in either
    language; a 不满意 or 非常不满意 must say why, by a reason or the note.
    """
    text = str(level).strip()
    found = rating_level(int(text)) if text.isdigit() and len(text) == 1 else None
    if found is None:
        raise InvalidRequest("rate.bad_level", level=text)
    names = {t_in(lang, f"rating.reason.{k}"): k for k in RATING_REASONS for lang in ("zh", "en")}
    keys: list[str] = []
    for given in reasons:
        key = given.strip() if given.strip() in RATING_REASONS else names.get(given.strip())
        if key is None:
            raise InvalidRequest("rate.bad_reason", reason=given, choices=t("app.sep.list").join(
                f"{k}={t(f'rating.reason.{k}')}" for k in RATING_REASONS))
        if key not in keys:
            keys.append(key)
    kept = _text_arg(note, "rate.reason", MAX_NOTE)
    if found >= BAD_RATING and not keys and not kept:
        raise InvalidRequest("rate.reason_required")
    return Rating(found, tuple(keys), kept)


def followed_up(session: Session) -> set[str]:
    """The cases whose bad rating the township followed up to the end (回访 recorded)."""
    with session.store.database.read() as db:
        return {str(r[0]) for r in db.execute(
            "SELECT DISTINCT application_id FROM events WHERE type = 'followup_called'")}


def rate(
    session: Session,
    application_id: str,
    rating: Rating,
    *,
    today: date | None = None,
) -> int:
    """The villager's rating (checked by `check_rating`), once, after the result was delivered."""
    rating = check_rating(rating.level, rating.reasons, rating.note)
    today = today or date.today()
    summary, _ = session.show(application_id)

    def expect(status: str) -> None:
        if status == "rated":
            raise InvalidRequest("rate.already", id=summary.id)
        if status != "delivered":
            raise InvalidRequest("rate.not_delivered", id=summary.id, status=status_text(status))

    expect(summary.status)
    with sealed_with(session):
        seq = session.add_event(summary.id, "rated", rating.payload(today), expect=expect)
    return seq
