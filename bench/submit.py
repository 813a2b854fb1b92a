"""Time to submit one application (validate, encrypt, seal for sync, commit with FULL durability).

Prints JSON. The store is enrolled at a township (a real center on loopback), as in the
field, so every submit also seals its outbox rows to the township: measured on the fresh
store and again after --history past applications (years of a village's work), beside a
plain sqlite3 insert of the same bytes (the application's JSON) into a WAL database with
synchronous=FULL, one transaction per row, interleaved with ours so both see the same disk
and the same noise. Targets: p50 with history within 1.5x of p50 without; at most 4x the
plain insert.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.catalog import load_catalog
from forms.idnumber import make
from forms.templates import template
from forms.workdays import WorkingCalendar
from storage.crypto import TEST_KDF
from storage.store import Store
from village_agent import intake


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _township(tmp: Path) -> tuple[Any, str, Any, Any]:
    """A township center served on loopback, to enroll at (as `service-center serve` would)."""
    import socket
    import threading

    import uvicorn

    from center.server import ReadyServer, create_app
    from sync.node import Node

    store = Store.create(tmp / "township", village_code="430481101", village_name="兴宁镇便民服务中心",
                         operator_name="李春华", pin="582046", kdf=TEST_KDF, node="township")
    node = Node.of(store.login("李春华", "582046"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = ReadyServer(uvicorn.Config(create_app(node, console=False), log_level="warning",
                                        access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert server.ready.wait(30)
    return node, f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def main() -> None:
    from center.enroll import issue_code
    from sync.client import enroll_online

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="submissions timed per side and phase")
    parser.add_argument("--history", type=int, default=10_000, help="past applications")
    parser.add_argument("--item", default="MZ-GLJT")
    args = parser.parse_args()

    catalog, calendar = load_catalog(), WorkingCalendar.default()
    today = date(2026, 11, 23)
    sample = template(catalog.get(args.item), village_code="430481101201", today=today)
    counter = [0]

    def data_for() -> dict[str, Any]:
        i = counter[0]
        counter[0] += 1
        data: dict[str, Any] = json.loads(json.dumps(sample))
        if "applicant" in data:
            data["applicant"]["id_number"] = make(  # a different villager each time
                "430481", date(1925, 1, 1) + timedelta(days=i % 7000), i // 7000 % 100,
                female=i % 2 == 0)
        return data

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        township, url, server, thread = _township(tmp)
        # The KDF runs once at login, not per submission; its cost does not enter these figures.
        store = Store.create(tmp / "home", village_code="430481101201", village_name="石鼓村",
                             operator_name="王秀梅", pin="739146", kdf=TEST_KDF)
        session = store.login("王秀梅", "739146")
        enroll_online(session, url, issue_code(township, "430481101201"))

        plain = sqlite3.connect(str(tmp / "plain.db"), isolation_level=None)
        plain.execute("PRAGMA journal_mode=WAL")
        plain.execute("PRAGMA synchronous=FULL")
        plain.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")

        def phase() -> tuple[list[float], list[float], int]:
            ours: list[float] = []
            base: list[float] = []
            body = b""
            for i in range(args.n + 10):
                data = data_for()
                body = json.dumps(data, ensure_ascii=False).encode()
                start = time.perf_counter()
                intake.take(session, catalog, calendar, args.item, data, today=today)
                t_ours = time.perf_counter() - start
                start = time.perf_counter()
                plain.execute("BEGIN IMMEDIATE")
                plain.execute("INSERT INTO t (body) VALUES (?)", (body,))
                plain.execute("COMMIT")
                t_base = time.perf_counter() - start
                if i >= 10:  # warm-up excluded
                    ours.append(t_ours)
                    base.append(t_base)
            return ours, base, len(body)

        fresh, base_fresh, size = phase()
        began = time.perf_counter()
        while counter[0] < args.history + args.n + 10:
            intake.take(session, catalog, calendar, args.item, data_for(), today=today)
        history_s = time.perf_counter() - began
        aged, base_aged, _ = phase()
        store.close()
        plain.close()
        server.should_exit = True
        thread.join(30)
        township.session.store.close()

    def ms(values: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(values, 50) * 1e3, 3),
                "p95": round(percentile(values, 95) * 1e3, 3),
                "mean": round(statistics.mean(values) * 1e3, 3)}

    base = base_fresh + base_aged
    result: dict[str, Any] = {
        "benchmark": "submit", "item": args.item, "n": args.n, "payload_bytes": size,
        "enrolled": True, "history": counter[0] - 2 * (args.n + 10),
        "history_build_s": round(history_s, 1),
        "ours_fresh_ms": ms(fresh), "ours_with_history_ms": ms(aged),
        "baseline_plain_sqlite_ms": ms(base),
    }
    result["ratio"] = {
        "history_vs_fresh_p50": round(percentile(aged, 50) / percentile(fresh, 50), 2),
        "with_history_vs_plain_p50": round(percentile(aged, 50) / percentile(base, 50), 2),
        "with_history_vs_plain_p95": round(percentile(aged, 95) / percentile(base, 95), 2),
    }
    result["targets"] = {"history_vs_fresh_p50": 1.5, "with_history_vs_plain_p50": 4}
    result["meets_target"] = (result["ratio"]["history_vs_fresh_p50"] <= 1.5
                              and result["ratio"]["with_history_vs_plain_p50"] <= 4)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
