"""The fault proxy on real sockets: a threaded HTTP server on loopback, httpx through the proxy."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.faultproxy import FaultPlan, FaultProxy, ProxyStats, ThreadedFaultProxy

SEED = 20261123


class CountingServer(ThreadingHTTPServer):
    """Counts the requests it handled in full, before it answers (the server has committed)."""

    daemon_threads = False  # server_close() joins every handler thread: nothing outlives a test

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.handled = 0
        self.changed = threading.Condition()
        self.errors: list[BaseException | None] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def count(self) -> None:
        with self.changed:
            self.handled += 1
            self.changed.notify_all()

    def wait_handled(self, n: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.handled >= n, 10), self.handled

    def handle_error(self, request: object, client_address: object) -> None:
        self.errors.append(sys.exc_info()[1])  # cut and reset connections are the point here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn does
    server: CountingServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:  # the request was cut on the way: nothing to handle
            self.close_connection = True
            return
        self.server.count()
        self._reply(body if self.path == "/echo" else b"stored")

    def do_GET(self) -> None:
        self.server.count()
        self._reply(b"x" * int(self.path.rsplit("/", 1)[1]))

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[CountingServer]:
    srv = CountingServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield srv
    srv.shutdown()
    thread.join()
    srv.server_close()


@pytest.fixture
def proxy(server: CountingServer) -> Iterator[ThreadedFaultProxy]:
    with ThreadedFaultProxy("127.0.0.1", server.port, seed=SEED) as p:
        yield p


def client(proxy: ThreadedFaultProxy, timeout: float = 10.0) -> httpx.Client:
    return httpx.Client(base_url=proxy.url, timeout=timeout)


def closed(proxy: ThreadedFaultProxy, n: int) -> ProxyStats:
    return proxy.wait_until(lambda s: s.connections_closed >= n)


def caused_by_reset(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionResetError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def test_one_megabyte_passes_through_intact_both_ways(
        server: CountingServer, proxy: ThreadedFaultProxy) -> None:
    body = random.Random(SEED).randbytes(1024 * 1024)
    with client(proxy) as c:
        response = c.post("/echo", content=body)
    assert response.status_code == 200
    assert response.content == body
    stats = closed(proxy, 1)
    assert stats.bytes_upstream > len(body) and stats.bytes_downstream > len(body)
    assert (stats.cuts, stats.resets, stats.drops, stats.bytes_discarded) == (0, 0, 0, 0)
    assert server.handled == 1


def test_latency_delays_each_direction_of_every_round_trip(proxy: ThreadedFaultProxy) -> None:
    proxy.plan = FaultPlan(latency_ms=150)
    with client(proxy) as c:
        for _ in range(2):  # the second request reuses the connection and pays again
            started = time.monotonic()
            assert c.get("/bytes/10").status_code == 200
            assert time.monotonic() - started >= 0.3
    assert proxy.stats.connections_accepted == 1


@pytest.mark.parametrize("direction", ["upload", "download"])
def test_bandwidth_cap_bounds_throughput(proxy: ThreadedFaultProxy, direction: str) -> None:
    cap_bps, burst = 256_000, 1024
    proxy.plan = FaultPlan(bandwidth_bps=cap_bps, burst_bytes=burst)
    with client(proxy) as c:
        started = time.monotonic()
        if direction == "upload":
            response = c.post("/store", content=b"u" * 24_000)
        else:
            response = c.get("/bytes/24000")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    stats = closed(proxy, 1)
    sent = stats.bytes_upstream if direction == "upload" else stats.bytes_downstream
    assert sent > 24_000
    assert (sent - burst) * 8 / elapsed <= cap_bps  # the bucket may start full, no more


@pytest.mark.parametrize("where", ["request", "response"])
def test_cut_after_bytes_breaks_the_exchange_after_exactly_n_bytes(
        server: CountingServer, proxy: ThreadedFaultProxy, where: str) -> None:
    body = b"r" * 4000
    with client(proxy) as c:  # the same exchange, unharmed, to learn its size
        c.post("/store", content=body)
    before = closed(proxy, 1)
    cut = 200 if where == "request" else before.bytes_upstream + 100
    proxy.plan = FaultPlan(cut_after_bytes=[cut])
    with client(proxy) as c, pytest.raises(httpx.TransportError):
        c.post("/store", content=body)
    after = closed(proxy, 2)
    up = after.bytes_upstream - before.bytes_upstream
    down = after.bytes_downstream - before.bytes_downstream
    assert up + down == cut
    assert (up, down) == ((cut, 0) if where == "request" else (before.bytes_upstream, 100))
    assert (after.cuts, after.resets) == (1, 0)
    assert [d.cut_after for d in proxy.decisions] == [None, cut]
    if where == "response":
        server.wait_handled(2)
    assert server.handled == (1 if where == "request" else 2)


@pytest.mark.parametrize("reset", [True, False])
def test_reset_closes_with_rst_where_a_plain_cut_closes_with_fin(
        proxy: ThreadedFaultProxy, reset: bool) -> None:
    proxy.plan = FaultPlan(cut_after_bytes=[60], reset=reset)
    with client(proxy) as c, pytest.raises(httpx.TransportError) as failure:
        c.get("/bytes/10")
    assert caused_by_reset(failure.value) is reset
    if not reset:
        assert isinstance(failure.value, httpx.RemoteProtocolError)
    stats = closed(proxy, 1)
    assert (stats.cuts, stats.resets, stats.bytes_upstream) == (1, int(reset), 60)


def test_cut_list_gives_the_nth_connection_the_nth_value(proxy: ThreadedFaultProxy) -> None:
    proxy.plan = FaultPlan(cut_after_bytes=[None, 50, None])
    outcomes = []
    for _ in range(3):
        with client(proxy) as c:
            try:
                outcomes.append(c.get("/bytes/10").status_code)
            except httpx.TransportError:
                outcomes.append(0)
    assert outcomes == [200, 0, 200]
    assert [d.cut_after for d in proxy.decisions] == [None, 50, None]


def test_dropped_response_was_handled_by_the_server_but_never_reached_the_client(
        server: CountingServer, proxy: ThreadedFaultProxy) -> None:
    proxy.plan = FaultPlan(drop_response=True)
    with client(proxy) as c, pytest.raises(httpx.RemoteProtocolError):
        c.post("/store", content=b"bundle")
    server.wait_handled(1)
    stats = proxy.wait_until(lambda s: s.connections_closed >= 1 and s.bytes_discarded > 0)
    assert (stats.drops, stats.bytes_downstream, stats.cuts) == (1, 0, 0)
    proxy.plan = FaultPlan()
    with client(proxy) as c:  # the retry arrives a second time: the server must be idempotent
        assert c.post("/store", content=b"bundle").content == b"stored"
    assert server.handled == 2


def test_drop_after_request_bytes_spares_earlier_requests_on_a_kept_alive_connection(
        server: CountingServer, proxy: ThreadedFaultProxy) -> None:
    with client(proxy) as c:
        c.get("/bytes/10")
    request_size = closed(proxy, 1).bytes_upstream
    proxy.plan = FaultPlan(drop_response_after_request_bytes=request_size + 1)
    with client(proxy) as c:
        assert c.get("/bytes/10").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            c.get("/bytes/10")
    server.wait_handled(3)
    stats = proxy.wait_until(lambda s: s.drops == 1)
    assert stats.connections_accepted == 2


def test_blackhole_accepts_and_forwards_nothing(
        server: CountingServer, proxy: ThreadedFaultProxy) -> None:
    proxy.plan = FaultPlan(blackhole=True)
    with client(proxy, timeout=0.5) as c, pytest.raises(httpx.ReadTimeout):
        c.post("/store", content=b"bundle")
    stats = proxy.wait_until(lambda s: s.connections_closed >= 1)
    assert (stats.blackholes, stats.bytes_upstream, stats.bytes_downstream) == (1, 0, 0)
    assert stats.bytes_discarded > 0
    assert server.handled == 0


def run_random_traffic(server: CountingServer, seed: int) -> tuple[object, ...]:
    plan = FaultPlan.random_cuts(0.5, min_bytes=20, max_bytes=400, reset_probability=0.5,
                                 drop_probability=0.2)
    outcomes = []
    with ThreadedFaultProxy("127.0.0.1", server.port, seed=seed, plan=plan) as proxy:
        for i in range(16):
            with client(proxy) as c:
                try:
                    response = c.get("/bytes/200", headers={"Host": "center.test"})
                    outcomes.append(len(response.content))
                except httpx.TransportError:
                    outcomes.append(-1)
            closed(proxy, i + 1)
        stats = proxy.stats
    return (proxy.decisions, outcomes, stats.bytes_upstream, stats.bytes_downstream, stats.cuts,
            stats.resets, stats.drops)


def test_same_seed_and_traffic_give_the_same_faults(server: CountingServer) -> None:
    first, again = run_random_traffic(server, SEED), run_random_traffic(server, SEED)
    assert first == again
    decisions, outcomes = first[0], first[1]
    assert isinstance(decisions, tuple) and isinstance(outcomes, list)
    assert -1 in outcomes and 200 in outcomes  # the mode did inject faults, and spared some
    assert run_random_traffic(server, SEED + 1)[0] != decisions


def test_half_close_and_the_async_api() -> None:
    async def reverse_after_eof(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write((await r.read())[::-1])  # reads until the client's FIN, then answers
        await w.drain()
        w.close()
        await w.wait_closed()

    async def scenario() -> None:
        upstream = await asyncio.start_server(reverse_after_eof, "127.0.0.1", 0)
        port = upstream.sockets[0].getsockname()[1]
        async with FaultProxy("127.0.0.1", port, seed=SEED,
                              plan=lambda i: FaultPlan(latency_ms=20 * (i + 1))) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            await proxy.wait_for_connections(1, timeout=10)
            writer.write(b"village point")
            writer.write_eof()
            assert await asyncio.wait_for(reader.read(), 10) == b"tniop egalliv"
            writer.close()
            await writer.wait_closed()
            stats = await proxy.wait_until(lambda s: s.connections_closed == 1, timeout=10)
            assert (stats.bytes_upstream, stats.bytes_downstream) == (13, 13)
            idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            await proxy.wait_for_connections(2, timeout=10)
        assert await asyncio.wait_for(idle_reader.read(), 10) == b""  # stop() closed it
        idle_writer.close()
        await idle_writer.wait_closed()
        upstream.close()
        await upstream.wait_closed()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(scenario())


def test_every_fault_cleans_up_its_sockets_threads_and_tasks() -> None:
    fds = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    threads = set(threading.enumerate())
    server = CountingServer()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    serving.start()
    plans = [FaultPlan(), FaultPlan(cut_after_bytes=30), FaultPlan(cut_after_bytes=30, reset=True),
             FaultPlan(drop_response=True), FaultPlan(blackhole=True),
             FaultPlan(latency_ms=5, bandwidth_bps=1_000_000)]
    with ThreadedFaultProxy("127.0.0.1", server.port, seed=SEED) as proxy:
        for plan in plans:
            proxy.plan = plan
            with client(proxy, timeout=0.3) as c, contextlib.suppress(httpx.TransportError):
                c.post("/echo", content=b"e" * 3000)
        with client(proxy) as c:  # left open on purpose: stop() must close it
            c.get("/bytes/1")
            proxy.stop()
    server.shutdown()
    serving.join()
    server.server_close()
    gc.collect()  # an unclosed socket or transport would warn here, and warnings are errors
    assert set(threading.enumerate()) - threads == set()
    if fds is not None:
        assert set(os.listdir("/proc/self/fd")) - fds == set()


def _pushed_before_the_link_holds(receive_buffer: int | None, upstream_port: int) -> int:
    """Bytes a client hands over through a link that carries almost nothing, until its send blocks."""
    plan = FaultPlan(bandwidth_bps=8)  # one byte a second: whatever the client got rid of is buffered
    with ThreadedFaultProxy("127.0.0.1", upstream_port, seed=SEED, plan=plan,
                            receive_buffer=receive_buffer) as proxy, socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)  # as the app's 64 KiB
        sock.connect(("127.0.0.1", proxy.port))
        sock.setblocking(False)
        pushed, piece = 0, bytes(16 * 1024)
        # Writable again within half a second means some buffer took more in; not: it is full.
        while select.select([], [sock], [], 0.5)[1]:
            with contextlib.suppress(BlockingIOError):
                pushed += sock.send(piece)
    return pushed  # the proxy stops with the connection still trickling: stop() ends it


def test_a_fixed_receive_buffer_stops_the_proxy_swallowing_an_upload(
        server: CountingServer) -> None:
    # Linux grows an unset receive buffer as data arrives; a throttled proxy would take in
    # (and acknowledge) far more than a real slow link lets a sender get rid of.
    held = _pushed_before_the_link_holds(16 * 1024, server.port)
    grown = _pushed_before_the_link_holds(None, server.port)
    assert held < grown
    assert held < 320 * 1024  # the client's send buffer, the proxy's 16 KiB and its read buffer
