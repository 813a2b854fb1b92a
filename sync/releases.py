"""Versioned data the county publishes for every village, as a receiver holds it: the catalog
release's packed files, installing a verified release, and a village keeping what arrives until
an operator logs in. Publishing and the township's passing down are the center's (center/publish.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from forms import strictjson
from forms.workdays import YearTable
from storage import audit, catalogs, events, sync_alarms
from storage.crypto import Keys
from storage.db import Database
from storage.errors import InvalidRequest
from storage.store import Session, Store
from sync import signed
from sync.errors import BundleRejected
from sync.errors import PublishError as PublishError  # its home is sync/errors.py


def keep_at_village(store: Store, raw: bytes, body: dict[str, Any]) -> None:
    """Village, no operator needed: keep the county's signed table until someone logs in."""
    with store.database.write() as db:
        events.meta_set(db, f"pending_calendar:{int(body['year'])}", raw.hex())


def apply_pending(session: Session) -> int:
    """At login or after sync: install the tables the county sent (already verified on arrival)."""
    with session.store.database.read() as db:
        pending = db.execute("SELECT key, value FROM meta WHERE key LIKE 'pending_calendar:%'"
                             ).fetchall()
    for key, value in pending:
        body = signed.peek(bytes.fromhex(value)).body
        session.import_calendar(YearTable.from_mapping(body, "county"))
        with session.store.database.write() as db:
            db.execute("DELETE FROM meta WHERE key = ?", [key])
    return len(pending)


MAX_CATALOG_BYTES = 16 * 1024 * 1024


def pack_files(files: dict[str, bytes]) -> str:
    text = json.dumps({k: v.decode("utf-8") for k, v in sorted(files.items())},
                      ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(text, 9)).decode("ascii")


def unpack_files(packed: str) -> dict[str, bytes]:
    """The release's files; a body that is not one (or inflates past 16 MiB) is refused."""
    try:
        inflater = zlib.decompressobj()
        text = inflater.decompress(base64.b64decode(packed, validate=True), MAX_CATALOG_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("catalog release too large or cut short")
        files = strictjson.loads(text, max_depth=2, max_bytes=MAX_CATALOG_BYTES)
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("not a file table")
    except (ValueError, zlib.error, binascii.Error):
        raise PublishError("sync.release.unreadable") from None
    return {str(k): v.encode("utf-8") for k, v in files.items()}


def install_catalog(database: Database, raw: bytes, body: dict[str, Any],
                    operator: str = "", keys: Keys | None = None) -> bool:
    """Install a county release already verified on arrival. False if it is not newer (replayed, stale)."""
    try:
        serial = int(body["serial"])
        files = unpack_files(str(body["files"]))
        published = str(body.get("published_at", ""))
    except (KeyError, TypeError, ValueError):
        raise PublishError("sync.release.malformed") from None
    with database.write() as db:
        done = catalogs.install(db, serial=serial, files=files, record=raw, published_at=published)
        if done and keys is not None:
            audit.append(db, operator, "catalog.install", str(serial), str(body.get("version", "")),
                         keys)
    return done


def keep_catalog_at_village(store: Store, raw: bytes, body: dict[str, Any]) -> None:
    """Village, no operator needed: keep the county's signed release until someone logs in."""
    serial = int(body.get("serial", 0))
    with store.database.write() as db:
        if serial > catalogs.installed_serial(db):
            events.meta_set(db, f"pending_catalog:{serial:08d}", raw.hex())


def apply_pending_catalogs(session: Session) -> int:
    """At login or after sync: install the releases the county sent (verified on arrival), oldest first."""
    with session.store.database.read() as db:
        pending = db.execute("SELECT key, value FROM meta WHERE key LIKE 'pending_catalog:%'"
                             " ORDER BY key").fetchall()
    installed = 0
    for key, value in pending:
        raw = bytes.fromhex(value)
        problem = ""
        try:
            installed += install_catalog(session.store.database, raw, signed.peek(raw).body,
                                         session.operator.name, session.keys)
        except (PublishError, InvalidRequest, BundleRejected) as exc:
            problem = str(exc)  # dropped, with an alarm; the catalog in force stays
        with session.store.database.write() as db:
            db.execute("DELETE FROM meta WHERE key = ?", [key])
            if problem:
                sync_alarms.alarm(db, "catalog_refused", "county", int(key.split(":")[1]), problem)
    return installed
