"""The village's sync session over HTTP (httpx): normally one round trip.

Push the due sealed messages; the answer carries the center's signed
acknowledgement and the downstream messages after our cursor. After a failed
session the next one first asks what was stored (one extra round trip), so a
cut never re-sends what the center already committed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from storage import events, sync_alarms, sync_inbox, sync_outbox, sync_peers
from storage.messages import say
from storage.store import Session, Store
from sync import audithead, bundlefile, clock, enroll, planner, proof, village, wire
from sync.errors import BundleRejected
from sync.node import Node

TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)

Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    ok: bool = False
    error: str = ""
    # Why it failed, as a catalogue key and its values: said in the reader's language (`message`).
    error_key: str = ""
    error_params: dict[str, Any] = field(default_factory=dict)
    sealed: int = 0
    sent: int = 0
    custody: int = 0
    done: int = 0
    downstream_new: int = 0
    applied: int = 0
    round_trips: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    pending_after: int = 0
    refused: list[str] = field(default_factory=list)
    restored: bool = False  # the township holds numbers past ours: counters moved (restored copy)
    clashes: int = 0  # messages the township holds other content under: numbered again at login
    resent: int = 0  # messages a township restored from a backup asked for again
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) application ids
    clock_skew_ms: int | None = None  # our clock minus the township's, on this session's answer

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def failed(self, error: str, key: str, **params: Any) -> SyncReport:
        self.error, self.error_key, self.error_params = error, key, params
        return self

    def message(self, lang: str) -> str:
        """Why the session failed, in `lang`; "" when it did not."""
        return say(lang, self.error_key, **self.error_params) if self.error_key else ""


def _failed_before(store: Store) -> bool:
    with store.database.read() as db:
        return events.meta_get(db, "sync_failed") == "1"


def _set_failed(store: Store, failed: bool) -> None:
    with store.database.write() as db:
        events.meta_set(db, "sync_failed", "1" if failed else "0")
        if not failed:
            events.meta_set(db, "last_contact", sync_alarms.now_iso())


def sync_once(
    store: Store,
    *,
    session: Session | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    max_bytes: int = 512 * 1024,
    force: bool = False,
) -> SyncReport:
    """One session with the township. With an operator's `session`, also seal and apply."""
    report = SyncReport()
    townships = [p for p in sync_peers.peers(store.database, "township") if not p.revoked]
    if not townships or not townships[-1].url:
        return report.failed("not_enrolled", "sync.client.not_enrolled")
    township = townships[-1]
    device = store.info.device_id
    node = Node.of(session) if session is not None else None
    if node is not None:
        proof.ensure_request_key(store.database, node.keys)
        report.renamed = [(r.old, r.new) for r in village.renumber(node)]
        report.sealed = village.seal_outbox(node)
        audithead.sign(node, township.device_id)
    own_client = client is None
    http = client or httpx.Client(timeout=TIMEOUT)
    seqs: list[int] = []
    try:
        if _failed_before(store):
            answer = proved_request(
                store, http, "GET", f"{township.url}/v1/status", device=device,
                center=township.device_id, cursor=0, path="status")
            report.round_trips += 1
            report.bytes_down += len(answer.content)
            _absorb(store, answer.content, device, None, report)
        seqs, batch = village.due_messages(
            store, max_bytes=max_bytes, now=float("inf") if force else None)
        body = bundlefile.pack([*village.down_acks(store, township.device_id),
                                *audithead.records(store, township.device_id), *batch])
        sync_outbox.mark_sent(store.database, seqs)
        cursor = sync_inbox.inbox_cursor(store.database, township.device_id)
        answer = proved_request(
            store, http, "POST", f"{township.url}/v1/sync", device=device,
            center=township.device_id, cursor=cursor, path="sync",
            content=lambda: _pieces(body, progress),
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(body))},
            timeout=upload_timeout(len(body)))
        report.round_trips += 1
        report.sent = len(seqs)
        report.bytes_up += len(body)
        report.bytes_down += len(answer.content)
        if progress:
            progress("push", len(body), len(body))
        # Unsigned: saved only if the township signs no position (an older one; sync/position.py).
        last = int(answer.headers.get("X-Downstream-Last", cursor))
        _absorb(store, answer.content, device, (township.device_id, last), report)
        refused = answer.headers.get("X-Refused", "")
        report.refused += [r for r in refused.split(",") if r]
        report.clock_skew_ms = clock.offset_ms(answer.headers.get(clock.ANSWER_HEADER))
    except proof.ProofError as exc:
        # The township would not answer this request (or it could not be signed): the link is
        # fine, so say why, keep everything, and try again on the usual schedule.
        _record_failure(store, seqs)
        _set_failed(store, True)
        return report.failed(exc.reason, exc.key, **exc.params)
    except (httpx.HTTPError, BundleRejected, ValueError) as exc:
        _record_failure(store, seqs)
        _set_failed(store, True)
        return report.failed(type(exc).__name__, "sync.client.cut")
    finally:
        if own_client:
            http.close()
    _set_failed(store, False)
    if node is not None:
        report.applied = village.apply_inbox(node)
    report.pending_after = sum(1 for r in sync_outbox.outbox_rows(store.database)
                               if r["state"] == "pending")
    report.ok = True
    return report


def proved_request(
    store: Store, http: httpx.Client, method: str, url: str, *, device: str, center: str,
    cursor: int, path: str, content: Callable[[], Iterator[bytes]] | None = None,
    headers: dict[str, str] | None = None, timeout: httpx.Timeout | None = None,
) -> httpx.Response:
    """A request signed with this device's request key (`sync.proof`); its answer, if a 2xx.

    A center that holds a later counter from us (this store was restored from a backup)
    says which counter it takes next: we move past it and ask once more. Any other
    refusal raises ProofError with the center's own words; an HTTP failure raises as usual.
    """
    at_least = 0
    for attempt in range(2):
        signed_headers = proof.prove(store.database, device=device, center=center,
                                     cursor=cursor, path=path, at_least=at_least)
        answer = http.request(
            method, url, params={"device": device, "cursor": cursor},
            headers={**(headers or {}), **signed_headers, clock.REQUEST_HEADER: clock.stamp(),
                     wire.HEADER: str(wire.READS)},
            content=content() if content is not None else None,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        if answer.status_code not in (401, 403):
            answer.raise_for_status()
            skew = clock.offset_ms(answer.headers.get(clock.ANSWER_HEADER))
            with store.database.write() as db:
                if skew is not None:
                    sync_peers.record_skew(db, center, skew)
                # The message versions the center reads: what we seal to it from now on.
                wire.remember(db, center, wire.said(answer.headers.get(wire.HEADER)))
            return answer
        try:
            said = answer.json()
        except ValueError:
            said = {}
        said = said if isinstance(said, dict) else {}
        reason = str(said.get("error") or "bad_proof")
        following = said.get("next_counter")
        if (attempt == 0 and reason == "stale_request" and isinstance(following, int)
                and 0 < following < proof.MAX_COUNTER):
            at_least = following
            continue
        message = str(said.get("message", ""))
        raise proof.ProofError(reason, message, said=message)
    raise AssertionError("unreachable")


def _pieces(body: bytes, progress: Progress | None, size: int = 16 * 1024) -> Iterator[bytes]:
    """The request body in pieces, telling the UI how far the upload has gone."""
    if progress:
        progress("push", 0, len(body))
    for start in range(0, len(body), size):
        yield body[start : start + size]
        if progress:
            progress("push", min(start + size, len(body)), len(body))


SLOWEST_LINK_BYTES_PER_S = 1000  # 8 kbit/s: slower than this, a session is better cut and resumed


def upload_timeout(body_bytes: int) -> httpx.Timeout:
    """How long to wait for the answer: the upload drains through buffers at link speed first.

    The client's writes finish as soon as the bytes are buffered; on a 64 kbit/s
    link a 512 KiB bundle then takes over a minute to reach the center, all of it
    spent waiting to read. A fixed read timeout would cut every large session.
    """
    return httpx.Timeout(connect=10.0, write=60.0, pool=10.0,
                         read=60.0 + body_bytes / SLOWEST_LINK_BYTES_PER_S)


def _absorb(store: Store, content: bytes, device: str, cursor: tuple[str, int] | None,
            report: SyncReport) -> None:
    got = village.absorb(store, content, device, cursor)
    report.custody += got.custody
    report.done += got.done
    report.downstream_new += got.downstream_new
    report.refused += got.rejected
    report.restored = report.restored or got.restored
    report.clashes += got.clashes
    report.resent += got.resent


def _record_failure(store: Store, seqs: list[int], rng: random.Random | None = None) -> None:
    before = village.entries(store)
    after = planner.on_failure(before, seqs, time.time(), rng or random.Random())
    sync_outbox.record_failure(store.database, [
        (e.seq, e.attempts, e.next_try_at) for e, b in zip(after, before, strict=True) if e != b])


def probe(url: str, client: httpx.Client | None = None) -> bool:
    """Is the township reachable at all? (cheap; before a session)"""
    try:
        if client is not None:
            return client.get(f"{url}/v1/health", timeout=5.0).status_code == 200
        return httpx.get(f"{url}/v1/health", timeout=5.0).status_code == 200
    except httpx.HTTPError:
        return False


def enroll_online(session: Session, url: str, code: str,
                  client: httpx.Client | None = None) -> enroll.Enrolled:
    """Enroll this device at the township at `url` with the clerk's one-time code."""
    url = url.rstrip("/")
    request = enroll.build_request(session.store, code)
    try:
        if client is not None:
            answer = client.post(f"{url}/v1/enroll", json=request)
        else:
            answer = httpx.post(f"{url}/v1/enroll", json=request, timeout=TIMEOUT)
    except httpx.HTTPError:
        raise enroll.EnrollmentError("sync.client.unreachable", url=url) from None
    if answer.status_code != 200:
        try:
            message = str(answer.json().get("message", ""))
        except ValueError:
            message = ""
        if message:
            raise enroll.EnrollmentError("sync.client.enroll_refused_said", message=message)
        raise enroll.EnrollmentError("sync.client.enroll_refused")
    node = Node.of(session)
    enrolled = enroll.accept(node, answer.json(), code, url)
    with session.store.database.write() as db:  # what we seal to it (sync/wire.py)
        wire.remember(db, enrolled.issuer.device_id, wire.said(answer.headers.get(wire.HEADER)))
    proof.ensure_request_key(session.store.database, node.keys)
    village.seal_outbox(node)  # what was recorded before enrollment can travel now
    return enrolled
