"""A seeded TCP proxy that delays, throttles, cuts, resets and drops traffic, for tests and benchmarks.

The kernel's netem is not available on our machines, so the bad village link is simulated here:
`FaultProxy` listens on 127.0.0.1, forwards each accepted connection to one upstream server and
applies the `FaultPlan` in force when the connection was accepted. Every random choice comes from
`random.Random(seed)` and is made per connection in accept order, at byte offsets rather than at
read boundaries, so the same seed and the same traffic give the same faults on every run.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from typing import Literal, TypeAlias

_CHUNK = 64 * 1024
_QUEUE_CHUNKS = 256  # in-flight chunks per direction: a bounded window, like TCP's
_CLOSE_GRACE_S = 2.0


@dataclass(frozen=True)
class RandomFaults:
    """Seeded per-connection faults; see `FaultPlan.random_cuts`."""

    probability: float
    min_bytes: int = 1
    max_bytes: int = 64 * 1024
    reset_probability: float = 0.0
    drop_probability: float = 0.0


@dataclass(frozen=True)
class FaultPlan:
    """What the link does to connections accepted while this plan is in force.

    `cut_after_bytes` counts both directions together; an int applies to every connection, a
    sequence gives its i-th value to the i-th connection accepted since the plan was set (None or
    past the end: no cut). `reset` makes the proxy's fault closes (cuts, drops) RSTs instead of
    FINs. `drop_response_after_request_bytes=n` swallows every response byte that arrives once n
    request bytes have reached the server and then closes the client; `drop_response` is n=1.
    """

    latency_ms: float = 0.0
    bandwidth_bps: int | None = None
    burst_bytes: int | None = None  # token-bucket depth; default 1/20 s of the bandwidth
    cut_after_bytes: int | Sequence[int | None] | None = None
    reset: bool = False
    drop_response: bool = False
    drop_response_after_request_bytes: int | None = None
    blackhole: bool = False
    random: RandomFaults | None = None

    def __post_init__(self) -> None:
        cuts = self.cut_after_bytes
        cuts = tuple(cuts) if isinstance(cuts, Sequence) else (cuts,)
        if isinstance(self.cut_after_bytes, Sequence):  # a list given by a test stays unshared
            object.__setattr__(self, "cut_after_bytes", cuts)
        if self.latency_ms < 0 or any(c is not None and c < 0 for c in cuts):
            raise ValueError("latency_ms and cut_after_bytes must not be negative")
        if self.bandwidth_bps is not None and self.bandwidth_bps < 8:
            raise ValueError("bandwidth_bps must be at least 8 (one byte a second)")
        drops = self.drop_response or self.drop_response_after_request_bytes is not None
        if self.reset and self.cut_after_bytes is None and not drops and self.random is None:
            raise ValueError("reset only changes how cuts and drops close; set one of them")

    @classmethod
    def random_cuts(cls, probability: float, *, min_bytes: int = 1, max_bytes: int = 64 * 1024,
                    reset_probability: float = 0.0, drop_probability: float = 0.0) -> FaultPlan:
        """Each connection is cut with `probability` after a uniform min..max byte count.

        A cut connection closes with RST with `reset_probability`; independently, a connection
        loses its response (see `drop_response`) with `drop_probability`. Add latency or a
        bandwidth cap with `dataclasses.replace`.
        """
        if not 1 <= min_bytes <= max_bytes:
            raise ValueError("need 1 <= min_bytes <= max_bytes")
        return cls(random=RandomFaults(probability, min_bytes, max_bytes, reset_probability,
                                       drop_probability))


PlanSource: TypeAlias = "FaultPlan | Callable[[int], FaultPlan]"
_Close: TypeAlias = Literal["fin", "rst", "abort"]


@dataclass(frozen=True)
class Decision:
    """The faults chosen for one connection when it was accepted."""

    index: int
    cut_after: int | None
    reset: bool
    drop_after_request_bytes: int | None
    blackhole: bool


@dataclass(frozen=True)
class ProxyStats:
    """Counters at one moment. `bytes_*stream` count bytes handed to the receiving socket;
    `bytes_discarded` counts bytes read but never delivered (drops, blackholes, past a cut)."""

    connections_accepted: int = 0
    connections_closed: int = 0
    bytes_upstream: int = 0
    bytes_downstream: int = 0
    bytes_discarded: int = 0
    cuts: int = 0
    resets: int = 0
    drops: int = 0
    blackholes: int = 0


class _TokenBucket:
    """Paces one direction of the simulated link; debt is paid by sleeping on the loop's clock."""

    def __init__(self, bytes_per_s: float, capacity: int) -> None:
        self.rate, self.capacity = bytes_per_s, capacity
        self.tokens = float(capacity)
        self.last = asyncio.get_running_loop().time()

    async def take(self, n: int) -> None:
        now = asyncio.get_running_loop().time()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate) - n
        self.last = now
        if self.tokens < 0:
            await asyncio.sleep(-self.tokens / self.rate)


@dataclass
class _Pipe:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    upstream: bool
    bucket: _TokenBucket | None
    queue: asyncio.Queue[tuple[float, bytes | None, bool]] = field(
        default_factory=lambda: asyncio.Queue(_QUEUE_CHUNKS))


@dataclass
class _Conn:
    decision: Decision
    latency_s: float
    budget: int | None
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    delivered_up: int = 0
    eofs: int = 0
    fault: Literal["cut", "drop", "error"] | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class _View:
    """What a test reads or sets on either proxy: url, plan, counters and decisions."""

    _core: FaultProxy

    @property
    def port(self) -> int:
        return self._core._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def plan(self) -> PlanSource:
        return self._core._plan

    @plan.setter
    def plan(self, plan: PlanSource) -> None:
        core = self._core
        with core._lock:
            core._plan, core._plan_base = plan, core._counts["connections_accepted"]

    @property
    def stats(self) -> ProxyStats:
        with self._core._lock:
            return ProxyStats(**self._core._counts)

    @property
    def decisions(self) -> tuple[Decision, ...]:
        with self._core._lock:
            return tuple(self._core._decisions)


class FaultProxy(_View):
    """Asyncio TCP proxy from 127.0.0.1:`port` to one upstream; `async with` or start()/stop().

    Setting `plan` affects connections accepted afterwards; a callable plan is called with each
    connection's index (0-based, accept order) and returns that connection's plan. `stats` and
    `decisions` may be read from any thread; `wait_until` waits on the counters without polling.
    """

    def __init__(self, upstream_host: str, upstream_port: int, *, seed: int,
                 plan: PlanSource | None = None, receive_buffer: int | None = None) -> None:
        self.upstream_host, self.upstream_port, self.seed = upstream_host, upstream_port, seed
        # Bytes the kernel may take in (and acknowledge) ahead of the throttle. On a real slow
        # link what is not across yet stays unacknowledged in the sender's buffer; Linux grows
        # an unset receive buffer to megabytes, so a throttled proxy would swallow a whole
        # upload at once. Set on the listening socket: every accepted one inherits it, fixed.
        self.receive_buffer = receive_buffer
        self._rng = random.Random(seed)
        self._lock = threading.RLock()  # plan, counters, decisions are read from test threads
        self._plan: PlanSource = plan if plan is not None else FaultPlan()
        self._plan_base = 0
        self._counts: dict[str, int] = asdict(ProxyStats())
        self._decisions: list[Decision] = []
        self._changed = asyncio.Event()  # set and replaced on every change: no lost wake-ups
        self._listeners: list[Callable[[], None]] = []  # called on the loop after each change
        self._buckets: dict[tuple[bool, int, int], _TokenBucket] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Every stream the proxy opened (client side and upstream side), so stop() can close
        # what a cancelled connection left open before the loop goes (a socket left to the
        # garbage collector after its loop closed is a ResourceWarning in some later test).
        self._streams: set[asyncio.StreamWriter] = set()
        self._closing = False
        self._port = 0
        self._core = self

    async def start(self) -> None:
        self._closing = False
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        if self.receive_buffer is not None:
            for sock in self._server.sockets:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        await asyncio.sleep(0)  # connections accepted just now register and see _closing
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
        await self._server.wait_closed()
        for stream in list(self._streams):
            if not stream.is_closing():
                stream.transport.abort()
            with suppress(OSError):
                await stream.wait_closed()
        self._streams.clear()
        self._server = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_until(self, predicate: Callable[[ProxyStats], bool],
                         timeout: float | None = None) -> ProxyStats:
        """Return the stats once `predicate` holds for them; no polling."""

        async def until() -> None:
            while not predicate(self.stats):
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)
        return self.stats

    async def wait_for_connections(self, n: int, timeout: float | None = None) -> ProxyStats:
        return await self.wait_until(lambda s: s.connections_accepted >= n, timeout)

    def _bump(self, **deltas: int) -> None:
        with self._lock:
            for name, n in deltas.items():
                self._counts[name] += n
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in self._listeners:
            listener()

    def _decide(self) -> tuple[Decision, FaultPlan]:
        with self._lock:
            index = self._counts["connections_accepted"]
            source, nth = self._plan, index - self._plan_base
            plan = source if isinstance(source, FaultPlan) else source(index)
            cuts = plan.cut_after_bytes
            cut = cuts[nth] if isinstance(cuts, tuple) and nth < len(cuts) else (
                cuts if isinstance(cuts, int) else None)
            reset = plan.reset
            drop_after = (1 if plan.drop_response else plan.drop_response_after_request_bytes)
            if plan.random is not None:  # always four draws, so later connections stay aligned
                r = plan.random
                roll, at, rst, drop = (self._rng.random(), self._rng.randint(
                    r.min_bytes, r.max_bytes), self._rng.random(), self._rng.random())
                if cut is None and roll < r.probability:
                    cut, reset = at, reset or rst < r.reset_probability
                if drop_after is None and drop < r.drop_probability:
                    drop_after = 1
            decision = Decision(index, cut, reset, drop_after, plan.blackhole)
            self._decisions.append(decision)
            self._counts["connections_accepted"] += 1  # with the plan read: a new plan counts from 0
        self._bump()
        return decision, plan

    def _bucket(self, upstream: bool, plan: FaultPlan) -> _TokenBucket | None:
        if plan.bandwidth_bps is None:
            return None
        rate = plan.bandwidth_bps / 8
        burst = plan.burst_bytes or max(1, min(_CHUNK, int(rate / 20)))
        key = (upstream, plan.bandwidth_bps, burst)  # connections on one link share its capacity
        if key not in self._buckets:
            self._buckets[key] = _TokenBucket(rate, burst)
        return self._buckets[key]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # start_server runs each connection in a task of its own
        self._streams.add(writer)
        if self._closing:
            await _close(writer, "abort")
            return
        self._tasks.add(task)
        decision, plan = self._decide()
        conn = _Conn(decision, plan.latency_ms / 1000, decision.cut_after, writer)
        try:
            if decision.blackhole:
                self._bump(blackholes=1)
                while data := await reader.read(_CHUNK):
                    self._bump(bytes_discarded=len(data))
            elif conn.budget != 0:
                await self._relay(conn, plan, reader)
            else:
                self._bump(cuts=1, resets=int(decision.reset))
                conn.fault = "cut"
        except OSError:
            conn.fault = "error"  # upstream refused or a peer vanished: close the other side too
        except asyncio.CancelledError:
            conn.fault = "error"
            if not self._closing:
                raise
            # stop() ends a connection still relaying: ended, not failed (asyncio would log a
            # cancelled connection task as an error in its callback)
        finally:
            how: _Close = "abort" if conn.fault == "error" else "fin"
            if conn.decision.reset and conn.fault in ("cut", "drop"):
                how = "rst"
            try:
                for side in (conn.client, conn.upstream):
                    if side is not None:
                        await _close(side, how)
            finally:
                self._tasks.discard(task)
                self._bump(connections_closed=1)

    async def _relay(self, conn: _Conn, plan: FaultPlan, client: asyncio.StreamReader) -> None:
        upstream, conn.upstream = await asyncio.open_connection(
            self.upstream_host, self.upstream_port)
        self._streams.add(conn.upstream)
        pipes = (_Pipe(client, conn.upstream, True, self._bucket(True, plan)),
                 _Pipe(upstream, conn.client, False, self._bucket(False, plan)))
        tasks = [asyncio.create_task(job(conn, pipe))
                 for pipe in pipes for job in (self._read, self._write)]
        for task in tasks:  # a crashed pump must end the connection, not leave it hanging
            task.add_done_callback(
                lambda t: conn.done.set() if t.cancelled() or t.exception() else None)
        try:
            await conn.done.wait()
        finally:
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def _read(self, conn: _Conn, pipe: _Pipe) -> None:
        loop = asyncio.get_running_loop()
        size = min(_CHUNK, pipe.bucket.capacity) if pipe.bucket else _CHUNK
        try:
            while conn.fault is None:
                data = await pipe.reader.read(size)
                if not data:
                    await pipe.queue.put((loop.time() + conn.latency_s, None, False))
                    return
                drop_after = conn.decision.drop_after_request_bytes
                if not pipe.upstream and drop_after is not None and conn.delivered_up >= drop_after:
                    await self._drop(conn, pipe, data)
                    return
                last = False
                if conn.budget == 0:  # the other direction spent it; its cut is on the way
                    self._bump(bytes_discarded=len(data))
                    continue
                if conn.budget is not None:
                    self._bump(bytes_discarded=max(0, len(data) - conn.budget))
                    data, conn.budget = data[:conn.budget], max(0, conn.budget - len(data))
                    last = conn.budget == 0
                if pipe.bucket:
                    await pipe.bucket.take(len(data))
                await pipe.queue.put((loop.time() + conn.latency_s, data, last))
                if last:
                    return
        except OSError:
            conn.fault = conn.fault or "error"
            conn.done.set()

    async def _write(self, conn: _Conn, pipe: _Pipe) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                deliver_at, data, last = await pipe.queue.get()
                if deliver_at > loop.time():
                    await asyncio.sleep(deliver_at - loop.time())
                if conn.fault is not None:
                    return
                if data is None:  # half-close: pass the FIN on, keep the other direction going
                    if pipe.writer.can_write_eof():
                        pipe.writer.write_eof()
                    conn.eofs += 1
                    if conn.eofs == 2:
                        conn.done.set()
                    return
                pipe.writer.write(data)
                if pipe.upstream:
                    conn.delivered_up += len(data)
                    self._bump(bytes_upstream=len(data))
                else:
                    self._bump(bytes_downstream=len(data))
                await pipe.writer.drain()
                if last:
                    conn.fault = "cut"
                    self._bump(cuts=1, resets=int(conn.decision.reset))
                    conn.done.set()
                    return
        except OSError:
            conn.fault = conn.fault or "error"
            conn.done.set()

    async def _drop(self, conn: _Conn, pipe: _Pipe, data: bytes) -> None:
        """The server has answered: lose the answer, close the client, drain the server."""
        conn.fault = "drop"
        self._bump(drops=1, resets=int(conn.decision.reset), bytes_discarded=len(data))
        await _close(conn.client, "rst" if conn.decision.reset else "fin")
        assert conn.upstream is not None
        if conn.upstream.can_write_eof():
            conn.upstream.write_eof()  # the client has gone, as the server would see it
        while data := await pipe.reader.read(_CHUNK):
            self._bump(bytes_discarded=len(data))
        conn.done.set()


async def _close(writer: asyncio.StreamWriter, how: _Close) -> None:
    """FIN flushes what was forwarded first (the kernel still answers RST if the peer's bytes
    lie unread, as a real host would); RST sets SO_LINGER 0 so close() resets at once."""
    if not writer.is_closing():
        sock = writer.get_extra_info("socket")
        if how == "rst" and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if how == "fin":
            writer.close()
        else:
            writer.transport.abort()
    closing = asyncio.ensure_future(writer.wait_closed())
    try:
        if not (await asyncio.wait({closing}, timeout=_CLOSE_GRACE_S))[0]:
            writer.transport.abort()  # the peer stopped reading; stop() must not wait for it
    except asyncio.CancelledError:
        writer.transport.abort()  # stop() cancelled us mid-close: the socket still goes
        raise
    with suppress(OSError):  # the peer reset first; the socket is closed either way
        await closing


class ThreadedFaultProxy(_View):
    """`FaultProxy` on its own event loop in a thread, for tests whose clients are synchronous."""

    def __init__(self, upstream_host: str, upstream_port: int, *, seed: int,
                 plan: PlanSource | None = None, receive_buffer: int | None = None) -> None:
        self._core = FaultProxy(upstream_host, upstream_port, seed=seed, plan=plan,
                                receive_buffer=receive_buffer)
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._core._listeners.append(self._notify)

    def start(self) -> None:
        """Return once the proxy is listening."""
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(ready, failure),),
                                        name=f"faultproxy-{self._core.seed}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        self._thread = None

    def __enter__(self) -> ThreadedFaultProxy:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def wait_until(self, predicate: Callable[[ProxyStats], bool],
                   timeout: float = 10.0) -> ProxyStats:
        """Block until `predicate(stats)` holds; TimeoutError after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self._core.stats), timeout):
                raise TimeoutError(f"proxy stats never satisfied the wait: {self._core.stats}")
        return self._core.stats

    def wait_connections(self, n: int, timeout: float = 10.0) -> ProxyStats:
        return self.wait_until(lambda s: s.connections_accepted >= n, timeout)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    async def _main(self, ready: threading.Event, failure: list[BaseException]) -> None:
        try:
            self._stop = asyncio.Event()
            await self._core.start()
            self._loop = asyncio.get_running_loop()
        except BaseException as exc:  # handed to the thread that called start()
            failure.append(exc)
            return
        finally:
            ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._core.stop()
