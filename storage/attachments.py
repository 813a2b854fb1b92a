"""Attachments (scans, photos): encrypted, content-addressed, stored in the same transaction as the application."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from storage.crypto import Keys
from storage.errors import InvalidRequest

MAX_BYTES = 20 * 1024 * 1024  # a phone photo of a document is 1-5 MB; a 20-page PDF scan fits
# What the store takes as a scan (the app's folder picker lists exactly these).
ALLOWED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".pdf", ".tif", ".tiff", ".bmp", ".heic",
                              ".webp"})


@dataclass(frozen=True)
class IncomingFile:
    label: str  # material code or attachment field name
    name: str
    content: bytes

    @property
    def media_type(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class StoredAttachment:
    label: str
    address: str
    size: int
    name: str
    media_type: str

    def manifest(self) -> dict[str, object]:
        return {
            "label": self.label, "address": self.address, "size": self.size,
            "name": self.name, "media_type": self.media_type,
        }


def read_file(label: str, path: Path) -> IncomingFile:
    """Read a scan from disk, refusing what cannot be a scan, with a message saying what to do."""
    if not path.is_file():
        raise InvalidRequest("storage.attachment.no_file", path=path)
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        raise InvalidRequest("storage.attachment.type", name=path.name)
    size = path.stat().st_size
    if size == 0:
        raise InvalidRequest("storage.attachment.empty", name=path.name)
    if size > MAX_BYTES:
        raise InvalidRequest("storage.attachment.too_large", name=path.name, mb=size / 1048576)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidRequest("storage.attachment.unreadable", name=path.name,
                             reason=exc.strerror or exc) from None
    return IncomingFile(label=label, name=path.name, content=content)


def store(db: sqlite_utils.Database, keys: Keys, incoming: IncomingFile) -> StoredAttachment:
    """Seal and keep one file (once, however often it is attached). Call inside a write transaction."""
    address = keys.attachment_address(incoming.content)
    if db.execute("SELECT 1 FROM attachments WHERE id = ?", [address]).fetchone() is None:
        db.execute(
            "INSERT INTO attachments (id, size, meta, content, created_at) VALUES (?, ?, ?, ?, ?)",
            (
                address,
                len(incoming.content),
                keys.seal_json({"name": incoming.name, "media_type": incoming.media_type},
                               f"attachment-meta:{address}"),
                keys.encrypt(incoming.content, f"attachment:{address}"),
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
            ),
        )
    return StoredAttachment(
        incoming.label, address, len(incoming.content), incoming.name, incoming.media_type
    )


def load(db: sqlite_utils.Database, keys: Keys, address: str) -> bytes:
    row = db.execute("SELECT content FROM attachments WHERE id = ?", [address]).fetchone()
    if row is None:
        raise InvalidRequest("storage.attachment.unknown")
    return keys.decrypt(row[0], f"attachment:{address}")
