"""A bundle: several sealed messages in one HTTP body or one file on a USB stick.

    magic "VAB1" | u32 message count | (u32 length | message) × count | SHA-256 of all before (32)

Each message is signed on its own; the trailer only makes a truncated or
damaged file fail as a whole, before any message in it is stored.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

from sync.envelope import MAX_BODY, MAX_HEADER
from sync.errors import BundleRejected

MAGIC = b"VAB1"
MAX_MESSAGES = 100_000
MAX_MESSAGE = MAX_HEADER + MAX_BODY + 1024


def pack(messages: Iterable[bytes]) -> bytes:
    parts = list(messages)
    if len(parts) > MAX_MESSAGES:
        raise ValueError("too many messages for one bundle")
    out = bytearray(MAGIC + struct.pack(">I", len(parts)))
    for message in parts:
        out += struct.pack(">I", len(message)) + message
    out += hashlib.sha256(out).digest()
    return bytes(out)


def unpack(raw: bytes) -> list[bytes]:
    """The messages, or BundleRejected if the file is not whole. Messages are not verified here."""
    if len(raw) < 4 + 4 + 32 or raw[:4] != MAGIC:
        raise BundleRejected("malformed" if raw[:4] != MAGIC[: len(raw[:4])] else "truncated",
                             "not a bundle")
    if hashlib.sha256(raw[:-32]).digest() != raw[-32:]:
        raise BundleRejected("truncated", "checksum does not match (cut short or damaged)")
    (count,) = struct.unpack_from(">I", raw, 4)
    if count > MAX_MESSAGES:
        raise BundleRejected("too_large", f"{count} messages")
    pos, end, out = 8, len(raw) - 32, []
    for _ in range(count):
        if pos + 4 > end:
            raise BundleRejected("truncated", "message count runs past the end")
        (length,) = struct.unpack_from(">I", raw, pos)
        pos += 4
        if length > MAX_MESSAGE:
            raise BundleRejected("too_large", f"message of {length} bytes")
        if pos + length > end:
            raise BundleRejected("truncated", "message runs past the end")
        out.append(raw[pos : pos + length])
        pos += length
    if pos != end:
        raise BundleRejected("malformed", "bytes after the last message")
    return out


def digest(raw: bytes) -> str:
    """The bundle hash: the second idempotency key for a whole file imported twice."""
    return hashlib.sha256(raw).hexdigest()


class BundleStream:
    """Read a bundle as its bytes arrive, handing out each whole message at once.

    A center commits every message as soon as it is whole, so a connection cut
    halfway keeps what came through; `close()` then says whether the bundle was
    complete. (A USB file is checked whole with `unpack` before anything is stored.)
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._hash = hashlib.sha256()
        self._count: int | None = None
        self._seen = 0

    def _take(self, n: int) -> bytes:
        part = bytes(self._buf[:n])
        del self._buf[:n]
        self._hash.update(part)
        return part

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        if self._count is None:
            if len(self._buf) < 8:
                return out
            if bytes(self._buf[:4]) != MAGIC:
                raise BundleRejected("malformed", "not a bundle")
            (self._count,) = struct.unpack(">I", self._take(8)[4:])
            if self._count > MAX_MESSAGES:
                raise BundleRejected("too_large", f"{self._count} messages")
        while self._seen < self._count and len(self._buf) >= 4:
            (length,) = struct.unpack_from(">I", self._buf, 0)
            if length > MAX_MESSAGE:
                raise BundleRejected("too_large", f"message of {length} bytes")
            if len(self._buf) < 4 + length:
                break
            out.append(self._take(4 + length)[4:])
            self._seen += 1
        return out

    def close(self) -> None:
        if self._count is None or self._seen != self._count or len(self._buf) != 32:
            raise BundleRejected("truncated", "bundle ended early")
        if bytes(self._buf) != self._hash.digest():
            raise BundleRejected("truncated", "checksum does not match")
