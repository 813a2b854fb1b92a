"""Cards and figures kept as a case moves, on a real village store and a township on loopback."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from center import ingest, supervision
from center.enroll import issue_code
from forms.catalog import Catalog
from storage.errors import InvalidRequest
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import VILLAGE_CODE
from tests.forms_helpers import example as fresh_template
from village_agent import intake


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


RECEIVED = date(2026, 9, 24)  # a Thursday before 中秋 (25 Sep) and 国庆 (1-7 Oct, 10 Oct worked)


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc),
                               tick=False)


def _filed(session: Session, township: tuple[Node, str], catalog: Catalog) -> str:
    node, url = township
    with _at(RECEIVED):
        enroll_online(session, url, issue_code(node, VILLAGE_CODE))
        app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                             fresh_template(catalog.get("MZ-GLJT")),
                             today=RECEIVED).application_ids[0]
        assert sync_once(session.store, session=session).ok
    return app_id


def _facts(node: Node, app_id: str) -> dict[str, object]:
    with node.session.store.database.read() as db:
        row = supervision._row(db, app_id)
    assert row is not None
    return row


def test_a_case_turns_yellow_then_red_across_national_day_and_counts_late_when_done(
        session: Session, township: tuple[Node, str], catalog: Catalog) -> None:
    node, _ = township
    app_id = _filed(session, township, catalog)
    facts = _facts(node, app_id)
    # 15 working days from 24 Sep: 中秋 and 国庆 off, Saturday 10 Oct worked.
    assert (facts["received_on"], facts["due_on"]) == ("2026-09-24", "2026-10-22")
    assert (facts["yellow_from"], facts["red_from"]) == ("2026-10-20", "2026-10-23")
    assert facts["agent"] and str(facts["agent"]).startswith(VILLAGE_CODE + "/")
    assert facts["township"] == node.session.store.info.village_code
    db = node.session.store.database
    with db.read() as r:
        assert supervision.open_cards(r, date(2026, 10, 19)) == []
        [yellow] = supervision.open_cards(r, date(2026, 10, 20), calendar=node.session.calendar())
        assert (yellow.colour, yellow.application_id, yellow.days_left) == ("yellow", app_id, 2)
        [red] = supervision.open_cards(r, date(2026, 10, 23))
        assert red.colour == "red" and red.raised_on == "2026-10-23"
        assert supervision.card_rollup(r, date(2026, 10, 23), "village") == [(VILLAGE_CODE, 0, 1, 0)]
        september = supervision.figures(r, ["2026-09"], today=date(2026, 10, 23))
        assert [(f.received, f.done, f.late) for f in september] == [(1, 0, 0)]
        october = supervision.figures(r, ["2026-10"], today=date(2026, 10, 23))
        assert [(f.received, f.late) for f in october] == [(0, 1)]  # open and red today
    with db.write() as w:
        assert supervision.settle(w, None, date(2026, 10, 23)) == 2
        assert supervision.settle(w, None, date(2026, 10, 23)) == 0  # idempotent
    with _at(date(2026, 10, 26)):
        ingest.decide(node, app_id, "accepted", {})
        ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元"})
    with db.read() as r:
        assert supervision.open_cards(r, date(2026, 10, 26)) == []
        history = r.execute("SELECT colour, raised_on, cleared_on FROM cards ORDER BY id").fetchall()
        assert history == [("yellow", "2026-10-20", "2026-10-23"), ("red", "2026-10-23", "2026-10-26")]
        [october] = supervision.figures(r, ["2026-10"], today=date(2026, 10, 26))
        assert (october.done_promised, october.ontime_promised, october.late) == (1, 0, 1)
        assert october.ontime_rate_promised == 0.0
        [quarter] = supervision.figures(r, supervision.months_of("2026-Q3"), by="item")
        assert (quarter.key, quarter.received) == ("MZ-GLJT", 1)
    assert _facts(node, app_id)["late"] == 1
    with db.read() as r:  # a township queues each change of the case for its county
        assert r.execute("SELECT version FROM status_out WHERE application_id = ?",
                         [app_id]).fetchone()[0] == _facts(node, app_id)["version"]


def test_a_case_done_in_time_is_on_time_and_moves_no_card(
        session: Session, township: tuple[Node, str], catalog: Catalog) -> None:
    node, _ = township
    app_id = _filed(session, township, catalog)
    with _at(date(2026, 10, 9)):
        ingest.decide(node, app_id, "accepted", {})
        ingest.decide(node, app_id, "rejected", {"reason": "不符合条件"})
    with node.session.store.database.read() as r:
        [october] = supervision.figures(r, ["2026-10"], today=date(2026, 10, 30))
        assert (october.done_promised, october.ontime_promised, october.late) == (1, 1, 0)
        assert supervision.open_cards(r, date(2026, 10, 30)) == []
    with node.session.store.database.write() as w:
        assert supervision.settle(w, None, date(2026, 10, 30)) == 0
        assert w.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 0


def test_settings_are_checked_whole_and_a_bad_period_is_refused(
        township: tuple[Node, str]) -> None:
    node, _ = township
    db = node.session.store.database
    with db.write() as w:
        supervision.save_settings(w, node.session.keys, supervision.Settings(
            yellow_days=3, item_yellow_days={"MZ-GLJT": 5}), "manager")
    with db.read() as r:
        assert supervision.settings(r).yellow_for("MZ-GLJT") == 5
        assert supervision.settings(r).yellow_for("RS-YLRZ") == 3
    with pytest.raises(InvalidRequest) as bad, db.write() as w:
        supervision.save_settings(w, node.session.keys, supervision.Settings(yellow_days=99), "m")
    assert "工作日" in bad.value.zh
    with db.read() as r:
        assert supervision.settings(r).yellow_days == 3
    assert supervision.months_of("2026-q4") == ["2026-10", "2026-11", "2026-12"]
    assert supervision.months_of("2026-02") == ["2026-02"]
    for period in ("2026-13", "26-10", "2026-Q5", "", "2026-10-01"):
        with pytest.raises(InvalidRequest):
            supervision.months_of(period)


def test_a_store_from_before_supervision_is_counted_from_its_events_once(
        session: Session, township: tuple[Node, str], catalog: Catalog) -> None:
    node, _ = township
    app_id = _filed(session, township, catalog)
    with _at(date(2026, 10, 26)):
        ingest.decide(node, app_id, "accepted", {})
        ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元"})
    db = node.session.store.database
    tables = ("SELECT * FROM case_facts ORDER BY application_id",
              "SELECT * FROM figure_counts WHERE n != 0 ORDER BY month, dim, key, counter")
    with db.read() as r:
        before = [r.execute(sql).fetchall() for sql in tables]
    with db.write() as w:  # as an upgraded store has them: cases, and no facts
        w.execute("DELETE FROM case_facts")
        w.execute("DELETE FROM figure_counts")
    with _at(date(2026, 11, 2)):
        assert supervision.backfill(node) == 1
        assert supervision.backfill(node) == 0
    with db.read() as r:
        after = [r.execute(sql).fetchall() for sql in tables]
    strip = [(row[:-2]) for row in before[0]], [(row[:-2]) for row in after[0]]  # version, stamp
    assert strip[0] == strip[1] and before[1] == after[1]
    with db.read() as r:
        [october] = supervision.figures(r, ["2026-10"], today=date(2026, 11, 2))
    assert (october.done_promised, october.late) == (1, 1)


def test_a_new_yellow_setting_moves_the_open_cases_at_once(
        session: Session, township: tuple[Node, str], catalog: Catalog) -> None:
    node, _ = township
    app_id = _filed(session, township, catalog)
    db = node.session.store.database
    with db.write() as w:
        supervision.save_settings(w, node.session.keys, supervision.Settings(yellow_days=5),
                                  "manager", calendar=node.session.calendar())
    # Five working days before 22 Oct: 15, 16, 19, 20, 21 Oct left from the 15th.
    assert _facts(node, app_id)["yellow_from"] == "2026-10-15"
