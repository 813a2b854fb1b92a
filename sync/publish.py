"""Versioned data the county publishes for every village: working-day tables (signed, passed down unchanged)."""

from __future__ import annotations

from typing import Any

from forms.workdays import YearTable
from storage import audit, events, syncstate
from storage.store import Session, Store
from sync import signed
from sync.errors import SyncError
from sync.node import Node


class PublishError(SyncError):
    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def publish_calendar(node: Node, table: YearTable) -> int:
    """County: sign a year's table, use it here, and queue it to every township. Returns the queue count."""
    if node.kind != "county":
        raise PublishError("only the county publishes the calendar", "节假日安排只能由县级中心发布")
    record = signed.sign("calendar", table.as_mapping(), node.keys)
    node.session.import_calendar(table)
    database = node.session.store.database
    with database.write() as db:
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            syncstate.queue_downstream(db, code, "calendar", record)
        audit.append(db, node.session.operator.name, "calendar.publish", str(table.year),
                     table.version, node.session.keys)
    return len(townships)


def pass_down_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> None:
    """Township: use the county's table too, and pass the signed record to every village unchanged."""
    node.session.import_calendar(YearTable.from_mapping(body, "county"))
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            syncstate.queue_downstream(db, code, "calendar", raw)


def keep_at_village(store: Store, raw: bytes, body: dict[str, Any]) -> None:
    """Village, no operator needed: keep the county's signed table until someone logs in."""
    with store.database.write() as db:
        events.meta_set(db, f"pending_calendar:{int(body['year'])}", raw.hex())


def apply_pending(session: Session) -> int:
    """At login or after sync: install the tables the county sent (already verified on arrival)."""
    with session.store.database.read() as db:
        pending = db.execute("SELECT key, value FROM meta WHERE key LIKE 'pending_calendar:%'"
                             ).fetchall()
    for key, value in pending:
        body = signed.peek(bytes.fromhex(value)).body
        session.import_calendar(YearTable.from_mapping(body, "county"))
        with session.store.database.write() as db:
            db.execute("DELETE FROM meta WHERE key = ?", [key])
    return len(pending)
