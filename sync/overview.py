"""Where this device stands with its township, for the home screen and `sync --json`: no network needed."""

from __future__ import annotations

from dataclasses import dataclass

from storage import events, syncstate
from storage.store import Store


@dataclass(frozen=True)
class SyncOverview:
    enrolled: bool
    township_url: str
    last_contact: str | None  # the last successful session, UTC
    unsealed: int  # recorded before enrollment, or county items awaiting the county's key
    pending: int  # sealed, not yet held by the township
    awaiting_owner: int  # held by the township, waiting for the county's own acknowledgement
    last_failed: bool
    revoked: bool


def overview(store: Store) -> SyncOverview:
    townships = [p for p in syncstate.peers(store.database, "township") if not p.revoked]
    with store.database.read() as db:
        counts = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        last = events.meta_get(db, "last_contact")
        failed = events.meta_get(db, "sync_failed") == "1"
        revoked = events.meta_get(db, "revoked") == "1"
    return SyncOverview(
        enrolled=bool(townships), township_url=townships[-1].url if townships else "",
        last_contact=last, unsealed=int(counts.get("unsealed", 0)),
        pending=int(counts.get("pending", 0)), awaiting_owner=int(counts.get("custody", 0)),
        last_failed=failed, revoked=revoked,
    )
