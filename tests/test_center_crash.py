"""SIGKILL of a real `service-center serve` while villages sync: nothing acknowledged is lost, nothing doubles."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from forms.catalog import Catalog
from storage import sync_outbox
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import village
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import AGENT, PIN
from tests.sync_helpers import CLERK, CLERK_PIN, TOWNSHIP_CODE
from tests.test_ingest_group_commit import take_applications, village_code
from tests.test_sync_processes import Center

VILLAGES = 6
APPS = 12
SESSION_BYTES = 8 * 1024  # a few messages a session: the kill lands between and inside sessions


def _acknowledged(session: Session) -> set[tuple[str, int]]:
    device = session.store.info.device_id
    with session.store.database.read() as db:
        return {(device, int(r[0])) for r in db.execute(
            "SELECT seq FROM outbox WHERE state IN ('custody', 'done')")}


def _pending(session: Session) -> int:
    return sum(1 for r in sync_outbox.outbox_rows(session.store.database) if r["state"] == "pending")


def _sync_until_done_or_cut(session: Session, answered: threading.Event) -> None:
    while _pending(session):
        report = sync_once(session.store, max_bytes=SESSION_BYTES, force=True)
        if not report.ok:
            return  # the center is gone
        answered.set()


def _center_holds(home: Path) -> tuple[set[tuple[str, int]], Counter[str], Counter[str]]:
    """What the center's store holds: received messages, `created` and `received` per case."""
    store = Store.open(home)
    try:
        db = store.database.db
        received = {(str(r[0]), int(r[1])) for r in db.execute("SELECT sender, seq FROM received")}
        created = Counter(str(r[0]) for r in db.execute(
            "SELECT application_id FROM events WHERE type = 'created'"))
        receipts = Counter(str(r[0]) for r in db.execute(
            "SELECT application_id FROM events WHERE type = 'received'"))
        report = store.login(CLERK, CLERK_PIN).verify()
        assert report.ok, report.problems
    finally:
        store.close()
    return received, created, receipts


@pytest.mark.slow
def test_center_killed_while_villages_sync_keeps_every_acknowledged_message_once(
        tmp_path: Path, catalog: Catalog, center_backend: str | None) -> None:
    """On either backend (`center_backend`): the SQLite file, or a real PostgreSQL server."""
    center = Center(tmp_path / "township")
    database = ("--database", center_backend) if center_backend else ()
    center.run("init", "--level", "township", "--code", TOWNSHIP_CODE, "--name",
               "兴宁镇便民服务中心", "--operator", CLERK, *database)
    url = center.start()
    try:
        villages: list[Session] = []
        taken: list[str] = []
        for i in range(VILLAGES):
            code = json.loads(str(center.run("--json", "enroll-code", "--village-code",
                                             village_code(i))))["code"]
            store = Store.create(tmp_path / f"v{i}", village_code=village_code(i),
                                 village_name="石鼓村", operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
            session = store.login(AGENT, PIN)
            enroll_online(session, url, code)
            taken += take_applications(session, catalog, village_code(i), APPS)
            village.seal_outbox(Node.of(session))
            villages.append(session)

        answered = threading.Event()
        threads = [threading.Thread(target=_sync_until_done_or_cut, args=(s, answered))
                   for s in villages]
        for thread in threads:
            thread.start()
        assert answered.wait(120), "no session was answered"
        center.kill()  # mid-ingest: the other villages' sessions are on the wire or being filed
        for thread in threads:
            thread.join(120)
    finally:
        center.kill()

    acked = set().union(*(_acknowledged(s) for s in villages))
    assert acked, "the first answer acknowledged messages"
    assert sum(_pending(s) for s in villages) > 0, "the kill came after all work was done"
    received, created, receipts = _center_holds(center.home)
    assert acked <= received, "acknowledged but lost"
    assert all(n == 1 for n in created.values()) and all(n == 1 for n in receipts.values())

    center.start()
    try:
        for session in villages:  # after a cut, the client first asks what was stored
            while _pending(session):
                assert sync_once(session.store, max_bytes=SESSION_BYTES, force=True).ok
    finally:
        center.kill()
    received, created, receipts = _center_holds(center.home)
    assert acked <= received
    assert set(created) == set(taken) and all(n == 1 for n in created.values())
    assert set(receipts) == set(taken) and all(n == 1 for n in receipts.values())
    for session in villages:
        session.store.close()
