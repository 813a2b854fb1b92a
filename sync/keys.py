"""Device identities: an Ed25519 signing key and an X25519 encryption key, and how people compare them."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(enc_public: bytes) -> bytes:
    """16 bytes naming an encryption key inside stanzas (not secret, not a fingerprint)."""
    return hashlib.sha256(b"village-agent/v1/key-id" + enc_public).digest()[:16]


@dataclass(frozen=True)
class PublicIdentity:
    """What others know of a device or center: enough to verify its messages and write to it."""

    device_id: str
    sign_public: bytes  # 32-byte Ed25519
    enc_public: bytes  # 32-byte X25519

    def __post_init__(self) -> None:
        if len(self.sign_public) != 32 or len(self.enc_public) != 32:
            raise ValueError("public keys must be 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.enc_public)

    @property
    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.sign_public)

    @property
    def recipient(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.enc_public)

    def fingerprint(self) -> str:
        """Read aloud or compared on two screens at enrollment: 8 groups of 4 characters."""
        digest = hashlib.sha256(b"village-agent/v1/fingerprint" + self.sign_public + self.enc_public)
        text = base64.b32encode(digest.digest()[:20]).decode()
        return "-".join(text[i : i + 4] for i in range(0, 32, 4))

    def as_dict(self) -> dict[str, str]:
        return {"device_id": self.device_id, "sign_public": self.sign_public.hex(),
                "enc_public": self.enc_public.hex()}

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> PublicIdentity:
        return cls(d["device_id"], bytes.fromhex(d["sign_public"]), bytes.fromhex(d["enc_public"]))


class DeviceKeys:
    """A device's private keys. Lives only in memory after the store is unlocked."""

    def __init__(self, device_id: str, signing: Ed25519PrivateKey, encryption: X25519PrivateKey) -> None:
        self.device_id = device_id
        self.signing = signing
        self.encryption = encryption

    def __repr__(self) -> str:
        return f"DeviceKeys({self.device_id!r}, <private keys redacted>)"

    @classmethod
    def generate(cls, device_id: str) -> DeviceKeys:
        return cls(device_id, Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, device_id: str, signing: bytes, encryption: bytes) -> DeviceKeys:
        return cls(device_id, Ed25519PrivateKey.from_private_bytes(signing),
                   X25519PrivateKey.from_private_bytes(encryption))

    def private_bytes(self) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        fmt = (Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return self.signing.private_bytes(*fmt), self.encryption.private_bytes(*fmt)

    @property
    def public(self) -> PublicIdentity:
        return PublicIdentity(self.device_id, raw_public(self.signing.public_key()),
                              raw_public(self.encryption.public_key()))
