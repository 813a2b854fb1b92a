"""Township → county status records (电子监察 at the county): every township case, exactly once.

A real village store, a township and a county, each served on loopback; the township reaches
its county through a fault proxy, so an answer lost after the county committed is real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from center import ingest, supervision
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage.store import Session
from sync import signed, statusrecord
from sync.client import enroll_online, sync_once
from sync.errors import BundleRejected
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.faultproxy import FaultPlan, ThreadedFaultProxy
from tests.forms_helpers import example
from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving
from tests.test_sync_county import second_backend  # noqa: F401  (the township's database)
from village_agent import intake

COUNTY_CODE = "430481"
OTHER_TOWNSHIP = "430481102"
TOWNSHIP_ITEM = "MZ-GLJT"  # decided at the township
COUNTY_ITEM = "CL-CJRZ"  # decided at the county


@dataclass
class World:
    village: Session
    township: Node
    county: Node
    proxy: ThreadedFaultProxy
    county_url: str
    catalog: Catalog

    def case(self, item: str = TOWNSHIP_ITEM) -> str:
        """A villager's case filed at the village and taken in by the township."""
        app_id = intake.take(self.village, self.catalog, self.village.calendar(), item,
                             example(self.catalog.get(item)), today=TODAY).application_ids[0]
        assert sync_once(self.village.store, session=self.village).ok
        return app_id

    def county_facts(self) -> dict[str, dict[str, Any]]:
        with self.county.session.store.database.read() as db:
            cursor = db.execute("SELECT * FROM case_facts ORDER BY application_id")
            names = [c[0] for c in cursor.description]
            return {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}

    def county_state(self) -> tuple[Any, ...]:
        """Everything a status record may write at the county."""
        with self.county.session.store.database.read() as db:
            return (db.execute("SELECT * FROM case_facts ORDER BY application_id").fetchall(),
                    db.execute("SELECT * FROM figure_counts ORDER BY 1, 2, 3, 4").fetchall())

    def pending(self) -> list[tuple[str, int, int]]:
        with self.township.session.store.database.read() as db:
            return db.execute("SELECT application_id, version, sent_version FROM status_out"
                              " WHERE version > sent_version ORDER BY 1").fetchall()

    def alarms(self, kind: str) -> list[tuple[str, str]]:
        with self.county.session.store.database.read() as db:
            return db.execute("SELECT sender, detail FROM alarms WHERE kind = ?", [kind]).fetchall()


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """The county runs on SQLite and on PostgreSQL, the township on a second store of its kind."""
    return center_backend


@pytest.fixture
def world(tmp_path: Path, session: Session, catalog: Catalog, township_backend: str | None,
          second_backend: str | None) -> Iterator[World]:  # noqa: F811
    county_session = make_center(tmp_path / "county", "county", COUNTY_CODE,
                                 database=township_backend)
    township_session = make_center(tmp_path / "township", database=second_backend)
    county, township = Node.of(county_session), Node.of(township_session)
    with serving(county) as county_url, serving(township) as township_url:
        port = int(county_url.rsplit(":", 1)[1])
        with ThreadedFaultProxy("127.0.0.1", port, seed=7) as proxy:
            proxy_url = f"http://127.0.0.1:{proxy.port}"
            enroll_online(township_session, proxy_url, issue_code(county, TOWNSHIP_CODE))
            enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
            yield World(session, township, county, proxy, county_url, catalog)
    county_session.store.close()
    township_session.store.close()


def test_a_case_decided_at_the_township_reaches_the_county_and_follows_each_decision(
    world: World,
) -> None:
    w = world
    app_id = w.case()
    ingest.decide(w.township, app_id, "accepted", {})
    assert [p[0] for p in w.pending()] == [app_id]

    up = forward_once(w.township)
    assert up.ok and up.statuses == 1 and up.refused == [], up
    assert w.pending() == []
    row = w.county_facts()[app_id]
    with w.township.session.store.database.read() as db:
        own = supervision.facts_record(db, app_id)
        version = db.execute("SELECT version FROM status_out WHERE application_id = ?",
                             [app_id]).fetchone()[0]
    assert own is not None
    assert row["source"] == "township" and row["township"] == TOWNSHIP_CODE
    assert row["status"] == "accepted" and row["village_code"] == VILLAGE_CODE
    assert row["received_on"] == own["received_on"] is not None
    assert row["due_on"] == own["due_on"] is not None and row["finished_on"] is None
    assert row["version"] == version
    assert {k: row[k] for k in own} == own  # the township's facts, whole

    ingest.decide(w.township, app_id, "completed", {"result": "准予救助，每月发放低保金"})
    up = forward_once(w.township)
    assert up.ok and up.statuses == 1
    row = w.county_facts()[app_id]
    assert row["status"] == "completed" and row["finished_on"] == date.today().isoformat()
    assert row["version"] > version
    assert forward_once(w.township).statuses == 0  # nothing changed: nothing sent


def test_an_answer_lost_after_the_county_filed_is_resent_and_changes_nothing(world: World) -> None:
    w = world
    app_id = w.case()
    ingest.decide(w.township, app_id, "accepted", {})
    w.proxy.plan = FaultPlan(drop_response=True)
    lost = forward_once(w.township)
    assert not lost.ok
    filed = w.county_state()
    assert w.county_facts()[app_id]["status"] == "accepted"  # the county did file it
    assert [p[0] for p in w.pending()] == [app_id]  # the township, not knowing, keeps it owed
    with w.county.session.store.database.read() as db:
        counted = db.execute("SELECT COUNT(*), SUM(n) FROM figure_counts").fetchone()
    assert counted[0] > 0

    w.proxy.plan = FaultPlan()
    again = forward_once(w.township)
    assert again.ok and again.statuses == 1 and again.refused == []
    assert w.county_state() == filed  # the same record again: the same rows, versions, counters
    assert w.pending() == []


def test_a_change_made_while_a_record_was_on_its_way_stays_owed(world: World) -> None:
    w = world
    app_id = w.case()
    ingest.decide(w.township, app_id, "accepted", {})
    with w.township.session.store.database.read() as db:
        sent = supervision.facts_record(db, app_id)
    assert sent is not None

    def decide_meanwhile(request: object) -> None:
        ingest.decide(w.township, app_id, "completed", {"result": "准予救助"})

    import httpx

    with httpx.Client(event_hooks={"request": [decide_meanwhile]}) as client:
        assert forward_once(w.township, client).ok
    assert w.county_facts()[app_id]["status"] == "accepted"  # what was sent
    assert [p[0] for p in w.pending()] == [app_id]  # the newer version is still owed
    assert forward_once(w.township).ok
    assert w.county_facts()[app_id]["status"] == "completed"


def test_a_backlog_goes_in_batches_within_one_forward(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world
    monkeypatch.setattr(statusrecord, "BATCH", 2)
    apps = [w.case() for _ in range(3)]
    for app_id in apps:
        ingest.decide(w.township, app_id, "accepted", {})
    import httpx

    posts: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda r: posts.append(r.url.path)]}) as client:
        up = forward_once(w.township, client)
    assert up.ok and up.statuses == 3
    assert posts == ["/v1/sync", "/v1/sync"]  # two records, then the third
    assert w.pending() == []
    assert {a: w.county_facts()[a]["status"] for a in apps} == dict.fromkeys(apps, "accepted")


def test_a_case_the_county_holds_itself_is_not_overwritten(world: World) -> None:
    w = world
    app_id = w.case(COUNTY_ITEM)
    assert forward_once(w.township).ok  # the village's messages up; the county files them
    assert forward_once(w.township).ok  # and any status record the township still owes
    row = w.county_facts()[app_id]
    assert row["source"] == "own"
    ingest.decide(w.county, app_id, "accepted", {})
    own = w.county_facts()[app_id]
    assert own["source"] == "own" and own["status"] == "accepted"
    with w.township.session.store.database.write() as db:  # the township's older view, again
        db.execute("UPDATE status_out SET sent_version = 0")
    assert forward_once(w.township).ok
    assert w.county_facts()[app_id] == own


def test_the_countys_card_rollup_lists_the_townships_red_case(world: World) -> None:
    w = world
    late, fine = w.case(), w.case()
    ingest.decide(w.township, late, "accepted", {})
    ingest.decide(w.township, fine, "accepted", {})
    ingest.decide(w.township, fine, "completed", {"result": "准予救助"})
    assert forward_once(w.township).ok
    due = date.fromisoformat(w.county_facts()[late]["due_on"])
    with w.county.session.store.database.read() as db:
        assert supervision.card_rollup(db, due + timedelta(days=1), "township") == [
            (TOWNSHIP_CODE, 0, 1, 0)]
        cards = supervision.open_cards(db, due + timedelta(days=1), township=TOWNSHIP_CODE)
    assert [(c.application_id, c.colour) for c in cards] == [(late, "red")]


# ---- refused: nothing written, an alarm -------------------------------------------------------


def _real_body(w: World) -> tuple[str, dict[str, Any]]:
    app_id = w.case()
    ingest.decide(w.township, app_id, "accepted", {})
    with w.township.session.store.database.read() as db:
        facts = supervision.facts_record(db, app_id)
    assert facts is not None
    return app_id, statusrecord.build(facts, version=50, township=TOWNSHIP_CODE)


def _offer(w: World, raw: bytes) -> list[str]:
    result = ingest.Ingested()
    ingest.ingest(w.county, raw, result)
    return [r[2] for r in result.refused]


def test_a_record_from_a_village_device_is_refused(world: World) -> None:
    w = world
    w.case(COUNTY_ITEM)
    assert forward_once(w.township).ok  # the county knows the village device (its certificate)
    _, body = _real_body(w)
    before = w.county_state()
    village_keys = Node.of(w.village).keys
    assert _offer(w, signed.sign(statusrecord.KIND, body, village_keys)) == ["not_permitted"]
    assert w.county_state() == before
    assert [a[0] for a in w.alarms("not_permitted")] == [village_keys.device_id]


def test_a_record_from_another_township_or_about_its_cases_is_refused(
    world: World, tmp_path: Path
) -> None:
    w = world
    other_session = make_center(tmp_path / "other", code=OTHER_TOWNSHIP)
    try:
        other = Node.of(other_session)
        enroll_online(other_session, w.county_url, issue_code(w.county, OTHER_TOWNSHIP))
        app_id, body = _real_body(w)
        assert forward_once(w.township).ok
        before = w.county_state()
        # Claiming to be our township, or naming its own code over our township's village:
        assert _offer(w, signed.sign(statusrecord.KIND, body, other.keys)) == ["wrong_village"]
        own_code = {**body, "township": OTHER_TOWNSHIP}
        assert _offer(w, signed.sign(statusrecord.KIND, own_code, other.keys)) == ["malformed"]
        # A village of its own, but a case number our township holds:
        taken = {**own_code, "village_code": OTHER_TOWNSHIP + "201"}
        assert _offer(w, signed.sign(statusrecord.KIND, taken, other.keys)) == [
            "foreign_application"]
        assert w.county_state() == before
        assert w.county_facts()[app_id]["township"] == TOWNSHIP_CODE
        assert len(w.alarms("wrong_village")) == len(w.alarms("foreign_application")) == 1
    finally:
        other_session.store.close()


def test_a_malformed_record_from_the_township_is_refused_whole(world: World) -> None:
    w = world
    app_id, body = _real_body(w)
    before = w.county_state()
    for bad in ({**body, "status": "approved"}, {**body, "due_on": "2026-02-30"},
                {**body, "rating": 9, "rated_on": "2026-11-23"}, {**body, "name": "张三"},
                {k: v for k, v in body.items() if k != "clerk"}, {**body, "version": "50"}):
        raw = signed.sign(statusrecord.KIND, bad, w.township.keys)
        assert _offer(w, raw) == ["malformed"], bad
    assert w.county_state() == before
    assert app_id not in w.county_facts()
    forged = bytearray(signed.sign(statusrecord.KIND, body, w.township.keys))
    forged[20] ^= 1  # altered on the way
    assert _offer(w, bytes(forged)) in (["bad_signature"], ["malformed"])
    assert w.county_state() == before


def test_a_township_does_not_take_status_records(world: World) -> None:
    w = world
    _, body = _real_body(w)
    result = ingest.Ingested()
    ingest.ingest(w.township, signed.sign(statusrecord.KIND, body, Node.of(w.village).keys), result)
    assert [r[2] for r in result.refused] == ["not_permitted"]


# ---- the record's shape ---------------------------------------------------------------------


def test_the_record_carries_exactly_the_facts_the_center_keeps() -> None:
    assert {*supervision.FACT_FIELDS, "application_id", "version"} == statusrecord.FIELDS


DAY = st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(date.isoformat)
NAME = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn")),
               max_size=statusrecord.MAX_NAME).filter(str.isprintable)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    rating = draw(st.none() | st.integers(1, 5))
    return {
        "application_id": draw(st.from_regex(r"[A-Za-z0-9-]{1,64}", fullmatch=True)),
        "township": TOWNSHIP_CODE,
        "village_code": TOWNSHIP_CODE + draw(st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
        "item_code": draw(st.from_regex(r"[A-Z]{2}-[A-Z]{2,6}", fullmatch=True)),
        "window_code": draw(NAME), "clerk": draw(NAME), "agent": draw(NAME),
        "instant": draw(st.integers(0, 1)), "late": draw(st.integers(0, 1)),
        "followup_closed": draw(st.integers(0, 1)),
        "status": draw(st.sampled_from(sorted(statusrecord.STATUSES))),
        **{k: draw(st.none() | DAY) for k in ("received_on", "due_on", "yellow_from",
                                              "red_from", "finished_on", "blue_since")},
        "rating": rating, "rated_on": None if rating is None else draw(DAY),
        "version": draw(st.integers(1, 2**53 - 1)),
    }


@settings(max_examples=200, deadline=None)
@given(records())
def test_a_well_formed_record_reads_back_as_it_was_built(body: dict[str, Any]) -> None:
    facts, version = statusrecord.parse(body)
    assert version == body["version"] and {**facts, "version": version} == body
    assert statusrecord.build(facts, version=version, township=body["township"]) == body


WRONG: st.SearchStrategy[Any] = st.sampled_from([None, True, 1.0, "", "x" * 200, "1", [], {}, -1, 6, "2026-13-01",
                         "张\n三"])


@settings(max_examples=300, deadline=None)
@given(records(), st.sampled_from(sorted(statusrecord.FIELDS)), WRONG)
def test_any_ill_typed_field_is_refused(body: dict[str, Any], key: str, value: Any) -> None:
    bad = {**body, key: value}
    try:
        facts, _ = statusrecord.parse(bad)
    except BundleRejected as exc:
        assert exc.reason == "malformed"
        return
    # Only a value the field really allows gets through, and then it is kept as given.
    assert facts.get(key, bad["version"]) == value
    allowed: dict[str, type] = {
        **dict.fromkeys(("application_id", "item_code", "window_code", "clerk", "agent"), str),
        **dict.fromkeys((*statusrecord.DAYS, "rating"), type(None)), "version": int,
    }
    assert key in allowed and isinstance(value, allowed[key])
