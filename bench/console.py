"""The clerks' console at a township's scale: worklist and case pages over real HTTP.

A township store with --cases cases (default 100,000; the seeds' big townships file tens of
thousands a year, so this is years of history), ten villages, sealed applicants. The console is
served by the center's own app (uvicorn, loopback) and a logged-in clerk asks for:
- the worklist's first page, unfiltered and filtered by village and by status;
- the case page of sampled cases (applicant, labelled fields, timeline).
Beside each, in the same run, the bare SQL of the same rows (sqlite3, no decryption, no HTML),
the floor the page is measured against. Prints JSON. Target: worklist p99 under 100 ms.

    .venv/bin/python -m bench.console [--cases 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from center.server import ReadyServer, create_app
from forms.idnumber import make
from storage import events
from storage.crypto import TEST_KDF
from storage.schema import WORKLIST_ORDER
from storage.store import Store
from sync.node import Node

CLERK, PIN = "李春华", "582046"
TOWNSHIP = "430481101"
VILLAGES = [f"{TOWNSHIP}{n:03d}" for n in range(201, 211)]
STATUSES = ["received"] * 3 + ["accepted"] * 3 + ["completed"] * 10 + ["correction_requested",
                                                                       "rejected", "delivered"]
NAMES = "张王李赵刘陈杨黄周吴"


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2)}


def build(home: Path, cases: int, detailed: int, seed: int) -> tuple[Store, list[str]]:
    """The store: `cases` rows as the worklist reads them, `detailed` of them with whole event logs."""
    rng = random.Random(seed)
    store = Store.create(home, village_code=TOWNSHIP, village_name="兴宁镇便民服务中心",
                         operator_name=CLERK, pin=PIN, kdf=TEST_KDF, node="township")
    session = store.login(CLERK, PIN)
    keys = session.keys
    start = date(2023, 1, 1)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sample: list[str] = []
    with store.database.write() as db:
        for n in range(cases):
            day = start + timedelta(days=n * 1400 // cases)
            village = VILLAGES[n % len(VILLAGES)]
            app_id = f"{day:%Y%m%d}-{village[-6:]}-{n:05d}"[:40]
            applicant_id = uuid.uuid4().hex
            id_number = make("430481", date(1930, 1, 1) + timedelta(days=n // 50), n % 50,
                             female=n % 2 == 0)  # unique: one birthday per 50 cases
            person = {"name": NAMES[n % 10] + "桂英", "id_number": id_number, "phone": "13907351234"}
            db.execute("INSERT INTO applicants (id, id_index, payload, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?)",
                       (applicant_id, keys.blind_index("id_number", id_number),
                        keys.seal_json({"applicant": person, "fields": {}}, f"applicant:{applicant_id}"),
                        now, now))
            status = rng.choice(STATUSES)
            due = (day + timedelta(days=20)).isoformat()
            # 一窗受理: five windows, each case taken by one of fifteen clerks once it is accepted
            # (received ones wait untaken at their window), so "mine" is a small share of all.
            window = f"W{n % 5}"
            clerk = "" if status == "received" else f"{window}-{rng.randrange(3)}"
            if clerk == "W0-0":
                clerk = CLERK
            db.execute(
                "INSERT INTO applications (id, kind, item_code, item_version, applicant_id, status,"
                " operator_id, created_at, due_date, due_approximate, updated_at, village_code,"
                " window_code, clerk) VALUES (?, 'service', 'MZ-GLJT', '1', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                (app_id, applicant_id, status, session.operator.id, day.isoformat(), due, now, village,
                 window, clerk))
            if n % max(cases // detailed, 1) == 0 and len(sample) < detailed:
                device = events.DeviceState(db)
                for kind, payload in (
                        ("created", {"item_code": "MZ-GLJT"}),
                        ("submitted", {"applicant": person, "fields": {"residence": "湖南省资兴市兴宁镇",
                                                                       "living": "独居"},
                                       "materials": {"hukou": "provided"}}),
                        ("received", {"received_on": day.isoformat(), "due_date": due})):
                    events.append(db, keys, device, application_id=app_id, event_type=kind,
                                  payload=payload, operator_id=session.operator.id)
                device.save()
                sample.append(app_id)
        db.execute("INSERT OR IGNORE INTO windows (code, name, departments, created_at)"
                   " VALUES ('W0', '民政窗口', '[\"民政\"]', ?)", [now])
        db.execute("UPDATE operators SET window_code = 'W0' WHERE name = ?", [CLERK])
    session.store.close()
    return Store.open(home), sample


def serve(store: Store) -> tuple[str, ReadyServer, threading.Thread]:
    node = Node.of(store.login(CLERK, PIN))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = ReadyServer(uvicorn.Config(create_app(node), log_level="warning", access_log=False,
                                        lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert server.ready.wait(30)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def log_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60, follow_redirects=True)
    page = client.get("/console/login").text
    token = re.search(r'name="login_token" value="([^"]*)"', page)
    assert token
    got = client.post("/console/login", data={"login_token": token.group(1), "name": CLERK, "pin": PIN})
    assert "/console/login" not in str(got.url)
    return client


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        store, sample = build(Path(tmp) / "township", args.cases, 100, args.seed)
        built_s = time.perf_counter() - began
        url, server, thread = serve(store)
        client = log_in(url)
        raw = sqlite3.connect(Path(tmp) / "township" / "village.db")
        rng = random.Random(args.seed)
        results: dict[str, Any] = {}
        shapes: dict[str, tuple[dict[str, str], str, list[Any]]] = {
            # The default view: my cases, my window's untaken ones (the console's "mine").
            "worklist": ({}, "(clerk = ? OR (clerk = '' AND window_code IN (?, '')))",
                         [CLERK, "W0"]),
            "worklist_all": ({"scope": "all"}, "1 = 1", []),
            "worklist_by_village": ({"village": VILLAGES[3], "scope": "all"}, "village_code = ?",
                                    [VILLAGES[3]]),
            "worklist_by_status": ({"status": "received", "scope": "all"}, "status = ?",
                                   ["received"]),
        }
        for name, (params, clause, args_sql) in shapes.items():
            client.get("/console/", params=params)  # warm
            page = timed(lambda p=params: client.get("/console/", params=p).raise_for_status(),
                         args.requests)
            sql = timed(lambda c=clause, a=args_sql: raw.execute(
                f"SELECT id, item_code, village_code, status, applicant_id, created_at, due_date"
                f" FROM applications WHERE {c} ORDER BY {WORKLIST_ORDER} LIMIT 50", a).fetchall(),
                args.requests)
            results[name] = {**_percentiles(page), "bare_sql": _percentiles(sql),
                             "ratio_p50": round(statistics.median(page) / statistics.median(sql), 1)}
        case = timed(lambda: client.get(f"/console/case/{rng.choice(sample)}").raise_for_status(),
                     args.requests)
        case_sql = timed(lambda: raw.execute(
            "SELECT * FROM events WHERE application_id = ?", [rng.choice(sample)]).fetchall(),
            args.requests)
        results["case"] = {**_percentiles(case), "bare_sql": _percentiles(case_sql),
                           "ratio_p50": round(statistics.median(case) / statistics.median(case_sql), 1)}
        client.close()
        server.should_exit = True
        thread.join(30)
        raw.close()
        store.close()
    print(json.dumps({
        "bench": "console", "cases": args.cases, "requests_each": args.requests,
        "build_s": round(built_s, 1), **results,
        "target": {"worklist_p99_ms": 100,
                   "met": all(results[k]["p99_ms"] < 100 for k in shapes)},
    }, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
