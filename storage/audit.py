"""The audit log: every operator action, hash-chained, with a keyed checkpoint of the chain head.

Each row's hash covers the previous row's hash and its own content, so an
edited, deleted or reordered row breaks the chain. The head is also stored in
`meta` with an HMAC under a key derived from the data key (written whenever an
operator is logged in), so rewriting the whole chain or cutting its tail is
detected too. Rows never hold personal data: targets are application numbers.
"""

from __future__ import annotations

import hashlib
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
    head = f"{seq}:{digest}"
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)",
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
    hashes: dict[int, str] = {}
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
        hashes[seq] = digest
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if row is None:
        if rows:
            problems.append("audit checkpoint is missing")
    else:
        mark = json.loads(row[0])
        if keys.audit_mac(mark["head"]) != mark["mac"]:
            problems.append("audit checkpoint was forged")
        else:
            seq_text, _, digest = mark["head"].partition(":")
            if hashes.get(int(seq_text)) != digest:
                problems.append(f"audit rows up to {seq_text} were rewritten or removed")
    return AuditReport(rows, problems)
