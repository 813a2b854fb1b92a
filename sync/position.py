"""The downstream position a center signs in its answer, and the receiver's check of it.

A center answers a session with `[*other acks, *downstream messages, own ack]`. Each
message is signed on its own, but the bundle is not: a man in the middle (a township
reached over plain HTTP) or a tampered stick could drop messages from it, or move the
unsigned position (`X-Downstream-Last`, the sidecar's `last`) forward. So the ack about
the requesting device, put last, signs `down_from` (the cursor the center answered
from), `down_through` (the position after this answer) and `covers` (a digest of every
message before it in the answer, in order). The receiver saves `down_through` as its
cursor only when all of that matches what it got.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sync.messages import Ack

INCOMPLETE = "downstream_incomplete"  # the alarm raised when an answer is not believed


def covers(items: Iterable[bytes]) -> str:
    """SHA-256 over the concatenated SHA-256 of each message, in order (hex)."""
    digest = hashlib.sha256()
    for raw in items:
        digest.update(hashlib.sha256(raw).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Verdict:
    cursor: int | None  # the cursor to save, or None to keep the one held
    signed: bool = False  # the cursor came from the center's signature
    problem: str = ""  # why the answer was not believed ("" when it was)


def judge(items: Sequence[bytes], found: tuple[int, Ack] | None, held: int,
          unsigned: int | None, signed_before: bool) -> Verdict:
    """Which cursor to save after an answer.

    `items`: the answer's messages as received; `found`: the index and content of the
    verified ack from the center about us that carries a position (None if there is
    none); `held`: our cursor before the answer; `unsigned`: the position the answer's
    header or sidecar claims; `signed_before`: the center signed a position in an
    earlier answer (so its silence now means the ack was taken out).
    """
    if found is None:
        if signed_before:
            return Verdict(None, problem="the center's signed position is missing")
        return Verdict(unsigned)  # an older center: the unsigned position, as before
    at, ack = found
    assert ack.down_from is not None and ack.down_through is not None
    if at != len(items) - 1:
        return Verdict(None, problem=f"{len(items) - 1 - at} message(s) after the signed position")
    if ack.down_from > held:
        return Verdict(None, problem=f"answered from {ack.down_from}, but we hold only {held}")
    if covers(items[:at]) != ack.covers:
        return Verdict(None, problem="messages dropped, added or reordered")
    return Verdict(max(held, ack.down_through), signed=True)
