"""Sync through a real, seeded fault-injecting TCP proxy: cuts, resets and responses lost after commit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import sync_outbox
from storage.attachments import IncomingFile
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.faultproxy import FaultPlan, ThreadedFaultProxy
from tests.forms_helpers import example
from tests.sync_helpers import make_center, serving
from village_agent import intake


@pytest.fixture
def link(tmp_path: Path, session: Session) -> Iterator[tuple[Node, ThreadedFaultProxy]]:
    """A township behind a proxy; the village enrolled through the proxy (so it syncs through it)."""
    township = Node.of(make_center(tmp_path / "township"))
    with serving(township) as url:
        target = urlparse(url)
        with ThreadedFaultProxy(target.hostname or "127.0.0.1", target.port or 0, seed=7,
                                plan=FaultPlan()) as proxy:
            enroll_online(session, proxy.url, issue_code(township, VILLAGE_CODE))
            yield township, proxy
    township.session.store.close()


def _received(node: Node) -> list[tuple[str, int]]:
    with node.session.store.database.read() as db:
        return [(r[0], r[1]) for r in db.execute("SELECT sender, seq FROM received ORDER BY seq")]


def _pending(session: Session) -> int:
    return sum(1 for r in sync_outbox.outbox_rows(session.store.database) if r["state"] == "pending")


def test_a_backlog_with_scans_arrives_exactly_once_through_repeated_cuts(
    session: Session, link: tuple[Node, ThreadedFaultProxy], catalog: Catalog
) -> None:
    township, proxy = link
    scans = {}
    for i in range(6):
        scan = os.urandom(150_000 + i)
        app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                             example(catalog.get("MZ-GLJT")), [IncomingFile("id_card", "s.jpg", scan)],
                             today=TODAY).application_ids[0]
        scans[app_id] = scan
    total = sum(r["size"] for r in sync_outbox.outbox_rows(session.store.database))
    # Every one of the first five connections is cut partway; then the link holds.
    proxy.plan = FaultPlan(cut_after_bytes=[90_000, 120_000, 30_000, 250_000, 70_000])
    sessions = 0
    while _pending(session):
        sync_once(session.store, session=session, force=True, max_bytes=2_000_000)
        sessions += 1
        assert sessions < 25, "the backlog never drained"
    stats = proxy.stats
    assert stats.cuts >= 5
    received = _received(township)
    assert len(received) == len(set(received))  # exactly once
    assert len(township.session.list()) == 6
    from storage import attachments

    with township.session.store.database.read() as db:
        for app_id, scan in scans.items():
            (address,) = db.execute("SELECT attachment_id FROM application_attachments"
                                    " WHERE application_id = ?", [app_id]).fetchone()
            assert attachments.load(db, township.session.keys, address) == scan
    # Cuts cost little: what crossed upstream is the backlog plus at most a chunk-sized loss per cut.
    assert stats.bytes_upstream < total + stats.cuts * (80 * 1024) + 50_000
    assert session.verify().ok and township.session.verify().ok


def test_a_response_lost_after_the_center_committed_is_not_stored_twice(
    session: Session, link: tuple[Node, ThreadedFaultProxy], catalog: Catalog
) -> None:
    township, proxy = link
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                today=TODAY)
    proxy.plan = FaultPlan(drop_response=True)
    lost = sync_once(session.store, session=session)
    assert not lost.ok
    assert len(_received(township)) == 2  # the center did commit before the answer was lost
    assert _pending(session) == 2  # and the village, not knowing, keeps both

    proxy.plan = FaultPlan()
    retry = sync_once(session.store, session=session, force=True)
    assert retry.ok and retry.round_trips == 2  # asked what was stored first, then sent nothing
    assert retry.sent == 0 and retry.done == 2
    assert len(_received(township)) == 2 and len(township.session.list()) == 1
