"""One sealed message: compressed, encrypted to each recipient, signed by the sending device.

Two versions are read; `seal(version=...)` writes either. Version 2 (`VAM2`) is written
to a peer that said it reads it (`sync.wire`): a compact binary header and zstd with a
dictionary trained on the catalog's forms, whose id is in the signed header. Version 1:

    magic "VAM1" | u32 header length | header (canonical JSON)
    | u8 stanza count | stanzas (key id 16 | ephemeral X25519 public 32 | wrapped key 48)
    | u32 body length | body (ChaCha20-Poly1305 of zlib(payload))
    | Ed25519 signature (64) over every byte before it

Standard constructions only: age-style X25519 recipient stanzas whose wrapping
key is HKDF-SHA256 of the shared secret, ChaCha20-Poly1305 with a fresh random
key per message (so a zero nonce is safe, as in age), Ed25519 signatures. The
signature is checked before anything is decrypted or decompressed.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from forms import strictjson
from sync.errors import BundleRejected
from sync.keys import DeviceKeys, PublicIdentity, key_id, raw_public

MAGIC = b"VAM1"
MAGIC_V2 = b"VAM2"
VERSION = 1
VERSION_2 = 2
VERSIONS = (VERSION, VERSION_2)  # every version this code opens
MAX_HEADER = 4096
MAX_STANZAS = 8
MAX_BODY = 8 * 1024 * 1024
MAX_PLAINTEXT = 16 * 1024 * 1024  # a decompression bomb stops here
_STANZA = 16 + 32 + 48
_SIG = 64
_NONCE = b"\x00" * 12  # every key below encrypts exactly one thing
_STANZA_INFO = b"village-agent/v1/stanza"


@dataclass(frozen=True)
class Header:
    kind: str  # event | attachment_chunk | ack | status | catalog | calendar | revocation | ...
    sender: str  # device id of the signer
    village: str  # the sender's village code; "" for a center
    seq: int  # the sender's sequence number for this message
    hlc: str  # hybrid logical clock of the sender
    recipients: tuple[str, ...]  # key ids (hex), in stanza order
    created: str = ""  # the sender's wall clock: shown, never trusted
    meta: tuple[tuple[str, str], ...] = ()  # small routing facts: ("owner", "county"), ("app", id)
    version: int = VERSION  # 1: JSON header, zlib; 2: binary header, zstd (sync.wire)
    dictionary: int = 0  # version 2: the zstd dictionary's id (0: none)

    def encode(self) -> bytes:
        if self.version == VERSION_2:
            return self._encode_v2()
        body = {
            "v": VERSION, "kind": self.kind, "sender": self.sender, "village": self.village,
            "seq": self.seq, "hlc": self.hlc, "recipients": list(self.recipients),
            "created": self.created, "meta": dict(self.meta),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def _encode_v2(self) -> bytes:
        """kind | sender | village | u64 seq | hlc | created | u32 dictionary | u8 n | n x (key | value).

        Each text is u8 length | UTF-8. The recipients are the stanzas' key ids (not repeated).
        """
        out = bytearray()
        for text in (self.kind, self.sender, self.village):
            out += _short(text)
        out += struct.pack(">Q", self.seq)
        out += _short(self.hlc) + _short(self.created)
        out += struct.pack(">IB", self.dictionary, len(self.meta))
        for key, value in self.meta:
            out += _short(key) + _short(value)
        return bytes(out)

    @classmethod
    def decode_v2(cls, raw: bytes, recipients: tuple[str, ...]) -> Header:
        try:
            pos = 0

            def text() -> str:
                nonlocal pos
                n = raw[pos]
                value = raw[pos + 1 : pos + 1 + n]
                if len(value) != n:
                    raise ValueError("text runs past the header")
                pos += 1 + n
                return value.decode()

            kind, sender, village = text(), text(), text()
            (seq,) = struct.unpack_from(">Q", raw, pos)
            pos += 8
            hlc, created = text(), text()
            dictionary, count = struct.unpack_from(">IB", raw, pos)
            pos += 5
            meta = tuple((text(), text()) for _ in range(count))
            header = cls(kind=kind, sender=sender, village=village, seq=_whole(seq), hlc=hlc,
                         recipients=recipients, created=created, meta=meta, version=VERSION_2,
                         dictionary=dictionary)
        except (ValueError, IndexError, TypeError, struct.error, UnicodeDecodeError) as exc:
            raise BundleRejected("malformed", f"header: {exc}") from None
        if (list(meta) != sorted(dict(meta).items()) or header.encode() != raw):
            raise BundleRejected("malformed", "header is not in canonical form")
        return header

    @classmethod
    def decode(cls, raw: bytes) -> Header:
        try:
            d: dict[str, Any] = strictjson.loads(raw, max_depth=4)
            if d.get("v") != VERSION:
                raise BundleRejected("malformed", f"unsupported version {d.get('v')!r}")
            header = cls(
                kind=_text(d["kind"]), sender=_text(d["sender"]), village=_text(d["village"]),
                seq=_whole(d["seq"]), hlc=_text(d["hlc"]),
                recipients=tuple(_text(r) for r in d["recipients"]), created=_text(d["created"]),
                meta=tuple(sorted((_text(k), _text(v)) for k, v in d["meta"].items())),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BundleRejected("malformed", f"header: {exc}") from None
        if header.encode() != raw:
            raise BundleRejected("malformed", "header is not in canonical form")
        return header

    def get(self, key: str, default: str = "") -> str:
        return dict(self.meta).get(key, default)


def _short(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 255:
        raise ValueError("a header text is longer than 255 bytes")
    return bytes([len(raw)]) + raw


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise TypeError("expected a whole number below 2**63")
    return value


@dataclass(frozen=True)
class Parsed:
    """A message split into its parts, framing checked, nothing verified yet."""

    header: Header
    header_bytes: bytes
    stanzas: tuple[tuple[bytes, bytes, bytes], ...]  # (key id, ephemeral public, wrapped key)
    body: bytes
    signed: bytes  # every byte the signature covers
    signature: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.signed + self.signature).hexdigest()


def _wrap_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + recipient_public,
        info=_STANZA_INFO,
    ).derive(shared)


def seal(
    payload: bytes,
    *,
    kind: str,
    sender: DeviceKeys,
    village: str,
    seq: int,
    hlc: str,
    recipients: Sequence[PublicIdentity],
    created: str = "",
    meta: dict[str, str] | None = None,
    file_key: bytes | None = None,
    ephemeral: Sequence[X25519PrivateKey] | None = None,
    version: int = VERSION,
) -> bytes:
    """Seal `payload` for every recipient. `file_key`/`ephemeral` exist only for test vectors.

    `version` 2 only for readers that said they read it (`sync.wire.version_for`).
    """
    from sync import wire

    if not recipients or len(recipients) > MAX_STANZAS:
        raise ValueError(f"need 1 to {MAX_STANZAS} recipients")
    if version not in VERSIONS:
        raise ValueError(f"no message version {version}")
    dictionary = wire.dictionary_for(kind) if version == VERSION_2 else 0
    header = Header(
        kind=kind, sender=sender.device_id, village=village, seq=seq, hlc=hlc,
        recipients=tuple(r.key_id.hex() for r in recipients), created=created,
        meta=tuple(sorted((meta or {}).items())), version=version, dictionary=dictionary,
    )
    header_bytes = header.encode()
    if len(header_bytes) > MAX_HEADER:
        raise ValueError("header too large")
    file_key = file_key or ChaCha20Poly1305.generate_key()
    ephemeral = ephemeral or [X25519PrivateKey.generate() for _ in recipients]
    stanzas = b""
    for recipient, eph in zip(recipients, ephemeral, strict=True):
        eph_public = raw_public(eph.public_key())
        wrap = _wrap_key(eph.exchange(recipient.recipient), eph_public, recipient.enc_public)
        stanzas += recipient.key_id + eph_public + ChaCha20Poly1305(wrap).encrypt(
            _NONCE, file_key, header_bytes)
    if version == VERSION_2:
        prefix = MAGIC_V2 + struct.pack(">H", len(header_bytes)) + header_bytes
        packed = wire.compress(payload, dictionary)
    else:
        prefix = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
        packed = zlib.compress(payload, 6)
    prefix += struct.pack(">B", len(recipients)) + stanzas
    body = ChaCha20Poly1305(file_key).encrypt(_NONCE, packed, hashlib.sha256(prefix).digest())
    if len(body) > MAX_BODY:
        raise ValueError("message too large; attachments travel as chunks")
    signed = prefix + struct.pack(">I", len(body)) + body
    return signed + sender.signing.sign(signed)


def parse(raw: bytes) -> Parsed:
    """Check the framing exactly (lengths, bounds, no trailing bytes); verify nothing yet."""
    v2 = raw[:4] == MAGIC_V2
    if raw[:4] not in (MAGIC, MAGIC_V2):
        if raw[:3] == MAGIC[:3] and raw[3:4].isdigit():  # a later version than this code reads
            raise BundleRejected("newer_version", f"message version {raw[3:4].decode()}")
        raise BundleRejected("malformed", "not a sealed message")
    if len(raw) < 4 + (2 if v2 else 4) + 1 + 4 + _SIG:
        raise BundleRejected("malformed", "not a sealed message")
    (header_len,) = struct.unpack_from(">H" if v2 else ">I", raw, 4)
    pos = 6 if v2 else 8
    if header_len > MAX_HEADER or pos + header_len + 1 > len(raw):
        raise BundleRejected("truncated" if header_len <= MAX_HEADER else "too_large", "header")
    header_bytes = raw[pos : pos + header_len]
    pos += header_len
    count = raw[pos]
    pos += 1
    if not 1 <= count <= MAX_STANZAS:
        raise BundleRejected("malformed", f"{count} recipients")
    if pos + count * _STANZA + 4 > len(raw):
        raise BundleRejected("truncated", "stanzas")
    stanzas = tuple(
        (raw[p : p + 16], raw[p + 16 : p + 48], raw[p + 48 : p + _STANZA])
        for p in range(pos, pos + count * _STANZA, _STANZA)
    )
    pos += count * _STANZA
    (body_len,) = struct.unpack_from(">I", raw, pos)
    pos += 4
    if body_len > MAX_BODY:
        raise BundleRejected("too_large", f"body of {body_len} bytes")
    if pos + body_len + _SIG != len(raw):
        raise BundleRejected("truncated" if pos + body_len + _SIG > len(raw) else "malformed",
                             "body length does not match")
    if v2:
        header = Header.decode_v2(header_bytes, tuple(s[0].hex() for s in stanzas))
    else:
        header = Header.decode(header_bytes)
    if len(header.recipients) != count or any(
        h != s[0].hex() for h, s in zip(header.recipients, stanzas, strict=True)
    ):
        raise BundleRejected("malformed", "stanzas do not match the header's recipients")
    body = raw[pos : pos + body_len]
    return Parsed(header, header_bytes, stanzas, body, raw[: pos + body_len], raw[pos + body_len :])


def verify(parsed: Parsed, sender: PublicIdentity) -> None:
    """The sender's signature over every byte; raise before anything is opened."""
    if parsed.header.sender != sender.device_id:
        raise BundleRejected("unknown_sender", "signed by another device")
    try:
        sender.verifier.verify(parsed.signature, parsed.signed)
    except InvalidSignature:
        raise BundleRejected("bad_signature") from None


def open_payload(parsed: Parsed, me: DeviceKeys) -> bytes:
    """Decrypt a verified message addressed to `me`."""
    mine = me.public
    for kid, eph_public, wrapped in parsed.stanzas:
        if kid != mine.key_id:
            continue
        try:
            shared = me.encryption.exchange(X25519PublicKey.from_public_bytes(eph_public))
            wrap = _wrap_key(shared, eph_public, mine.enc_public)
            file_key = ChaCha20Poly1305(wrap).decrypt(_NONCE, wrapped, parsed.header_bytes)
            prefix_end = len(parsed.signed) - len(parsed.body) - 4
            compressed = ChaCha20Poly1305(file_key).decrypt(
                _NONCE, parsed.body, hashlib.sha256(parsed.signed[:prefix_end]).digest())
        except (InvalidTag, ValueError):
            raise BundleRejected("decrypt_failed") from None
        if parsed.header.version == VERSION_2:
            from sync import wire

            return wire.decompress(compressed, parsed.header.dictionary, MAX_PLAINTEXT)
        return _inflate(compressed)
    raise BundleRejected("not_for_us")


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_PLAINTEXT)
    except zlib.error:
        raise BundleRejected("decrypt_failed", "payload does not decompress") from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise BundleRejected("too_large", "payload expands past the limit")
    return out


def open_message(raw: bytes, sender: PublicIdentity, me: DeviceKeys) -> tuple[Header, bytes]:
    """Parse, verify, decrypt: the whole check in the only safe order."""
    parsed = parse(raw)
    verify(parsed, sender)
    return parsed.header, open_payload(parsed, me)


def message_key(raw: bytes) -> tuple[str, int, str]:
    """(sender, seq, digest): the idempotency key a receiver files the message under."""
    parsed = parse(raw)
    return parsed.header.sender, parsed.header.seq, parsed.digest


__all__ = ["Header", "Parsed", "key_id", "message_key", "open_message", "open_payload", "parse",
           "seal", "verify"]
