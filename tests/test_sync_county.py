"""County items: village → township → county, unchanged, and the county's decision back down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from center import ingest
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage import sync_outbox, sync_peers
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving, statuses
from village_agent import intake

COUNTY_CODE = "430481"
COUNTY_ITEM = "CL-CJRZ"  # 残疾人证: decided by the county


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's centers run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


@contextmanager
def _second_database(first: str | None, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Another center's store on the engine of `first`: None (SQLite), or a PostgreSQL database
    of its own, dropped after."""
    if first is None:
        yield None
        return
    server = request.getfixturevalue("pg_server")
    url = server.new_database(request.getfixturevalue("pg_template"))
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def second_backend(township_backend: str | None,
                   request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A second center (the township beside a county) on the engine of `township_backend`."""
    with _second_database(township_backend, request) as url:
        yield url


@pytest.fixture
def centers(tmp_path: Path, township_backend: str | None,
            request: pytest.FixtureRequest) -> Iterator[tuple[Node, str, Node, str]]:
    """A county and a township enrolled with it: (township, its URL, county, its URL).

    Both on SQLite, or both on PostgreSQL (each its own database) in a module that overrides
    `township_backend` with `center_backend`; modules that import this fixture and do not
    override it stay on SQLite.
    """
    with _second_database(township_backend, request) as second:
        county_session = make_center(tmp_path / "county", "county", COUNTY_CODE,
                                     database=township_backend)
        township_session = make_center(tmp_path / "township", database=second)
        county, township = Node.of(county_session), Node.of(township_session)
        with serving(county) as county_url, serving(township) as township_url:
            enroll_online(township_session, county_url, issue_code(county, TOWNSHIP_CODE))
            yield township, township_url, county, county_url
        county_session.store.close()
        township_session.store.close()


def test_county_item_travels_up_unchanged_and_the_county_decision_comes_back(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    assert catalog.item(COUNTY_ITEM).level == "county"
    enrolled = enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    assert enrolled.county is not None and enrolled.county.device_id == county.keys.device_id

    data = example(catalog.get(COUNTY_ITEM))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM, data,
                         today=TODAY).application_ids[0]
    assert {r["owner"] for r in sync_outbox.outbox_rows(session.store.database)} == {"county"}

    first = sync_once(session.store, session=session)
    assert first.ok and first.custody == 2 and first.done == 0  # held by the township, not yet owned
    assert statuses(township.session)[app_id] == "received"

    up = forward_once(township)
    assert up.ok and up.forwarded == 2 and up.acknowledged == 2, up
    assert statuses(county.session)[app_id] == "received"
    with county.session.store.database.read() as db:
        raws = {r[0] for r in db.execute("SELECT raw FROM received")}
    assert raws == set(sync_outbox.outbox_messages(session.store.database, [1, 2]))  # unchanged bytes

    second = sync_once(session.store, session=session)
    assert second.ok and second.done == 2  # the county's own ack, relayed by the township
    assert sync_outbox.outbox_rows(session.store.database) == []

    ingest.decide(county, app_id, "accepted", {})
    ingest.decide(county, app_id, "completed", {"result": "核发残疾人证，证号43048119400305124043"})
    down = forward_once(township)
    assert down.ok and down.decisions_down >= 2
    assert statuses(township.session)[app_id] == "completed"  # the township window sees it too
    third = sync_once(session.store, session=session)
    assert third.ok
    assert statuses(session)[app_id] == "completed"
    _, events = session.show(app_id)
    assert [e.payload.get("by") for e in events if e.type == "received"] == ["township", "county"]


def test_a_township_item_never_goes_to_the_county(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    data = example(catalog.get("MZ-GLJT"))
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", data, today=TODAY)
    assert sync_once(session.store, session=session).done == 2
    assert forward_once(township).forwarded == 0
    assert county.session.list() == []


def test_a_revocation_list_reaches_the_village_and_the_county_refuses_the_device_too(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    from center.revocation import revoke

    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    data = example(catalog.get(COUNTY_ITEM))
    intake.take(session, catalog, session.calendar(), COUNTY_ITEM, data, today=TODAY)
    assert sync_once(session.store, session=session).ok
    assert forward_once(township).ok  # the county now knows the device from its certificate

    device = session.store.info.device_id
    assert revoke(township, device) == 1
    assert forward_once(township).ok
    assert sync_peers.peer(county.session.store.database, device).revoked  # type: ignore[union-attr]

    report = sync_once(session.store, session=session)
    assert report.ok
    with session.store.database.read() as db:
        revoked_flag = db.execute("SELECT value FROM meta WHERE key = 'revoked'").fetchone()
        version = db.execute("SELECT value FROM meta WHERE key = 'revocation_version'").fetchone()
    assert revoked_flag == ("1",) and version == ("1",)

    intake.take(session, catalog, session.calendar(), COUNTY_ITEM, data, today=TODAY)
    refused = sync_once(session.store, session=session)
    assert "revoked" in refused.refused


def test_the_countys_holiday_table_reaches_every_village_through_its_township(
    session: Session, centers: tuple[Node, str, Node, str]
) -> None:
    from datetime import date

    from center.publish import publish_calendar
    from forms.workdays import YearTable

    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    assert not session.calendar().knows(2027)
    table = YearTable(2027, frozenset({date(2027, 1, 1), date(2027, 2, 8)}),
                      frozenset({date(2027, 2, 6)}), source="国务院办公厅通知", version="2027.1")
    assert publish_calendar(county, table) == 1
    assert forward_once(township).ok
    assert township.session.calendar().knows(2027)
    assert sync_once(session.store, session=session).ok
    cal = session.calendar()
    assert cal.knows(2027) and not cal.is_working_day(date(2027, 2, 8))
    assert cal.is_working_day(date(2027, 2, 6))  # a make-up Saturday


def test_the_forwarding_loop_outlives_a_failed_forward(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A forward that fails with an error (here a full disk) is retried after a back-off.

    The loop runs in `service-center serve`'s background thread: an exception that left it
    would end the township's forwarding to the county, silently, until someone restarts it.
    """
    import random
    import threading

    import center.upstream
    from storage.errors import StoreFull

    class NoJitter(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a

    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM,
                         example(catalog.get(COUNTY_ITEM)), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    real = center.upstream.forward_once
    calls: list[int] = []
    forwarded = threading.Event()

    def flaky(node: Node, client: object = None) -> center.upstream.ForwardReport:
        calls.append(1)
        if len(calls) == 1:
            raise StoreFull("disk full", "磁盘空间已满")
        report = real(node)
        forwarded.set()
        return report

    monkeypatch.setattr(center.upstream, "forward_once", flaky)
    loop = center.upstream.forwarding(township, interval=3600.0, rng=NoJitter())
    loop.start()
    try:
        assert forwarded.wait(60), "the loop died with the first failure"
    finally:
        loop.stop()
        assert loop.join(60)
    assert app_id in statuses(county.session)


def test_a_township_certificate_cannot_replace_a_known_peers_keys_or_role(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    """The county believes a township's certificate for a new village device, not for a known peer."""
    from sync import signed
    from sync.keys import DeviceKeys

    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM,
                         example(catalog.get(COUNTY_ITEM)), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    assert forward_once(township).ok  # the county now knows the village device from its certificate
    database = county.session.store.database
    village_device = session.store.info.device_id
    before = {p.device_id: p for p in sync_peers.peers(database)}
    assert village_device in before and township.keys.device_id in before

    def certify(device_id: str) -> bytes:
        other = DeviceKeys.generate(device_id).public
        return signed.sign("certificate", {
            "device_id": device_id, "village_code": VILLAGE_CODE, "role": "village",
            "sign_public": other.sign_public.hex(), "enc_public": other.enc_public.hex(),
            "serial": 99, "issued_at": "2026-11-23T00:00:00+00:00",
            "issuer": township.keys.device_id}, township.keys)

    for device_id in (village_device, township.keys.device_id):
        result = ingest.Ingested()
        ingest.ingest(county, certify(device_id), result)
        assert [r[2] for r in result.refused] == ["conflict"]
    assert {p.device_id: p for p in sync_peers.peers(database)} == before
    assert forward_once(township).ok  # the township still speaks to its county
    assert app_id in statuses(county.session)
