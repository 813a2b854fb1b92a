"""The village side of sync: seal what was recorded, pack what is due, take in what came back."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import sqlite_utils

from forms.catalog import Catalog
from storage import events, sync_alarms, sync_inbox, sync_outbox, sync_peers, sync_received
from storage.store import Store
from sync import audithead, bundlefile, envelope, messages, planner, position, signed, wire
from sync.errors import BundleRejected
from sync.items import owner_of, passes_up
from sync.keys import PublicIdentity
from sync.node import Node


def seal_outbox(node: Node) -> int:
    """Seal every unsealed outbox row to its readers. Needs an operator (the device keys) and enrollment.

    Rows written before enrollment wait unsealed (still encrypted at rest) and are
    sealed here the first time the recipients' keys are known.
    """
    renumber(node)
    # The readers, from one look at the peers (the last trusted of each role, as `Node.upstream`).
    trusted = {p.role: p for p in sync_peers.peers(node.session.store.database) if not p.revoked}
    township, county = (PublicIdentity.from_dict(trusted[r].identity()) if r in trusted else None
                        for r in ("township", "county"))
    if township is None:
        return 0
    catalog = node.session.store.catalog()
    with node.session.store.database.read() as db:
        # Version 2 to readers that said they read it (sync/wire.py); an older center gets 1.
        said = {d: wire.reads(db, d) for d in (township.device_id,
                                               county.device_id if county else "")}
    sealed: list[tuple[int, bytes, str, str]] = []
    for ev in sync_outbox.unsealed(node.session.store.database, node.session.keys):
        owner = owner_of(ev.item_code, catalog)
        recipients = [township]
        if owner == "county":
            if county is None:
                continue  # the county's key arrives with enrollment; wait for it
            recipients.append(county)
        elif county is not None and passes_up(ev.item_code, catalog):
            recipients.append(county)  # the township may forward it: the county reads it then
        payload = messages.event_payload({
            "application_id": ev.application_id, "type": ev.event_type, "payload": ev.payload,
            "item_code": ev.item_code, "item_version": ev.item_version, "kind": ev.kind,
            "seq": ev.seq, "hlc": ev.hlc, "recorded_at": ev.recorded_at,
        })
        raw = envelope.seal(
            payload, kind="event", sender=node.keys, village=node.code, seq=ev.seq, hlc=ev.hlc,
            recipients=recipients, created=ev.recorded_at,
            meta={"owner": owner, "app": ev.application_id},
            version=min(wire.READS, *(said[r.device_id] for r in recipients)),
        )
        sealed.append((ev.seq, raw, hashlib.sha256(raw).hexdigest(), owner))
    sync_outbox.mark_sealed(node.session.store.database, sealed)
    return len(sealed) + _chunk_attachments(node, township, county, catalog, said)


def renumber(node: Node) -> list[sync_outbox.Renamed]:
    """Number again what a center said clashes (a store restored from a copy); needs the keys.

    Returns the applications that got a new id: their receipts must be printed again.
    """
    session = node.session
    return sync_outbox.renumber_clashes(session.store.database, session.keys, session.operator.name)


def _chunk_attachments(node: Node, township: PublicIdentity, county: PublicIdentity | None,
                       catalog: Catalog, said: dict[str, int]) -> int:
    """Cut each sent scan into sealed 64 KiB chunks with their own sequence numbers.

    The center commits each chunk as it arrives, so a cut link costs at most the
    chunk in flight; the next session asks what was stored and sends the rest.
    """
    database = node.session.store.database
    made = 0
    for app_id, item_code, entry, content in sync_outbox.attachments_to_chunk(database,
                                                                            node.session.keys):
        owner = owner_of(item_code, catalog)
        readers = owner == "county" or passes_up(item_code, catalog)
        recipients = [township] + ([county] if readers and county else [])
        if owner == "county" and county is None:
            continue
        digest = hashlib.sha256(content).hexdigest()
        facts = {"application_id": app_id, "address": entry["address"], "total": len(content),
                 "sha256": digest, "label": entry.get("label", ""), "name": entry.get("name", ""),
                 "media_type": entry.get("media_type", "")}
        pieces = [(off, content[off : off + messages.CHUNK_SIZE])
                  for off in range(0, max(len(content), 1), messages.CHUNK_SIZE)]

        def seal(seq: int, hlc: str, offset: int, data: bytes, facts: dict[str, object] = facts,
                 recipients: list[PublicIdentity] = recipients, owner: str = owner) -> bytes:
            return envelope.seal(
                messages.chunk_payload({**facts, "offset": offset}, data),
                kind="attachment_chunk", sender=node.keys, village=node.code, seq=seq, hlc=hlc,
                recipients=recipients, meta={"owner": owner, "app": str(facts["application_id"])},
                version=min(wire.READS, *(said[r.device_id] for r in recipients)),
            )

        made += sync_outbox.append_chunks(database, app_id, entry["address"], owner, pieces, seal)
    return made


def entries(store: Store) -> list[planner.OutboxEntry]:
    return [planner.from_row(r) for r in sync_outbox.outbox_rows(store.database)]


def due_messages(store: Store, *, now: float | None = None,
                 max_bytes: int = 512 * 1024) -> tuple[list[int], list[bytes]]:
    """What the planner says to send next, with the sealed bytes."""
    now = time.time() if now is None else now
    chosen = planner.plan_push(entries(store), now, max_bytes, max_messages=100_000)
    return chosen, sync_outbox.outbox_messages(store.database, chosen)


def take_ack(db: sqlite_utils.Database, ack: planner.Ack) -> tuple[int, int]:
    """Apply a verified ack through the planner and keep the states it moved, in the caller's
    transaction. Returns (custody, done)."""
    before = [planner.from_row(r) for r in sync_outbox.rows_in(db)]
    after = planner.apply_ack(before, ack)
    moved = {a.seq: a.state for a, b in zip(after, before, strict=True) if a.state != b.state}
    return sync_outbox.record_acks(
        db, [s for s, st in moved.items() if st == "custody"],
        [s for s, st in moved.items() if st == "done"])


@dataclass
class Absorbed:
    custody: int = 0
    done: int = 0
    downstream_new: int = 0
    rejected: list[str] = field(default_factory=list)
    refused_by_center: list[str] = field(default_factory=list)  # reasons, one per message of ours
    restored: bool = False  # a center holds numbers past ours: counters moved (restored copy)
    clashes: int = 0  # rows a center holds other content under: numbered again at the next login
    signed_position: bool = False  # the cursor saved is the one the center signed
    resent: int = 0  # rows a township restored from a backup no longer held: sent again


def _upstream_peers(store: Store) -> dict[str, tuple[str, PublicIdentity]]:
    return {p.device_id: (p.role, PublicIdentity.from_dict(p.identity()))
            for p in sync_peers.peers(store.database) if p.role in ("township", "county")
            and not p.revoked}


def absorb(store: Store, response: bytes, my_device: str,
           cursor: tuple[str, int] | None = None) -> Absorbed:
    """Take in a center's answer: acknowledgements (checked with public keys) and sealed downstream messages.

    Needs no operator: acks are signed records; downstream messages are kept
    sealed in the inbox until someone logs in (see `apply_inbox`).

    `cursor`: (the center that answered, the position the answer's header or sidecar
    claims). Neither is signed, so the cursor saved is the one the center's own ack of
    us signs (`down_through`), if the messages before it are exactly the ones it covers
    (`sync.position`). If they are not (messages dropped, added or reordered on the way)
    the cursor stays where it was, a `downstream_incomplete` alarm is raised, and the
    messages that verified on their own are kept all the same (the inbox files each
    once): the next session asks again from the old cursor. An older center signs no
    position: its claimed one is saved as before, until it has once signed one.

    First every item is verified (nothing of the outbox or inbox is written); then what the
    verified acks, messages and position say is applied in one transaction (`_apply_answer`):
    a crash part way leaves the store as it was, and the same answer taken again does it all.
    """
    result = Absorbed()
    trusted = _upstream_peers(store)
    acks: list[tuple[str, str, messages.Ack]] = []  # (signer, its role, the ack), in answer order
    inbox: list[tuple[str, int, bytes]] = []
    items = bundlefile.unpack(response)
    found: tuple[int, messages.Ack] | None = None  # the center's signed position, and where
    for at, raw in enumerate(items):
        try:
            if signed.is_record(raw):
                claim = signed.peek(raw)
                if claim.signer not in trusted:
                    raise BundleRejected("unknown_sender", claim.signer)
                role, identity = trusted[claim.signer]
                record = signed.verify(raw, identity)
                if record.kind == "revocation" and role == "township":
                    from sync.revocation import keep_at_village

                    keep_at_village(store, raw, record.body)
                    continue
                if record.kind == "catalog" and role == "county":
                    from sync.releases import keep_catalog_at_village

                    keep_catalog_at_village(store, raw, record.body)
                    continue
                if record.kind == "calendar" and role == "county":
                    from sync.releases import keep_at_village as keep_calendar

                    keep_calendar(store, raw, record.body)
                    continue
                if record.kind != "ack":
                    continue
                ack = messages.Ack.parse(messages.dumps(record.body))
                if ack.subject != my_device or role not in ("township", "county"):
                    continue
                if ack.audit_seq:  # the audit head the center holds: our next one starts there
                    audithead.remember(store, claim.signer, ack.audit_seq, ack.audit_hash)
                if cursor is not None and claim.signer == cursor[0] and ack.down_through is not None:
                    found = (at, ack)
                acks.append((claim.signer, role, ack))
            else:
                parsed = envelope.parse(raw)
                if parsed.header.sender not in trusted:
                    raise BundleRejected("unknown_sender", parsed.header.sender)
                envelope.verify(parsed, trusted[parsed.header.sender][1])
                inbox.append((parsed.header.sender, parsed.header.seq, raw))
        except BundleRejected as exc:
            result.rejected.append(exc.reason)
    with store.database.write() as db:
        _apply_answer(db, result, acks, inbox, items, found, cursor)
    return result


def _apply_answer(db: sqlite_utils.Database, result: Absorbed,
                  acks: list[tuple[str, str, messages.Ack]], inbox: list[tuple[str, int, bytes]],
                  items: list[bytes], found: tuple[int, messages.Ack] | None,
                  cursor: tuple[str, int] | None) -> None:
    """One verified answer, in the caller's one transaction: state moves (the planner's
    `apply_ack`), refusals, counter moves, clashes, resends, inbox rows and the cursor."""
    rows = sync_outbox.rows_in(db)
    owned_by = {row["seq"]: row["owner"] for row in rows}
    # An ack names numbers only: it settles rows this store handed over, never others. (A store
    # restored from a backup reuses numbers the center holds from the lost store.)
    sent = frozenset(row["seq"] for row in rows if row["sent_at"] or row["state"] == "custody")
    for signer, role, ack in acks:
        # Believe end to end only from the owner; the planner moves states forward only.
        e2e = frozenset(s for s in ack.e2e & sent if owned_by.get(s, role) == role)
        c, d = take_ack(db, planner.Ack(
            by="township" if role == "township" else "county",
            custody=frozenset(ack.custody & sent), e2e=e2e))
        result.custody += c
        result.done += d
        # Messages of ours the center opened and will never take in: stop resending them.
        result.refused_by_center += sync_outbox.record_refusals(
            db, [(seq, reason) for reason, seqs in ack.refused.items() for seq in seqs & sent],
            signer)
        # A store restored from a copy is behind the numbers it already used: move on.
        if ack.high and sync_outbox.move_counters_past(db, ack.high, signer):
            result.restored = True
        result.clashes += sync_outbox.record_clashes(db, ack.clash & sent, signer)
        if ack.resend_from and role == "township":
            # Our township was put back from a backup: what it lost goes again.
            held = ack.custody | ack.clash | frozenset().union(*ack.refused.values())
            result.resent += sync_outbox.resend_lost(db, held, ack.resend_from, signer,
                                                     ack.restore)
    saved: tuple[str, int] | None = None
    problem: tuple[str, str] | None = None
    if cursor is not None:
        center, claimed = cursor
        verdict = position.judge(items, found, sync_inbox.cursor_in(db, center), claimed,
                                 sync_inbox.signs_in(db, center))
        if verdict.cursor is not None:
            saved = (center, verdict.cursor)
        if verdict.problem:
            problem = (center, verdict.problem)
            result.rejected.append(position.INCOMPLETE)
        result.signed_position = verdict.signed
    result.downstream_new = sync_inbox.store_inbox(
        db, inbox, saved, signed=result.signed_position, incomplete=problem)


def sign_down_acks(node: Node) -> int:
    """Sign, for each center above us, how far we hold its downstream queue (an operator is here).

    Sync needs no operator, so the signed record is kept and sent with every
    session until a newer one replaces it; the center prunes what every device holds.
    """
    database = node.session.store.database
    signed_now = 0
    for peer in sync_peers.peers(database, "township"):
        through = sync_inbox.inbox_cursor(database, peer.device_id)
        key = f"down_ack:{peer.device_id}"
        with database.read() as db:
            held = events.meta_get(db, key)
        if through == 0 or (held and int(signed.peek(bytes.fromhex(held)).body["through"]) >= through):
            continue
        record = signed.sign("down_ack", {
            "device": node.keys.device_id, "center": peer.device_id, "through": through,
            "signed_at": sync_alarms.now_iso()}, node.keys)
        with database.write() as db:
            events.meta_set(db, key, record.hex())
        signed_now += 1
    return signed_now


def down_acks(store: Store, center: str) -> list[bytes]:
    """The signed downstream acknowledgement to send to `center`, if any."""
    with store.database.read() as db:
        held = events.meta_get(db, f"down_ack:{center}")
    return [bytes.fromhex(held)] if held else []


def apply_inbox(node: Node) -> int:
    """Open downstream messages (an operator is logged in) and file their decisions. Returns how many."""
    from sync.releases import apply_pending, apply_pending_catalogs

    apply_pending(node.session)
    apply_pending_catalogs(node.session)
    database = node.session.store.database
    trusted = _upstream_peers(node.session.store)
    operator_id = node.session.operator.id
    applied = 0
    for origin, seq, raw in sync_inbox.unapplied_inbox(database):
        if origin not in trusted:
            continue
        try:
            header, payload = envelope.open_message(raw, trusted[origin][1], node.keys)
            body = messages.loads(payload)
        except BundleRejected as exc:
            # Sealed to the village's other devices only (this one enrolled after it was
            # written), or damaged: these bytes never open here. Set aside with an alarm, so
            # neither this sync nor any later login stops on them.
            def set_aside(db: object, reason: str = exc.reason, origin: str = origin,
                          seq: int = seq) -> None:
                sync_alarms.alarm(db, reason, origin, seq,  # type: ignore[arg-type]
                                "downstream message does not open on this device; set aside")

            sync_inbox.apply_inbox(database, origin, seq, set_aside)
            continue
        if header.kind != "decision":
            sync_inbox.apply_inbox(database, origin, seq, lambda db: None)
            continue

        def file(db: object, body: dict[str, object] = body, header: envelope.Header = header) -> None:
            sync_received.apply_remote_event(
                db,  # type: ignore[arg-type]
                node.session.keys, device_id=header.sender, seq=header.seq, hlc=header.hlc,
                recorded_at=str(body.get("recorded_at", "")),
                application_id=str(body["application_id"]), event_type=str(body["type"]),
                payload=dict(body.get("payload") or {}),  # type: ignore[call-overload]
                item_code=str(body.get("item_code", "")), operator_id=operator_id,
            )

        sync_inbox.apply_inbox(database, origin, seq, file)
        applied += 1
    sign_down_acks(node)
    return applied
