"""A center's downstream queue is pruned only of what every active device of the village signed it holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from center import ingest
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage import sync_downstream
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync import signed
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import make_center, serving, statuses
from tests.test_sync_county import COUNTY_ITEM, centers  # noqa: F401  (the three-node fixture)
from village_agent import intake

Centers = tuple[Node, str, Node, str]


@pytest.fixture
def township(tmp_path: Path) -> Iterator[tuple[Node, str]]:
    clerk = make_center(tmp_path / "township")
    node = Node.of(clerk)
    with serving(node) as url:
        yield node, url
    clerk.store.close()


def queue(node: Node, code: str = VILLAGE_CODE) -> list[tuple[int, str]]:
    with node.session.store.database.read() as db:
        return [(r[0], r[1]) for r in db.execute(
            "SELECT dseq, kind FROM downstream WHERE village_code = ? ORDER BY dseq", [code])]


def held(node: Node, device: str) -> int | None:
    with node.session.store.database.read() as db:
        row = db.execute("SELECT through FROM downstream_acks WHERE device_id = ?",
                         [device]).fetchone()
    return row[0] if row else None


def decided_case(session: Session, node: Node, url: str, catalog: Catalog) -> str:
    """An application taken in, received, accepted and completed, and all of it back at the village."""
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), "MZ-GLJT",
                         example(catalog.get("MZ-GLJT")), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, app_id, "completed", {"result": "自次月起按月发放"})
    assert sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "completed"
    return app_id


def test_the_village_signs_what_it_holds_and_the_township_prunes_only_that(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, url = township
    decided_case(session, node, url, catalog)
    last = queue(node)[-1][0]
    assert last >= 3  # received, accepted, completed
    # Signed after applying, sent with the next session: so far the first session's `received`.
    assert held(node, session.store.info.device_id) == 1
    assert ingest.prune(node, keep_days=30) == 0  # everything is younger than 30 days
    assert ingest.prune(node, keep_days=0) == 1
    assert [d for d, _ in queue(node)] == list(range(2, last + 1))

    assert sync_once(session.store, session=session).ok
    assert held(node, session.store.info.device_id) == last
    assert ingest.prune(node, keep_days=0) == last - 2
    assert [d for d, _ in queue(node)] == [last]  # the newest stays: positions count from it

    # Positions keep counting from the newest, so a later decision still reaches the village.
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                today=TODAY)
    assert sync_once(session.store, session=session).ok
    assert queue(node)[-1][0] == last + 1
    assert sum(1 for s in statuses(session).values() if s == "received") == 1


def test_a_device_that_has_not_synced_keeps_the_history_until_it_does_or_is_revoked(
    session: Session, township: tuple[Node, str], catalog: Catalog, tmp_path: Path
) -> None:
    from center.revocation import revoke

    node, url = township
    laptop_store = Store.create(tmp_path / "laptop", village_code=VILLAGE_CODE,
                                village_name="测试村", operator_name="李建军", pin="357913",
                                kdf=TEST_KDF)
    laptop = laptop_store.login("李建军", "357913")
    enroll_online(laptop, url, issue_code(node, VILLAGE_CODE))
    decided_case(session, node, url, catalog)
    assert sync_once(session.store, session=session).ok
    assert ingest.prune(node, keep_days=0) == 0  # the grid laptop holds nothing yet

    assert sync_once(laptop.store, session=laptop).ok  # stores, applies, signs
    assert sync_once(laptop.store, session=laptop).ok  # sends the signed acknowledgement
    assert ingest.prune(node, keep_days=0) > 0

    # A revoked laptop no longer holds anything back.
    intake.take(session, catalog, session.calendar(), "MZ-GLJT", example(catalog.get("MZ-GLJT")),
                today=TODAY)
    assert sync_once(session.store, session=session).ok
    ingest.decide(node, next(s.id for s in session.list() if s.status == "received"), "accepted", {})
    assert sync_once(session.store, session=session).ok
    assert sync_once(session.store, session=session).ok
    ingest.prune(node, keep_days=0)
    mark = held(node, laptop.store.info.device_id)
    assert mark is not None
    newest = queue(node)[-1][0]
    assert [d for d, _ in queue(node)] == list(range(mark + 1, newest + 1))  # the laptop's to come
    revoke(node, laptop.store.info.device_id)
    assert sync_once(session.store, session=session).ok  # hears the revocation, says what it holds
    assert sync_once(session.store, session=session).ok
    ingest.prune(node, keep_days=0)
    assert [d for d, k in queue(node) if k in sync_downstream.PRUNABLE] == []
    laptop_store.close()


def test_a_forged_stale_or_misdirected_acknowledgement_changes_nothing(
    session: Session, township: tuple[Node, str], catalog: Catalog, tmp_path: Path
) -> None:
    node, url = township
    decided_case(session, node, url, catalog)
    me = session.store.info.device_id
    keys = Node.of(session).keys
    last = queue(node)[-1][0]

    def offer(record: bytes) -> list[str]:
        result = ingest.Ingested()
        ingest.ingest(node, record, result)
        return [r[2] for r in result.refused]

    other = Store.create(tmp_path / "other", village_code="430481101202", village_name="邻村",
                         operator_name="张三", pin="246813", kdf=TEST_KDF)
    stranger = Node.of(other.login("张三", "246813")).keys  # never enrolled
    claims = {"device": me, "center": node.keys.device_id, "through": last, "signed_at": ""}
    assert offer(signed.sign("down_ack", claims, stranger)) == ["unknown_sender"]
    assert offer(signed.sign("down_ack", {**claims, "center": "elsewhere"}, keys)) == ["malformed"]
    assert held(node, me) == 1  # still only what the real sessions said (the first `received`)

    assert offer(signed.sign("down_ack", claims, keys)) == []
    assert held(node, me) == last
    assert offer(signed.sign("down_ack", {**claims, "through": 1}, keys)) == []  # an old one
    assert held(node, me) == last  # never moves back
    assert sync_downstream.downstream_codes(node.session.store.database) == [VILLAGE_CODE]
    other.close()


def test_the_county_prunes_what_the_township_signed_it_holds(
    session: Session, centers: Centers, catalog: Catalog  # noqa: F811
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = intake.take(session, catalog, session.calendar(), COUNTY_ITEM,
                         example(catalog.get(COUNTY_ITEM)), today=TODAY).application_ids[0]
    assert sync_once(session.store, session=session).ok
    assert forward_once(township).ok
    ingest.decide(county, app_id, "accepted", {})
    assert forward_once(township).ok  # the decisions come down; the next forward says so
    township_code = township.code
    before = queue(county, township_code)
    assert len(before) >= 2
    assert forward_once(township).ok
    assert held(county, township.keys.device_id) == before[-1][0]
    assert ingest.prune(county, keep_days=0) == len(before) - 1
