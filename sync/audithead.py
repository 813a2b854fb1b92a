"""The village's audit-chain head, signed by the device and sent upstream with every sync.

The audit chain (`storage.audit`) is checked at the village with a key the village
holds, so whoever holds a PIN can rewrite the whole history on the PC unseen. The
township keeps every head it was sent; a later head must extend the earlier one.

A head travels as a signed record (`sync.signed`, kind "audit_head", so the
signature cannot be taken for any other record), signed by the device key while an
operator is logged in and kept to go with every session after, as the downstream
acknowledgement does:

    {device, center, seq, hash, at, base, base_hash, hashes, signed_at}

`hashes` are the row hashes after row `base` up to row `seq` (`base_hash` is row
`base`'s own), so the township can follow the chain from the head it holds to the
new one. Rows hold no personal data, and only their hashes travel anyway. `base` is
the head the township's signed ack says it holds (`Ack.audit_seq`); a chain that has
no such row any more (a store restored from a backup, or cut) sends its last rows
instead. At most MAX_HASHES travel at once: a long backlog catches up over sessions.

`entries` are the security-relevant rows among those (SECURITY_ACTIONS: a PIN reset with
the recovery code, a wrong code, the code made or replaced, an operator disabled or
enabled), whole: {seq, at, operator, action, target, detail}. These rows name operators
(the village's agents) and hold no villager's data, and whole they let the township
recompute each one's hash from the hash before it, so a head cannot claim a row the
chain does not hold. At most MAX_ENTRIES travel at once (the head then ends at the last).
A head from an older village has no `entries`: it reads as none.

`judge` is pure: what a claim means against the heads a township holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from storage import audit, events, sync_alarms
from storage.store import Store
from sync import signed
from sync.errors import BundleRejected
from sync.node import Node

KIND = "audit_head"
MAX_HASHES = 2000  # 2000 x 67 bytes of JSON: well inside a signed record (256 KiB)
MAX_ENTRIES = 200  # 200 whole rows of a few hundred bytes each, beside the hashes
SECURITY_ACTIONS = ("operator.recovered", "operator.recovery_failed", "recovery.created",
                    "recovery.replaced", "operator.disable", "operator.enable")
RECOVERED = "operator.recovered"  # the one the township raises an alarm for
_HASH = re.compile(r"[0-9a-f]{64}")
_ENTRY_FIELDS = ("seq", "at", "operator", "action", "target", "detail")
_RECORD_META = "audit_head:"  # + center device id: the signed record to send it
_ACKED_META = "audit_acked:"  # + center device id: "seq:hash", the head its ack says it holds

# What a township makes of a head (stored beside it). A line of heads starts at every head
# that is not `extends`; a later head is judged against the line it continues.
FIRST, EXTENDS, BEHIND, REWRITTEN, GAP = "first", "extends", "behind", "rewritten", "gap"
VERDICTS = (FIRST, EXTENDS, BEHIND, REWRITTEN, GAP)
ALARMS = {BEHIND: "audit_behind", REWRITTEN: "audit_rewritten", GAP: "audit_gap"}


@dataclass(frozen=True)
class Entry:
    """A whole audit row a head carries (one of SECURITY_ACTIONS), its hash checked."""

    seq: int
    at: str
    operator: str
    action: str
    target: str
    detail: str
    hash: str


@dataclass(frozen=True)
class Claim:
    device: str
    center: str
    seq: int
    hash: str
    at: str
    base: int
    base_hash: str
    hashes: tuple[str, ...]
    entries: tuple[Entry, ...] = ()

    def chain(self) -> dict[int, str]:
        """Row hash by seq, for every row the claim speaks of (base included)."""
        return {self.base: self.base_hash,
                **{self.base + n: h for n, h in enumerate(self.hashes, 1)}}


@dataclass(frozen=True)
class Held:
    """A head a township holds (on the current line)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Verdict:
    kind: str  # one of VERDICTS, or "same": nothing new
    detail: str = ""

    @property
    def alarm(self) -> str | None:
        return ALARMS.get(self.kind)


# ---- the village: sign and send ------------------------------------------------------------


def sign(node: Node, center: str) -> bytes | None:
    """Sign this device's audit head for `center` (an operator is logged in); keep it to send.

    Re-signed only when there is something new to say; None for an empty chain.
    """
    database = node.session.store.database
    with database.read() as db:
        top_seq = audit.head(db)[0]
        acked = _acked(events.meta_get(db, _ACKED_META + center))
        base = acked[0] if acked is not None and audit.row_at(db, acked[0]) is not None else (
            max(0, top_seq - MAX_HASHES))
        top = min(top_seq, base + MAX_HASHES)
        entries = audit.rows_of(db, SECURITY_ACTIONS, base, top, MAX_ENTRIES + 1)
        if len(entries) > MAX_ENTRIES:
            entries = entries[:MAX_ENTRIES]
            top = int(str(entries[-1]["seq"]))
        base_row, top_row = audit.row_at(db, base), audit.row_at(db, top)
        hashes = audit.hashes(db, base, top)
        held = events.meta_get(db, _RECORD_META + center)
    if top == 0 or base_row is None or top_row is None:
        return None
    if held:
        before = signed.peek(bytes.fromhex(held)).body
        if ((before.get("base"), before.get("seq"), before.get("hash")) == (base, top, top_row[0])
                and "entries" in before):  # one signed before entries travelled is signed anew
            return bytes.fromhex(held)
    record = signed.sign(KIND, {
        "device": node.keys.device_id, "center": center, "seq": top, "hash": top_row[0],
        "at": top_row[1], "base": base, "base_hash": base_row[0], "hashes": hashes,
        "entries": entries, "signed_at": sync_alarms.now_iso()}, node.keys)
    with database.write() as db:
        events.meta_set(db, _RECORD_META + center, record.hex())
    return record


def records(store: Store, center: str) -> list[bytes]:
    """The signed head to send to `center` with this session, if one was signed."""
    with store.database.read() as db:
        held = events.meta_get(db, _RECORD_META + center)
    return [bytes.fromhex(held)] if held else []


def remember(store: Store, center: str, seq: int, digest: str) -> None:
    """Keep the head `center`'s verified ack says it holds of us: the next head starts there."""
    if not _HASH.fullmatch(digest) or seq <= 0:
        return
    with store.database.write() as db:
        events.meta_set(db, _ACKED_META + center, f"{seq}:{digest}")


def _acked(text: str | None) -> tuple[int, str] | None:
    if not text:
        return None
    seq, _, digest = text.partition(":")
    return (int(seq), digest) if seq.isdigit() else None


# ---- the township: read and judge ----------------------------------------------------------


def parse(body: dict[str, Any]) -> Claim:
    """A head record's body, every field checked; BundleRejected("malformed") if not one."""
    def whole(key: str) -> int:
        value = body.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
            raise BundleRejected("malformed", f"audit head {key}")
        return value

    def text(key: str, limit: int = 64) -> str:
        value = body.get(key)
        if not isinstance(value, str) or len(value) > limit:
            raise BundleRejected("malformed", f"audit head {key}")
        return value

    seq, base = whole("seq"), whole("base")
    hashes = body.get("hashes")
    if (not isinstance(hashes, list) or len(hashes) > MAX_HASHES
            or not all(isinstance(h, str) and _HASH.fullmatch(h) for h in hashes)):
        raise BundleRejected("malformed", "audit head hashes")
    claim = Claim(text("device"), text("center"), seq, text("hash"), text("at"), base,
                  text("base_hash"), tuple(hashes))
    if not (_HASH.fullmatch(claim.hash) and _HASH.fullmatch(claim.base_hash)):
        raise BundleRejected("malformed", "audit head hash")
    if seq != base + len(hashes) or seq == 0 or claim.chain()[seq] != claim.hash:
        raise BundleRejected("malformed", "audit head does not end its hashes")
    if base == 0 and claim.base_hash != audit.GENESIS:
        raise BundleRejected("malformed", "audit chain does not start at genesis")
    return replace(claim, entries=_entries(body.get("entries", []), claim))


def _entries(value: object, claim: Claim) -> tuple[Entry, ...]:
    """The whole rows a head carries, each inside its rows and hashing as the chain says."""
    if not isinstance(value, list) or len(value) > MAX_ENTRIES:
        raise BundleRejected("malformed", "audit head entries")
    chain, out, last = claim.chain(), [], claim.base
    for item in value:
        if not isinstance(item, dict) or set(item) != set(_ENTRY_FIELDS):
            raise BundleRejected("malformed", "audit head entry")
        seq = item["seq"]
        texts = [item[k] for k in _ENTRY_FIELDS[1:]]
        if (not isinstance(seq, int) or isinstance(seq, bool) or not last < seq <= claim.seq
                or not all(isinstance(v, str) and len(v) <= 200 for v in texts)):
            raise BundleRejected("malformed", "audit head entry")
        at, operator, action, target, detail = texts
        digest = audit.row_hash(chain[seq - 1], seq, at, operator, action, target, detail)
        if digest != chain[seq]:
            raise BundleRejected("malformed", f"audit head entry {seq} does not hash as its row")
        out.append(Entry(seq, at, operator, action, target, detail, digest))
        last = seq
    return tuple(out)


def judge(line: list[Held], claim: Claim) -> Verdict:
    """What `claim` means after the heads held on the current line (oldest first). Pure.

    The chain rows a claim names must hash as the heads held say: the latest held head
    inside the claim's rows must be there unchanged (else `rewritten`). A claim that
    ends before the latest head is `behind` (a store restored from a backup, or cut),
    unless it contradicts an earlier head of the line (`rewritten`). A claim starting
    past the latest head cannot be followed (`gap`: the township lost heads, or the
    village skips rows it must show).
    """
    if not line:
        return Verdict(FIRST)
    latest = line[-1]
    chain = claim.chain()
    if latest.seq < claim.base:
        return Verdict(GAP, f"head {claim.seq} starts at row {claim.base}, past the {latest.seq}"
                            " held here")
    if latest.seq <= claim.seq:
        if chain[latest.seq] != latest.hash:
            return Verdict(REWRITTEN, f"row {latest.seq} held as {latest.hash[:12]} is now"
                                      f" {chain[latest.seq][:12]} (head {claim.seq})")
        return Verdict(EXTENDS if claim.seq > latest.seq else "same")
    for held in reversed(line):
        if held.seq in chain and chain[held.seq] != held.hash:
            return Verdict(REWRITTEN, f"row {held.seq} held as {held.hash[:12]} is now"
                                      f" {chain[held.seq][:12]} (head {claim.seq})")
    return Verdict(BEHIND, f"head {claim.seq} is behind the {latest.seq} held here")
