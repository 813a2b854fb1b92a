"""Catalog releases: the county publishes the catalog as signed, versioned data; every node keeps each release.

The shipped catalog (`forms/catalog/`) is release 0. A release is installed only
if its serial is higher than the installed one, so a replayed or stale release
changes nothing. Earlier releases are kept, so an application or a draft started
on an item's earlier version is still checked against that version.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from forms.catalog import Catalog, catalog_from_files, load_catalog
from forms.errors import CatalogError, FormsError
from forms.model import Bundle, ServiceItem
from storage.db import Database
from storage.errors import InvalidRequest

_lock = threading.Lock()
_cache: dict[tuple[str, int], Catalog] = {}
_shipped: Catalog | None = None


@dataclass(frozen=True)
class Release:
    serial: int
    version: str
    published_at: str
    installed_at: str
    items: int


def shipped() -> Catalog:
    """Release 0: the catalog this software was installed with."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = load_catalog()
        return _shipped


def check_files(files: Mapping[str, bytes]) -> Catalog:
    """Parse a release strictly; a malformed file is refused with its name, in Chinese."""
    try:
        return catalog_from_files(files)
    except FormsError as exc:
        raise InvalidRequest("storage.catalog.refused", detail=exc) from None


def installed_serial(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT max(serial) FROM catalog_releases").fetchone()
    return int(row[0] or 0)


def install(db: sqlite_utils.Database, *, serial: int, files: Mapping[str, bytes], record: bytes,
            published_at: str) -> bool:
    """Keep a release inside the caller's transaction. False if it is not newer than what we have."""
    if serial <= installed_serial(db):
        return False
    catalog = check_files(files)
    db.execute(
        "INSERT INTO catalog_releases (serial, version, files, record, published_at, installed_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (serial, catalog.version,
         json.dumps({k: v.decode("utf-8") for k, v in files.items()}, ensure_ascii=False),
         record, published_at, datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return True


def _load(database: Database, serial: int) -> Catalog:
    key = (str(database.path), serial)
    with _lock:
        if key in _cache:
            return _cache[key]
    with database.read() as db:
        row = db.execute("SELECT files FROM catalog_releases WHERE serial = ?", [serial]).fetchone()
    files = {k: v.encode("utf-8") for k, v in json.loads(row[0]).items()}
    try:
        catalog = catalog_from_files(files)
    except CatalogError:  # checked at install; only a damaged store gets here
        raise InvalidRequest("storage.catalog.damaged", serial=serial) from None
    with _lock:
        _cache[key] = catalog
    return catalog


def active(database: Database) -> Catalog:
    """The newest installed release, or the shipped catalog when none was ever published."""
    with database.read() as db:
        serial = installed_serial(db)
    return _load(database, serial) if serial else shipped()


def entry_at(database: Database, code: str, version: str) -> ServiceItem | Bundle | None:
    """An item or bundle as it was at `version`: newest release first, the shipped catalog last."""
    with database.read() as db:
        serials = [r[0] for r in db.execute("SELECT serial FROM catalog_releases ORDER BY serial DESC")]
    for catalog in [*(_load(database, s) for s in serials), shipped()]:
        key = code.strip().upper()
        found = catalog.items.get(key) or catalog.bundles.get(key)
        if found is not None and found.version == version:
            return found
    return None


def latest_record(database: Database) -> bytes | None:
    """The county's signed record of the installed release, to pass on unchanged."""
    with database.read() as db:
        row = db.execute("SELECT record FROM catalog_releases ORDER BY serial DESC LIMIT 1").fetchone()
    return bytes(row[0]) if row else None


def releases(database: Database) -> list[Release]:
    with database.read() as db:
        rows = db.execute("SELECT serial, version, published_at, installed_at, files"
                          " FROM catalog_releases ORDER BY serial").fetchall()
    return [Release(r[0], r[1], r[2], r[3], len(json.loads(r[4]))) for r in rows]
