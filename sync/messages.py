"""What travels inside sealed messages: payload shapes for events, decisions and acknowledgements."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forms import priority, strictjson
from storage.status import DELIVERY_METHODS, EVENT_TYPES, RATING_REASONS, rating_level
from sync import complaints
from sync.errors import BundleRejected


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


MAX_DEPTH = 12  # an event's form data is five levels deep at most


def loads(raw: bytes) -> dict[str, Any]:
    """A message payload: strict JSON (no NaN/Infinity), an object, at most MAX_DEPTH deep."""
    try:
        value = strictjson.loads(raw, max_depth=MAX_DEPTH)
    except strictjson.InvalidJSON as exc:
        raise BundleRejected("malformed", f"payload: {exc.reason}") from None
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
    """A signed acknowledgement, by `signer`, of messages from device `subject`.

    `refused`: messages the signer opened and will never take in (reason -> seqs), so the
    sender stops resending them. Only messages whose signature checked are listed: anyone
    can send a forgery under a device's name, and its refusal must not silence the device.
    Written only when there is one, so every other ack reads as before.

    `high`: the highest sequence number the signer holds from `subject` (0: none, or an
    older signer); `clash`: numbers under which the signer holds other content than the
    subject sent. A store restored from a backup learns from them that its counters are
    behind (see docs/sync-protocol.md). Both written only when set; an older reader
    ignores them, and an ack without them parses as before.

    `down_from`, `down_through`, `covers`: set only on the ack a center puts last in its
    answer to a session, about the device that asked. The answer holds the downstream
    messages after position `down_from` up to `down_through`, and `covers` is the digest
    (`sync.position.covers`) of every message before this ack in the answer, in order. The
    receiver saves `down_through` as its cursor only if they match what it got. The three
    travel together, written only when set; an older reader ignores them.

    `audit_seq`, `audit_hash`: the head of the subject's audit chain the signer holds
    (`sync.audithead`), so the subject's next head starts there. Written only when set.

    `resend_from`, `restore`: the signer was put back from a backup (`restore` names that
    restore) and asks the subject to send again every message numbered `resend_from` or
    later that it had handed over and that `custody` does not list. They travel together,
    written only when set; an older reader ignores them (see docs/sync-protocol.md,
    *Restoring a center from a backup*).
    """

    subject: str
    custody: frozenset[int] = field(default_factory=frozenset)
    e2e: frozenset[int] = field(default_factory=frozenset)
    received_at: str = ""  # the acknowledger's clock, for skew
    refused: Mapping[str, frozenset[int]] = field(default_factory=dict)
    high: int = 0
    clash: frozenset[int] = field(default_factory=frozenset)
    down_from: int | None = None
    down_through: int | None = None
    covers: str = ""
    audit_seq: int = 0
    audit_hash: str = ""
    resend_from: int = 0
    restore: str = ""

    def payload(self) -> bytes:
        body: dict[str, Any] = {"subject": self.subject, "custody": to_ranges(self.custody),
                                "e2e": to_ranges(self.e2e), "received_at": self.received_at}
        if any(self.refused.values()):
            body["refused"] = {reason: to_ranges(seqs) for reason, seqs in self.refused.items()
                               if seqs}
        if self.high:
            body["high"] = self.high
        if self.clash:
            body["clash"] = to_ranges(self.clash)
        if self.down_through is not None:
            body.update(down_from=self.down_from, down_through=self.down_through,
                        covers=self.covers)
        if self.audit_seq:
            body.update(audit_seq=self.audit_seq, audit_hash=self.audit_hash)
        if self.resend_from:
            body.update(resend_from=self.resend_from, restore=self.restore)
        return dumps(body)

    @classmethod
    def parse(cls, raw: bytes) -> Ack:
        d = loads(raw)
        subject = d.get("subject")
        if not isinstance(subject, str):
            raise BundleRejected("malformed", "ack subject")
        refused = d.get("refused", {})
        if not isinstance(refused, dict) or not all(isinstance(r, str) for r in refused):
            raise BundleRejected("malformed", "ack refused")
        high = d.get("high", 0)
        if not isinstance(high, int) or isinstance(high, bool) or high < 0:
            raise BundleRejected("malformed", "ack high")
        down_from, down_through, covers = _position(d)
        audit_seq, audit_hash = d.get("audit_seq", 0), d.get("audit_hash", "")
        if (not isinstance(audit_seq, int) or isinstance(audit_seq, bool) or audit_seq < 0
                or not isinstance(audit_hash, str)
                or (audit_seq and not _DIGEST.fullmatch(audit_hash))):
            raise BundleRejected("malformed", "ack audit head")
        resend_from, restore = d.get("resend_from", 0), d.get("restore", "")
        if (not isinstance(resend_from, int) or isinstance(resend_from, bool) or resend_from < 0
                or not isinstance(restore, str) or len(restore) > 64
                or bool(resend_from) != bool(restore)):
            raise BundleRejected("malformed", "ack resend request")
        return cls(subject, frozenset(from_ranges(d.get("custody", []))),
                   frozenset(from_ranges(d.get("e2e", []))), str(d.get("received_at", "")),
                   {reason: frozenset(from_ranges(seqs)) for reason, seqs in refused.items()},
                   high, frozenset(from_ranges(d.get("clash", []))),
                   down_from, down_through, covers, audit_seq, audit_hash, resend_from, restore)


_POSITION = ("down_from", "down_through", "covers")
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _position(d: Mapping[str, Any]) -> tuple[int | None, int | None, str]:
    """An ack's signed downstream position: all three fields, or none (an older center)."""
    present = [key for key in _POSITION if key in d]
    if not present:
        return None, None, ""
    if len(present) != len(_POSITION):
        raise BundleRejected("malformed", "ack position incomplete")
    start, through, covers = d["down_from"], d["down_through"], d["covers"]
    if (not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, through))
            or not 0 <= start <= through or not isinstance(covers, str)
            or not _DIGEST.fullmatch(covers)):
        raise BundleRejected("malformed", "ack position")
    return start, through, covers


# ---- what a center checks of a village's payload before writing anything ------------------

_HLC = re.compile(r"[0-9]{1,18}\.[0-9]{1,9}")
APPLICATION_KINDS = ("service", "inspection")
MAX_ID = 64


def _bad(what: str) -> BundleRejected:
    return BundleRejected("malformed_payload", what)


def _text_or_absent(body: Mapping[str, Any], key: str) -> None:
    if body.get(key) is not None and not isinstance(body[key], str):
        raise _bad(f"{key} is not text")


def check_event(body: Mapping[str, Any], hlc: str) -> None:
    """An application event as a center files it: every field it reads has the type it needs.

    Raises BundleRejected("malformed_payload") naming the first thing wrong. This runs before
    anything is written, so a bad message is refused on its own and the rest of its bundle
    is taken in; it is not a catch-all (a full disk while filing still fails the request).
    """
    if not _HLC.fullmatch(hlc):
        raise _bad("hlc is not a clock")
    app = body.get("application_id")
    if not isinstance(app, str) or not 0 < len(app) <= MAX_ID or not app.isprintable():
        raise _bad("application_id")
    event_type = body.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise _bad("type")
    for key in ("item_code", "item_version", "recorded_at"):
        _text_or_absent(body, key)
    kind = body.get("kind", "service")
    if not isinstance(kind, str) or kind not in APPLICATION_KINDS:
        raise _bad("kind")
    payload = body.get("payload")
    if payload is None:
        return
    if not isinstance(payload, dict):
        raise _bad("payload is not an object")
    applicant = payload.get("applicant")
    if applicant is not None:
        if not isinstance(applicant, dict):
            raise _bad("applicant is not an object")
        _text_or_absent(applicant, "id_number")
    for key in ("fields", "materials"):
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise _bad(f"{key} is not an object")
    if payload.get("attachments") is not None and not isinstance(payload["attachments"], list):
        raise _bad("attachments is not a list")


MAX_TEXT = 20_000  # one form answer (a dispute's account) is a few thousand characters
MAX_NOTE = 2_000


def _date_or_absent(body: Mapping[str, Any], key: str) -> None:
    value = body.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not is_date(value):
        raise _bad(f"{key} is not a date (YYYY-MM-DD)")


def is_date(value: str) -> bool:
    """A calendar date written YYYY-MM-DD, in the years a case can live in."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return 2000 <= day.year <= 2100


def _texts_bounded(value: Any, where: str) -> None:
    """Every string in `value` at most MAX_TEXT long, every key text (iteratively: depth is bounded)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_TEXT:
                raise _bad(f"{where}: a text longer than {MAX_TEXT} characters")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _short_text(body: Mapping[str, Any], key: str, limit: int = MAX_NOTE) -> None:
    _text_or_absent(body, key)
    if isinstance(body.get(key), str) and len(body[key]) > limit:
        raise _bad(f"{key} longer than {limit} characters")


def _check_rating(payload: Mapping[str, Any]) -> None:
    """A rating: a level 1..5 (or an older village's "good"/"bad"), reasons among the list."""
    if rating_level(payload.get("rating")) is None:
        raise _bad("rating is not a level 1..5 (nor an older good/bad)")
    reasons = payload.get("reasons")
    if reasons is not None and (
            not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons)
            or any(r not in RATING_REASONS for r in reasons) or len(set(reasons)) != len(reasons)):
        raise _bad("reasons are not among the rating's reasons")
    _short_text(payload, "reason")  # an older village's one free-text reason
    _short_text(payload, "note")
    _date_or_absent(payload, "rated_on")


def check_village_event(body: Mapping[str, Any]) -> None:
    """What a village may say in each of its own events, beyond `check_event`'s shape.

    Dates are dates, choices are among the choices, texts are bounded. A center runs
    this before it stores anything, so what it files is what the village app writes.
    """
    payload = body.get("payload") or {}
    _texts_bounded(payload, "payload")
    _short_text(body, "recorded_at", 40)
    _short_text(body, "item_code", 64)
    _short_text(body, "item_version", 64)
    event_type = body["type"]
    if event_type == "created":
        _date_or_absent(payload, "intake_date")
        for key in ("item_code", "item_version", "bundle_code", "bundle_id", "operator"):
            _short_text(payload, key, 200)
    elif event_type in ("submitted", "corrected", "inspection_recorded"):
        applicant = payload.get("applicant")
        if isinstance(applicant, dict):
            for key, value in applicant.items():
                if isinstance(value, (dict, list)):
                    raise _bad(f"applicant.{key} is not a single value")
        _date_or_absent(payload, "due_estimate")
        days = payload.get("promised_days")
        if days is not None and (not isinstance(days, int) or isinstance(days, bool)
                                 or not 0 <= days <= 3650):
            raise _bad("promised_days is not a number of working days")
        try:  # 绿色通道: known grounds, each once (forms/priority.py)
            priority.from_wire(payload.get("priority"))
        except ValueError as exc:
            raise _bad(str(exc)) from None
        labels = payload.get("attachment_labels")
        if labels is not None and (not isinstance(labels, list)
                                   or not all(isinstance(x, str) for x in labels)):
            raise _bad("attachment_labels is not a list of text")
    elif event_type == "delivered":
        if payload.get("how") not in DELIVERY_METHODS:
            raise _bad("how is not a way of handing over")
        _short_text(payload, "to_whom")
        _short_text(payload, "note")
        _short_text(payload, "outcome", 40)
        _date_or_absent(payload, "delivered_on")
    elif event_type == "rated":
        _check_rating(payload)
    elif event_type == "complained":
        if not complaints.is_id(payload.get("complaint_id")):
            raise _bad("complaint_id is not a complaint number")
        if payload.get("about") != "case":
            raise _bad("a village's complaint is about its case")
        _text_or_absent(payload, "text")
        if complaints.clean_text(str(payload.get("text") or "")) is None:
            raise _bad("a complaint's text is empty or too long")
        _date_or_absent(payload, "complained_on")
    elif event_type == "material_supplied":
        _short_text(payload, "material", 200)
        if not str(payload.get("material") or "").strip():
            raise _bad("material_supplied names no material")
        if payload.get("state", "missing") not in ("missing", "commitment"):
            raise _bad("state is not an owed material's state")
        _date_or_absent(payload, "supplied_on")
    for key in ("due_date", "due_approximate"):
        if key in payload:
            raise _bad(f"{key} is the deciding center's to set")


def check_village_decision(body: Mapping[str, Any]) -> None:
    """放权下沉: a village's own decision on a village-decided item, as a center files it.

    Run once the center knows the item is decided at the village (any other item's decision
    is not the village's to send at all): short texts, a date, and the result of a completion
    or the reason of a rejection, as a center's own decisions need them.
    """
    payload = body.get("payload") or {}
    for key in ("center", "center_code", "clerk", "by", "result", "reason", "note"):
        _short_text(payload, key)
    _date_or_absent(payload, "decided_on")
    needs = {"completed": "result", "rejected": "reason"}.get(str(body.get("type")))
    if needs and not str(payload.get(needs) or "").strip():
        raise _bad(f"a village's {body.get('type')} decision gives no {needs}")


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
    offset, total = meta.get("offset"), meta.get("total")
    if (not isinstance(offset, int) or isinstance(offset, bool) or not isinstance(total, int)
            or isinstance(total, bool)):
        raise BundleRejected("malformed", "chunk offset or total is not a whole number")
    app, address, digest = meta.get("application_id"), meta.get("address"), meta.get("sha256")
    if not (isinstance(app, str) and 0 < len(app) <= MAX_ID and isinstance(address, str)
            and 0 < len(address) <= 128 and isinstance(digest, str) and len(digest) == 64):
        raise BundleRejected("malformed", "chunk facts")
    for key in ("label", "name", "media_type"):
        _text_or_absent(meta, key)
    if offset < 0 or offset + len(data) > total or total > 64 * 1024 * 1024:
        raise BundleRejected("malformed", "chunk bounds")
    return meta, data
