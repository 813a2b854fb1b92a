"""The county's supervision figures, cards and hall board at 1,000,000 cases, beside a full scan.

A county store (`--scale 1.0`: 1,000,000 cases; 20 townships of 15 villages, the catalog's
items, three years up to today) is built as the ingest would have left it: `case_facts` rows
inserted in bulk, and the `figure_counts` rows derived from them by the product's own delta
function (`supervision.deltas` / `apply_deltas`), follow-ups of the bad ratings, and complaints
filed through `supervision.note_complaint`. Then, in the same run, each of
- the figures page: `figures` for a quarter by village and by item, `series` over 12 months;
- the card rollups: `card_rollup` by township and by item, `open_cards`' first page;
- the hall board (`watching.board`: today's counts, the month's figures, the cards);
is timed beside a full scan computing the same numbers straight from the rows (one SQL
GROUP BY over `case_facts`, or Python over every row), and the two must agree. Prints JSON.
Target: each page's query under 1 s at --scale 1.0.

    .venv/bin/python -m bench.stats [--scale 0.1] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlite_utils

from center import supervision
from forms.catalog import load_catalog
from forms.workdays import WorkingCalendar
from storage.crypto import TEST_KDF
from storage.store import Store

COUNTY = "430481"
CLERK, PIN = "李春华", "582046"
TOWNSHIPS = [f"{COUNTY}{101 + t:03d}" for t in range(20)]
VILLAGES = [f"{t}{201 + v:03d}" for t in TOWNSHIPS for v in range(15)]
WINDOWS = 5
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "春华秀梅建国桂英志强丽娟海燕红霞明亮"
RATING_WEIGHTS = (58, 28, 9, 4, 1)  # 非常满意 .. 非常不满意
FULL_CASES = 1_000_000
PAGE = 50


def _names(count: int, salt: int) -> list[str]:
    return [SURNAMES[(n * 7 + salt) % len(SURNAMES)] + GIVEN[(n * 3 + salt) % len(GIVEN)]
            + GIVEN[(n + salt) % len(GIVEN)] + (str(n // 80) if n >= 80 else "") for n in range(count)]


class _Days:
    """Memoised day arithmetic: the calendar's own answers, asked once per distinct day."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self._due: dict[tuple[date, int], date] = {}
        self._windows: dict[tuple[str, int], tuple[str | None, str | None]] = {}

    def due(self, start: date, days: int) -> date:
        key = (start, days)
        if key not in self._due:
            self._due[key] = self.calendar.add_working_days(start, days).due
        return self._due[key]

    def windows(self, due_on: str, days: int) -> tuple[str | None, str | None]:
        key = (due_on, days)
        if key not in self._windows:
            self._windows[key] = supervision.windows_of(self.calendar, due_on, days)
        return self._windows[key]


def generate(cases: int, seed: int, today: date, yellow_days: int = 2,
             followup_days: int = 15) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]],
                                              list[tuple[str, str, str]]]:
    """The county's cases as facts rows, its follow-ups, and complaints (id, case, day)."""
    rng = random.Random(seed)
    catalog = load_catalog()
    days = _Days(WorkingCalendar.default())
    items = sorted(catalog.items.values(), key=lambda i: i.code)
    weights = [1 / (1 + (n * 5) % len(items)) for n in range(len(items))]  # some items dominate
    departments = sorted({i.department for i in items})
    window_of = {d: f"W{1 + n % WINDOWS}" for n, d in enumerate(departments)}
    clerks = {(t, w): names for n, (t, w) in enumerate(
        (t, f"W{k}") for t in TOWNSHIPS for k in range(1, WINDOWS + 1))
        for names in [_names(3, n * 3)]}
    agents = {v: [f"{v}/{a}" for a in _names(2, n)] for n, v in enumerate(VILLAGES)}
    start = today - timedelta(days=3 * 365)
    working = [start + timedelta(days=d) for d in range((today - start).days + 1)
               if days.calendar.is_working_day(start + timedelta(days=d))]
    iso_today = today.isoformat()
    facts: list[dict[str, Any]] = []
    followups: list[tuple[Any, ...]] = []
    complaints: list[tuple[str, str, str]] = []
    picked = rng.choices(range(len(items)), weights=weights, k=cases)
    for n in range(cases):
        item = items[picked[n]]
        village = VILLAGES[rng.randrange(len(VILLAGES))]
        township = village[:9]
        window = window_of[item.department]
        received = working[rng.randrange(len(working))]
        limit = item.time_limit_days
        due = days.due(received, limit)
        still_running = due >= today
        open_case = rng.random() < (0.55 if still_running else 0.003)
        finished: date | None = None
        if not open_case:
            if rng.random() < 0.05 and due + timedelta(days=1) < today:  # finished late
                finished = min(due + timedelta(days=rng.randint(1, 12)), today)
            else:
                last = min(due, today)
                finished = received + timedelta(days=rng.randint(0, max(0, (last - received).days)))
        status = ("rejected" if rng.random() < 0.04 else "completed") if finished else rng.choice(
            ("received", "accepted", "accepted", "correction_requested"))
        due_on = due.isoformat()
        yellow, red = (None, None) if status == "correction_requested" else days.windows(
            due_on, yellow_days)
        finished_on = finished.isoformat() if finished else None
        late = int(bool(red) and (finished_on or iso_today) >= str(red))
        rating = rated_on = None
        followup_closed = 0
        if status == "completed" and rng.random() < 0.72:
            rating = rng.choices((1, 2, 3, 4, 5), weights=RATING_WEIGHTS)[0]
            assert finished is not None
            rated = min(finished + timedelta(days=rng.randint(0, 5)), today)
            rated_on = rated.isoformat()
            status = "rated"
            if rating >= 4:
                follow_due = days.due(rated, followup_days).isoformat()
                f_yellow, f_red = days.windows(follow_due, min(yellow_days, followup_days))
                closed = None
                if rng.random() < (0.9 if (today - rated).days > 20 else 0.3):
                    closed = min(rated + timedelta(days=rng.randint(1, 20)), today).isoformat()
                    followup_closed = 1
                followups.append((len(followups) + 1, f"C{n:07d}", rating, rated_on, rated_on,
                                  follow_due, f_yellow, f_red, window, "", closed, closed, closed,
                                  "satisfied" if closed else None, closed))
        clerk = rng.choice(clerks[(township, window)]) if status != "received" else ""
        facts.append({
            "application_id": f"C{n:07d}", "township": township, "village_code": village,
            "item_code": item.code, "window_code": window, "clerk": clerk,
            "agent": rng.choice(agents[village]), "instant": int(limit == 0), "status": status,
            "received_on": received.isoformat(), "due_on": due_on, "yellow_from": yellow,
            "red_from": red, "finished_on": finished_on, "late": late, "rating": rating,
            "rated_on": rated_on, "followup_closed": followup_closed,
            # As `supervision.refresh_blue` keeps it: the first day of an open follow-up.
            "blue_since": rated_on if rating and rating >= 4 and not followup_closed else None})
        if rng.random() < 0.001:
            day = min(received + timedelta(days=rng.randint(0, 10)), today)
            complaints.append((f"T{n:07d}", f"C{n:07d}", day.isoformat()))
    return facts, followups, complaints


_FACT_COLUMNS = ("application_id", *supervision.FACT_FIELDS)


def build(home: Path, *, cases: int, seed: int = 20261207,
          today: date | None = None) -> tuple[Store, dict[str, Any]]:
    """A county store of `cases` cases, as the ingest would have left it; and how it was built."""
    today = today or date.today()
    began = time.perf_counter()
    store = Store.create(home, village_code=COUNTY, village_name="资兴市政务服务中心",
                         operator_name=CLERK, pin=PIN, kdf=TEST_KDF, node="county")
    session = store.login(CLERK, PIN)
    with store.database.read() as db:
        chosen = supervision.settings(db)
    facts, followups, complaints = generate(cases, seed, today, chosen.yellow_days,
                                            chosen.followup_days)
    generated = time.perf_counter() - began
    moves: dict[tuple[str, str, str, str], int] = {}
    for row in facts:  # the product's own arithmetic: each case's contribution, from nothing
        for key, n in supervision.deltas(None, row).items():
            moves[key] = moves.get(key, 0) + n
    now = today.isoformat()
    calendar = WorkingCalendar.default()
    with store.database.write() as db:
        db.conn.executemany(
            f"INSERT INTO case_facts ({', '.join(_FACT_COLUMNS)}, source, version, updated_at)"
            f" VALUES ({', '.join('?' * len(_FACT_COLUMNS))}, 'own', 1, ?)",
            ([*(row.get(c) for c in _FACT_COLUMNS), now] for row in facts))
        supervision.apply_deltas(db, moves)
        db.conn.executemany(
            "INSERT INTO followups (id, application_id, rating, rated_on, opened_on, due_on,"
            " yellow_from, red_from, window_code, clerk, verified_on, rectified_on, called_on,"
            " call_result, closed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            followups)
        village_of = {r["application_id"]: (r["village_code"], r["window_code"]) for r in facts} if (
            complaints) else {}
        for complaint_id, app_id, day in complaints:
            due = calendar.add_working_days(date.fromisoformat(day), chosen.complaint_days).due
            yellow, red = supervision.windows_of(calendar, due.isoformat(), chosen.yellow_days)
            answered = (date.fromisoformat(day) + timedelta(days=5)).isoformat() if (
                today - date.fromisoformat(day)).days > 10 else None
            if answered is None:  # an open complaint: the case's blue since its day (refresh_blue)
                db.execute("UPDATE case_facts SET blue_since = MIN(COALESCE(blue_since, ?), ?)"
                           " WHERE application_id = ?", [day, day, app_id])
            village, window = village_of[app_id]
            db.execute(
                "INSERT INTO complaints (id, application_id, window_code, village_code, source,"
                " received_on, due_on, yellow_from, red_from, answered_on, body)"
                " VALUES (?, ?, ?, ?, 'village', ?, ?, ?, ?, ?, ?)",
                [complaint_id, app_id, window, village, day, due.isoformat(), yellow, red, answered,
                 session.keys.seal_json({"text": ""}, f"complaint:{complaint_id}")])
            supervision.note_complaint(db, complaint_id, filed=True)
    built = {"cases": len(facts), "followups": len(followups), "complaints": len(complaints),
             "figure_rows_from_cases": len(moves), "generate_s": round(generated, 1),
             "build_s": round(time.perf_counter() - began, 1)}
    return store, built


# ---------------------------------------------------------------- the full scans


_SCAN_COLUMN = {"all": "''", "township": "township", "village": "village_code", "item": "item_code",
                "window": "window_code", "clerk": "clerk", "agent": "agent"}


def full_scan(db: sqlite_utils.Database, months: list[str], *, by: str = "all",
              today: date) -> dict[str, supervision.Figures]:
    """The figures of `months` by `by`, straight from every case row (one GROUP BY), no counters."""
    column = _SCAN_COLUMN[by]
    marks = ", ".join("?" * len(months))
    inside = {c: f"substr({c}, 1, 7) IN ({marks})" for c in ("received_on", "finished_on", "rated_on")}
    current = f"{today:%Y-%m}" in months
    sql = (
        f"SELECT {column} AS k,"
        f" SUM({inside['received_on']}),"
        f" SUM(instant = 1 AND {inside['finished_on']}),"
        f" SUM(instant = 1 AND late = 0 AND {inside['finished_on']}),"
        f" SUM(instant = 0 AND {inside['finished_on']}),"
        f" SUM(instant = 0 AND late = 0 AND {inside['finished_on']}),"
        f" SUM(late = 1 AND {inside['finished_on']})"
        f" + SUM(? AND finished_on IS NULL AND red_from <= ? AND status != 'correction_requested'),"
        f" SUM(rating IS NOT NULL AND {inside['rated_on']}),"
        f" SUM(rating < 4 AND {inside['rated_on']}),"
        f" SUM(rating >= 4 AND {inside['rated_on']}),"
        f" SUM(rating >= 4 AND followup_closed = 1 AND {inside['rated_on']})"
        f" FROM case_facts NOT INDEXED GROUP BY k")
    params = [*months, *months, *months, *months, *months, *months, int(current), today.isoformat(),
              *months, *months, *months, *months]
    found: dict[str, dict[str, int]] = {}
    for row in db.execute(sql, params).fetchall():
        found[str(row[0])] = dict(zip(
            ("received", "done_instant", "ontime_instant", "done_promised", "ontime_promised",
             "late", "rated", "satisfied", "bad", "bad_closed"), (int(v or 0) for v in row[1:]),
            strict=True))
    # Complaints: one about a case counts under the case's keys; one about a window only under
    # all, township and window.
    about_case = (f"SELECT {'f.' + column if by != 'all' else chr(39) * 2}, COUNT(*) FROM complaints c"
                  f" JOIN case_facts f ON f.application_id = c.application_id")
    about_window = {"all": "''", "township": "substr(c.village_code, 1, 9)",
                    "window": "c.window_code"}.get(by)
    queries = [about_case]
    if about_window:
        queries.append(f"SELECT {about_window}, COUNT(*) FROM complaints c WHERE NOT EXISTS"
                       " (SELECT 1 FROM case_facts f WHERE f.application_id = c.application_id)")
    for query in queries:
        glue = " AND" if "WHERE" in query else " WHERE"
        for key, n in db.execute(f"{query}{glue} substr(c.received_on, 1, 7) IN ({marks})"
                                 " GROUP BY 1", months).fetchall():
            counts = found.setdefault(str(key), {})
            counts["complaints"] = counts.get("complaints", 0) + int(n)
    return {k: supervision.Figures(key=k, **v) for k, v in found.items() if any(v.values())}


def full_series(db: sqlite_utils.Database, months: list[str], today: date) -> list[tuple[str, Any]]:
    return [(m, replace(full_scan(db, [m], today=today).get("", supervision.Figures(key="")), key=m))
            for m in months]


def _colour(yellow: str | None, red: str | None, day: str) -> str | None:
    if red and red <= day:
        return "red"
    if yellow and yellow <= day:
        return "yellow"
    return None


def full_cards(db: sqlite_utils.Database, today: date) -> list[tuple[Any, ...]]:
    """Every open card today, from every row in Python: (subject, id, colour, due_on, keys...)."""
    day = today.isoformat()
    cards: list[tuple[Any, ...]] = []
    facts: dict[str, tuple[Any, ...]] = {}
    for row in db.execute("SELECT application_id, township, village_code, item_code, window_code,"
                          " clerk, status, yellow_from, red_from, finished_on, due_on"
                          " FROM case_facts NOT INDEXED"):
        facts[row[0]] = row
        if row[9] is None and row[6] != "correction_requested":
            colour = _colour(row[7], row[8], day)
            if colour:
                cards.append(("case", row[0], colour, row[10], *row[1:6]))
    for subject, sql in (
            ("followup", "SELECT id, application_id, yellow_from, red_from, due_on, window_code,"
                         " clerk, NULL FROM followups WHERE closed_on IS NULL"),
            ("complaint", "SELECT id, application_id, yellow_from, red_from, due_on, window_code,"
                          " clerk, village_code FROM complaints WHERE answered_on IS NULL")):
        for sid, app, yellow, red, due, window, clerk, village in db.execute(sql):
            case = facts.get(app)
            keys = (case[1], case[2], case[3], window or case[4], clerk or case[5]) if case else (
                str(village or "")[:9], village or "", "", window, clerk)
            for colour in ("blue", _colour(yellow, red, day)):
                if colour:
                    cards.append((subject, str(sid), colour, due, *keys))
    return cards


def full_rollup(cards: list[tuple[Any, ...]], by: str) -> list[tuple[str, int, int, int]]:
    index = {"township": 4, "village": 5, "item": 6, "window": 7, "clerk": 8}[by]
    table: dict[str, list[int]] = {}
    for card in cards:
        counts = table.setdefault(str(card[index] or ""), [0, 0, 0])
        counts[("yellow", "red", "blue").index(card[2])] += 1
    rows = [(k, v[0], v[1], v[2]) for k, v in table.items()]
    rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
    return rows


def full_first_page(cards: list[tuple[Any, ...]]) -> list[tuple[str, str, str]]:
    rank = {"red": 0, "yellow": 1, "blue": 2}
    ordered = sorted(cards, key=lambda c: (rank[c[2]], c[3] or "", c[1]))
    return [(c[0], c[1], c[2]) for c in ordered[:PAGE]]


# ---------------------------------------------------------------- the run


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of `runs` calls, and the last call's answer."""
    samples, answer = [], None
    for _ in range(runs):
        began = time.perf_counter()
        answer = fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), answer


def measure(store: Store, today: date, runs: int) -> dict[str, Any]:
    from center.console import watching

    session = store.login(CLERK, PIN)
    quarter = supervision.months_of(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    twelve = supervision.last_months(today, 12)
    out: dict[str, Any] = {}

    def compare(name: str, fast: Callable[[], Any], slow: Callable[[], Any],
                same: Callable[[Any, Any], bool]) -> None:
        fast_s, fast_answer = timed(fast, runs)
        slow_s, slow_answer = timed(slow, 1)
        out[name] = {"ms": round(fast_s * 1000, 2), "full_scan_ms": round(slow_s * 1000, 1),
                     "ratio": round(slow_s / fast_s, 1) if fast_s else None,
                     "under_1s": fast_s < 1.0, "agree": bool(same(fast_answer, slow_answer))}

    def as_map(rows: list[supervision.Figures]) -> dict[str, supervision.Figures]:
        return {f.key: f for f in rows}

    with store.database.read() as db:
        compare("figures_quarter_by_village",
                lambda: supervision.figures(db, quarter, by="village", today=today),
                lambda: full_scan(db, quarter, by="village", today=today),
                lambda a, b: as_map(a) == b)
        compare("figures_quarter_by_item",
                lambda: supervision.figures(db, quarter, by="item", today=today),
                lambda: full_scan(db, quarter, by="item", today=today),
                lambda a, b: as_map(a) == b)
        compare("series_12_months", lambda: supervision.series(db, twelve, today=today),
                lambda: full_series(db, twelve, today), lambda a, b: a == b)
        cards: list[Any] = []

        def scan_rollup(by: str) -> list[tuple[str, int, int, int]]:
            cards[:] = full_cards(db, today)
            return full_rollup(cards, by)

        compare("cards_by_township", lambda: supervision.card_rollup(db, today, "township"),
                lambda: scan_rollup("township"), lambda a, b: a == b)
        compare("cards_by_item", lambda: supervision.card_rollup(db, today, "item"),
                lambda: scan_rollup("item"), lambda a, b: a == b)
        compare("open_cards_first_page", lambda: supervision.open_cards(db, today, limit=PAGE),
                lambda: full_first_page(full_cards(db, today)),
                lambda a, b: [(c.subject, c.subject_id, c.colour) for c in a] == b)

    def board_scan() -> tuple[int, int, supervision.Figures, int, int]:
        with store.database.read() as db:
            day = today.isoformat()
            received = db.execute("SELECT COUNT(*) FROM case_facts NOT INDEXED WHERE received_on = ?",
                                  [day]).fetchone()[0]
            finished = db.execute("SELECT COUNT(*) FROM case_facts NOT INDEXED WHERE finished_on = ?",
                                  [day]).fetchone()[0]
            month = full_scan(db, [f"{today:%Y-%m}"], today=today).get("", supervision.Figures(key=""))
            rollup = full_rollup(full_cards(db, today), "township")
        return (int(received), int(finished), month, sum(r[1] for r in rollup), sum(r[2] for r in rollup))

    compare("board", lambda: watching.board(session, today), board_scan,
            lambda a, b: (a.received_today, a.finished_today, a.month, a.yellow, a.red) == b)
    with store.database.read() as db:
        out["figure_rows"] = int(db.execute("SELECT COUNT(*) FROM figure_counts").fetchone()[0])
    return out


def measure_http(store: Store, today: date, runs: int) -> dict[str, Any]:
    """The real pages over loopback (uvicorn, the center's own app): /board and the figures page."""
    from bench.console import log_in, serve

    url, server, thread = serve(store)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    try:
        out = {}
        client = log_in(url)
        for name, path, params in (("http_board", "/board", {}),
                                   ("http_figures_quarter", "/console/figures",
                                    {"period": quarter, "by": "village"})):

            def page(path: str = path, params: dict[str, str] = params) -> None:
                client.get(path, params=params).raise_for_status()

            page()  # warm
            seconds, _ = timed(page, runs)
            out[name] = {"ms": round(seconds * 1000, 1), "under_1s": seconds < 1.0}
        client.close()
        return out
    finally:
        server.should_exit = True
        thread.join(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 1,000,000 cases")
    parser.add_argument("--runs", type=int, default=5, help="timed calls of each page query")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--no-http", action="store_true", help="skip the pages over loopback")
    args = parser.parse_args()
    today = date.today()
    cases = max(1, int(FULL_CASES * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        store, built = build(Path(tmp) / "county", cases=cases, seed=args.seed, today=today)
        results = measure(store, today, args.runs)
        if not args.no_http:
            results.update(measure_http(store, today, args.runs))
        store.close()
    pages = {k: v for k, v in results.items() if isinstance(v, dict) and "agree" in v}
    http = [v["under_1s"] for k, v in results.items() if k.startswith("http_")]
    print(json.dumps({
        "bench": "stats", "today": today.isoformat(), "scale": args.scale, **built,
        "townships": len(TOWNSHIPS), "villages": len(VILLAGES), **results,
        "target": {"each_under_ms": 1000, "met": all(v["under_1s"] for v in pages.values()) and all(http),
                   "all_agree": all(v["agree"] for v in pages.values())},
    }, ensure_ascii=False, indent=2))
    if not all(v["agree"] for v in pages.values()):
        raise SystemExit("the counters and the full scan disagree")


if __name__ == "__main__":
    main()
