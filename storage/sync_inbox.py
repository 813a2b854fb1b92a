"""A node's inbox of downstream messages: stored as they arrived, the cursor, applied once each."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlite_utils

from storage import events
from storage.db import Database
from storage.sync_alarms import alarm, now_iso


def store_inbox(db: sqlite_utils.Database, items: Iterable[tuple[str, int, bytes]],
                cursor: tuple[str, int] | None = None, *, signed: bool = False,
                incomplete: tuple[str, str] | None = None) -> int:
    """Keep downstream messages as they arrived (still sealed), keyed by (signer, its seq).

    `cursor` (center device id, last downstream position received) is saved in the
    caller's transaction, so the next session asks only for what came after; `signed`: the
    center signed it, and from now on an answer of that center without a signed
    position is not believed (`signs_positions`). `incomplete` (center, why): the
    answer did not match its signed position; an alarm says so.
    Returns how many messages were new.
    """
    new = 0
    for origin, seq, raw in items:
        new += db.execute("INSERT INTO inbox (origin, dseq, raw, received_at)"
                          " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          (origin, seq, raw, now_iso())).rowcount
    if cursor is not None:
        events.meta_set(db, f"downstream_cursor:{cursor[0]}", str(cursor[1]))
        if signed:
            events.meta_set(db, f"signs_positions:{cursor[0]}", "1")
    if incomplete is not None:
        alarm(db, "downstream_incomplete", incomplete[0], None,
              f"answer does not match its signed position ({incomplete[1]}): cursor kept")
    return new


def signs_positions(database: Database, center: str) -> bool:
    """Has `center` signed a downstream position in an answer before (see sync/position.py)?"""
    with database.read() as db:
        return signs_in(db, center)


def signs_in(db: sqlite_utils.Database, center: str) -> bool:
    """`signs_positions` as the caller's transaction has it."""
    return events.meta_get(db, f"signs_positions:{center}") == "1"


def inbox_cursor(database: Database, center: str) -> int:
    """The last downstream position stored from `center`: what to ask after (a read of its own)."""
    with database.read() as db:
        return cursor_in(db, center)


def cursor_in(db: sqlite_utils.Database, center: str) -> int:
    """`inbox_cursor` as the caller's transaction has it."""
    return int(events.meta_get(db, f"downstream_cursor:{center}") or 0)


def unapplied_inbox(database: Database) -> list[tuple[str, int, bytes]]:
    with database.read() as db:
        return [(r[0], r[1], r[2]) for r in db.execute(
            "SELECT origin, dseq, raw FROM inbox WHERE applied_at IS NULL ORDER BY origin, dseq")]


def apply_inbox(database: Database, origin: str, dseq: int,
                apply: Callable[[sqlite_utils.Database], None]) -> None:
    """Run `apply` and mark the message applied in the same transaction."""
    with database.write() as db:
        apply(db)
        db.execute("UPDATE inbox SET applied_at = ? WHERE origin = ? AND dseq = ?",
                   (now_iso(), origin, dseq))
