"""A submit's sealing work does not grow with the store's history (the outbox keeps every row)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from center.enroll import issue_code
from forms.catalog import Catalog
from forms.idnumber import make
from storage import sync_outbox
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
    sync_outbox.attachments_to_chunk(session.store.database, session.keys)
    assert _unmarked(session) == 0
    counting = CountingKeys(session.keys)
    assert sync_outbox.attachments_to_chunk(session.store.database, counting) == []  # type: ignore[arg-type]
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
    first = sync_outbox.attachments_to_chunk(session.store.database, session.keys)
    second = sync_outbox.attachments_to_chunk(session.store.database, session.keys)
    assert [c[3] for c in first] == [scan] and [c[3] for c in second] == [scan]


def _someone(entry: object, n: int) -> dict[str, object]:
    """The catalog's example filed by a different villager each time (as a village's years are)."""
    data = example(entry)  # type: ignore[arg-type]
    data["applicant"]["id_number"] = make("430481", date(1940, 1, 1) + timedelta(days=n), n % 100,
                                          female=n % 2 == 0)
    return data


@dataclass
class SubmitTrace:
    """What one submit did to the store: its statements and SQLite's VM steps, in tens."""

    statements: list[str]
    steps: int

    def count(self, verb: str) -> int:
        return sum(1 for s in self.statements if s.startswith(verb))


def _traced_submit(session: Session, catalog: Catalog, n: int) -> SubmitTrace:
    conn = session.store.database.conn
    trace = SubmitTrace([], 0)

    def step() -> int:
        trace.steps += 1
        return 0

    conn.set_trace_callback(trace.statements.append)
    conn.set_progress_handler(step, 10)
    try:
        intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                    _someone(catalog.get("MZ-GLJT"), n), today=TODAY)
    finally:
        conn.set_trace_callback(None)
        conn.set_progress_handler(None, 0)
    return trace


def test_a_submit_on_an_enrolled_store_is_one_write_transaction_sealed_inside_it(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    _traced_submit(session, catalog, 0)  # the session's device keys are opened once, here
    trace = _traced_submit(session, catalog, 1)
    assert trace.count("BEGIN") == 1 and trace.count("COMMIT") == 1, trace.statements
    # The sealing is in that transaction: between its BEGIN and its COMMIT.
    sealing = [i for i, s in enumerate(trace.statements) if s.startswith("UPDATE outbox SET state")]
    assert sealing and trace.statements.index("COMMIT") > max(sealing)
    with session.store.database.read() as db:
        states = {r[0] for r in db.execute("SELECT state FROM outbox WHERE kind = 'event'")}
    assert states == {"pending"}  # nothing waits for a later login to be sealed


def test_a_submit_does_the_same_work_after_hundreds_of_past_applications(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    for n in range(3):
        _traced_submit(session, catalog, n)
    early = _traced_submit(session, catalog, 3)
    counting = CountingKeys(session.keys)
    for n in range(4, 400):
        intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                    _someone(catalog.get("MZ-GLJT"), n), today=TODAY)
    late = _traced_submit(session, catalog, 400)
    assert len(late.statements) == len(early.statements)
    # SQLite's own count of the work: a scan of a growing table would multiply it (400 past
    # applications are 800 events and outbox rows); a deeper B-tree adds a little.
    assert late.steps <= early.steps * 1.3 + 5, (early.steps, late.steps)
    session.keys = counting  # type: ignore[assignment]
    intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                _someone(catalog.get("MZ-GLJT"), 401), today=TODAY)
    assert counting.opened <= 2  # its own two events, read back to be sealed; no past one
