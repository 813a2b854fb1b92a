"""Sync's alarms (what a node raises when a peer does something it must not) and its clock stamp."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from storage.db import Database


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def alarm(db: sqlite_utils.Database, kind: str, sender: str, seq: int | None, detail: str) -> None:
    db.execute("INSERT INTO alarms (at, kind, sender, seq, detail) VALUES (?, ?, ?, ?, ?)",
               (now_iso(), kind, sender, seq, detail))


def alarms(database: Database) -> list[dict[str, Any]]:
    with database.read() as db:
        return list(db.query("SELECT * FROM alarms ORDER BY id"))
