"""Scans travel as sealed 64 KiB chunks and arrive whole, once, at the center."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from center.enroll import issue_code
from forms.catalog import Catalog
from storage import attachments, sync_outbox
from storage.attachments import IncomingFile
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import signed_sync
from village_agent import intake


def test_a_300_kb_scan_arrives_whole_in_chunks_and_only_once(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    scan = os.urandom(300 * 1024)  # a phone photo does not compress
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), [IncomingFile("id_card", "身份证.jpg", scan)],
                         today=TODAY).application_ids[0]
    chunks = [r for r in sync_outbox.outbox_rows(session.store.database)]
    assert len(chunks) == 2 + 5  # two events and ceil(300 / 64) chunks

    report = sync_once(session.store, session=session, max_bytes=10_000_000)
    assert report.ok and report.sent == 7 and report.done == 7
    with node.session.store.database.read() as db:
        linked = db.execute("SELECT label, attachment_id FROM application_attachments"
                            " WHERE application_id = ?", [app_id]).fetchall()
        assert [row[0] for row in linked] == ["id_card"]
        assert attachments.load(db, node.session.keys, linked[0][1]) == scan
        assert db.execute("SELECT count(*) FROM attachment_parts").fetchone()[0] == 0
    again = sync_once(session.store, session=session, force=True)
    assert again.ok and again.sent == 0
    assert session.verify().ok and node.session.verify().ok


def test_a_small_byte_budget_spreads_a_backlog_over_sessions_without_loss(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    for _ in range(3):
        intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                    [IncomingFile("id_card", "scan.jpg", os.urandom(100_000))], today=TODAY)
    sessions = 0
    while [r for r in sync_outbox.outbox_rows(session.store.database) if r["state"] == "pending"]:
        assert sync_once(session.store, session=session, max_bytes=150_000).ok
        sessions += 1
        assert sessions < 20
    assert sessions > 1
    with node.session.store.database.read() as db:
        assert db.execute("SELECT count(*) FROM application_attachments").fetchone()[0] == 3


def test_upload_progress_is_reported_as_the_bytes_go(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                [IncomingFile("id_card", "scan.jpg", os.urandom(200_000))], today=TODAY)
    seen: list[tuple[int, int]] = []
    report = sync_once(session.store, session=session,
                       progress=lambda phase, done, total: seen.append((done, total)))
    assert report.ok
    totals = {t for _, t in seen}
    assert len(totals) == 1 and seen[0][0] == 0 and seen[-1][0] == seen[-1][1]
    assert len(seen) > 10 and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_scan_pieces_that_arrive_before_their_application_are_assembled_when_it_comes(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:

    from sync import bundlefile

    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    scan = os.urandom(100_000)
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), [IncomingFile("id_card", "s.jpg", scan)],
                         today=TODAY).application_ids[0]
    rows = sync_outbox.outbox_rows(session.store.database)
    events_ = [r["seq"] for r in rows][:2]
    chunks = [r["seq"] for r in rows][2:]
    for seqs in (chunks, events_):  # the pieces first, then the application
        body = bundlefile.pack(sync_outbox.outbox_messages(session.store.database, seqs))
        assert signed_sync(url, session, body).headers["X-Stored"] == str(len(seqs))
    with node.session.store.database.read() as db:
        (address,) = db.execute("SELECT attachment_id FROM application_attachments"
                                " WHERE application_id = ?", [app_id]).fetchone()
        assert attachments.load(db, node.session.keys, address) == scan
        assert db.execute("SELECT count(*) FROM attachment_parts").fetchone()[0] == 0


def test_waiting_scan_pieces_keep_the_scans_file_name_sealed_at_the_center(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    """Pieces whose application has not come yet wait at the center; what they say stays sealed."""

    from sync import bundlefile

    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    file_name = "张建国身份证正面.jpg"
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                [IncomingFile("id_card", file_name, os.urandom(100_000))], today=TODAY)
    chunks = [r["seq"] for r in sync_outbox.outbox_rows(session.store.database)][2:]
    body = bundlefile.pack(sync_outbox.outbox_messages(session.store.database, chunks))
    assert signed_sync(url, session, body).headers["X-Stored"] == str(len(chunks))
    with node.session.store.database.read() as db:
        assert db.execute("SELECT count(*) FROM attachment_parts").fetchone()[0] == len(chunks)
    for path in node.session.store.home.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for form in (file_name.encode("utf-8"), file_name.encode("utf-16-le"),
                         file_name.encode("unicode_escape")):
                assert form not in content, f"the scan's file name is readable in {path.name}"


@pytest.mark.parametrize("order", ["pieces_first", "events_first"])
def test_a_one_stop_bundles_shared_scan_reaches_both_applications_at_township_and_county(
    order: str, session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    """一件事: two applications (both county items) share one scan, each with its own pieces.

    The pieces carry the same content address; when they wait at a center for their
    applications, the second application's must not be lost under the first's.
    """

    from center.upstream import forward_once
    from sync import bundlefile
    from tests.helpers import scan as scan_file
    from tests.helpers import template_data
    from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving

    county = Node.of(make_center(tmp_path / "county", "county", "430481"))
    township = Node.of(make_center(tmp_path / "township"))
    content = os.urandom(150_000)  # three pieces each
    with serving(county) as county_url, serving(township) as township_url:
        enroll_online(township.session, county_url, issue_code(county, TOWNSHIP_CODE))
        enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
        apps = intake.take(session, catalog, session.calendar(), "YJS-CJR",
                           template_data(catalog, "YJS-CJR"),
                           [scan_file("id_card", "身份证.jpg", content)], today=TODAY).application_ids
        assert len(apps) == 2
        rows = sync_outbox.outbox_rows(session.store.database)
        events_ = [r["seq"] for r in rows][:4]
        chunks = [r["seq"] for r in rows][4:]
        assert len(chunks) == 6  # each application sends the scan in its own pieces
        batches = (chunks, events_) if order == "pieces_first" else (events_, chunks)
        for seqs in batches:
            body = bundlefile.pack(sync_outbox.outbox_messages(session.store.database, seqs))
            answer = signed_sync(township_url, session, body)
            assert answer.headers["X-Stored"] == str(len(seqs))
        up = forward_once(township)  # relayed in the order they arrived
        assert up.ok and up.forwarded == 10 and up.acknowledged == 10, up

    for center in (township, county):
        with center.session.store.database.read() as db:
            for app_id in apps:
                linked = db.execute("SELECT label, attachment_id FROM application_attachments"
                                    " WHERE application_id = ?", [app_id]).fetchall()
                assert [label for label, _ in linked] == ["id_card"], (center.kind, app_id)
                assert attachments.load(db, center.session.keys, linked[0][1]) == content
            assert db.execute("SELECT count(*) FROM attachment_parts").fetchone()[0] == 0
    county.session.store.close()
    township.session.store.close()


def test_pieces_kept_by_a_version_before_m009_are_assembled_when_their_application_comes(
    session: Session, catalog: Catalog, tmp_path: Path
) -> None:
    """A township upgraded while pieces waited (kept without their application's id) loses none."""
    import sqlite3

    from storage.store import Store
    from sync import bundlefile
    from tests.sync_helpers import CLERK, CLERK_PIN, make_center, serving

    home = tmp_path / "township"
    township = Node.of(make_center(home))
    scan = os.urandom(100_000)
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), [IncomingFile("id_card", "s.jpg", scan)],
                         today=TODAY).application_ids[0]

    def post(url: str, seqs: list[int]) -> None:
        body = bundlefile.pack(sync_outbox.outbox_messages(session.store.database, seqs))
        assert signed_sync(url, session, body).headers["X-Stored"] == str(len(seqs))

    with serving(township) as url:
        enroll_online(session, url, issue_code(township, VILLAGE_CODE))
        seqs = [r["seq"] for r in sync_outbox.outbox_rows(session.store.database)]
        post(url, seqs[2:])  # the pieces; the application's events have not come
    township.session.store.close()

    conn = sqlite3.connect(home / "village.db", isolation_level=None)
    try:  # the table as m005 and m006 left it, and m009 not yet applied
        conn.execute("BEGIN")
        rows = conn.execute("SELECT sender, address, chunk_offset, content, facts"
                            " FROM attachment_parts").fetchall()
        assert len(rows) == 2
        conn.execute("DROP TABLE attachment_parts")
        conn.execute("CREATE TABLE attachment_parts (sender TEXT NOT NULL, address TEXT NOT NULL,"
                     " chunk_offset INTEGER NOT NULL, content BLOB NOT NULL, facts TEXT NOT NULL"
                     " DEFAULT '{}', PRIMARY KEY (sender, address, chunk_offset))")
        conn.executemany("INSERT INTO attachment_parts VALUES (?, ?, ?, ?, ?)", rows)
        assert conn.execute("DELETE FROM _sqlite_migrations"
                            " WHERE name = 'm009_parts_per_application'").rowcount == 1
        conn.execute("COMMIT")
    finally:
        conn.close()

    store = Store.open(home)  # applies m009
    township = Node.of(store.login(CLERK, CLERK_PIN))
    with township.session.store.database.read() as db:
        assert db.execute("SELECT DISTINCT application_id FROM attachment_parts").fetchall() == [("",)]
    with serving(township) as url:
        post(url, seqs[:2])
    with township.session.store.database.read() as db:
        (address,) = db.execute("SELECT attachment_id FROM application_attachments"
                                " WHERE application_id = ?", [app_id]).fetchone()
        assert attachments.load(db, township.session.keys, address) == scan
        assert db.execute("SELECT count(*) FROM attachment_parts").fetchone()[0] == 0
    store.close()
