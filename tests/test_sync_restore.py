"""A village store restored from a backup copy: the center's ack says how far it holds, the village moves on.

Real stores in tmp_path, a real township served on loopback. The backup is made with
SQLite's backup API (a consistent copy of `village.db`) and put back over the live file
after the original has recorded and synced more, as an agent does when the disk dies.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center import ingest
from center import usb as center_usb
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import events, sync_alarms, sync_outbox
from storage.attachments import IncomingFile
from storage.crypto import TEST_KDF
from storage.lobby import STORE_FILE
from storage.store import Session, Store
from sync import bundlefile, messages, signed, usb, village
from sync.client import enroll_online, sync_once
from sync.errors import BundleRejected
from sync.node import Node
from sync.overview import DELIVERIES, queue
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.forms_helpers import example
from tests.sync_helpers import statuses
from village_agent import intake
from village_agent.i18n import MESSAGES, t
from village_agent.syncjobs import sync_summary

DEVICE = "5a1e0c3b9d7f2468"
TAG = DEVICE[:6].upper()


# ---- the ack on the wire -------------------------------------------------------------------

seqsets = st.frozensets(st.integers(min_value=1, max_value=5000), max_size=40)


@given(custody=seqsets, e2e=seqsets, clash=seqsets, high=st.integers(min_value=0, max_value=10**9),
       refused=seqsets)
def test_an_ack_with_high_and_clash_reads_back_as_written(
    custody: frozenset[int], e2e: frozenset[int], clash: frozenset[int], high: int,
    refused: frozenset[int],
) -> None:
    ack = messages.Ack("dev", custody, e2e, "2026-11-23T01:00:00+00:00",
                       {"malformed_payload": refused} if refused else {}, high=high, clash=clash)
    assert messages.Ack.parse(ack.payload()) == ack
    body = messages.loads(ack.payload())
    assert ("high" in body) == bool(high) and ("clash" in body) == bool(clash)


def test_an_ack_from_an_older_center_parses_and_an_older_village_can_read_a_new_one() -> None:
    old = messages.dumps({"subject": "dev", "custody": [[1, 4]], "e2e": [[1, 4]],
                          "received_at": "2026-11-23T01:00:00+00:00"})
    parsed = messages.Ack.parse(old)
    assert parsed.high == 0 and parsed.clash == frozenset() and parsed.custody == {1, 2, 3, 4}
    # A newer center's ack, with keys this reader may not know of yet, still parses.
    newer = messages.dumps({**messages.loads(old), "high": 9, "clash": [[5, 6]], "later": {"x": 1}})
    assert messages.Ack.parse(newer).high == 9 and messages.Ack.parse(newer).clash == {5, 6}


positions = st.one_of(st.none(), st.tuples(
    st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=32, max_size=32).map(bytes.hex)))


@given(custody=seqsets, high=st.integers(min_value=0, max_value=10**9), position=positions)
def test_an_ack_with_a_signed_downstream_position_reads_back_as_written(
    custody: frozenset[int], high: int, position: tuple[int, int, str] | None
) -> None:
    start, more, covers = position or (None, 0, "")
    through = None if start is None else start + more
    ack = messages.Ack("dev", custody, custody, "2026-11-23T01:00:00+00:00", high=high,
                       down_from=start, down_through=through, covers=covers)
    assert messages.Ack.parse(ack.payload()) == ack
    body = messages.loads(ack.payload())
    assert {"down_from", "down_through", "covers"} & set(body) == (
        set() if position is None else {"down_from", "down_through", "covers"})


GOOD_COVERS = "ab" * 32


@pytest.mark.parametrize("fields", [
    {"down_through": 3, "covers": GOOD_COVERS},  # one of the three missing
    {"down_from": 1, "down_through": 3},
    {"down_from": 4, "down_through": 3, "covers": GOOD_COVERS},  # ends before it starts
    {"down_from": -1, "down_through": 3, "covers": GOOD_COVERS},
    {"down_from": 0, "down_through": True, "covers": GOOD_COVERS},
    {"down_from": 0, "down_through": "3", "covers": GOOD_COVERS},
    {"down_from": 0, "down_through": 3, "covers": "AB" * 32},  # not lower-case hex
    {"down_from": 0, "down_through": 3, "covers": "ab" * 31},
    {"down_from": 0, "down_through": 3, "covers": None},
])
def test_an_ack_whose_position_is_malformed_is_refused(fields: dict[str, Any]) -> None:
    raw = messages.dumps({"subject": "dev", "custody": [], "e2e": [], **fields})
    with pytest.raises(BundleRejected) as refused:
        messages.Ack.parse(raw)
    assert refused.value.reason == "malformed"


@pytest.mark.parametrize("high", [True, -1, "9", 2.5])
def test_an_ack_whose_high_is_not_a_count_is_malformed(high: Any) -> None:
    raw = messages.dumps({"subject": "dev", "custody": [], "e2e": [], "high": high})
    with pytest.raises(BundleRejected) as refused:
        messages.Ack.parse(raw)
    assert refused.value.reason == "malformed"


# ---- a real village and township --------------------------------------------------------------


def _open(home: Path) -> Store:
    return Store.open(home)


def _new_village(home: Path, township: tuple[Node, str]) -> Session:
    store = Store.create(home, village_code=VILLAGE_CODE, village_name=VILLAGE_NAME,
                         operator_name=AGENT, pin=PIN, kdf=TEST_KDF, device_id=DEVICE)
    session = store.login(AGENT, PIN)
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))
    return session


PHONES = iter(f"139073{n:05d}" for n in range(10_000))


def _apply(session: Session, catalog: Catalog, files: list[IncomingFile] | None = None) -> str:
    """One application; each with its own phone number, to tell whose case is whose."""
    data = example(catalog.get("MZ-GLJT"))
    data["applicant"]["phone"] = next(PHONES)
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT", data, files or [],
                       today=TODAY).application_ids[0]


def _backup(store: Store, to: Path) -> None:
    """What the agent's backup job does: a consistent copy of the store file."""
    source = sqlite3.connect(store.home / STORE_FILE)
    target = sqlite3.connect(to)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore(store: Store, backup: Path) -> Store:
    """The disk died: the copy goes back in the store's place."""
    home = store.home
    store.close()
    for suffix in ("", "-wal", "-shm"):
        (home / f"{STORE_FILE}{suffix}").unlink(missing_ok=True)
    (home / STORE_FILE).write_bytes(backup.read_bytes())
    return _open(home)


def _next_seq(store: Store) -> int:
    with store.database.read() as db:
        return int(events.meta_get(db, "next_seq") or 0)


def _alarms(store: Store, kind: str) -> list[dict[str, Any]]:
    return [a for a in sync_alarms.alarms(store.database) if a["kind"] == kind]


def _outbox_states(store: Store) -> dict[int, str]:
    with store.database.read() as db:
        return dict(db.execute("SELECT seq, state FROM outbox ORDER BY seq").fetchall())


def _held(node: Node) -> list[int]:
    with node.session.store.database.read() as db:
        return [r[0] for r in db.execute("SELECT seq FROM received WHERE sender = ? ORDER BY seq",
                                         [DEVICE])]


def _applicant(session: Session, app_id: str) -> str:
    """The phone number the application was submitted with ('' if it has no submission)."""
    return "".join(str(e.payload["applicant"]["phone"]) for e in session.show(app_id)[1]
                   if e.type == "submitted")


def test_a_restored_copy_that_syncs_before_recording_moves_past_the_center_and_new_work_goes_once(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    session = _new_village(tmp_path / "village", township)
    first = _apply(session, catalog)  # seqs 1, 2
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    lost = [_apply(session, catalog), _apply(session, catalog)]  # seqs 3-6, only in the lost store
    assert sync_once(session.store, session=session).ok
    assert _held(node) == [1, 2, 3, 4, 5, 6]

    store = _restore(session.store, backup)
    assert _next_seq(store) == 3  # the copy's counters are behind

    report = sync_once(store)  # the background loop: no operator logged in
    assert report.ok and report.restored and report.sent == 0, report
    assert _next_seq(store) == 7
    [alarm] = _alarms(store, "restored_copy")
    assert alarm["seq"] == 6 and "restored from a copy" in alarm["detail"]
    assert t("sync.restored") in sync_summary(report)

    again = sync_once(store)  # the next ack says the same: nothing moves twice
    assert again.ok and not again.restored and len(_alarms(store, "restored_copy")) == 1

    session = store.login(AGENT, PIN)
    new = _apply(session, catalog)
    assert new == f"{TODAY:%Y%m%d}-{TAG}-00007" and new not in (first, *lost)
    report = sync_once(store, session=session)
    assert report.ok and report.sent == 2 and report.done == 2, report
    assert _held(node) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert _alarms(node.session.store, "conflict") == []
    assert statuses(node.session)[new] == "received"
    assert _applicant(node.session, new) == _applicant(session, new)
    assert set(_outbox_states(store).values()) == {"done"}
    assert sync_once(store, session=session, force=True).sent == 0
    assert session.verify().ok, session.verify().problems  # 3-6 skipped on purpose: no gap


def test_a_restored_copy_that_recorded_offline_renumbers_at_the_next_login_and_work_arrives_once(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    session = _new_village(tmp_path / "village", township)
    _apply(session, catalog)  # seqs 1, 2
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    lost_b, lost_c = _apply(session, catalog), _apply(session, catalog)  # seqs 3-6, lost with the disk
    assert sync_once(session.store, session=session).ok
    lost_applicant = _applicant(node.session, lost_b)

    store = _restore(session.store, backup)
    session = store.login(AGENT, PIN)
    # Recorded offline on the copy, before it ever heard from the township:
    # D (created 3, submitted 4, its scan's one piece 5) reuses the lost B's number and id;
    # E (created 6, submitted 7) straddles the last number the township holds.
    scan = b"\xff\xd8 a scanned ID card " * 100
    d_old = _apply(session, catalog, [IncomingFile("id_card", "身份证.jpg", scan)])
    e_old = _apply(session, catalog)
    assert d_old == lost_b and e_old == f"{TODAY:%Y%m%d}-{TAG}-00006"
    assert _outbox_states(store) == {1: "done", 2: "done", 3: "pending", 4: "pending",
                                     5: "pending", 6: "pending", 7: "pending"}
    d_applicant = _applicant(session, d_old)

    first = sync_once(store, session=session)
    assert first.ok and first.sent == 5 and first.done == 0 and first.clashes == 5, first
    assert t("sync.clashes", n=5) in sync_summary(first)
    states = _outbox_states(store)
    assert [states[s] for s in range(3, 8)] == ["clash"] * 5
    assert {e.delivery for e in queue(store) if e.seq >= 3} == {"clash"}
    assert village.due_messages(store, now=float("inf")) == ([], [])  # the planner never sees them
    # The township kept the lost store's cases as they were and filed nothing of D or E.
    assert _held(node) == [1, 2, 3, 4, 5, 6]
    assert e_old not in statuses(node.session)
    assert _applicant(node.session, lost_b) == lost_applicant
    conflicts = len(_alarms(node.session.store, "conflict"))
    assert conflicts == 5
    # The lost B's 'received' came down in the same answer and was filed under its id: here D's.
    assert any(e.type == "received" for e in session.show(d_old)[1])

    # The next session with an operator numbers them again; D and E get new ids.
    second = sync_once(store, session=session)
    d_new, e_new = f"{TODAY:%Y%m%d}-{TAG}-00008", f"{TODAY:%Y%m%d}-{TAG}-00010"
    assert second.renamed == [(d_old, d_new), (e_old, e_new)], second
    assert second.ok and second.sent == 5 and second.done == 5, second
    summary = sync_summary(second)
    assert t("sync.renumbered", old=d_old, new=d_new) in summary
    assert t("sync.renumbered", old=e_old, new=e_new) in summary
    assert MESSAGES["sync.renumbered"]["zh"].format(old=d_old, new=d_new) == (
        f"申请编号已更改：{d_old} → {d_new}，请重新打印受理回执")
    assert {a["detail"] for a in _alarms(store, "application_renumbered")} == {
        f"{d_old} -> {d_new}", f"{e_old} -> {e_new}"}
    # Each reached the township once, under its new id, with its own applicant and scan.
    assert _held(node) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]  # 7 was held back, never filed
    assert len(_alarms(node.session.store, "conflict")) == conflicts  # nothing clashed again
    assert statuses(node.session)[d_new] == "received" and statuses(node.session)[e_new] == "received"
    assert _applicant(node.session, d_new) == d_applicant
    assert _applicant(node.session, lost_b) == lost_applicant  # the lost case is untouched
    assert [e.type for e in node.session.show(lost_b)[1]] == ["created", "submitted", "received"]
    assert e_old not in statuses(node.session)
    with node.session.store.database.read() as db:
        scans = db.execute("SELECT application_id FROM application_attachments").fetchall()
    assert scans == [(d_new,)]
    # Here: D's own events moved with it; the lost B's decision stays on a bare record of B.
    assert [e.type for e in session.show(d_new)[1]] == ["created", "submitted", "received"]
    assert [e.type for e in session.show(d_old)[1]] == ["received"]
    assert _applicant(session, d_old) == "" and session.show(d_old)[0].applicant_name == ""
    assert [e.seq for e in session.show(d_new)[1] if e.device_id == DEVICE] == [8, 9]
    with store.database.read() as db:
        assert db.execute("SELECT count(*) FROM application_attachments WHERE application_id = ?",
                          [d_new]).fetchone()[0] == 1
    # Nothing is left to resend, now or later.
    assert set(_outbox_states(store).values()) == {"done"}
    third = sync_once(store, session=session, force=True)
    assert third.ok and third.sent == 0 and third.renamed == []
    assert len(_alarms(node.session.store, "conflict")) == conflicts
    assert lost_c in statuses(node.session)
    assert session.verify().ok, session.verify().problems  # 3-7 numbered again: no gap
    with store.database.write() as db:  # a lost event is still found
        db.execute("DELETE FROM outbox WHERE seq = 9")
        db.execute("DELETE FROM events WHERE device_id = ? AND seq = 9", [DEVICE])
    assert "this device's event sequence numbers have gaps or repeats" in session.verify().problems


def _old_center_ack(node: Node) -> bytes:
    """The ack a center from before `high` and `clash` signs: the same, without them."""
    body = signed.peek(ingest.ack_for(node, DEVICE)).body
    assert "high" in body
    return signed.sign("ack", {k: v for k, v in body.items() if k not in ("high", "clash")},
                       node.keys)


def restored_reusing_numbers(tmp_path: Path, township: tuple[Node, str], catalog: Catalog) -> Store:
    """A village put back from a backup that then wrote again under seqs 1 and 2, which the
    township already holds with other content (filed before the disk was lost)."""
    session = _new_village(tmp_path / "village", township)
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    _apply(session, catalog), _apply(session, catalog)  # seqs 1-4, lost with the disk
    assert sync_once(session.store, session=session).ok
    store = _restore(session.store, backup)
    _apply(store.login(AGENT, PIN), catalog)  # reuses 1 and 2
    return store


def test_an_ack_from_an_older_center_changes_nothing_on_a_restored_copy(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    store = restored_reusing_numbers(tmp_path, township, catalog)
    # The township takes them in (two conflicts) while the village has heard nothing back yet.
    _, batch = village.due_messages(store, now=float("inf"))
    sync_outbox.mark_sent(store.database, [1, 2])
    ingested = ingest.Ingested()
    for raw in batch:
        ingest.ingest(node, raw, ingested)
    assert [r[2] for r in ingested.refused] == ["conflict", "conflict"]
    before = (_next_seq(store), _outbox_states(store))
    assert before == (3, {1: "pending", 2: "pending"})

    got = village.absorb(store, bundlefile.pack([_old_center_ack(node)]), DEVICE)
    assert not got.restored and got.clashes == 0 and got.done == 0
    assert (_next_seq(store), _outbox_states(store)) == before
    assert sync_alarms.alarms(store.database) == []

    # The same center's ack as it signs it now does move the copy on: the test can tell.
    got = village.absorb(store, bundlefile.pack([ingest.ack_for(node, DEVICE)]), DEVICE)
    assert got.clashes == 2 and got.restored
    assert _next_seq(store) == 5 and _outbox_states(store) == {1: "clash", 2: "clash"}


def test_the_rest_of_an_application_whose_created_clashed_is_not_sent_under_its_old_id_later(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    """One message per session (a slow link): the center cannot hold back what comes later."""
    node, _ = township
    session = _new_village(tmp_path / "village", township)
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    lost = _apply(session, catalog, [IncomingFile("id_card", "scan.jpg", b"scan" * 50)])  # 1, 2, 3
    assert sync_once(session.store, session=session).ok and _held(node) == [1, 2, 3]
    store = _restore(session.store, backup)
    session = store.login(AGENT, PIN)
    p_old, q_old = _apply(session, catalog), _apply(session, catalog)  # 1, 2 and 3, 4
    assert p_old == lost and q_old == f"{TODAY:%Y%m%d}-{TAG}-00003"

    for sent in (1, 3):  # each session sends the oldest waiting: P's and then Q's `created`
        report = sync_once(store, max_bytes=1)
        assert report.ok and report.sent == 1 and report.done == 0, report
        assert _outbox_states(store)[sent] == "clash"
    # Each application's `submitted` (Q's, seq 4, is past what the township holds) waits too.
    assert _outbox_states(store) == {1: "clash", 2: "clash", 3: "clash", 4: "clash"}
    assert sync_once(store, max_bytes=1).sent == 0
    assert _held(node) == [1, 2, 3] and q_old not in statuses(node.session)

    report = sync_once(store, session=session)
    assert [old for old, _ in report.renamed] == [p_old, q_old]
    assert report.ok and report.sent == 4 and report.done == 4, report
    new_ids = [new for _, new in report.renamed]
    assert all(statuses(node.session)[i] == "received" for i in new_ids)
    assert q_old not in statuses(node.session)
    assert _applicant(node.session, lost) != _applicant(session, new_ids[0])
    assert set(_outbox_states(store).values()) == {"done"}
    assert session.verify().ok, session.verify().problems


def test_every_place_an_outgoing_message_can_be_has_its_words() -> None:
    assert "clash" in DELIVERIES
    for where in DELIVERIES:
        assert MESSAGES[f"outbox.{where}"]["zh"] and MESSAGES[f"outbox.{where}"]["en"]


def test_a_restored_copy_that_trades_by_usb_stick_is_told_and_renumbers_at_the_next_export(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    from village_agent.syncjobs import exported_text, imported_text

    node, _ = township
    session = _new_village(tmp_path / "village", township)
    _apply(session, catalog)  # 1, 2
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    _backup(session.store, backup)
    lost = [_apply(session, catalog), _apply(session, catalog)]  # 3-6, lost with the disk
    assert sync_once(session.store, session=session).ok
    store = _restore(session.store, backup)
    session = store.login(AGENT, PIN)
    d_old = _apply(session, catalog)  # 3, 4
    assert d_old == lost[0]
    phone = _applicant(session, d_old)

    first, second = tmp_path / "stick1", tmp_path / "stick2"
    out = usb.export_village(Node.of(session), first)
    assert out.messages == 2 and out.renamed == []
    center_usb.import_center(node, first)
    back = usb.import_village(Node.of(session), first)
    assert back.restored and back.clashes == 2, back
    assert _next_seq(store) == 7 and _outbox_states(store)[3] == "clash"
    assert t("sync.restored") in imported_text(back) and t("sync.clashes", n=2) in imported_text(back)

    out = usb.export_village(Node.of(session), second)
    d_new = f"{TODAY:%Y%m%d}-{TAG}-00007"
    assert out.renamed == [(d_old, d_new)] and out.messages == 2
    assert t("sync.renumbered", old=d_old, new=d_new) in exported_text(out, second)
    assert center_usb.import_center(node, second).stored == 2
    usb.import_village(Node.of(session), second)
    assert _applicant(node.session, d_new) == phone != _applicant(node.session, d_old)
    assert set(_outbox_states(store).values()) == {"done"}
