"""A township or county center: take messages in exactly once, acknowledge, decide, send decisions down."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from center import auditheads, recovery, supervision
from center import error_texts as _error_texts  # noqa: F401  (the words of the errors below)
from center import texts as _texts  # noqa: F401  (the center's words, for the errors below)
from forms import priority
from forms.catalog import Catalog
from forms.messages import Text
from forms.workdays import Deadline
from storage import (
    attachments,
    audit,
    events,
    owed,
    sync_alarms,
    sync_downstream,
    sync_peers,
    sync_received,
    windows,
)
from storage.errors import NotPermitted, Said
from storage.status import EVENT_STATUS, REVOCABLE, VILLAGE_DECISIONS, village_may_record
from sync import envelope, messages, planner, signed, statusrecord, wire
from sync.errors import BundleRejected, SyncError
from sync.i18n import status_in
from sync.items import decided_at, time_limit
from sync.keys import PublicIdentity
from sync.node import Node
from sync.position import covers

DECISIONS = {
    # decision -> statuses it may follow
    "accepted": {"received", "submitted"},
    "correction_requested": {"received", "accepted", "submitted"},
    "rejected": {"received", "accepted", "submitted"},
    "completed": {"accepted", "forwarded"},
    # A township passes a case of an item that may go up (sync.items.passes_up) to the county.
    "forwarded": {"received", "accepted"},
    # A result given on a commitment that proved false (作出不实承诺的，撤销相应审批服务结果).
    "revoked": set(REVOCABLE),
}


class DecisionError(SyncError):
    """A decision the center will not record: a catalogue key and its values."""

    @classmethod
    def of(cls, exc: Said) -> DecisionError:
        """Another refusal (a clerk not permitted, a bad reason) said as a decision's."""
        return cls(exc.key, **exc.params)


@dataclass
class Ingested:
    stored: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    refused: list[tuple[str, int | None, str]] = field(default_factory=list)  # (sender, seq, reason)
    senders: set[str] = field(default_factory=set)
    clashed_apps: set[tuple[str, str]] = field(default_factory=set)  # (sender, application id)
    held: list[int] = field(default_factory=list)  # not yet in order: the sender sends them again


def _refuse(node: Node, result: Ingested, sender: str, seq: int | None, reason: str,
            detail: str = "refused at ingest") -> None:
    result.refused.append((sender, seq, reason))
    with node.session.store.database.write() as db:
        sync_alarms.alarm(db, reason, sender, seq, detail)


# Refusals of a device's authentic message that its next session is told of in our signed ack:
# what is wrong with it will be wrong every time it is sent, so it is refused for good.
PAYLOAD_REFUSALS = ("malformed_payload", "not_permitted", "foreign_application")

# Events a village device may file at a center: what the applicant declared and what became of
# the result at the village. Every decision (received, accepted, ...) is the handling center's.
VILLAGE_EVENTS = events.UPSTREAM

# The statuses (at this center) each village event may follow. An event that does not fit yet
# is not stored and not acknowledged: the village keeps it and sends it again.
VILLAGE_EVENT_FOLLOWS = {
    "submitted": {"draft"},
    "inspection_recorded": {"draft"},
    "corrected": {"correction_requested"},
    # A hand-over or rating the village recorded before a revocation reached it is filed (the
    # case stays revoked); left unfiled it would be sent again at every sync, forever.
    "delivered": {"completed", "rejected", "revoked"},
    "rated": {"delivered", "revoked"},
    # 投诉: about a case this center holds, whatever became of it since it was filed.
    "complained": set(EVENT_STATUS.values()) - {"draft"},
}


def _refuse_payload(node: Node, result: Ingested, sender: str, seq: int, detail: str,
                    reason: str = "malformed_payload",
                    db: sqlite_utils.Database | None = None) -> None:
    """A verified message we will never take in: one alarm, and the ack says so from now on."""
    result.refused.append((sender, seq, reason))
    result.senders.add(sender)  # authentic: its ack (which says so) goes back with the answer
    if db is None:
        with node.session.store.database.write() as db:
            _alarm_once(db, reason, sender, seq, f"refused at ingest: {detail}")
    else:
        _alarm_once(db, reason, sender, seq, f"refused at ingest: {detail}")


def _alarm_once(db: sqlite_utils.Database, reason: str, sender: str, seq: int, detail: str) -> None:
    known = db.execute("SELECT 1 FROM alarms WHERE kind = ? AND sender = ? AND seq = ?",
                       (reason, sender, seq)).fetchone()
    if known is None:  # sent again (an older village does not know refusals): no new alarm
        sync_alarms.alarm(db, reason, sender, seq, detail)


def _owner_village(db: sqlite_utils.Database, application_id: str) -> str | None:
    """The village an application belongs to here: that of the device whose event first filed it."""
    row = db.execute(
        "SELECT p.village_code FROM events e JOIN peers p ON p.device_id = e.device_id"
        " WHERE e.application_id = ? AND p.role = 'village' ORDER BY e.id LIMIT 1",
        [application_id]).fetchone()
    return None if row is None else str(row[0])


def _authority(db: sqlite_utils.Database, peer: sync_peers.Peer, kind: str,
               app: str, payload: dict[str, Any], catalog: Catalog | None = None,
               ) -> tuple[str, str] | None:
    """Why `peer` may not file this message here (reason, detail), or None if it may.

    Checked before anything is written, inside the transaction that files it. Reasons in
    PAYLOAD_REFUSALS are for good; "not_yet" means the case has not reached the status the
    event follows (its `created` still to come): nothing is stored, the sender keeps it.
    """
    if peer.role == "township" and kind == "decision":
        # A township passing a case of its own village up to us: the only decision it files here.
        row = db.execute("SELECT village_code FROM applications WHERE id = ?", [app]).fetchone()
        if row is None:
            return "not_yet", "forwarded before the village's messages of the case"
        if not str(row[0]).startswith(peer.village_code):
            return "foreign_application", f"application {app} is not of township {peer.village_code}"
        return None
    if peer.role != "village" or kind not in ("event", "attachment_chunk"):
        return "not_permitted", f"a {peer.role} device does not send {kind} messages here"
    # 放权下沉: a village records its own decisions on a village-decided item (checked below).
    village_decision = (kind == "event" and payload["type"] in VILLAGE_DECISIONS
                        and _decided_at_village(db, app, payload, catalog))
    if kind == "event" and payload["type"] not in VILLAGE_EVENTS and not village_decision:
        return "not_permitted", f"{payload['type']} is the handling center's to record"
    row = db.execute("SELECT status, kind FROM applications WHERE id = ?", [app]).fetchone()
    if row is None:
        if kind == "event" and payload["type"] != "created":
            return "not_yet", f"{payload['type']} before the application was created"
        return None  # a new application (or a scan's piece before its event): bound below
    owner = _owner_village(db, app)
    if owner is None and row[1] is not None:
        # Only a center's decisions filed so far (a township restored from a backup took the
        # county's again before its village resent the filing): the village's `created` binds it.
        if kind == "event" and payload["type"] == "created":
            return None
        return "not_yet", f"{payload.get('type', kind)} before the application was created"
    if owner != peer.village_code:
        return "foreign_application", f"application {app} belongs to village {owner}"
    if village_decision:
        try:
            messages.check_village_decision(payload)
        except BundleRejected as exc:
            return "malformed_payload", exc.detail or exc.reason
        if not village_may_record("village", str(payload["type"]), str(row[0])):
            return "not_yet", f"{payload['type']} while the case is {row[0]}"
    if kind == "event":
        follows = VILLAGE_EVENT_FOLLOWS.get(str(payload["type"]))
        if follows is not None and row[0] not in follows:
            return "not_yet", f"{payload['type']} while the case is {row[0]}"
        if payload["type"] == "material_supplied" and row[0] == "draft":
            return "not_yet", "material_supplied before the application was submitted"
        if payload["type"] == "material_supplied" and row[0] in owed.NOT_OWING:
            return "not_permitted", f"material_supplied while the case is {row[0]}"
    return None


def _decided_at_village(db: sqlite_utils.Database, app: str, payload: dict[str, Any],
                        catalog: Catalog | None) -> bool:
    """Whether the case's item (as filed here, else as the message names it) is decided at
    the village by this center's catalog."""
    row = db.execute("SELECT item_code FROM applications WHERE id = ?", [app]).fetchone()
    code = str(row[0]) if row is not None else str(payload.get("item_code", ""))
    return catalog is not None and decided_at(code, catalog) == "village"


def ingest(node: Node, raw: bytes, result: Ingested, *, via: str = "http") -> None:
    """One message: check, file once, record, acknowledge later. Never raises for bad input."""
    if signed.is_record(raw):
        _ingest_record(node, raw, result, via)
        return
    try:
        parsed = envelope.parse(raw)
    except BundleRejected as exc:
        _refuse(node, result, "", None, exc.reason)
        return
    header = parsed.header
    try:
        peer, identity = node.peer_identity(header.sender)
        if peer.role == "village" and header.village != peer.village_code:
            raise BundleRejected("wrong_village", f"{header.village} != {peer.village_code}")
        envelope.verify(parsed, identity)
        opened = envelope.open_payload(parsed, node.keys)
    except BundleRejected as exc:
        _refuse(node, result, header.sender, header.seq, exc.reason)
        return
    # The device's own words, signed and sealed to us: whatever is wrong with them now will be
    # wrong every time it sends them. Checked before anything is written; refused for good.
    try:
        if header.kind == "attachment_chunk":
            chunk = messages.parse_chunk(opened)
            payload: dict[str, Any] = {}
            if str(chunk[0]["application_id"]) != header.get("app"):
                raise BundleRejected("malformed_payload", "application id differs from header")
        else:
            payload = messages.loads(opened)
            if header.kind == "decision" and peer.role == "township":
                _check_passed_up(payload, header)
            if header.kind == "event":
                messages.check_event(payload, header.hlc)
                messages.check_village_event(payload)
                if str(payload["application_id"]) != header.get("app"):
                    raise BundleRejected("malformed_payload", "application id differs from header")
    except BundleRejected as exc:
        _refuse_payload(node, result, header.sender, header.seq, exc.detail or exc.reason)
        return
    result.senders.add(header.sender)
    database = node.session.store.database
    app_id = str(chunk[0]["application_id"]) if header.kind == "attachment_chunk" else str(
        payload.get("application_id", ""))
    with database.write() as db:
        held = sync_received.held_digest(db, header.sender, header.seq)
        known = held is not None
        held_back = not known and _held_back(db, header, result)
        # Filed before: the usual duplicate or conflict, whatever the case's status is now.
        refusal = None if known or held_back else _authority(db, peer, header.kind, app_id,
                                                             payload, node.session.store.catalog())
        if refusal is not None:
            reason, detail = refusal
            if reason == "not_yet":
                _alarm_once(db, "not_yet", header.sender, header.seq, f"held at ingest: {detail}")
                result.held.append(header.seq)
            else:
                _refuse_payload(node, result, header.sender, header.seq, detail, reason, db)
            return
        outcome: planner.Verdict = "conflict" if held_back else planner.decide_ingest(
            {} if held is None else {(header.sender, header.seq): held}, header.sender,
            header.seq, parsed.digest)
        if outcome == "conflict" and held is not None:
            sync_alarms.alarm(db, "conflict", header.sender, header.seq,
                              f"digest {parsed.digest[:16]} differs from stored {held[:16]}")
        if outcome == "store":
            sync_received.file_received(
                db, sender=header.sender, seq=header.seq, digest=parsed.digest, kind=header.kind,
                owner=header.get("owner"), app=header.get("app"), raw=raw, via=via)
        if outcome == "conflict" and header.kind == "event" and payload.get("type") == "created":
            # A store restored from a backup opened an application under a number we already
            # hold: what else it sends under that id in this bundle is held back too (below),
            # so it cannot join the case the lost store may have opened under the same id.
            result.clashed_apps.add((header.sender, str(payload["application_id"])))
        if outcome == "store":
            recovery.note_filed(db, header.sender, header.seq, header.hlc)  # after a restore
        if outcome == "store" and header.kind == "attachment_chunk":
            _record_chunk(node, db, header.sender, *chunk)
        if outcome == "store" and header.kind == "event":
            _record_event(node, db, header, payload, peer.village_code)
        if outcome == "store" and header.kind == "decision":
            sync_received.apply_remote_event(
                db, node.session.keys, device_id=header.sender, seq=header.seq, hlc=header.hlc,
                recorded_at=str(payload.get("recorded_at", "")), application_id=app_id,
                # A note here, not a status: at the county the case is one it received.
                event_type="note", payload={"kind": "passed_up", **dict(payload.get("payload") or {})},
                item_code=str(payload.get("item_code", "")), operator_id=node.session.operator.id)
        if outcome == "store" and header.kind in ("event", "attachment_chunk"):
            county = node.upstream("county") if node.kind == "township" else None
            if county is not None and (header.get("owner") == "county"
                                       or passed_up(db, str(header.get("app")))):
                # Passed on unchanged: we cannot and need not re-sign the village's words.
                db.execute("INSERT INTO relay (destination, sender, seq, raw, created_at)"
                           " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                           (county.device_id, header.sender, header.seq, raw, sync_alarms.now_iso()))
        # The skew is measured on the live request (`sync.clock`), not from the message's
        # creation time: a message that waited offline or on a stick is days old.
        sync_peers.touch_peer(db, header.sender, None)
    if outcome == "conflict":
        result.refused.append((header.sender, header.seq, "conflict"))
    elif outcome == "duplicate":
        result.duplicates.append(header.seq)
    else:
        result.stored.append(header.seq)


def _check_passed_up(payload: dict[str, Any], header: envelope.Header) -> None:
    """A township's `forwarded` decision, the one decision a county files from a township."""
    if payload.get("type") != "forwarded" or str(payload.get("application_id")) != header.get("app"):
        raise BundleRejected("not_permitted", "a township files only its forwarded decisions here")
    body = payload.get("payload")
    if not isinstance(body, dict) or not all(isinstance(v, str) and len(v) <= 2000
                                             for v in body.values()):
        raise BundleRejected("malformed_payload", "forwarded decision body")


def _held_back(db: sqlite_utils.Database, header: envelope.Header, result: Ingested) -> bool:
    """A new message for an application whose `created` event clashed earlier in this bundle.

    A conflict too: the sender learns from our ack (`clash`) to give the application a
    new id and send it again; filed under the old id, it could join another villager's
    case. (A later bundle is the sender's to hold back: it stops sending the rest of an
    application whose `created` clashed, see `sync_outbox.record_clashes`.)
    """
    app = header.get("app")
    if (header.sender, app) not in result.clashed_apps:
        return False
    if db.execute("SELECT 1 FROM received WHERE sender = ? AND seq = ?",
                  (header.sender, header.seq)).fetchone():
        return False  # filed before: the usual duplicate or conflict
    sync_alarms.alarm(db, "conflict", header.sender, header.seq,
                    f"application {app} opened under a number held here: held back")
    return True


def _ingest_record(node: Node, raw: bytes, result: Ingested, via: str = "http") -> None:
    """A village device's certificate, passed up by its township so we can check its messages."""
    try:
        claim = signed.peek(raw)
        issuer, identity = node.peer_identity(claim.signer)
        record = signed.verify(raw, identity)
        body = record.body
        if record.kind == "down_ack":
            _take_down_ack(node, issuer, record)
            return
        if record.kind == "audit_head":
            auditheads.take(node, issuer, record, via)
            return
        if record.kind == statusrecord.KIND:
            _take_status(node, issuer, record, result)
            return
        if record.kind == "revocation" and issuer.role == "township":
            from center.revocation import apply_at_center

            with node.session.store.database.write() as db:
                apply_at_center(db, issuer, body)
            return
        if (record.kind != "certificate" or issuer.role != "township"
                or not str(body.get("village_code", "")).startswith(issuer.village_code)):
            raise BundleRejected("wrong_village", "certificate outside the issuer's township")
    except BundleRejected as exc:
        _refuse(node, result, "", None, exc.reason)
        return
    conflict = False
    with node.session.store.database.write() as db:
        known = db.execute("SELECT revoked_at, role, village_code, sign_public, enc_public FROM peers"
                           " WHERE device_id = ?", [body["device_id"]]).fetchone()
        # A certificate introduces a new village device of the issuer's township, or restates one;
        # it never replaces another peer's keys or role, nor takes a device from another township.
        conflict = known is not None and known[0] is None and (
            known[1] != "village" or not str(known[2]).startswith(issuer.village_code)
            or (known[3], known[4]) != (body.get("sign_public"), body.get("enc_public")))
        if known is None or (known[0] is None and not conflict):
            sync_peers.save_peer(db, device_id=str(body["device_id"]), role="village",
                                village_code=str(body["village_code"]),
                                sign_public=str(body["sign_public"]),
                                enc_public=str(body["enc_public"]), certificate=raw.hex())
    if conflict:
        _refuse(node, result, claim.signer, None, "conflict")


def _take_status(node: Node, issuer: sync_peers.Peer, record: signed.Record,
                 result: Ingested) -> None:
    """A township's status record of one of its cases (`sync.statusrecord`), at its county.

    Filed when newer than what is held (`supervision.file_facts`: a record sent again changes
    nothing, a case the county holds itself is kept); a record that is not a whole, well-formed
    record of the sending township's own villages is refused with an alarm, nothing written.
    """
    from center import supervision

    database = node.session.store.database
    try:
        if node.kind != "county" or issuer.role != "township":
            raise BundleRejected("not_permitted", f"a {issuer.role} device does not send status"
                                 f" records to a {node.kind}")
        facts, version = statusrecord.parse(record.body)
        if facts["township"] != issuer.village_code:
            raise BundleRejected("wrong_village", f"status record of township {facts['township']}"
                                 f" from township {issuer.village_code}")
        with database.write() as db:
            held = db.execute("SELECT township FROM case_facts WHERE application_id = ? AND"
                              " source = 'township'", [facts["application_id"]]).fetchone()
            if held is not None and held[0] != issuer.village_code:
                raise BundleRejected("foreign_application", f"application"
                                     f" {facts['application_id']} is of township {held[0]}")
            if supervision.file_facts(db, facts, source="township", version=version):
                recovery.note_status(db, record.signer)  # counted for a restore's alarm
    except BundleRejected as exc:
        _refuse(node, result, record.signer, None, exc.reason,
                f"status record refused: {exc.detail or exc.reason}")


DOWNSTREAM_KEEP_DAYS = 30


def _take_down_ack(node: Node, issuer: sync_peers.Peer, record: signed.Record) -> None:
    """A device below us signed how far it holds our downstream queue: keep that, prune what all hold."""
    body = record.body
    try:
        through = int(body["through"])
        ok = (body.get("device") == record.signer and body.get("center") == node.keys.device_id
              and issuer.role in ("village", "township") and through >= 0)
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise BundleRejected("malformed", "downstream acknowledgement not for this center")
    if issuer.revoked:
        return  # a lost device's word no longer counts
    with node.session.store.database.write() as db:
        if sync_downstream.record_down_ack(db, record.signer, through, str(body.get("signed_at", ""))):
            sync_downstream.prune_downstream(db, issuer.village_code, _days_ago(DOWNSTREAM_KEEP_DAYS))


def _days_ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")


def prune(node: Node, keep_days: float = DOWNSTREAM_KEEP_DAYS) -> int:
    """Drop downstream history every device of its village has stored and that is older than `keep_days`."""
    database = node.session.store.database
    with database.write() as db:
        return sum(sync_downstream.prune_downstream(db, code, _days_ago(keep_days))
                   for code in sync_downstream.downstream_codes(database))


def _record_chunk(node: Node, db: sqlite_utils.Database, sender: str, facts: dict[str, Any],
                  data: bytes) -> None:
    """Keep a piece of a scan (sealed under our key); assemble the scan once every piece is here.

    Kept per application: two applications may carry the same scan (a 一件事 bundle's
    items share one), each with its own pieces, and each must get it.
    """
    address, offset = str(facts["address"]), int(facts["offset"])
    db.execute(
        "INSERT INTO attachment_parts (sender, address, application_id, chunk_offset,"
        " content, facts) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (sender, address, str(facts["application_id"]), offset,
         node.session.keys.encrypt(data, f"part:{sender}:{address}:{offset}"),
         node.session.keys.seal_json({k: v for k, v in facts.items() if k != "offset"},
                                     f"part-facts:{sender}:{address}").hex()))
    _assemble(node, db, sender, facts)


def _part_facts(node: Node, sender: str, address: str, text: str) -> dict[str, Any]:
    """A waiting piece's facts (its scan's file name among them): sealed like the piece itself."""
    if text.startswith("{"):  # kept in the clear by an earlier version; read as it is
        return messages.loads(text.encode())
    facts: dict[str, Any] = node.session.keys.open_json(bytes.fromhex(text),
                                                        f"part-facts:{sender}:{address}")
    return facts


def _assemble_waiting(node: Node, db: sqlite_utils.Database, sender: str, app_id: str) -> None:
    """Scans whose pieces all came before their application's own event."""
    for address, text in db.execute(
            "SELECT address, min(facts) FROM attachment_parts WHERE sender = ?"
            " AND application_id = '' GROUP BY address", [sender]).fetchall():
        # Kept by a version before m009: the sealed facts name the application. Claim them.
        if _part_facts(node, sender, address, text).get("application_id") == app_id:
            db.execute("UPDATE OR IGNORE attachment_parts SET application_id = ? WHERE sender = ?"
                       " AND address = ? AND application_id = ''", (app_id, sender, address))
            db.execute("DELETE FROM attachment_parts WHERE sender = ? AND address = ?"
                       " AND application_id = ''", (sender, address))  # the same piece, twice
    for address, text in db.execute(
            "SELECT address, min(facts) FROM attachment_parts WHERE sender = ?"
            " AND application_id = ? GROUP BY address", (sender, app_id)).fetchall():
        _assemble(node, db, sender, _part_facts(node, sender, address, text))


def _assemble(node: Node, db: sqlite_utils.Database, sender: str, facts: dict[str, Any]) -> bool:
    address, total = str(facts["address"]), int(facts["total"])
    app_id = str(facts["application_id"])
    if db.execute("SELECT 1 FROM applications WHERE id = ?", [app_id]).fetchone() is None:
        return False  # the application's own event has not arrived yet; it will assemble then
    parts = db.execute("SELECT chunk_offset, content FROM attachment_parts WHERE sender = ?"
                       " AND address = ? AND application_id = ? ORDER BY chunk_offset",
                       (sender, address, app_id)).fetchall()
    content = b"".join(node.session.keys.decrypt(c, f"part:{sender}:{address}:{o}") for o, c in parts)
    if len(content) != total:
        return False
    if hashlib.sha256(content).hexdigest() != facts["sha256"]:
        sync_alarms.alarm(db, "attachment_mismatch", sender, None, address[:16])
        return False
    stored = attachments.store(db, node.session.keys, attachments.IncomingFile(
        str(facts.get("label") or "scan"), str(facts.get("name") or "scan"), content))
    db.execute("INSERT INTO application_attachments (application_id, label, attachment_id)"
               " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (app_id, stored.label, stored.address))
    db.execute("DELETE FROM attachment_parts WHERE sender = ? AND address = ?"
               " AND application_id = ?", (sender, address, app_id))
    return True


def _record_event(node: Node, db: sqlite_utils.Database, header: envelope.Header,
                  body: dict[str, Any], village_code: str) -> None:
    app_id = str(body["application_id"])
    sync_received.apply_remote_event(
        db, node.session.keys, device_id=header.sender, seq=header.seq, hlc=header.hlc,
        recorded_at=str(body.get("recorded_at", "")), application_id=app_id,
        event_type=str(body["type"]), payload=dict(body.get("payload") or {}),
        item_code=str(body.get("item_code", "")), item_version=str(body.get("item_version", "")),
        kind=str(body.get("kind", "service")), operator_id=node.session.operator.id,
    )
    if village_code:  # the worklist filters on it (the first filer binds the case, see _authority)
        db.execute("UPDATE applications SET village_code = ? WHERE id = ? AND village_code = ''",
                   (village_code, app_id))
    _assemble_waiting(node, db, header.sender, app_id)
    _track_owed(node, db, app_id, body)
    flagged = _mark_priority(db, app_id, body)
    item_code = str(body.get("item_code", ""))
    if body["type"] == "submitted" and decided_at(item_code, node.session.store.catalog()) == "village":
        # 放权下沉: decided at the village; filed here for supervision. No receipt of ours and
        # no window takes it, but the promised date counts from our receipt all the same.
        limit = time_limit(item_code, node.session.store.catalog(), flagged)
        due = _due(node.session.calendar().add_working_days(date.today(), limit))
        db.execute("UPDATE applications SET due_date = ?, due_approximate = ? WHERE id = ?",
                   (due["due_date"], int(due["due_approximate"]), app_id))
    elif body["type"] in ("submitted", "corrected", "inspection_recorded") and not (
            node.kind == "township" and passed_up(db, app_id)):  # the county receives it then
        # The promised clock starts from our receipt, never from the village's clock.
        received = date.today()
        limit = time_limit(item_code, node.session.store.catalog(), flagged)
        deadline = node.session.calendar().add_working_days(received, limit)
        _decide_in(node, db, app_id, "received", {
            "received_on": received.isoformat(), "by": node.kind, **_due(deadline)},
            village_code, str(body.get("item_code", "")))
        windows.assign_received(db, app_id, _department(node, str(body.get("item_code", ""))))
    supervision.note_event(node, db, app_id, str(body["type"]), dict(body.get("payload") or {}))
    if body["type"] == "complained" and not (node.kind == "township" and (
            header.get("owner") == "county" or passed_up(db, app_id))):
        from center.complaints import file_village_complaint  # a county's case: filed there

        file_village_complaint(node, db, app_id, dict(body.get("payload") or {}))


def _mark_priority(db: sqlite_utils.Database, app_id: str, body: dict[str, Any]) -> bool:
    """绿色通道: a filing that names grounds marks the case (the worklist sorts on the mark; the
    grounds stay in the sealed payload). Whether the case is marked, for its promised time."""
    if body["type"] == "submitted" and priority.of_filing(dict(body.get("payload") or {})):
        db.execute("UPDATE applications SET priority = 1 WHERE id = ?", [app_id])
    found = db.execute("SELECT priority FROM applications WHERE id = ?", [app_id]).fetchone()
    return bool(found and found[0])


def _track_owed(node: Node, db: sqlite_utils.Database, app_id: str, body: dict[str, Any]) -> None:
    """Keep the case's owed materials (容缺, 告知承诺) as the village's filings and supplies say.

    Due dates are ours: the item's working days on our calendar from the day the village
    filed, but never from a day after our receipt (a village clock running ahead would
    otherwise push the due date out).
    """
    payload = dict(body.get("payload") or {})
    kind = str(body["type"])
    if kind == "material_supplied":
        # The village's day, as the villager kept the promise there, but never before the case
        # was filed nor after today here: a village cannot backdate a supply past its filing.
        today = date.today().isoformat()
        row = db.execute("SELECT created_at FROM applications WHERE id = ?", [app_id]).fetchone()
        filed_on = str(row[0])[:10] if row and row[0] else today
        said = str(payload.get("supplied_on") or today)
        owed.supplied(db, app_id, str(payload.get("material", "")),
                      min(max(said, filed_on), max(today, filed_on)))
        return
    if kind not in ("submitted", "corrected"):
        return
    materials = payload.get("materials")
    if not isinstance(materials, dict):
        return
    from center.cases import filed_item

    item = filed_item(node.session, str(body.get("item_code", "")),
                      str(body.get("item_version", "")) or str(payload.get("item_version", "")))
    if item is None:
        return
    start = date.today()
    filed = _filed_day(db, node, app_id) if kind == "submitted" else None
    if filed is not None and filed < start:
        start = filed
    owed.file(db, app_id, owed.plan(item, materials, start, node.session.calendar()),
              provided=owed.provided_codes(materials), on=date.today())


def _filed_day(db: sqlite_utils.Database, node: Node, app_id: str) -> date | None:
    """The day the village says it took the case in (its `created` event's intake date)."""
    for (sealed, device, seq) in db.execute(
            "SELECT payload, device_id, seq FROM events WHERE application_id = ? AND type ="
            " 'created' ORDER BY id LIMIT 1", [app_id]).fetchall():
        text = node.session.keys.open_json(sealed, events.event_aad(device, seq)).get("intake_date")
        try:
            return date.fromisoformat(str(text))
        except ValueError:
            return None
    return None


def _department(node: Node, item_code: str) -> str:
    from forms.errors import UnknownItemError

    try:
        return node.session.store.catalog().item(item_code).department
    except UnknownItemError:
        return ""


def _due(deadline: Deadline) -> dict[str, Any]:
    """A promised date as a decision carries it: approximate while a year's calendar is unknown.

    The flag travels with the date, so the village, the township and the county all keep
    saying "about" until the county publishes that year's holidays.
    """
    return {"due_date": deadline.due.isoformat(), "due_approximate": deadline.approximate}


def _village_recipients(node: Node, village_code: str) -> list[PublicIdentity]:
    found = [PublicIdentity.from_dict(p.identity())
             for p in sync_peers.peers(node.session.store.database, "village")
             if p.village_code == village_code and not p.revoked]
    return found[-envelope.MAX_STANZAS:]


def _decide_in(node: Node, db: sqlite_utils.Database, app_id: str, decision: str,
               body: dict[str, Any], village_code: str, item_code: str) -> int:
    """Our event on the application and its sealed copy queued down to the village, one transaction.

    Every decision names the center and the clerk (`center`, `center_code`, `clerk`), so the
    village prints the same decision notice the center does.
    """
    info = node.session.store.info
    body = {"center": info.village_name, "center_code": info.village_code,
            "clerk": node.session.operator.name, **body}
    device = events.DeviceState(db)
    seq = events.append(db, node.session.keys, device, application_id=app_id, event_type=decision,
                        payload=body, operator_id=node.session.operator.id)
    device.save()
    if isinstance(body.get("due_date"), str):
        db.execute("UPDATE applications SET due_date = ?, due_approximate = ? WHERE id = ?",
                   (body["due_date"], int(bool(body.get("due_approximate"))), app_id))
    hlc = db.execute("SELECT hlc, recorded_at FROM events WHERE device_id = ? AND seq = ?",
                     (device.device_id, seq)).fetchone()
    recipients = _village_recipients(node, village_code)
    queue = village_code
    if node.kind == "county":
        # Down through the township: it reads the decision too, and files it for the village.
        township = [p for p in sync_peers.peers(node.session.store.database, "township")
                    if village_code.startswith(p.village_code) and not p.revoked]
        if township:
            recipients = [*recipients[: envelope.MAX_STANZAS - 1],
                          PublicIdentity.from_dict(township[-1].identity())]
            queue = township[-1].village_code
    county = node.upstream("county") if decision == "forwarded" else None
    if county is not None:  # the county reads why the case came (its timeline shows it)
        recipients = [*recipients[: envelope.MAX_STANZAS - 1], county]
    if recipients:
        # Version 2 only if every reader said it reads it (a township for a county: its own say).
        version = wire.version_for(db, [r.device_id for r in recipients])
        raw = envelope.seal(
            messages.decision_payload(app_id, decision, body, seq=seq, hlc=hlc[0],
                                      recorded_at=hlc[1], item_code=item_code),
            kind="decision", sender=node.keys, village="", seq=seq, hlc=hlc[0],
            recipients=recipients, created=hlc[1], meta={"app": app_id, "to": village_code},
            version=version,
        )
        sync_downstream.queue_downstream(db, queue, "decision", raw)
        if county is not None:
            db.execute("INSERT INTO relay (destination, sender, seq, raw, created_at)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (county.device_id, node.keys.device_id, seq, raw, sync_alarms.now_iso()))
    audit.append(db, node.session.operator.name, f"decision.{decision}", app_id, item_code,
                 node.session.keys)
    supervision.note_event(node, db, app_id, decision, body)
    return seq


def last_event(db: sqlite_utils.Database, application_id: str) -> int:
    """The newest event of a case (0 for none): what a clerk saw when the page was drawn."""
    row = db.execute("SELECT MAX(id) FROM events WHERE application_id = ?", [application_id]).fetchone()
    return int(row[0] or 0)


def decide(node: Node, application_id: str, decision: str, body: dict[str, Any], *,
           expect_last: int | None = None) -> int:
    """A clerk's decision (accept, request correction, reject, complete), sent down to the village.

    With `expect_last` (the case's newest event when the clerk's page was drawn) the decision is
    refused if anything happened to the case since: another clerk's decision, a correction that
    arrived, so nobody decides on what they did not see.
    """
    if decision not in DECISIONS:
        raise DecisionError("center.decide.unknown")
    if decision == "correction_requested" and not body.get("reasons"):
        raise DecisionError("center.decide.reasons_needed")
    if decision == "rejected" and not body.get("reason"):
        raise DecisionError("center.decide.reason_needed")
    if decision == "completed" and not body.get("result"):
        raise DecisionError("center.decide.result_needed")
    if decision == "revoked" and not str(body.get("reason") or "").strip():
        raise DecisionError("center.revoke.need_reason")
    database = node.session.store.database
    with database.write() as db:
        row = db.execute("SELECT status, item_code, priority FROM applications WHERE id = ?",
                         [application_id]).fetchone()
        if row is None:
            raise DecisionError("center.decide.no_case", id=application_id)
        if expect_last is not None and last_event(db, application_id) != expect_last:
            raise DecisionError("center.decide.changed", id=application_id)
        if passed_up(db, application_id) and node.kind == "township":
            raise DecisionError("center.decide.forwarded", id=application_id)
        if decided_at(str(row[1]), node.session.store.catalog()) == "village":
            raise DecisionError("center.village_decided", id=application_id)
        if decision == "revoked" and row[0] in DECISIONS[decision] and not owed.had_commitment(
                db, application_id):
            raise DecisionError("center.revoke.no_commitment", id=application_id)
        if row[0] not in DECISIONS[decision]:
            raise DecisionError("center.decide.wrong_status",
                                status=Text(status_in("zh", row[0]), status_in("en", row[0])))
        try:  # 一窗受理: the responsible clerk (or their AB 岗 stand-in) decides; deciding takes it
            windows.claim_for_decision(db, node.session.keys, application_id,
                                       node.session.operator.name)
        except NotPermitted as exc:
            raise DecisionError.of(exc) from None
        village = _village_of(db, application_id)
        if decision == "forwarded":
            from center.upstream import pass_up

            body = {**body, "to": "county"}
            pass_up(node, db, application_id, row[1])
            windows.record_forward(db, node.session.keys, application_id,
                                   node.session.operator.name, str(body.get("note", "")))
        if decision == "accepted":
            body = {**body, **_due(node.session.calendar().add_working_days(
                date.today(), time_limit(row[1], node.session.store.catalog(), bool(row[2]))))}
        if decision == "correction_requested":
            # Reasons may name the field or material they concern; only the item's own may be named.
            from forms.errors import UnknownItemError
            from sync.corrections import InvalidReasons, check_reasons

            try:
                entry = node.session.store.catalog().item(row[1])
            except UnknownItemError:
                entry = None
            try:
                reasons = check_reasons(body.get("reasons"), entry)
            except InvalidReasons as exc:
                raise DecisionError.of(exc) from None
            body = {**body, "reasons": [r.wire() for r in reasons]}
        return _decide_in(node, db, application_id, decision, body, village, row[1])


def passed_up(db: sqlite_utils.Database, application_id: str) -> bool:
    """A township case it forwarded to the county: from then on the county decides it."""
    return db.execute("SELECT 1 FROM events WHERE application_id = ? AND type = 'forwarded'"
                      " LIMIT 1", [application_id]).fetchone() is not None


def _village_of(db: sqlite_utils.Database, application_id: str) -> str:
    row = db.execute(
        "SELECT p.village_code FROM events e JOIN peers p ON p.device_id = e.device_id"
        " WHERE e.application_id = ? AND p.role = 'village' ORDER BY e.id LIMIT 1",
        [application_id]).fetchone()
    return str(row[0]) if row else ""


def ack_for(node: Node, device_id: str, *, position: tuple[int, int, str] | None = None) -> bytes:
    """Our signed acknowledgement of everything we hold from `device_id`.

    Custody for every message stored; end to end for those this center owns
    (a township owns township items; a county owns what reaches it). `high` (the
    highest number we hold from the device) and `clash` (numbers whose content
    differed from ours) tell a store restored from a backup to move its counters
    on and number that work again. `position` (from, through, covers): the
    downstream position this ack signs, on the last ack of an answer (see `answer`).
    """
    database = node.session.store.database
    with database.read() as db:
        rows = sync_received.held_owners(db, device_id)
        # A number whose content clashed with ours is not acknowledged: the sender's copy differs,
        # and an ack would let it drop content we never stored.
        clashes = {r[0] for r in db.execute(
            "SELECT seq FROM alarms WHERE kind = 'conflict' AND sender = ? AND seq IS NOT NULL",
            [device_id])}
        refusals = db.execute(
            f"SELECT DISTINCT kind, seq FROM alarms WHERE sender = ? AND seq IS NOT NULL"
            f" AND kind IN ({','.join('?' * len(PAYLOAD_REFUSALS))})",
            [device_id, *PAYLOAD_REFUSALS]).fetchall()
        head = auditheads.latest(db, device_id)
        resend_from, restore = recovery.resend_request(db, device_id)
    # A county owns what reaches it; a township owns township items (and those of no owner).
    me: planner.Owner = "county" if node.kind == "county" else "township"
    held: dict[planner.Key, planner.Owner] = {
        (device_id, seq): me if me == "county" or owner in ("township", "") else "county"
        for seq, owner in rows}
    decided = planner.ack_for(device_id, held, me,
                              conflicts=frozenset((device_id, seq) for seq in clashes))
    custody, e2e = set(decided.custody), set(decided.e2e)
    refused: dict[str, set[int]] = {}
    for reason, seq in refusals:
        if seq not in custody:
            refused.setdefault(reason, set()).add(seq)
    ack = messages.Ack(device_id, frozenset(custody), frozenset(e2e),
                       datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       {reason: frozenset(seqs) for reason, seqs in refused.items()},
                       high=max((seq for seq, _ in rows), default=0), clash=frozenset(clashes),
                       down_from=position[0] if position else None,
                       down_through=position[1] if position else None,
                       covers=position[2] if position else "",
                       audit_seq=head.seq if head else 0, audit_hash=head.hash if head else "",
                       resend_from=resend_from, restore=restore)
    return signed.sign("ack", messages.loads(ack.payload()), node.keys)


def answer(node: Node, device_id: str, senders: set[str], cursor: int) -> tuple[list[bytes], int]:
    """The answer to a session (HTTP or USB) of `device_id`, and the downstream position it reaches.

    The acks of the other devices whose messages came (a township's villages, when it
    forwards to us), the downstream messages after `cursor`, and last our ack of the
    requester, which signs where the answer starts and ends and a digest of all before
    it: the requester saves only that position (`sync.position`), so nobody on the way
    can make it skip downstream messages.
    """
    peer = sync_peers.peer(node.session.store.database, device_id)
    if peer is not None and peer.role == "township":
        # A county restored from a backup asks the township again for what it lost of each
        # of its villages' relayed messages (the acks' resend_from, center.recovery).
        with node.session.store.database.read() as db:
            senders = senders | recovery.villages_to_ask(db, peer.village_code)
    others = [ack_for(node, d) for d in sorted(senders - {device_id})]
    down, last = downstream_for(node, device_id, cursor)
    items = [*others, *down]
    start = max(cursor, 0)
    own = ack_for(node, device_id, position=(start, max(last, start), covers(items)))
    return [*items, own], last


def downstream_for(node: Node, device_id: str, cursor: int) -> tuple[list[bytes], int]:
    """Sealed messages for the device's village (or a township's villages) after `cursor`."""
    peer = sync_peers.peer(node.session.store.database, device_id)
    if peer is None or peer.role not in ("village", "township"):
        return [], cursor
    if recovery.behind(node.session.store.database, device_id,
                                                  peer.village_code, cursor):
        # Restored from a backup, we hold less of the queue than the device does.
        with node.session.store.database.write() as db:
            recovery.catch_up(db, device_id, peer.village_code, cursor)
    # A revoked device hears only that it is revoked.
    items = sync_downstream.downstream_after(node.session.store.database, peer.village_code, cursor,
                                       kinds=("revocation",) if peer.revoked else None)
    return [raw for _, raw in items], (items[-1][0] if items else cursor)


def now_ms() -> int:
    return int(time.time() * 1000)
