"""Every figure equals a brute-force count over the history that made it.

Random histories (applications of a few items at two villages, received on days across
September to November 2026, which holds 国庆 and its 调休 make-up days; accepted, completed or
rejected on later days, some late, some still open; delivered and rated 1..5 at the village;
some bad ratings' follow-ups closed) are driven through the product's own path: the village's
intake, rating and HTTP sync to a real township center on loopback, the clerk's decisions,
with time-machine moving the date. Then `supervision.figures` for each month and quarter and
by each dim is compared with a count written here over the generated history alone.

A second test checks the bench's full scan (`bench.stats.full_scan`) against `figures` on a
small generated county store, so the bench's own check is itself checked.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from center import complaints, followup, supervision
from center.enroll import issue_code
from center.ingest import decide
from forms.catalog import load_catalog
from forms.templates import template
from forms.workdays import WorkingCalendar
from storage import windows
from storage.crypto import TEST_KDF
from storage.status import CALL_RESULTS
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import AGENT, PIN
from tests.sync_helpers import CLERK, TOWNSHIP_CODE, make_center, serving
from village_agent import intake

CATALOG = load_catalog()
CALENDAR = WorkingCalendar.default()
# Township-decided items: an instant one (0 days) and promised ones of 3 to 15 working days.
ITEMS = ("LL-LNRYDZ", "GA-CSDJ", "RS-CXJMYLCB", "WG-MDJF", "MZ-GLJT")
VILLAGES = (f"{TOWNSHIP_CODE}201", f"{TOWNSHIP_CODE}202")
FIRST = date(2026, 9, 14)  # the week before the 20 September make-up Sunday
LAST_RECEIPT = 55          # days after FIRST: up to 8 November
END = date(2026, 11, 20)   # "today" when the figures are read
MONTHS = ("2026-09", "2026-10", "2026-11")
PERIODS = (*([m] for m in MONTHS), supervision.months_of("2026-Q3"), supervision.months_of("2026-Q4"))
# Windows set up at the center: 民政 and 人社 have their own; other departments none.
WINDOWS = {"民政": "W1", "人社": "W2"}


@dataclass(frozen=True)
class Case:
    item: str
    village: int
    received: int      # days after FIRST
    outcome: str       # "received" | "accepted" (still open), "completed", "rejected"
    decided: int       # days after receipt
    rating: int | None  # 1..5 after delivery (completed cases only)
    rated: int         # days after the decision
    close_followup: bool
    closed: int        # days after the rating that the call back closes the follow-up
    complaint: int | None  # days after receipt that a complaint about it is taken at the center

    def received_on(self) -> date:
        return FIRST + timedelta(days=self.received)

    def decided_on(self) -> date:
        return min(self.received_on() + timedelta(days=self.decided), END)

    def rated_on(self) -> date:
        return min(self.decided_on() + timedelta(days=self.rated), END)

    def closed_on(self) -> date:
        return min(self.rated_on() + timedelta(days=self.closed), END)

    def closes_followup(self) -> bool:
        return self.rated_here() and (self.rating or 0) >= 4 and self.close_followup

    def complained_on(self) -> date | None:
        if self.complaint is None:
            return None
        return min(self.received_on() + timedelta(days=self.complaint), END)

    def clerk_on(self, day: date) -> str:
        """Who answers for the case on `day`: the clerk who accepted or rejected it by then."""
        taken = self.outcome in ("accepted", "completed") or (
            self.outcome == "rejected" and self.decided_on() <= day)
        return CLERK if taken else ""

    def rated_here(self) -> bool:
        return self.outcome == "completed" and self.rating is not None


cases = st.builds(
    Case,
    item=st.sampled_from(ITEMS),
    village=st.integers(0, len(VILLAGES) - 1),
    received=st.integers(0, LAST_RECEIPT),
    outcome=st.sampled_from(("received", "accepted", "completed", "completed", "rejected")),
    decided=st.integers(0, 30),
    rating=st.one_of(st.none(), st.integers(1, 5)),
    rated=st.integers(0, 6),
    close_followup=st.booleans(),
    closed=st.integers(0, 40),
    complaint=st.one_of(st.none(), st.integers(0, 40)),
)
# Complaints about a window, not a case: (window code, days after FIRST).
window_complaints = st.lists(st.tuples(st.sampled_from(sorted(WINDOWS.values())),
                                       st.integers(0, (END - FIRST).days)), max_size=2)


# ---------------------------------------------------------------- the brute force


def _expected(history: list[Case], months: list[str], dim: str,
              about_windows: Sequence[tuple[str, int]] = ()) -> dict[str, dict[str, int]]:
    """The figures of `months` by `dim`, counted from the history alone."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    current = f"{END:%Y-%m}"
    for window, offset in about_windows:  # counted under the center, the township and the window
        key = {"all": "", "township": TOWNSHIP_CODE, "window": window}.get(dim)
        if key is not None and f"{FIRST + timedelta(days=offset):%Y-%m}" in months:
            table[key]["complaints"] += 1
    for case in history:
        entry = CATALOG.get(case.item)
        village = VILLAGES[case.village]
        received = case.received_on()
        limit = entry.time_limit_days
        due = CALENDAR.add_working_days(received, limit).due
        decided = case.outcome in ("accepted", "completed", "rejected")
        key = {"all": "", "township": TOWNSHIP_CODE, "village": village, "item": case.item,
               "window": WINDOWS.get(entry.department, ""), "clerk": CLERK if decided else "",
               "agent": f"{village}/{AGENT}"}[dim]
        row = table[key]
        complained = case.complained_on()
        if complained is not None and f"{complained:%Y-%m}" in months:
            # Under the case's keys as they stood that day (its clerk then).
            table[case.clerk_on(complained) if dim == "clerk" else key]["complaints"] += 1
        if f"{received:%Y-%m}" in months:
            row["received"] += 1
        if case.outcome in ("completed", "rejected"):
            finished = case.decided_on()
            if f"{finished:%Y-%m}" in months:
                kind = "instant" if limit == 0 else "promised"
                row[f"done_{kind}"] += 1
                if finished <= due:
                    row[f"ontime_{kind}"] += 1
                else:
                    row["late"] += 1
        elif current in months and due < END:  # open and red today
            row["late"] += 1
        if case.rated_here() and f"{case.rated_on():%Y-%m}" in months:
            assert case.rating is not None
            row["rated"] += 1
            if case.rating <= 3:
                row["satisfied"] += 1
            else:
                row["bad"] += 1
                row["bad_closed"] += int(case.close_followup)  # by the month of the rating
    return {k: {c: n for c, n in v.items() if n} for k, v in table.items() if any(v.values())}


def _got(db: Any, months: list[str], dim: str) -> dict[str, dict[str, int]]:
    out = {}
    for row in supervision.figures(db, months, by=dim, today=END):
        counts = {c: getattr(row, c) for c in ("received", "done_instant", "ontime_instant",
                                                "done_promised", "ontime_promised", "late", "rated",
                                                "satisfied", "bad", "bad_closed", "complaints")}
        out[row.key] = {c: n for c, n in counts.items() if n}
    return out


# ---------------------------------------------------------------- the product's path


@dataclass
class Site:
    center: Session
    node: Node
    url: str
    villages: list[Session]


def _site(stack: ExitStack, root: Path) -> Site:
    center = make_center(root / "township")
    stack.callback(center.store.close)
    for department, code in WINDOWS.items():
        windows.save_window(center.store.database, center.keys, code, f"{department}窗口",
                            [department], by=CLERK)
    node = Node.of(center)
    url = stack.enter_context(serving(node))
    villages = []
    for n, code in enumerate(VILLAGES):
        store = Store.create(root / f"village{n}", village_code=code, village_name=f"村{n}",
                             operator_name=AGENT, pin=PIN, kdf=TEST_KDF)
        stack.callback(store.close)
        session = store.login(AGENT, PIN)
        enroll_online(session, url, issue_code(node, code))
        villages.append(session)
    return Site(center, node, url, villages)


def _sync(site: Site, village: int) -> None:
    session = site.villages[village]
    assert sync_once(session.store, session=session).ok


def _days(history: list[Case], about_windows: list[tuple[str, int]]) -> Iterator[date]:
    days = {c.received_on() for c in history} | {c.decided_on() for c in history} | {
        c.rated_on() for c in history} | {c.closed_on() for c in history if c.closes_followup()} | {
        d for c in history if (d := c.complained_on()) is not None} | {
        FIRST + timedelta(days=offset) for _, offset in about_windows}
    yield from sorted(days)


def _drive(site: Site, history: list[Case], about_windows: list[tuple[str, int]]) -> None:
    """Play the history day by day, each step as the village or the clerk does it."""
    ids: dict[int, str] = {}
    for day in _days(history, about_windows):
        with time_machine.travel(day, tick=False):
            touched: set[int] = set()
            for n, case in enumerate(history):
                if case.received_on() == day:
                    session = site.villages[case.village]
                    data = template(CATALOG.get(case.item), village_code=VILLAGES[case.village],
                                    today=day)
                    ids[n] = intake.take(session, CATALOG, session.calendar(), case.item, data,
                                         today=day).application_ids[0]
                    touched.add(case.village)
            for village in sorted(touched):
                _sync(site, village)  # the township receives them today
            for n, case in enumerate(history):
                if case.received_on() == day and case.outcome in ("accepted", "completed"):
                    decide(site.node, ids[n], "accepted", {})
                if case.decided_on() == day and case.outcome == "completed":
                    decide(site.node, ids[n], "completed", {"result": "已办结"})
                if case.decided_on() == day and case.outcome == "rejected":
                    decide(site.node, ids[n], "rejected", {"reason": "不符合条件"})
            for n, case in enumerate(history):  # 投诉监督台: taken down by the clerk
                if case.complained_on() == day:
                    complaints.record(site.node, application_id=ids[n], text="办事等了很久", today=day)
            for window, offset in about_windows:
                if FIRST + timedelta(days=offset) == day:
                    complaints.record(site.node, window_code=window, text="窗口无人", today=day)
            rating_today = [n for n, c in enumerate(history) if c.rated_here() and c.rated_on() == day]
            for village in sorted({history[n].village for n in rating_today}):
                _sync(site, village)  # the results come down
            for n in rating_today:
                case = history[n]
                session = site.villages[case.village]
                assert case.rating is not None
                intake.deliver(session, ids[n], today=day)
                intake.rate(session, ids[n], intake.Rating(
                    case.rating, (), "" if case.rating < 4 else "跑了两趟"), today=day)
            for village in sorted({history[n].village for n in rating_today}):
                _sync(site, village)  # the ratings go up; a bad one opens a follow-up
            for n, case in enumerate(history):
                if case.closes_followup() and case.closed_on() == day:
                    _close_followup(site, ids[n], day)


def _close_followup(site: Site, app_id: str, day: date) -> None:
    """The clerk's 核实, 整改 and 回访 (the call back closes it), as the console records them."""
    with site.center.store.database.read() as db:
        found = followup.for_case(db, app_id)
    assert found is not None, "a bad rating opens a follow-up"
    for step in followup.STEPS:
        followup.record(site.node, found.id, step, "已核实并整改",
                        CALL_RESULTS[0] if step == "call" else "", today=day)


@settings(max_examples=25, deadline=None)
@given(st.lists(cases, min_size=1, max_size=7), window_complaints)
def test_every_figure_equals_a_brute_force_count_of_the_history(
        history: list[Case], about_windows: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        with time_machine.travel(FIRST, tick=False):
            site = _site(stack, Path(tmp))
        _drive(site, history, about_windows)
        with site.center.store.database.read() as db:
            for months in PERIODS:
                for dim in ("all", *supervision.DIMS):
                    assert _got(db, months, dim) == _expected(history, months, dim, about_windows), (
                        months, dim)
            series = dict(supervision.series(db, list(MONTHS), today=END))
        for month in MONTHS:
            want = _expected(history, [month], "all", about_windows).get("", {})
            assert series[month].received == want.get("received", 0)
            assert series[month].late == want.get("late", 0)


def test_the_bench_full_scan_agrees_with_figures(tmp_path: Path) -> None:
    """bench.stats builds a small county; its full scan and `figures` must give the same rows."""
    from bench import stats

    today = date(2026, 11, 20)
    store, built = stats.build(tmp_path / "county", cases=3000, seed=7, today=today)
    try:
        assert built["cases"] == 3000
        with store.database.read() as db:
            months = supervision.last_months(today, 12)
            quarter = supervision.months_of("2026-Q4")
            checked = 0
            for period in ([today.strftime("%Y-%m")], quarter, months):
                for dim in ("all", *supervision.DIMS):
                    fast = {f.key: f for f in supervision.figures(db, period, by=dim, today=today)}
                    slow = stats.full_scan(db, period, by=dim, today=today)
                    assert fast == slow, (period, dim)
                    checked += len(fast)
            assert checked > 1000  # hundreds of villages, agents and clerks were compared
            bad = sum(f.bad for f in supervision.figures(db, months, today=today))
            assert bad > 0 and any(f.late for f in supervision.figures(db, quarter, today=today))
    finally:
        store.close()
