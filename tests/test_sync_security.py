"""Only the enrolled may speak, and bad clocks do no harm: hostile and broken senders on a real server."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import sync_alarms, sync_outbox, sync_peers
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import bundlefile, envelope, messages, signed
from sync.client import enroll_online, sync_once
from sync.keys import DeviceKeys
from sync.node import Node
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import signed_sync, statuses
from village_agent import intake


@pytest.fixture
def enrolled(session: Session, township: tuple[Node, str]) -> Session:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return session


def _apply(session: Session, catalog: Catalog) -> str:
    data = example(catalog.get("MZ-GLJT"))
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                       today=TODAY).application_ids[0]


def _post(url: str, session: Session, messages_: list[bytes]) -> httpx.Response:
    """A session of `session`'s device (its request signed, as the real client does)."""
    answer: httpx.Response = signed_sync(url, session, bundlefile.pack(messages_))
    return answer


def _stored(node: Node) -> int:
    with node.session.store.database.read() as db:
        return int(db.execute("SELECT count(*) FROM received").fetchone()[0])


def _event(sender: DeviceKeys, township: Node, *, village: str = VILLAGE_CODE, seq: int = 1) -> bytes:
    body = messages.event_payload({"application_id": "X-1", "type": "created", "payload": {},
                                   "item_code": "MZ-GLJT", "seq": seq, "hlc": "1.0"})
    return envelope.seal(body, kind="event", sender=sender, village=village, seq=seq, hlc="1.0",
                         recipients=[township.identity], meta={"owner": "township", "app": "X-1"})


def test_a_forged_signature_is_refused_before_anything_is_stored(
    enrolled: Session, township: tuple[Node, str]
) -> None:
    node, url = township
    device_id = enrolled.store.info.device_id
    real = Node.of(enrolled).keys
    forger = DeviceKeys(device_id, DeviceKeys.generate("x").signing, real.encryption)
    answer = _post(url, enrolled, [_event(forger, node)])
    assert answer.status_code == 200 and answer.headers["X-Refused"] == "bad_signature"
    assert _stored(node) == 0
    assert [a["kind"] for a in sync_alarms.alarms(node.session.store.database)] == ["bad_signature"]


def test_an_unenrolled_device_is_refused(township: tuple[Node, str]) -> None:
    node, url = township
    stranger = DeviceKeys.generate("stranger-pc")
    answer = httpx.post(f"{url}/v1/sync", params={"device": stranger.device_id, "cursor": 0},
                        content=bundlefile.pack([_event(stranger, node)]), timeout=30)
    # Refused before the body is read: a device the center does not know is not answered at all.
    assert answer.status_code == 403 and answer.json()["error"] == "unknown_sender"
    assert "未登记" in answer.json()["message"] and _stored(node) == 0


def test_an_enrolled_device_cannot_speak_for_another_village(
    enrolled: Session, township: tuple[Node, str]
) -> None:
    node, url = township
    me = Node.of(enrolled).keys
    answer = _post(url, enrolled, [_event(me, node, village="430481101299")])
    assert answer.headers["X-Refused"] == "wrong_village" and _stored(node) == 0


def test_replaying_an_old_bundle_stores_nothing_new_and_gets_the_same_ack(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    _apply(enrolled, catalog)
    pending = [r["seq"] for r in sync_outbox.outbox_rows(enrolled.store.database)]
    old = sync_outbox.outbox_messages(enrolled.store.database, pending)
    first = _post(url, enrolled, old)
    replay = _post(url, enrolled, old)
    assert first.headers["X-Stored"] == "2" and replay.headers["X-Stored"] == "0"
    assert replay.headers["X-Duplicates"] == "2"
    acks = [signed.peek(bundlefile.unpack(r.content)[-1]).body for r in (first, replay)]
    assert acks[0]["custody"] == acks[1]["custody"] == [[1, 2]]
    assert acks[0]["e2e"] == acks[1]["e2e"] == [[1, 2]]
    assert len(node.session.list()) == 1 and _stored(node) == 2


def test_same_sequence_number_with_other_content_raises_an_alarm_and_overwrites_nothing(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    _apply(enrolled, catalog)
    assert sync_once(enrolled.store, session=enrolled).ok
    me = Node.of(enrolled).keys
    before = sync_outbox.outbox_messages(enrolled.store.database, [1])[0]
    clash = _event(me, node, seq=1)
    assert hashlib.sha256(clash).digest() != hashlib.sha256(before).digest()
    answer = _post(url, enrolled, [clash])
    assert answer.headers["X-Refused"] == "conflict"
    with node.session.store.database.read() as db:
        kept = db.execute("SELECT raw FROM received WHERE seq = 1").fetchone()[0]
    assert kept == before
    assert "conflict" in [a["kind"] for a in sync_alarms.alarms(node.session.store.database)]
    ack = signed.peek(bundlefile.unpack(answer.content)[-1]).body
    assert ack["custody"] == [[2, 2]]  # the clashing number is not acknowledged


def test_a_revoked_device_is_refused_with_its_reason(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    with node.session.store.database.write() as db:
        assert sync_peers.revoke_peer(db, enrolled.store.info.device_id)
    _apply(enrolled, catalog)
    report = sync_once(enrolled.store, session=enrolled)
    assert report.ok and "revoked" in report.refused
    assert node.session.list() == []
    assert [r["state"] for r in sync_outbox.outbox_rows(enrolled.store.database)] == ["pending"] * 2


@pytest.mark.parametrize("year", [2015, 2035])
def test_a_village_clock_set_to_another_year_does_no_harm(
    year: int, tmp_path: Path, township: tuple[Node, str], catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node, url = township
    store = Store.create(tmp_path / "village", village_code=VILLAGE_CODE, village_name="石鼓村",
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
    session = store.login(AGENT, PIN)
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    offset = datetime(year, 6, 1, tzinfo=timezone.utc).timestamp() - time.time()
    real_time = time.time
    import storage.events

    monkeypatch.setattr(storage.events.time, "time", lambda: real_time() + offset)
    app_id = _apply(session, catalog)
    monkeypatch.undo()

    assert sync_once(store, session=session).ok
    # The township's own clock was not dragged along, and the case is where it should be.
    with node.session.store.database.read() as db:
        township_hlc = int(db.execute("SELECT value FROM meta WHERE key = 'hlc'").fetchone()[0]
                           .split(".")[0])
    assert abs(township_hlc - real_time() * 1000) < 60_000
    assert statuses(node.session)[app_id] == "received"
    received = next(e for e in node.session.show(app_id)[1] if e.type == "received")
    assert received.payload["received_on"] == datetime.now().date().isoformat()
    with node.session.store.database.read() as db:
        skew_ms = db.execute("SELECT clock_skew_ms FROM peers WHERE role = 'village'").fetchone()[0]
    # The clock was wrong when the case was recorded, right at the sync: the skew is measured on
    # the live request (sync/clock.py), so the record's odd time is not taken for the PC's clock.
    assert abs(skew_ms) < 60_000

    from center.ingest import decide

    decide(node, app_id, "accepted", {})
    assert sync_once(store, session=session).ok
    assert statuses(session)[app_id] == "accepted"
    store.close()


def test_an_enrollment_code_cannot_take_over_an_enrolled_devices_identity(
    enrolled: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """A valid code enrolls a new device; it never replaces the keys or village of a known one."""
    from sync.enroll import code_key, mac_of

    node, url = township
    victim = enrolled.store.info.device_id
    before = sync_peers.peer(node.session.store.database, victim)
    impostor = DeviceKeys.generate(victim)  # the victim's id, the impostor's own keys
    code = issue_code(node, "430481101202")  # a real code, for the impostor's own village
    body = {"code_id": code.replace("-", "")[:4], "village_code": "430481101202",
            "village_name": "邻村", "device": impostor.public.as_dict()}
    answer = httpx.post(f"{url}/v1/enroll", json={**body, "mac": mac_of(code_key(code), body)},
                        timeout=30)
    assert answer.status_code == 403 and "已登记" in answer.json()["message"]
    assert sync_peers.peer(node.session.store.database, victim) == before
    # The real device still speaks for its village.
    app_id = _apply(enrolled, catalog)
    assert sync_once(enrolled.store, session=enrolled).ok
    assert app_id in statuses(node.session)
