"""The sync planner: each decision on its own, then village -> township -> county as a state machine.

The machine runs the pure planner over an in-memory fake: durable tables per
node, volatile sessions, and a network of bundles and answers that rules
deliver, drop, duplicate and reorder, with crashes and clock jumps between.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from sync.planner import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    Ack,
    DownMessage,
    Key,
    OutboxEntry,
    Owner,
    State,
    StatusEvent,
    ack_for,
    advance_cursor,
    apply_ack,
    apply_downstream,
    backoff,
    decide_ingest,
    forgettable,
    from_row,
    is_due,
    on_failure,
    plan_downstream,
    plan_push,
    village_statuses,
)
from tests.conftest import ROOT


def entry(seq: int, size: int = 100, owner: Owner = "township", state: State = "pending",
          attempts: int = 0, next_try_at: float = 0.0) -> OutboxEntry:
    return OutboxEntry(seq, f"d{seq}", size, owner, state, attempts, next_try_at)


def hlc(n: int) -> str:
    return f"{n:015d}.000000"


# ---- sender: what to push ---------------------------------------------------------------------


def test_push_sends_due_pending_entries_oldest_first() -> None:
    entries = [entry(3), entry(1), entry(2, state="custody"), entry(4, next_try_at=50.0),
               entry(5, state="done")]
    assert plan_push(entries, now=10.0, max_bytes=10_000, max_messages=10) == [1, 3]
    assert plan_push(entries, now=50.0, max_bytes=10_000, max_messages=10) == [1, 3, 4]


def test_push_stays_within_the_byte_budget_and_message_count() -> None:
    entries = [entry(1, 300), entry(2, 300), entry(3, 300), entry(4, 10)]
    assert plan_push(entries, 0.0, max_bytes=650, max_messages=10) == [1, 2]
    assert plan_push(entries, 0.0, max_bytes=10_000, max_messages=3) == [1, 2, 3]


def test_push_sends_an_oversized_message_alone_rather_than_never() -> None:
    entries = [entry(1, 5_000), entry(2, 10)]
    assert plan_push(entries, 0.0, max_bytes=1_000, max_messages=10) == [1]


def test_push_plans_nothing_when_nothing_is_due() -> None:
    assert plan_push([], 0.0, 1_000, 10) == []
    assert plan_push([entry(1, next_try_at=20.0)], 10.0, 1_000, 10) == []
    with pytest.raises(ValueError):
        plan_push([entry(1)], 0.0, 1_000, 0)


def test_a_clock_set_back_does_not_strand_messages_behind_their_backoff() -> None:
    # Backed off at t=1_000_000 (next try +300 s); then the clock was set back to 1970.
    stranded = entry(1, next_try_at=1_000_300.0)
    assert is_due(stranded, now=0.0)
    assert not is_due(stranded, now=1_000_000.0)  # a real back-off is respected
    assert plan_push([stranded], 0.0, 1_000, 10) == [1]


# ---- sender: acknowledgements -----------------------------------------------------------------


def test_custody_from_the_township_stops_resending_a_county_item_but_is_not_the_end() -> None:
    [e] = apply_ack([entry(1, owner="county")], Ack("township", custody=frozenset({1})))
    assert e.state == "custody"
    assert plan_push([e], 0.0, 1_000, 10) == [] and forgettable([e]) == []


def test_custody_from_the_owner_is_end_to_end() -> None:
    township_item, county_item = entry(1), entry(2, owner="county")
    assert [e.state for e in apply_ack([township_item], Ack("township", frozenset({1})))] == ["done"]
    assert [e.state for e in apply_ack([county_item], Ack("county", frozenset({2})))] == ["done"]


def test_end_to_end_ack_finishes_pending_and_custody_entries() -> None:
    entries = [entry(1, owner="county"), entry(2, owner="county", state="custody")]
    after = apply_ack(entries, Ack("township", e2e=frozenset({1, 2})))
    assert [e.state for e in after] == ["done", "done"]
    assert forgettable(after) == [1, 2]


def test_acks_never_move_an_entry_backwards_and_ignore_unknown_seqs() -> None:
    entries = [entry(1, state="done"), entry(2, owner="county", state="custody"), entry(3)]
    after = apply_ack(entries, Ack("township", custody=frozenset({1, 2, 99}), e2e=frozenset({77})))
    assert [(e.seq, e.state) for e in after] == [(1, "done"), (2, "custody"), (3, "pending")]
    assert apply_ack(after, Ack("county")) == after


def test_ack_leaves_its_input_untouched() -> None:
    entries = [entry(1)]
    apply_ack(entries, Ack("township", custody=frozenset({1})))
    assert entries == [entry(1)]


def test_outbox_row_from_the_store_becomes_an_entry() -> None:
    row = {"seq": 7, "digest": "ab", "size": 12, "owner": "county", "state": "custody",
           "attempts": 2, "next_try_at": 5}
    assert from_row(row) == OutboxEntry(7, "ab", 12, "county", "custody", 2, 5.0)
    with pytest.raises(ValueError):
        from_row({**row, "state": "unsealed"})


# ---- sender: failures -------------------------------------------------------------------------


def test_failure_backs_off_only_what_the_session_carried_and_is_still_pending() -> None:
    rng = random.Random(1)
    entries = [entry(1), entry(2), entry(3, state="custody"), entry(4, attempts=3)]
    after = on_failure(entries, [1, 3, 4], now=100.0, rng=rng)
    assert [e.attempts for e in after] == [1, 0, 0, 4]
    assert 100.0 <= after[0].next_try_at <= 100.0 + BACKOFF_BASE
    assert 100.0 <= after[3].next_try_at <= 100.0 + BACKOFF_BASE * 8
    assert after[1] == entries[1] and after[2] == entries[2]
    assert plan_push(after, 100.0 + BACKOFF_BASE * 8, 10_000, 10) == [1, 2, 4]


def test_failure_jitter_comes_from_the_rng_passed_in() -> None:
    a = on_failure([entry(1)], [1], 0.0, random.Random(42))
    b = on_failure([entry(1)], [1], 0.0, random.Random(42))
    assert a == b


@given(attempts=st.integers(0, 200), seed=st.integers(0, 2**32 - 1))
def test_backoff_is_capped_and_never_negative(attempts: int, seed: int) -> None:
    wait = backoff(attempts, random.Random(seed))
    assert 0.0 <= wait <= min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(attempts - 1, 0))


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert [backoff(n, Top()) for n in (1, 2, 3)] == [BACKOFF_BASE, 2 * BACKOFF_BASE,
                                                      4 * BACKOFF_BASE]
    assert backoff(60, Top()) == BACKOFF_CAP


# ---- receiver ---------------------------------------------------------------------------------


def test_ingest_is_keyed_by_device_and_seq_and_checked_by_digest() -> None:
    known = {("village-a", 1): "d1"}
    assert decide_ingest(known, "village-a", 2, "d2") == "store"
    assert decide_ingest(known, "village-b", 1, "other") == "store"  # another device's seq 1
    assert decide_ingest(known, "village-a", 1, "d1") == "duplicate"
    assert decide_ingest(known, "village-a", 1, "tampered") == "conflict"


def test_township_acks_custody_of_all_and_end_to_end_of_its_own_items() -> None:
    held: dict[Key, Owner] = {("village-a", 1): "township", ("village-a", 2): "county",
                              ("village-a", 3): "county", ("village-b", 1): "township"}
    ack = ack_for("village-a", held, "township", owner_confirmed={("village-a", 3)})
    assert ack == Ack("township", custody=frozenset({1, 2, 3}), e2e=frozenset({1, 3}))


def test_county_acks_end_to_end_what_it_owns() -> None:
    held: dict[Key, Owner] = {("village-a", 2): "county", ("village-a", 5): "county"}
    assert ack_for("village-a", held, "county") == Ack("county", frozenset({2, 5}),
                                                       frozenset({2, 5}))


def test_a_conflicting_key_is_never_acknowledged() -> None:
    held: dict[Key, Owner] = {("village-a", 1): "township", ("village-a", 2): "township"}
    ack = ack_for("village-a", held, "township", conflicts={("village-a", 2)})
    assert ack.custody == ack.e2e == frozenset({1})


# ---- downstream -------------------------------------------------------------------------------


def _down(dseq: int, seq: int, kind: str, app: str = "A", origin: str = "township",
          at: int | None = None) -> DownMessage:
    return DownMessage(dseq, origin, seq, StatusEvent(hlc(at or seq), app, kind))


def test_downstream_sends_what_comes_after_the_cursor_in_order() -> None:
    queue = [_down(3, 3, "completed"), _down(1, 1, "received"), _down(2, 2, "accepted")]
    assert [m.dseq for m in plan_downstream(queue, 1)] == [2, 3]
    assert [m.dseq for m in plan_downstream(queue, 0, max_messages=2)] == [1, 2]
    assert plan_downstream(queue, 3) == []


def test_cursor_moves_only_over_an_unbroken_run_and_never_back() -> None:
    assert advance_cursor(0, 0, [1, 2, 3]) == 3
    assert advance_cursor(5, 0, [1, 2, 3]) == 5  # a stale answer arriving late
    assert advance_cursor(2, 0, [1, 2, 3, 4]) == 4  # overlaps what we hold, then extends it
    assert advance_cursor(2, 3, [4, 5]) == 2  # would leave a hole at 3
    assert advance_cursor(2, 2, [3, 5]) == 3
    assert advance_cursor(2, 2, []) == 2


def test_downstream_events_apply_once_and_never_overwrite() -> None:
    first = _down(1, 7, "accepted")
    table, new = apply_downstream({}, [first, first])
    assert new == [first] and table == {("township", 7): first.event}
    forged = _down(9, 7, "rejected")
    again, new = apply_downstream(table, [forged])
    assert new == [] and again == table


def test_a_late_status_never_moves_an_application_backwards() -> None:
    accepted = StatusEvent(hlc(3), "A", "accepted")
    received = StatusEvent(hlc(2), "A", "received")
    submitted = StatusEvent(hlc(1), "A", "submitted")
    assert village_statuses([submitted, accepted]) == {"A": "accepted"}
    assert village_statuses([submitted, accepted, received]) == {"A": "accepted"}
    assert village_statuses([StatusEvent(hlc(1), "B", "submitted")]) == {"B": "submitted"}


def test_the_planner_imports_no_io() -> None:
    code = ("import sys, sync.planner; "
            "print(sorted(m for m in ('sqlite3', 'sqlite_utils', 'httpx', 'socket') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


# ---- the state machine ------------------------------------------------------------------------

VILLAGES = ("village-a", "village-b")
TOWNSHIP: Owner = "township"
COUNTY: Owner = "county"
NODES = (*VILLAGES, TOWNSHIP, COUNTY)
MAX_BYTES, MAX_MESSAGES, MAX_DOWN = 600, 3, 4
HEAL_BACKLOG = 6  # heal mid-run only once this many messages wait: mostly the network misbehaves
# Ranks of the statuses this model produces; corrections (the one way back) are not modelled.
RANK = {"draft": 0, "submitted": 1, "received": 2, "accepted": 3, "forwarded": 4, "completed": 5}
STATE_RANK = {"pending": 0, "custody": 1, "done": 2}


@dataclass(frozen=True)
class Message:
    """A sealed message as it travels: forwarded unchanged, so its key is always the writer's."""

    device: str
    seq: int
    digest: str
    owner: Owner
    size: int


@dataclass(frozen=True)
class Push:
    src: str
    dst: str
    session: int
    messages: tuple[Message, ...]
    cursor: int  # the pusher's downstream cursor: one round trip carries both ways


@dataclass(frozen=True)
class Reply:
    src: str
    dst: str
    session: int
    acks: tuple[tuple[str, Ack], ...]  # (subject device, ack)
    down: tuple[DownMessage, ...]
    base: int


@dataclass
class Village:
    device: str
    next_seq: int = 1  # durable, saved with the event: a crash never reuses a number
    outbox: list[OutboxEntry] = field(default_factory=list)
    own: list[StatusEvent] = field(default_factory=list)
    applied: dict[Key, StatusEvent] = field(default_factory=dict)
    cursor: int = 0
    sessions: dict[int, list[int]] = field(default_factory=dict)  # volatile


@dataclass
class Center:
    name: Owner
    received: list[Message] = field(default_factory=list)  # append-only, like the table
    alarms: list[Key] = field(default_factory=list)
    queues: dict[str, list[DownMessage]] = field(default_factory=dict)
    next_seq: int = 1
    decided: dict[str, int] = field(default_factory=dict)
    # the township's side toward the county
    relay: dict[str, list[OutboxEntry]] = field(default_factory=dict)
    confirmed: set[Key] = field(default_factory=set)
    from_county: dict[Key, StatusEvent] = field(default_factory=dict)
    county_cursor: int = 0
    sessions: dict[int, dict[str, list[int]]] = field(default_factory=dict)  # volatile

    def known(self) -> dict[Key, str]:
        return {(m.device, m.seq): m.digest for m in self.received}

    def held(self) -> dict[Key, Owner]:
        return {(m.device, m.seq): m.owner for m in self.received}


class SyncNetwork(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.villages = {d: Village(d) for d in VILLAGES}
        self.township = Center(TOWNSHIP)
        self.county = Center(COUNTY)
        self.net: list[Push | Reply] = []
        self.sent: list[Push | Reply] = []  # every packet ever sent: old copies turn up again
        self.now = 1_000_000.0
        self.clock = 0  # the model's HLC: events are stamped in causal order
        self.session = 0
        self.rng = random.Random(0)
        self.recorded: dict[Key, Owner] = {}
        self.forgotten: set[Key] = set()
        self.best_state: dict[tuple[str, Key], int] = {}
        self.best_status: dict[str, int] = {}

    # -- helpers --

    def _stamp(self) -> str:
        self.clock += 1
        return hlc(self.clock)

    def _decide(self, center: Center, destination: str, app: str, kind: str) -> None:
        """A center writes a status event (its own seq) and queues it down to `destination`."""
        seq, center.next_seq = center.next_seq, center.next_seq + 1
        self._enqueue(center, destination, center.name, seq, StatusEvent(self._stamp(), app, kind))

    @staticmethod
    def _enqueue(center: Center, destination: str, origin: str, seq: int,
                 event: StatusEvent) -> None:
        queue = center.queues.setdefault(destination, [])
        queue.append(DownMessage(len(queue) + 1, origin, seq, event))

    def _send(self, packet: Push | Reply) -> None:
        self.net.append(packet)
        self.sent.append(packet)

    def _next_session(self) -> int:
        self.session += 1
        return self.session

    def _sync_village(self, device: str) -> None:
        v = self.villages[device]
        seqs = plan_push(v.outbox, self.now, MAX_BYTES, MAX_MESSAGES)
        by_seq = {e.seq: e for e in v.outbox}
        messages = tuple(Message(device, s, by_seq[s].digest, by_seq[s].owner, by_seq[s].size)
                         for s in seqs)
        sid = self._next_session()
        v.sessions[sid] = seqs
        self._send(Push(device, TOWNSHIP, sid, messages, v.cursor))

    def _sync_township(self) -> None:
        t = self.township
        sent: dict[str, list[int]] = {}
        messages: list[Message] = []
        for device, entries in t.relay.items():
            seqs = plan_push(entries, self.now, MAX_BYTES, MAX_MESSAGES)
            by_seq = {e.seq: e for e in entries}
            sent[device] = seqs
            messages += [Message(device, s, by_seq[s].digest, "county", by_seq[s].size)
                         for s in seqs]
        sid = self._next_session()
        t.sessions[sid] = sent
        self._send(Push(TOWNSHIP, COUNTY, sid, tuple(messages), t.county_cursor))

    def _store(self, center: Center, m: Message) -> None:
        """One message filed, with everything it causes, in one transaction."""
        app = f"{m.device}/{m.seq}"
        center.received.append(m)
        if center is self.township:
            self._decide(center, m.device, app, "received")
            if m.owner == "county":
                center.relay.setdefault(m.device, []).append(
                    OutboxEntry(m.seq, m.digest, m.size, "county"))
                self._decide(center, m.device, app, "forwarded")
        else:
            self._decide(center, TOWNSHIP, app, "accepted")

    def _receive_push(self, push: Push, limit: int | None = None) -> None:
        center = self.township if push.dst == TOWNSHIP else self.county
        known = center.known()
        for m in push.messages[:limit]:
            verdict = decide_ingest(known, m.device, m.seq, m.digest)
            if verdict == "conflict":
                center.alarms.append((m.device, m.seq))
            elif verdict == "store":
                self._store(center, m)
                known[(m.device, m.seq)] = m.digest
        if limit is not None:
            self._crash(center.name)  # died before answering
            return
        held, conflicts = center.held(), set(center.alarms)
        if center is self.township:
            subjects = [push.src]
            queue = center.queues.get(push.src, [])
        else:
            subjects = sorted({m.device for m in center.received})
            queue = center.queues.get(TOWNSHIP, [])
        acks = tuple((d, ack_for(d, held, center.name, center.confirmed, conflicts))
                     for d in subjects)
        down = tuple(plan_downstream(queue, push.cursor, MAX_DOWN))
        self._send(Reply(center.name, push.src, push.session, acks, down, push.cursor))

    def _receive_reply(self, reply: Reply) -> None:
        dseqs = [m.dseq for m in reply.down]
        if reply.dst == TOWNSHIP:
            t = self.township
            t.sessions.pop(reply.session, None)
            for subject, ack in reply.acks:
                entries = apply_ack(t.relay.get(subject, []), ack)
                self._watch_states(TOWNSHIP, subject, entries)
                # Record the county's confirmation in the same commit that forgets the entry.
                t.confirmed |= {(subject, s) for s in forgettable(entries)}
                t.relay[subject] = [e for e in entries if e.state != "done"]
            t.from_county, new = apply_downstream(t.from_county, reply.down)
            for m in new:  # passed on unchanged, keyed by the county's own (device, seq)
                self._enqueue(t, m.event.application.split("/")[0], m.origin, m.seq, m.event)
            t.county_cursor = advance_cursor(t.county_cursor, reply.base, dseqs)
        else:
            v = self.villages[reply.dst]
            v.sessions.pop(reply.session, None)
            for subject, ack in reply.acks:
                if subject == v.device:
                    v.outbox = apply_ack(v.outbox, ack)
            v.applied, _ = apply_downstream(v.applied, reply.down)
            v.cursor = advance_cursor(v.cursor, reply.base, dseqs)

    def _deliver(self, packet: Push | Reply) -> None:
        if isinstance(packet, Push):
            self._receive_push(packet)
        else:
            self._receive_reply(packet)

    def _crash(self, node: str) -> None:
        """Volatile state is gone and so are the node's open connections; tables survive."""
        if node in self.villages:
            self.villages[node].sessions.clear()
        else:
            (self.township if node == TOWNSHIP else self.county).sessions.clear()
        self.net = [p for p in self.net if p.dst != node]

    def _forget(self, device: str) -> None:
        v = self.villages[device]
        gone = forgettable(v.outbox)
        self.forgotten |= {(device, s) for s in gone}
        v.outbox = [e for e in v.outbox if e.seq not in gone]

    def _watch_states(self, node: str, device: str, entries: list[OutboxEntry]) -> None:
        for e in entries:
            key = (node, (device, e.seq))
            rank = STATE_RANK[e.state]
            assert rank >= self.best_state.get(key, 0), f"{key} moved back to {e.state}"
            self.best_state[key] = rank

    def _holder(self, owner: Owner) -> Center:
        return self.township if owner == "township" else self.county

    # -- rules --

    @initialize(seed=st.integers(0, 2**32 - 1))
    def seed_jitter(self, seed: int) -> None:
        self.rng = random.Random(seed)

    @rule(device=st.sampled_from(VILLAGES), events=st.lists(
        st.tuples(st.sampled_from(("township", "county")), st.integers(1, 800)),
        min_size=1, max_size=4))
    def record(self, device: str, events: list[tuple[Owner, int]]) -> None:
        """The agent takes in applications: each event and its outbox row in one transaction."""
        v = self.villages[device]
        for owner, size in events:
            seq, v.next_seq = v.next_seq, v.next_seq + 1
            digest = hashlib.sha256(f"{device}:{seq}:{owner}:{size}".encode()).hexdigest()
            v.outbox.append(OutboxEntry(seq, digest, size, owner))
            v.own.append(StatusEvent(self._stamp(), f"{device}/{seq}", "submitted"))
            self.recorded[(device, seq)] = owner

    @rule(device=st.sampled_from(VILLAGES))
    def village_syncs(self, device: str) -> None:
        self._sync_village(device)

    @rule()
    def township_forwards(self) -> None:
        self._sync_township()

    @rule(device=st.sampled_from((*VILLAGES, TOWNSHIP)))
    def clean_round_trip(self, device: str) -> None:
        """A session on a good link: the bundle and its answer both arrive, at once."""
        if device == TOWNSHIP:
            self._sync_township()
        else:
            self._sync_village(device)
        push = self.net.pop()
        self._deliver(push)
        self._deliver(self.net.pop())

    @rule(device=st.sampled_from(VILLAGES))
    def village_forgets(self, device: str) -> None:
        self._forget(device)

    @rule(node=st.sampled_from((*VILLAGES, TOWNSHIP)))
    def session_times_out(self, node: str) -> None:
        if node == TOWNSHIP:
            t = self.township
            if t.sessions:
                sent = t.sessions.pop(min(t.sessions))
                for device, seqs in sent.items():
                    t.relay[device] = on_failure(t.relay.get(device, []), seqs, self.now, self.rng)
        else:
            v = self.villages[node]
            if v.sessions:
                v.outbox = on_failure(v.outbox, v.sessions.pop(min(v.sessions)), self.now,
                                      self.rng)

    @precondition(lambda self: self.net)
    @rule()
    def deliver_oldest(self) -> None:
        self._deliver(self.net.pop(0))

    @precondition(lambda self: self.net)
    @rule(i=st.integers(0, 10**6))
    def deliver(self, i: int) -> None:
        self._deliver(self.net.pop(i % len(self.net)))

    @precondition(lambda self: self.net)
    @rule(i=st.integers(0, 10**6))
    def drop(self, i: int) -> None:
        self.net.pop(i % len(self.net))

    @precondition(lambda self: self.net)
    @rule(i=st.integers(0, 10**6))
    def duplicate(self, i: int) -> None:
        self.net.append(self.net[i % len(self.net)])

    @precondition(lambda self: self.net)
    @rule(i=st.integers(0, 10**6))
    def reorder(self, i: int) -> None:
        self.net.append(self.net.pop(i % len(self.net)))

    @precondition(lambda self: self.sent)
    @rule(i=st.integers(0, 10**6), answer=st.booleans())
    def old_copy_arrives_again(self, i: int, answer: bool) -> None:
        """A bundle file imported twice, or a stale answer long after a newer one."""
        old = [p for p in self.sent if isinstance(p, Reply) == answer]
        if old:
            self._deliver(old[i % len(old)])

    @precondition(lambda self: any(isinstance(p, Push) and p.messages for p in self.net))
    @rule(i=st.integers(0, 10**6), k=st.integers(0, MAX_MESSAGES))
    def receiver_crashes_mid_bundle(self, i: int, k: int) -> None:
        pushes = [p for p in self.net if isinstance(p, Push) and p.messages]
        push = pushes[i % len(pushes)]
        self.net.remove(push)
        assert isinstance(push, Push)
        self._receive_push(push, limit=k)

    @rule(node=st.sampled_from(NODES))
    def crash(self, node: str) -> None:
        self._crash(node)

    @rule(seconds=st.integers(-10**7, 10**7))  # village clocks are off by months
    def clock_jumps(self, seconds: int) -> None:
        self.now += seconds

    @rule(seconds=st.integers(0, 2 * int(BACKOFF_CAP)))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    @precondition(lambda self: any(m.owner == "township" for m in self.township.received))
    @rule(i=st.integers(0, 10**6))
    def township_decides(self, i: int) -> None:
        t = self.township
        mine = [m for m in t.received if m.owner == "township"]
        m = mine[i % len(mine)]
        app = f"{m.device}/{m.seq}"
        step = t.decided.get(app, 0)
        if step < 2:
            self._decide(t, m.device, app, ("accepted", "completed")[step])
            t.decided[app] = step + 1

    @precondition(lambda self: self.county.received)
    @rule(i=st.integers(0, 10**6))
    def county_decides(self, i: int) -> None:
        c = self.county
        m = c.received[i % len(c.received)]
        app = f"{m.device}/{m.seq}"
        if not c.decided.get(app):
            self._decide(c, TOWNSHIP, app, "completed")
            c.decided[app] = 1

    @precondition(lambda self: len(self.recorded) - len(self.forgotten) >= HEAL_BACKLOG)
    @rule()
    def heal(self) -> None:
        """The network comes back for good: deliver everything, sync until quiet, then check."""
        for _ in range(100):
            self._deliver_all()
            if self._quiet():
                break
            self.now += BACKOFF_CAP + 1  # every back-off is over
            for device in VILLAGES:
                self._sync_village(device)
            self._sync_township()
            self._deliver_all()
            for device in VILLAGES:
                self._forget(device)
                self._check_safety()
        self._check_healed()

    def _deliver_all(self) -> None:
        while self.net:
            self._deliver(self.net.pop(0))
            self._check_safety()

    def _quiet(self) -> bool:
        t = self.township
        return (all(not v.outbox and v.cursor == len(t.queues.get(d, []))
                    for d, v in self.villages.items())
                and not any(t.relay.values())
                and t.county_cursor == len(self.county.queues.get(TOWNSHIP, [])))

    def _check_healed(self) -> None:
        for (device, seq), owner in self.recorded.items():
            stored = [m for m in self._holder(owner).received if (m.device, m.seq) == (device, seq)]
            assert len(stored) == 1, f"{device}/{seq} stored {len(stored)} times at its {owner}"
        assert self.forgotten == set(self.recorded), "the villages still hold acknowledged messages"
        assert all(not v.outbox for v in self.villages.values())
        assert not any(self.township.relay.values())
        for device, v in self.villages.items():
            queue = self.township.queues.get(device, [])
            assert set(v.applied) == {(m.origin, m.seq) for m in queue}
            statuses = village_statuses([*v.own, *v.applied.values()])
            assert all(RANK[s] >= RANK["received"] for s in statuses.values()), statuses
        relayed = {(m.origin, m.seq) for q in self.township.queues.values() for m in q}
        assert {(m.origin, m.seq) for m in self.county.queues.get(TOWNSHIP, [])} <= relayed

    def teardown(self) -> None:
        self.heal()

    def _check_safety(self) -> None:
        """The invariants, also checked between the steps of a heal."""
        self.stored_at_most_once_at_each_node()
        self.honest_traffic_raises_no_conflict()
        self.nothing_is_forgotten_before_its_owner_holds_it()
        self.outbox_states_only_move_forward()
        self.village_statuses_only_move_forward()

    # -- invariants --

    @invariant()
    def stored_at_most_once_at_each_node(self) -> None:
        for center in (self.township, self.county):
            keys = [(m.device, m.seq) for m in center.received]
            assert len(keys) == len(set(keys)), f"{center.name} stored a message twice"
            for destination, queue in center.queues.items():
                events = [(m.origin, m.seq) for m in queue]
                assert len(events) == len(set(events)), f"{center.name} queued twice to {destination}"

    @invariant()
    def honest_traffic_raises_no_conflict(self) -> None:
        assert not self.township.alarms and not self.county.alarms

    @invariant()
    def nothing_is_forgotten_before_its_owner_holds_it(self) -> None:
        county_holds = set(self.county.known())
        township_holds = set(self.township.known())
        let_go = self.forgotten | {(v.device, e.seq) for v in self.villages.values()
                                   for e in v.outbox if e.state == "done"}
        for key in let_go:
            owner = self.recorded[key]
            assert key in (township_holds if owner == "township" else county_holds), (
                f"{key} let go before its owner, the {owner}, holds it")
        for v in self.villages.values():
            assert {(v.device, e.seq) for e in v.outbox if e.state == "custody"} <= township_holds
        assert self.township.confirmed <= county_holds
        for device, entries in self.township.relay.items():
            assert {(device, e.seq) for e in entries if e.state != "pending"} <= county_holds

    @invariant()
    def outbox_states_only_move_forward(self) -> None:
        for device, v in self.villages.items():
            self._watch_states(device, device, v.outbox)
        for device, entries in self.township.relay.items():
            self._watch_states(TOWNSHIP, device, entries)

    @invariant()
    def village_statuses_only_move_forward(self) -> None:
        for v in self.villages.values():
            for app, status in village_statuses([*v.own, *v.applied.values()]).items():
                assert RANK[status] >= self.best_status.get(app, 0), f"{app} went back to {status}"
                self.best_status[app] = RANK[status]


SyncNetwork.TestCase.settings = settings(
    max_examples=300, stateful_step_count=80, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncNetwork = SyncNetwork.TestCase
