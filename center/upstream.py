"""A township's own sync with its county: forward county-owned messages, bring decisions and acks down.

The township forwards village messages unchanged (with each sender's
certificate, so the county can check them), relays the county's signed
acknowledgements to the village, and files the county's decisions in the
village's downstream queue; the village verifies the county's signature itself.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlite_utils

from center.publish import catalog_at_township, pass_down_at_township
from forms.errors import FormsError
from storage import events, sync_alarms, sync_downstream, sync_inbox, sync_peers, sync_received
from storage.errors import InvalidRequest
from sync import bundlefile, envelope, messages, position, proof, signed, statusrecord
from sync.client import proved_request, upload_timeout
from sync.errors import BundleRejected
from sync.items import passes_up
from sync.keys import PublicIdentity
from sync.node import Node
from sync.releases import PublishError
from sync.retry import Outcome, RetryLoop

TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)


@dataclass
class ForwardReport:
    ok: bool = False
    error: str = ""
    forwarded: int = 0
    acknowledged: int = 0
    decisions_down: int = 0
    statuses: int = 0  # status records sent (sync.statusrecord)
    resent: int = 0  # messages and status records put back to go again (a county restored)
    refused: list[str] = field(default_factory=list)


def forward_once(node: Node, client: httpx.Client | None = None) -> ForwardReport:
    """Forward what is pending, bring the county's answer down; ok once every round succeeded.

    A backlog of status records (more than `statusrecord.BATCH`) goes in further rounds, each a
    whole exchange, until it is sent or a round fails (the rest waits for the next forward).
    """
    report = ForwardReport()
    counties = [p for p in sync_peers.peers(node.session.store.database, "county") if not p.revoked]
    if node.kind != "township" or not counties or not counties[-1].url:
        report.error = "not_linked"
        return report
    county = counties[-1]
    http = client or httpx.Client(timeout=TIMEOUT)
    try:
        rounds = 1 + _status_pending(node) // statusrecord.BATCH  # bounded: new changes wait
        for _ in range(rounds):
            if not _forward_round(node, http, county, report) or not _status_pending(node):
                break
    finally:
        if client is None:
            http.close()
    return report


def _status_pending(node: Node) -> int:
    with node.session.store.database.read() as db:
        return int(db.execute("SELECT COUNT(*) FROM status_out WHERE version > sent_version")
                   .fetchone()[0])


def _status_records(node: Node, db: sqlite_utils.Database) -> tuple[list[bytes], list[tuple[str, int]]]:
    """Signed status records of the cases changed since last sent (one batch), and what they say.

    A case with no facts row any more (nothing to say) is listed as sent with nothing signed.
    """
    from center import supervision

    township = node.session.store.info.village_code
    records: list[bytes] = []
    sent: list[tuple[str, int]] = []
    for app_id, version in db.execute(
            "SELECT application_id, version FROM status_out WHERE version > sent_version"
            " ORDER BY application_id LIMIT ?", [statusrecord.BATCH]).fetchall():
        facts = supervision.facts_record(db, app_id)
        if facts is not None:
            records.append(signed.sign(statusrecord.KIND, statusrecord.build(
                facts, version=int(version), township=township), node.keys))
        sent.append((str(app_id), int(version)))
    return records, sent


def _forward_round(node: Node, http: httpx.Client, county: sync_peers.Peer,
                   report: ForwardReport) -> bool:
    """One POST /v1/sync to the county and its answer filed; False (report.error set) if it failed."""
    report.ok = False
    county_id = PublicIdentity.from_dict(county.identity())
    database = node.session.store.database
    with database.read() as db:
        rows = db.execute(
            "SELECT r.sender, r.seq, r.raw, p.certificate FROM relay r LEFT JOIN peers p"
            " ON p.device_id = r.sender WHERE r.destination = ? AND r.state = 'pending'"
            " ORDER BY r.id", [county.device_id]).fetchall()
        # After the village's own messages: a passed-up case is the county's before its record comes.
        statuses, status_sent = _status_records(node, db)
    certificates = sorted({bytes.fromhex(r[3]) for r in rows if r[3]})
    sent_by = {str(r[0]) for r in rows}
    cursor = sync_inbox.inbox_cursor(database, county.device_id)
    # How far we hold the county's queue (this node's keys are unlocked), so the county may prune.
    held = [signed.sign("down_ack", {"device": node.keys.device_id, "center": county.device_id,
                                     "through": cursor, "signed_at": sync_alarms.now_iso()},
                        node.keys)] if cursor else []
    body = bundlefile.pack([*held, *certificates, *(r[2] for r in rows), *statuses])
    try:
        proof.ensure_request_key(database, node.keys)
        answer = proved_request(
            node.session.store, http, "POST", f"{county.url}/v1/sync",
            device=node.keys.device_id, center=county.device_id, cursor=cursor, path="sync",
            content=lambda: iter([body]), timeout=upload_timeout(len(body)))
        items = bundlefile.unpack(answer.content)
        last = int(answer.headers.get("X-Downstream-Last", cursor))  # unsigned: see below
    except (httpx.HTTPError, BundleRejected, ValueError) as exc:
        report.error = type(exc).__name__
        return False
    report.error = ""
    report.forwarded += len(rows)
    report.statuses += len(statuses)
    report.refused += [r for r in answer.headers.get("X-Refused", "").split(",") if r]
    calendars: list[tuple[bytes, dict[str, Any]]] = []
    releases: list[tuple[bytes, dict[str, Any]]] = []
    found: tuple[int, messages.Ack] | None = None  # the county's signed position, and where
    with database.write() as db:
        for at, raw in enumerate(items):
            try:
                if signed.is_record(raw):
                    record = signed.verify(raw, county_id)
                    if record.kind == "calendar":
                        calendars.append((raw, record.body))
                        continue
                    if record.kind == "catalog":
                        releases.append((raw, record.body))
                        continue
                    if record.kind != "ack":
                        continue
                    ack = messages.Ack.parse(messages.dumps(record.body))
                    done = ack.custody | ack.e2e
                    if ack.resend_from:  # the county was restored from a backup: it asks again
                        report.resent += _resend(node, db, county.device_id, ack)
                    if ack.subject == node.keys.device_id:
                        if ack.down_through is not None:
                            found = (at, ack)
                        for seq in done:  # our own words the county holds (a case passed up)
                            report.acknowledged += db.execute(
                                "UPDATE relay SET state = 'done', acked_at = ? WHERE"
                                " destination = ? AND sender = ? AND seq = ? AND state = 'pending'",
                                (sync_alarms.now_iso(), county.device_id, ack.subject, seq)).rowcount
                        continue
                    for seq in done:
                        report.acknowledged += db.execute(
                            "UPDATE relay SET state = 'done', acked_at = ? WHERE destination = ?"
                            " AND sender = ? AND seq = ? AND state = 'pending'",
                            (sync_alarms.now_iso(), county.device_id, ack.subject, seq)).rowcount
                    # What the county will never take in is not forwarded again; its signed ack
                    # goes down to the village below, which stops resending it too.
                    for reason, seqs in ack.refused.items():
                        for seq in sorted(seqs - done):
                            if db.execute(
                                "UPDATE relay SET state = 'refused', acked_at = ? WHERE"
                                " destination = ? AND sender = ? AND seq = ? AND state = 'pending'",
                                (sync_alarms.now_iso(), county.device_id, ack.subject, seq),
                            ).rowcount:
                                sync_alarms.alarm(db, reason, ack.subject, seq,
                                                "refused by the county: not forwarded again")
                    village = db.execute("SELECT village_code FROM peers WHERE device_id = ?",
                                         [ack.subject]).fetchone()
                    # Down to the village only for what went up now: a restored county's acks
                    # of villages that sent nothing this time ask us, not them (`_resend`).
                    if village and ack.subject in sent_by:
                        sync_downstream.queue_downstream(db, village[0], "ack", raw)
                else:
                    parsed = envelope.parse(raw)
                    envelope.verify(parsed, county_id)
                    village_code = parsed.header.get("to")
                    # Once: a forward whose answer was cut short brings it again (see below).
                    if village_code and _file_decision(node, db, parsed):
                        sync_downstream.queue_downstream(db, village_code, parsed.header.kind, raw)
                        report.decisions_down += 1
            except BundleRejected as exc:
                report.refused.append(exc.reason)
        # Installed and queued for the villages in the cursor's own transaction (savepoints):
        # a failure or a crash before the commit leaves the cursor where it was, so the next
        # forward brings these again instead of passing them by for good.
        for record_raw, table in calendars:
            try:
                pass_down_at_township(node, record_raw, table)
            except FormsError as exc:  # a table that does not parse stays out
                report.refused.append(f"calendar:{exc}")
        for release_raw, release in releases:
            try:
                catalog_at_township(node, release_raw, release)
            except (PublishError, InvalidRequest) as exc:  # a release that does not parse stays out
                report.refused.append(f"catalog:{exc}")
        # The position the county signed over exactly these messages, never the header alone:
        # an answer cut or altered on the way leaves the cursor where it was, so the next
        # forward asks again for what was dropped (see sync/position.py).
        signs = f"signs_positions:{county.device_id}"
        verdict = position.judge(items, found, cursor, last, events.meta_get(db, signs) == "1")
        if verdict.cursor is not None:
            events.meta_set(db, f"downstream_cursor:{county.device_id}", str(verdict.cursor))
        if verdict.signed:
            events.meta_set(db, signs, "1")
        if verdict.problem:
            sync_alarms.alarm(db, position.INCOMPLETE, county.device_id, None,
                            f"answer does not match its signed position ({verdict.problem}):"
                            " cursor kept")
            report.refused.append(position.INCOMPLETE)
        # The county answered: it holds each record sent (or refused it for good). A case that
        # changed again meanwhile stays pending for its newer version.
        db.conn.executemany("UPDATE status_out SET sent_version = ? WHERE application_id = ?"
                       " AND sent_version < ?", [(v, app, v) for app, v in status_sent])
    report.ok = True
    return True


def _resend(node: Node, db: sqlite_utils.Database, county: str, ack: messages.Ack) -> int:
    """The county `county`, restored from a backup, asks again from `ack.resend_from`.

    What we relayed to it from that number on (our own forwarded decisions, or a village
    device's messages) that its ack does not hold goes back to pending, as it was; the county
    files each once. Our own ack also re-sends every status record, once per restore (the
    county keeps the newer of each). Returns how many rows went back.
    """
    held = ack.custody | ack.clash | frozenset().union(*ack.refused.values())
    back = [int(r[0]) for r in db.execute(
        "SELECT seq FROM relay WHERE destination = ? AND sender = ? AND state = 'done'"
        " AND seq >= ?", [county, ack.subject, ack.resend_from]) if int(r[0]) not in held]
    for seq in back:
        db.execute("UPDATE relay SET state = 'pending', acked_at = NULL WHERE destination = ?"
                   " AND sender = ? AND seq = ?", [county, ack.subject, seq])
    statuses = 0
    key = f"resend:{county}"
    if ack.subject == node.keys.device_id and events.meta_get(db, key) != ack.restore:
        statuses = db.execute("UPDATE status_out SET sent_version = 0 WHERE sent_version > 0"
                              ).rowcount
        events.meta_set(db, key, ack.restore)
        sync_alarms.alarm(db, "county_restored_here", county, None, json.dumps(
            {"restore": ack.restore[:10], "records": statuses}, ensure_ascii=False))
    return len(back) + statuses


def pass_up(node: Node, db: sqlite_utils.Database, application_id: str, item_code: str) -> int:
    """Township: queue the case as the village filed it (its signed, sealed messages, scans
    included) for the county, inside the `forwarded` decision's transaction. Returns how many.

    The village sealed an item that may pass up to the county as well (sync.items.passes_up),
    so the county reads the villager's own words under the village's signature; nothing is
    re-signed here. Later messages of the case follow it (see `ingest`).
    """
    from center.ingest import DecisionError

    if node.kind != "township":
        raise DecisionError("center.forward.township_only")
    if not passes_up(item_code, node.session.store.catalog()):
        raise DecisionError("center.forward.not_allowed", item=item_code)
    counties = [p for p in sync_peers.peers(node.session.store.database, "county") if not p.revoked]
    if not counties:
        raise DecisionError("center.forward.not_linked")
    county = counties[-1]
    reader = PublicIdentity.from_dict(county.identity()).key_id.hex()
    rows = db.execute("SELECT sender, seq, raw FROM received WHERE app = ? AND kind IN"
                      " ('event', 'attachment_chunk') ORDER BY sender, seq",
                      [application_id]).fetchall()
    for _, _, raw in rows:
        if reader not in envelope.parse(bytes(raw)).header.recipients:
            raise DecisionError("center.forward.not_sealed", id=application_id)
    for sender, seq, raw in rows:
        db.execute("INSERT INTO relay (destination, sender, seq, raw, created_at)"
                   " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", (county.device_id, sender, seq, raw, sync_alarms.now_iso()))
    return len(rows)


def _file_decision(node: Node, db: object, parsed: envelope.Parsed) -> bool:
    """Keep the county's decision in our own copy of the case, so the township window sees it too.

    False if it was filed before (it came again after an answer that was not believed): it
    is then in the village's queue already.
    """
    try:
        body = messages.loads(envelope.open_payload(parsed, node.keys))
    except BundleRejected:
        return True  # not ours to read: pass it down all the same
    filed = sync_received.apply_remote_event(
        db,  # type: ignore[arg-type]
        node.session.keys, device_id=parsed.header.sender, seq=parsed.header.seq,
        hlc=parsed.header.hlc, recorded_at=str(body.get("recorded_at", "")),
        application_id=str(body["application_id"]), event_type=str(body["type"]),
        payload=dict(body.get("payload") or {}), item_code=str(body.get("item_code", "")),
        operator_id=node.session.operator.id,
    )
    if filed:  # the county's decision moves our figures and cards as our own would
        from center import supervision

        supervision.note_event(node, db, str(body["application_id"]),  # type: ignore[arg-type]
                               str(body["type"]), dict(body.get("payload") or {}))
    return filed


def forwarding(node: Node, *, interval: float = 30.0, rng: random.Random | None = None,
               on_report: Callable[[ForwardReport], object] | None = None,
               ) -> RetryLoop[ForwardReport]:
    """The township server's companion (`sync.retry`): forward and fetch on a timer, back off
    while the county is away; `wake()` it when a village sent something to pass on."""

    def attempt() -> ForwardReport:
        try:
            return forward_once(node)
        except Exception as exc:  # a full disk, a busy store: back off and retry, never end the thread
            return ForwardReport(error=type(exc).__name__)

    def judge(report: ForwardReport) -> Outcome:
        return Outcome(answered=report.ok or report.error == "not_linked")

    return RetryLoop(attempt, judge, interval=interval, rng=rng, on_report=on_report,
                     name="forward-to-county")
