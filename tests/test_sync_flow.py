"""Store-and-forward on real parts: a village store, a township store, uvicorn on loopback, httpx."""

from __future__ import annotations

from pathlib import Path

import pytest

from center import ingest
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import sync_alarms, sync_outbox, sync_peers
from storage.crypto import TEST_KDF
from storage.store import Session, Store
from sync.client import enroll_online, sync_once
from sync.enroll import EnrollmentError
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example as fresh_template
from tests.sync_helpers import statuses
from village_agent import intake


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend



def _enroll(session: Session, township: tuple[Node, str]) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))


def _apply(session: Session, catalog: Catalog, code: str = "MZ-GLJT") -> str:
    data = fresh_template(catalog.get(code))
    return intake.take(session, catalog, session.calendar(), code, data, today=TODAY).application_ids[0]


def test_application_recorded_offline_reaches_the_township_once_and_status_flows_back(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    app_id = _apply(session, catalog)  # recorded before enrollment: waits unsealed
    assert sync_outbox.outbox_rows(session.store.database) == []
    _enroll(session, township)
    rows = sync_outbox.outbox_rows(session.store.database)
    assert [r["state"] for r in rows] == ["pending", "pending"]  # created + submitted, sealed now

    first = sync_once(session.store, session=session)
    assert first.ok and first.round_trips == 1 and first.sent == 2, first
    node, _ = township
    assert statuses(node.session) == {app_id: "received"}
    assert first.done == 2  # a township item: the township's ack is end to end
    assert first.applied == 1  # the 'received' decision came back in the same answer
    assert statuses(session)[app_id] == "received"

    again = sync_once(session.store, session=session, force=True)
    assert again.ok and again.sent == 0 and again.downstream_new == 0
    assert len(node.session.list()) == 1


def test_the_sending_pc_cannot_read_its_own_sealed_outbox(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    _enroll(session, township)
    _apply(session, catalog)
    sealed = sync_outbox.outbox_messages(session.store.database, [1, 2])
    from sync.envelope import open_message
    from sync.errors import BundleRejected

    me = Node.of(session)
    with pytest.raises(BundleRejected) as refused:
        open_message(sealed[1], me.identity, me.keys)
    assert refused.value.reason == "not_for_us"


def test_correction_round_trip_and_completion_reach_the_village(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    _enroll(session, township)
    app_id = _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    node, _ = township
    ingest.decide(node, app_id, "correction_requested",
                  {"reasons": ["银行卡照片不清晰，请重新拍照", "户口簿缺本人页"]})
    assert sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "correction_requested"
    _, events = session.show(app_id)
    request = next(e for e in events if e.type == "correction_requested")
    assert request.payload["reasons"] == ["银行卡照片不清晰，请重新拍照", "户口簿缺本人页"]

    data = fresh_template(catalog.get("MZ-GLJT"))
    data["fields"]["bank_name"] = "资兴农商银行兴宁支行"
    intake.correct(session, catalog, app_id, data, today=TODAY)
    assert sync_once(session.store, session=session).ok
    assert statuses(node.session)[app_id] == "received"  # the corrected version was received again
    _, township_events = node.session.show(app_id)
    corrected = next(e for e in township_events if e.type == "corrected")
    assert corrected.payload["fields"]["bank_name"] == "资兴农商银行兴宁支行"

    ingest.decide(node, app_id, "accepted", {})
    ingest.decide(node, app_id, "completed", {"result": "核定高龄津贴每月100元，次月起发放"})
    assert sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "completed"


def test_a_wrong_or_reused_enrollment_code_is_refused(
    session: Session, township: tuple[Node, str]
) -> None:
    node, url = township
    code = issue_code(node, VILLAGE_CODE)
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(EnrollmentError):
        enroll_online(session, url, wrong)
    enroll_online(session, url, code)
    with pytest.raises(EnrollmentError) as reused:
        enroll_online(session, url, code)
    assert "已使用" in reused.value.zh


def test_a_device_enrolled_after_the_villages_history_files_its_own_results(
    session: Session, township: tuple[Node, str], catalog: Catalog, tmp_path: Path
) -> None:
    """The village's earlier decisions were sealed to the devices enrolled then, not to a new one.

    The new device receives them with the village's queue and cannot open them: they are set
    aside (with an alarm), and neither its sync nor any later login stops on them.
    """
    node, _ = township
    _enroll(session, township)
    first = _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    ingest.decide(node, first, "accepted", {})
    assert sync_once(session.store, session=session).ok

    laptop_store = Store.create(tmp_path / "laptop", village_code=VILLAGE_CODE,
                                village_name="测试村", operator_name="李建军", pin="357913",
                                kdf=TEST_KDF)
    laptop = laptop_store.login("李建军", "357913")
    _enroll(laptop, township)
    own = _apply(laptop, catalog)
    report = sync_once(laptop.store, session=laptop)
    assert report.ok, report
    assert statuses(laptop) == {own: "received"}  # its own result is filed
    ingest.decide(node, own, "accepted", {})
    assert sync_once(laptop.store, session=laptop).ok
    assert statuses(laptop) == {own: "accepted"}
    assert intake.catch_up(laptop) == 0  # a login: nothing left that stops it
    with laptop.store.database.read() as db:
        waiting = db.execute("SELECT count(*) FROM inbox WHERE applied_at IS NULL").fetchone()[0]
    assert waiting == 0
    assert {a["kind"] for a in sync_alarms.alarms(laptop.store.database)} == {"not_for_us"}
    laptop_store.close()


def test_an_enrollment_code_burns_after_three_wrong_tries(
    session: Session, township: tuple[Node, str]
) -> None:
    """Guessing is bounded: three requests with the right code id and a wrong code end the code."""
    node, url = township
    code = issue_code(node, VILLAGE_CODE)
    for last in "ABC":
        wrong = code[:-1] + (last if code[-1] != last else "D")
        with pytest.raises(EnrollmentError):
            enroll_online(session, url, wrong)
    assert len([a for a in sync_alarms.alarms(node.session.store.database)
                if a["kind"] == "enroll_failed"]) == 3
    with pytest.raises(EnrollmentError) as burnt:
        enroll_online(session, url, code)
    assert "已作废" in burnt.value.zh
    assert sync_peers.peers(node.session.store.database, "village") == []
