"""Operators (village agents and grid workers, center clerks): PINs, wrapped keys, lock-out with back-off."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import pairwise

import sqlite_utils

from forms.messages import Text
from storage import audit
from storage.crypto import (
    DecryptionFailed,
    KdfParams,
    Keys,
    WrappedKey,
    unwrap_data_key,
    wrap_data_key,
)
from storage.db import Database
from storage.errors import (
    InvalidRequest,
    LockedOut,
    OperatorDisabled,
    UnknownOperator,
    WeakPin,
    WrongPin,
)
from storage.messages import both, say

ROLE_KEYS = ("agent", "grid_worker", "clerk", "manager")
ROLES = {r: say("zh", f"role.{r}") for r in ROLE_KEYS}  # thin lookups; `role_name` says either
# The roles each kind of store has. The first manages operators there, and the last active one
# of it cannot be disabled: a village point's agent, a township or county center's manager
# (中心负责人: also decides cases, and manages clerks, windows, devices and enrollment).
CENTER_ROLES = ("manager", "clerk")
NODE_ROLES = {"village": ("agent", "grid_worker"), "township": CENTER_ROLES, "county": CENTER_ROLES}
MAX_TRIES = 5
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 3600
_COMMON_PINS = {
    "123456", "654321", "123123", "112233", "520520", "521521", "147258", "123321", "000000",
    "888888", "666666", "12345678", "87654321", "11223344", "password", "abcdef",
}


@dataclass(frozen=True)
class Operator:
    id: int
    name: str
    role: str
    active: bool
    created_at: str
    last_login_at: str | None
    window_code: str = ""  # a center's clerk: the window they sit at
    standin: str = ""  # AB 岗: who takes this clerk's cases while they are away
    away: bool = False

    @property
    def role_zh(self) -> str:
        return ROLES[self.role]

    @property
    def role_name(self) -> Text:
        return role_name(self.role)


def role_name(role: str) -> Text:
    """A role as each language names it (代办员 / agent)."""
    return both(f"role.{role}")


def check_pin_strength(pin: str) -> None:
    """Refuse PINs a thief would try first. The PIN is all that stands between a stolen PC and its data."""
    if not 6 <= len(pin) <= 32:
        raise WeakPin("storage.pin.length")
    digits = [ord(c) for c in pin]
    steps = {b - a for a, b in pairwise(digits)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}) or pin.lower() in _COMMON_PINS:
        raise WeakPin("storage.pin.weak")


def node_kind(db: sqlite_utils.Database) -> str:
    """village | township | county: what the store in `db` is (stores from before centers are villages)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'node'").fetchone()
    return str(row[0]) if row is not None and str(row[0]) in NODE_ROLES else "village"


def manager_role(node: str) -> str:
    """The role that manages operators at this kind of store."""
    return NODE_ROLES[node][0]


def check_role(node: str, role: str) -> None:
    """Refuse a role this kind of store does not have, saying which ones it does."""
    if role in NODE_ROLES[node]:
        return
    if node == "village":
        if role == "clerk":
            raise InvalidRequest("storage.role.village_no_clerk")
        raise InvalidRequest("storage.role.village_allowed")
    if role in ROLES:
        raise InvalidRequest("storage.role.center_not_village", title=role_name(role), role=role)
    raise InvalidRequest("storage.role.center_allowed")


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _row_to_operator(row: dict[str, object]) -> Operator:
    return Operator(
        id=int(str(row["id"])), name=str(row["name"]), role=str(row["role"]),
        active=bool(row["active"]), created_at=str(row["created_at"]),
        last_login_at=None if row["last_login_at"] is None else str(row["last_login_at"]),
        window_code=str(row.get("window_code") or ""), standin=str(row.get("standin") or ""),
        away=bool(row.get("away") or 0),
    )


def list_operators(database: Database) -> list[Operator]:
    with database.read() as db:
        return [_row_to_operator(r) for r in db.query("SELECT * FROM operators ORDER BY id")]


def get_operator(database: Database, name: str) -> Operator:
    with database.read() as db:
        rows = list(db.query("SELECT * FROM operators WHERE name = ?", [name]))
    if not rows:
        raise UnknownOperator("storage.operator.unknown", name=name)
    return _row_to_operator(rows[0])


def insert_operator(
    database: Database, keys: Keys, name: str, role: str, pin: str, kdf: KdfParams, *, by: str
) -> Operator:
    name = name.strip()
    if not name or len(name) > 30:
        raise InvalidRequest("storage.operator.name_length")
    with database.read() as db:
        check_role(node_kind(db), role)
    check_pin_strength(pin)
    wrapped = wrap_data_key(keys.data_key, pin, kdf, operator=name)  # slow: outside the lock
    with database.write() as db:
        if db.execute("SELECT 1 FROM operators WHERE name = ?", [name]).fetchone():
            raise InvalidRequest("storage.operator.exists", name=name)
        db.execute(
            "INSERT INTO operators (name, role, wrapped_key, created_at) VALUES (?, ?, ?, ?)",
            (name, role, wrapped.to_json(), _now_iso()),
        )
        audit.append(db, by, "operator.add", name, role, keys)
    return get_operator(database, name)


def set_active(database: Database, keys: Keys, name: str, active: bool, *, by: str) -> None:
    get_operator(database, name)
    with database.write() as db:
        if not active:
            manager = manager_role(node_kind(db))
            others = db.execute(
                "SELECT count(*) FROM operators WHERE active = 1 AND role = ? AND name != ?",
                [manager, name],
            ).fetchone()[0]
            role = db.execute("SELECT role FROM operators WHERE name = ?", [name]).fetchone()[0]
            if role == manager and others == 0:
                raise InvalidRequest("storage.operator.last_manager", title=role_name(manager))
        db.execute("UPDATE operators SET active = ? WHERE name = ?", (int(active), name))
        audit.append(db, by, "operator.enable" if active else "operator.disable", name, "", keys)


def set_pin(database: Database, keys: Keys, name: str, pin: str, kdf: KdfParams, *, by: str) -> None:
    get_operator(database, name)
    check_pin_strength(pin)
    wrapped = wrap_data_key(keys.data_key, pin, kdf, operator=name)
    with database.write() as db:
        db.execute(
            "UPDATE operators SET wrapped_key = ?, failed_attempts = 0, locked_until = 0"
            " WHERE name = ?",
            (wrapped.to_json(), name),
        )
        audit.append(db, by, "operator.set_pin", name, "", keys)


def may_try(db: sqlite_utils.Database, name: str, now: float) -> tuple[dict[str, object], Operator]:
    """The operator's row, if they exist, are active and not locked out (inside the write lock)."""
    rows = list(db.query("SELECT * FROM operators WHERE name = ?", [name]))
    if not rows:
        raise UnknownOperator("storage.operator.unknown", name=name)
    row = rows[0]
    operator = _row_to_operator(row)
    if not operator.active:
        raise OperatorDisabled("storage.operator.disabled", name=name,
                               manager=role_name(manager_role(node_kind(db))))
    locked_until = float(str(row["locked_until"]))
    if locked_until > now:
        # A clock set back must not lock someone out for days.
        raise LockedOut(int(min(locked_until - now, MAX_LOCK_SECONDS)) + 1)
    return row, operator


def count_failure(
    db: sqlite_utils.Database, row: dict[str, object], now: float, action: str
) -> tuple[int, int]:
    """One more failed try (a wrong PIN or recovery code): (attempt number, lock seconds).

    The caller raises only after its transaction commits, so the count is never rolled back.
    """
    name = str(row["name"])
    attempt = int(str(row["failed_attempts"])) + 1
    lock = 0
    if attempt >= MAX_TRIES:
        lock = min(BASE_LOCK_SECONDS * 2 ** (attempt - MAX_TRIES), MAX_LOCK_SECONDS)
    db.execute(
        "UPDATE operators SET failed_attempts = ?, locked_until = ? WHERE name = ?",
        (attempt, now + lock if lock else 0, name),
    )
    audit.append(db, name, action, name, f"attempt {attempt}")
    return attempt, lock


def unlock(database: Database, name: str, pin: str, *, now: float | None = None) -> tuple[Operator, Keys]:
    """Check the PIN, counting failures; returns the operator and the store's keys.

    The whole check (lock, slow PIN derivation, its outcome) is one write transaction,
    and only its outcome is written: a failure adds one to the count (and sets the lock
    on the last allowed try), a success clears both.

    - A login killed during the check (power cut, SIGKILL, Ctrl-C) writes nothing, so
      right-PIN logins that never finished cannot lock anyone out. It told nobody
      anything either, so it is no guess for whoever killed it.
    - A wrong PIN is committed (synchronous=FULL) before WrongPin is raised: nobody
      hears "wrong" from an attempt that is not counted, killed right after or not.
    - The write lock (this process's lock and SQLite's BEGIN IMMEDIATE, which the OS
      drops when a process dies) is held across the derivation, so guesses made in
      parallel (threads, several processes) take turns: each sees the failures before
      it, and at most MAX_TRIES ever reach the check before the lock holds. The cost is
      that other writes to the store wait for one derivation (well inside the busy
      timeout).
    """
    now = time.time() if now is None else now
    with database.write() as db:
        row, operator = may_try(db, name, now)
        try:
            data_key: bytes | None = unwrap_data_key(
                WrappedKey.from_json(str(row["wrapped_key"])), pin, operator=name
            )
        except DecryptionFailed:
            data_key = None
        if data_key is None:
            attempt, lock = count_failure(db, row, now, "operator.login_failed")
        else:
            keys = Keys(data_key)
            db.execute(
                "UPDATE operators SET failed_attempts = 0, locked_until = 0, last_login_at = ?"
                " WHERE name = ?",
                (_now_iso(), name),
            )
            audit.append(db, name, "operator.login", name, "", keys)
    # Raised only now, after the commit: inside the block it would roll the count back.
    if data_key is None:
        raise WrongPin(max(MAX_TRIES - attempt, 0), lock)
    return operator, keys
