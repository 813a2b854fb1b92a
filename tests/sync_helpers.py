"""Real centers for sync tests: a township store served by uvicorn on a loopback port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync.node import Node
from sync.server import ReadyServer, create_app

TOWNSHIP_CODE = "430481101"
CLERK = "李春华"
CLERK_PIN = "582046"


@contextmanager
def serving(node: Node) -> Iterator[str]:
    """Serve `node` on 127.0.0.1 at a free port; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = ReadyServer(uvicorn.Config(create_app(node), log_level="warning", access_log=False,
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


def make_center(home: Path, kind: str = "township", code: str = TOWNSHIP_CODE) -> Session:
    store = Store.create(home, village_code=code, village_name="兴宁镇便民服务中心" if kind ==
                         "township" else "资兴市政务服务中心", operator_name=CLERK, pin=CLERK_PIN,
                         kdf=TEST_KDF, node=kind)
    return store.login(CLERK, CLERK_PIN)


def statuses(session: Session) -> dict[str, Any]:
    return {s.id: s.status for s in session.list()}
