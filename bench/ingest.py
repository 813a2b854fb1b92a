"""Ingest at a township: 20 villages syncing at once through real HTTP, beside the in-process floor.

Prints JSON. Every figure comes from the same run over the same messages:

- `floor`: the center's own ingest code called in process, one transaction per
  village's batch (what the code costs with no HTTP and few fsyncs);
- `group_commit`: 20 real village stores, enrolled, each with `--apps`
  applications queued (built before timing), syncing at once with the real
  client (`sync.client.sync_once`) against a real `service-center serve`
  subprocess on loopback;
- `one_commit_per_message`: the same, with the server's group commit switched
  off (`VILLAGE_AGENT_GROUP_COMMIT=0`), as the center worked before.

Messages/s, session p50/p99 (seconds, one village's whole session), the ratio
of each HTTP run to the floor, and the gain of group commit over the baseline.

`--backend sqlite|postgresql|both` (both by default when PostgreSQL's server binaries are
installed): on postgresql the township's store is on a throw-away server this benchmark starts
(`bench/pgserver.py`, as the tests do; fsync on), made by `service-center init --database`'s
code path, and every figure above is taken again on it, floor included; the villages stay on
SQLite. Each run starts from a copy of the same built state (`CREATE DATABASE … TEMPLATE`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pgserver
from center import ingest
from center.enroll import issue_code
from forms.catalog import load_catalog
from forms.idnumber import make
from forms.templates import template
from storage import pg, sync_outbox
from storage.crypto import TEST_KDF
from storage.store import Store
from sync import village
from sync.client import enroll_online, sync_once
from sync.node import Node
from village_agent import intake

ROOT = Path(__file__).resolve().parent.parent
TOWNSHIP = "430481101"
CLERK, CLERK_PIN = "李春华", "582046"
AGENT, AGENT_PIN = "王秀梅", "739146"
TODAY = datetime.date(2026, 11, 23)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """A real `service-center serve` on a loopback port (READY is printed once it listens)."""

    def __init__(self, home: Path, *, group_commit: bool = True) -> None:
        self.port = _free_port()
        env = {**os.environ, "VILLAGE_AGENT_HOME": str(home), "VILLAGE_AGENT_PIN": CLERK_PIN,
               "VILLAGE_AGENT_OPERATOR": CLERK, "VILLAGE_AGENT_TEST_KDF": "1",
               "VILLAGE_AGENT_LANG": "zh", "VILLAGE_AGENT_GROUP_COMMIT": "1" if group_commit else "0"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "center.cli", "serve", "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(line + (self.proc.stderr.read() if self.proc.stderr else ""))
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.communicate(timeout=60)


def _village_code(i: int) -> str:
    return f"{TOWNSHIP}{201 + i:03d}"


class Backend:
    """Where the township's store lives: SQLite in its home, or a database on `server`."""

    def __init__(self, server: pgserver.PgServer | None = None) -> None:
        self.server = server
        self.name = "sqlite" if server is None else "postgresql"

    def new_database(self) -> str | None:
        return None if self.server is None else self.server.new_database()

    def copy(self, base: Path, to: Path) -> Path:
        """The built state again: the homes' files, and on PostgreSQL a copy of the database."""
        shutil.copytree(base, to)
        url = pg.url_of(to / "center")
        if self.server is not None and url is not None:
            copied = self.server.new_database(template=pgserver.database_name(url))
            (to / "center" / pg.URL_FILE).write_text(copied + "\n", encoding="utf-8")
        return to


def build(base: Path, villages: int, apps: int, database: str | None = None) -> int:
    """The township and its enrolled villages, each with `apps` applications sealed and queued."""
    township = Store.create(base / "center", village_code=TOWNSHIP, village_name="兴宁镇便民服务中心",
                            operator_name=CLERK, pin=CLERK_PIN, kdf=TEST_KDF, node="township",
                            database=database)
    node = Node.of(township.login(CLERK, CLERK_PIN))
    codes = [issue_code(node, _village_code(i)) for i in range(villages)]
    township.close()
    server = Serve(base / "center")
    catalog = load_catalog()
    queued = 0
    try:
        for i in range(villages):
            store = Store.create(base / f"v{i}", village_code=_village_code(i), village_name="石鼓村",
                                 operator_name=AGENT, pin=AGENT_PIN, kdf=TEST_KDF)
            session = store.login(AGENT, AGENT_PIN)
            enroll_online(session, server.url, codes[i])
            form = template(catalog.get("MZ-GLJT"), village_code=_village_code(i), today=TODAY)
            for n in range(apps):
                data = json.loads(json.dumps(form))
                data["applicant"]["id_number"] = make(
                    "430481", datetime.date(1930 + n % 15, 1 + n % 12, 1 + n % 28), n % 100,
                    female=n % 2 == 0)
                intake.take(session, catalog, session.calendar(), "MZ-GLJT", data, today=TODAY)
            village.seal_outbox(Node.of(session))
            queued += len(village.due_messages(store, now=float("inf"))[0])
            store.close()
    finally:
        server.stop()
    return queued


def floor(run: Path, villages: int) -> dict[str, Any]:
    """The same messages through the same ingest code in process: one transaction per village."""
    batches = []
    for i in range(villages):
        store = Store.open(run / f"v{i}")
        batches.append(village.due_messages(store, now=float("inf"), max_bytes=1 << 30)[1])
        store.close()
    center = Store.open(run / "center")
    node = Node.of(center.login(CLERK, CLERK_PIN))
    result = ingest.Ingested()
    start = time.perf_counter()
    for batch in batches:
        with center.database.write():
            for raw in batch:
                ingest.ingest(node, raw, result)
    wall = time.perf_counter() - start
    center.close()
    total = sum(len(b) for b in batches)
    assert len(result.stored) == total, (len(result.stored), total, result.refused)
    return {"messages": total, "wall_s": round(wall, 3), "messages_per_s": round(total / wall, 1),
            "ms_per_message": round(wall * 1000 / total, 3)}


def over_http(run: Path, villages: int, *, group_commit: bool) -> dict[str, Any]:
    """All villages sync at once (one session each) with the real client against `serve`."""
    server = Serve(run / "center", group_commit=group_commit)
    stores = [Store.open(run / f"v{i}") for i in range(villages)]
    for store in stores:  # point the copy at this run's server
        with store.database.write() as db:
            db.execute("UPDATE peers SET url = ? WHERE role = 'township'", [server.url])
    gate = threading.Barrier(villages + 1)
    times: list[float] = [0.0] * villages
    sent: list[int] = [0] * villages
    errors: list[str] = []

    def one(i: int) -> None:
        gate.wait()
        began = time.perf_counter()
        report = sync_once(stores[i], force=True, max_bytes=1 << 30)
        times[i] = time.perf_counter() - began
        sent[i] = report.sent if report.ok else 0
        if not report.ok or report.custody + report.done != report.sent:
            errors.append(f"v{i}: {report.error} acknowledged {report.custody + report.done} of {report.sent}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(villages)]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    pending = sum(1 for s in stores for r in sync_outbox.outbox_rows(s.database)
                  if r["state"] == "pending")
    for store in stores:
        store.close()
    server.stop()
    total = sum(sent)
    ordered = sorted(times)
    return {"messages": total, "wall_s": round(wall, 3),
            "messages_per_s": round(total / wall, 1),
            "session_p50_s": round(statistics.median(ordered), 3),
            "session_p99_s": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 3),
            "pending_after": pending, "errors": errors}


def one_backend(tmp: Path, backend: Backend, villages: int, apps: int) -> dict[str, Any]:
    """Build once, then the floor and both HTTP runs, each on its own copy of what was built."""
    base = tmp / backend.name / "base"
    queued = build(base, villages, apps, database=backend.new_database())
    floored = floor(backend.copy(base, tmp / backend.name / "floor"), villages)
    grouped = over_http(backend.copy(base, tmp / backend.name / "group"), villages,
                        group_commit=True)
    single = over_http(backend.copy(base, tmp / backend.name / "single"), villages,
                       group_commit=False)
    return {
        "messages_queued": queued,
        "floor_in_process": floored, "group_commit": grouped, "one_commit_per_message": single,
        "group_over_floor": round(grouped["messages_per_s"] / floored["messages_per_s"], 3),
        "single_over_floor": round(single["messages_per_s"] / floored["messages_per_s"], 3),
        "group_over_single": round(grouped["messages_per_s"] / single["messages_per_s"], 2),
    }


@contextmanager
def backend_of(name: str) -> Iterator[Backend]:
    if name == "sqlite":
        yield Backend()
        return
    binaries = pgserver.bindir()
    if binaries is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) are not installed:"
                         " ./install.sh installs them, or run with --backend sqlite")
    with pgserver.running(binaries) as server:
        yield Backend(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--apps", type=int, default=50, help="applications queued per village")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"],
                        default="both" if pgserver.bindir() is not None else "sqlite",
                        help="the township's store (default: both when PostgreSQL is installed)")
    args = parser.parse_args()
    names = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            with backend_of(name) as backend:
                figures[name] = one_backend(Path(tmp), backend, args.villages, args.apps)
    result: dict[str, Any] = {
        "benchmark": "ingest", "villages": args.villages, "applications_per_village": args.apps,
        "cpus": os.cpu_count(), "backends": figures,
        "targets": {"messages_per_s_min": 1500, "group_over_floor_min": 0.7},
    }
    if len(figures) == 2:
        lite, post = figures["sqlite"], figures["postgresql"]
        result["postgresql_over_sqlite"] = {
            run: round(post[run]["messages_per_s"] / lite[run]["messages_per_s"], 3)
            for run in ("floor_in_process", "group_commit", "one_commit_per_message")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
