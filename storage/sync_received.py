"""What a receiver files: received messages once each, bundles seen, events other nodes wrote."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import sqlite_utils

from storage import applicants, events
from storage.crypto import Keys
from storage.db import Database
from storage.hlc import Hlc, receive, tick
from storage.status import EVENT_TYPES
from storage.sync_alarms import now_iso

# ---- receiving ---------------------------------------------------------------------------------


def held_digest(db: sqlite_utils.Database, sender: str, seq: int) -> str | None:
    """The digest of what is filed under (sender, seq), if anything is."""
    row = db.execute("SELECT digest FROM received WHERE sender = ? AND seq = ?",
                     (sender, seq)).fetchone()
    return None if row is None else str(row[0])


def file_received(db: sqlite_utils.Database, *, sender: str, seq: int, digest: str, kind: str,
                  owner: str, app: str, raw: bytes, via: str) -> None:
    """File a message under (sender, seq), which holds nothing yet.

    Whether to file it is the planner's decision (`sync.planner.decide_ingest`, over
    `held_digest`), taken by the center's ingest; this only writes it.
    """
    db.execute(
        "INSERT INTO received (sender, seq, digest, kind, owner, app, raw, received_at, via)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sender, seq, digest, kind, owner, app, raw, now_iso(), via),
    )


def held_owners(db: sqlite_utils.Database, sender: str) -> list[tuple[int, str]]:
    """(seq, owner) of every message filed from `sender`."""
    return [(int(r[0]), str(r[1] or "")) for r in db.execute(
        "SELECT seq, owner FROM received WHERE sender = ?", [sender])]


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
