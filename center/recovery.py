"""A center restored from a backup catches up with the villages that are ahead of it.

The copy holds less than the villages do: messages they sent after the copy was made
(acknowledged, so forgotten as sent), decisions this center made since (filed at the
villages), and positions of its downstream queue the villages hold. `start` (run by
`service-center restore` on the copy, before it goes into place) notes for every village
device what the copy holds of it; while serving:

- every ack to such a device asks it to send again what the copy lacks (`resend_request`,
  the ack's `resend_from` and `restore`); the village puts those rows back to pending
  (`storage.sync_outbox.resend_lost`), and they are filed once, by (device, seq), as always;
- our own numbers start past any the lost store could have used (`start`: `seq_from`),
  so a decision made now is never taken at a village for one it already holds;
- a device whose signed cursor is past the copy's queue holds decisions we lost: positions
  up to its cursor are never handed out again, and what was queued since the restore under
  them moves above it (`catch_up`), so no device skips it;
- one alarm per restore says what happened, kept up to date (`refresh_alarm`).

A township restored is behind its county as well: its cursor toward the county is the copy's
(older), so the county's decisions since come again and are filed once (by the county's
device and number); its case facts' versions jump by `VERSION_JUMP`, so a change made now
passes any version the county holds of it (and the county never takes a record that moves
its copy of a case backwards, `supervision.file_facts`). A county restored asks its
townships as a township asks its villages: its ack of each township device carries
`resend_from`/`restore`, its answers to a township carry its acks of that township's village
devices for `ASK_DAYS` after the restore (each with its own `resend_from`), and the township
forwards again what the county no longer holds, and every status record
(`center.upstream._resend`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import sqlite_utils

from storage import events, sync_alarms
from storage.db import Database
from storage.hlc import Hlc

# Our own numbers skip at least this many at a restore, and four times as many as the copy's
# own pace (numbers a day over its last 30 days) for every day since the copy was made.
SKIP_MIN = 10_000
SKIP_PACE = 4
# A restored township's case facts versions move on by this much (a case changes a few dozen
# times at most in its life): its next status record of any case is newer than the county's.
VERSION_JUMP = 1_000_000
# How long a restored county's answers to a township carry its acks of the township's
# village devices, asking again for what it lost of their relayed messages.
ASK_DAYS = 30


def _parse(text: str) -> datetime:
    day = datetime.fromisoformat(text)
    return day if day.tzinfo else day.replace(tzinfo=timezone.utc)


def start(db: sqlite_utils.Database, *, backup_made_at: str, kept_as: str) -> int:
    """Note a restore in the copy about to go into place (one transaction); returns its id."""
    now = datetime.now(timezone.utc)
    made = _parse(backup_made_at)
    device = events.DeviceState(db)
    since = (made - timedelta(days=30)).isoformat(timespec="seconds")
    recent = db.execute("SELECT count(*) FROM events WHERE device_id = ? AND recorded_at >= ?",
                        [device.device_id, since]).fetchone()[0]
    days = max(1, (now - made).days + 1)
    skip = max(SKIP_MIN, SKIP_PACE * days * -(-int(recent) // 30))
    first = device.peek_seq()
    device.skip_to(first + skip)
    device.save()
    events.retire(db, range(first, first + skip))  # left empty on purpose: `verify` knows
    db.execute(
        "INSERT INTO restores (restored_at, backup_made_at, kept_as, seq_from) VALUES (?, ?, ?, ?)",
        [now.isoformat(timespec="seconds"), backup_made_at, kept_as, first + skip])
    restore_id = int(db.execute("SELECT max(id) FROM restores").fetchone()[0])
    db.execute(
        "INSERT INTO restore_devices (restore_id, device_id, village_code, resend_from,"
        " queue_through, role) SELECT ?, p.device_id, p.village_code,"
        " coalesce((SELECT max(seq) FROM received r WHERE r.sender = p.device_id), 0) + 1,"
        " coalesce((SELECT max(dseq) FROM downstream d WHERE d.village_code = p.village_code), 0),"
        " p.role FROM peers p WHERE p.role IN ('village', 'township')", [restore_id])
    if events.meta_get(db, "node") == "township":  # our next status records pass the county's
        db.execute("UPDATE case_facts SET version = version + ?", [VERSION_JUMP])
        floor = int(events.meta_get(db, "facts_version_floor") or 0) + VERSION_JUMP
        events.meta_set(db, "facts_version_floor", str(floor))  # a case new here starts past it
        # Plain `?` twice: SQLite's numbered `?1` is not a placeholder psycopg knows.
        db.execute("UPDATE status_out SET version = version + ?, sent_version = CASE WHEN"
                   " sent_version > 0 THEN sent_version + ? ELSE 0 END",
                   [VERSION_JUMP, VERSION_JUMP])
    sync_alarms.alarm(db, alarm_kind(db), "", None, "{}")
    alarm_id = db.execute("SELECT max(id) FROM alarms").fetchone()[0]
    db.execute("UPDATE restores SET alarm_id = ? WHERE id = ?", [alarm_id, restore_id])
    refresh_alarm(db, restore_id)
    return restore_id


def alarm_kind(db: sqlite_utils.Database) -> str:
    """`center_restored` at a township, `county_restored` at a county (its words name townships)."""
    return "county_restored" if events.meta_get(db, "node") == "county" else "center_restored"


def _latest(db: sqlite_utils.Database, device_id: str) -> tuple[int, int, int, str] | None:
    """(restore id, resend_from, queue_through, restored_at) of the newest restore naming the device."""
    row = db.execute(
        "SELECT d.restore_id, d.resend_from, d.queue_through, r.restored_at FROM restore_devices d"
        " JOIN restores r ON r.id = d.restore_id WHERE d.device_id = ?"
        " ORDER BY d.restore_id DESC LIMIT 1", [device_id]).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]), str(row[3]))


def resend_request(db: sqlite_utils.Database, device_id: str) -> tuple[int, str]:
    """(resend_from, restore) for the device's ack: (0, "") unless a restore lost its messages."""
    found = _latest(db, device_id)
    return (0, "") if found is None else (found[1], found[3])


def note_filed(db: sqlite_utils.Database, sender: str, seq: int, hlc: str) -> None:
    """A message newly filed: counted as sent again if the copy lacked it and it predates the restore.

    "Predates" by the sender's hybrid clock (it moves past ours at every answer it takes in):
    the count is for the alarm only, nothing is decided by it.
    """
    found = _latest(db, sender)
    if found is None or seq < found[1]:
        return
    try:
        written_ms = Hlc.decode(hlc).wall_ms
    except ValueError:
        return
    if written_ms >= _parse(found[3]).timestamp() * 1000:
        return  # new work, recorded after the restore
    db.execute("UPDATE restore_devices SET resent = resent + 1 WHERE restore_id = ? AND"
               " device_id = ?", [found[0], sender])
    refresh_alarm(db, found[0])


def note_status(db: sqlite_utils.Database, township_device: str) -> None:
    """A county filed a township's status record newer than its copy's: counted for the alarm."""
    found = _latest(db, township_device)
    if found is None:
        return
    db.execute("UPDATE restore_devices SET statuses = statuses + 1 WHERE restore_id = ? AND"
               " device_id = ?", [found[0], township_device])
    refresh_alarm(db, found[0])


def villages_to_ask(db: sqlite_utils.Database, township_code: str) -> set[str]:
    """A restored county's village devices under the township whose relayed messages it lost.

    Their acks go in every answer to the township for `ASK_DAYS` after the newest restore,
    each asking again from its own `resend_from` (the township keeps what it relayed).
    """
    row = db.execute("SELECT id, restored_at FROM restores ORDER BY id DESC LIMIT 1").fetchone()
    if row is None or events.meta_get(db, "node") != "county":
        return set()
    if datetime.now(timezone.utc) - _parse(str(row[1])) > timedelta(days=ASK_DAYS):
        return set()
    return {str(r[0]) for r in db.execute(
        "SELECT device_id FROM restore_devices WHERE restore_id = ? AND role = 'village'"
        " AND substr(village_code, 1, length(?)) = ?", [row[0], township_code, township_code])}


def behind(database: Database, device_id: str, village_code: str, cursor: int) -> bool:
    """Whether the device holds our queue past what we hold and past what `catch_up` settled."""
    with database.read() as db:
        found = _latest(db, device_id)
        if found is None or cursor <= found[2]:
            return False
        floor = db.execute("SELECT floor FROM downstream_floor WHERE village_code = ?",
                           [village_code]).fetchone()
    return floor is None or int(floor[0]) < cursor


def catch_up(db: sqlite_utils.Database, device_id: str, village_code: str, cursor: int) -> int:
    """A device holds our queue through `cursor`: never hand out those positions again.

    Only for a restored store, and only past the copy's position: what was queued since
    the restore at positions up to `cursor` moves above it, in order. Returns how many moved.
    """
    found = _latest(db, device_id)
    if found is None or cursor <= found[2]:
        return 0
    restore_id, _, through, _ = found
    # The larger of two as CASE: scalar max(a, b) is SQLite's only (GREATEST is PostgreSQL's).
    db.execute("UPDATE restore_devices SET ahead_by = CASE WHEN ahead_by > ? THEN ahead_by"
               " ELSE ? END WHERE restore_id = ? AND device_id = ?",
               [cursor - through, cursor - through, restore_id, device_id])
    db.execute("INSERT INTO downstream_floor (village_code, floor) VALUES (?, ?)"
               " ON CONFLICT (village_code) DO UPDATE SET floor = CASE WHEN"
               " downstream_floor.floor > excluded.floor THEN downstream_floor.floor"
               " ELSE excluded.floor END",
               [village_code, cursor])
    top = int(db.execute("SELECT coalesce(max(dseq), 0) FROM downstream WHERE village_code = ?",
                         [village_code]).fetchone()[0])
    stale = [int(r[0]) for r in db.execute(
        "SELECT dseq FROM downstream WHERE village_code = ? AND dseq > ? AND dseq <= ?"
        " ORDER BY dseq", [village_code, through, cursor])]
    base = max(top, cursor)
    for n, dseq in enumerate(stale, start=1):  # above everything held: no two rows meet
        db.execute("UPDATE downstream SET dseq = ? WHERE village_code = ? AND dseq = ?",
                   [base + n, village_code, dseq])
    refresh_alarm(db, restore_id)
    return len(stale)


def refresh_alarm(db: sqlite_utils.Database, restore_id: int) -> None:
    """The restore's one alarm, its words' values as they stand now (`console.alarm.center_restored`)."""
    restored_at, made, alarm_id = db.execute(
        "SELECT restored_at, backup_made_at, alarm_id FROM restores WHERE id = ?",
        [restore_id]).fetchone()
    villages, records, behind, townships, statuses, below = db.execute(
        "SELECT count(DISTINCT CASE WHEN resent > 0 THEN village_code END), coalesce(sum(resent), 0),"
        " count(DISTINCT CASE WHEN ahead_by > 0 THEN village_code END),"
        # At a county: the townships that sent again (their own words, their villages' relayed,
        # their status records), and those holding decisions the county lost.
        " count(DISTINCT CASE WHEN resent > 0 OR statuses > 0 THEN substr(village_code, 1, 9) END),"
        " coalesce(sum(statuses), 0),"
        " count(DISTINCT CASE WHEN ahead_by > 0 AND role = 'township' THEN village_code END)"
        " FROM restore_devices WHERE restore_id = ?", [restore_id]).fetchone()
    detail = {"backup": str(made)[:10], "restored": str(restored_at)[:10],
              "villages": int(villages), "records": int(records), "behind": int(behind),
              "townships": int(townships), "statuses": int(statuses),
              "townships_behind": int(below)}
    db.execute("UPDATE alarms SET detail = ? WHERE id = ?",
               [json.dumps(detail, ensure_ascii=False), alarm_id])


def summary(db: sqlite_utils.Database) -> dict[str, object] | None:
    """The newest restore as its alarm tells it (None if the store was never restored)."""
    row = db.execute("SELECT a.detail FROM restores r JOIN alarms a ON a.id = r.alarm_id"
                     " ORDER BY r.id DESC LIMIT 1").fetchone()
    return None if row is None else dict(json.loads(row[0]))
