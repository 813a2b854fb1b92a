"""Append events to an application's log: sequence number, HLC, sealed payload and outbox row, one transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from storage.crypto import Keys
from storage.hlc import Hlc, tick
from storage.status import EVENT_TYPES, derive_status

# Events the village writes that the township must see travel through the outbox.
UPSTREAM = frozenset({
    "created", "submitted", "corrected", "material_supplied", "delivered", "rated",
    "inspection_recorded",
})


@dataclass(frozen=True)
class Event:
    id: int
    application_id: str
    type: str
    device_id: str
    seq: int
    hlc: str
    recorded_at: str
    operator_id: int | None
    payload: dict[str, Any]


def meta_get(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def meta_set(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def next_seq(db: sqlite_utils.Database) -> int:
    """Allocate this device's next sequence number (inside the caller's transaction)."""
    seq = int(meta_get(db, "next_seq") or "1")
    meta_set(db, "next_seq", str(seq + 1))
    return seq


def next_hlc(db: sqlite_utils.Database) -> Hlc:
    last = Hlc.decode(meta_get(db, "hlc") or "0.0")
    stamp = tick(last, int(time.time() * 1000))
    meta_set(db, "hlc", stamp.encode())
    return stamp


def event_aad(device_id: str, seq: int) -> str:
    return f"event:{device_id}:{seq}"


def append(
    db: sqlite_utils.Database,
    keys: Keys,
    *,
    application_id: str,
    event_type: str,
    payload: dict[str, Any],
    operator_id: int | None,
    seq: int | None = None,
) -> int:
    """Write one local event (and its outbox row) and refresh the application's cached status."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    device_id = meta_get(db, "device_id")
    assert device_id is not None, "store has no device id"
    seq = next_seq(db) if seq is None else seq
    stamp = next_hlc(db)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    cursor = db.execute(
        "INSERT INTO events (application_id, type, device_id, seq, hlc, recorded_at, operator_id,"
        " payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (application_id, event_type, device_id, seq, stamp.encode(), now, operator_id,
         keys.seal_json(payload, event_aad(device_id, seq))),
    )
    if event_type in UPSTREAM:
        db.execute(
            "INSERT INTO outbox (seq, event_id, created_at) VALUES (?, ?, ?)",
            (seq, cursor.lastrowid, now),
        )
    refresh_status(db, application_id)
    return seq


def refresh_status(db: sqlite_utils.Database, application_id: str) -> str:
    types = [r[0] for r in db.execute(
        "SELECT type FROM events WHERE application_id = ? ORDER BY hlc, id", [application_id]
    )]
    status = derive_status(types)
    db.execute(
        "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?",
        (status, datetime.now(timezone.utc).isoformat(timespec="seconds"), application_id),
    )
    return status


def load(db: sqlite_utils.Database, keys: Keys, application_id: str) -> list[Event]:
    out = []
    for row in db.execute(
        "SELECT id, application_id, type, device_id, seq, hlc, recorded_at, operator_id, payload"
        " FROM events WHERE application_id = ? ORDER BY hlc, id",
        [application_id],
    ):
        out.append(Event(*row[:8], payload=keys.open_json(row[8], event_aad(row[3], row[4]))))
    return out
