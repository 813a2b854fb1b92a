"""Versioned data the county publishes for every village: working-day tables and the catalog.

Both are signed by the county and passed down unchanged by the township, so a
village believes only the county's key.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from forms import strictjson
from forms.catalog import catalog_files
from forms.errors import FormsError
from forms.workdays import YearTable
from storage import audit, catalogs, events, syncstate
from storage.crypto import Keys
from storage.db import Database
from storage.errors import InvalidRequest
from storage.store import Session, Store
from sync import signed
from sync.errors import BundleRejected, SyncError
from sync.node import Node


class PublishError(SyncError):
    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def publish_calendar(node: Node, table: YearTable) -> int:
    """County: sign a year's table, use it here, and queue it to every township. Returns the queue count."""
    if node.kind != "county":
        raise PublishError("only the county publishes the calendar", "节假日安排只能由县级中心发布")
    record = signed.sign("calendar", table.as_mapping(), node.keys)
    node.session.import_calendar(table)
    database = node.session.store.database
    with database.write() as db:
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            syncstate.queue_downstream(db, code, "calendar", record)
        audit.append(db, node.session.operator.name, "calendar.publish", str(table.year),
                     table.version, node.session.keys)
    return len(townships)


def pass_down_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> None:
    """Township: use the county's table too, and pass the signed record to every village unchanged."""
    node.session.import_calendar(YearTable.from_mapping(body, "county"))
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            syncstate.queue_downstream(db, code, "calendar", raw)


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


# ---- the catalog ---------------------------------------------------------------------------------

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
    except (ValueError, zlib.error, binascii.Error) as exc:
        raise PublishError(f"catalog release unreadable: {exc}",
                           "事项目录更新包无法读取，已忽略") from None
    return {str(k): v.encode("utf-8") for k, v in files.items()}


def publish_catalog(node: Node, directory: Path) -> tuple[int, int, str]:
    """County: check a catalog folder strictly, sign it as the next release, use it here, send it down.

    Returns (serial, townships queued, catalog version). A malformed file stops
    everything with its name; nothing is signed or queued.
    """
    if node.kind != "county":
        raise PublishError("only the county publishes the catalog", "事项目录只能由县级中心发布")
    try:
        files = catalog_files(directory)
    except FormsError as exc:
        raise PublishError(str(exc), f"找不到事项目录文件夹或其中没有事项文件：{directory}") from None
    catalog = catalogs.check_files(files)
    database = node.session.store.database
    with database.write() as db:
        serial = catalogs.installed_serial(db) + 1
        published = datetime.now(timezone.utc).isoformat(timespec="seconds")
        record = signed.sign("catalog", {
            "serial": serial, "version": catalog.version, "published_at": published,
            "files": pack_files(files)}, node.keys)
        catalogs.install(db, serial=serial, files=files, record=record, published_at=published)
        townships = sorted({r[0] for r in db.execute(
            "SELECT village_code FROM peers WHERE role = 'township' AND revoked_at IS NULL")})
        for code in townships:
            syncstate.queue_downstream(db, code, "catalog", record)
        audit.append(db, node.session.operator.name, "catalog.publish", str(serial),
                     catalog.version, node.session.keys)
    return serial, len(townships), catalog.version


def install_catalog(database: Database, raw: bytes, body: dict[str, Any],
                    operator: str = "", keys: Keys | None = None) -> bool:
    """Install a county release already verified on arrival. False if it is not newer (replayed, stale)."""
    try:
        serial = int(body["serial"])
        files = unpack_files(str(body["files"]))
        published = str(body.get("published_at", ""))
    except (KeyError, TypeError, ValueError):
        raise PublishError("catalog release malformed", "事项目录更新包格式不正确，已忽略") from None
    with database.write() as db:
        done = catalogs.install(db, serial=serial, files=files, record=raw, published_at=published)
        if done and keys is not None:
            audit.append(db, operator, "catalog.install", str(serial), str(body.get("version", "")),
                         keys)
    return done


def catalog_at_township(node: Node, raw: bytes, body: dict[str, Any]) -> bool:
    """Township: use the county's release too, and pass the signed record to every village unchanged."""
    if not install_catalog(node.session.store.database, raw, body, node.session.operator.name,
                           node.session.keys):
        return False
    with node.session.store.database.write() as db:
        villages = sorted({r[0] for r in db.execute(
            "SELECT DISTINCT village_code FROM peers WHERE role = 'village'")})
        for code in villages:
            syncstate.queue_downstream(db, code, "catalog", raw)
    return True


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
                syncstate.alarm(db, "catalog_refused", "county", int(key.split(":")[1]), problem)
    return installed
