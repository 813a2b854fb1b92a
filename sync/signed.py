"""Signed public records: acknowledgements, certificates, revocation lists.

Authentic but not secret, so a village can check an acknowledgement with no
operator logged in (its private keys stay sealed):

    magic "VAS1" | u32 body length | body (canonical JSON) | Ed25519 signature (64) over all before
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature

from forms import strictjson
from sync.errors import BundleRejected
from sync.keys import DeviceKeys, PublicIdentity

MAGIC = b"VAS1"
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class Record:
    kind: str
    signer: str
    body: dict[str, Any]


def sign(kind: str, body: dict[str, Any], signer: DeviceKeys) -> bytes:
    text = json.dumps({"kind": kind, "signer": signer.device_id, "body": body},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if len(text) > MAX_BODY:
        raise ValueError("record too large")
    head = MAGIC + struct.pack(">I", len(text)) + text
    return head + signer.signing.sign(head)


def is_record(raw: bytes) -> bool:
    return raw[:4] == MAGIC


def peek(raw: bytes) -> Record:
    """The record's claims, unverified: only to find whose key to verify it with."""
    if len(raw) < 8 + 64 or raw[:4] != MAGIC:
        raise BundleRejected("malformed", "not a signed record")
    (length,) = struct.unpack_from(">I", raw, 4)
    if length > MAX_BODY or 8 + length + 64 != len(raw):
        raise BundleRejected("truncated" if 8 + length + 64 > len(raw) else "malformed", "record")
    try:
        d = strictjson.loads(raw[8 : 8 + length])
        record = Record(str(d["kind"]), str(d["signer"]), dict(d["body"]))
    except (ValueError, KeyError, TypeError):
        raise BundleRejected("malformed", "record body") from None
    return record


def verify(raw: bytes, signer: PublicIdentity) -> Record:
    record = peek(raw)
    if record.signer != signer.device_id:
        raise BundleRejected("unknown_sender", "signed by another device")
    try:
        signer.verifier.verify(raw[-64:], raw[:-64])
    except InvalidSignature:
        raise BundleRejected("bad_signature") from None
    return record
