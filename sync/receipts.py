"""Verifiable printouts: a case's receipt or notice carries a code its device signed, and the check.

What the paper promises is a `Statement`: the document kind, the application number, the item
code, the day of intake, the promised day, and the device that printed it. The device signs its
canonical text (`Statement.canonical`) with its Ed25519 key (storage/devicekeys.py; a township
knows each enrolled village's public key from `peers`). The code printed as a QR code, and under
it in groups of four to be typed, is

    VR1.<Crockford base32 of the packed statement and signature><Luhn mod 32 check character>

Packed (big-endian): head (kind in the low 4 bits; 0x10 the number has the usual shape
YYYYMMDD-TAG-SEQ with the intake day as its date; 0x20 its TAG is the device id's first six
digits) | intake u16 | due u16 (days since 2000-01-01, 0 for none) | device 8 bytes | number
(usual shape: [TAG 3 bytes] SEQ u24; else u8 length and the text) | item (u8 length, text) |
signature 64. About 149 characters: QR alphanumeric mode (version 6), and typeable: Crockford's
alphabet has no I, L, O or U (typed ones read as 1, 1, 0), case does not matter, spaces and
dashes are ignored, and the check character catches every single mistyped character, so a slip
of the finger says "mistyped", never "forged".

`verify(text, issuers)` is pure; `check(store, text, session=)` gathers the issuers a store
knows (itself and its peers) and, with a session, compares the statement with the case held.
Both `village-agent check-receipt` and the township's console page and `service-center
check-receipt` call `check`.
"""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from storage import sync_peers
from storage.errors import InvalidRequest, NotFound
from sync.i18n import language, t_in
from sync.keys import DeviceKeys
from sync.paper.document import Document, Line
from sync.receipt_texts import RECEIPT_MESSAGES as RECEIPT_MESSAGES  # the words, in the catalogue

if TYPE_CHECKING:
    from storage.applications import Summary
    from storage.events import Event
    from storage.store import Session, Store

PREFIX = "VR1."
DOMAIN = b"village-agent/v1/receipt\n"  # signatures over statements can never pass as another record's
EPOCH = date(2000, 1, 1)
# The kinds of paper a case gets; the index is packed, so only ever append.
KINDS = ("receipt", "completed", "rejected", "revoked", "authorisation")
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
_RFC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_RFC, ALPHABET)
_FROM_CROCKFORD = str.maketrans(ALPHABET, _RFC)
_TYPED = str.maketrans({"I": "1", "L": "1", "O": "0", "。": ".", "．": "."})
_NUMBER = re.compile(r"[0-9A-Za-z-]{1,40}")
_ITEM = re.compile(r"[0-9A-Za-z-]{1,40}")
_USUAL = re.compile(r"(\d{8})-([0-9A-F]{6})-(\d{5,8})")
_DEVICE = re.compile(r"[0-9a-f]{16}")
GROUP, PER_LINE = 4, 8  # the typed form: groups of four characters, eight groups a line
SIGNATURE = 64

Outcome = Literal["genuine", "forged", "unknown_issuer"]


class ReceiptCodeError(InvalidRequest):
    """The text is not a verification code (empty, cut short, mistyped, another version): nothing checked."""


def _refuse(key: str, **values: object) -> ReceiptCodeError:
    return ReceiptCodeError(key, **values)


@dataclass(frozen=True)
class Statement:
    """What a printout of a case promises, and which device printed it."""

    kind: str
    application_id: str
    item_code: str
    intake: date
    due: date | None
    device_id: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"no verification code for a {self.kind!r}")
        if not _NUMBER.fullmatch(self.application_id) or not _ITEM.fullmatch(self.item_code):
            raise ValueError("number and item code are 1-40 letters, digits or '-'")
        if not _DEVICE.fullmatch(self.device_id):
            raise ValueError("device id must be 16 lowercase hex digits")
        for day in (self.intake, self.due):
            if day is not None and not 1 <= (day - EPOCH).days < 1 << 16:
                raise ValueError("day out of range")

    def canonical(self) -> bytes:
        """The signed bytes: each field once, in a fixed order, none able to hold the separator."""
        fields = (self.kind, self.application_id, self.item_code, self.intake.isoformat(),
                  self.due.isoformat() if self.due else "", self.device_id)
        return DOMAIN + "|".join(fields).encode("ascii")


@dataclass(frozen=True)
class Signed:
    statement: Statement
    signature: bytes


@dataclass(frozen=True)
class Issuer:
    """A device whose codes a store can check: itself, or a peer it trusts (or trusted)."""

    device_id: str
    sign_public: bytes
    role: str  # village | township | county
    code: str  # its division code
    ours: bool = False
    revoked: bool = False


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    statement: Statement
    issuer: Issuer | None  # None when no device of that id is known here


@dataclass(frozen=True)
class FieldMatch:
    name: str  # id | item | intake | due | kind | issuer
    printed: str
    held: str
    same: bool


@dataclass(frozen=True)
class CaseMatch:
    """The statement beside the case this store holds under its number (None fields: not held)."""

    found: bool
    status: str = ""
    fields: tuple[FieldMatch, ...] = ()

    @property
    def agrees(self) -> bool:
        return self.found and all(f.same for f in self.fields)


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    case: CaseMatch | None  # None when no session was given (no PIN: the case is not read)
    node: str = "village"  # the checking store's kind: who "here" is when the issuer is unknown

    @property
    def trusted(self) -> bool:
        """Genuine, signed by a device not revoked since, and (when the case was read) true of it."""
        issuer = self.verdict.issuer
        return (self.verdict.outcome == "genuine" and issuer is not None and not issuer.revoked
                and (self.case is None or self.case.agrees))

    def as_dict(self) -> dict[str, Any]:
        s, issuer = self.verdict.statement, self.verdict.issuer
        return {
            "outcome": self.verdict.outcome, "genuine": self.trusted,
            "kind": s.kind, "id": s.application_id, "item_code": s.item_code,
            "intake": s.intake.isoformat(), "due": s.due.isoformat() if s.due else None,
            "device_id": s.device_id, "text": verdict_text(self.verdict, language(), self.node),
            "issuer": None if issuer is None else {
                "device_id": issuer.device_id, "role": issuer.role, "code": issuer.code,
                "ours": issuer.ours, "revoked": issuer.revoked},
            "case": None if self.case is None else {
                "found": self.case.found, "status": self.case.status, "agrees": self.case.agrees,
                "fields": [f.__dict__ for f in self.case.fields]},
        }


# ------------------------------------------------------------------ the code --

def _day(n: int) -> date:
    return EPOCH + timedelta(days=n)


def pack(signed: Signed) -> bytes:
    s = signed.statement
    head = KINDS.index(s.kind)
    number = _USUAL.fullmatch(s.application_id)
    body = b""
    if number and number[1] == f"{s.intake:%Y%m%d}" and f"{int(number[3]):05d}" == number[3] \
            and int(number[3]) < 1 << 24:
        head |= 0x10
        if number[2] == s.device_id[:6].upper():
            head |= 0x20
        else:
            body += bytes.fromhex(number[2])
        body += int(number[3]).to_bytes(3, "big")
    else:
        body += bytes([len(s.application_id)]) + s.application_id.encode("ascii")
    body += bytes([len(s.item_code)]) + s.item_code.encode("ascii")
    due = (s.due - EPOCH).days if s.due else 0
    return (struct.pack(">BHH", head, (s.intake - EPOCH).days, due) + bytes.fromhex(s.device_id)
            + body + signed.signature)


def unpack(raw: bytes) -> Signed:
    """The statement and signature packed in `raw`; ValueError for anything else."""
    if len(raw) < 5 + 8 + 1 + 1 + SIGNATURE:
        raise ValueError("short")
    head, intake_n, due_n = struct.unpack_from(">BHH", raw)
    kind = head & 0x0F
    if kind >= len(KINDS) or head & 0xC0:
        raise ValueError("head")
    device = raw[5:13].hex()
    intake, rest = _day(intake_n), raw[13:-SIGNATURE]
    if head & 0x10:
        tag = device[:6].upper() if head & 0x20 else rest[:3].hex().upper()
        rest = rest if head & 0x20 else rest[3:]
        if len(rest) < 3:
            raise ValueError("number")
        number, rest = f"{intake:%Y%m%d}-{tag}-{int.from_bytes(rest[:3], 'big'):05d}", rest[3:]
    else:
        number, rest = _text(rest)
    item, rest = _text(rest)
    if rest:
        raise ValueError("trailing")
    statement = Statement(KINDS[kind], number, item, intake, _day(due_n) if due_n else None, device)
    return Signed(statement, raw[-SIGNATURE:])


def _text(raw: bytes) -> tuple[str, bytes]:
    if not raw or len(raw) < 1 + raw[0]:
        raise ValueError("text")
    return raw[1:1 + raw[0]].decode("ascii"), raw[1 + raw[0]:]


def to_base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").translate(_TO_CROCKFORD)


def from_base32(text: str) -> bytes:
    rfc = text.translate(_FROM_CROCKFORD)
    return base64.b32decode(rfc + "=" * (-len(rfc) % 8))


def luhn(body: str) -> str:
    """The Luhn mod 32 check character of `body`: any one character changed shows."""
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[-total % 32]


def encode(signed: Signed) -> str:
    body = to_base32(pack(signed))
    return PREFIX + body + luhn(body)


def normalise(text: str) -> str:
    """What was typed or scanned, as the code: full-width forms, case, spaces, dashes, I/L/O."""
    folded = unicodedata.normalize("NFKC", text).upper().translate(_TYPED)
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-")


def decode(text: str) -> Signed:
    """The statement and signature in a code as printed, typed or scanned; ReceiptCodeError if not one."""
    code = normalise(text)
    if not code:
        raise _refuse("receipts.bad.empty")
    version = re.match(r"VR(\d+)\.?", code)
    if version is None:
        raise _refuse("receipts.bad.prefix")
    if version[1] != "1":
        raise _refuse("receipts.bad.version", version=version[1])
    body = code[version.end():]
    stray = sorted({ch for ch in body if ch not in ALPHABET})
    if stray:
        raise _refuse("receipts.bad.characters", chars=" ".join(stray))
    if len(body) < 2 or luhn(body[:-1]) != body[-1]:
        raise _refuse("receipts.bad.mistyped")
    try:
        raw = from_base32(body[:-1])
        signed = unpack(raw)
    except ValueError:  # binascii.Error is one
        raise _refuse("receipts.bad.shape") from None
    if to_base32(raw) != body[:-1]:  # stray bits in the last character: not a code we print
        raise _refuse("receipts.bad.shape")
    return signed


def grouped(code: str) -> list[str]:
    """The code as printed under its QR code for typing in: VR1. then groups of four, eight a line."""
    body = code[len(PREFIX):]
    groups = [body[i:i + GROUP] for i in range(0, len(body), GROUP)]
    lines = [" ".join(groups[i:i + PER_LINE]) for i in range(0, len(groups), PER_LINE)]
    return [PREFIX + " " + lines[0], *("     " + line for line in lines[1:])] if lines else [PREFIX]


# ------------------------------------------------------------ sign and verify --

def sign(statement: Statement, keys: DeviceKeys) -> str:
    if keys.device_id != statement.device_id:
        raise ValueError("a device signs only its own statements")
    return encode(Signed(statement, keys.signing.sign(statement.canonical())))


def verify(text: str, issuers: Mapping[str, Issuer]) -> Verdict:
    """Genuine if the issuer named is known here and its key signed exactly this statement."""
    signed = decode(text)
    issuer = issuers.get(signed.statement.device_id)
    if issuer is None:
        return Verdict("unknown_issuer", signed.statement, None)
    try:
        Ed25519PublicKey.from_public_bytes(issuer.sign_public).verify(
            signed.signature, signed.statement.canonical())
    except InvalidSignature:
        return Verdict("forged", signed.statement, issuer)
    return Verdict("genuine", signed.statement, issuer)


def issuers(store: Store) -> dict[str, Issuer]:
    """The devices whose codes this store can check: itself and every peer it has enrolled or trusts."""
    own = store.device_public()
    found = {p.device_id: Issuer(p.device_id, bytes.fromhex(p.sign_public), p.role, p.village_code,
                                 revoked=p.revoked)
             for p in sync_peers.peers(store.database)}
    if own.get("sign_public"):
        found[store.info.device_id] = Issuer(store.info.device_id, bytes.fromhex(own["sign_public"]),
                                             store.node, store.info.village_code, ours=True)
    return found


def check(store: Store, text: str, session: Session | None = None) -> Checked:
    """Verify `text` against the keys this store knows; with a session, compare it with the case
    held under its number, and audit the check (`receipt.checked`)."""
    verdict = verify(text, issuers(store))
    if session is None:
        return Checked(verdict, None, store.node)
    case = match(session, verdict.statement, verdict.issuer)
    session.log("receipt.checked", verdict.statement.application_id, verdict.outcome)
    return Checked(verdict, case, store.node)


# The statuses a case must have reached for a paper of each kind to tell the truth about it.
KIND_NEEDS: dict[str, frozenset[str] | None] = {
    "receipt": None, "authorisation": None,  # any case taken in
    "completed": frozenset({"completed", "delivered", "rated"}),
    "rejected": frozenset({"rejected", "delivered", "rated"}),
    "revoked": frozenset({"revoked"}),
}


def match(session: Session, statement: Statement, issuer: Issuer | None = None) -> CaseMatch:
    """The statement beside the case held under its number: the printed facts, that a paper of
    its kind fits the case's status (a genuine signature on a 办结通知书 of a rejected case is
    still a false paper), and that its signer is the case's own village point or a center."""
    try:
        summary, events = session.show(statement.application_id)
    except NotFound:
        return CaseMatch(False)
    facts = case_facts(summary, events)
    filed = _filing(events).get("due_estimate")
    held_due = facts["due"] or ""
    due = statement.due.isoformat() if statement.due else ""
    # The village promised its own estimate; the deciding center's date may replace it since.
    due_same = due == held_due or (bool(filed) and due == filed)
    needs = KIND_NEEDS.get(statement.kind)
    kind_fits = (needs is None and summary.status not in ("draft",)) or (
        needs is not None and summary.status in needs)
    village_device = next((e.device_id for e in events if e.type == "created"), "")
    by_center = issuer is not None and (issuer.role in ("township", "county") or (
        issuer.ours and session.store.node != "village"))
    return CaseMatch(True, summary.status, (
        FieldMatch("id", statement.application_id, summary.id, True),
        FieldMatch("item", statement.item_code, facts["item"], statement.item_code == facts["item"]),
        FieldMatch("intake", statement.intake.isoformat(), facts["intake"],
                   statement.intake.isoformat() == facts["intake"]),
        FieldMatch("due", due, held_due, due_same),
        FieldMatch("kind", statement.kind, summary.status, kind_fits),
        FieldMatch("issuer", statement.device_id, village_device,
                   statement.device_id == village_device or by_center),
    ))


# ---------------------------------------------------------- onto the paper --

def _filing(events: Sequence[Event]) -> dict[str, Any]:
    return next((e.payload for e in events if e.type in ("submitted", "inspection_recorded")), {})


def case_facts(summary: Summary, events: Sequence[Event]) -> dict[str, str]:
    """Number, item, intake day (the agent's day, as in the number) and promised day of a case."""
    created = next((e.payload for e in events if e.type == "created"), {})
    return {"id": summary.id, "item": summary.item_code,
            "intake": str(created.get("intake_date") or summary.created_at[:10]),
            "due": summary.due_date or ""}


def statement_of(kind: str, summary: Summary, events: Sequence[Event], device_id: str) -> Statement:
    facts = case_facts(summary, events)
    return Statement(kind, summary.id, summary.item_code, date.fromisoformat(facts["intake"]),
                     date.fromisoformat(facts["due"]) if facts["due"] else None, device_id)


def vouched(document: Document, code: str) -> Document:
    """The document with its verification block: the QR code of `code`, then `code` grouped to type.

    The block takes the place of a QR code the document already has (a decision notice's code
    of its number, which the block names too), else it closes the document.
    """
    if document.kind not in KINDS:
        raise ValueError(f"a {document.kind!r} is not a case's paper: it carries no code")
    lang = document.lang or language()
    kind = t_in(lang, f"receipts.kind.{document.kind}")
    block = [Line("qr", t_in(lang, "receipts.qr_caption", kind=kind, id=document.reference),
                  data=code),
             Line("entry", t_in(lang, "receipts.typed")),
             *(Line("entry", line) for line in grouped(code))]
    lines = list(document.lines)
    at = next((i for i, line in enumerate(lines) if line.kind == "qr"), None)
    if at is None:
        lines += [Line("rule"), *block]
    else:
        lines[at:at + 1] = block
    return replace(document, lines=tuple(lines))


def vouch(session: Session, document: Document, summary: Summary | None = None,
          events: Sequence[Event] | None = None) -> Document:
    """`document` (a case's receipt or notice) signed by this device, as it is to be printed.

    `summary` and `events` are the case's as already read; else it is read again.
    """
    if summary is None or events is None:
        summary, events = session.show(document.reference)
    from sync.node import Node

    keys = Node.of(session).keys
    statement = statement_of(document.kind, summary, events, keys.device_id)
    return vouched(document, sign(statement, keys))


def checked_lines(checked: Checked, lang: str | None = None) -> list[str]:
    """The check as the command lines say it: the verdict first, then what the paper says."""
    lang = lang if lang in ("zh", "en") else language()
    verdict, s = checked.verdict, checked.verdict.statement

    def say(key: str, **values: object) -> str:
        return t_in(lang, key, **values)

    lines = [verdict_text(verdict, lang, checked.node)]
    if verdict.issuer is not None and verdict.issuer.revoked:
        lines.append(say("receipts.issuer_revoked"))
    lines += [
        say("receipts.field.kind", value=say(f"receipts.kind.{s.kind}")),
        say("receipts.field.id", value=s.application_id),
        say("receipts.field.item", value=s.item_code),
        say("receipts.field.intake", value=s.intake.isoformat()),
        say("receipts.field.due", value=s.due.isoformat() if s.due else say("receipts.no_due")),
        say("receipts.field.device", value=s.device_id[:6].upper()),
    ]
    case = checked.case
    if case is not None:
        if not case.found:
            lines.append(say("receipts.case.none", id=s.application_id))
        elif case.agrees:
            lines.append(say("receipts.case.agrees"))
        else:
            lines.append(say("receipts.case.differs"))
            lines += [say("receipts.case.field", name=say(f"receipts.name.{f.name}"),
                          printed=f.printed or "—", held=f.held or "—")
                      for f in case.fields if not f.same]
    return lines


def verdict_text(verdict: Verdict, lang: str, node: str = "village") -> str:
    """真实 / 不符 / 不是本服务点开具, and by whom; `node` is the checking store's kind."""
    issuer = verdict.issuer
    if verdict.outcome == "unknown_issuer":
        here = "village" if node == "village" else "center"
        return t_in(lang, f"receipts.unknown.{here}", device=verdict.statement.device_id[:6].upper())
    if issuer is not None and issuer.ours:
        by = t_in(lang, "receipts.by_us")
    else:
        role = issuer.role if issuer is not None else "village"
        by = t_in(lang, f"receipts.by.{role}", code=issuer.code if issuer else "",
                  device=verdict.statement.device_id[:6].upper())
    return t_in(lang, f"receipts.{verdict.outcome}", by=by)
