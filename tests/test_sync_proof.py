"""The signed sync request (sync/proof.py) as the village's own client lives with it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from center.enroll import issue_code
from storage import events, sync_outbox
from storage.store import Session
from sync import proof, signed
from sync.client import enroll_online, sync_once
from sync.keys import DeviceKeys, raw_public
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from village_agent import intake


@pytest.fixture
def enrolled(session: Session, township: tuple[Node, str]) -> Session:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return session


def _take(session: Session, catalog: Any) -> str:
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                       example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]


def _counter(session: Session) -> int:
    with session.store.database.read() as db:
        return int(events.meta_get(db, "request_counter") or 0)


def test_each_request_takes_a_higher_counter_and_the_center_keeps_the_highest(
    enrolled: Session, township: tuple[Node, str], catalog: Any
) -> None:
    node, _ = township
    _take(enrolled, catalog)
    before = _counter(enrolled)
    assert sync_once(enrolled.store, session=enrolled).ok
    assert sync_once(enrolled.store).ok  # unattended: the delegated key, no PIN
    assert _counter(enrolled) == before + 2
    with node.session.store.database.read() as db:
        held = db.execute("SELECT request_counter FROM peers WHERE device_id = ?",
                          [enrolled.store.info.device_id]).fetchone()[0]
    assert held == _counter(enrolled)


def test_a_store_whose_counter_went_back_moves_past_the_centers_and_syncs(
    enrolled: Session, township: tuple[Node, str], catalog: Any
) -> None:
    """A store restored from a backup holds an older counter: one retry, nothing lost."""
    node, _ = township
    assert sync_once(enrolled.store, session=enrolled).ok
    with enrolled.store.database.write() as db:
        events.meta_set(db, "request_counter", "0")  # what the backup held
    app_id = _take(enrolled, catalog)
    report = sync_once(enrolled.store, session=enrolled)
    assert report.ok and report.done == 2, report
    assert app_id in {s.id for s in node.session.list()}
    assert _counter(enrolled) > 1


def test_unattended_sync_before_any_login_says_to_log_in_once_and_keeps_everything(
    enrolled: Session, township: tuple[Node, str], catalog: Any
) -> None:
    node, _ = township
    _take(enrolled, catalog)
    with enrolled.store.database.write() as db:
        db.execute("DELETE FROM meta WHERE key = 'request_key'")  # enrolled by an older version
    report = sync_once(enrolled.store)
    assert not report.ok and report.error == "no_request_key"
    assert "登录" in report.message("zh") and "log in" in report.message("en")
    assert {r["state"] for r in sync_outbox.outbox_rows(enrolled.store.database)} <= {
        "pending", "custody"}
    assert node.session.list() == []
    assert sync_once(enrolled.store, session=enrolled).ok  # a login delegates a new key
    assert sync_once(enrolled.store).ok


def test_a_delegation_signed_by_another_device_is_refused(
    enrolled: Session, township: tuple[Node, str]
) -> None:
    node, url = township
    device = enrolled.store.info.device_id
    stranger = DeviceKeys.generate(device)  # same id, other keys: not the enrolled device
    private = Ed25519PrivateKey.generate()
    other = proof.RequestKey(signed.sign("request_key", {
        "device": device, "key": raw_public(private.public_key()).hex()}, stranger), private)
    headers = proof.make(other, device=device, center=node.keys.device_id, cursor=0,
                         counter=10**6, path="sync")
    answer = httpx.post(f"{url}/v1/sync", params={"device": device, "cursor": 0},
                        headers=headers, content=b"", timeout=30)
    assert answer.status_code == 401 and answer.json()["error"] == "bad_proof"
    assert "签名" in answer.json()["message"]
