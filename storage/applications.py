"""Record applications and inspections: one transaction from validated data to outbox row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from forms.engine import CleanApplication
from forms.workdays import Deadline
from storage import applicants, attachments, audit, events, keyset, owed
from storage.crypto import Keys
from storage.db import Database
from storage.errors import NotFound
from storage.operators import Operator
from storage.status import OPEN_STATUSES


@dataclass(frozen=True)
class Planned:
    """One application to record: the validated data plus what the caller worked out for it."""

    clean: CleanApplication
    kind: str  # service | inspection
    deadline: Deadline | None
    owed: tuple[owed.Due, ...] = ()  # materials accepted missing or signed for, with due dates
    priority: tuple[str, ...] = ()  # 绿色通道 grounds (forms/priority.py); () for everyone else


@dataclass(frozen=True)
class Summary:
    id: str
    kind: str
    item_code: str
    item_version: str
    bundle_code: str | None
    bundle_id: str | None
    status: str
    applicant_name: str
    created_at: str
    due_date: str | None
    due_approximate: bool
    operator: str
    priority: bool = False  # 绿色通道 (the grounds are in the sealed `submitted` payload)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def record(
    database: Database,
    keys: Keys,
    operator: Operator,
    planned: Sequence[Planned],
    files: Sequence[attachments.IncomingFile],
    *,
    bundle_code: str | None = None,
    authorization: str = "signed",
    today: date,
) -> list[str]:
    """Store applications (several for a bundle) with their events and outbox rows, all or nothing."""
    bundle_id = uuid.uuid4().hex[:12] if bundle_code else None
    ids: list[str] = []
    with database.write() as db:
        device = events.DeviceState(db)
        device_tag = device.device_id[:6].upper()
        stored = [attachments.store(db, keys, f) for f in files]
        manifest = [s.manifest() for s in stored]
        for plan in planned:
            clean = plan.clean
            declared = None
            if clean.applicant.get("id_number"):
                declared = applicants.declare(db, keys, clean.applicant, clean.fields)
            seq = device.next_seq()
            app_id = f"{today:%Y%m%d}-{device_tag}-{seq:05d}"
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            db.execute(
                "INSERT INTO applications (id, kind, item_code, item_version, bundle_code, bundle_id,"
                " applicant_id, applicant_version, status, operator_id, created_at, due_date,"
                " due_approximate, updated_at, priority)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)",
                (app_id, plan.kind, clean.item_code, clean.item_version, bundle_code, bundle_id,
                 declared.applicant_id if declared else None, declared.version_id if declared else None,
                 operator.id, now,
                 plan.deadline.due.isoformat() if plan.deadline else None,
                 int(plan.deadline.approximate) if plan.deadline else 0, now, int(bool(plan.priority))),
            )
            owed.file(db, app_id, plan.owed)
            labels = {s.label for s in stored}
            for s in stored:
                db.execute(
                    "INSERT INTO application_attachments (application_id, label,"
                    " attachment_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (app_id, s.label, s.address),
                )
            events.append(
                db, keys, device, application_id=app_id, event_type="created", operator_id=operator.id,
                seq=seq, refresh=False, payload={
                    "item_code": clean.item_code, "item_version": clean.item_version,
                    "item_digest": clean.item_digest, "kind": plan.kind,
                    "bundle_code": bundle_code, "bundle_id": bundle_id,
                    "operator": operator.name, "authorization": authorization,
                    "intake_date": today.isoformat(),
                },
            )
            body = {
                "applicant": clean.applicant, "fields": clean.fields,
                "materials": clean.materials, "attachments": manifest,
                "promised_days": plan.deadline.working_days if plan.deadline else None,
                "due_estimate": plan.deadline.due.isoformat() if plan.deadline else None,
                "attachment_labels": sorted(labels),
            }
            if plan.priority:  # travels sealed to the township (and the county) with the filing
                body["priority"] = list(plan.priority)
            kind = "submitted" if plan.kind == "service" else "inspection_recorded"
            events.append(db, keys, device, application_id=app_id, event_type=kind,
                          operator_id=operator.id, payload=body)
            audit.append(db, operator.name, f"application.{kind}", app_id, clean.item_code, keys)
            applicants.audit_changes(db, keys, operator.name, app_id, declared)
            ids.append(app_id)
        device.save()
    return ids


# The listing's orders as keyset terms: LISTING_ORDER (storage/schema.py, spelt as its index has
# it) with priority_first, else newest first (the created_at, id index walked backwards).
PRIORITY_TERMS = (
    keyset.Term("CASE WHEN a.priority = 1 AND a.status IN ('submitted', 'received', 'accepted',"
                " 'correction_requested', 'forwarded') THEN 0 ELSE 1 END", kind=int),
    keyset.Term("a.created_at", desc=True),
    keyset.Term("a.id", desc=True),
)
NEWEST_TERMS = PRIORITY_TERMS[1:]


def listing_key(summary: Summary, priority_first: bool) -> tuple[keyset.Value, ...]:
    """The sort key of a listed case: what a cursor after it holds."""
    newest = (summary.created_at, summary.id)
    if not priority_first:
        return newest
    return (0 if summary.priority and summary.status in OPEN_STATUSES else 1, *newest)


def summaries(
    database: Database,
    keys: Keys,
    *,
    status: str | None = None,
    item_code: str | None = None,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    application_id: str | None = None,
    priority_first: bool = False,
    after: Sequence[keyset.Value] | None = None,
    limit: int | None = None,
) -> list[Summary]:
    """Cases newest first; with `priority_first`, open 绿色通道 cases before all others.

    `limit` rows after the case whose `listing_key` is `after` (keyset: walked on the index of
    the order, so a page reads and decrypts a page whatever the store holds); all without.
    """
    where, params = ["1 = 1"], []
    for column, value in (
        ("a.status", status), ("a.item_code", item_code), ("a.kind", kind), ("a.id", application_id)
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("a.created_at >= ?")
        params.append(since.isoformat())
    if until:
        where.append("a.created_at < ?")  # the day after, reckoned here: SQL's date arithmetic
        params.append((until + timedelta(days=1)).isoformat())  # differs between engines
    terms = PRIORITY_TERMS if priority_first else NEWEST_TERMS
    out: list[Summary] = []
    with database.read() as db:
        for segment, bound in keyset.segments(terms, after):
            sql = (
                "SELECT a.id, a.kind, a.item_code, a.item_version, a.bundle_code, a.bundle_id,"
                " a.status, a.applicant_id, a.created_at, a.due_date, a.due_approximate, o.name,"
                " a.applicant_version, a.priority FROM applications a"
                " JOIN operators o ON o.id = a.operator_id"
                f" WHERE {' AND '.join([*where, segment])} ORDER BY {keyset.order_by(terms)}"
                + (" LIMIT ?" if limit is not None else "")
            )
            left = [] if limit is None else [limit - len(out)]
            for row in db.execute(sql, [*params, *bound, *left]).fetchall():
                out.append(Summary(
                    id=row[0], kind=row[1], item_code=row[2], item_version=row[3],
                    bundle_code=row[4], bundle_id=row[5], status=row[6],
                    applicant_name=applicants.filed_name(db, keys, row[12], row[7]),
                    created_at=row[8], due_date=row[9], due_approximate=bool(row[10]),
                    operator=row[11], priority=bool(row[13]),
                ))
            if limit is not None and len(out) >= limit:
                break
    return out


def detail(database: Database, keys: Keys, application_id: str) -> tuple[Summary, list[events.Event]]:
    found = summaries(database, keys, application_id=application_id.strip())
    if not found:
        raise NotFound("storage.application.unknown", id=application_id)
    with database.read() as db:
        return found[0], events.load(db, keys, found[0].id)
