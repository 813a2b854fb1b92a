"""Revoking a lost PC: a signed, versioned list that travels to every node that must refuse it."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from center import error_texts as error_texts  # the refusals' words join the catalogue
from storage import audit, events, sync_alarms, sync_downstream, sync_peers
from sync import signed
from sync.errors import SyncError
from sync.node import Node


class RevocationError(SyncError):
    """A revocation refused: a catalogue key and its values."""


def revoke(node: Node, device_id: str) -> int:
    """Refuse the device from now on; sign the new list; queue it down to villages and up to the county.

    Returns the list's version.
    """
    if node.kind != "township":
        raise RevocationError("center.revoke_device.township_only")
    database = node.session.store.database
    with database.write() as db:
        if not sync_peers.revoke_peer(db, device_id):
            raise RevocationError("center.revoke_device.none", device=device_id)
        version = int(events.meta_get(db, "revocation_version") or 0) + 1
        revoked = sorted(r[0] for r in db.execute(
            "SELECT device_id FROM peers WHERE role = 'village' AND revoked_at IS NOT NULL"))
        record = signed.sign("revocation", {"version": version, "township": node.code,
                                            "revoked": revoked, "issued_at": sync_alarms.now_iso()},
                             node.keys)
        events.meta_set(db, "revocation_version", str(version))
        events.meta_set(db, "revocation_list", record.hex())
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for village_code in villages:
            sync_downstream.queue_downstream(db, village_code, "revocation", record)
        county = node.upstream("county")
        if county is not None:
            db.execute("INSERT INTO relay (destination, sender, seq, raw, created_at)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (county.device_id, f"revocation:{node.keys.device_id}", version, record,
                        sync_alarms.now_iso()))
        audit.append(db, node.session.operator.name, "device.revoke", device_id, f"v{version}",
                     node.session.keys)
    return version


def apply_at_center(db: sqlite_utils.Database, issuer: sync_peers.Peer, body: dict[str, Any]) -> int:
    """At the county: refuse the listed devices of that township. Returns how many newly revoked."""
    count = 0
    for device_id in body.get("revoked", []):
        row = db.execute("SELECT village_code FROM peers WHERE device_id = ?",
                         [str(device_id)]).fetchone()
        if row and str(row[0]).startswith(issuer.village_code):
            count += int(sync_peers.revoke_peer(db, str(device_id)))
    return count


