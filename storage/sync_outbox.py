"""The sender's outbox: sealing, scan chunks, the planner's rows, acks, refusals, clashes, renumbering."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage import audit, events
from storage.crypto import Keys
from storage.db import Database
from storage.sync_alarms import alarm, now_iso

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
    """Every sealed row not yet forgotten, for the planner (a read of its own)."""
    with database.read() as db:
        return rows_in(db)


def rows_in(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """`outbox_rows` as the caller's transaction has them."""
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


def record_acks(db: sqlite_utils.Database, custody: Iterable[int], e2e: Iterable[int]) -> tuple[int, int]:
    """Move outbox rows forward only: pending -> custody -> done. Returns (custody, done) counts."""
    stamp = now_iso()
    custody_n = done_n = 0
    for seq in set(custody):
        custody_n += db.execute(
            "UPDATE outbox SET state = 'custody', custody_at = ? WHERE seq = ? AND state = 'pending'",
            (stamp, seq)).rowcount
    for seq in set(e2e):
        done_n += db.execute(
            "UPDATE outbox SET state = 'done', acked_at = ?, custody_at = coalesce(custody_at, ?)"
            " WHERE seq = ? AND state IN ('pending', 'custody')", (stamp, stamp, seq)).rowcount
    return custody_n, done_n


def record_refusals(db: sqlite_utils.Database, refused: Iterable[tuple[int, str]], by: str) -> list[str]:
    """(seq, reason) the center `by` will never take in: not sent again, an alarm for each.

    Returns the reasons of the rows newly refused (a refusal repeated in a later ack changes nothing).
    """
    stamp = now_iso()
    newly: list[str] = []
    for seq, reason in sorted(set(refused)):
        if db.execute("UPDATE outbox SET state = 'refused', acked_at = ? WHERE seq = ?"
                      " AND state IN ('pending', 'custody')", (stamp, seq)).rowcount:
            alarm(db, reason, by, seq, "refused by the center: kept here, not sent again")
            newly.append(reason)
    return newly


def resend_lost(db: sqlite_utils.Database, held: frozenset[int], resend_from: int, by: str,
                restore: str) -> int:
    """The center `by`, restored from a backup (`restore`), asks again from `resend_from`.

    Rows handed over to it from that number on that it no longer holds (`held`: its custody,
    clashes and refusals) go back to pending, to be sent again as they were sealed; the
    center files each once. Obeyed once per restore (a later ack asking the same changes
    nothing), in the caller's transaction, with an alarm. Returns how many rows went back.
    """
    key = f"resend:{by}"
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


def move_counters_past(db: sqlite_utils.Database, high: int, by: str) -> bool:
    """A center `by` holds our numbers up to `high`: if ours are behind, move them past it.

    That happens only to a store restored from a copy (a backup) made before the lost
    store sent its last messages; left behind, the next work would reuse numbers (and
    application ids) the center already holds. In the caller's transaction; an alarm says so.
    """
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


def record_clashes(db: sqlite_utils.Database, clash: Iterable[int], by: str) -> int:
    """Rows the center `by` holds other content under: not sent again; renumbered at the next login.

    When an application's `created` event clashed, the rest of that application still
    waiting to go clashes too: it names the application's old id, and the application
    will get a new one. Returns how many rows newly clashed (a clash repeated in a later
    ack changes nothing).
    """
    newly = 0
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
