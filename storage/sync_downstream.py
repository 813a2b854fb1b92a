"""A center's queues going down to each village: positions, answers, acks from below, pruning."""

from __future__ import annotations

import sqlite_utils

from storage.db import Database
from storage.sync_alarms import now_iso

# ---- queues going down (center) -------------------------------------------------------------


def queue_downstream(db: sqlite_utils.Database, village_code: str, kind: str, raw: bytes) -> int:
    last = db.execute("SELECT max(dseq) FROM downstream WHERE village_code = ?",
                      [village_code]).fetchone()[0]
    # A restored center never hands out again a position a device holds (center.recovery).
    floor = db.execute("SELECT floor FROM downstream_floor WHERE village_code = ?",
                       [village_code]).fetchone()
    dseq = max(last or 0, floor[0] if floor else 0) + 1
    db.execute("INSERT INTO downstream (village_code, dseq, kind, raw, created_at)"
               " VALUES (?, ?, ?, ?, ?)", (village_code, dseq, kind, raw, now_iso()))
    return dseq


def downstream_after(database: Database, village_code: str, cursor: int,
                     limit_bytes: int = 4 * 1024 * 1024,
                     kinds: tuple[str, ...] | None = None) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    size = 0
    only = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
    with database.read() as db:
        for dseq, raw in db.execute(
            "SELECT dseq, raw FROM downstream WHERE village_code = ? AND dseq > ?" + only
            + " ORDER BY dseq", (village_code, cursor, *(kinds or ()))):
            if out and size + len(raw) > limit_bytes:
                break
            out.append((dseq, raw))
            size += len(raw)
    return out


# ---- pruning a center's downstream queue ------------------------------------------------------

# Kinds that are history, not state: once every device of the village holds them, they may go.
# Calendars, catalog releases and revocation lists stay: a device enrolled later needs them.
PRUNABLE = ("decision", "ack")


def record_down_ack(db: sqlite_utils.Database, device_id: str, through: int, signed_at: str) -> bool:
    """A device below us holds our downstream queue through `through`. Only ever moves forward."""
    return db.execute(
        "INSERT INTO downstream_acks (device_id, through, signed_at, received_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (device_id) DO UPDATE SET through = excluded.through,"
        " signed_at = excluded.signed_at, received_at = excluded.received_at"
        " WHERE excluded.through > downstream_acks.through",
        (device_id, through, signed_at, now_iso())).rowcount > 0


def prune_downstream(db: sqlite_utils.Database, village_code: str, older_than: str) -> int:
    """Drop history every active device of the village has stored, if queued before `older_than`.

    A device that never acknowledged counts as holding nothing, so one laptop that
    has not synced keeps everything for it; a lost device must be revoked.
    """
    row = db.execute(
        "SELECT count(*), min(coalesce(a.through, 0)) FROM peers p"
        " LEFT JOIN downstream_acks a ON a.device_id = p.device_id"
        " WHERE p.village_code = ? AND p.role IN ('village', 'township') AND p.revoked_at IS NULL",
        [village_code]).fetchone()
    if not row[0]:
        return 0
    # The newest row always stays: the next position is counted from it (see queue_downstream).
    newest = db.execute("SELECT max(dseq) FROM downstream WHERE village_code = ?",
                        [village_code]).fetchone()[0] or 0
    return int(db.execute(
        f"DELETE FROM downstream WHERE village_code = ? AND dseq <= ? AND dseq < ? AND created_at <= ?"
        f" AND kind IN ({','.join('?' * len(PRUNABLE))})",
        (village_code, row[1], newest, older_than, *PRUNABLE)).rowcount)


def downstream_codes(database: Database) -> list[str]:
    with database.read() as db:
        return [r[0] for r in db.execute("SELECT DISTINCT village_code FROM downstream ORDER BY 1")]
