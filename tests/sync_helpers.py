"""Real centers for sync tests: a township store served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from center.server import ReadyServer, create_app
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync.node import Node

TOWNSHIP_CODE = "430481101"
CLERK = "李春华"
CLERK_PIN = "582046"


@contextmanager
def serving(node: Node, on_stored: Callable[[], object] | None = None) -> Iterator[str]:
    """Serve `node` on 127.0.0.1 at a free port; yields its URL. `on_stored` as `create_app`'s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = ReadyServer(uvicorn.Config(create_app(node, on_stored=on_stored), log_level="warning", access_log=False,
                                    lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert server.ready.wait(20), "the center did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def make_center(home: Path, kind: str = "township", code: str = TOWNSHIP_CODE,
                database: str | None = None) -> Session:
    """A center's store in `home`; on the PostgreSQL database at `database` when given."""
    store = Store.create(home, village_code=code, village_name="兴宁镇便民服务中心" if kind ==
                         "township" else "资兴市政务服务中心", operator_name=CLERK, pin=CLERK_PIN,
                         kdf=TEST_KDF, node=kind, database=database)
    return store.login(CLERK, CLERK_PIN)


def statuses(session: Session) -> dict[str, Any]:
    return {s.id: s.status for s in session.list()}


def _proof_headers(url: str, session: Session, cursor: int, path: str) -> dict[str, str]:
    """What the village's own client sends: its request signed by the device (`sync.proof`)."""
    import httpx

    from sync import proof

    center = httpx.get(f"{url}/v1/health", timeout=30).json()["device"]
    proof.ensure_request_key(session.store.database, Node.of(session).keys)
    return proof.prove(session.store.database, device=session.store.info.device_id,
                       center=center, cursor=cursor, path=path)


def signed_sync(url: str, session: Session, body: bytes, *, cursor: int = 0,
                device: str | None = None) -> Any:
    """POST /v1/sync as `session`'s device, with its proof (`device` overrides the query only)."""
    import httpx

    headers = _proof_headers(url, session, cursor, "sync")
    return httpx.post(f"{url}/v1/sync", content=body, timeout=30, headers=headers,
                      params={"device": device or session.store.info.device_id, "cursor": cursor})


def signed_status(url: str, session: Session) -> Any:
    import httpx

    return httpx.get(f"{url}/v1/status", params={"device": session.store.info.device_id,
                                                 "cursor": 0},
                     headers=_proof_headers(url, session, 0, "status"), timeout=30)
