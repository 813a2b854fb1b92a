"""一窗受理 on real stores and real HTTP servers: windows, taking, AB 岗, hand-over, and a township
passing a case up to its county (the `forwarded` status), with the county's decision coming back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from center import ingest
from center.enroll import issue_code
from center.upstream import forward_once
from forms.catalog import Catalog
from storage import sync_alarms, windows
from storage.store import Session
from sync.client import enroll_online, sync_once
from sync.node import Node
from tests.conftest import TODAY, VILLAGE_CODE
from tests.forms_helpers import example
from tests.sync_helpers import TOWNSHIP_CODE, make_center, serving, statuses
from tests.test_priority import take as priority_take
from village_agent import intake


@pytest.fixture
def township_backend(center_backend: str | None) -> str | None:
    """This module's center tests run on SQLite and on PostgreSQL (tests/pgserver.py)."""
    return center_backend


COUNTY_CODE = "430481"
PASSES_UP = "MZ-LSJZ"  # 临时救助: over the township's amount, the county decides
TOWNSHIP_ONLY = "MZ-GLJT"
A, B, C = "王建国", "赵丽", "钱明"
PINS = {A: "730192", B: "730293", C: "730394"}


@pytest.fixture
def centers(tmp_path: Path) -> Iterator[tuple[Node, str, Node, str]]:
    county_session = make_center(tmp_path / "county", "county", COUNTY_CODE)
    township_session = make_center(tmp_path / "township")
    county, township = Node.of(county_session), Node.of(township_session)
    with serving(county) as county_url, serving(township) as township_url:
        enroll_online(township_session, county_url, issue_code(county, TOWNSHIP_CODE))
        yield township, township_url, county, county_url
    county_session.store.close()
    township_session.store.close()


def _file(session: Session, catalog: Catalog, item: str) -> str:
    return intake.take(session, catalog, session.calendar(), item, example(catalog.get(item)),
                       today=TODAY).application_ids[0]


def _staff(township: Node) -> dict[str, Node]:
    """Three clerks: A and C at the 民政 window (C is A's stand-in), B at the 人社 window."""
    s = township.session
    for name in (A, B, C):
        s.add_operator(name, "clerk", PINS[name])
    codes = {w.departments[0]: w.code for w in windows.windows(s.store.database) if w.departments}
    for name, dept in ((A, "民政"), (B, "人社"), (C, "民政")):
        windows.set_desk(s.store.database, s.keys, name, window_code=codes[dept],
                         standin=C if name == A else "", by=s.operator.name)
    return {name: Node.of(s.store.login(name, PINS[name])) for name in (A, B, C)}


def _relay(township: Node) -> int:
    with township.session.store.database.read() as db:
        return int(db.execute("SELECT COUNT(*) FROM relay").fetchone()[0])


def test_a_case_goes_to_its_departments_window_and_only_that_window_takes_it(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, _, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, TOWNSHIP_ONLY)
    assert sync_once(session.store, session=session).ok
    staff = _staff(township)
    database = township.session.store.database
    with database.read() as db:
        desk = windows.desk(db, app_id)
    mz = next(w for w in windows.windows(database) if "民政" in w.departments)
    assert desk == windows.Desk(mz.code, "")  # assigned on receipt, not yet taken

    with pytest.raises(ingest.DecisionError) as refused:
        ingest.decide(staff[B], app_id, "accepted", {})
    assert mz.name in refused.value.zh and "转交" in refused.value.zh
    assert statuses(township.session)[app_id] == "received"

    ingest.decide(staff[A], app_id, "accepted", {})  # deciding an untaken case takes it
    with database.read() as db:
        assert windows.desk(db, app_id) == windows.Desk(mz.code, A)
    with pytest.raises(ingest.DecisionError) as not_theirs:
        ingest.decide(staff[C], app_id, "completed", {"result": "已纳入发放名册"})
    assert f"由{A}负责" in not_theirs.value.zh

    # A goes on leave: C, A's AB 岗 stand-in, decides A's case, and the record says so.
    windows.set_away(database, township.session.keys, A, True, by=A)
    ingest.decide(staff[C], app_id, "completed", {"result": "已纳入发放名册"})
    history = windows.history(database, township.session.keys, app_id)
    assert [h.action for h in history] == ["assigned", "taken", "stand_in"]
    assert (history[-1].clerk, history[-1].note) == (C, A)
    assert statuses(township.session)[app_id] == "completed"


def test_a_hand_over_moves_the_case_with_a_sealed_note(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, _, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, TOWNSHIP_ONLY)
    assert sync_once(session.store, session=session).ok
    staff = _staff(township)
    database, keys = township.session.store.database, township.session.keys
    rs = next(w for w in windows.windows(database) if "人社" in w.departments)
    windows.take(database, keys, app_id, A)

    with pytest.raises(windows.NotPermitted):  # not B's case to move
        windows.hand_over(database, keys, app_id, window_code=rs.code, note="x", by=B)
    with pytest.raises(windows.InvalidRequest) as no_note:
        windows.hand_over(database, keys, app_id, window_code=rs.code, note=" ", by=A)
    assert "原因" in no_note.value.zh
    note = "申请人同时申请就业登记，由人社窗口一并办理"
    windows.hand_over(database, keys, app_id, window_code=rs.code, note=note, by=A)
    with database.read() as db:
        assert windows.desk(db, app_id) == windows.Desk(rs.code, "")
    ingest.decide(staff[B], app_id, "accepted", {})  # now the 人社 window's to decide
    assert windows.history(database, keys, app_id)[-2].note == note
    for path in township.session.store.home.glob("*.db*"):  # the file, its -wal and -shm
        assert note.encode() not in path.read_bytes(), path


def test_a_township_passes_a_case_up_and_the_countys_decision_comes_back_down(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    assert catalog.item(PASSES_UP).passes_up and catalog.item(PASSES_UP).level == "township"
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, PASSES_UP)
    assert sync_once(session.store, session=session).ok
    assert statuses(township.session)[app_id] == "received"
    assert forward_once(township).forwarded == 0  # a township item stays until it is passed up

    ingest.decide(township, app_id, "forwarded", {"note": "救助金额超出乡镇审批额度"})
    assert statuses(township.session)[app_id] == "forwarded"
    up = forward_once(township)
    assert up.ok and up.forwarded >= 2 and up.acknowledged == up.forwarded, up
    # The county holds the villager's own signed messages, unchanged, and receives the case.
    with township.session.store.database.read() as db:
        sent = {bytes(r[0]) for r in db.execute("SELECT raw FROM received WHERE app = ?", [app_id])}
    with county.session.store.database.read() as db:
        held = {bytes(r[0]) for r in db.execute("SELECT raw FROM received WHERE app = ?", [app_id])}
        village_code = db.execute("SELECT village_code FROM applications WHERE id = ?",
                                  [app_id]).fetchone()[0]
    # ... and the township's own signed `forwarded` decision, saying why.
    assert sent < held and len(held - sent) == 1 and village_code == VILLAGE_CODE
    assert statuses(county.session)[app_id] == "received"
    shown = county.session.show(app_id)[1]
    assert any(e.type == "submitted" and e.payload.get("fields") for e in shown)
    # The county's case page says who passed it up and why (the township's signed decision).
    from center.cases import read_case

    steps = [s.what for s in read_case(county.session, app_id, lang="zh", audit=False).timeline]
    assert any("兴宁镇便民服务中心" in w and "救助金额超出乡镇审批额度" in w for w in steps), steps
    with township.session.store.database.read() as db:
        pending = db.execute("SELECT COUNT(*) FROM relay WHERE state = 'pending'").fetchone()[0]
    assert pending == 0  # everything passed up, the township's own decision too, is acknowledged

    # From now on the county decides: the township's own decisions are refused.
    with pytest.raises(ingest.DecisionError) as passed:
        ingest.decide(township, app_id, "rejected", {"reason": "x"})
    assert "已转报县级" in passed.value.zh

    assert sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "forwarded"  # the villager is told where it is

    ingest.decide(county, app_id, "accepted", {})
    ingest.decide(county, app_id, "completed", {"result": "批准临时救助金3000元"})
    assert forward_once(township).decisions_down >= 2
    assert statuses(township.session)[app_id] == "completed"
    assert sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "completed"
    done = next(e for e in session.show(app_id)[1] if e.type == "completed")
    assert done.payload["center"] == "资兴市政务服务中心" and done.payload["clerk"]


def test_the_countys_correction_request_on_a_forwarded_case_reaches_the_village(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, PASSES_UP)
    assert sync_once(session.store, session=session).ok
    ingest.decide(township, app_id, "forwarded", {"note": "超出额度"})
    assert forward_once(township).ok and sync_once(session.store, session=session).ok
    ingest.decide(county, app_id, "correction_requested", {"reasons": ["请补充医疗费用票据"]})
    assert forward_once(township).ok and sync_once(session.store, session=session).ok
    assert statuses(session)[app_id] == "correction_requested"


def test_an_item_the_catalog_keeps_at_the_township_is_not_passed_up(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, TOWNSHIP_ONLY)
    assert sync_once(session.store, session=session).ok
    with pytest.raises(ingest.DecisionError) as refused:
        ingest.decide(township, app_id, "forwarded", {"note": "试试"})
    assert "不在乡镇可转报县级的范围内" in refused.value.zh
    assert statuses(township.session)[app_id] == "received" and _relay(township) == 0
    assert forward_once(township).forwarded == 0 and county.session.list() == []


def test_a_case_sealed_before_the_county_was_known_is_not_passed_up(
    tmp_path: Path, session: Session, catalog: Catalog
) -> None:
    township_session = make_center(tmp_path / "township")
    county_session = make_center(tmp_path / "county", "county", COUNTY_CODE)
    township, county = Node.of(township_session), Node.of(county_session)
    with serving(township) as township_url, serving(county) as county_url:
        # The village enrolled while its township had no county: it knows no county key.
        enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
        app_id = _file(session, catalog, PASSES_UP)
        assert sync_once(session.store, session=session).ok
        enroll_online(township_session, county_url, issue_code(county, TOWNSHIP_CODE))
        before = sync_alarms.alarms(township_session.store.database)
        with pytest.raises(ingest.DecisionError) as refused:
            ingest.decide(township, app_id, "forwarded", {"note": "超出额度"})
        assert "未同时加密给县级中心" in refused.value.zh
        assert statuses(township_session)[app_id] == "received" and _relay(township) == 0
        assert sync_alarms.alarms(township_session.store.database) == before
    township_session.store.close()
    county_session.store.close()


def test_a_clerk_disabled_after_logging_in_decides_nothing(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    township, township_url, _, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = _file(session, catalog, TOWNSHIP_ONLY)
    assert sync_once(session.store, session=session).ok
    staff = _staff(township)  # A is logged in
    township.session.disable_operator(A)
    with pytest.raises(ingest.DecisionError) as refused:
        ingest.decide(staff[A], app_id, "accepted", {})
    assert "已停用" in refused.value.zh
    assert statuses(township.session)[app_id] == "received"


def test_a_green_channel_case_passed_up_is_marked_at_the_county_too(
    session: Session, centers: tuple[Node, str, Node, str], catalog: Catalog
) -> None:
    """绿色通道 at every level: the county reads the mark from the village's own filing."""
    township, township_url, county, _ = centers
    enroll_online(session, township_url, issue_code(township, VILLAGE_CODE))
    app_id = priority_take(session, catalog, PASSES_UP, 40, ("disabled",)).application_ids[0]
    plain = priority_take(session, catalog, PASSES_UP, 40, serial=13).application_ids[0]
    assert sync_once(session.store, session=session).ok
    for case in (app_id, plain):
        ingest.decide(township, case, "forwarded", {"note": "救助金额超出乡镇审批额度"})
    assert forward_once(township).ok
    marks = {}
    for node in (township, county):
        with node.session.store.database.read() as db:
            marks[node.kind] = dict(db.execute(
                "SELECT id, priority FROM applications WHERE id IN (?, ?)", [app_id, plain]))
    assert marks["township"] == marks["county"] == {app_id: 1, plain: 0}
