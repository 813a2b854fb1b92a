"""A submit's sealing work does not grow with the store's history (the outbox keeps every row)."""

from __future__ import annotations

import os

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import syncstate
from storage.attachments import IncomingFile
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from village_agent import intake


def _unmarked(session: Session) -> int:
    with session.store.database.read() as db:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'event' AND chunked = 0")
                   .fetchone()[0])


class CountingKeys:
    """The session's keys, counting how many sealed records are opened (pure bookkeeping)."""

    def __init__(self, keys: object) -> None:
        self.keys, self.opened = keys, 0

    def open_json(self, token: bytes, aad: str) -> object:
        self.opened += 1
        return self.keys.open_json(token, aad)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.keys, name)


def test_filed_events_are_opened_once_for_their_scans_then_never_again(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    for n in range(6):
        intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                    [IncomingFile("id_card", f"身份证{n}.jpg", os.urandom(2000))], today=TODAY)
    assert sync_once(session.store, session=session).ok
    # Rows whose scans are in chunk rows are marked at the next look; then nothing is left.
    syncstate.attachments_to_chunk(session.store.database, session.keys)
    assert _unmarked(session) == 0
    counting = CountingKeys(session.keys)
    assert syncstate.attachments_to_chunk(session.store.database, counting) == []  # type: ignore[arg-type]
    assert counting.opened == 0


def test_a_scan_returned_but_not_yet_chunked_is_returned_again(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """A crash between finding a scan and committing its chunks loses nothing: the row that
    lists it is marked only once its chunks are in the outbox."""
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    scan = os.urandom(3000)
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                [IncomingFile("id_card", "身份证.jpg", scan)], today=TODAY)
    with session.store.database.write() as db:  # as if the chunks had never been committed
        db.execute("DELETE FROM outbox WHERE kind = 'attachment_chunk'")
        db.execute("UPDATE outbox SET chunked = 0")
    first = syncstate.attachments_to_chunk(session.store.database, session.keys)
    second = syncstate.attachments_to_chunk(session.store.database, session.keys)
    assert [c[3] for c in first] == [scan] and [c[3] for c in second] == [scan]
