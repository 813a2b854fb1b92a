"""What the login screen shows before any PIN: the service point's name and who may log in.

Read with the standard library's sqlite3 alone, so the first screen an agent sees does not
wait for the store's machinery (sqlite-utils, migrations, cryptography). Only metadata that
is plaintext by design is read: the village name and operator names and roles. The store
itself is opened, checked and migrated when the PIN is typed (`storage.store.Store.open`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.errors import StoreBusy, StoreCorrupt, StoreMissing

STORE_FILE = "village.db"
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Member:
    """An active operator, as the login screen lists them."""

    name: str
    role: str
    last_login_at: str | None


@dataclass(frozen=True)
class Lobby:
    village_name: str
    operators: tuple[Member, ...]  # active ones, in the order they were added
    node: str = "village"  # village | township | county: whose home this is

    @property
    def latest(self) -> Member | None:
        """Who logged in last: the login screen chooses them first."""
        return max(self.operators, key=lambda m: m.last_login_at or "", default=None)


def has_store(home: Path) -> bool:
    path = home / STORE_FILE
    return path.exists() and path.stat().st_size > 0


def check_header(path: Path) -> None:
    """Refuse a file that is not SQLite at all before any SQLite library touches it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    if head != _SQLITE_MAGIC:
        raise StoreCorrupt("storage.store.not_sqlite", name=path.name)


def read(home: Path, *, timeout: float = 10.0) -> Lobby:
    """The lobby of the store in `home`: two small reads, no connection kept.

    `timeout`: how long to wait for another program that holds the file's lock.
    """
    path = home / STORE_FILE
    if not has_store(home):
        raise StoreMissing("storage.store.missing", home=home)
    check_header(path)
    # Not mode=ro: after a power cut the write-ahead log may need recovering, which a read-only
    # connection cannot do. Only SELECTs are sent; the store's own open applies the pragmas.
    try:
        conn = sqlite3.connect(str(path), timeout=timeout)
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    try:
        meta = dict(conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('village_name', 'node')").fetchall())
        members = conn.execute(
            "SELECT name, role, last_login_at FROM operators WHERE active = 1 ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            raise StoreCorrupt("storage.store.foreign", name=path.name) from None  # another program's
        if is_busy(exc):
            raise busy(path, exc) from None
        raise _damaged(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, exc) from None
    finally:
        conn.close()
    node = str(meta.get("node") or "village")
    return Lobby(
        village_name=str(meta.get("village_name") or ""),
        operators=tuple(Member(str(n), str(r), None if at is None else str(at))
                        for n, r, at in members),
        node=node if node in ("township", "county") else "village",
    )


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock we waited for: the file is fine, only in use."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def busy(path: Path, exc: sqlite3.Error) -> StoreBusy:
    return StoreBusy("storage.store.busy", name=path.name)


def _damaged(path: Path, exc: sqlite3.Error) -> StoreCorrupt:
    return StoreCorrupt("storage.store.damaged", name=path.name)
