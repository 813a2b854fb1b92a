"""The township keeps each village device's audit-chain heads and raises an alarm when one breaks the line.

What a head record says and how a later head is judged is shared with the village
(`sync.audithead`); here the heads are kept (`audit_heads`, one row per new head)
and the alarms raised: `audit_rewritten` (the chain was rewritten or truncated and
regrown), `audit_behind` (it went back: restored from a backup, or cut), `audit_gap`
(cannot be followed from what is held). Each alarm is raised once: the head that
raised it is kept, and the line goes on from it.

The security-relevant rows a head carries whole (`audithead.Entry`, each hash checked) are
kept in `audit_entries`, once each; a PIN reset with the recovery code raises
`village_recovered` (once per recovery, however often its row travels again), for the
clerk to confirm by phone with the agent that it was them.
"""

from __future__ import annotations

import json

import sqlite_utils

from storage import sync_alarms, sync_peers
from sync import audithead, signed
from sync.errors import BundleRejected
from sync.node import Node


def take(node: Node, issuer: sync_peers.Peer, record: signed.Record, via: str = "http") -> str:
    """File a verified head record of village device `issuer`; returns the verdict.

    Raises BundleRejected("malformed") for a record that is not a head of this device
    for this center (it changes nothing). A revoked device's word no longer counts.
    """
    claim = audithead.parse(record.body)
    if (issuer.role != "village" or claim.device != record.signer
            or claim.center != node.keys.device_id):
        raise BundleRejected("malformed", "audit head not of this device for this center")
    if issuer.revoked:
        return "revoked"
    with node.session.store.database.write() as db:
        verdict = audithead.judge(line(db, issuer.device_id), claim)
        if verdict.kind == "same":
            return verdict.kind
        db.execute(
            "INSERT INTO audit_heads (device_id, village_code, seq, hash, at, received_at, via,"
            " verdict) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (issuer.device_id, issuer.village_code, claim.seq, claim.hash, claim.at,
             sync_alarms.now_iso(), via, verdict.kind))
        if verdict.alarm is not None:
            sync_alarms.alarm(db, verdict.alarm, issuer.device_id, claim.seq, verdict.detail)
        _keep_entries(db, issuer, claim)
    return verdict.kind


def _keep_entries(db: sqlite_utils.Database, issuer: sync_peers.Peer, claim: audithead.Claim) -> None:
    """Keep the rows a head carries, each once; alarm on a recovery the first time it comes."""
    for e in claim.entries:
        added = db.execute(
            "INSERT INTO audit_entries (device_id, village_code, seq, at, operator,"
            " action, target, detail, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (issuer.device_id, issuer.village_code, e.seq, e.at, e.operator, e.action, e.target,
             e.detail, e.hash, sync_alarms.now_iso())).rowcount
        if added and e.action == audithead.RECOVERED:
            # The alarm's words take these values (center.console.cases.alarm_meaning).
            sync_alarms.alarm(db, "village_recovered", issuer.device_id, e.seq, json.dumps(
                {"village": issuer.village_code, "operator": e.operator, "at": e.at},
                ensure_ascii=False))


def entries(db: sqlite_utils.Database, village_code: str | None = None) -> list[dict[str, object]]:
    """Every security-relevant row villages reported (of one village, if given), oldest first."""
    where, args = ("WHERE village_code = ?", [village_code]) if village_code else ("", [])
    return list(db.query(f"SELECT device_id, village_code, seq, at, operator, action, target,"
                         f" detail, received_at FROM audit_entries {where} ORDER BY id", args))


def line(db: sqlite_utils.Database, device: str) -> list[audithead.Held]:
    """The heads held of `device` since its line last started (oldest first)."""
    start = db.execute("SELECT MAX(id) FROM audit_heads WHERE device_id = ? AND verdict != ?",
                       (device, audithead.EXTENDS)).fetchone()[0]
    return [audithead.Held(int(seq), str(digest)) for seq, digest in db.execute(
        "SELECT seq, hash FROM audit_heads WHERE device_id = ? AND id >= ? ORDER BY id",
        (device, start or 0))]


def latest(db: sqlite_utils.Database, device: str) -> audithead.Held | None:
    """The head last held of `device`: our ack says it, so its next head starts there."""
    row = db.execute("SELECT seq, hash FROM audit_heads WHERE device_id = ? ORDER BY id DESC"
                     " LIMIT 1", [device]).fetchone()
    return None if row is None else audithead.Held(int(row[0]), str(row[1]))


def heads(db: sqlite_utils.Database, village_code: str | None = None) -> list[dict[str, object]]:
    """Every head held (of one village, if given), oldest first."""
    where, args = ("WHERE village_code = ?", [village_code]) if village_code else ("", [])
    return list(db.query(f"SELECT device_id, village_code, seq, hash, at, received_at, via, verdict"
                         f" FROM audit_heads {where} ORDER BY id", args))
