"""Group commit at the center: sessions waiting together file in one transaction, each answered once durable."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from center import ingest, writer
from center.enroll import issue_code
from forms.catalog import Catalog
from forms.idnumber import make
from forms.templates import template
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import village
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import AGENT, PIN, TODAY
from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving
from village_agent import intake


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend



def village_code(i: int) -> str:
    return f"{TOWNSHIP_CODE}{201 + i:03d}"


def take_applications(session: Session, catalog: Catalog, code: str, count: int) -> list[str]:
    form = template(catalog.get("MZ-GLJT"), village_code=code, today=TODAY)
    taken = []
    for n in range(count):
        data = json.loads(json.dumps(form))
        data["applicant"]["id_number"] = make(
            "430481", datetime.date(1930 + n % 15, 1 + n % 12, 1 + n % 28), n % 100,
            female=n % 2 == 0)
        result = intake.take(session, catalog, session.calendar(), "MZ-GLJT", data, today=TODAY)
        taken += result.application_ids
    return taken


def enrolled_villages(tmp_path: Path, center: Node, url: str, catalog: Catalog, villages: int,
                      apps: int) -> list[Session]:
    found = []
    for i in range(villages):
        store = Store.create(tmp_path / f"v{i}", village_code=village_code(i),
                             village_name="石鼓村", operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
        session = store.login(AGENT, PIN)
        enroll_online(session, url, issue_code(center, village_code(i)))
        take_applications(session, catalog, village_code(i), apps)
        village.seal_outbox(Node.of(session))
        found.append(session)
    return found


@pytest.fixture
def township(tmp_path: Path) -> Iterator[Node]:
    node = Node.of(make_center(tmp_path / "township"))
    yield node
    node.session.store.close()


def queued(session: Session) -> list[bytes]:
    return village.due_messages(session.store, now=float("inf"), max_bytes=1 << 30)[1]


def filed(node: Node) -> set[tuple[str, int]]:
    with node.session.store.database.read() as db:
        return {(str(r[0]), int(r[1])) for r in db.execute("SELECT sender, seq FROM received")}


def test_sessions_waiting_together_are_filed_in_one_transaction(
        township: Node, tmp_path: Path, catalog: Catalog) -> None:
    with serving(township) as url:
        sessions = enrolled_villages(tmp_path, township, url, catalog, villages=4, apps=2)
    one = writer.Writer(township, group=True)
    results = [ingest.Ingested() for _ in sessions]
    # While the store is busy the sessions queue; the writer then files what waits in one go.
    with township.session.store.database.write():
        futures = [one.submit(queued(s), r) for s, r in zip(sessions, results, strict=True)]
        assert not any(f.done() for f in futures)  # nothing is answered before its commit
    for future in futures:
        future.result(timeout=60)
    one.stop()
    assert one.commits <= 2  # the first session alone, perhaps; the rest together
    want = {(s.store.info.device_id, seq) for s in sessions for seq in range(1, 5)}
    assert want <= filed(township)
    assert all(len(r.stored) == 4 and not r.refused for r in results)


def test_one_commit_per_message_when_group_commit_is_off(
        township: Node, tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(township) as url:
        sessions = enrolled_villages(tmp_path, township, url, catalog, villages=2, apps=1)
    monkeypatch.setenv(writer.GROUP_ENV, "0")
    one = writer.Writer(township)
    for session in sessions:
        one.submit(queued(session), ingest.Ingested()).result(timeout=60)
    one.stop()
    assert one.commits == 4


def test_a_failing_message_rolls_back_alone_and_ends_only_its_own_session(
        township: Node, tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(township) as url:
        good, bad = enrolled_villages(tmp_path, township, url, catalog, villages=2, apps=2)
    bad_messages = queued(bad)
    poisoned = bad_messages[2]  # the second application's `created`
    real = ingest.ingest

    def failing(node: Node, raw: bytes, result: ingest.Ingested, *, via: str = "http") -> None:
        real(node, raw, result, via=via)  # its writes are made, then the filing fails
        if raw == poisoned:
            raise RuntimeError("disk controller fault while filing")

    monkeypatch.setattr(ingest, "ingest", failing)
    one = writer.Writer(township, group=True)
    with township.session.store.database.write():  # both sessions in one group
        bad_done = one.submit(bad_messages, ingest.Ingested())
        good_done = one.submit(queued(good), ingest.Ingested())
    with pytest.raises(RuntimeError):
        bad_done.result(timeout=60)
    assert len(good_done.result(timeout=60).stored) == 4
    one.stop()
    held = filed(township)
    bad_device, good_device = bad.store.info.device_id, good.store.info.device_id
    assert {(good_device, s) for s in range(1, 5)} <= held
    assert {(bad_device, 1), (bad_device, 2)} <= held  # before the failure: kept
    assert (bad_device, 3) not in held and (bad_device, 4) not in held
    # Its application never half-exists: the rolled-back `created` left no case behind.
    assert len(township.session.list()) == 3


def test_reads_do_not_wait_behind_an_open_ingest_transaction(
        township: Node, tmp_path: Path, catalog: Catalog) -> None:
    with serving(township) as url:  # the server reads on connections of its own
        (session,) = enrolled_villages(tmp_path, township, url, catalog, villages=1, apps=1)
        database = township.session.store.database
        writing, release = threading.Event(), threading.Event()

        def long_group() -> None:
            with database.write():
                ingest.ingest(township, queued(session)[0], ingest.Ingested())
                writing.set()
                release.wait(60)

        thread = threading.Thread(target=long_group)
        thread.start()
        try:
            assert writing.wait(60)
            # The writer holds its transaction open; a read on this thread is answered now,
            # from the last commit (the uncommitted `created` is not seen).
            assert township.session.list() == []
            assert filed(township) == set()
        finally:
            release.set()
            thread.join(60)
        assert len(filed(township)) == 1


def test_twenty_villages_syncing_at_once_are_each_acknowledged_for_what_was_filed(
        township: Node, tmp_path: Path, catalog: Catalog) -> None:
    with serving(township) as url:
        sessions = enrolled_villages(tmp_path, township, url, catalog, villages=20, apps=2)
        gate = threading.Barrier(len(sessions))
        reports = {}

        def one(s: Session) -> None:
            gate.wait()
            reports[s.store.info.device_id] = sync_once(s.store)

        threads = [threading.Thread(target=one, args=(s,)) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert all(r.ok and r.sent == 4 and r.custody + r.done == 4 for r in reports.values())
    assert len({a.id for a in township.session.list()}) == 40
