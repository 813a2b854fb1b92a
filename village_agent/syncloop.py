"""The app's sync with the township: a background thread that keeps at it, and the agent's "sync now".

The sync itself needs no PIN: outgoing messages were sealed when they were
recorded, and acknowledgements are checked with public keys
(docs/sync-protocol.md), so the loop works on the store alone. With an
operator logged in, decisions that came down are opened and filed too. One lock per app keeps the loop and "sync now"
from running two sessions at once; stopping takes effect between two pieces of
an upload, not after the whole of it.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import threading
from collections.abc import Callable

import httpx

from storage.crypto import DecryptionFailed
from storage.errors import StorageError
from storage.store import Session, Store
from sync.client import TIMEOUT, Progress, SyncReport, probe, sync_once
from sync.errors import SyncError
from sync.node import Node
from sync.retry import Outcome, RetryLoop
from sync.village import apply_inbox
from village_agent.syncjobs import township_peer

NOW_MAX_BYTES = 8 * 1024 * 1024  # the agent is watching the bar: a day's scans in one session
LOOP_MAX_BYTES = 512 * 1024  # the loop goes round again at once while the township keeps up
SEND_BUFFER = 64 * 1024


class Stopped(httpx.TransportError):
    """Raised between two pieces of an upload when the loop is told to stop (logout, quit).

    An `httpx` transport error, so `sync_once` treats it as a cut link: whole
    messages already at the township are kept there, and the next session asks
    what arrived and sends only the rest.
    """


def make_client() -> httpx.Client:
    """An HTTP client whose socket holds back little of the upload.

    Left alone, the kernel takes megabytes of a bundle into its buffers at once:
    the progress bar would jump to the end and then wait, and a stop could not
    land between pieces. A 64 KiB send buffer keeps both honest; on a village
    link (a few Mbit/s at most) it costs no speed.
    """
    transport = httpx.HTTPTransport(
        socket_options=[(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)])
    return httpx.Client(timeout=TIMEOUT, transport=transport)


def township_url(store: Store) -> str:
    peer = township_peer(store)
    return peer.url if peer else ""


def sync_now(store: Store, session: Session | None, lock: threading.Lock, progress: Progress,
             waiting: Callable[[], object] | None = None,
             stop: threading.Event | None = None) -> SyncReport:
    """One session now, with progress; waits for a background session already under way.

    Setting `stop` (the app is closing) ends the upload at its next piece, as the loop's does.
    """

    def checked(stage: str, done: int, total: int) -> None:
        if stop is not None and stop.is_set():
            raise Stopped("the app is closing")
        progress(stage, done, total)

    if not lock.acquire(blocking=False):
        if waiting is not None:
            waiting()
        lock.acquire()
    try:
        with make_client() as client:
            return sync_once(store, session=session, client=client, progress=checked, force=True,
                             max_bytes=NOW_MAX_BYTES)
    finally:
        lock.release()


class BackgroundSync:
    """Probe, sync, back off with jitter while the township is away (`sync.retry`); `stop()` ends it promptly.

    `on_report` is called in the loop's thread after every session (the app
    posts a message from there); never after `stop()`. `wake()` (an
    application was just recorded) starts a session without waiting out the interval.
    """

    def __init__(self, store: Store, *, on_report: Callable[[SyncReport], object],
                 session: Session | None = None, lock: threading.Lock | None = None,
                 interval: float = 60.0, max_bytes: int = LOOP_MAX_BYTES,
                 rng: random.Random | None = None) -> None:
        self.store, self.session = store, session
        self.lock = lock or threading.Lock()
        self.max_bytes = max_bytes
        self.loop = RetryLoop(self._one_session, _judge, interval=interval, on_report=on_report,
                              rng=rng, name="village-sync")

    def start(self) -> None:
        self.loop.start()

    def stop(self) -> None:
        """Ask the loop to end; returns at once (the UI must not wait on the network)."""
        self.loop.stop()

    def wake(self) -> None:
        """New work was recorded: sync now rather than after the interval or backoff."""
        self.loop.wake()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True when it has."""
        return self.loop.join(timeout)

    @property
    def alive(self) -> bool:
        return self.loop.alive

    @property
    def sessions(self) -> int:
        """Sessions reported so far."""
        return self.loop.rounds

    def wait_sessions(self, n: int, timeout: float) -> bool:
        """Block until `n` sessions have been reported (for callers that must know one ended)."""
        return self.loop.wait_rounds(n, timeout)

    def _one_session(self) -> SyncReport:
        url = township_url(self.store)
        if not url:
            return SyncReport().failed("not_enrolled", "sync.client.not_enrolled")
        if not probe(url):
            return SyncReport().failed("offline", "sync.client.offline")
        try:
            with self.lock:
                if self.loop.stopping:
                    return SyncReport(error="stopped")
                with make_client() as client:
                    report = sync_once(self.store, client=client, progress=self._check_stop,
                                       max_bytes=self.max_bytes)
                # Decisions that came down earlier (a CLI sync, a stick) are filed on the first round.
                if report.ok and self.session is not None and (report.downstream_new
                                                               or not self.sessions):
                    report.applied = apply_inbox(Node.of(self.session))
            return report
        except (StorageError, SyncError, DecryptionFailed, sqlite3.Error) as exc:
            # The store could not take the answer in (disk full, a damaged record): say so
            # through the report and try again later; what was committed stays committed.
            return SyncReport(error=type(exc).__name__)

    def _check_stop(self, stage: str, done: int, total: int) -> None:
        if self.loop.stopping:
            raise Stopped("the app is closing or logging out")


def _judge(report: SyncReport) -> Outcome:
    """The township took what we sent and more is due: carry on at once; else wait or back off."""
    more = bool(report.ok and report.sent and report.custody + report.done and report.pending_after)
    return Outcome(answered=report.ok, more=more)
