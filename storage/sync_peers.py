"""The peers a node trusts: their keys, roles, URLs, revocation, clock skew; its own certificate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage import events
from storage.db import Database
from storage.sync_alarms import now_iso


@dataclass(frozen=True)
class Peer:
    device_id: str
    role: str  # village | township | county
    village_code: str
    sign_public: str
    enc_public: str
    certificate: str | None
    url: str
    revoked: bool
    clock_skew_ms: int | None = None  # our clock minus its clock, at the last proved request
    last_seen_at: str | None = None

    def identity(self) -> dict[str, str]:
        return {"device_id": self.device_id, "sign_public": self.sign_public,
                "enc_public": self.enc_public}


def _peer(row: Any) -> Peer:
    return Peer(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None,
                row[8], row[9])


_PEER_COLUMNS = ("device_id, role, village_code, sign_public, enc_public, certificate, url,"
                 " revoked_at, clock_skew_ms, last_seen_at")


def save_peer(db: sqlite_utils.Database, *, device_id: str, role: str, sign_public: str,
              enc_public: str, village_code: str = "", certificate: str | None = None,
              url: str = "") -> None:
    """Trust a peer's keys. Re-saving the same keys is harmless; different keys replace (re-enrolment)."""
    db.execute(
        "INSERT INTO peers (device_id, role, village_code, sign_public, enc_public, certificate,"
        " url, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET"
        " role = excluded.role, village_code = excluded.village_code,"
        " sign_public = excluded.sign_public, enc_public = excluded.enc_public,"
        " certificate = coalesce(excluded.certificate, peers.certificate),"
        " url = CASE WHEN excluded.url != '' THEN excluded.url ELSE peers.url END",
        (device_id, role, village_code, sign_public, enc_public, certificate, url, now_iso()),
    )


def peers(database: Database, role: str | None = None) -> list[Peer]:
    sql = f"SELECT {_PEER_COLUMNS} FROM peers"
    with database.read() as db:
        rows = db.execute(sql + (" WHERE role = ?" if role else "") + " ORDER BY enrolled_at",
                          [role] if role else []).fetchall()
    return [_peer(r) for r in rows]


def peer(database: Database, device_id: str) -> Peer | None:
    with database.read() as db:
        row = db.execute(f"SELECT {_PEER_COLUMNS} FROM peers WHERE device_id = ?",
                         [device_id]).fetchone()
    return None if row is None else _peer(row)


def revoke_peer(db: sqlite_utils.Database, device_id: str) -> bool:
    cur = db.execute("UPDATE peers SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                     (now_iso(), device_id))
    return cur.rowcount > 0


def record_skew(db: sqlite_utils.Database, device_id: str, skew_ms: int) -> None:
    """Our clock minus the peer's, as measured on a live request (`sync.clock`)."""
    db.execute("UPDATE peers SET clock_skew_ms = ? WHERE device_id = ?", (skew_ms, device_id))


def touch_peer(db: sqlite_utils.Database, device_id: str, skew_ms: int | None) -> None:
    db.execute("UPDATE peers SET last_seen_at = ?, clock_skew_ms = coalesce(?, clock_skew_ms)"
               " WHERE device_id = ?", (now_iso(), skew_ms, device_id))

def set_meta_json(db: sqlite_utils.Database, key: str, value: Any) -> None:
    events.meta_set(db, key, json.dumps(value, ensure_ascii=False))
