"""The village's audit-chain head goes upstream with every sync; the township holds the line.

Real village stores in tmp_path, a real township served on loopback (HTTP) or a stick
folder (USB). The rewritten chain is made as an insider with the PIN would: straight
in the SQLite file, every row hash and the keyed checkpoint recomputed, so the
village's own `verify` still passes; only the township, which kept the earlier heads,
can tell.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from center import auditheads, ingest
from center import usb as center_usb
from center.console.cases import alarm_meaning
from center.enroll import issue_code
from forms.catalog import Catalog
from storage import audit, events
from storage.crypto import Keys
from storage.lobby import STORE_FILE
from storage.store import Session, Store
from sync import audithead, bundlefile, messages, signed, usb
from sync.client import enroll_online, sync_once
from sync.errors import BundleRejected
from sync.node import Node
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, Cli
from tests.forms_helpers import example
from tests.helpers import raw_db
from tests.sync_helpers import signed_sync
from village_agent import intake

AUDIT_ALARMS = ("audit_rewritten", "audit_behind", "audit_gap")


def _enroll(session: Session, township: tuple[Node, str]) -> None:
    node, url = township
    enroll_online(session, url, issue_code(node, VILLAGE_CODE))


def _apply(session: Session, catalog: Catalog) -> str:
    data = example(catalog.get("MZ-GLJT"))
    return intake.take(session, catalog, session.calendar(), "MZ-GLJT", data,
                       today=TODAY).application_ids[0]


def _heads(node: Node) -> list[dict[str, Any]]:
    with node.session.store.database.read() as db:
        return auditheads.heads(db)


def _alarms(node: Node, kinds: tuple[str, ...] = AUDIT_ALARMS) -> list[dict[str, Any]]:
    with node.session.store.database.read() as db:
        return [dict(r) for r in db.query("SELECT * FROM alarms ORDER BY id") if r["kind"] in kinds]


def _village_row(store: Store, seq: int) -> tuple[str, str] | None:
    with store.database.read() as db:
        return audit.row_at(db, seq)


def _village_head(store: Store) -> int:
    with store.database.read() as db:
        return audit.head(db)[0]


def _rewrite_chain(home: Path, keys: Keys, from_seq: int, *, cut: int = 0, edit: bool = True) -> None:
    """Alter row `from_seq` (and drop the last `cut` rows), then make the chain whole again.

    Every later row's hash and the keyed checkpoint are recomputed, as someone with the
    PIN (and the code) could: the village's own verify cannot tell.
    """
    with raw_db(home) as conn:
        top = conn.execute("SELECT MAX(seq) FROM audit").fetchone()[0]
        if cut:
            conn.execute("DELETE FROM audit WHERE seq > ?", [top - cut])
        if edit:
            conn.execute("UPDATE audit SET detail = detail || ' (edited)' WHERE seq = ?", [from_seq])
        prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [from_seq - 1]).fetchone()
        prev_hash = prev[0] if prev else audit.GENESIS
        rows = conn.execute("SELECT seq, at, operator, action, target, detail FROM audit"
                            " WHERE seq >= ? ORDER BY seq", [from_seq]).fetchall()
        last = from_seq - 1
        for seq, at, operator, action, target, detail in rows:
            digest = audit._row_hash(prev_hash, seq, at, operator, action, target, detail)
            conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE seq = ?", (prev_hash, digest, seq))
            prev_hash, last = digest, seq
        head = f"{last}:{prev_hash}"
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'",
                     (json.dumps({"head": head, "mac": keys.audit_mac(head)}),))


# ---- over HTTP -----------------------------------------------------------------------------


def test_each_sync_carries_the_audit_head_and_the_township_keeps_it_per_village(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    before = _village_head(session.store)
    assert sync_once(session.store, session=session).ok
    [first] = _heads(node)
    assert first["village_code"] == VILLAGE_CODE and first["device_id"] == session.store.info.device_id
    assert first["seq"] >= before and first["verdict"] == "first" and first["via"] == "http"
    assert (first["hash"], first["at"]) == _village_row(session.store, first["seq"])
    assert first["received_at"]

    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    heads = _heads(node)
    assert [h["verdict"] for h in heads] == ["first", "extends"]
    assert heads[1]["seq"] > heads[0]["seq"]
    assert heads[1]["hash"] == _village_row(session.store, heads[1]["seq"])[0]  # type: ignore[index]
    assert _alarms(node) == []


def test_an_honest_chain_growing_across_several_syncs_raises_no_alarm(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    for _ in range(4):
        _apply(session, catalog)
        assert sync_once(session.store, session=session).ok
        assert sync_once(session.store).ok  # the background loop, nobody logged in: the held head
    heads = _heads(node)
    assert [h["verdict"] for h in heads] == ["first", "extends", "extends", "extends"]
    assert [h["seq"] for h in heads] == sorted({h["seq"] for h in heads})
    assert _alarms(node) == []
    # The township's signed ack told the village which head it holds: the next starts there.
    with session.store.database.read() as db:
        acked = events.meta_get(db, f"audit_acked:{node.keys.device_id}")
    assert acked == f"{heads[-1]['seq']}:{heads[-1]['hash']}"


def test_a_rewritten_chain_that_passes_the_villages_own_check_raises_the_townships_alarm(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    held = _heads(node)[-1]
    keys, store = session.keys, session.store
    store.close()
    _rewrite_chain(store.home, keys, from_seq=3)

    session = Store.open(store.home).login(AGENT, PIN)
    assert session.verify().ok, session.verify().problems  # the village cannot tell
    assert _village_row(session.store, held["seq"])[0] != held["hash"]  # type: ignore[index]
    assert sync_once(session.store, session=session).ok
    [alarm] = _alarms(node)
    assert alarm["kind"] == "audit_rewritten" and alarm["sender"] == session.store.info.device_id
    assert f"row {held['seq']}" in alarm["detail"]
    what, do = alarm_meaning("audit_rewritten", "zh")
    assert "改写" in what and "电子监察" in do
    assert alarm_meaning("audit_rewritten", "en")[0].startswith("the village PC's audit log")

    _apply(session, catalog)  # the line goes on from the rewritten head: one alarm, not one a sync
    assert sync_once(session.store, session=session).ok
    assert len(_alarms(node)) == 1 and _heads(node)[-1]["verdict"] == "extends"


@pytest.mark.parametrize(("edit", "alarm"), [(False, "audit_behind"), (True, "audit_rewritten")])
def test_a_cut_chain_is_behind_and_a_cut_one_with_an_earlier_row_edited_is_rewritten(
    session: Session, township: tuple[Node, str], catalog: Catalog, edit: bool, alarm: str
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    for _ in range(3):
        _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    first, second = (h["seq"] for h in _heads(node))
    top, keys, store = _village_head(session.store), session.keys, session.store
    store.close()
    # Rows cut back to just past the first head (the next login adds one): that head stays
    # inside what the village sends, and must hash as it did.
    _rewrite_chain(store.home, keys, from_seq=2, cut=top - first - 1, edit=edit)
    session = Store.open(store.home).login(AGENT, PIN)
    assert session.verify().ok
    assert sync_once(session.store, session=session).ok
    assert first < _heads(node)[-1]["seq"] < second
    assert [a["kind"] for a in _alarms(node)] == [alarm]


def test_a_village_restored_from_a_backup_is_behind_not_rewritten(
    tmp_path: Path, session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    backup = tmp_path / "backup.db"
    source, target = sqlite3.connect(session.store.home / STORE_FILE), sqlite3.connect(backup)
    source.backup(target)
    target.close()
    source.close()
    for _ in range(3):  # lost with the disk, but the township holds their head
        _apply(session, catalog)
    assert sync_once(session.store, session=session).ok

    home = session.store.home
    session.store.close()
    for suffix in ("", "-wal", "-shm"):
        (home / f"{STORE_FILE}{suffix}").unlink(missing_ok=True)
    (home / STORE_FILE).write_bytes(backup.read_bytes())
    session = Store.open(home).login(AGENT, PIN)
    assert sync_once(session.store, session=session).ok
    [alarm] = _alarms(node)
    assert alarm["kind"] == "audit_behind"
    assert "备份" in alarm_meaning("audit_behind", "zh")[0]

    _apply(session, catalog)  # the restored copy's own line goes on without another alarm
    assert sync_once(session.store, session=session).ok
    assert len(_alarms(node)) == 1 and _heads(node)[-1]["verdict"] == "extends"


def test_a_sync_without_a_head_from_an_older_village_is_accepted_without_alarm(
    session: Session, township: tuple[Node, str]
) -> None:
    node, url = township
    _enroll(session, township)
    answer = signed_sync(url, session, bundlefile.pack([]))
    assert answer.status_code == 200
    assert _heads(node) == [] and _alarms(node) == []
    assert _alarms(node, ("malformed", "wrong_village")) == []


def test_a_head_signed_for_another_center_or_by_another_device_is_refused_and_changes_nothing(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    me = Node.of(session)
    body = {"device": me.keys.device_id, "center": "someone-else", "seq": 1,
            "hash": _village_row(session.store, 1)[0], "at": "", "base": 0,  # type: ignore[index]
            "base_hash": audit.GENESIS, "hashes": [_village_row(session.store, 1)[0]],  # type: ignore[index]
            "signed_at": ""}
    result = ingest.Ingested()
    ingest.ingest(node, signed.sign(audithead.KIND, body, me.keys), result)
    assert [r[2] for r in result.refused] == ["malformed"]
    forged = signed.sign(audithead.KIND, {**body, "center": node.keys.device_id}, node.keys)
    ingest.ingest(node, forged, result)  # signed by the township itself, not the village
    assert len(result.refused) == 2 and _heads(node) == []


# ---- over a USB stick -------------------------------------------------------------------------


def _by_stick(session: Session, node: Node, stick: Path) -> None:
    out = usb.export_village(Node.of(session), stick)
    assert out.files
    imported = center_usb.import_center(node, stick)
    assert imported.answers, imported
    back = usb.import_village(Node.of(session), stick)
    assert back.refused_files == [], back


def test_heads_travel_by_usb_stick_and_a_rewritten_chain_is_caught_there_too(
    tmp_path: Path, session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    _by_stick(session, node, tmp_path / "stick1")
    _apply(session, catalog)
    _by_stick(session, node, tmp_path / "stick2")
    heads = _heads(node)
    assert [(h["verdict"], h["via"]) for h in heads] == [("first", "usb"), ("extends", "usb")]
    assert _alarms(node) == []

    keys, store = session.keys, session.store
    store.close()
    _rewrite_chain(store.home, keys, from_seq=2)
    session = Store.open(store.home).login(AGENT, PIN)
    assert session.verify().ok
    _by_stick(session, node, tmp_path / "stick3")
    assert [a["kind"] for a in _alarms(node)] == ["audit_rewritten"]


def test_the_clerks_command_line_says_what_the_alarm_means(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    from tests.test_clerks import run

    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    keys, store = session.keys, session.store
    store.close()
    _rewrite_chain(store.home, keys, from_seq=2)
    session = Store.open(store.home).login(AGENT, PIN)
    assert sync_once(session.store, session=session).ok
    said = run("service-center", node.session.store.home, "alarms")
    assert said.code == 0, said.text
    what, do = alarm_meaning("audit_rewritten", "zh")
    assert "audit_rewritten" in said.stdout and what in said.stdout and do in said.stdout


# ---- the pure parts ------------------------------------------------------------------------

digests = st.binary(min_size=32, max_size=32).map(bytes.hex)


def _claim(chain: list[str], base: int, top: int) -> audithead.Claim:
    """A claim over `chain` (chain[0] is GENESIS, chain[n] row n's hash)."""
    return audithead.parse({"device": "d", "center": "c", "seq": top, "hash": chain[top], "at": "",
                            "base": base, "base_hash": chain[base],
                            "hashes": chain[base + 1 : top + 1]})


@given(rows=st.lists(digests, min_size=1, max_size=60, unique=True), data=st.data())
def test_heads_of_an_honest_chain_always_extend(rows: list[str], data: st.DataObject) -> None:
    chain = [audit.GENESIS, *rows]
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(rows)), min_size=1, max_size=6))))
    line: list[audithead.Held] = []
    base = 0
    for top in cuts:
        verdict = audithead.judge(line, _claim(chain, base, top))
        assert verdict.kind == ("first" if not line else "extends") and verdict.alarm is None
        line.append(audithead.Held(top, chain[top]))
        base = top


@given(rows=st.lists(digests, min_size=2, max_size=40, unique=True), data=st.data())
def test_any_changed_row_up_to_the_held_head_is_caught(rows: list[str], data: st.DataObject) -> None:
    chain = [audit.GENESIS, *rows]
    held = data.draw(st.integers(1, len(rows) - 1))
    changed = data.draw(st.integers(1, held))
    top = data.draw(st.integers(held, len(rows)))
    forged = [*chain[:changed], *(("f" + h[1:]) if h[0] != "f" else ("e" + h[1:])
                                  for h in chain[changed:])]
    line = [audithead.Held(held, chain[held])]
    base = data.draw(st.integers(0, held))
    verdict = audithead.judge(line, _claim(forged, base, top))
    assert verdict.kind == "rewritten" and verdict.alarm == "audit_rewritten"
    behind = audithead.judge(line, _claim(chain, 0, held - 1)) if held > 1 else None
    assert behind is None or behind.alarm == "audit_behind"


@pytest.mark.parametrize("change", [
    {"seq": 5},  # does not end its hashes
    {"hash": "0" * 64},
    {"base_hash": "1" * 64},  # a chain from nothing starts at genesis
    {"hashes": ["not a hash"]},
    {"seq": True},
    {"hashes": ["a" * 64] * (audithead.MAX_HASHES + 1)},
])
def test_a_malformed_head_record_is_refused(change: dict[str, Any]) -> None:
    body = {"device": "d", "center": "c", "seq": 1, "hash": "a" * 64, "at": "", "base": 0,
            "base_hash": audit.GENESIS, "hashes": ["a" * 64], **change}
    with pytest.raises(BundleRejected) as refused:
        audithead.parse(body)
    assert refused.value.reason == "malformed"


@given(seq=st.integers(0, 2**40), digest=digests)
def test_an_ack_carries_the_held_head_and_an_older_ack_reads_as_none(seq: int, digest: str) -> None:
    ack = messages.Ack("dev", audit_seq=seq, audit_hash=digest if seq else "")
    back = messages.Ack.parse(ack.payload())
    assert (back.audit_seq, back.audit_hash) == (seq, digest if seq else "")
    assert messages.Ack.parse(messages.dumps({"subject": "dev"})).audit_seq == 0
    with pytest.raises(BundleRejected):
        messages.Ack.parse(messages.dumps({"subject": "dev", "audit_seq": 3, "audit_hash": "x"}))


# ---- a recovery is reported upstream -------------------------------------------------------

NEW_PIN = "284615"
WRONG_CODE = "0000 0000 0000 0000 0000 0000 0000"  # well formed (its check digit holds), not the code


def _entries(node: Node) -> list[dict[str, Any]]:
    with node.session.store.database.read() as db:
        return auditheads.entries(db)


def _sent_head(store: Store, node: Node) -> dict[str, Any]:
    [record] = audithead.records(store, node.keys.device_id)
    return signed.peek(record).body


def test_a_recovery_at_the_village_raises_one_alarm_at_the_township_naming_who_and_when(
    session: Session, township: tuple[Node, str], catalog: Catalog, cli: Cli
) -> None:
    node, url = township
    _enroll(session, township)
    code = session.new_recovery_code()
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    assert [e["action"] for e in _entries(node)] == ["recovery.created"]
    assert _alarms(node, ("village_recovered",)) == []
    store = session.store
    store.close()

    wrong = cli("recover", "--operator", AGENT,  # the real command, as the agent runs it
                env={"VILLAGE_AGENT_RECOVERY_CODE": WRONG_CODE, "VILLAGE_AGENT_NEW_PIN": NEW_PIN})
    assert wrong.code == 3, wrong.stderr
    done = cli("recover", "--operator", AGENT,
               env={"VILLAGE_AGENT_RECOVERY_CODE": code, "VILLAGE_AGENT_NEW_PIN": NEW_PIN})
    assert done.code == 0, done.stderr
    session = Store.open(store.home).login(AGENT, NEW_PIN)
    with session.store.database.read() as db:
        [(seq, at)] = db.execute("SELECT seq, at FROM audit WHERE action = 'operator.recovered'")
    assert sync_once(session.store, session=session).ok

    sent = _sent_head(session.store, node)  # only the allow-listed rows travel whole
    assert {e["action"] for e in sent["entries"]} == {"operator.recovery_failed",
                                                      "operator.recovered"}
    assert [(e["action"], e["operator"], e["seq"]) for e in _entries(node)][1:] == [
        ("operator.recovery_failed", AGENT, seq - 1), ("operator.recovered", AGENT, seq)]
    [alarm] = _alarms(node, ("village_recovered",))
    assert alarm["sender"] == session.store.info.device_id and alarm["seq"] == seq
    assert json.loads(alarm["detail"]) == {"village": VILLAGE_CODE, "operator": AGENT, "at": at}
    what, do = alarm_meaning("village_recovered", "zh", alarm["detail"])
    assert what == f"服务点 {VILLAGE_CODE} 的操作员 {AGENT} 于 {at} 用恢复码重置了PIN"
    assert "打电话" in do and "本人" in do
    assert alarm_meaning("village_recovered", "en", alarm["detail"])[0].startswith(
        f"at village service point {VILLAGE_CODE}, operator {AGENT}")
    assert "恢复码" in alarm_meaning("village_recovered", "zh")[0]  # no detail: still said
    assert _alarms(node) == []  # the chain itself is whole
    from tests.test_clerks import run
    from tests.test_console import log_in

    said = run("service-center", node.session.store.home, "alarms")
    assert said.code == 0 and what in said.stdout and do in said.stdout, said.text
    with log_in(url) as clerk:  # the console's alarm page says it too
        page = clerk.get("/console/alarms").text
    assert what in page and "打电话" in page

    # Later syncs, and a village that lost the township's ack and sends its rows again:
    # the recovery was raised once.
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    assert sync_once(session.store).ok
    with session.store.database.write() as db:
        db.execute("DELETE FROM meta WHERE key = ?", [f"audit_acked:{node.keys.device_id}"])
    _apply(session, catalog)
    assert sync_once(session.store, session=session).ok
    assert _sent_head(session.store, node)["base"] == 0
    assert len(_alarms(node, ("village_recovered",))) == 1
    assert [e["action"] for e in _entries(node)].count("operator.recovered") == 1


def test_honest_syncs_without_a_recovery_raise_no_recovery_alarm(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    for _ in range(2):
        _apply(session, catalog)
        assert sync_once(session.store, session=session).ok
    assert _sent_head(session.store, node)["entries"] == []
    assert len(_heads(node)) == 2 and _entries(node) == []
    assert _alarms(node, ("village_recovered", *AUDIT_ALARMS)) == []


def _head_body(session: Session, node: Node, entries: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The body of an honest head over the village's whole chain, with `entries` as given."""
    with session.store.database.read() as db:
        top = audit.head(db)[0]
        hashes = audit.hashes(db, 0, top)
    body = {"device": session.store.info.device_id, "center": node.keys.device_id, "seq": top,
            "hash": hashes[-1], "at": "", "base": 0, "base_hash": audit.GENESIS,
            "hashes": hashes, "signed_at": ""}
    return body if entries is None else {**body, "entries": entries}


def test_a_head_claiming_a_recovery_its_chain_does_not_hold_is_refused_and_an_old_one_is_taken(
    session: Session, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    _enroll(session, township)
    _apply(session, catalog)
    me = Node.of(session)
    with session.store.database.read() as db:
        row = dict(next(iter(db.query(
            "SELECT seq, at, operator, action, target, detail FROM audit ORDER BY seq DESC"))))
    forged = {**row, "action": "operator.recovered", "target": AGENT, "detail": ""}
    result = ingest.Ingested()
    ingest.ingest(node, signed.sign(audithead.KIND, _head_body(session, node, [forged]), me.keys),
                  result)
    assert [r[2] for r in result.refused] == ["malformed"]
    assert _heads(node) == [] and _entries(node) == [] and _alarms(node, ("village_recovered",)) == []

    # A village of the version before: its head has no entries, and is held as ever.
    ingest.ingest(node, signed.sign(audithead.KIND, _head_body(session, node, None), me.keys),
                  result)
    assert len(result.refused) == 1 and [h["verdict"] for h in _heads(node)] == ["first"]
    assert _entries(node) == [] and _alarms(node) == []


@given(rows=st.lists(st.tuples(st.sampled_from((*audithead.SECURITY_ACTIONS, "draft.save")),
                               st.text(max_size=8)), min_size=1, max_size=12),
       data=st.data())
def test_entries_parse_only_when_each_hashes_as_its_row(
    rows: list[tuple[str, str]], data: st.DataObject
) -> None:
    chain, whole = [audit.GENESIS], []
    for seq, (action, operator) in enumerate(rows, 1):
        fields = {"seq": seq, "at": "2025-01-02T03:04:05+00:00", "operator": operator,
                  "action": action, "target": operator, "detail": ""}
        chain.append(audit.row_hash(chain[-1], seq, fields["at"], operator, action, operator, ""))  # type: ignore[arg-type]
        whole.append(fields)
    base = data.draw(st.integers(0, len(rows) - 1))
    sent = [r for r in whole[base:] if r["action"] in audithead.SECURITY_ACTIONS]
    body = {"device": "d", "center": "c", "seq": len(rows), "hash": chain[-1], "at": "",
            "base": base, "base_hash": chain[base], "hashes": chain[base + 1:], "entries": sent}
    assert [e.seq for e in audithead.parse(body).entries] == [r["seq"] for r in sent]
    if not sent:
        return
    n = data.draw(st.integers(0, len(sent) - 1))
    key = data.draw(st.sampled_from(("at", "operator", "action", "target", "detail", "seq")))
    changed = {**sent[n], key: sent[n][key] + 1 if key == "seq" else f"{sent[n][key]}x"}  # type: ignore[operator]
    with pytest.raises(BundleRejected) as refused:
        audithead.parse({**body, "entries": [*sent[:n], changed, *sent[n + 1:]]})
    assert refused.value.reason == "malformed"
