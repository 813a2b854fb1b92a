"""Where this device stands with its township, for the home screen and `sync --json`: no network needed."""

from __future__ import annotations

from dataclasses import dataclass

from storage import events, sync_peers
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
    unseen_notices: int = 0  # alarms raised here since the sync screen last showed them


def overview(store: Store) -> SyncOverview:
    townships = [p for p in sync_peers.peers(store.database, "township") if not p.revoked]
    with store.database.read() as db:
        counts = dict(db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        last = events.meta_get(db, "last_contact")
        failed = events.meta_get(db, "sync_failed") == "1"
        revoked = events.meta_get(db, "revoked") == "1"
        seen = int(events.meta_get(db, NOTICES_SEEN) or 0)
        unseen = db.execute("SELECT count(*) FROM alarms WHERE id > ?", [seen]).fetchone()[0]
    return SyncOverview(
        enrolled=bool(townships), township_url=townships[-1].url if townships else "",
        last_contact=last, unsealed=int(counts.get("unsealed", 0)),
        pending=int(counts.get("pending", 0)), awaiting_owner=int(counts.get("custody", 0)),
        last_failed=failed, revoked=revoked, unseen_notices=int(unseen),
    )


# ---- notices: what sync found that the agent must hear of ----------------------------------

NOTICES_SEEN = "notices_seen"  # meta: the last alarm id the sync screen has shown


@dataclass(frozen=True)
class Notice:
    """One alarm raised at this village (a refusal, a restored copy, a renumbered application)."""

    id: int
    at: str  # UTC
    kind: str
    seq: int | None
    detail: str


def notices(store: Store, limit: int = 200) -> list[Notice]:
    """The latest alarms, newest first."""
    with store.database.read() as db:
        rows = db.execute("SELECT id, at, kind, seq, detail FROM alarms ORDER BY id DESC LIMIT ?",
                          [limit]).fetchall()
    return [Notice(*r) for r in rows]


def mark_notices_seen(store: Store, through: int) -> None:
    """The agent has seen every notice up to alarm `through`: home stops counting them."""
    with store.database.write() as db:
        seen = int(events.meta_get(db, NOTICES_SEEN) or 0)
        if through > seen:
            events.meta_set(db, NOTICES_SEEN, str(through))


# ---- the sync screen's lists: what goes up, what came down (no keys needed) ----------------

DELIVERIES = ("unsealed", "waiting", "sent", "township", "county", "refused", "clash")


def delivery(state: str, owner: str, attempts: int) -> str:
    """Where one outgoing message is, in the agent's terms (one of DELIVERIES).

    `custody` means the township holds a county item and the county has not yet
    said so itself; `done` means the owner (township or county) holds it; `refused` means
    a center opened it and will never take it in (an alarm says why), so it is not sent again;
    `clash` means a center holds other content under its number (this store was restored from
    a copy): it is not sent again until an operator logs in and it is numbered again.
    """
    if state in ("unsealed", "refused", "clash"):
        return state
    if state == "pending":
        return "sent" if attempts else "waiting"
    if state == "custody":
        return "township"
    return "county" if owner == "county" else "township"


@dataclass(frozen=True)
class QueueEntry:
    seq: int
    application_id: str
    item_code: str
    kind: str  # event | attachment_chunk
    event_type: str  # for an event; "" for a chunk
    chunk_index: int  # 1-based piece of a scan; 0 for an event
    size: int  # sealed bytes; 0 while unsealed
    delivery: str  # see DELIVERIES


def queue(store: Store, limit: int = 1000) -> list[QueueEntry]:
    """Every outgoing message, newest first (at most `limit`), with where it has got to."""
    from sync.messages import CHUNK_SIZE

    with store.database.read() as db:
        rows = db.execute(
            "SELECT o.seq, coalesce(e.application_id, o.application_id, ''), coalesce(a.item_code, ''),"
            " o.kind, coalesce(e.type, ''), coalesce(o.chunk_offset, 0), o.size, o.state, o.owner,"
            " o.attempts FROM outbox o LEFT JOIN events e ON e.id = o.event_id"
            " LEFT JOIN applications a ON a.id = coalesce(e.application_id, o.application_id)"
            " ORDER BY o.seq DESC LIMIT ?", [limit]).fetchall()
    return [QueueEntry(seq, app, item, kind, event_type,
                       offset // CHUNK_SIZE + 1 if kind == "attachment_chunk" else 0, size,
                       delivery(state, owner, attempts))
            for seq, app, item, kind, event_type, offset, size, state, owner, attempts in rows]


@dataclass(frozen=True)
class Result:
    """A decision a center sent down, as filed in this store's event log."""

    application_id: str
    item_code: str
    event_type: str
    recorded_at: str


@dataclass(frozen=True)
class Incoming:
    received: int  # downstream messages stored (still sealed until someone logs in)
    applied: int  # of those, opened and filed
    results: list[Result]  # the latest decisions filed, newest first


def incoming(store: Store, limit: int = 200) -> Incoming:
    with store.database.read() as db:
        received, applied = db.execute("SELECT count(*), count(applied_at) FROM inbox").fetchone()
        rows = db.execute(
            "SELECT e.application_id, a.item_code, e.type, e.recorded_at FROM events e"
            " JOIN applications a ON a.id = e.application_id"
            " WHERE e.device_id IN (SELECT device_id FROM peers) ORDER BY e.id DESC LIMIT ?",
            [limit]).fetchall()
    return Incoming(int(received), int(applied), [Result(*r) for r in rows])
