"""The center's HTTP face: a Starlette application served by uvicorn.

Every route does its store work in a worker thread (the store has one owner
of writes and its own lock); the event loop never touches SQLite. The messages
of sync sessions go to the one ingest writer (`center.writer`), which files the
sessions waiting together in one transaction; each session is answered once
its messages are durable. Reads (acks, console pages) have connections of their
own and never wait behind it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from center import enroll as center_enroll
from center import error_texts as error_texts  # the refusals' words join the catalogue
from center import ingest
from center.writer import Writer
from forms import strictjson
from storage import sync_peers
from storage.messages import say
from sync import bundlefile, clock, enroll, proof, wire
from sync.errors import BundleRejected
from sync.keys import PublicIdentity
from sync.node import Node

BUNDLE = "application/vnd.village-agent.bundle"


def create_app(node: Node, *, console: bool = True, secure_cookies: bool = False,
               on_stored: Callable[[], object] | None = None) -> Starlette:
    """The sync API under /v1 and, unless told otherwise, the clerks' console under /console.

    `on_stored` is called after a sync filed new messages (the township wakes its forward to
    the county with it: what a village sent for the county need not wait out the interval).
    """
    node.session.store.database.separate_reads()
    writer = Writer(node)

    async def health(request: Request) -> Response:
        return JSONResponse({
            "ok": True, "node": node.kind, "code": node.code, "device": node.keys.device_id,
            "fingerprint": node.identity.fingerprint(),
        })

    async def enroll_route(request: Request) -> Response:
        try:
            body: Any = strictjson.loads(await request.body(), max_depth=4, max_bytes=64 * 1024)
        except strictjson.InvalidJSON:
            return _error(400, "malformed", say("zh", "center.enroll.malformed"))
        if not isinstance(body, dict):
            return _error(400, "malformed", say("zh", "center.enroll.malformed"))
        try:
            answer = await anyio.to_thread.run_sync(center_enroll.redeem, node, body)
        except enroll.EnrollmentError as exc:
            return _error(403, "enrollment", exc.zh)
        return JSONResponse(answer, headers={wire.HEADER: str(wire.READS)})

    async def prove(request: Request, path: str) -> tuple[str, int] | Response:
        """The asking device and its cursor, once its request proves it holds the device's key.

        Nothing about a device (its acknowledgement, its decisions) is answered to anyone else;
        the refusal says why, and for a replayed request the counter to move past.
        """
        device = request.query_params.get("device", "")
        try:
            cursor = int(request.query_params.get("cursor", "0"))
        except ValueError:
            return _error(400, "malformed", say("zh", "center.server.cursor_bad"))
        if not 0 <= cursor < 2**63:
            return _error(400, "malformed", say("zh", "center.server.cursor_range"))
        try:
            _, identity = node.peer_identity(device)
        except BundleRejected as exc:
            if exc.reason != "revoked":
                return _error(403, exc.reason, exc.zh)
            # A revoked device still hears that it is revoked, once it proves who it is.
            peer = sync_peers.peer(node.session.store.database, device)
            assert peer is not None
            identity = PublicIdentity.from_dict(peer.identity())
        skew = clock.offset_ms(request.headers.get(clock.REQUEST_HEADER))
        try:
            await anyio.to_thread.run_sync(lambda: _accept(
                node, request.headers, identity, device, cursor, path, skew))
        except proof.ProofError as exc:
            extra = {} if exc.next_counter is None else {"next_counter": exc.next_counter}
            return _error(401, exc.reason, exc.zh, **extra)
        return device, cursor

    async def status(request: Request) -> Response:
        proved = await prove(request, "status")
        if isinstance(proved, Response):
            return proved
        ack = await anyio.to_thread.run_sync(ingest.ack_for, node, proved[0])
        return Response(bundlefile.pack([ack]), media_type=BUNDLE,
                        headers={clock.ANSWER_HEADER: clock.stamp(), wire.HEADER: str(wire.READS)})

    async def sync_route(request: Request) -> Response:
        proved = await prove(request, "sync")
        if isinstance(proved, Response):
            return proved
        device, cursor = proved
        result = ingest.Ingested()
        stream = bundlefile.BundleStream()
        complete = True
        # Whole messages go to the writer as they arrive (a slow link's cut keeps them), in
        # order; the writer files them with whatever else waits.
        queued: list[Future[ingest.Ingested]] = []
        try:
            async for chunk in request.stream():
                arrived = stream.feed(chunk)
                if arrived:
                    queued.append(writer.submit(list(arrived), result))
            stream.close()
        except BundleRejected as exc:
            complete = False
            result.refused.append((device, None, exc.reason))
        except ClientDisconnect:
            # The link was cut mid-upload. Every whole message that arrived is filed; the
            # village learns which ones from /v1/status next time. Nobody is left to answer.
            await _durable(queued)
            return Response(status_code=400)
        # Answered only once the writer's COMMIT has returned: nothing unfiled is acknowledged.
        await _durable(queued)
        if result.stored and on_stored is not None:
            on_stored()
        # Our ack of the requester goes last and signs the position and all before it: the
        # header below is only for older villages, which cannot check it.
        items, last = await anyio.to_thread.run_sync(ingest.answer, node, device, result.senders,
                                                     cursor)
        headers = {
            "X-Downstream-Last": str(last),
            "X-Stored": str(len(result.stored)),
            "X-Duplicates": str(len(result.duplicates)),
            "X-Refused": ",".join(sorted({r[2] for r in result.refused})),
            "X-Complete": "1" if complete else "0",
            clock.ANSWER_HEADER: clock.stamp(),
            wire.HEADER: str(wire.READS),  # the message versions we read (sync/wire.py)
        }
        return Response(bundlefile.pack(items), media_type=BUNDLE, headers=headers)

    routes: list[BaseRoute] = [
        Route("/v1/health", health),
        Route("/v1/enroll", enroll_route, methods=["POST"]),
        Route("/v1/status", status),
        Route("/v1/sync", sync_route, methods=["POST"]),
    ]
    if console:
        from center.console.app import console_routes

        routes += console_routes(node, secure_cookies=secure_cookies)
    return Starlette(routes=routes)


async def _durable(queued: list[Future[ingest.Ingested]]) -> None:
    """Wait until the writer has committed (or failed) each piece; a failure fails the request."""
    for done in queued:
        await asyncio.wrap_future(done)


def _accept(node: Node, headers: Any, identity: PublicIdentity, device: str, cursor: int,
            path: str, skew_ms: int | None) -> None:
    """Take the request's proof, then note that the device was here: one transaction, one fsync.

    Proved, the device was here (last contact, even with nothing to send) and the skew figure
    is its own; a refused proof rolls all of it back.
    """
    with node.session.store.database.write() as db:
        proof.accept(node.session.store.database, headers, identity,
                     center=node.keys.device_id, cursor=cursor, path=path)
        sync_peers.touch_peer(db, device, None)
        # The message versions the device reads: what our decisions to it are sealed in.
        wire.remember(db, device, wire.said(headers.get(wire.HEADER)))
        if skew_ms is not None:
            sync_peers.record_skew(db, device, skew_ms)


def _error(code: int, kind: str, zh: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "error": kind, "message": zh, **extra}, status_code=code)


class ReadyServer(uvicorn.Server):
    """uvicorn that says when it is listening, so callers wait on an event, never a sleep."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()
        if self._on_ready:
            self._on_ready()


def serve(node: Node, host: str, port: int, on_ready: Callable[[], None] | None = None, *,
          tls_cert: str | None = None, tls_key: str | None = None,
          on_stored: Callable[[], object] | None = None) -> None:
    """Serve until stopped; HTTPS with uvicorn's own TLS when a certificate and key are given."""
    config = uvicorn.Config(create_app(node, secure_cookies=bool(tls_cert), on_stored=on_stored),
                            host=host, port=port,
                            log_level="warning", access_log=False, lifespan="off",
                            ssl_certfile=tls_cert, ssl_keyfile=tls_key)
    ReadyServer(config, on_ready).run()
