"""A malformed payload from an enrolled device: that one message is refused for good, the rest is stored.

The message is correctly signed and sealed (a village PC with a buggy version, say), so
only its content is wrong. The center says so in its signed ack, raises an alarm and
takes in every other message of the bundle; the village stops resending that message,
marks it refused and raises its own alarm. A failure of the center's own disk is not the
village's fault: it still fails the request, so the village retries.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from center import usb as center_usb
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import events, sync_alarms, sync_outbox, sync_received
from storage.store import Session
from sync import bundlefile, envelope, messages, signed, usb
from sync.client import enroll_online, sync_once
from sync.node import Node
from sync.overview import queue
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, signed_status, signed_sync, statuses
from village_agent import intake

GOOD: dict[str, Any] = {"application_id": "20261123-ABCDEF-00050", "type": "created",
                        "payload": {}, "item_code": "MZ-GLJT", "item_version": "1",
                        "kind": "service", "recorded_at": "2026-11-23T01:00:00+00:00"}

BAD_EVENTS: dict[str, dict[str, Any]] = {
    "no_application_id": {k: v for k, v in GOOD.items() if k != "application_id"},
    "application_id_not_text": {**GOOD, "application_id": {"id": 5}},
    "unknown_event_type": {**GOOD, "type": "exploded"},
    "event_type_not_text": {**GOOD, "type": 7},
    "payload_a_list": {**GOOD, "payload": ["applicant", "王秀梅"]},
    "payload_text": {**GOOD, "payload": "abc"},
    "unknown_kind": {**GOOD, "kind": "bogus"},
    "fields_a_list": {**GOOD, "type": "submitted", "payload": {
        "applicant": {"name": "王秀梅", "id_number": "430481195003150022"}, "fields": ["x"]}},
    "applicant_id_number_not_text": {**GOOD, "type": "submitted", "payload": {
        "applicant": {"name": "王秀梅", "id_number": 430481195003150022}}},
}


def _seal_event(node: Node, body: Any, seq: int, to: Node, hlc: str = "1.0") -> bytes:
    return envelope.seal(messages.dumps(body), kind="event", sender=node.keys, village=node.code,
                         seq=seq, hlc=hlc, recipients=[to.identity],
                         meta={"owner": "township", "app": "20261123-ABCDEF-00050"})


def _seal_chunk(node: Node, facts: dict[str, Any], seq: int, to: Node) -> bytes:
    return envelope.seal(messages.chunk_payload(facts, b"scan"), kind="attachment_chunk",
                         sender=node.keys, village=node.code, seq=seq, hlc="1.0",
                         recipients=[to.identity], meta={"owner": "township"})


def _bad_message(case: str, village: Node, seq: int, to: Node) -> bytes:
    if case in BAD_EVENTS:
        return _seal_event(village, BAD_EVENTS[case], seq, to)
    if case == "clock_not_a_clock":
        return _seal_event(village, GOOD, seq, to, hlc="yesterday")
    if case == "payload_not_an_object":
        return envelope.seal(b"[1, 2, 3]", kind="event", sender=village.keys, village=village.code,
                             seq=seq, hlc="1.0", recipients=[to.identity])
    assert case == "chunk_total_not_a_number"
    return _seal_chunk(village, {"application_id": GOOD["application_id"], "address": "ab" * 32,
                                 "offset": 0, "total": "four", "sha256": "00" * 32}, seq, to)


CASES = [*BAD_EVENTS, "clock_not_a_clock", "payload_not_an_object", "chunk_total_not_a_number"]


def _apply(session: Session, catalog: Catalog) -> str:
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                       example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]


def _received(node: Node) -> set[int]:
    with node.session.store.database.read() as db:
        return {r[0] for r in db.execute("SELECT seq FROM received")}


def _alarms(node: Node | Session, kind: str) -> list[dict[str, Any]]:
    store = node.session.store if isinstance(node, Node) else node.store
    return [a for a in sync_alarms.alarms(store.database) if a["kind"] == kind]


def _scans(node: Node, app_id: str) -> list[str]:
    with node.session.store.database.read() as db:
        return [r[0] for r in db.execute("SELECT label FROM application_attachments"
                                         " WHERE application_id = ? ORDER BY label", [app_id])]


def _put_in_outbox(session: Session, make: Any, state: str = "pending", owner: str = "township"
                   ) -> int:
    """A message the village's own (buggy) software sealed and queued: `make(seq)` gives its bytes."""
    with session.store.database.write() as db:
        device = events.DeviceState(db)
        seq = device.next_seq()
        raw = make(seq)
        db.execute(
            "INSERT INTO outbox (seq, event_id, kind, application_id, state, sealed, created_at,"
            " owner, size, digest) VALUES (?, NULL, 'event', ?, ?, ?, ?, ?, ?, ?)",
            (seq, GOOD["application_id"], state, raw, sync_alarms.now_iso(), owner, len(raw),
             hashlib.sha256(raw).hexdigest()))
        device.save()
    return seq


@pytest.fixture
def enrolled(session: Session, township: tuple[Node, str]) -> Session:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return session


@pytest.mark.parametrize("case", CASES)
def test_one_malformed_message_is_refused_in_the_ack_and_the_rest_of_the_bundle_is_stored(
    case: str, enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    app_id = _apply(enrolled, catalog)
    good = sync_outbox.outbox_messages(enrolled.store.database, [1, 2])
    bad = _bad_message(case, Node.of(enrolled), 50, node)
    device = enrolled.store.info.device_id

    for attempt in (1, 2):  # sent again (an older village ignores the refusal): the same answer
        answer = signed_sync(url, enrolled, bundlefile.pack([good[0], bad, good[1]]))
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Refused"] == "malformed_payload"
        assert answer.headers["X-Stored"] == ("2" if attempt == 1 else "0")
        ack = signed.peek(bundlefile.unpack(answer.content)[-1]).body
        assert ack["subject"] == device
        assert ack["custody"] == [[1, 2]] and ack["e2e"] == [[1, 2]]
        assert ack["refused"] == {"malformed_payload": [[50, 50]]}

    assert _received(node) == {1, 2}
    assert statuses(node.session) == {app_id: "received"}
    assert GOOD["application_id"] not in statuses(node.session)
    alarms = _alarms(node, "malformed_payload")
    assert [(a["sender"], a["seq"]) for a in alarms] == [(device, 50)]  # once, not per resend
    # The status asked for after a cut session says the same.
    status = signed_status(url, enrolled)
    assert signed.peek(bundlefile.unpack(status.content)[0]).body["refused"] == {
        "malformed_payload": [[50, 50]]}


def test_the_village_stops_resending_a_refused_message_and_raises_its_own_alarm(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    app_id = _apply(enrolled, catalog)
    village = Node.of(enrolled)
    bad = _put_in_outbox(enrolled, lambda seq: _seal_event(village, BAD_EVENTS["payload_a_list"],
                                                           seq, node))
    later = _apply(enrolled, catalog)  # recorded after it: must not be held up by it

    first = sync_once(enrolled.store, session=enrolled)
    assert first.ok and first.sent == 5 and "malformed_payload" in first.refused, first
    assert statuses(node.session) == {app_id: "received", later: "received"}
    assert _received(node) == {1, 2, 4, 5} and bad == 3
    with enrolled.store.database.read() as db:
        state = db.execute("SELECT state FROM outbox WHERE seq = ?", [bad]).fetchone()[0]
    assert state == "refused"
    assert sync_outbox.outbox_rows(enrolled.store.database) == []  # nothing left to send
    alarms = _alarms(enrolled, "malformed_payload")
    assert [(a["sender"], a["seq"]) for a in alarms] == [(node.keys.device_id, bad)]
    assert {e.seq: e.delivery for e in queue(enrolled.store)}[bad] == "refused"

    again = sync_once(enrolled.store, session=enrolled, force=True)
    assert again.ok and again.sent == 0 and again.refused == []
    assert len(_alarms(enrolled, "malformed_payload")) == 1
    assert len(_alarms(node, "malformed_payload")) == 1


def test_a_malformed_message_on_a_stick_is_refused_and_the_rest_taken_in(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    from center import enroll as center_enroll
    from sync import enroll

    township = Node.of(make_center(tmp_path / "township"))
    stick = tmp_path / "usb"
    code = center_enroll.issue_code(township, VILLAGE_CODE)
    enroll.accept(Node.of(session), center_enroll.redeem(township, enroll.build_request(session.store,
                                                                                 code)), code)
    village = Node.of(session)
    app_id = _apply(session, catalog)
    bad = _put_in_outbox(session, lambda seq: _seal_event(village, BAD_EVENTS["unknown_kind"], seq,
                                                          township))
    assert usb.export_village(village, stick).messages == 3

    report = center_usb.import_center(township, stick)
    assert report.stored == 2 and [r.split(": ")[1] for r in report.refused] == ["malformed_payload"]
    assert statuses(township.session) == {app_id: "received"}
    assert [a["seq"] for a in _alarms(township, "malformed_payload")] == [bad]
    assert list(stick.glob("down-*.vab"))  # the answer was written

    back = usb.import_village(village, stick)
    assert [r.split(": ")[1] for r in back.refused] == ["malformed_payload"] and back.applied == 1
    with session.store.database.read() as db:
        state = db.execute("SELECT state FROM outbox WHERE seq = ?", [bad]).fetchone()[0]
    assert state == "refused" and [a["seq"] for a in _alarms(session, "malformed_payload")] == [bad]
    again = tmp_path / "usb2"
    assert usb.export_village(village, again).messages == 0


def test_a_full_disk_at_the_center_still_fails_the_session_so_the_village_retries(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """The payload check refuses bad content only; the center's own failure is never a refusal."""
    import os

    from storage.attachments import IncomingFile

    node, _ = township
    scan = IncomingFile("id_card", "id.jpg", os.urandom(200_000))  # pieces that need new pages
    app_id = intake.take(enrolled, catalog, enrolled.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), [scan], today=TODAY).application_ids[0]
    database = node.session.store.database
    with database.read():  # the disk is full: no free page left, and the file cannot grow
        database.conn.execute("VACUUM")
        pages = database.conn.execute("PRAGMA page_count").fetchone()[0]
        database.conn.execute(f"PRAGMA max_page_count = {pages}")
    try:
        report = sync_once(enrolled.store, session=enrolled)
    finally:
        with database.read():
            database.conn.execute("PRAGMA max_page_count = 4294967294")
    assert not report.ok and report.error == "HTTPStatusError"
    held = _received(node)
    pending = {r["seq"] for r in sync_outbox.outbox_rows(enrolled.store.database)
               if r["state"] == "pending"}
    assert pending - held  # not taken in and not acknowledged: still to send
    assert _alarms(node, "malformed_payload") == [] and _alarms(enrolled, "malformed_payload") == []

    retry = sync_once(enrolled.store, session=enrolled, force=True)
    assert retry.ok and retry.refused == [] and statuses(node.session) == {app_id: "received"}
    assert _scans(node, app_id) == ["id_card"]


def test_a_message_the_county_refuses_is_not_forwarded_again_and_the_village_hears_of_it(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    """A township of an older version passed it on; the county's signed refusal reaches the village."""
    from center.upstream import forward_once
    from tests.sync_helpers import TOWNSHIP_CODE, serving

    county = Node.of(make_center(tmp_path / "county", "county", "430481"))
    township = Node.of(make_center(tmp_path / "township"))
    with serving(county) as county_url, serving(township) as township_url:
        enroll_online(township.session, county_url, issue_code(county, TOWNSHIP_CODE))
        enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
        village = Node.of(session)
        body = {**BAD_EVENTS["payload_a_list"], "item_code": "CL-CJRZ"}
        sealed: list[bytes] = []

        def make(seq: int) -> bytes:
            sealed.append(envelope.seal(
                messages.dumps(body), kind="event", sender=village.keys, village=village.code,
                seq=seq, hlc="1.0", recipients=[township.identity, county.identity],
                meta={"owner": "county", "app": GOOD["application_id"]}))
            return sealed[0]

        # Held by the township already (custody), and waiting in its relay to the county.
        bad = _put_in_outbox(session, make, state="custody", owner="county")
        with township.session.store.database.write() as db:
            sync_received.file_received(db, sender=village.keys.device_id, seq=bad,
                                    digest=hashlib.sha256(sealed[0]).hexdigest(), kind="event",
                                    owner="county", app=GOOD["application_id"], raw=sealed[0],
                                    via="http")
            db.execute("INSERT INTO relay (destination, sender, seq, raw, created_at)"
                       " VALUES (?, ?, ?, ?, ?)", (county.keys.device_id, village.keys.device_id,
                                                  bad, sealed[0], sync_alarms.now_iso()))

        up = forward_once(township)
        assert up.ok and up.forwarded == 1 and up.refused == ["malformed_payload"], up
        with township.session.store.database.read() as db:
            assert db.execute("SELECT state FROM relay WHERE seq = ?", [bad]).fetchone()[0] \
                == "refused"
        assert [a["seq"] for a in _alarms(township, "malformed_payload")] == [bad]
        assert [a["seq"] for a in _alarms(county, "malformed_payload")] == [bad]
        assert forward_once(township).forwarded == 0

        down = sync_once(session.store, session=session)
        assert down.ok and down.sent == 0, down
        with session.store.database.read() as db:
            assert db.execute("SELECT state FROM outbox WHERE seq = ?", [bad]).fetchone()[0] \
                == "refused"
        assert [(a["sender"], a["seq"]) for a in _alarms(session, "malformed_payload")] == [
            (county.keys.device_id, bad)]
    county.session.store.close()
    township.session.store.close()
