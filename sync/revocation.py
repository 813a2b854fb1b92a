"""A village keeping the township's signed revocation list (revoking is the center's: center/revocation.py)."""

from __future__ import annotations

from typing import Any

from storage import events
from storage.store import Store


def keep_at_village(store: Store, raw: bytes, body: dict[str, Any]) -> bool:
    """Keep the newest list (shown, and it tells a revoked device it has been revoked)."""
    with store.database.write() as db:
        current = int(events.meta_get(db, "revocation_version") or 0)
        version = int(body.get("version", 0))
        if version <= current:
            return False
        events.meta_set(db, "revocation_version", str(version))
        events.meta_set(db, "revocation_list", raw.hex())
        if store.info.device_id in body.get("revoked", []):
            events.meta_set(db, "revoked", "1")
    return True
