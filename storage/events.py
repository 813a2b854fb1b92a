"""Append events to an application's log: sequence number, HLC, sealed payload and outbox row, one transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from storage.crypto import Keys
from storage.hlc import Hlc, tick
from storage.status import EVENT_TYPES, VILLAGE_DECISIONS, derive_status

# Events the village writes that the township must see travel through the outbox.
UPSTREAM = frozenset({
    "created", "submitted", "corrected", "material_supplied", "delivered", "rated",
    "inspection_recorded", "complained",
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
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


class DeviceState:
    """This device's counters for one write transaction: read once, saved once at the end.

    Use only inside `Database.write()`; the write lock and BEGIN IMMEDIATE make the
    read-modify-write safe against every other writer.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        rows = dict(db.execute(
            "SELECT key, value FROM meta WHERE key IN ('device_id', 'next_seq', 'hlc')"
        ).fetchall())
        if "device_id" not in rows:
            raise RuntimeError("store has no device id")
        self.db = db
        self.device_id = str(rows["device_id"])
        self._next_seq = int(rows.get("next_seq") or 1)
        self._hlc = Hlc.decode(str(rows.get("hlc") or "0.0"))

    def next_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def peek_seq(self) -> int:
        """The number the next `next_seq()` gives."""
        return self._next_seq

    def skip_to(self, seq: int) -> None:
        """Never hand out a number below `seq` (counters only move forward)."""
        self._next_seq = max(self._next_seq, seq)

    def next_hlc(self) -> Hlc:
        self._hlc = tick(self._hlc, int(time.time() * 1000))
        return self._hlc

    def save(self) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES ('next_seq', ?), ('hlc', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(self._next_seq), self._hlc.encode()),
        )


def retired_seqs(db: sqlite_utils.Database) -> set[int]:
    """Numbers of ours no event or scan piece holds any more, on purpose (see `retire`)."""
    text = meta_get(db, "retired_seqs")
    return {s for a, b in (json.loads(text) if text else []) for s in range(a, b + 1)}


def retire(db: sqlite_utils.Database, seqs: Iterable[int]) -> None:
    """Note numbers left unused on purpose, so `verify` tells them from lost events.

    A store restored from a copy skips the numbers the center already holds, and
    numbers again what clashed there: the old numbers stay empty for good.
    """
    ranges: list[list[int]] = []
    for s in sorted(retired_seqs(db) | set(seqs)):
        if ranges and s == ranges[-1][1] + 1:
            ranges[-1][1] = s
        else:
            ranges.append([s, s])
    meta_set(db, "retired_seqs", json.dumps(ranges))


def event_aad(device_id: str, seq: int) -> str:
    return f"event:{device_id}:{seq}"


def append(
    db: sqlite_utils.Database,
    keys: Keys,
    device: DeviceState,
    *,
    application_id: str,
    event_type: str,
    payload: dict[str, Any],
    operator_id: int | None,
    seq: int | None = None,
    refresh: bool = True,
    report: bool = False,
) -> int:
    """Write one local event (and its outbox row) and refresh the application's cached status.

    `refresh=False` when the caller appends another event in the same transaction
    and refreshes once at the end. The caller saves `device` before committing.
    `report=True`: a village's own decision on a village-decided item (放权下沉) travels up
    too, so the township files it for supervision (other decisions are a center's).
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    device_id = device.device_id
    seq = device.next_seq() if seq is None else seq
    stamp = device.next_hlc()
    # One clock for both stamps: this PC's, whatever it says (the HLC orders, centers judge).
    now = datetime.fromtimestamp(time.time(), timezone.utc).isoformat(timespec="seconds")
    db.execute(
        "INSERT INTO events (application_id, type, device_id, seq, hlc, recorded_at, operator_id,"
        " payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (application_id, event_type, device_id, seq, stamp.encode(), now, operator_id,
         keys.seal_json(payload, event_aad(device_id, seq))),
    )
    if event_type in UPSTREAM or (report and event_type in VILLAGE_DECISIONS):
        db.execute(
            "INSERT INTO outbox (seq, event_id, created_at)"
            " SELECT ?, id, ? FROM events WHERE device_id = ? AND seq = ?",  # no lastrowid on PG
            (seq, now, device_id, seq),
        )
    if refresh:
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
        out.append(Event(
            id=row[0], application_id=row[1], type=row[2], device_id=row[3], seq=row[4],
            hlc=row[5], recorded_at=row[6], operator_id=row[7],
            payload=keys.open_json(row[8], event_aad(row[3], row[4])),
        ))
    return out
