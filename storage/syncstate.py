"""Sync's tables as the store sees them: peers, outbox state, received messages, queues, alarms.

No wire formats and no signatures here (that is `sync/`); this module only
files bytes and states, each change in one transaction with what it belongs to.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import sqlite_utils

from storage import applicants, audit, events
from storage.crypto import Keys
from storage.db import Database
from storage.hlc import Hlc, receive, tick
from storage.status import EVENT_TYPES


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Peer:
    device_id: str
    role: str  # village | township | county
    village_code: str
    sign_public: str
    enc_public: str
    certificate: str | None
    url: str
    revoked: bool
    clock_skew_ms: int | None = None  # our clock minus its clock, at the last proved request
    last_seen_at: str | None = None

    def identity(self) -> dict[str, str]:
        return {"device_id": self.device_id, "sign_public": self.sign_public,
                "enc_public": self.enc_public}


def _peer(row: Any) -> Peer:
    return Peer(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None,
                row[8], row[9])


_PEER_COLUMNS = ("device_id, role, village_code, sign_public, enc_public, certificate, url,"
                 " revoked_at, clock_skew_ms, last_seen_at")


def save_peer(db: sqlite_utils.Database, *, device_id: str, role: str, sign_public: str,
              enc_public: str, village_code: str = "", certificate: str | None = None,
              url: str = "") -> None:
    """Trust a peer's keys. Re-saving the same keys is harmless; different keys replace (re-enrolment)."""
    db.execute(
        "INSERT INTO peers (device_id, role, village_code, sign_public, enc_public, certificate,"
        " url, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET"
        " role = excluded.role, village_code = excluded.village_code,"
        " sign_public = excluded.sign_public, enc_public = excluded.enc_public,"
        " certificate = coalesce(excluded.certificate, peers.certificate),"
        " url = CASE WHEN excluded.url != '' THEN excluded.url ELSE peers.url END",
        (device_id, role, village_code, sign_public, enc_public, certificate, url, now_iso()),
    )


def peers(database: Database, role: str | None = None) -> list[Peer]:
    sql = f"SELECT {_PEER_COLUMNS} FROM peers"
    with database.read() as db:
        rows = db.execute(sql + (" WHERE role = ?" if role else "") + " ORDER BY enrolled_at",
                          [role] if role else []).fetchall()
    return [_peer(r) for r in rows]


def peer(database: Database, device_id: str) -> Peer | None:
    with database.read() as db:
        row = db.execute(f"SELECT {_PEER_COLUMNS} FROM peers WHERE device_id = ?",
                         [device_id]).fetchone()
    return None if row is None else _peer(row)


def revoke_peer(db: sqlite_utils.Database, device_id: str) -> bool:
    cur = db.execute("UPDATE peers SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                     (now_iso(), device_id))
    return cur.rowcount > 0


def record_skew(db: sqlite_utils.Database, device_id: str, skew_ms: int) -> None:
    """Our clock minus the peer's, as measured on a live request (`sync.clock`)."""
    db.execute("UPDATE peers SET clock_skew_ms = ? WHERE device_id = ?", (skew_ms, device_id))


def touch_peer(db: sqlite_utils.Database, device_id: str, skew_ms: int | None) -> None:
    db.execute("UPDATE peers SET last_seen_at = ?, clock_skew_ms = coalesce(?, clock_skew_ms)"
               " WHERE device_id = ?", (now_iso(), skew_ms, device_id))


# ---- the sender's outbox -------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingEvent:
    """An outbox row still to be sealed, with what sealing needs (decrypted for this moment only)."""

    seq: int
    application_id: str
    event_type: str
    hlc: str
    recorded_at: str
    payload: dict[str, Any]
    item_code: str
    item_version: str
    kind: str


def unsealed(database: Database, keys: Keys) -> list[OutgoingEvent]:
    out = []
    with database.read() as db:
        for row in db.execute(
            "SELECT o.seq, e.application_id, e.type, e.hlc, e.recorded_at, e.payload, e.device_id,"
            " a.item_code, a.item_version, a.kind FROM outbox o JOIN events e ON e.id = o.event_id"
            " JOIN applications a ON a.id = e.application_id WHERE o.state = 'unsealed'"
            " ORDER BY o.seq"
        ).fetchall():
            payload = keys.open_json(row[5], events.event_aad(row[6], row[0]))
            out.append(OutgoingEvent(row[0], row[1], row[2], row[3], row[4], payload, row[7],
                                     row[8], row[9]))
    return out


def mark_sealed(database: Database, sealed: Iterable[tuple[int, bytes, str, str]]) -> None:
    """(seq, sealed message, digest, owner) for each; one transaction."""
    with database.write() as db:
        for seq, raw, digest, owner in sealed:
            db.execute(
                "UPDATE outbox SET state = 'pending', sealed = ?, digest = ?, owner = ?, size = ?"
                " WHERE seq = ? AND state = 'unsealed'", (raw, digest, owner, len(raw), seq),
            )


def attachments_to_chunk(database: Database, keys: Keys) -> list[tuple[str, str, dict[str, Any], bytes]]:
    """(application id, item code, manifest entry, content) for each scan not yet cut into chunks.

    Only filed events not yet marked `chunked` are opened: a row is marked once every scan
    it lists is in chunk rows (so the cost of a submit does not grow with the store's history).
    A row whose scans are returned now is marked at the next call, after the caller has
    committed their chunks: a crash in between chunks them again, it never loses them.
    """
    from storage.attachments import load

    # Events that carry scans: the filings, and an owed material supplied later.
    filed = ("submitted", "corrected", "inspection_recorded", "material_supplied")
    out = []
    finished: list[int] = []
    with database.read() as db:
        # A case with no scan filed (application_attachments holds every one, under the case's
        # current id) has nothing to chunk: its events are marked without being opened.
        rows = db.execute(
            "SELECT o.seq, e.application_id, e.device_id, e.seq, e.payload, a.item_code, e.type,"
            " EXISTS (SELECT 1 FROM application_attachments x WHERE x.application_id = a.id)"
            " FROM outbox o JOIN events e ON e.id = o.event_id"
            " JOIN applications a ON a.id = e.application_id"
            " WHERE o.kind = 'event' AND o.chunked = 0").fetchall()
        wanted = {r[1] for r in rows if r[6] in filed and r[7]}
        done: set[tuple[str, str]] = set()
        for app_id in wanted:
            done |= {(app_id, str(r[0])) for r in db.execute(
                "SELECT DISTINCT attachment FROM outbox WHERE kind = 'attachment_chunk'"
                " AND application_id = ?", [app_id])}
        for outbox_seq, app_id, device_id, seq, token, item_code, kind, scanned in rows:
            if kind not in filed or not scanned:
                finished.append(outbox_seq)
                continue
            payload = keys.open_json(token, events.event_aad(device_id, seq))
            owed = False
            for entry in payload.get("attachments", []):
                if (app_id, entry["address"]) not in done:
                    out.append((app_id, item_code, entry, load(db, keys, entry["address"])))
                    done.add((app_id, entry["address"]))
                    owed = True
            if not owed:  # every scan it lists is in chunk rows already
                finished.append(outbox_seq)
    if finished:
        with database.write() as db:
            for outbox_seq in finished:
                db.execute("UPDATE outbox SET chunked = 1 WHERE seq = ?", [outbox_seq])
    return out


def append_chunks(
    database: Database, application_id: str, address: str, owner: str,
    pieces: list[tuple[int, bytes]], seal: Callable[[int, str, int, bytes], bytes],
) -> int:
    """Outbox rows for one scan's chunks, sealed by `seal(seq, hlc, offset, data)`, one transaction."""
    import hashlib

    with database.write() as db:
        device = events.DeviceState(db)
        for offset, data in pieces:
            seq = device.next_seq()
            raw = seal(seq, device.next_hlc().encode(), offset, data)
            db.execute(
                "INSERT INTO outbox (seq, event_id, kind, application_id, attachment, chunk_offset,"
                " state, sealed, created_at, owner, size, digest) VALUES"
                " (?, NULL, 'attachment_chunk', ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (seq, application_id, address, offset, raw, now_iso(), owner, len(raw),
                 hashlib.sha256(raw).hexdigest()),
            )
        device.save()
    return len(pieces)


def outbox_rows(database: Database) -> list[dict[str, Any]]:
    """Every sealed row not yet forgotten, for the planner."""
    with database.read() as db:
        return list(db.query(
            "SELECT seq, digest, size, owner, state, attempts, next_try_at, sent_at FROM outbox"
            " WHERE state IN ('pending', 'custody') ORDER BY seq"
        ))


def mark_sent(database: Database, seqs: Iterable[int]) -> None:
    """These rows are being handed to a center (before the bytes leave): acks may count for them."""
    wanted = sorted(set(seqs))
    if not wanted:
        return
    with database.write() as db:
        db.execute(f"UPDATE outbox SET sent_at = coalesce(sent_at, ?) WHERE seq IN"
                   f" ({','.join('?' * len(wanted))})", [now_iso(), *wanted])


def outbox_messages(database: Database, seqs: Iterable[int]) -> list[bytes]:
    wanted = sorted(set(seqs))
    with database.read() as db:
        rows = dict(db.execute(
            f"SELECT seq, sealed FROM outbox WHERE seq IN ({','.join('?' * len(wanted))})", wanted
        ).fetchall()) if wanted else {}
    return [rows[s] for s in wanted if s in rows]


def record_acks(database: Database, custody: Iterable[int], e2e: Iterable[int]) -> tuple[int, int]:
    """Move outbox rows forward only: pending -> custody -> done. Returns (custody, done) counts."""
    stamp = now_iso()
    custody_n = done_n = 0
    with database.write() as db:
        for seq in set(custody):
            custody_n += db.execute(
                "UPDATE outbox SET state = 'custody', custody_at = ? WHERE seq = ? AND state = 'pending'",
                (stamp, seq)).rowcount
        for seq in set(e2e):
            done_n += db.execute(
                "UPDATE outbox SET state = 'done', acked_at = ?, custody_at = coalesce(custody_at, ?)"
                " WHERE seq = ? AND state IN ('pending', 'custody')", (stamp, stamp, seq)).rowcount
    return custody_n, done_n


def record_refusals(database: Database, refused: Iterable[tuple[int, str]], by: str) -> list[str]:
    """(seq, reason) the center `by` will never take in: not sent again, an alarm for each.

    Returns the reasons of the rows newly refused (a refusal repeated in a later ack changes nothing).
    """
    stamp = now_iso()
    newly: list[str] = []
    with database.write() as db:
        for seq, reason in sorted(set(refused)):
            if db.execute("UPDATE outbox SET state = 'refused', acked_at = ? WHERE seq = ?"
                          " AND state IN ('pending', 'custody')", (stamp, seq)).rowcount:
                alarm(db, reason, by, seq, "refused by the center: kept here, not sent again")
                newly.append(reason)
    return newly


def resend_lost(database: Database, held: frozenset[int], resend_from: int, by: str,
                restore: str) -> int:
    """The center `by`, restored from a backup (`restore`), asks again from `resend_from`.

    Rows handed over to it from that number on that it no longer holds (`held`: its custody,
    clashes and refusals) go back to pending, to be sent again as they were sealed; the
    center files each once. Obeyed once per restore (a later ack asking the same changes
    nothing), in one transaction, with an alarm. Returns how many rows went back.
    """
    key = f"resend:{by}"
    with database.write() as db:
        if events.meta_get(db, key) == restore:
            return 0
        back = [int(r[0]) for r in db.execute(
            "SELECT seq FROM outbox WHERE state IN ('custody', 'done') AND sent_at IS NOT NULL"
            " AND sealed IS NOT NULL AND seq >= ?", [resend_from]) if int(r[0]) not in held]
        for seq in back:
            db.execute("UPDATE outbox SET state = 'pending', sent_at = NULL, custody_at = NULL,"
                       " acked_at = NULL, attempts = 0, next_try_at = 0 WHERE seq = ?", [seq])
        events.meta_set(db, key, restore)
        if back:
            alarm(db, "center_restored", by, None,
                  f"the center was restored from a backup ({restore}): {len(back)} message(s)"
                  " it no longer holds are sent again")
    return len(back)


def move_counters_past(database: Database, high: int, by: str) -> bool:
    """A center `by` holds our numbers up to `high`: if ours are behind, move them past it.

    That happens only to a store restored from a copy (a backup) made before the lost
    store sent its last messages; left behind, the next work would reuse numbers (and
    application ids) the center already holds. One transaction; an alarm says so.
    """
    with database.write() as db:
        device = events.DeviceState(db)
        behind = device.peek_seq()
        if high < behind:
            return False
        device.skip_to(high + 1)
        device.save()
        events.retire(db, range(behind, high + 1))
        alarm(db, "restored_copy", by, high,
              f"this store looks restored from a copy: the center holds numbers up to {high},"
              f" the store's next was {behind}; counters moved to {high + 1}")
    return True


def record_clashes(database: Database, clash: Iterable[int], by: str) -> int:
    """Rows the center `by` holds other content under: not sent again; renumbered at the next login.

    When an application's `created` event clashed, the rest of that application still
    waiting to go clashes too: it names the application's old id, and the application
    will get a new one. Returns how many rows newly clashed (a clash repeated in a later
    ack changes nothing).
    """
    newly = 0
    with database.write() as db:
        me = events.DeviceState(db).device_id
        for seq in sorted(set(clash)):
            if db.execute("UPDATE outbox SET state = 'clash' WHERE seq = ?"
                          " AND state IN ('pending', 'custody')", [seq]).rowcount:
                alarm(db, "clash", by, seq, "the center holds other content under this number:"
                      " numbered again at the next login")
                newly += 1
        for (app,) in db.execute(
                "SELECT e.application_id FROM outbox o JOIN events e ON e.id = o.event_id"
                " WHERE o.state = 'clash' AND e.type = 'created'").fetchall():
            newly += db.execute(
                "UPDATE outbox SET state = 'clash' WHERE state = 'pending' AND (application_id = ?"
                " OR event_id IN (SELECT id FROM events WHERE application_id = ? AND device_id = ?))",
                (app, app, me)).rowcount
    return newly


@dataclass(frozen=True)
class Renamed:
    old: str
    new: str


def renumber_clashes(database: Database, keys: Keys, operator: str) -> list[Renamed]:
    """Give every clashing outbox row a fresh number, in one transaction (an operator is here).

    An event keeps its content and clock; its payload is sealed again under its new
    number, and its row goes back to 'unsealed' to be sealed and sent as usual. An
    application whose `created` event clashed gets a new id (the center may hold the
    lost store's application under the old one): every row of ours naming it moves,
    with the rest of its unsent events renumbered too, since they were sealed under the
    old id. Events the centers wrote stay under the old id (they are about the lost
    store's case). A clashing scan piece drops its scan's pieces: the scan is cut again.
    """
    with database.read() as db:
        if db.execute("SELECT 1 FROM outbox WHERE state = 'clash' LIMIT 1").fetchone() is None:
            return []  # the usual case: nothing to write
    with database.write() as db:
        clashing = db.execute(
            "SELECT o.seq, o.kind, o.application_id, o.attachment, e.type, e.application_id"
            " FROM outbox o LEFT JOIN events e ON e.id = o.event_id WHERE o.state = 'clash'"
            " ORDER BY o.seq").fetchall()
        if not clashing:
            return []
        device = events.DeviceState(db)
        me = device.device_id
        chunks = {r[0] for r in db.execute("SELECT seq FROM outbox WHERE kind = 'attachment_chunk'")}
        renamed = sorted({r[5] for r in clashing if r[1] == "event" and r[4] == "created"})
        seqs = {r[0] for r in clashing if r[1] == "event"}
        for app in renamed:
            seqs.update(r[0] for r in db.execute(
                "SELECT o.seq FROM outbox o JOIN events e ON e.id = o.event_id"
                " WHERE e.application_id = ? AND e.device_id = ? AND o.state IN"
                " ('unsealed', 'pending')", (app, me)))
        scans = {(r[2], r[3]) for r in clashing if r[1] == "attachment_chunk"}
        new_ids: dict[str, str] = {}
        for old in sorted(seqs):
            new = device.next_seq()
            row = db.execute("SELECT id, application_id, type, payload FROM events"
                             " WHERE device_id = ? AND seq = ?", (me, old)).fetchone()
            payload = keys.open_json(row[3], events.event_aad(me, old))
            db.execute("UPDATE events SET seq = ?, payload = ? WHERE id = ?",
                       (new, keys.seal_json(payload, events.event_aad(me, new)), row[0]))
            db.execute("UPDATE outbox SET seq = ?, state = 'unsealed', sealed = NULL, digest = NULL,"
                       " size = 0, attempts = 0, next_try_at = 0, custody_at = NULL, acked_at = NULL,"
                       " sent_at = NULL WHERE seq = ?", (new, old))
            if row[2] == "created" and row[1] in renamed:
                new_ids[row[1]] = f"{row[1].rsplit('-', 1)[0]}-{new:05d}"
        for old_id, new_id in new_ids.items():
            _rename_application(db, me, old_id, new_id)
            alarm(db, "application_renumbered", me, None, f"{old_id} -> {new_id}")
            audit.append(db, operator, "application.renumbered", old_id, new_id, keys)
        for app, address in scans:
            db.execute("DELETE FROM outbox WHERE kind = 'attachment_chunk' AND application_id = ?"
                       " AND attachment = ?", (app, address))
        chunks -= {r[0] for r in db.execute("SELECT seq FROM outbox WHERE kind = 'attachment_chunk'")}
        # Scans whose chunks went are cut again: look at every filed event once more (rare).
        db.execute("UPDATE outbox SET chunked = 0 WHERE kind = 'event'")
        events.retire(db, seqs | chunks)
        device.save()
    return [Renamed(old, new) for old, new in new_ids.items()]


def _rename_application(db: sqlite_utils.Database, me: str, old: str, new: str) -> None:
    """Move our application `old` to id `new`: its row, our events, its scans, its unsent pieces."""
    db.execute(
        "INSERT INTO applications (id, kind, item_code, item_version, bundle_code, bundle_id,"
        " applicant_id, applicant_version, priority, status, operator_id, created_at, due_date,"
        " due_approximate, updated_at)"
        " SELECT ?, kind, item_code, item_version, bundle_code, bundle_id, applicant_id,"
        " applicant_version, priority, status, operator_id, created_at, due_date,"
        " due_approximate, updated_at FROM applications"
        " WHERE id = ?", (new, old))
    db.execute("UPDATE events SET application_id = ? WHERE application_id = ? AND device_id = ?",
               (new, old, me))
    db.execute("UPDATE application_attachments SET application_id = ? WHERE application_id = ?",
               (new, old))
    db.execute("UPDATE owed_materials SET application_id = ? WHERE application_id = ?", (new, old))
    # Pieces not yet held by a center were sealed naming the old id: cut again under the new one.
    db.execute("DELETE FROM outbox WHERE kind = 'attachment_chunk' AND application_id = ?"
               " AND state IN ('unsealed', 'pending', 'clash')", [old])
    db.execute("UPDATE outbox SET application_id = ? WHERE application_id = ? AND kind = 'event'",
               (new, old))
    if db.execute("SELECT 1 FROM events WHERE application_id = ?", [old]).fetchone() is None:
        db.execute("DELETE FROM applications WHERE id = ?", [old])
    else:
        # Decisions a center sent about the lost store's case under this id: they stay, on a
        # bare record of it, as for any decision about an application this store never had.
        db.execute("UPDATE applications SET applicant_id = NULL, applicant_version = NULL,"
                   " priority = 0, bundle_code = NULL, bundle_id = NULL WHERE id = ?", [old])
        events.refresh_status(db, old)
    events.refresh_status(db, new)


def record_failure(database: Database, updates: Iterable[tuple[int, int, float]]) -> None:
    """(seq, attempts, next_try_at) after a failed session."""
    with database.write() as db:
        for seq, attempts, next_try_at in updates:
            db.execute("UPDATE outbox SET attempts = ?, next_try_at = ? WHERE seq = ?",
                       (attempts, next_try_at, seq))


# ---- receiving ---------------------------------------------------------------------------------


def file_received(db: sqlite_utils.Database, *, sender: str, seq: int, digest: str, kind: str,
                  owner: str, app: str, raw: bytes, via: str) -> str:
    """'store', 'duplicate' or 'conflict' (then an alarm is raised and nothing replaced)."""
    row = db.execute("SELECT digest FROM received WHERE sender = ? AND seq = ?",
                     (sender, seq)).fetchone()
    if row is not None:
        if row[0] == digest:
            return "duplicate"
        alarm(db, "conflict", sender, seq, f"digest {digest[:16]} differs from stored {row[0][:16]}")
        return "conflict"
    db.execute(
        "INSERT INTO received (sender, seq, digest, kind, owner, app, raw, received_at, via)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sender, seq, digest, kind, owner, app, raw, now_iso(), via),
    )
    return "store"


def alarm(db: sqlite_utils.Database, kind: str, sender: str, seq: int | None, detail: str) -> None:
    db.execute("INSERT INTO alarms (at, kind, sender, seq, detail) VALUES (?, ?, ?, ?, ?)",
               (now_iso(), kind, sender, seq, detail))


def alarms(database: Database) -> list[dict[str, Any]]:
    with database.read() as db:
        return list(db.query("SELECT * FROM alarms ORDER BY id"))


def bundle_seen(db: sqlite_utils.Database, digest: str, messages: int) -> bool:
    """True if this exact bundle file was imported before; records it otherwise."""
    if db.execute("SELECT 1 FROM bundles_seen WHERE digest = ?", [digest]).fetchone():
        return True
    db.execute("INSERT INTO bundles_seen (digest, imported_at, messages) VALUES (?, ?, ?)",
               (digest, now_iso(), messages))
    return False


# ---- events that other nodes wrote ------------------------------------------------------------

MAX_DRIFT_MS = 10 * 60 * 1000  # a remote clock further ahead than this is not believed


def order_stamp(db: sqlite_utils.Database, remote: str) -> str:
    """Where a remote event sorts here, and our clock moved past it.

    A remote stamp within MAX_DRIFT_MS of our clock is merged (hybrid logical
    clock receive), so causality holds across nodes. A stamp from a clock set
    years ahead is not believed: the event sorts at its arrival, and one wrong
    village PC cannot drag every other node's clock into 2035. (Its own wall
    time is kept in the event and the skew recorded per device.)
    """
    now_ms = int(time.time() * 1000)
    last = Hlc.decode(events.meta_get(db, "hlc") or "0.0")
    theirs = Hlc.decode(remote)
    stamp = tick(last, now_ms) if theirs.wall_ms > now_ms + MAX_DRIFT_MS else receive(last, theirs, now_ms)
    events.meta_set(db, "hlc", stamp.encode())
    return stamp.encode()



# The decisions that set a case's promised date: the handling center's, never a village's.
DECIDED_DUE = frozenset({"received", "accepted"})
# The village's events that carry what the applicant declared (applicant, fields, materials).
FILED = frozenset({"submitted", "corrected", "inspection_recorded"})


def _is_date(text: str) -> bool:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10 and 2000 <= day.year <= 2100


def apply_remote_event(
    db: sqlite_utils.Database, keys: Keys, *, device_id: str, seq: int, hlc: str,
    recorded_at: str, application_id: str, event_type: str, payload: dict[str, Any],
    item_code: str = "", item_version: str = "", kind: str = "service", operator_id: int,
) -> bool:
    """File an event another node wrote (once: UNIQUE(device_id, seq)); create its application if new.

    Returns False when the event was already filed. The status cache is refreshed
    from the whole log, so late or repeated events never move a case backwards.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if db.execute("SELECT 1 FROM events WHERE device_id = ? AND seq = ?",
                  (device_id, seq)).fetchone():
        return False
    hlc = order_stamp(db, hlc)
    # The applicant is declared in the filed event (submitted, corrected, inspection_recorded),
    # never in `created`, which comes first and opens the case: the case is linked to the
    # applicant when the filing arrives (一数一源), or its lists would show nobody's name.
    declared = None
    applicant = payload.get("applicant")
    if event_type in FILED and isinstance(applicant, dict) and applicant.get("id_number"):
        source = "corrected" if event_type == "corrected" else "filed"
        declared = applicants.declare(db, keys, applicant, payload.get("fields") or {},
                                      source=source)
    if db.execute("SELECT 1 FROM applications WHERE id = ?", [application_id]).fetchone() is None:
        stamp = now_iso()
        db.execute(
            "INSERT INTO applications (id, kind, item_code, item_version, applicant_id,"
            " applicant_version, status, operator_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
            (application_id, kind, item_code, item_version, declared.applicant_id if declared else None,
             declared.version_id if declared else None, operator_id, stamp, stamp),
        )
    elif declared is not None:  # a correction may name another person (a corrected ID number)
        applicants.link(db, application_id, declared)
    db.execute(
        "INSERT INTO events (application_id, type, device_id, seq, hlc, recorded_at, operator_id,"
        " payload) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
        (application_id, event_type, device_id, seq, hlc, recorded_at,
         keys.seal_json(payload, events.event_aad(device_id, seq))),
    )
    status = events.refresh_status(db, application_id)
    due = payload.get("due_date")
    if (event_type in DECIDED_DUE and isinstance(due, str) and _is_date(due)
            and status == event_type):
        # The deciding center's deadline (from its receipt or acceptance) replaces our estimate,
        # approximate as long as the center said so (a year without its holiday table). Not
        # from a decision the case is past (a `received` again from a center restored from a
        # backup): the newer status keeps its date.
        db.execute("UPDATE applications SET due_date = ?, due_approximate = ? WHERE id = ?",
                   (due, int(payload.get("due_approximate") is True), application_id))
    return True


def link_applicants(database: Database, keys: Keys) -> int:
    """Cases a center filed before their applicant was linked at filing: link them now, once.

    Such a case has its applicant in the registry (its filing was kept there) but no
    `applicant_id`, so lists showed no name. Each is linked to the person its latest filing
    declares, found by the blind index; the registry's answers are left as they are (later
    answers already won there). Returns how many cases were linked; a meta flag makes every
    later call a single read.
    """
    with database.read() as db:
        if events.meta_get(db, "applicants_linked") == "1":
            return 0
    linked = 0
    with database.write() as db:
        if events.meta_get(db, "applicants_linked") == "1":
            return 0
        latest: dict[str, tuple[str, int, bytes]] = {}
        for app, device_id, seq, token in db.execute(
                "SELECT e.application_id, e.device_id, e.seq, e.payload FROM events e"
                " JOIN applications a ON a.id = e.application_id WHERE a.applicant_id IS NULL"
                f" AND e.type IN ({','.join('?' * len(FILED))}) ORDER BY e.hlc, e.id",
                sorted(FILED)).fetchall():
            latest[str(app)] = (str(device_id), int(seq), token)
        for app, (device_id, seq, token) in latest.items():
            applicant = keys.open_json(token, events.event_aad(device_id, seq)).get("applicant")
            if not isinstance(applicant, dict) or not applicant.get("id_number"):
                continue
            row = db.execute("SELECT id FROM applicants WHERE id_index = ?",
                             [keys.blind_index("id_number", applicant["id_number"])]).fetchone()
            if row is None:
                applicants.link(db, app, applicants.declare(db, keys, applicant, {}))
            else:  # the case keeps what it was filed with; the registry's answers stay as they are
                version = applicants.add_version(db, keys, str(row[0]), applicant, {}, "filed")
                db.execute("UPDATE applications SET applicant_id = ?, applicant_version = ?"
                           " WHERE id = ?", (row[0], version, app))
            linked += 1
        events.meta_set(db, "applicants_linked", "1")
    return linked


# ---- queues going down (center) and coming in (village) -------------------------------------


def queue_downstream(db: sqlite_utils.Database, village_code: str, kind: str, raw: bytes) -> int:
    last = db.execute("SELECT max(dseq) FROM downstream WHERE village_code = ?",
                      [village_code]).fetchone()[0]
    # A restored center never hands out again a position a device holds (center.recovery).
    floor = db.execute("SELECT floor FROM downstream_floor WHERE village_code = ?",
                       [village_code]).fetchone()
    dseq = max(last or 0, floor[0] if floor else 0) + 1
    db.execute("INSERT INTO downstream (village_code, dseq, kind, raw, created_at)"
               " VALUES (?, ?, ?, ?, ?)", (village_code, dseq, kind, raw, now_iso()))
    return dseq


def downstream_after(database: Database, village_code: str, cursor: int,
                     limit_bytes: int = 4 * 1024 * 1024,
                     kinds: tuple[str, ...] | None = None) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    size = 0
    only = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
    with database.read() as db:
        for dseq, raw in db.execute(
            "SELECT dseq, raw FROM downstream WHERE village_code = ? AND dseq > ?" + only
            + " ORDER BY dseq", (village_code, cursor, *(kinds or ()))):
            if out and size + len(raw) > limit_bytes:
                break
            out.append((dseq, raw))
            size += len(raw)
    return out


def store_inbox(database: Database, items: Iterable[tuple[str, int, bytes]],
                cursor: tuple[str, int] | None = None, *, signed: bool = False,
                incomplete: tuple[str, str] | None = None) -> int:
    """Keep downstream messages as they arrived (still sealed), keyed by (signer, its seq).

    `cursor` (center device id, last downstream position received) is saved in the
    same transaction, so the next session asks only for what came after; `signed`: the
    center signed it, and from now on an answer of that center without a signed
    position is not believed (`signs_positions`). `incomplete` (center, why): the
    answer did not match its signed position; an alarm says so.
    Returns how many messages were new.
    """
    new = 0
    with database.write() as db:
        for origin, seq, raw in items:
            new += db.execute("INSERT INTO inbox (origin, dseq, raw, received_at)"
                              " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (origin, seq, raw, now_iso())).rowcount
        if cursor is not None:
            events.meta_set(db, f"downstream_cursor:{cursor[0]}", str(cursor[1]))
            if signed:
                events.meta_set(db, f"signs_positions:{cursor[0]}", "1")
        if incomplete is not None:
            alarm(db, "downstream_incomplete", incomplete[0], None,
                  f"answer does not match its signed position ({incomplete[1]}): cursor kept")
    return new


def signs_positions(database: Database, center: str) -> bool:
    """Has `center` signed a downstream position in an answer before (see sync/position.py)?"""
    with database.read() as db:
        return events.meta_get(db, f"signs_positions:{center}") == "1"


def inbox_cursor(database: Database, center: str) -> int:
    """The last downstream position stored from `center`: what to ask after."""
    with database.read() as db:
        return int(events.meta_get(db, f"downstream_cursor:{center}") or 0)


def unapplied_inbox(database: Database) -> list[tuple[str, int, bytes]]:
    with database.read() as db:
        return [(r[0], r[1], r[2]) for r in db.execute(
            "SELECT origin, dseq, raw FROM inbox WHERE applied_at IS NULL ORDER BY origin, dseq")]


def apply_inbox(database: Database, origin: str, dseq: int,
                apply: Callable[[sqlite_utils.Database], None]) -> None:
    """Run `apply` and mark the message applied in the same transaction."""
    with database.write() as db:
        apply(db)
        db.execute("UPDATE inbox SET applied_at = ? WHERE origin = ? AND dseq = ?",
                   (now_iso(), origin, dseq))


def set_meta_json(db: sqlite_utils.Database, key: str, value: Any) -> None:
    events.meta_set(db, key, json.dumps(value, ensure_ascii=False))


# ---- pruning a center's downstream queue ------------------------------------------------------

# Kinds that are history, not state: once every device of the village holds them, they may go.
# Calendars, catalog releases and revocation lists stay: a device enrolled later needs them.
PRUNABLE = ("decision", "ack")


def record_down_ack(db: sqlite_utils.Database, device_id: str, through: int, signed_at: str) -> bool:
    """A device below us holds our downstream queue through `through`. Only ever moves forward."""
    return db.execute(
        "INSERT INTO downstream_acks (device_id, through, signed_at, received_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (device_id) DO UPDATE SET through = excluded.through,"
        " signed_at = excluded.signed_at, received_at = excluded.received_at"
        " WHERE excluded.through > downstream_acks.through",
        (device_id, through, signed_at, now_iso())).rowcount > 0


def prune_downstream(db: sqlite_utils.Database, village_code: str, older_than: str) -> int:
    """Drop history every active device of the village has stored, if queued before `older_than`.

    A device that never acknowledged counts as holding nothing, so one laptop that
    has not synced keeps everything for it; a lost device must be revoked.
    """
    row = db.execute(
        "SELECT count(*), min(coalesce(a.through, 0)) FROM peers p"
        " LEFT JOIN downstream_acks a ON a.device_id = p.device_id"
        " WHERE p.village_code = ? AND p.role IN ('village', 'township') AND p.revoked_at IS NULL",
        [village_code]).fetchone()
    if not row[0]:
        return 0
    # The newest row always stays: the next position is counted from it (see queue_downstream).
    newest = db.execute("SELECT max(dseq) FROM downstream WHERE village_code = ?",
                        [village_code]).fetchone()[0] or 0
    return int(db.execute(
        f"DELETE FROM downstream WHERE village_code = ? AND dseq <= ? AND dseq < ? AND created_at <= ?"
        f" AND kind IN ({','.join('?' * len(PRUNABLE))})",
        (village_code, row[1], newest, older_than, *PRUNABLE)).rowcount)


def downstream_codes(database: Database) -> list[str]:
    with database.read() as db:
        return [r[0] for r in db.execute("SELECT DISTINCT village_code FROM downstream ORDER BY 1")]
