"""This device's signing (Ed25519) and encryption (X25519) keys: made here, private halves sealed.

The private keys are kept only under the store's data key, so a stolen PC
without a PIN cannot sign or read as this device. The public halves are plain
in `meta`, for enrollment screens and fingerprints before anyone logs in.
"""

from __future__ import annotations

import json

import sqlite_utils
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from storage.crypto import Keys

_AAD = "device-keys"
_RAW_PRIVATE = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
_RAW_PUBLIC = (Encoding.Raw, PublicFormat.Raw)


def ensure(db: sqlite_utils.Database, keys: Keys) -> None:
    """Create the device's key pairs once (inside the caller's write transaction)."""
    if db.execute("SELECT 1 FROM meta WHERE key = 'device_keys'").fetchone():
        return
    signing, encryption = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    sealed = keys.seal_json(
        {"sign": signing.private_bytes(*_RAW_PRIVATE).hex(),
         "enc": encryption.private_bytes(*_RAW_PRIVATE).hex()}, _AAD)
    public = {
        "sign_public": signing.public_key().public_bytes(*_RAW_PUBLIC).hex(),
        "enc_public": encryption.public_key().public_bytes(*_RAW_PUBLIC).hex(),
    }
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('device_keys', ?), ('device_public', ?)",
        (sealed.hex(), json.dumps(public)),
    )


def public(db: sqlite_utils.Database) -> dict[str, str] | None:
    row = db.execute("SELECT value FROM meta WHERE key = 'device_public'").fetchone()
    return None if row is None else dict(json.loads(row[0]))


def private(db: sqlite_utils.Database, keys: Keys) -> tuple[bytes, bytes]:
    """(Ed25519 seed, X25519 private) raw bytes, for `sync` to sign and open with."""
    row = db.execute("SELECT value FROM meta WHERE key = 'device_keys'").fetchone()
    if row is None:
        raise LookupError("this store has no device keys yet")
    d = keys.open_json(bytes.fromhex(row[0]), _AAD)
    return bytes.fromhex(d["sign"]), bytes.fromhex(d["enc"])
