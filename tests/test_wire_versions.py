"""Message versions between an older and a newer peer, over real HTTP on loopback.

A newer village at an older center, an older village at a newer center, and two newer
ones: each keeps working, in the version both read, with real messages of each version.
An "older" peer is the real server or client with the one thing an older one lacks taken
away: the `X-Wire` header it would never send (an ASGI layer in front of the center, an
httpx hook on the village). What such a peer can read is checked with a frozen copy of the
version-1 reader's first step: magic "VAM1" and a JSON header saying `"v":1`.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from center.enroll import issue_code
from center.server import ReadyServer, create_app
from forms.catalog import Catalog
from storage.store import Session
from sync import bundlefile, envelope, wire
from sync.client import enroll_online, sync_once
from sync.errors import reason_text
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, statuses
from village_agent import intake


def _frozen_v1_reads(raw: bytes) -> bool:
    """What a version-1-only reader accepts as a message's start (its parse, frozen here)."""
    if raw[:4] != b"VAM1":
        return False
    (length,) = struct.unpack_from(">I", raw, 4)
    header = json.loads(raw[8 : 8 + length])
    return bool(header.get("v") == 1)


class OlderCenter:
    """The real center as an older one is seen from outside: it neither says nor hears X-Wire."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k.lower() != b"x-wire"]}

        async def quiet(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [(k, v) for k, v in message["headers"]
                                                  if k.lower() != b"x-wire"]}
            await send(message)

        await self.app(scope, receive, quiet)


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = ReadyServer(uvicorn.Config(app, log_level="warning", access_log=False,
                                        lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(20), "the center did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def _older_village_client() -> httpx.Client:
    """The village's real client as an older one: it neither sends nor reads X-Wire."""
    def strip_request(request: httpx.Request) -> None:
        request.headers.pop(wire.HEADER, None)

    def strip_answer(response: httpx.Response) -> None:
        response.headers.pop(wire.HEADER, None)

    return httpx.Client(timeout=60, event_hooks={"request": [strip_request],
                                                 "response": [strip_answer]})


def _township(tmp_path: Path) -> Node:
    return Node.of(make_center(tmp_path / "township"))


def _take(session: Session, catalog: Catalog) -> str:
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                       example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]


def _held_at_center(node: Node) -> list[bytes]:
    with node.session.store.database.read() as db:
        return [bytes(r[0]) for r in db.execute("SELECT raw FROM received ORDER BY seq")]


def _inbox(session: Session) -> list[bytes]:
    with session.store.database.read() as db:
        return [bytes(r[0]) for r in db.execute("SELECT raw FROM inbox ORDER BY dseq")]


def _round(session: Session, node: Node, url: str, catalog: Catalog,
           client: httpx.Client | None = None) -> str:
    enroll_online(session, url, issue_code(node, VILLAGE_CODE), client=client)
    app_id = _take(session, catalog)
    report = sync_once(session.store, session=session, client=client)
    assert report.ok and report.sent == 2 and not report.refused, report
    assert statuses(node.session) == {app_id: "received"}
    assert statuses(session)[app_id] == "received"  # the decision came down and opened
    return app_id


def test_a_newer_village_at_an_older_center_writes_version_1_and_everything_flows(
        tmp_path: Path, session: Session, catalog: Catalog) -> None:
    node = _township(tmp_path)
    with _serve(OlderCenter(create_app(node))) as url:
        app_id = _round(session, node, url, catalog)
        held = _held_at_center(node)
        assert held and all(_frozen_v1_reads(raw) for raw in held)
        # Decisions keep flowing down to it, in the version it reads.
        from center import ingest

        ingest.decide(node, app_id, "accepted", {})
        assert sync_once(session.store, session=session, force=True).ok
        assert statuses(session)[app_id] == "accepted"
    assert all(_frozen_v1_reads(raw) for raw in _inbox(session))


def test_an_older_village_at_a_newer_center_gets_version_1_decisions(
        tmp_path: Path, session: Session, catalog: Catalog) -> None:
    node = _township(tmp_path)
    with _serve(create_app(node)) as url, _older_village_client() as client:
        _round(session, node, url, catalog, client)
    assert all(_frozen_v1_reads(raw) for raw in _held_at_center(node))
    down = _inbox(session)
    assert down and all(_frozen_v1_reads(raw) for raw in down)


def test_two_newer_peers_speak_version_2_both_ways_and_it_is_smaller(
        tmp_path: Path, session: Session, catalog: Catalog) -> None:
    node = _township(tmp_path)
    with _serve(create_app(node)) as url:
        _round(session, node, url, catalog)
    held, down = _held_at_center(node), _inbox(session)
    assert held and all(envelope.parse(raw).header.version == 2 for raw in held)
    assert down and all(envelope.parse(raw).header.version == 2 for raw in down)
    assert not any(_frozen_v1_reads(raw) for raw in held + down)


def test_a_message_the_center_cannot_read_is_refused_with_a_word_to_update_and_kept(
        tmp_path: Path, session: Session, catalog: Catalog,
        monkeypatch: pytest.MonkeyPatch) -> None:
    node = _township(tmp_path)
    with _serve(create_app(node)) as url:
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        _take(session, catalog)
        from storage import sync_outbox

        with session.store.database.read() as db:
            sealed = [bytes(r[0]) for r in db.execute(
                "SELECT sealed FROM outbox WHERE sealed IS NOT NULL")]
        assert sealed and all(envelope.parse(raw).header.dictionary for raw in sealed)
        # A center of another release: it lacks the dictionary these were written with.
        monkeypatch.setattr(wire, "dictionaries", lambda: {})
        report = sync_once(session.store, session=session)
        assert "unknown_dictionary" in report.refused, report
        assert statuses(node.session) == {}  # nothing filed from what it could not read
        pending = [r["state"] for r in sync_outbox.outbox_rows(session.store.database)]
        assert set(pending) == {"pending"}, pending  # kept, to send to an updated center
        monkeypatch.undo()  # the center updated: the same messages go again and are filed
        again = sync_once(session.store, session=session, force=True)
        assert again.ok and not again.refused, again
        assert list(statuses(node.session).values()) == ["received"]
    said = reason_text("unknown_dictionary")
    assert said.startswith("数据包使用了") and "更新" in said


def test_a_bundle_of_both_versions_files_each_once(
        tmp_path: Path, session: Session, catalog: Catalog) -> None:
    """A village that learned of version 2 with version-1 rows still queued sends both."""
    node = _township(tmp_path)
    with _serve(OlderCenter(create_app(node))) as older:
        enroll_online(session, older, issue_code(node, VILLAGE_CODE))
        first = _take(session, catalog)  # sealed as version 1: the center said nothing
    with _serve(create_app(node)) as url:
        from storage import sync_peers

        # The same center, upgraded, at a new address: its first answer says version 2.
        syncstate_peers = sync_peers.peers(session.store.database, "township")
        with session.store.database.write() as db:
            db.execute("UPDATE peers SET url = ? WHERE device_id = ?",
                       (url, syncstate_peers[-1].device_id))
        assert sync_once(session.store, session=session).ok
        second = _take(session, catalog)  # sealed as version 2 now
        assert sync_once(session.store, session=session).ok
    held = _held_at_center(node)
    versions = sorted(envelope.parse(raw).header.version for raw in held)
    assert versions == [1, 1, 2, 2]
    assert statuses(node.session) == {first: "received", second: "received"}
    assert len(bundlefile.pack(held)) > 0
