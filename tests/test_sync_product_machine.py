"""The planner's state machine over the product's own functions, not a model of them.

A real village store and a real township store (SQLite files in a temporary folder), the
messages passed between them in-process through the very functions the HTTP routes and the
client call (`village.due_messages`, `ingest.ingest`, `ingest.answer`, `village.absorb`,
`village.apply_inbox`), with what a link does to them: messages dropped, duplicated and
reordered, answers lost, and the village crashing part way through taking an answer in (a
real SQLite abort inside its one transaction, then the store reopened). The pure planner's
own properties stay in tests/test_sync_planner.py.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from center import ingest
from center.enroll import issue_code, redeem
from forms.catalog import load_catalog
from storage.crypto import TEST_KDF
from storage.store import Store
from sync import bundlefile, enroll, planner, proof, village
from sync.node import Node
from tests.conftest import AGENT, PIN, TODAY, VILLAGE_CODE, VILLAGE_NAME
from tests.forms_helpers import example
from tests.sync_helpers import make_center
from village_agent import intake

_RANK = {"pending": 0, "custody": 1, "done": 2}
CATALOG = load_catalog()


class ProductSync(RuleBasedStateMachine):
    """One village point and its township, each its own store, nothing but the product between."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="product-machine-"))
        self.seen: dict[int, str] = {}  # the furthest state each outbox row of ours reached
        self.phones = iter(f"139073{n:05d}" for n in range(100_000))

    @initialize()
    def enrolled(self) -> None:
        self.center = make_center(self.dir / "township")
        self.node = Node.of(self.center)
        store = Store.create(self.dir / "village", village_code=VILLAGE_CODE,
                             village_name=VILLAGE_NAME, operator_name=AGENT, pin=PIN,
                             kdf=TEST_KDF)
        self.session = store.login(AGENT, PIN)
        code = issue_code(self.node, VILLAGE_CODE)
        answer = redeem(self.node, enroll.build_request(store, code))
        enroll.accept(Node.of(self.session), answer, code, "http://township.invalid")
        proof.ensure_request_key(store.database, Node.of(self.session).keys)
        self.device = store.info.device_id

    def teardown(self) -> None:
        for session in (getattr(self, "session", None), getattr(self, "center", None)):
            if session is not None:
                session.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def store(self) -> Store:
        return self.session.store

    # ---- what people and links do -------------------------------------------------------

    @rule()
    def take_in_an_application(self) -> None:
        data = example(CATALOG.get("MZ-GLJT"))
        data["applicant"]["phone"] = next(self.phones)
        intake.take(self.session, CATALOG, self.session.calendar(), "MZ-GLJT", data, today=TODAY)
        village.seal_outbox(Node.of(self.session))

    @rule(seed=st.integers(0, 2**16), drop=st.floats(0, 1), duplicate=st.booleans(),
          reorder=st.booleans(), answer=st.sampled_from(["taken", "lost", "crash"]))
    def a_session(self, seed: int, drop: float, duplicate: bool, reorder: bool,
                  answer: str) -> None:
        """One push and its answer over a bad link: what arrives is filed, the answer may not come."""
        rng = random.Random(seed)
        seqs, batch = village.due_messages(self.store, now=float("inf"))
        from storage import sync_inbox, sync_outbox

        sync_outbox.mark_sent(self.store.database, seqs)
        arrived = [raw for raw in batch if rng.random() >= drop]
        if duplicate:
            arrived += arrived[: rng.randint(0, len(arrived))]
        if reorder:
            rng.shuffle(arrived)
        result = ingest.Ingested()
        for raw in arrived:
            ingest.ingest(self.node, raw, result)
        cursor = sync_inbox.inbox_cursor(self.store.database, self.node.keys.device_id)
        items, last = ingest.answer(self.node, self.device, result.senders, cursor)
        if answer == "lost":
            return
        content = bundlefile.pack(items)
        if answer == "crash":
            self._crash_while_taking(content, last)
            return
        village.absorb(self.store, content, self.device, (self.node.keys.device_id, last))

    def _crash_while_taking(self, content: bytes, last: int) -> None:
        """The answer's one transaction fails at its last write; the PC restarts after."""
        with self.store.database.write() as db:
            db.execute("CREATE TRIGGER crash BEFORE INSERT ON meta"
                       " BEGIN SELECT RAISE(ABORT, 'power cut'); END")
            db.execute("CREATE TRIGGER crash2 BEFORE UPDATE ON meta"
                       " BEGIN SELECT RAISE(ABORT, 'power cut'); END")
        before = self._outbox_states()
        try:
            village.absorb(self.store, content, self.device, (self.node.keys.device_id, last))
        except sqlite3.IntegrityError:
            assert self._outbox_states() == before  # nothing of the answer was kept
        with self.store.database.write() as db:
            db.execute("DROP TRIGGER crash")
            db.execute("DROP TRIGGER crash2")
        self.restart()

    @rule()
    def restart(self) -> None:
        """The village PC is switched off and on: the store is opened again from its file."""
        home = self.store.home
        self.store.close()
        self.session = Store.open(home).login(AGENT, PIN)

    @rule()
    def open_the_inbox(self) -> None:
        village.apply_inbox(Node.of(self.session))

    # ---- what must hold after every step ------------------------------------------------

    def _outbox_states(self) -> dict[int, str]:
        with self.store.database.read() as db:
            return {int(r[0]): str(r[1]) for r in db.execute("SELECT seq, state FROM outbox")}

    def _held(self) -> set[int]:
        with self.center.store.database.read() as db:
            return {int(r[0]) for r in db.execute("SELECT seq FROM received WHERE sender = ?",
                                                 [self.device])}

    @invariant()
    def acknowledged_means_held_and_states_only_move_forward(self) -> None:
        if not hasattr(self, "center"):
            return
        held = self._held()
        for seq, state in self._outbox_states().items():
            if state in ("custody", "done"):
                assert seq in held, (seq, state)
            if state in _RANK:
                assert _RANK[state] >= _RANK.get(self.seen.get(seq, "pending"), 0), (seq, state)
                self.seen[seq] = state

    @invariant()
    def exactly_once_at_the_township(self) -> None:
        if not hasattr(self, "center"):
            return
        with self.center.store.database.read() as db:
            assert db.execute("SELECT count(*) FROM alarms WHERE kind = 'conflict'").fetchone()[0] == 0
            there = [str(r[0]) for r in db.execute("SELECT id FROM applications")]
        with self.store.database.read() as db:
            ours = {str(r[0]) for r in db.execute("SELECT id FROM applications")}
        assert set(there) <= ours

    @invariant()
    def the_cursor_never_passes_a_message_the_village_lacks(self) -> None:
        if not hasattr(self, "center"):
            return
        from storage import sync_inbox

        cursor = sync_inbox.inbox_cursor(self.store.database, self.node.keys.device_id)
        with self.center.store.database.read() as db:
            below = {bytes(r[0]) for r in db.execute(
                "SELECT raw FROM downstream WHERE village_code = ? AND dseq <= ?",
                (VILLAGE_CODE, cursor))}
            top = db.execute("SELECT coalesce(max(dseq), 0) FROM downstream WHERE village_code = ?",
                             [VILLAGE_CODE]).fetchone()[0]
        with self.store.database.read() as db:
            inbox = {bytes(r[0]) for r in db.execute("SELECT raw FROM inbox")}
        assert cursor <= top and below <= inbox

    @invariant()
    def each_status_is_the_planners_fold_of_its_events(self) -> None:
        if not hasattr(self, "session"):
            return
        with self.store.database.read() as db:
            evs = [planner.StatusEvent(str(h), str(a), str(t)) for a, h, t in db.execute(
                "SELECT application_id, hlc, type FROM events")]
            cached = dict(db.execute("SELECT id, status FROM applications").fetchall())
        assert planner.village_statuses(evs) == {a: cached[a] for a in {e.application for e in evs}}

    # ---- in the end, a good link delivers everything ---------------------------------------

    @rule()
    def the_link_comes_back(self) -> None:
        from storage import sync_inbox, sync_outbox

        for _ in range(3):
            seqs, batch = village.due_messages(self.store, now=float("inf"))
            sync_outbox.mark_sent(self.store.database, seqs)
            result = ingest.Ingested()
            for raw in batch:
                ingest.ingest(self.node, raw, result)
            cursor = sync_inbox.inbox_cursor(self.store.database, self.node.keys.device_id)
            items, last = ingest.answer(self.node, self.device, result.senders, cursor)
            village.absorb(self.store, bundlefile.pack(items), self.device,
                           (self.node.keys.device_id, last))
        village.apply_inbox(Node.of(self.session))
        assert {s for s in self._outbox_states().values()} <= {"done"}
        own = {s.id: s.status for s in self.session.list()}
        there = {s.id: s.status for s in self.center.list()}
        assert own == there, (own, there)


ProductSync.TestCase.settings = settings(
    max_examples=8, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestProductSync = ProductSync.TestCase
