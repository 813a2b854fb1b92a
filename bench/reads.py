"""Reads that cost a page: the worklist, the CLI listing and the searches at a county's size.

A center store of `--scale` x 1,000,000 cases (default 0.01: a quick run) is built with direct
inserts shaped as ingest leaves them: a sealed registry entry and a sealed filed version per
case (each sealed on its own, under its own associated data: no blob is reused), its blind
indexes (ID number, name), the case row with village, window, clerk, priority and due date.
Then, in the same run, each read beside a full scan of the same query:
- the worklist's first page, "mine" and "all" (beside reading every matching row in order);
- a deep page by keyset, 90% down the list (beside LIMIT/OFFSET, the old pagination);
- `service-center applications`' first page (beside Session.list() decrypting every case);
- a name search and an ID-number search (beside opening every version / every applicant).
Prints JSON with medians and ratios. Target: a first page under 50 ms at --scale 1.0.

    .venv/bin/python -m bench.reads [--scale 0.01] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from center.console import cases
from forms.idnumber import make
from storage import applicants, keyset
from storage.crypto import TEST_KDF
from storage.schema import WORKLIST_ORDER
from storage.store import Session, Store

COUNTY = "430481"
CLERK, PIN = "李春华", "582046"
VILLAGES = [f"{COUNTY}{101 + t:03d}{201 + v:03d}" for t in range(20) for v in range(15)]
STATUSES = ["received"] * 3 + ["accepted"] * 3 + ["completed"] * 10 + ["correction_requested",
                                                                       "rejected", "delivered"]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "春华秀梅建国桂英志强丽娟海燕红霞明亮"
FULL_CASES = 1_000_000
BATCH = 10_000


def name_of(n: int) -> str:
    """About 20 × 16 × 16 distinct names: a common name is shared by some hundreds in a county."""
    return SURNAMES[n % 20] + GIVEN[(n // 20) % 16] + GIVEN[(n // 320) % 16]


def id_number_of(n: int) -> str:
    return make(COUNTY, date(1930, 1, 1) + timedelta(days=n // 100), n % 100, female=n % 2 == 0)


def build(home: Path, count: int, seed: int = 20261207, database: str | None = None) -> Store:
    """A county store of `count` cases as ingest leaves them (see the module's docstring);
    on the PostgreSQL database at `database` when given."""
    rng = random.Random(seed)
    store = Store.create(home, village_code=COUNTY, village_name="资兴市政务服务中心",
                         operator_name=CLERK, pin=PIN, kdf=TEST_KDF, node="county",
                         database=database)
    session = store.login(CLERK, PIN)
    keys, operator = session.keys, session.operator.id
    start = date.today() - timedelta(days=3 * 365)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for first in range(0, count, BATCH):
        people, versions, cases_ = [], [], []
        for n in range(first, min(first + BATCH, count)):
            day = start + timedelta(days=n * 3 * 365 // count)
            village = VILLAGES[n % len(VILLAGES)]
            applicant_id, version_id = uuid.uuid4().hex, uuid.uuid4().hex
            person = {"name": name_of(n), "id_number": id_number_of(n), "phone": "13907351234"}
            people.append((applicant_id, keys.blind_index("id_number", person["id_number"]),
                           keys.seal_json({"applicant": person, "fields": {}},
                                          f"applicant:{applicant_id}"), now, now))
            versions.append((version_id, applicant_id,
                             keys.seal_json({"applicant": person, "fields": {}},
                                            f"applicant-version:{version_id}"), "filed", now,
                             applicants.name_index(keys, person["name"])))
            status = rng.choice(STATUSES)
            window = f"W{n % 5}"
            clerk = "" if status == "received" else f"{window}-{rng.randrange(3)}"
            clerk = CLERK if clerk == "W0-0" else clerk
            due = None if n % 97 == 0 else (day + timedelta(days=20)).isoformat()
            cases_.append((f"{day:%Y%m%d}-{village[-6:]}-{n:07d}", applicant_id, version_id,
                           status, operator, day.isoformat(), due, now, village, window, clerk,
                           int(n % 23 == 0)))
        with store.database.write() as db:
            db.conn.executemany("INSERT INTO applicants (id, id_index, payload, created_at,"
                                " updated_at) VALUES (?, ?, ?, ?, ?)", people)
            db.conn.executemany("INSERT INTO applicant_versions (id, applicant_id, payload, source,"
                                " created_at, name_index) VALUES (?, ?, ?, ?, ?, ?)", versions)
            db.conn.executemany(
                "INSERT INTO applications (id, kind, item_code, item_version, applicant_id,"
                " applicant_version, status, operator_id, created_at, due_date, due_approximate,"
                " updated_at, village_code, window_code, clerk, priority) VALUES"
                " (?, 'service', 'MZ-GLJT', '1', ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)", cases_)
    with store.database.write() as db:
        db.execute("INSERT INTO windows (code, name, departments, created_at)"
                   " VALUES ('W0', '民政窗口', '[\"民政\"]', ?) ON CONFLICT DO NOTHING", [now])
        db.execute("UPDATE operators SET window_code = 'W0' WHERE name = ?", [CLERK])
        db.execute("ANALYZE")
    return store


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return round(statistics.median(samples) * 1000, 2)


def _pair(page: Callable[[], Any], full: Callable[[], Any], runs: int,
          full_runs: int) -> dict[str, float]:
    a, b = _median_ms(page, runs), _median_ms(full, full_runs)
    return {"page_ms": a, "full_scan_ms": b, "ratio": round(b / a, 1) if a else 0.0}


def _mine_clause() -> tuple[str, list[Any]]:
    return ("(clerk = ? OR (clerk = '' AND window_code IN (?, '')))", [CLERK, "W0"])


def _all_in_order(session: Session, clause: str, values: list[Any]) -> list[Any]:
    """The full scan: every matching row in the worklist's order, then the first page kept."""
    with session.store.database.read() as db:
        rows = db.execute(f"SELECT id, applicant_id, applicant_version FROM applications"
                          f" WHERE {clause} ORDER BY {WORKLIST_ORDER}", values).fetchall()
        return [applicants.filed_name(db, session.keys, v, a) for _, a, v in rows[:50]]


def _offset_page(session: Session, depth: int) -> list[Any]:
    with session.store.database.read() as db:
        rows = db.execute(f"SELECT id, applicant_id, applicant_version FROM applications"
                          f" ORDER BY {WORKLIST_ORDER} LIMIT 50 OFFSET ?", [depth]).fetchall()
        return [applicants.filed_name(db, session.keys, v, a) for _, a, v in rows]


def _cursor_at(session: Session, depth: int) -> str:
    sort = ", ".join(t.sql for t in cases.WORKLIST_TERMS)
    with session.store.database.read() as db:
        key = db.execute(f"SELECT {sort} FROM applications ORDER BY {WORKLIST_ORDER}"
                         " LIMIT 1 OFFSET ?", [depth - 1]).fetchone()
    return keyset.encode(tuple(key))


def _open_every_version(session: Session, name: str) -> list[str]:
    """The old name search: every filed version opened to compare its name."""
    with session.store.database.read() as db:
        return [str(vid) for vid, aid, token in db.execute(
            "SELECT id, applicant_id, payload FROM applicant_versions").fetchall()
            if session.keys.open_json(token, f"applicant-version:{vid}")["applicant"]["name"]
            == name]


def _open_every_applicant(session: Session, id_number: str) -> list[str]:
    with session.store.database.read() as db:
        return [str(aid) for aid, token in db.execute(
            "SELECT id, payload FROM applicants").fetchall()
            if session.keys.open_json(token, f"applicant:{aid}")["applicant"]["id_number"]
            == id_number]


def run(home: Path, count: int, runs: int, full_runs: int) -> dict[str, Any]:
    began = time.perf_counter()
    build(home, count).close()
    built_s = round(time.perf_counter() - began, 1)
    store = Store.open(home)
    session = store.login(CLERK, PIN)
    mine, mine_values = _mine_clause()
    depth = max(count * 9 // 10, 1)
    cursor = _cursor_at(session, depth)
    name, id_number = name_of(count // 2), id_number_of(count // 2)
    out: dict[str, Any] = {
        "worklist_first_page_mine": _pair(
            lambda: cases.worklist(session, cases.Filters()),
            lambda: _all_in_order(session, mine, mine_values), runs, full_runs),
        "worklist_first_page_all": _pair(
            lambda: cases.worklist(session, cases.Filters(scope="all")),
            lambda: _all_in_order(session, "1 = 1", []), runs, full_runs),
        "worklist_deep_page": {"depth": depth, **_pair(
            lambda: cases.worklist(session, cases.Filters(scope="all", after=cursor)),
            lambda: _offset_page(session, depth), runs, full_runs)},
        "cli_listing_first_page": _pair(
            lambda: session.list(priority_first=True, limit=51),
            lambda: session.list(priority_first=True), runs, full_runs),
        "name_search": _pair(
            lambda: cases.worklist(session, cases.Filters(scope="all", search=name)),
            lambda: _open_every_version(session, name), runs, full_runs),
        "id_number_search": _pair(
            lambda: cases.worklist(session, cases.Filters(scope="all", search=id_number)),
            lambda: _open_every_applicant(session, id_number), runs, full_runs),
    }
    deep = cases.worklist(session, cases.Filters(scope="all", after=cursor))
    assert [r.applicant_name for r in deep.rows] == _offset_page(session, depth)
    assert len(cases.worklist(session, cases.Filters(scope="all", search=name)).rows) >= 1
    store.close()
    firsts = [out[k]["page_ms"] for k in ("worklist_first_page_mine", "worklist_first_page_all",
                                          "cli_listing_first_page")]
    return {"bench": "reads", "cases": count, "build_s": built_s, "runs_each": runs,
            "full_scan_runs": full_runs, **out,
            "target": {"first_page_ms": 50, "met": all(f < 50 for f in firsts)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.01,
                        help="share of 1,000,000 cases (1.0: a county's million)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-runs", type=int, default=1, help="runs of each full scan")
    args = parser.parse_args()
    count = max(int(FULL_CASES * args.scale), 100)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Path(tmp) / "county", count, args.runs, args.full_runs)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
