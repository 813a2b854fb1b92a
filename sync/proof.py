"""A sync request proves that the device asking holds its key.

A center answers a session with the device's acknowledgement, its downstream
decisions and statuses. They are sealed, but their headers name applications
and villages, so they go only to the device they are for, and only when the
request proves it comes from that device.

The device's signing key is sealed under the operators' PINs, and an unattended
sync (cron, the app's background loop before anyone logs in) has no PIN. So,
while an operator is logged in, the device signs a **delegation**: a signed
record naming a fresh Ed25519 *request key*, whose private half is kept beside
the store (it is no personal data and opens nothing: every downstream message is
sealed to the village's encryption key, which stays under the PINs). Each
request is then signed by the request key:

    X-Sync-Proof: <delegation, hex>.<signature, hex>
    signature = Ed25519(request key, "village-agent sync request v1\\0" ||
                        canonical JSON {center, counter, cursor, device, path})

`counter` grows with every request the device makes (kept durably before the
request leaves); the center keeps the highest it accepted from each device and
refuses any other, so a captured request cannot be replayed, not even once,
and no clock is trusted. A store restored from a backup starts behind: the
center answers `stale_request` with the next counter it would take, and the
device moves on past it and asks again (one retry; still signed by a key only
the device had). A revoked device's delegation stops counting with the device.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from storage import events
from storage.db import Database
from sync import signed
from sync.errors import BundleRejected
from sync.errors import ProofError as ProofError  # its home is sync/errors.py
from sync.keys import DeviceKeys, PublicIdentity, raw_public

HEADER = "X-Sync-Proof"
COUNTER = "X-Sync-Counter"
_DOMAIN = b"village-agent sync request v1\0"
_KEY_META = "request_key"  # hex: delegation record . private request key
_COUNTER_META = "request_counter"
MAX_COUNTER = 2**62


@dataclass(frozen=True)
class RequestKey:
    delegation: bytes
    private: Ed25519PrivateKey


def _message(*, device: str, center: str, cursor: int, counter: int, path: str) -> bytes:
    body = {"center": center, "counter": counter, "cursor": cursor, "device": device, "path": path}
    return _DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def ensure_request_key(database: Database, keys: DeviceKeys) -> RequestKey:
    """The device's request key, delegated now by `keys` if there is none (an operator is logged in)."""
    held = request_key(database)
    if held is not None and signed.peek(held.delegation).signer == keys.device_id:
        return held
    private = Ed25519PrivateKey.generate()
    delegation = signed.sign("request_key", {"device": keys.device_id,
                                             "key": raw_public(private.public_key()).hex()}, keys)
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    with database.write() as db:
        events.meta_set(db, _KEY_META, f"{delegation.hex()}.{raw.hex()}")
    return RequestKey(delegation, private)


def request_key(database: Database) -> RequestKey | None:
    with database.read() as db:
        text = events.meta_get(db, _KEY_META)
    if not text:
        return None
    delegation, private = text.split(".")
    return RequestKey(bytes.fromhex(delegation), Ed25519PrivateKey.from_private_bytes(
        bytes.fromhex(private)))


def next_counter(database: Database, at_least: int = 0) -> int:
    """Take the next request counter, durably, before the request leaves."""
    with database.write() as db:
        held = int(events.meta_get(db, _COUNTER_META) or 0)
        counter = max(held + 1, at_least)
        events.meta_set(db, _COUNTER_META, str(counter))
    return counter


def make(key: RequestKey, *, device: str, center: str, cursor: int, counter: int,
         path: str) -> dict[str, str]:
    """The headers that prove a request of `device` to `center`."""
    signature = key.private.sign(_message(device=device, center=center, cursor=cursor,
                                          counter=counter, path=path))
    return {HEADER: f"{key.delegation.hex()}.{signature.hex()}", COUNTER: str(counter)}


def prove(database: Database, *, device: str, center: str, cursor: int, path: str,
          at_least: int = 0) -> dict[str, str]:
    """Headers for one request, or ProofError("no_request_key") before any operator logged in."""
    key = request_key(database)
    if key is None:
        raise ProofError("no_request_key", "log in once so this device can sign its sync requests")
    return make(key, device=device, center=center, cursor=cursor, path=path,
                counter=next_counter(database, at_least))


def check(headers: Any, identity: PublicIdentity, *, center: str, cursor: int,
          path: str) -> int:
    """The request's counter, if its proof holds for `identity`; else ProofError. Pure."""
    proof, counter_text = headers.get(HEADER, ""), headers.get(COUNTER, "")
    if not proof or not counter_text:
        raise ProofError("proof_required", "the request carries no proof of the device's key")
    try:
        delegation_hex, signature_hex = proof.split(".")
        delegation, signature = bytes.fromhex(delegation_hex), bytes.fromhex(signature_hex)
        counter = int(counter_text)
    except ValueError:
        raise ProofError("bad_proof", "the proof is not hex") from None
    if not 0 < counter < MAX_COUNTER or len(signature) != 64:
        raise ProofError("bad_proof", "counter or signature out of range")
    try:
        record = signed.verify(delegation, identity)
    except BundleRejected as exc:
        raise ProofError("bad_proof", f"delegation: {exc.reason}") from None
    key_hex = record.body.get("key")
    if record.kind != "request_key" or record.body.get("device") != identity.device_id or (
            not isinstance(key_hex, str)):
        raise ProofError("bad_proof", "not a request key of this device")
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex))
        public.verify(signature, _message(device=identity.device_id, center=center,
                                          cursor=cursor, counter=counter, path=path))
    except (ValueError, InvalidSignature):
        raise ProofError("bad_proof", "request signature") from None
    return counter


def accept(database: Database, headers: Any, identity: PublicIdentity, *, center: str,
           cursor: int, path: str) -> None:
    """Check the proof and take its counter, durably, before anything is answered (a center)."""
    counter = check(headers, identity, center=center, cursor=cursor, path=path)
    with database.write() as db:
        row = db.execute("SELECT request_counter FROM peers WHERE device_id = ?",
                         [identity.device_id]).fetchone()
        held = int(row[0]) if row else 0
        if counter <= held:
            raise ProofError("stale_request", f"counter {counter} <= {held}", next_counter=held + 1)
        db.execute("UPDATE peers SET request_counter = ? WHERE device_id = ?",
                   (counter, identity.device_id))
