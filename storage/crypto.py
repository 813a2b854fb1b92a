"""Encryption at rest: the store's data key, PIN wrapping (Argon2id), record AEAD, blind indexes.

One random 256-bit data key per store. Everything personal is sealed with
AES-256-GCM under a subkey derived from it (HKDF-SHA256), with associated data
naming the record it belongs to, so a ciphertext cannot be moved to another row.
The data key itself is stored only wrapped, once per operator, under a key
derived from that operator's PIN with Argon2id (and once under the store's
recovery code, the same way). Every failure to open is the
same opaque error, as in `cryptography`'s Fernet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Raised here; it lives in the store's error tree, so every caller may import it from either.
from storage.errors import DecryptionFailed as DecryptionFailed

_VERSION = b"\x01"
_NONCE = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored beside each wrapped key, so costs can change without breaking old ones."""

    memory_kib: int
    iterations: int
    lanes: int = 1

    def derive(self, pin: str, salt: bytes) -> bytes:
        kdf = Argon2id(
            salt=salt, length=KEY_BYTES, iterations=self.iterations, lanes=self.lanes,
            memory_cost=self.memory_kib,
        )
        return kdf.derive(pin.encode("utf-8"))


# ~0.4 s on the 2-core reference machine (bench/encryption.py); 128 MiB limits GPU batching.
DEFAULT_KDF = KdfParams(memory_kib=128 * 1024, iterations=3, lanes=1)
# For tests and benchmarks only: the same code path at a cost that keeps suites fast.
TEST_KDF = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


@dataclass(frozen=True)
class WrappedKey:
    salt: bytes
    params: KdfParams
    blob: bytes  # AES-GCM(pin-derived key, data key)

    def to_json(self) -> str:
        return json.dumps({
            "salt": self.salt.hex(), "params": asdict(self.params), "blob": self.blob.hex(),
        })

    @classmethod
    def from_json(cls, text: str) -> WrappedKey:
        try:
            d = json.loads(text)
            return cls(bytes.fromhex(d["salt"]), KdfParams(**d["params"]), bytes.fromhex(d["blob"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise DecryptionFailed("wrapped key record is malformed") from exc


def _wrap(data_key: bytes, secret: str, params: KdfParams, label: str) -> WrappedKey:
    salt = os.urandom(16)
    kek = params.derive(secret, salt)
    nonce = os.urandom(_NONCE)
    blob = nonce + AESGCM(kek).encrypt(nonce, data_key, label.encode())
    return WrappedKey(salt, params, blob)


def _unwrap(wrapped: WrappedKey, secret: str, label: str) -> bytes:
    kek = wrapped.params.derive(secret, wrapped.salt)
    try:
        return AESGCM(kek).decrypt(wrapped.blob[:_NONCE], wrapped.blob[_NONCE:], label.encode())
    except InvalidTag:
        raise DecryptionFailed("wrong secret or damaged key record") from None


def wrap_data_key(data_key: bytes, pin: str, params: KdfParams, *, operator: str) -> WrappedKey:
    return _wrap(data_key, pin, params, f"wrap:{operator}")


def unwrap_data_key(wrapped: WrappedKey, pin: str, *, operator: str) -> bytes:
    return _unwrap(wrapped, pin, f"wrap:{operator}")


# The recovery code's wrap: the same KDF and AEAD as a PIN's, under its own label, so the
# code (high entropy, kept by the township) opens the data key when every PIN is forgotten.
def wrap_for_recovery(data_key: bytes, code: str, params: KdfParams) -> WrappedKey:
    return _wrap(data_key, code, params, "recovery:v1")


def unwrap_recovery(wrapped: WrappedKey, code: str) -> bytes:
    return _unwrap(wrapped, code, "recovery:v1")


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _subkey(data_key: bytes, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
        info=f"village-agent/{purpose}/v1".encode(),
    ).derive(data_key)


class Keys:
    """The unlocked store's keys, each for one purpose. Never logged, never written in the clear."""

    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != KEY_BYTES:
            raise ValueError("data key must be 32 bytes")
        self.data_key = data_key
        self._records = AESGCM(_subkey(data_key, "records"))
        self._blind = _subkey(data_key, "blind-index")
        self._audit = _subkey(data_key, "audit")
        self._address = _subkey(data_key, "attachment-address")

    def __repr__(self) -> str:
        return "Keys(<redacted>)"

    def encrypt(self, plaintext: bytes, aad: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._records.encrypt(nonce, plaintext, aad.encode())

    def decrypt(self, token: bytes, aad: str) -> bytes:
        if len(token) < 1 + _NONCE + 16 or token[:1] != _VERSION:
            raise DecryptionFailed("not a record ciphertext")
        try:
            return self._records.decrypt(token[1 : 1 + _NONCE], token[1 + _NONCE :], aad.encode())
        except InvalidTag:
            raise DecryptionFailed("record does not open") from None

    def seal_json(self, obj: Any, aad: str) -> bytes:
        return self.encrypt(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode(), aad)

    def open_json(self, token: bytes, aad: str) -> Any:
        return json.loads(self.decrypt(token, aad))

    def blind_index(self, kind: str, value: str) -> str:
        """A keyed lookup token: equal inputs match, the input cannot be recovered or guessed offline."""
        return hmac.new(self._blind, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def attachment_address(self, content: bytes) -> str:
        """Content address keyed so that a known document's hash reveals nothing."""
        return hmac.new(self._address, content, hashlib.sha256).hexdigest()

    def audit_mac(self, head: str) -> str:
        return hmac.new(self._audit, head.encode(), hashlib.sha256).hexdigest()
