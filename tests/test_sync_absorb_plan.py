"""The village takes in a center's answer in one transaction: all of it, or none of it.

Real stores in tmp_path, a real township on loopback. The failure is SQLite's own: a
trigger aborts the write of the answer's last alarm, as a full disk would fail the
transaction part way. Before the answer was applied in one transaction, the counter move
and the rows' new states of the same answer stayed behind (the test fails on that code).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from center import ingest
from forms.catalog import Catalog
from storage import sync_alarms, sync_outbox
from sync import bundlefile, village
from sync.node import Node
from tests.test_sync_restore import (
    DEVICE,
    _next_seq,
    _outbox_states,
    restored_reusing_numbers,
)


def test_an_answer_that_fails_part_way_leaves_the_store_as_it_was_and_applies_whole_again(
    tmp_path: Path, township: tuple[Node, str], catalog: Catalog
) -> None:
    node, _ = township
    store = restored_reusing_numbers(tmp_path, township, catalog)  # the township holds 1, 2
    _, batch = village.due_messages(store, now=float("inf"))
    sync_outbox.mark_sent(store.database, [1, 2])
    for raw in batch:
        ingest.ingest(node, raw, ingest.Ingested())
    answer = bundlefile.pack([ingest.ack_for(node, DEVICE)])
    before = (_next_seq(store), _outbox_states(store), sync_alarms.alarms(store.database))
    assert before == (3, {1: "pending", 2: "pending"}, [])

    # The answer moves the counters past 4 first, then marks 1 and 2 as clashing: the
    # clash's alarm is the write that fails.
    with store.database.write() as db:
        db.execute("CREATE TRIGGER fail_clash BEFORE INSERT ON alarms WHEN NEW.kind = 'clash'"
                   " BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.IntegrityError):
        village.absorb(store, answer, DEVICE)
    after = (_next_seq(store), _outbox_states(store), sync_alarms.alarms(store.database))
    assert after == before

    with store.database.write() as db:
        db.execute("DROP TRIGGER fail_clash")
    got = village.absorb(store, answer, DEVICE)
    assert got.restored and got.clashes == 2
    assert _next_seq(store) == 5 and _outbox_states(store) == {1: "clash", 2: "clash"}
    assert {a["kind"] for a in sync_alarms.alarms(store.database)} == {"restored_copy", "clash"}
