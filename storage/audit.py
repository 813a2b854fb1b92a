"""The audit log: every operator action, hash-chained, with a keyed checkpoint of the chain head.

Each row's hash covers the previous row's hash and its own content, so an
edited, deleted or reordered row breaks the chain. The head is also stored in
`meta` with an HMAC under a key derived from the data key (written whenever an
operator is logged in), so rewriting the whole chain or cutting its tail is
detected too. Rows never hold personal data: targets are application numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from storage.crypto import Keys

GENESIS = "0" * 64


def _row_hash(prev: str, seq: int, at: str, operator: str, action: str, target: str, detail: str) -> str:
    body = json.dumps([prev, seq, at, operator, action, target, detail], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    db: sqlite_utils.Database,
    operator: str,
    action: str,
    target: str = "",
    detail: str = "",
    keys: Keys | None = None,
) -> None:
    """Add a row; call inside the transaction of the action it records."""
    last = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    digest = _row_hash(prev, seq, at, operator, action, target, detail)
    db.execute(
        "INSERT INTO audit (seq, at, operator, action, target, detail, prev, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, operator, action, target, detail, prev, digest),
    )
    if keys is not None:
        checkpoint(db, keys, seq, digest)


def checkpoint(db: sqlite_utils.Database, keys: Keys, seq: int, digest: str) -> None:
    # A checkpoint that no longer vouches for the chain is the evidence of tampering: moving it
    # to the new head at the next login would hide a cut tail, so it stays for verify to report.
    stored = db.execute("SELECT 1 FROM meta WHERE key = 'audit_head'").fetchone()
    if (stored is not None or seq > 1) and _checkpoint_problem(db, keys) is not None:
        return
    head = f"{seq}:{digest}"
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (json.dumps({"head": head, "mac": keys.audit_mac(head)}),),
    )


@dataclass(frozen=True)
class AuditReport:
    rows: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: sqlite_utils.Database, keys: Keys) -> AuditReport:
    problems: list[str] = []
    prev, expected_seq, rows = GENESIS, 1, 0
    for seq, at, operator, action, target, detail, row_prev, digest in db.execute(
        "SELECT seq, at, operator, action, target, detail, prev, hash FROM audit ORDER BY seq"
    ):
        rows += 1
        if seq != expected_seq:
            problems.append(f"audit row {expected_seq} is missing (next is {seq})")
        if row_prev != prev:
            problems.append(f"audit row {seq} does not follow the row before it")
        if _row_hash(row_prev, seq, at, operator, action, target, detail) != digest:
            problems.append(f"audit row {seq} was altered")
        prev, expected_seq = digest, seq + 1
    problem = _checkpoint_problem(db, keys)
    if problem is not None:
        problems.append(problem)
    return AuditReport(rows, problems)


def _checkpoint_problem(db: sqlite_utils.Database, keys: Keys) -> str | None:
    """What is wrong with the keyed checkpoint, or None if it vouches for a row still in the chain."""
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if row is None:
        has_rows = db.execute("SELECT 1 FROM audit LIMIT 1").fetchone() is not None
        return "audit checkpoint is missing" if has_rows else None
    try:
        mark = json.loads(row[0])
        head, mac = str(mark["head"]), str(mark["mac"])
    except (ValueError, KeyError, TypeError):
        return "audit checkpoint was forged"
    if not hmac.compare_digest(keys.audit_mac(head), mac):
        return "audit checkpoint was forged"
    seq_text, _, digest = head.partition(":")
    found = db.execute("SELECT hash FROM audit WHERE seq = ?", [int(seq_text)]).fetchone()
    if found is None or found[0] != digest:
        return f"audit rows up to {seq_text} were rewritten or removed"
    return None


def head(db: sqlite_utils.Database) -> tuple[int, str, str]:
    """The chain's last row: (seq, hash, at); (0, GENESIS, "") for an empty chain."""
    row = db.execute("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS, "") if row is None else (int(row[0]), str(row[1]), str(row[2]))


def row_at(db: sqlite_utils.Database, seq: int) -> tuple[str, str] | None:
    """(hash, at) of row `seq`; (GENESIS, "") for 0; None if the chain has no such row."""
    if seq == 0:
        return GENESIS, ""
    row = db.execute("SELECT hash, at FROM audit WHERE seq = ?", [seq]).fetchone()
    return None if row is None else (str(row[0]), str(row[1]))


def hashes(db: sqlite_utils.Database, after: int, through: int) -> list[str]:
    """The row hashes after `after` up to `through`, in order: what a center needs to follow the chain."""
    return [str(r[0]) for r in db.execute(
        "SELECT hash FROM audit WHERE seq > ? AND seq <= ? ORDER BY seq", (after, through))]


def row_hash(prev: str, seq: int, at: str, operator: str, action: str, target: str, detail: str) -> str:
    """A row's hash from the one before it and its fields: how a center checks a row it was sent."""
    return _row_hash(prev, seq, at, operator, action, target, detail)


def rows_of(
    db: sqlite_utils.Database, actions: tuple[str, ...], after: int, through: int, limit: int
) -> list[dict[str, object]]:
    """The whole rows of these actions after `after` up to `through` (at most `limit`), in order."""
    marks = ", ".join("?" for _ in actions)
    return [dict(r) for r in db.query(
        "SELECT seq, at, operator, action, target, detail FROM audit"
        f" WHERE seq > ? AND seq <= ? AND action IN ({marks}) ORDER BY seq LIMIT ?",
        [after, through, *actions, limit])]
