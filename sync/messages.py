"""What travels inside sealed messages: payload shapes for events, decisions and acknowledgements."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sync.errors import BundleRejected


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def loads(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BundleRejected("malformed", "payload is not JSON") from None
    if not isinstance(value, dict):
        raise BundleRejected("malformed", "payload is not an object")
    return value


def to_ranges(seqs: Iterable[int]) -> list[list[int]]:
    """[1,2,3,7,8] -> [[1,3],[7,8]]: acknowledgements stay small however long the backlog."""
    out: list[list[int]] = []
    for s in sorted(set(seqs)):
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return out


def from_ranges(ranges: Any) -> set[int]:
    seqs: set[int] = set()
    if not isinstance(ranges, list):
        raise BundleRejected("malformed", "ranges")
    for pair in ranges:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
                or pair[0] > pair[1] or pair[1] - pair[0] > 1_000_000):
            raise BundleRejected("malformed", "ranges")
        seqs.update(range(pair[0], pair[1] + 1))
    return seqs


@dataclass(frozen=True)
class Ack:
    """A signed acknowledgement, by `signer`, of messages from device `subject`."""

    subject: str
    custody: frozenset[int] = field(default_factory=frozenset)
    e2e: frozenset[int] = field(default_factory=frozenset)
    received_at: str = ""  # the acknowledger's clock, for skew

    def payload(self) -> bytes:
        return dumps({"subject": self.subject, "custody": to_ranges(self.custody),
                      "e2e": to_ranges(self.e2e), "received_at": self.received_at})

    @classmethod
    def parse(cls, raw: bytes) -> Ack:
        d = loads(raw)
        subject = d.get("subject")
        if not isinstance(subject, str):
            raise BundleRejected("malformed", "ack subject")
        return cls(subject, frozenset(from_ranges(d.get("custody", []))),
                   frozenset(from_ranges(d.get("e2e", []))), str(d.get("received_at", "")))


def event_payload(event: dict[str, Any]) -> bytes:
    """An application event as the village recorded it (type, payload, item, application)."""
    return dumps(event)


def decision_payload(application_id: str, decision: str, body: dict[str, Any],
                     *, seq: int, hlc: str, recorded_at: str, item_code: str) -> bytes:
    return dumps({"application_id": application_id, "type": decision, "payload": body,
                  "seq": seq, "hlc": hlc, "recorded_at": recorded_at, "item_code": item_code})


CHUNK_SIZE = 64 * 1024


def chunk_payload(meta: dict[str, Any], data: bytes) -> bytes:
    """An attachment piece: u32 length | JSON facts (address, offset, total, sha256, ...) | the bytes."""
    head = dumps(meta)
    return len(head).to_bytes(4, "big") + head + data


def parse_chunk(raw: bytes) -> tuple[dict[str, Any], bytes]:
    if len(raw) < 4:
        raise BundleRejected("malformed", "chunk")
    n = int.from_bytes(raw[:4], "big")
    if 4 + n > len(raw):
        raise BundleRejected("malformed", "chunk header")
    meta = loads(raw[4 : 4 + n])
    data = raw[4 + n :]
    try:
        offset, total = int(meta["offset"]), int(meta["total"])
        str(meta["address"]), str(meta["sha256"]), str(meta["application_id"])
    except (KeyError, TypeError, ValueError):
        raise BundleRejected("malformed", "chunk facts") from None
    if offset < 0 or offset + len(data) > total or total > 64 * 1024 * 1024:
        raise BundleRejected("malformed", "chunk bounds")
    return meta, data
