"""The sync planner: pure decisions over outbox, received and queue tables; IO runs what it plans.

Nothing here reads a clock, a disk or the network: the caller passes `now` and
a `random.Random`, loads the rows, and commits what comes back. That is what
lets one hypothesis state machine (tests/test_sync_planner.py) drive village,
township and county through drops, duplicates, reordering and crashes.

Sender (any node's outbox), per entry:

    pending --custody ack--> custody --end-to-end ack--> done (may forget)
       `-------------- end-to-end ack -----------------'

Custody is the next hop saying "stored durably, stop resending"; end to end is
the owner (the node that decides) saying the same. Custody from the owner is
end to end. States only move forward.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from storage.status import derive_status

Owner = Literal["township", "county"]  # who decides, and so who acknowledges end to end
State = Literal["pending", "custody", "done"]
Verdict = Literal["store", "duplicate", "conflict"]
Key = tuple[str, int]  # (device that wrote the message, its sequence number)

BACKOFF_BASE = 5.0  # seconds before the first retry, at most
BACKOFF_CAP = 600.0  # no retry waits longer, however often it failed

_RANK: dict[State, int] = {"pending": 0, "custody": 1, "done": 2}
_OWNERS: dict[str, Owner] = {"township": "township", "county": "county"}
_STATES: dict[str, State] = {"pending": "pending", "custody": "custody", "done": "done"}


# ---- sender ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    """One sealed message in a node's outbox, as the planner sees it (no bytes)."""

    seq: int
    digest: str
    size: int
    owner: Owner
    state: State = "pending"
    attempts: int = 0
    next_try_at: float = 0.0


@dataclass(frozen=True)
class Ack:
    """What a receiver acknowledges of one sender's messages, by sequence number.

    `by` is the acknowledging node. `e2e` claims the owner holds the message
    durably: the owner says it of itself; a township says it of a county item
    only once the county's own end-to-end ack has reached it (see `ack_for`).
    Whether to believe the signer is checked before the planner sees an ack.
    """

    by: Owner
    custody: frozenset[int] = field(default_factory=frozenset)
    e2e: frozenset[int] = field(default_factory=frozenset)


def from_row(row: Mapping[str, Any]) -> OutboxEntry:
    """An entry from a `storage.sync_outbox.outbox_rows` row."""
    owner, state = _OWNERS.get(str(row["owner"])), _STATES.get(str(row["state"]))
    if owner is None or state is None:
        raise ValueError(f"outbox row {row.get('seq')}: owner {row['owner']!r}, state {row['state']!r}")
    return OutboxEntry(
        seq=int(row["seq"]), digest=str(row["digest"] or ""), size=int(row["size"]), owner=owner,
        state=state, attempts=int(row["attempts"]), next_try_at=float(row["next_try_at"]),
    )


def is_due(entry: OutboxEntry, now: float) -> bool:
    """Pending and its back-off is over.

    A retry time further ahead than the longest back-off means the clock was
    set back since it was computed (village PCs' clocks jump): send now rather
    than wait out a wrong clock.
    """
    if entry.state != "pending":
        return False
    return entry.next_try_at <= now or entry.next_try_at - now > BACKOFF_CAP


def plan_push(
    entries: Iterable[OutboxEntry], now: float, max_bytes: int, max_messages: int
) -> list[int]:
    """Sequence numbers for the next bundle: due entries oldest first, within the budget.

    Never empty while anything is due: the first due entry goes even when it
    alone is larger than `max_bytes`, or it would never go at all.
    """
    if max_messages < 1:
        raise ValueError("max_messages must be at least 1")
    chosen: list[int] = []
    size = 0
    for entry in sorted((e for e in entries if is_due(e, now)), key=lambda e: e.seq):
        if chosen and (size + entry.size > max_bytes or len(chosen) >= max_messages):
            break
        chosen.append(entry.seq)
        size += entry.size
    return chosen


def _advance(entry: OutboxEntry, state: State) -> OutboxEntry:
    return entry if _RANK[state] <= _RANK[entry.state] else replace(entry, state=state)


def apply_ack(entries: Iterable[OutboxEntry], ack: Ack) -> list[OutboxEntry]:
    """Move entries forward by an ack; never backwards. Seqs we no longer hold are ignored."""
    out = []
    for entry in entries:
        if entry.seq in ack.e2e or (entry.seq in ack.custody and ack.by == entry.owner):
            entry = _advance(entry, "done")
        elif entry.seq in ack.custody:
            entry = _advance(entry, "custody")
        out.append(entry)
    return out


def backoff(attempts: int, rng: random.Random) -> float:
    """Seconds to wait after the `attempts`-th failure: exponential, capped, full jitter.

    Full jitter (uniform from zero) keeps a hundred villages whose link came
    back at the same moment from retrying in step.
    """
    return rng.uniform(0.0, min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** max(attempts - 1, 0)))


def on_failure(
    entries: Iterable[OutboxEntry], sent_seqs: Iterable[int], now: float, rng: random.Random
) -> list[OutboxEntry]:
    """After a session that got no answer: back off the entries it carried that are still pending."""
    sent = set(sent_seqs)
    out = []
    for entry in entries:
        if entry.seq in sent and entry.state == "pending":
            attempts = entry.attempts + 1
            entry = replace(entry, attempts=attempts, next_try_at=now + backoff(attempts, rng))
        out.append(entry)
    return out


def forgettable(entries: Iterable[OutboxEntry]) -> list[int]:
    """Seqs the owner has acknowledged end to end: the sender may delete them."""
    return [e.seq for e in entries if e.state == "done"]


# ---- receiver -------------------------------------------------------------------------------


def decide_ingest(known: Mapping[Key, str], device: str, seq: int, digest: str) -> Verdict:
    """Exactly once: file a message under (device, seq) unless that key is already held.

    Same key and digest is a redelivery (acknowledge again, store nothing); same
    key with other content is refused and raised as an alarm, never overwritten.
    """
    held = known.get((device, seq))
    if held is None:
        return "store"
    return "duplicate" if held == digest else "conflict"


def ack_for(
    device: str,
    held: Mapping[Key, Owner],
    node: Owner,
    owner_confirmed: Set[Key] = frozenset(),
    conflicts: Set[Key] = frozenset(),
) -> Ack:
    """What `node` acknowledges of `device`'s messages, from what it holds durably.

    `held` maps every message stored (a redelivered one included: it was stored
    the first time) to its owner. Custody for all of them; end to end for those
    this node owns, and, at a township, for county items listed in
    `owner_confirmed` (the county's end-to-end ack has come back down). A key
    in `conflicts` is acknowledged not at all: the sender's copy differs from
    ours, and acking the number would let it drop content we never stored.
    """
    mine = {key: owner for key, owner in held.items() if key[0] == device and key not in conflicts}
    custody = frozenset(seq for _, seq in mine)
    e2e = frozenset(
        key[1] for key, owner in mine.items() if owner == node or key in owner_confirmed
    )
    return Ack(by=node, custody=custody, e2e=e2e)


# ---- downstream: center -> village ----------------------------------------------------------


@dataclass(frozen=True)
class StatusEvent:
    """A status-changing event on an application (`hlc` orders events across devices)."""

    hlc: str
    application: str
    event_type: str


@dataclass(frozen=True)
class DownMessage:
    """A message in a center's queue for one destination, at position `dseq` (1, 2, ...)."""

    dseq: int
    origin: str  # the device that wrote the event
    seq: int  # its sequence number there
    event: StatusEvent


def plan_downstream(
    queue: Iterable[DownMessage], cursor: int, max_messages: int | None = None
) -> list[DownMessage]:
    """What to send a destination that has stored everything up to `cursor`, in queue order."""
    after = sorted((m for m in queue if m.dseq > cursor), key=lambda m: m.dseq)
    return after if max_messages is None else after[:max_messages]


def advance_cursor(cursor: int, base: int, dseqs: Iterable[int]) -> int:
    """The destination's cursor after storing an answer planned from cursor `base`.

    An answer is the unbroken run base+1, base+2, ...; the cursor moves to its
    end only if that run joins what we hold (base <= cursor). A stale answer
    arriving late never moves it back, and a gap never moves it past a hole.
    """
    if base > cursor:
        return cursor
    end = base
    for dseq in sorted(set(dseqs)):
        if dseq != end + 1:
            break
        end = dseq
    return max(cursor, end)


def apply_downstream(
    applied: Mapping[Key, StatusEvent], messages: Iterable[DownMessage]
) -> tuple[dict[Key, StatusEvent], list[DownMessage]]:
    """File downstream events once each, keyed by (origin device, seq); never overwrite.

    Returns the new table and the messages that were new (a township relays
    exactly those on to the village).
    """
    table = dict(applied)
    new = []
    for message in messages:
        key = (message.origin, message.seq)
        if key not in table:
            table[key] = message.event
            new.append(message)
    return table, new


def village_statuses(events: Iterable[StatusEvent]) -> dict[str, str]:
    """Each application's status: its events in HLC order, folded by `derive_status`.

    The fold never moves a case backwards, so a late or repeated event changes
    nothing it should not.
    """
    by_app: dict[str, list[StatusEvent]] = {}
    for event in events:
        by_app.setdefault(event.application, []).append(event)
    return {
        app: derive_status(e.event_type for e in sorted(evs, key=lambda e: (e.hlc, e.event_type)))
        for app, evs in by_app.items()
    }
